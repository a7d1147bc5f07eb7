#!/usr/bin/env python3
"""`smpp bench` against `smpp smsc` without and with `--http`, the runs interleaved; with
`--http`, a poller GETs /api/sessions and /metrics ten times a second each for the whole
run. Prints msgs_per_sec per run, the medians and their ratio (with / without).

    SMPP=target/release/smpp ROUNDS=5 python3 cli/scripts/http_load.py

Environment: SMPP (the binary), ROUNDS (default 5), COUNT (messages per run, default
300000), WINDOW (default 256), BINDS (default 1), RECEIPTS=1 to ask for receipts.
"""
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

SMPP = os.environ.get("SMPP", "target/release/smpp")
ROUNDS = int(os.environ.get("ROUNDS", "5"))
COUNT = os.environ.get("COUNT", "300000")
WINDOW = os.environ.get("WINDOW", "256")
BINDS = os.environ.get("BINDS", "1")
RECEIPTS = os.environ.get("RECEIPTS") == "1"


def smsc(http):
    args = [SMPP, "smsc", "--listen", "127.0.0.1:0", "--window", "1024"]
    if http:
        args += ["--http", "127.0.0.1:0"]
    p = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    addr = p.stderr.readline().split()[-1]
    control = None
    if http:
        line = p.stderr.readline()
        assert "control plane on http://" in line, line
        control = line.rsplit("http://", 1)[1].strip().rstrip("/")
    return p, addr, control


def poller(control, stop, counts):
    """GET /api/sessions and /metrics, each ten times a second, until `stop` is set."""
    period = 0.1
    next_at = time.monotonic()
    while not stop.is_set():
        for path in ("/api/sessions", "/metrics"):
            with urllib.request.urlopen(f"http://{control}{path}", timeout=10) as r:
                r.read()
                counts[path] = counts.get(path, 0) + 1
                assert r.status == 200
        next_at += period
        stop.wait(max(0.0, next_at - time.monotonic()))


def run(http):
    p, addr, control = smsc(http)
    stop, counts = threading.Event(), {}
    t = None
    if http:
        t = threading.Thread(target=poller, args=(control, stop, counts), daemon=True)
        t.start()
    try:
        args = [SMPP, "bench", "--connect", addr, "--json", "--count", COUNT, "--window", WINDOW,
                "--binds", BINDS]
        if RECEIPTS:
            args.append("--receipts")
        out = subprocess.run(args, capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            sys.exit(f"bench failed: {out.stdout}\n{out.stderr}")
        j = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        stop.set()
        if t:
            t.join()
        p.terminate()
        p.wait()
    return j, counts


def main():
    res = {False: [], True: []}
    print(f"{SMPP}: {ROUNDS} rounds, --count {COUNT} --window {WINDOW} --binds {BINDS}"
          f"{' --receipts' if RECEIPTS else ''}", flush=True)
    for rnd in range(ROUNDS):
        # Alternate which goes first, so neither always runs on a warmer machine.
        for http in ((False, True) if rnd % 2 == 0 else (True, False)):
            j, counts = run(http)
            res[http].append(j["msgs_per_sec"])
            assert j["errors"] == 0 and j["failed"] == 0, j
            polls = f" polls {counts}" if http else ""
            print(f"round {rnd} {'with --http' if http else 'without   '} "
                  f"{j['msgs_per_sec']:>12,.0f} msgs/s p50 {j.get('p50_ms')} ms{polls}", flush=True)
    base, with_http = statistics.median(res[False]), statistics.median(res[True])
    print(f"median without --http: {base:,.0f} msgs/s")
    print(f"median with --http (polled 10/s): {with_http:,.0f} msgs/s")
    print(f"ratio with/without: {with_http / base:.3f}")


if __name__ == "__main__":
    main()
