#!/usr/bin/env python3
"""Checks `smpp inspect --json` of a capture of one `smpp send --wait-receipt` session:
one SMPP connection that binds, PARTS submit_sm each answered ESME_ROK, PARTS receipts matched
to their submits, nothing unanswered or undecodable, unbound and closed.

Usage: check_inspect.py REPORT.json PARTS
"""
import json
import sys


def count(conn, direction, command):
    return sum(
        c["count"]
        for c in conn["commands"]
        if c["direction"] == direction and c["command"] == command
    )


def main():
    report = json.load(open(sys.argv[1]))
    parts = int(sys.argv[2])
    problems = []

    def expect(what, got, want):
        if got != want:
            problems.append(f"{what}: {got!r}, expected {want!r}")

    # The readiness probe (connect and close) is an SMPP-port connection without a bind.
    conns = [c for c in report["connections"] if c.get("bind")]
    expect("SMPP connections with a bind", len(conns), 1)
    if conns:
        c = conns[0]
        expect("bind status", c["bind"]["status"], "ESME_ROK")
        expect("bind system_id", c["bind"]["system_id"], "smppclient1")
        expect("submit_sm", count(c, "esme->smsc", "submit_sm"), parts)
        expect("submit_sm_resp", count(c, "smsc->esme", "submit_sm_resp"), parts)
        expect("deliver_sm", count(c, "smsc->esme", "deliver_sm"), parts)
        expect("deliver_sm_resp", count(c, "esme->smsc", "deliver_sm_resp"), parts)
        expect("unanswered", c["unanswered"]["total"], 0)
        expect("decode errors", c["decode_errors"]["total"], 0)
        expect("unbind by", (c.get("unbind") or {}).get("by"), "esme")
        expect("state", c["state"], "CLOSED")
    r = report["receipts"]
    expect("receipts matched", r["matched"], parts)
    expect("submits without receipt", r["submits_without_receipt"], 0)
    if problems:
        print("smpp inspect report is wrong:\n  " + "\n  ".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"smpp inspect: {parts} submits, {r['matched']} receipts matched, session closed")


if __name__ == "__main__":
    main()
