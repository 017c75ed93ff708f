#!/usr/bin/env python3
"""bench-latency.py - how long aksnet takes when ARM takes its time.

Runs `aksnet provision` (a first one, then a no-op re-run) and `aksnet plan`
of a plan (default examples/kubenet.json) against a fresh aksnet-mock over
HTTPS that answers every read --latency READ ms and every write (token
requests included) WRITE ms late, long-running operations answered at once
(--lro-seconds 0).  From the mock's journal (when each request arrived and
was answered, on which connection) it computes for each run:

  critical path  what the graph itself makes aksnet wait: the token, the
                 slowest read of those that depend on nothing, the slowest
                 of those that depend on another read (role assignments once
                 the principal is known, the subscription's cluster list),
                 then the longest chain of writes through the step graph
                 (src/provision/provision.c set_deps), each step weighing
                 the time its writes took.  Polls and re-reads are not
                 counted: they are the client's, not the graph's.
  deep           round trips in a row: the longest chain of requests each
                 sent after the one before it was answered
  connections    how many the run opened (one TLS handshake each: the mock
                 resumes no TLS session), and the most requests in flight
                 at once

Median of --runs runs (5), each with a mock of its own.  Writes a Markdown
table to --out (build/bench/latency.md) and standard output.  Loopback only;
every mock started is stopped on exit.

  scripts/bench-latency.py [--aksnet build/aksnet] [--mock build/aksnet-mock]
                           [--plan examples/kubenet.json] [--runs 5]
                           [--latency 100,300] [--out build/bench/latency.md]
                           [--baseline-aksnet PATH [--baseline-label TEXT]]

--baseline-aksnet measures a second aksnet binary (an older build) against
the same mocks and prints its table first, as "before".  Without it the
table printed as "before" is RECORDED_BEFORE below: aksnet as it was before
issue 13 (reads one after the other, a libcurl handle per chain), measured
by this script with --baseline-aksnet pointing at that build.
"""
import argparse
import datetime
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The write phase's edges, as src/provision/provision.c set_deps draws them for a user-assigned identity:
# each step after the steps it needs.
DEPS = {
    "group": [],
    "route-table": ["group"],
    "identity": ["group"],
    "vnet": ["group", "route-table"],
    "role-vnet": ["group", "identity", "vnet", "route-table"],
    "role-route-table": ["group", "identity", "vnet", "route-table"],
    "cluster": ["group", "identity", "vnet", "route-table", "role-vnet", "role-route-table"],
}


def when(text):
    """A journal time ("2026-12-05T06:55:56.202Z") in seconds."""
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def is_token(line):
    p = line["path"].lower()
    return p.endswith("/token") and ("/oauth2/" in p or p.startswith("/msi/"))


def write_step(path):
    """The step a write belongs to, from its path."""
    p = path.lower()
    if "/providers/microsoft.authorization/roleassignments/" in p:
        return "role-route-table" if "/routetables/" in p else "role-vnet"
    if re.search(r"/providers/[^/]+/register$", p):
        return "preflight"
    if "/microsoft.containerservice/managedclusters/" in p:
        return "cluster"
    if "/microsoft.managedidentity/userassignedidentities/" in p:
        return "identity"
    if "/microsoft.network/routetables/" in p:
        return "route-table"
    if "/microsoft.network/virtualnetworks/" in p:
        return "vnet"
    if re.fullmatch(r"/subscriptions/[^/]+/resourcegroups/[^/]+", p):
        return "group"
    return "other"


def read_level(path):
    """1: a read that needs nothing read first; 2: one that needs another's answer; 0: a poll."""
    p = path.lower()
    if "/operations/" in p or "/operationresults/" in p:
        return 0
    if "/providers/microsoft.authorization/roleassignments" in p:
        return 2  # needs the principal (the identity's read) and the scope (the VNet's, the route table's)
    if re.fullmatch(r"/subscriptions/[^/]+/providers/microsoft.containerservice/managedclusters", p):
        return 2  # read only when the subnet or the route table exists
    return 1


