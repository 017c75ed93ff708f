#!/usr/bin/env python3
"""bench-fleet.py - many plans in one aksnet against ARM's throttle.

Runs `aksnet provision --plans DIR --parallel P` for fleets of 1, 10 and 100
plans (--sizes) in one subscription, each plan its own resource group, VNet
and cluster with the default pod range, against a fresh aksnet-mock over
HTTPS that answers reads READ ms and writes WRITE ms late (--latency),
takes 1 s for each long-running operation (--lro-seconds) and throttles as
ARM does (--throttle: per subscription and principal, writes 200 refilled
10 a second, reads 250 refilled 25 a second).  From the mock's journal and
the process's resource usage it reports, per fleet size:

  writes, reads  ARM requests the mock answered (token requests left out)
  bound          what ARM's write bucket alone imposes: the writes it
                 admitted (not answered 429) beyond the bucket's 200, at 10
                 a second (0 when they fit in it)
  wall / bound   how close the fleet comes to that floor
  429            answers 429 (and their share of all ARM answers)
  peak RSS       aksnet's maximum resident set (GNU time's %M)

With --baseline-aksnet B the same fleets are also run the way one would
without a fleet: one `B provision -f PLAN` per plan, P at a time (a shell's
`xargs -P`), each its own process with its own credential, token and pacer.
Without it, the figures printed as "before" are RECORDED_BEFORE below.

Median of --runs runs for fleets of 10 plans or fewer, --runs-large for
larger ones (each a minute).  Writes a Markdown section to --out
(build/bench/fleet.md) and standard output.  Loopback only; every mock
started is stopped on exit.

  scripts/bench-fleet.py [--aksnet build/aksnet] [--mock build/aksnet-mock] [--sizes 1,10,100]
                         [--parallel 20] [--latency 100,300] [--lro-seconds 1] [--runs 5] [--runs-large 1]
                         [--baseline-aksnet PATH] [--out build/bench/fleet.md]
"""
import argparse
import datetime
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
WRITE_BUCKET, WRITE_REFILL = 200, 10.0  # ARM's write bucket (request-limits-and-throttling)


def write_plans(folder, count):
    """count plans: cluster aksNNN in group rg-NNN, its own VNet, AKS's default pod range."""
    names = []
    for i in range(count):
        name = f"aks{i:03d}"
        plan = {
            "subscriptionId": SUBSCRIPTION, "location": "chinaeast2", "resourceGroup": f"rg-{i:03d}",
            "network": {"vnet": {"name": "vnet", "addressPrefixes": ["10.1.0.0/16"]},
                        "subnet": {"name": "nodes", "addressPrefix": "10.1.0.0/24"}},
            "identity": {"type": "UserAssigned", "name": f"{name}-id"},
            "cluster": {"name": name, "nodePools": [{"name": "nodepool1", "count": 3, "mode": "System"}]},
        }
        path = os.path.join(folder, f"{name}.json")
        with open(path, "w") as f:
            json.dump(plan, f)
        names.append(path)
    return names


class Mock:
    """aksnet-mock over HTTPS on a free loopback port, throttling, with a journal and a random client secret."""

    def __init__(self, binary, ca, tmp, latency, lro_seconds):
        self.journal = os.path.join(tmp, "journal.jsonl")
        self.client = str(uuid.uuid4())
        self.secret = secrets.token_hex(24)
        secret_file = os.path.join(tmp, "secret")
        with open(os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(self.secret)
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--tls-cert", os.path.join(ca, "server.pem"),
             "--tls-key", os.path.join(ca, "server.key"), "--client-secret", f"{self.client}=@{secret_file}",
             "--journal", self.journal, "--lro-seconds", str(lro_seconds), "--latency", latency, "--throttle"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        first = self.proc.stdout.readline().decode()
        if "listening on" not in first:
            self.proc.kill()
            sys.exit(f"bench-fleet.py: the mock did not start: {self.proc.stderr.read().decode()}")
        self.url = first.split("listening on", 1)[1].strip()

    def lines(self):
        with open(self.journal) as f:
            return [json.loads(x) for x in f if x.strip()]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def is_arm(line):
    p = line["path"].lower()
    return p.startswith("/subscriptions") or p.startswith("/providers") or p.startswith("/tenants")


def run(argv, env, tmp):
    """Run argv; its wall time, exit code, peak RSS (MB) and stderr's tail.

    The peak RSS is GNU time's (%M, the largest of the process and the children it waited for): the child of
    a fork keeps the forking process's peak in its own across exec, so this script's own size would show in
    a getrusage of its child.
    """
    rss_file = os.path.join(tmp, "rss")
    t0 = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file] + argv, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    with open(rss_file) as f:
        rss = int(f.read().split()[-1]) / 1024.0
    return wall, proc.returncode, rss, proc.stderr.decode(errors="replace")[-3000:]


