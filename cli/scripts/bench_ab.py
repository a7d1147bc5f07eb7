#!/usr/bin/env python3
"""A/B of `smpp bench`: old and new binaries interleaved in one run, each against its own
`smpp smsc`. Prints msgs_per_sec per run and the medians' ratio."""
import json, os, statistics, subprocess, sys, time
OLD = os.environ.get("OLD", "smpp-before")
NEW = os.environ.get("NEW", "target/release/smpp")
ROUNDS = int(os.environ.get("ROUNDS", "3"))
CASES = [
    ("w256", ["--count", "200000", "--window", "256"]),
    ("w1", ["--count", "20000", "--window", "1"]),
    ("receipts", ["--count", "100000", "--window", "256", "--receipts"]),
]
def smsc(bin):
    p = subprocess.Popen([bin, "smsc", "--listen", "127.0.0.1:0"], stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    assert line.startswith("listening on "), line
    return p, line.split()[-1]
res = {}
for rnd in range(ROUNDS):
    for name, args in CASES:
        for label, bin in (("old", OLD), ("new", NEW)):
            p, addr = smsc(bin)
            out = subprocess.run([bin, "bench", "--connect", addr, "--json", *args], capture_output=True, text=True, timeout=300)
            p.terminate(); p.wait()
            j = json.loads(out.stdout.strip().splitlines()[-1])
            res.setdefault((name, label), []).append(j["msgs_per_sec"])
            print(rnd, name, label, round(j["msgs_per_sec"]), flush=True)
for name, _ in CASES:
    o = statistics.median(res[(name, "old")]); n = statistics.median(res[(name, "new")])
    print(f"{name}: old median {o:.0f}  new median {n:.0f}  new/old {n/o:.3f}")
