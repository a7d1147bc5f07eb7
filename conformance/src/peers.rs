//! Test peers that behave like other implementations in the field, on plain
//! `std::net` sockets: they leave Nagle's algorithm on and write one PDU per `write` call,
//! and the SMSC can answer with mismatched command ids or throttle.
//!
//! They exist to exercise what a peer built this way does to our runtimes (delayed
//! acknowledgements meeting Nagle, responses that do not match, throttling) in every
//! runtime's suite without third-party software.

use smpp_core::codec::Frame;
use smpp_core::pdu::{
    Address, Bind, BindResp, Body, DataCoding, MessageIdResp, Pdu, RegisteredDelivery, SubmitSm,
};
use smpp_core::{CommandId, CommandStatus};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a [`PeerSmsc`] answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerAnswer {
    /// Every request with its own response, `ESME_ROK`.
    Ok,
    /// `submit_sm` with a `cancel_sm_resp` of the same sequence number (binds are
    /// answered correctly).
    WrongSubmitResponse,
    /// Binds with an `enquire_link_resp` of the same sequence number.
    WrongBindResponse,
    /// At most `per_second` `submit_sm` accepted per second over all connections (a token
    /// bucket of one second's worth); the others are answered `ESME_RTHROTTLED`.
    Throttle {
        /// Accepted submissions per second.
        per_second: u32,
    },
}

/// What a [`PeerSmsc`] counted.
#[derive(Debug, Default)]
pub struct PeerStats {
    /// `submit_sm` received.
    pub submits: AtomicU64,
    /// `submit_sm` answered `ESME_ROK`.
    pub accepted: AtomicU64,
    /// `submit_sm` answered `ESME_RTHROTTLED`.
    pub throttled: AtomicU64,
    /// Receipts (`deliver_sm`) sent.
    pub receipts: AtomicU64,
}

/// A thread-per-connection SMSC on `127.0.0.1:0` that keeps Nagle's algorithm on and writes
/// each PDU with its own `write` call. Stops (and closes its connections) when dropped.
pub struct PeerSmsc {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    stats: Arc<PeerStats>,
    accept: Option<JoinHandle<()>>,
}

