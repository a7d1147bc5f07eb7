#!/usr/bin/env python3
"""Idle memory per bound session of `smpp smsc`.

Usage: idle_rss.py SMPP_BINARY PORT N [RUNTIME]

Starts `SMPP_BINARY smsc --listen 127.0.0.1:PORT --inactivity-timeout 0` (with
`--runtime RUNTIME` when given), binds 50 transceivers as a warm-up, reads the server's
VmRSS, binds N more, waits a second, reads VmRSS again and prints the growth per bind.
Everything stays on loopback; the server is stopped at the end.
"""
import resource
import socket
import struct
import subprocess
import sys
import time

binary, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
extra = ["--runtime", sys.argv[4]] if len(sys.argv) > 4 else []
limit = (8192, 8192)
resource.setrlimit(resource.RLIMIT_NOFILE, limit)
server = subprocess.Popen(
    [binary, "smsc", "--listen", f"127.0.0.1:{port}", "--inactivity-timeout", "0"] + extra,
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
    preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, limit),
)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def bind(seq):
    body = b"smppclient1\0password\0\0" + bytes([0x34, 0, 0]) + b"\0"
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(struct.pack(">IIII", 16 + len(body), 0x09, 0, seq) + body)
    head = b""
    while len(head) < 16:
        head += s.recv(16 - len(head))
    length, _, status, _ = struct.unpack(">IIII", head)
    rest = length - 16
    while rest:
        rest -= len(s.recv(rest))
    if status != 0:
        raise RuntimeError(f"bind answered 0x{status:08X}")
    return s


try:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    warm = [bind(i + 1) for i in range(50)]
    time.sleep(0.5)
    before = rss_kib(server.pid)
    binds = [bind(i + 1) for i in range(n)]
    time.sleep(1.0)
    after = rss_kib(server.pid)
    print(f"{n} binds: RSS {before} KiB -> {after} KiB: "
          f"{(after - before) / n:.1f} KiB per idle bound session")
finally:
    server.terminate()
    server.wait()