def measure_one(aksnet, mock_bin, ca, size, parallel, latency, lro_seconds, separate):
    with tempfile.TemporaryDirectory(prefix="aksnet-bench-fleet.") as tmp:
        plans_dir = os.path.join(tmp, "plans")
        os.mkdir(plans_dir)
        paths = write_plans(plans_dir, size)
        mock = Mock(mock_bin, ca, tmp, latency, lro_seconds)
        try:
            env = dict(os.environ, AZURE_TENANT_ID=str(uuid.uuid5(uuid.NAMESPACE_URL, mock.url)),
                       AZURE_CLIENT_ID=mock.client, AZURE_CLIENT_SECRET=mock.secret)
            common = ["--arm-endpoint", mock.url, "--authority-host", mock.url, "--cacert",
                      os.path.join(ca, "ca.pem")]
            if separate:
                # One process per plan, `parallel` at a time, as a shell runs a fleet without aksnet's; each
                # leaves its exit code in PLAN.exit.
                listing = os.path.join(tmp, "list")
                with open(listing, "w") as f:
                    f.write("\n".join(paths) + "\n")
                one = 'p=$1; shift; "$0" provision -f "$p" "$@" >/dev/null 2>&1; echo $? >"$p.exit"'
                argv = ["sh", "-c", f"xargs -P {parallel} -I PLAN sh -c '{one}' \"$0\" PLAN \"$@\" <\"{listing}\"",
                        aksnet] + common
            else:
                argv = [aksnet, "provision", "--plans", plans_dir, "--parallel", str(parallel), "-o", "json"] + common
            wall, code, rss, err = run(argv, env, tmp)
            if separate:
                failed = sum(1 for p in paths if open(p + ".exit").read().strip() != "0")
            elif code != 0:
                sys.exit(f"bench-fleet.py: {' '.join(argv[:6])} ... exited {code}:\n{err}")
            else:
                failed = 0
            lines = [x for x in mock.lines() if is_arm(x)]
        finally:
            mock.stop()
    writes = sum(1 for x in lines if x["method"] not in ("GET", "HEAD"))
    reads = len(lines) - writes
    throttled = sum(1 for x in lines if x["status"] == 429)
    admitted = sum(1 for x in lines if x["method"] not in ("GET", "HEAD") and x["status"] != 429)
    bound = max(0, admitted - WRITE_BUCKET) / WRITE_REFILL  # a write answered 429 took no token
    return {"wall": wall, "writes": writes, "reads": reads, "throttled": throttled, "requests": len(lines),
            "bound": bound, "rss": rss, "failed": failed}


def measure(aksnet, mock_bin, ca, sizes, parallel, latency, lro_seconds, runs, runs_large, separate):
    results = {}
    for size in sizes:
        n = runs if size <= 10 else runs_large
        results[size] = [measure_one(aksnet, mock_bin, ca, size, parallel, latency, lro_seconds, separate)
                         for _ in range(n)]
    return results