def analyse(lines):
    """The figures of one run from its journal lines."""
    reqs = []
    for line in lines:
        end = when(line["ts"])
        reqs.append({"line": line, "start": when(line["arrived"]), "end": end,
                     "dur": line["durationMs"] / 1000.0})
    token = max((r["dur"] for r in reqs if is_token(r["line"])), default=0.0)
    level = {1: 0.0, 2: 0.0}
    steps = {}
    preflight = 0.0
    for r in reqs:
        line = r["line"]
        if is_token(line):
            continue
        if line["method"] in ("GET", "HEAD"):
            lv = read_level(line["path"])
            if lv:
                level[lv] = max(level[lv], r["dur"])
            continue
        step = write_step(line["path"])
        if step == "preflight":
            preflight += r["dur"]
        elif step in DEPS:
            steps[step] = steps.get(step, 0.0) + r["dur"]
    finish = {}
    for step in DEPS:  # in dependency order
        finish[step] = steps.get(step, 0.0) + max((finish[d] for d in DEPS[step]), default=0.0)
    critical = token + level[1] + level[2] + preflight + max(finish.values(), default=0.0)
    # round trips in a row: 1 + the deepest request answered before this one was sent
    order = sorted(reqs, key=lambda r: r["start"])
    depth = []
    for i, r in enumerate(order):
        depth.append(1 + max((depth[j] for j in range(i) if order[j]["end"] <= r["start"]), default=0))
    events = sorted([(r["start"], 1) for r in reqs] + [(r["end"], -1) for r in reqs], key=lambda e: (e[0], e[1]))
    inflight = peak = 0
    for _, d in events:
        inflight += d
        peak = max(peak, inflight)
    return {"critical": critical, "deep": max(depth, default=0), "requests": len(reqs),
            "connections": len({r["line"].get("connection") for r in reqs}), "peak": peak}