struct Bucket {
    per_second: u32,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn take(&mut self) -> bool {
        let now = Instant::now();
        let rate = f64::from(self.per_second);
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * rate).min(rate);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

impl PeerSmsc {
    /// Starts the peer; with `receipts` it sends a delivery receipt (a `deliver_sm`) right
    /// after accepting a `submit_sm` that asks for one.
    pub fn start(answer: PeerAnswer, receipts: bool) -> PeerSmsc {
        let listener = TcpListener::bind("127.0.0.1:0").expect("peer listen");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("peer addr");
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(PeerStats::default());
        let bucket = match answer {
            PeerAnswer::Throttle { per_second } => Some(Arc::new(Mutex::new(Bucket {
                per_second,
                tokens: f64::from(per_second),
                at: Instant::now(),
            }))),
            _ => None,
        };
        let accept = {
            let (stop, stats) = (stop.clone(), stats.clone());
            std::thread::spawn(move || {
                let mut conns = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((s, _)) => {
                            let _ = s.set_nonblocking(false);
                            let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
                            let (stop, stats, bucket) =
                                (stop.clone(), stats.clone(), bucket.clone());
                            conns.push(std::thread::spawn(move || {
                                let _ = serve(s, answer, receipts, &stop, &stats, bucket);
                            }));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
                for c in conns {
                    let _ = c.join();
                }
            })
        };
        PeerSmsc {
            addr,
            stop,
            stats,
            accept: Some(accept),
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What it counted so far.
    pub fn stats(&self) -> &PeerStats {
        &self.stats
    }
}

impl Drop for PeerSmsc {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// Reads one whole PDU; `Ok(None)` on a read timeout before its first octet.
fn read_pdu(s: &mut TcpStream, stop: &AtomicBool) -> io::Result<Option<Frame>> {
    let mut head = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match s.read(&mut head[got..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if stop.load(Ordering::Relaxed) {
                    return Err(io::ErrorKind::Interrupted.into());
                }
                if got == 0 {
                    return Ok(None);
                }
            }
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_be_bytes(head) as usize;
    if !(16..=65_536).contains(&len) {
        return Err(io::ErrorKind::InvalidData.into());
    }
    let mut buf = vec![0u8; len];
    buf[..4].copy_from_slice(&head);
    let mut at = 4;
    while at < len {
        match s.read(&mut buf[at..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => at += n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if stop.load(Ordering::Relaxed) {
                    return Err(io::ErrorKind::Interrupted.into());
                }
            }
            Err(e) => return Err(e),
        }
    }
    Frame::new(buf.into())
        .map(Some)
        .map_err(|_| io::ErrorKind::InvalidData.into())
}

/// Writes one PDU with one `write_all` call.
fn write_pdu(s: &mut TcpStream, pdu: &Pdu<'_>) -> io::Result<()> {
    let frame = Frame::encode(pdu).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    s.write_all(frame.as_bytes())
}

fn serve(
    mut s: TcpStream,
    answer: PeerAnswer,
    receipts: bool,
    stop: &AtomicBool,
    stats: &PeerStats,
    bucket: Option<Arc<Mutex<Bucket>>>,
) -> io::Result<()> {
    let mut next_seq = 1u32;
    let mut next_id = 1u64;
    loop {
        let Some(frame) = read_pdu(&mut s, stop)? else {
            continue;
        };
        let seq = frame.sequence_number();
        let id = frame.command_id();
        match id {
            CommandId::BindTransceiver | CommandId::BindTransmitter | CommandId::BindReceiver => {
                let body = if answer == PeerAnswer::WrongBindResponse {
                    Body::EnquireLinkResp
                } else {
                    let resp = BindResp {
                        system_id: b"peer",
                        ..BindResp::default()
                    };
                    match id {
                        CommandId::BindTransceiver => Body::BindTransceiverResp(resp),
                        CommandId::BindTransmitter => Body::BindTransmitterResp(resp),
                        _ => Body::BindReceiverResp(resp),
                    }
                };
                write_pdu(&mut s, &Pdu::new(seq, body))?;
            }
            CommandId::SubmitSm => {
                stats.submits.fetch_add(1, Ordering::Relaxed);
                let wants = match frame.pdu() {
                    Ok(Pdu {
                        body: Body::SubmitSm(sm),
                        ..
                    }) => sm.registered_delivery.wants_receipt(true),
                    _ => false,
                };
                let accepted = match &bucket {
                    Some(b) => b.lock().map(|mut b| b.take()).unwrap_or(false),
                    None => true,
                };
                if answer == PeerAnswer::WrongSubmitResponse {
                    write_pdu(&mut s, &Pdu::new(seq, Body::CancelSmResp))?;
                } else if !accepted {
                    stats.throttled.fetch_add(1, Ordering::Relaxed);
                    write_pdu(
                        &mut s,
                        &Pdu::with_status(
                            seq,
                            CommandStatus::ESME_RTHROTTLED,
                            Body::SubmitSmResp(MessageIdResp::EMPTY),
                        ),
                    )?;
                } else {
                    stats.accepted.fetch_add(1, Ordering::Relaxed);
                    let message_id = format!("{next_id:x}");
                    next_id += 1;
                    write_pdu(
                        &mut s,
                        &Pdu::new(
                            seq,
                            Body::SubmitSmResp(MessageIdResp::new(message_id.as_bytes())),
                        ),
                    )?;
                    if receipts && wants {
                        let text = format!(
                            "id:{message_id} sub:001 dlvrd:001 submit date:2612021200 done date:2612021200 stat:DELIVRD err:000 text:"
                        );
                        let receipt = SubmitSm {
                            esm_class: smpp_core::pdu::EsmClass(0x04),
                            short_message: text.as_bytes(),
                            ..SubmitSm::default()
                        };
                        write_pdu(&mut s, &Pdu::new(next_seq, Body::DeliverSm(receipt)))?;
                        next_seq += 1;
                        stats.receipts.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            CommandId::EnquireLink => write_pdu(&mut s, &Pdu::new(seq, Body::EnquireLinkResp))?,
            CommandId::Unbind => {
                write_pdu(&mut s, &Pdu::new(seq, Body::UnbindResp))?;
                let _ = s.shutdown(Shutdown::Write);
                return Ok(());
            }
            id if id.is_response() => {}
            other => {
                let body = Body::error_response_for(other).unwrap_or(Body::GenericNack);
                write_pdu(
                    &mut s,
                    &Pdu::with_status(seq, CommandStatus::ESME_RINVCMDID, body),
                )?;
            }
        }
    }
}

/// What [`nagle_esme`] did.
#[derive(Debug)]
pub struct EsmeRun {
    /// `submit_sm` answered `ESME_ROK`.
    pub accepted: u64,
    /// Receipts received (and answered).
    pub receipts: u64,
    /// From the first `submit_sm` to the last answer or receipt.
    pub elapsed: Duration,
}

/// An ESME on a plain socket that keeps Nagle's algorithm on and writes each PDU with its
/// own `write` call: it binds as transceiver to `addr`, then `count` times sends one
/// `submit_sm` (asking for a receipt when `receipts`), waits for its response and, when
/// asked, for the receipt, which it answers before the next `submit_sm` (window 1). Then it
/// unbinds. Errors name what went wrong.
pub fn nagle_esme(
    addr: SocketAddr,
    system_id: &str,
    password: &str,
    count: u64,
    receipts: bool,
) -> Result<EsmeRun, String> {
    let stop = AtomicBool::new(false);
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let read = |s: &mut TcpStream| -> Result<Frame, String> {
        match read_pdu(s, &stop) {
            Ok(Some(f)) => Ok(f),
            Ok(None) => Err("no PDU within 10 s".into()),
            Err(e) => Err(format!("read: {e}")),
        }
    };
    let bind = Bind::new(system_id, password);
    write_pdu(&mut s, &Pdu::new(1, Body::BindTransceiver(bind))).map_err(|e| e.to_string())?;
    let resp = read(&mut s)?;
    if resp.command_id() != CommandId::BindTransceiverResp || !resp.command_status().is_ok() {
        return Err(format!(
            "bind answered {} {}",
            resp.command_id(),
            resp.command_status()
        ));
    }
    let start = Instant::now();
    let (mut accepted, mut got) = (0u64, 0u64);
    let mut seq = 2u32;
    for _ in 0..count {
        let sm = SubmitSm {
            source: Address::international("447700900001"),
            destination: Address::international("447700900123"),
            registered_delivery: if receipts {
                RegisteredDelivery::ON_SUCCESS_OR_FAILURE
            } else {
                RegisteredDelivery::NONE
            },
            data_coding: DataCoding(0),
            short_message: b"Hello from a peer that keeps Nagle on",
            ..SubmitSm::default()
        };
        write_pdu(&mut s, &Pdu::new(seq, Body::SubmitSm(sm))).map_err(|e| e.to_string())?;
        let (mut answered, mut receipt) = (false, !receipts);
        while !(answered && receipt) {
            let f = read(&mut s)?;
            match f.command_id() {
                CommandId::SubmitSmResp if f.sequence_number() == seq => {
                    answered = true;
                    if f.command_status().is_ok() {
                        accepted += 1;
                    } else {
                        return Err(format!("submit_sm answered {}", f.command_status()));
                    }
                }
                CommandId::DeliverSm => {
                    write_pdu(
                        &mut s,
                        &Pdu::new(
                            f.sequence_number(),
                            Body::DeliverSmResp(MessageIdResp::EMPTY),
                        ),
                    )
                    .map_err(|e| e.to_string())?;
                    got += 1;
                    receipt = true;
                }
                CommandId::EnquireLink => {
                    write_pdu(
                        &mut s,
                        &Pdu::new(f.sequence_number(), Body::EnquireLinkResp),
                    )
                    .map_err(|e| e.to_string())?;
                }
                other => return Err(format!("unexpected {other}")),
            }
        }
        seq += 1;
    }
    let elapsed = start.elapsed();
    write_pdu(&mut s, &Pdu::new(seq, Body::Unbind)).map_err(|e| e.to_string())?;
    Ok(EsmeRun {
        accepted,
        receipts: got,
        elapsed,
    })
}