def table(results, parallel, separate):
    med = lambda size, key: statistics.median(r[key] for r in results[size])
    rss_label = "peak RSS MB (the largest process)" if separate else "peak RSS MB"
    out = [f"| plans | at once | runs | failed | writes | reads | wall s | bound s | wall ÷ bound | 429 | 429 % | "
           f"{rss_label} |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size in sorted(results):
        wall, bound = med(size, "wall"), med(size, "bound")
        ratio = f"{wall / bound:.3f}" if bound > 0 else "—"
        share = 100.0 * med(size, "throttled") / med(size, "requests")
        out.append(f"| {size} | {min(parallel, size)} | {len(results[size])} | {med(size, 'failed'):.0f} | "
                   f"{med(size, 'writes'):.0f} | "
                   f"{med(size, 'reads'):.0f} | {wall:.2f} | {bound:.1f} | {ratio} | {med(size, 'throttled'):.0f} | "
                   f"{share:.2f} | {med(size, 'rss'):.1f} |")
    return "\n".join(out)


# Measured on 2026-12-05 (2 cores) by `scripts/bench-fleet.py --baseline-aksnet B`, B being build/aksnet of
# commit 175bf15 (main before the fleet and the pacer), against this script's mocks: one process per plan, 20 at
# a time, each with its own credential, token and connections.
RECORDED_BEFORE_LABEL = ("aksnet at commit 175bf15, recorded 2026-12-05 on 2 cores: one process per plan, 20 at a "
                         "time (`xargs -P 20`), no pacing")
RECORDED_BEFORE = """\
| plans | at once | runs | failed | writes | reads | wall s | bound s | wall ÷ bound | 429 | 429 % | peak RSS MB (the largest process) |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| 1 | 1 | 5 | 0 | 7 | 12 | 5.29 | 0.0 | — | 0 | 0.00 | 13.5 |
| 10 | 10 | 5 | 0 | 70 | 120 | 5.42 | 0.0 | — | 0 | 0.00 | 13.8 |
| 100 | 20 | 1 | 23 | 599 | 2080 | 36.52 | 34.4 | 1.062 | 1134 | 42.33 | 13.9 |"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--aksnet", default=os.path.join(ROOT, "build/aksnet"))
    ap.add_argument("--mock", default=os.path.join(ROOT, "build/aksnet-mock"))
    ap.add_argument("--sizes", default="1,10,100")
    ap.add_argument("--parallel", type=int, default=20)
    ap.add_argument("--latency", default="100,300")
    ap.add_argument("--lro-seconds", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "5")))
    ap.add_argument("--runs-large", type=int, default=1)
    ap.add_argument("--baseline-aksnet")
    ap.add_argument("--baseline-label", default="before")
    ap.add_argument("--out", default=os.path.join(ROOT, "build/bench/fleet.md"))
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="aksnet-bench-ca.") as ca:
        subprocess.run(["sh", os.path.join(ROOT, "scripts/mock-ca.sh"), ca], check=True, stdout=subprocess.DEVNULL)
        baseline = None
        if a.baseline_aksnet:
            baseline = measure(a.baseline_aksnet, a.mock, ca, sizes, a.parallel, a.latency, a.lro_seconds, a.runs,
                               a.runs_large, True)
        results = measure(a.aksnet, a.mock, ca, sizes, a.parallel, a.latency, a.lro_seconds, a.runs, a.runs_large,
                          False)
    read_ms, _, write_ms = a.latency.partition(",")
    doc = ["## A fleet of plans in one process against ARM's throttle (issue 13)", "",
           f"Measured by `make bench` (`scripts/bench-fleet.py --sizes {a.sizes} --parallel {a.parallel} "
           f"--latency {a.latency} --lro-seconds {a.lro_seconds:g}`), {os.cpu_count()} cores, "
           f"{datetime.date.today().isoformat()}: `aksnet provision --plans DIR --parallel {a.parallel}` of fleets "
           "of plans in one subscription (each its own resource group, VNet and cluster, AKS's default pod range), "
           f"against a fresh `aksnet-mock --throttle` over HTTPS answering reads {read_ms} ms and writes "
           f"{write_ms or read_ms} ms late, each long-running operation taking {a.lro_seconds:g} s. The bound is "
           f"what ARM's write bucket imposes: the writes it admitted (not answered 429) beyond its {WRITE_BUCKET}, at "
           f"{WRITE_REFILL:g} a second. "
           f"Median of {a.runs} runs up to 10 plans, {a.runs_large} above.", ""]
    if baseline:
        doc += [f"Before ({a.baseline_label}: one process per plan, {a.parallel} at a time, no pacing):", "",
                table(baseline, a.parallel, True), "", "After (one process, a fleet):", ""]
    elif RECORDED_BEFORE:
        doc += [f"Before ({RECORDED_BEFORE_LABEL}):", "", RECORDED_BEFORE, "", "After (one process, a fleet):", ""]
    doc += [table(results, a.parallel, False), ""]
    if baseline or RECORDED_BEFORE:
        doc += ["Before, each process spends the one bucket blind to the others until ARM answers 429: plans fail "
                "once their retries run out, and twenty processes at a time hold twenty times the memory of one. "
                "After, one process paces every plan from ARM's counts: no 429, every plan done, one token.", ""]
    big = max(sizes)
    med = lambda key: statistics.median(r[key] for r in results[big])
    if med("bound") > 0:
        over = (med("wall") / med("bound") - 1) * 100
        share = 100.0 * med("throttled") / med("requests")
        doc += [f"Aim (issue 13): {big} plans within 10% of the bound, fewer than 1% of requests answered 429, "
                f"peak RSS under 64 MB. This run: {over:+.1f}% over the bound, {share:.2f}% answered 429, "
                f"{med('rss'):.1f} MB.", "",
                "What lies above the bound: the start (the token, the peering check's reads, each plan's reads "
                "before its first write: about a second in which the bucket refills unused) and the end (the last "
                "cluster's operation and poll after the last write). More plans at once do not help: with "
                "`--parallel 40` every plan's writes queue behind forty plans', and the last plans' chains of "
                "dependent writes end later (55.5 s against 53.4 s for 10 or 20, over HTTP, 2026-12-05).", ""]
    small = [s for s in sorted(results) if s < big]
    if small:
        growth = ", ".join(f"{s} plan{'' if s == 1 else 's'} {statistics.median(r['wall'] for r in results[s]):.2f} s"
                           for s in sorted(results))
        doc += [f"Growth of the wall time with the fleet: {growth}. Below the write bucket (up to 28 plans of 7 "
                "writes) a fleet takes about as long as one plan; above it, the bucket's refill sets the pace.", ""]
    text = "\n".join(doc)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