class Mock:
    """aksnet-mock over HTTPS on a free loopback port, with a journal and a random client secret."""

    def __init__(self, binary, ca, tmp, latency):
        self.tmp = tmp
        self.journal = os.path.join(tmp, "journal.jsonl")
        self.client = str(uuid.uuid4())
        self.secret = secrets.token_hex(24)
        secret_file = os.path.join(tmp, "secret")
        with open(os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(self.secret)
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--tls-cert", os.path.join(ca, "server.pem"),
             "--tls-key", os.path.join(ca, "server.key"), "--client-secret", f"{self.client}=@{secret_file}",
             "--journal", self.journal, "--lro-seconds", "0", "--latency", latency],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        first = self.proc.stdout.readline().decode()
        if "listening on" not in first:
            self.proc.kill()
            sys.exit(f"bench-latency.py: the mock did not start: {self.proc.stderr.read().decode()}")
        self.url = first.split("listening on", 1)[1].strip()

    def lines(self):
        if not os.path.exists(self.journal):
            return []
        with open(self.journal) as f:
            return [json.loads(x) for x in f if x.strip()]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def run_aksnet(aksnet, command, plan, mock, ca):
    """One aksnet command against the mock: its wall time and the journal lines it caused."""
    env = dict(os.environ, AZURE_TENANT_ID=str(uuid.uuid5(uuid.NAMESPACE_URL, mock.url)),
               AZURE_CLIENT_ID=mock.client, AZURE_CLIENT_SECRET=mock.secret)
    before = len(mock.lines())
    t0 = time.monotonic()
    done = subprocess.run([aksnet, command, "-f", plan, "--arm-endpoint", mock.url, "--authority-host", mock.url,
                           "--cacert", os.path.join(ca, "ca.pem"), "--output", "json"],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    if done.returncode != 0:
        sys.exit(f"bench-latency.py: aksnet {command} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    lines = mock.lines()[before:]
    bad = [f"{x['method']} {x['status']} {x['path']}" for x in lines
           if x["status"] is None or (x["status"] >= 400 and not (x["method"] == "GET" and x["status"] == 404))]
    if bad:
        sys.exit("bench-latency.py: the mock refused requests:\n  " + "\n  ".join(bad))
    return wall, lines


RUNS = [("provision", "first provision"), ("provision", "no-op re-run of provision"), ("plan", "plan")]

# Measured on 2026-12-05 (2 cores) by `scripts/bench-latency.py --baseline-aksnet B --baseline-label ...`,
# B being build/aksnet of commit 4771278 (main before issue 13's first half), against this script's mocks.
RECORDED_BEFORE_LABEL = ("aksnet at commit 4771278, recorded 2026-12-05 on 2 cores: every read one after the "
                         "other, a libcurl handle and its connections per chain")
RECORDED_BEFORE = """\
| run | wall s | critical path s | wall ÷ critical path | round trips deep | requests | connections | most in flight |
|---|---:|---:|---:|---:|---:|---:|---:|
| first provision | 2.333 | 1.903 | 1.23 | 11 | 13 | 3 | 2 |
| no-op re-run of provision | 1.532 | 0.503 | 3.05 | 13 | 13 | 2 | 1 |
| plan | 1.534 | 0.502 | 3.06 | 13 | 13 | 2 | 1 |"""


def measure(aksnet, mock_bin, plan, runs, latency, ca):
    """name -> list of figure dicts, one per run."""
    results = {name: [] for _, name in RUNS}
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="aksnet-bench-latency.") as tmp:
            mock = Mock(mock_bin, ca, tmp, latency)
            try:
                for command, name in RUNS:
                    wall, lines = run_aksnet(aksnet, command, plan, mock, ca)
                    figures = analyse(lines)
                    figures["wall"] = wall
                    results[name].append(figures)
            finally:
                mock.stop()
    return results


def table(results):
    med = lambda name, key: statistics.median(f[key] for f in results[name])
    out = ["| run | wall s | critical path s | wall ÷ critical path | round trips deep | requests | "
           "connections | most in flight |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for _, name in RUNS:
        wall, crit = med(name, "wall"), med(name, "critical")
        out.append(f"| {name} | {wall:.3f} | {crit:.3f} | {wall / crit:.2f} | {med(name, 'deep'):.0f} | "
                   f"{med(name, 'requests'):.0f} | {med(name, 'connections'):.0f} | {med(name, 'peak'):.0f} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--aksnet", default=os.path.join(ROOT, "build/aksnet"))
    ap.add_argument("--mock", default=os.path.join(ROOT, "build/aksnet-mock"))
    ap.add_argument("--plan", default=os.path.join(ROOT, "examples/kubenet.json"))
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "5")))
    ap.add_argument("--latency", default="100,300")
    ap.add_argument("--out", default=os.path.join(ROOT, "build/bench/latency.md"))
    ap.add_argument("--baseline-aksnet")
    ap.add_argument("--baseline-label", default="before")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="aksnet-bench-ca.") as ca:
        subprocess.run(["sh", os.path.join(ROOT, "scripts/mock-ca.sh"), ca], check=True, stdout=subprocess.DEVNULL)
        baseline = measure(a.baseline_aksnet, a.mock, a.plan, a.runs, a.latency, ca) if a.baseline_aksnet else None
        results = measure(a.aksnet, a.mock, a.plan, a.runs, a.latency, ca)
    read_ms, _, write_ms = a.latency.partition(",")
    doc = ["## aksnet when ARM takes its time (issue 13)", "",
           f"Measured by `make bench` (`scripts/bench-latency.py --latency {a.latency}`), median of {a.runs} runs, "
           f"{os.cpu_count()} cores, {datetime.date.today().isoformat()}: "
           f"`aksnet provision` of `{os.path.relpath(a.plan, ROOT)}` (first, then a no-op re-run) and `aksnet plan`, "
           f"each against a fresh `aksnet-mock` over HTTPS answering reads {read_ms} ms and writes "
           f"{write_ms or read_ms} ms late (token requests too), operations at once (`--lro-seconds 0`). "
           "The critical path is computed from the mock's journal (see the script); \"deep\" counts requests in a "
           "row, each sent after the last was answered.", ""]
    if baseline:
        doc += [f"Before ({a.baseline_label}):", "", table(baseline), "", "After:", ""]
    elif a.latency == "100,300" and os.path.samefile(a.plan, os.path.join(ROOT, "examples/kubenet.json")):
        doc += [f"Before ({RECORDED_BEFORE_LABEL}):", "", RECORDED_BEFORE, "", "After (this build):", ""]
    med = lambda name, key: statistics.median(f[key] for f in results[name])
    over = lambda name: (med(name, "wall") / med(name, "critical") - 1) * 100
    this_run = "; ".join(f"{name} {med(name, 'deep'):.0f} deep, {over(name):+.0f}% over its critical path"
                         for _, name in RUNS)
    doc += [table(results), "",
            "Aim (issue 13): a no-op re-run and `aksnet plan` at most 3 round trips deep, a first provision "
            f"within 10% of the critical path.  This run: {this_run}.",
            "",
            "Connections: a run opens one for each request in flight at its busiest moment (the four provider "
            "reads and five resource reads together), the token request's among them, and reuses them for "
            "everything after; over HTTPS each is one TLS handshake against the mock, which resumes no TLS "
            "session, where a server that does lets the later ones resume the first one's.  The first "
            "provision reads the resources of a group that does not exist yet too (404s, in parallel with the "
            "group's own read): four more requests, no more waiting.", ""]
    text = "\n".join(doc)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
