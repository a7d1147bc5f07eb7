#!/usr/bin/env python3
"""Writes a pcap of one SMPP connection carrying pipelined submit_sm/submit_sm_resp pairs
(8 PDUs per TCP segment) until the file reaches SIZE octets: the input of the
`smpp inspect` throughput and memory figures in BENCHMARKS.md.

Usage: gen_capture.py FILE SIZE
"""
import struct, sys
out = open(sys.argv[1], 'wb'); target = int(sys.argv[2])
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff
A = (bytes([127,0,0,1]), 40000); B = (bytes([127,0,0,1]), 2775)
seq = {0: 1000, 1: 5000}
ts = [1_700_000_000, 0]
def pkt(d, payload, flags=0x18):
    src, dst = (A, B) if d == 0 else (B, A)
    tcp = struct.pack('!HHIIBBHHH', src[1], dst[1], seq[d], seq[1-d], 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp) + len(payload), 0, 0, 64, 6, 0, src[0], dst[0])
    eth = b'\0' * 12 + b'\x08\x00'
    frame = eth + ip + tcp + payload
    ts[1] += 10
    if ts[1] >= 1_000_000: ts[0] += 1; ts[1] = 0
    out.write(struct.pack('<IIII', ts[0], ts[1], len(frame), len(frame)) + frame)
    seq[d] = (seq[d] + len(payload) + (1 if flags & 0x03 else 0)) & 0xffffffff
    return len(frame) + 16
def pdu(cid, seqn, body=b'', status=0):
    return struct.pack('!IIII', 16 + len(body), cid, status, seqn) + body
total = 0
total += pkt(0, b'', 0x02); total += pkt(1, b'', 0x12)
total += pkt(0, pdu(9, 1, b'u\0p\0\0\x34\0\0\0')); total += pkt(1, pdu(0x80000009, 1, b'smsc\0'))
sm = b'\0\1\1' + b'447700900999\0' + b'\1\1' + b'447700900123\0' + b'\0\0\0\0\0\1\0\0\0\x0a' + b'hello 1234'
n = 2
while total < target:
    # 8 PDUs per packet, like a pipelined window
    reqs = b''.join(pdu(4, n + i, sm) for i in range(8))
    resps = b''.join(pdu(0x80000004, n + i, b'%08x\0' % (n + i)) for i in range(8))
    total += pkt(0, reqs); total += pkt(1, resps); n += 8
total += pkt(0, pdu(6, n)); total += pkt(1, pdu(0x80000006, n))
print(total, n)
