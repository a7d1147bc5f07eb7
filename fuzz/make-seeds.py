#!/usr/bin/env python3
"""Builds the seed corpus of every fuzz target from the golden vectors (3.4 and 5.0)."""
import json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..", "core", "tests", "data")
out = os.path.join(here, "corpus")
pdus = []
# SMPP 3.4 vectors, then the SMPP 5.0 ones (broadcast bodies, 5.0 TLVs).
for name in ("basic.jsonl", "smpp50.jsonl"):
    with open(os.path.join(data, name)) as f:
        for line in f:
            line = line.strip()
            if line:
                pdus.append(bytes.fromhex(json.loads(line)["hex"]))

def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

for i, p in enumerate(pdus):
    put("pdu", f"v{i}", p)
    put("framing", f"v{i}", bytes([i % 17]) + p + p)
    # session program: role, auto_respond, then "input chunk" ops carrying the PDU
    prog = bytes([i & 1, 0])
    for k in range(0, len(p), 255):
        chunk = p[k:k + 255]
        prog += bytes([0, len(chunk)]) + chunk
    prog += bytes([2, 0x02, 0x00, 4, 1, 2, 0xFF, 0xFF])
    put("session", f"v{i}", prog)
    put("udh_receipt", f"v{i}", p[16:])
    put("text", f"v{i}", bytes([0, 0]) + p[16:])
    put("reassembly", f"v{i}", bytes([1, len(p[16:]) & 0xFF]) + p[16:])
# endpoint program: retry budget, then accept three connections, bind two receivers of
# account "a" (menu 0), deliver, answer, let time pass, and close one link.
ep = bytes([2])
ep += bytes([0, 0]) + bytes([0, 0, 1]) + bytes([0, 1, 1])
ep += bytes([0, 0, 0, 1, 1]) + bytes([1, 2, 0, 2, 0])
ep += bytes([0, 6, 0]) * 3 + bytes([0, 2, 0, 3, 3, 0])
ep += bytes([0, 4, 0x01, 0x90, 0]) + bytes([1, 8, 2, 0]) + bytes([0, 4, 0x0F, 0xA0, 0])
put("endpoint", "deliveries", ep)
for i, p in enumerate(pdus):
    put("endpoint", f"v{i}", bytes([1, 0, 0, 0]) + bytes([0, 3, min(len(p), 63)]) + p[:63])
put("udh_receipt", "receipt", b"id:6f1d2a sub:001 dlvrd:001 submit date:2611212300 done date:2611212301 stat:DELIVRD err:000 text:Hello")
put("udh_receipt", "udh", bytes.fromhex("0500032A020150617274206F6E6520"))
# capture: small pcap files (Ethernet, IPv4, TCP): a handshake, data both ways, a FIN.
import struct
def tcp_frame(src, dst, sport, dport, seq, flags, payload):
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, bytes(src), bytes(dst))
    return bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00" + ip + tcp
def pcap(frames):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", i, 0, len(f), len(f)) + f
    return out
a, b = [10, 0, 0, 1], [10, 0, 0, 2]
enquire = bytes.fromhex("00000010000000150000000000000001")
put("capture", "session", pcap([
    tcp_frame(a, b, 40000, 2775, 99, 0x02, b""),
    tcp_frame(b, a, 2775, 40000, 499, 0x12, b""),
    tcp_frame(a, b, 40000, 2775, 116, 0x10, enquire[8:]),
    tcp_frame(a, b, 40000, 2775, 100, 0x10, enquire),
    tcp_frame(b, a, 2775, 40000, 500, 0x11, b""),
    tcp_frame(a, b, 40000, 2775, 124, 0x11, b""),
]))
for i, p in enumerate(pdus[:8]):
    put("capture", f"v{i}", pcap([tcp_frame(a, b, 1234, 2775, 7, 0x18, p)]))
print(f"seeded {len(pdus)} vectors into {out}", file=sys.stderr)
