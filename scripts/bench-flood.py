#!/usr/bin/env python3
"""bench-flood.py - does aksnet-mock still answer while a flood of connections
that never finish a request is open?

Starts the mock (a fresh one per scenario, on a free loopback port), opens
IDLE connections that send nothing and SLOW ones that send a request line and
half their headers (a slow-loris client), then asks five times for the health
check (GET /healthz) and a resource group (GET with a bearer token), each on a
new connection, and reports how long the answers took (or "none" after
--timeout seconds), the mock's threads and resident memory while flooded, and
how many flood connections the mock had closed by the end.

  scripts/bench-flood.py [--mock build/aksnet-mock] [--timeout 20]
                         [--scenario IDLE,SLOW]... [--watch-close SECONDS]

Default scenarios: 400,0  0,300  400,300  2000,1000.  --watch-close waits
up to that long after the probes, saying each second how many flood
connections the mock has closed (its idle timeout) and whether the health
check is answered again (after a flood larger than the connection limit).  Loopback only; every mock started is stopped on exit.
"""
import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

SUB = "00000000-0000-0000-0000-000000000000"
TENANT = "00000000-0000-0000-0000-000000000001"
CLIENT, SECRET = "flood-client", "flood-secret"
RG = f"/subscriptions/{SUB}/resourcegroups/flood-rg?api-version=2021-04-01"


def start_mock(binary, tmp):
    port_file = os.path.join(tmp, "port")
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--port-file", port_file,
                             "--client-secret", f"{CLIENT}={SECRET}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()
    if "listening on" not in line:
        proc.kill()
        sys.exit(f"bench-flood.py: the mock did not start: {proc.stderr.read().decode()}")
    return proc, int(line.rsplit(":", 1)[1])


def token_and_group(port):
    base = f"http://127.0.0.1:{port}"
    form = (f"grant_type=client_credentials&client_id={CLIENT}&client_secret={SECRET}"
            "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default").encode()
    with urllib.request.urlopen(f"{base}/{TENANT}/oauth2/v2.0/token", form, timeout=10) as r:
        token = json.load(r)["access_token"]
    rq = urllib.request.Request(base + RG, b'{"location":"eastus"}', method="PUT",
                                headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(rq, timeout=10):
        pass
    return token


def flood(port, idle, slow):
    socks = []
    for i in range(idle + slow):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if i >= idle:
            s.sendall(b"GET " + RG.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        socks.append(s)
    return socks


def ask(port, path, token, timeout):
    """Seconds until the status line came, or None."""
    started = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n".encode())
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else None
        return (time.monotonic() - started, status) if status else (None, None)
    except OSError:
        return None, None


def closed_count(socks):
    n = 0
    for s in socks:
        try:
            s.setblocking(False)
            if s.recv(1, socket.MSG_PEEK) == b"":
                n += 1
        except BlockingIOError:
            pass
        except OSError:
            n += 1
    return n


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("Threads", "VmRSS"):
                out[key] = value.strip()
    return out


def fmt(times):
    got = [t for t in times if t is not None]
    if len(got) < len(times):
        return f"{len(times) - len(got)}/{len(times)} none"
    return f"{statistics.median(got) * 1000:.1f} ms (max {max(got) * 1000:.1f})"


def scenario(binary, idle, slow, timeout, watch):
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start_mock(binary, tmp)
        socks = []
        try:
            token = token_and_group(port)
            t0 = time.monotonic()
            socks = flood(port, idle, slow)
            opened = time.monotonic() - t0
            health, get, statuses = [], [], set()
            for _ in range(5):
                t, st = ask(port, "/healthz", None, timeout)
                health.append(t)
                statuses.add(st)
                t, st = ask(port, RG, token, timeout)
                get.append(t)
                statuses.add(st)
            st = proc_status(proc.pid)
            line = (f"| {idle:5d} | {slow:5d} | {opened:5.2f} s | {fmt(health):>24} | {fmt(get):>24} | "
                    f"{st.get('Threads', '?'):>7} | {st.get('VmRSS', '?'):>10} | {closed_count(socks):6d} |")
            print(line, flush=True)
            if watch:
                start, answered = time.monotonic(), None
                while time.monotonic() - start < watch:
                    time.sleep(1)
                    n = closed_count(socks)
                    if answered is None and ask(port, "/healthz", None, 1.0)[0] is not None:
                        answered = time.monotonic() - start
                    print(f"  after {time.monotonic() - start:5.1f} s: {n} of {len(socks)} closed; /healthz "
                          + (f"answered since {answered:.1f} s" if answered is not None else "not answered"),
                          flush=True)
                    if n == len(socks) and answered is not None:
                        break
            if statuses - {"200", None}:
                print(f"  statuses seen: {sorted(s for s in statuses if s)}", flush=True)
        finally:
            for s in socks:
                s.close()
            proc.terminate()
            proc.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mock", default="build/aksnet-mock")
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--scenario", action="append")
    ap.add_argument("--watch-close", type=float, default=0)
    a = ap.parse_args()
    scenarios = [tuple(int(x) for x in s.split(",")) for s in (a.scenario or ["400,0", "0,300", "400,300",
                                                                            "2000,1000"])]
    need = max(i + s for i, s in scenarios) + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    print("|  idle |  slow | opened  |          /healthz answered |           GET rg answered | threads |"
          "      RSS | closed |")
    print("|------:|------:|--------:|-------------------------:|-------------------------:|--------:|"
          "---------:|-------:|")
    for idle, slow in scenarios:
        scenario(a.mock, idle, slow, a.timeout, a.watch_close)


if __name__ == "__main__":
    main()
