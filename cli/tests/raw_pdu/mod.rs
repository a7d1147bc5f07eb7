//! Raw PDUs over plain TCP for the tests that talk to `smpp smsc` (or play the SMSC for a
//! client) without a client library in between: every read bounded.
#![allow(dead_code)]

use smpp_core::pdu::{Bind, BindResp, Body, Pdu, Tlvs};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// `generic_nack`.
pub const GENERIC_NACK: u32 = 0x8000_0000;
/// `ESME_RINVCMDID`.
pub const ESME_RINVCMDID: u32 = 0x0000_0003;

/// One frame as read: the header's fields and the whole frame.
#[derive(Debug)]
pub struct RawFrame {
    pub command_id: u32,
    pub command_status: u32,
    pub sequence_number: u32,
    pub bytes: Vec<u8>,
}

impl RawFrame {
    /// The frame parsed.
    pub fn pdu(&self) -> Pdu<'_> {
        Pdu::parse(&self.bytes).expect("a valid PDU")
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// A connection whose reads give up after `timeout`.
pub fn connect(addr: &str, timeout: Duration) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect to the simulator");
    s.set_read_timeout(Some(timeout)).unwrap();
    s
}

/// Encodes and writes `body` with `seq`.
pub fn write(s: &mut TcpStream, seq: u32, body: Body<'_>) {
    write_pdu(s, &Pdu::new(seq, body));
}

/// Encodes and writes a whole PDU (any status).
pub fn write_pdu(s: &mut TcpStream, pdu: &Pdu<'_>) {
    let mut buf = vec![0u8; pdu.encoded_len()];
    pdu.encode(&mut buf).expect("the test's PDU encodes");
    s.write_all(&buf).unwrap();
}

/// The next frame; `None` at end of stream (or a reset). Panics when the read timeout
/// passes first.
pub fn read(s: &mut TcpStream) -> Option<RawFrame> {
    let mut header = [0u8; 16];
    match s.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            panic!("no PDU within the read timeout")
        }
        Err(_) => return None,
    }
    let len = u32_at(&header, 0) as usize;
    assert!((16..=65_536).contains(&len), "command_length {len}");
    let mut bytes = header.to_vec();
    bytes.resize(len, 0);
    s.read_exact(&mut bytes[16..]).expect("the rest of the PDU");
    Some(RawFrame {
        command_id: u32_at(&bytes, 4),
        command_status: u32_at(&bytes, 8),
        sequence_number: u32_at(&bytes, 12),
        bytes,
    })
}

/// The next frame, which must be there.
pub fn expect(s: &mut TcpStream) -> RawFrame {
    read(s).expect("a PDU, not the end of the connection")
}

/// Sends bind_transceiver for `id`/`pw` with sequence number 1 and returns the response.
pub fn bind_trx(s: &mut TcpStream, id: &str, pw: &str) -> RawFrame {
    write(
        s,
        1,
        Body::BindTransceiver(Bind {
            system_id: id.as_bytes(),
            password: pw.as_bytes(),
            ..Bind::default()
        }),
    );
    let resp = expect(s);
    assert_eq!(resp.command_id, 0x8000_0009, "{resp:?}");
    assert_eq!(resp.sequence_number, 1);
    resp
}

/// The system_id of a bind_*_resp frame.
pub fn bind_resp_system_id(f: &RawFrame) -> String {
    match f.pdu().body {
        Body::BindTransceiverResp(r) | Body::BindReceiverResp(r) | Body::BindTransmitterResp(r) => {
            String::from_utf8_lossy(r.system_id).into_owned()
        }
        other => panic!("not a bind response: {other:?}"),
    }
}

/// A bind_*_resp ESME_ROK body (no TLV) for playing the SMSC.
pub fn bind_resp(system_id: &str) -> BindResp<'_> {
    BindResp {
        system_id: system_id.as_bytes(),
        tlvs: Tlvs::EMPTY,
    }
}
