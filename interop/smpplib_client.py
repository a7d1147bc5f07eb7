#!/usr/bin/env python3
"""Interop check: the third-party Python `smpplib` client against our SMSC.

Binds as a transceiver, submits a plain GSM message, a Unicode (UCS2) message and a long
message split into concatenated parts (UDH), and waits for one delivery receipt per
submitted part. Exits 0 when every part was accepted with a message id and every receipt
arrived and names one of those ids; prints what happened either way.

Usage: smpplib_client.py HOST PORT [SYSTEM_ID PASSWORD] [--tls CAFILE]
"""
import logging
import socket
import sys
import time

import smpplib.client
import smpplib.consts
import smpplib.gsm

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 2775
SYSTEM_ID = sys.argv[3] if len(sys.argv) > 3 else "smppclient1"
PASSWORD = sys.argv[4] if len(sys.argv) > 4 else "password"
TIMEOUT = 20.0

logging.basicConfig(level=logging.WARNING)

ssl_context = None
if "--tls" in sys.argv:
    import ssl

    class _VerifyingContext:
        """smpplib calls wrap_socket(sock) without server_hostname, which a verifying
        context refuses; pass HOST so the certificate's name is checked too."""

        def __init__(self, context, host):
            self._context = context
            self._host = host

        def wrap_socket(self, sock, **kwargs):
            kwargs.setdefault("server_hostname", self._host)
            return self._context.wrap_socket(sock, **kwargs)

    ssl_context = _VerifyingContext(
        ssl.create_default_context(cafile=sys.argv[sys.argv.index("--tls") + 1]), HOST
    )

accepted = []  # message ids from submit_sm_resp
receipts = []  # receipted ids from deliver_sm receipts
errors = []


def on_sent(pdu):
    if pdu.status != 0:
        errors.append(f"submit_sm_resp status {pdu.status}")
        return
    mid = pdu.message_id.decode() if isinstance(pdu.message_id, bytes) else str(pdu.message_id)
    accepted.append(mid)


def on_received(pdu):
    text = pdu.short_message or b""
    rid = getattr(pdu, "receipted_message_id", None)
    if isinstance(rid, bytes):
        rid = rid.decode(errors="replace")
    if not rid and b"id:" in text:
        rid = text.split(b"id:")[1].split(b" ")[0].decode()
    receipts.append(rid)
    print(f"receipt for {rid}: {text.decode(errors='replace')}")
    return 0


client = smpplib.client.Client(HOST, PORT, timeout=TIMEOUT, ssl_context=ssl_context)
client.set_message_sent_handler(on_sent)
client.set_message_received_handler(on_received)
client.connect()
client.bind_transceiver(system_id=SYSTEM_ID, password=PASSWORD)
print(f"bound to {HOST}:{PORT} as {SYSTEM_ID}")

messages = [
    "Hello from smpplib",
    "Unicode: привет, 你好, ½ ✓",
    "Long message: " + "The quick brown fox jumps over the lazy dog. " * 6,
]
parts_sent = 0
for text in messages:
    parts, encoding_flag, msg_type_flag = smpplib.gsm.make_parts(text)
    for part in parts:
        client.send_message(
            source_addr_ton=smpplib.consts.SMPP_TON_ALNUM,
            source_addr_npi=smpplib.consts.SMPP_NPI_UNK,
            source_addr="Interop",
            dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
            dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
            destination_addr="447700900123",
            short_message=part,
            data_coding=encoding_flag,
            esm_class=msg_type_flag,
            registered_delivery=True,
        )
        parts_sent += 1

deadline = time.monotonic() + TIMEOUT
client._socket.settimeout(1.0)
while time.monotonic() < deadline and (len(accepted) < parts_sent or len(receipts) < parts_sent):
    try:
        client.read_once()
    except socket.timeout:
        continue

client.unbind()
client.disconnect()

print(f"parts sent {parts_sent}, accepted {len(accepted)}, receipts {len(receipts)}")
ok = (
    not errors
    and len(accepted) == parts_sent
    and len(receipts) == parts_sent
    and set(receipts) == set(accepted)
)
if errors:
    print("errors:", errors)
print("interop: OK" if ok else "interop: FAILED")
sys.exit(0 if ok else 1)
