//! A hand-written ESME (or, accepted from a listener, SMSC) on a plain
//! `std::net::TcpStream`: writes PDUs encoded with `smpp_core` (or any bytes), reads whole
//! PDUs, sees the end of the stream.

use smpp_core::codec::Frame;
use smpp_core::pdu::{Bind, Body, Pdu};
use smpp_core::session::BindType;
use smpp_core::{CommandId, CommandStatus};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// What [`RawPeer::read`] saw.
#[derive(Debug)]
pub enum RawRead {
    /// A whole PDU.
    Pdu(Frame),
    /// The stream ended (EOF or reset).
    Closed,
    /// Nothing complete within the timeout.
    TimedOut,
}

/// A raw TCP peer playing an ESME (or an SMSC) by hand.
#[derive(Debug)]
pub struct RawPeer {
    stream: TcpStream,
    buf: Vec<u8>,
    next_seq: u32,
}

/// How long [`RawPeer::expect_pdu`] waits.
const EXPECT: Duration = Duration::from_secs(5);

impl RawPeer {
    /// Connects to `addr` (panics when it cannot).
    pub fn connect(addr: SocketAddr) -> RawPeer {
        let stream = TcpStream::connect(addr).expect("raw connect");
        stream.set_nodelay(true).expect("nodelay");
        stream
            .set_write_timeout(Some(Duration::from_secs(5)))
            .expect("write timeout");
        RawPeer {
            stream,
            buf: Vec::new(),
            next_seq: 1,
        }
    }

    /// A peer on a connection accepted from `listener` (playing an SMSC by hand).
    pub fn accept(listener: &std::net::TcpListener) -> RawPeer {
        let (stream, _) = listener.accept().expect("raw accept");
        stream.set_nodelay(true).expect("nodelay");
        RawPeer {
            stream,
            buf: Vec::new(),
            next_seq: 1,
        }
    }

    /// Another handle on the same socket, to write from another thread.
    pub fn writer(&self) -> TcpStream {
        self.stream.try_clone().expect("clone the socket")
    }

    /// Connects and binds as `bind_type` with `system_id` / `password`; returns the peer and
    /// the bind response.
    pub fn bind(
        addr: SocketAddr,
        bind_type: BindType,
        system_id: &str,
        password: &str,
    ) -> (RawPeer, Frame) {
        let mut p = RawPeer::connect(addr);
        let resp = p.request_bind(bind_type, system_id, password);
        (p, resp)
    }

    /// Connects and binds; panics unless the bind is accepted.
    pub fn bound(
        addr: SocketAddr,
        bind_type: BindType,
        system_id: &str,
        password: &str,
    ) -> RawPeer {
        let (p, resp) = RawPeer::bind(addr, bind_type, system_id, password);
        assert_eq!(
            resp.command_status(),
            CommandStatus::ESME_ROK,
            "raw bind refused"
        );
        p
    }

    /// Sends a bind on this connection and returns its response.
    pub fn request_bind(&mut self, bind_type: BindType, system_id: &str, password: &str) -> Frame {
        let b = Bind::new(system_id, password);
        let body = match bind_type {
            BindType::Transmitter => Body::BindTransmitter(b),
            BindType::Receiver => Body::BindReceiver(b),
            BindType::Transceiver => Body::BindTransceiver(b),
        };
        let seq = self.send(&body);
        let resp = self.expect_pdu();
        assert_eq!(resp.sequence_number(), seq, "bind response sequence");
        resp
    }

    /// Sends a request with the next sequence number, which it returns.
    pub fn send(&mut self, body: &Body<'_>) -> u32 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.send_pdu(&Pdu::new(seq, *body));
        seq
    }

    /// Writes one PDU (panics when writing fails).
    pub fn send_pdu(&mut self, pdu: &Pdu<'_>) {
        let mut out = vec![0u8; pdu.encoded_len()];
        pdu.encode(&mut out).expect("encode");
        self.write_raw(&out).expect("raw write");
    }

    /// Answers `request` with `status` and its default response body.
    pub fn respond(&mut self, request: &Frame, status: CommandStatus) {
        let body = smpp_core::server::default_response(request.command_id());
        self.send_pdu(&Pdu::with_status(request.sequence_number(), status, body));
    }

    /// Writes any bytes.
    pub fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads the next whole PDU, waiting at most `timeout`.
    pub fn read(&mut self, timeout: Duration) -> RawRead {
        let deadline = Instant::now() + timeout;
        loop {
            if self.buf.len() >= 4 {
                let len = u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]])
                    as usize;
                assert!(
                    (16..=1 << 20).contains(&len),
                    "the server sent a PDU with command_length {len}"
                );
                if self.buf.len() >= len {
                    let rest = self.buf.split_off(len);
                    let pdu = std::mem::replace(&mut self.buf, rest);
                    return RawRead::Pdu(Frame::new(pdu.into()).expect("a valid PDU"));
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return RawRead::TimedOut;
            }
            self.stream
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .expect("read timeout");
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return RawRead::Closed,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return RawRead::TimedOut
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return RawRead::Closed,
            }
        }
    }

    /// The next PDU, which must come within 5 s.
    pub fn expect_pdu(&mut self) -> Frame {
        match self.read(EXPECT) {
            RawRead::Pdu(f) => f,
            other => panic!("expected a PDU, got {other:?}"),
        }
    }

    /// The next PDU skipping `enquire_link`s (answered), which must come within 5 s.
    pub fn expect_request(&mut self) -> Frame {
        loop {
            let f = self.expect_pdu();
            if f.command_id() == CommandId::EnquireLink {
                self.respond(&f, CommandStatus::ESME_ROK);
                continue;
            }
            return f;
        }
    }

    /// The server closes the connection within `within`, after sending at most `allowed`
    /// PDUs, which are returned.
    pub fn expect_closed(&mut self, within: Duration, allowed: usize) -> Vec<Frame> {
        let deadline = Instant::now() + within;
        let mut got = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.read(left) {
                RawRead::Closed => return got,
                RawRead::Pdu(f) => {
                    got.push(f);
                    assert!(
                        got.len() <= allowed,
                        "the server sent more than {allowed} PDUs and did not close: {got:?}"
                    );
                }
                RawRead::TimedOut => {
                    panic!("the server did not close within {within:?} (PDUs before: {got:?})")
                }
            }
        }
    }

    /// Nothing arrives and the connection stays open for `d`.
    pub fn expect_quiet(&mut self, d: Duration) {
        match self.read(d) {
            RawRead::TimedOut => {}
            other => panic!("expected silence for {d:?}, got {other:?}"),
        }
    }

    /// Closes both directions at once.
    pub fn close(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}
