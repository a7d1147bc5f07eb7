//! # An ESME without a heap
//!
//! A `#![no_std]` crate that does not use `alloc`: the kind of code a telematics unit or an
//! IoT gateway on a microcontroller runs. It drives `smpp_core`'s session in fixed
//! capacities ([`Storage`], a [`Fixed`] storage) over a transport of the caller's ([`Link`]):
//! bind as a transmitter, send one `submit_sm`, read its response, unbind. The session answers
//! the SMSC's `enquire_link` by itself, and a response that never comes ends in
//! [`Failure::NoResponse`] after the response timeout.
//!
//! Nothing here allocates, reads a clock or touches a socket: the link gives the octets and
//! the time. [`fake::FakeSmsc`] is an in-memory SMSC (itself a fixed-capacity session in the
//! SMSC role, with simulated time) for tests and the host demo binary.
//!
//! ```
//! use smpp_no_std_esme::fake::{Behaviour, FakeSmsc};
//! use smpp_no_std_esme::{send_one, Message};
//!
//! let mut smsc = FakeSmsc::new(Behaviour::default());
//! let report = send_one(&mut smsc, &Message::new("447700900123", b"hello")).unwrap();
//! assert_eq!(report.message_id.as_slice(), b"msg-1");
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod fake;

use smpp_core::pdu::{Address, Bind, Body, Pdu, SubmitSm};
use smpp_core::session::{
    BindType, CloseReason, Event, Fixed, Session, SessionConfig, SessionError,
};
use smpp_core::{CommandStatus, Duration, Instant};

/// The capacities of this ESME's session: window 2, PDUs up to 1 KiB, 4 events, 2 KiB
/// receive and transmit buffers, 1 KiB of queued copies, 4 late sequence numbers. About
/// 10 KiB in all (see `size_of::<EsmeSession>()`).
pub type Storage = Fixed<2, 1024, 4, 2048, 2048, 1024, 4>;

/// The session this ESME runs.
pub type EsmeSession = Session<Storage>;

/// The transport and the clock, provided by the device.
pub trait Link {
    /// Writes some of `data`; returns how many octets were taken (0: try again later).
    fn write(&mut self, data: &[u8]) -> usize;
    /// Reads into `buf`: `Some(n)` octets (0: nothing now), or `None` once the peer closed.
    fn read(&mut self, buf: &mut [u8]) -> Option<usize>;
    /// The time now.
    fn now(&mut self) -> Instant;
    /// Nothing to do until `deadline` (`None`: no timer runs) or until input arrives: a
    /// device sleeps here. Returns the time now.
    fn wait(&mut self, deadline: Option<Instant>) -> Instant;
}

/// The message to send, and the credentials to bind with.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    /// The bind `system_id`.
    pub system_id: &'a str,
    /// The bind password.
    pub password: &'a str,
    /// The destination, an international number.
    pub destination: &'a str,
    /// The text, GSM 7-bit default alphabet octets (at most 254).
    pub text: &'a [u8],
    /// How long to wait for each response.
    pub response_timeout: Duration,
}

impl<'a> Message<'a> {
    /// A message to `destination`, binding as `esme`/`secret`, with a 10 s response timeout.
    pub fn new(destination: &'a str, text: &'a [u8]) -> Message<'a> {
        Message {
            system_id: "esme",
            password: "secret",
            destination,
            text,
            response_timeout: Duration::from_secs(10),
        }
    }
}

/// What a successful submission returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The SMSC's message id (at most 64 octets).
    pub message_id: heapless::Vec<u8, 65>,
    /// The SMSC's `enquire_link` requests the session answered meanwhile.
    pub enquire_links_answered: u64,
}

/// Why the message was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The bind failed: the status, or `None` for no answer.
    BindFailed(Option<CommandStatus>),
    /// The SMSC answered the submit_sm with an error status.
    Rejected(CommandStatus),
    /// No response to the submit_sm within the response timeout.
    NoResponse,
    /// The connection ended first.
    Closed(CloseReason),
    /// The session refused a command (a field too long, ...).
    Session(SessionError),
}

impl From<SessionError> for Failure {
    fn from(e: SessionError) -> Failure {
        Failure::Session(e)
    }
}

/// Binds as a transmitter, submits `msg`, waits for the answer and unbinds. Returns once the
/// session closed.
pub fn send_one<L: Link>(link: &mut L, msg: &Message<'_>) -> Result<Report, Failure> {
    let config = SessionConfig {
        enquire_link_interval: None,
        response_timeout: msg.response_timeout,
        bind_timeout: msg.response_timeout,
        ..SessionConfig::esme()
    };
    let mut now = link.now();
    let mut s = EsmeSession::new_in(config, now);
    s.bind(
        now,
        BindType::Transmitter,
        &Bind::new(msg.system_id, msg.password),
    )?;
    let mut submitted = None;
    let mut outcome: Option<Result<Report, Failure>> = None;
    let mut buf = [0u8; 256];
    loop {
        while let Some(out) = s.poll_transmit() {
            let n = link.write(out);
            if n == 0 {
                break;
            }
            s.advance_transmit(n);
        }
        // Events may bring output (the submit after Bound): write it before waiting.
        let mut handled = false;
        while let Some(event) = s.poll_event() {
            handled = true;
            match event {
                Event::Bound { .. } => {
                    let body = Body::SubmitSm(SubmitSm {
                        destination: Address::international(msg.destination),
                        short_message: msg.text,
                        ..Default::default()
                    });
                    match s.send(now, &body) {
                        Ok(seq) => submitted = Some(seq),
                        Err(e) => {
                            outcome = Some(Err(e.into()));
                            let _ = s.unbind(now);
                        }
                    }
                }
                Event::BindFailed { status } => {
                    outcome.get_or_insert(Err(Failure::BindFailed(status)));
                }
                Event::Response { frame, .. } if Some(frame.sequence_number()) == submitted => {
                    let status = frame.command_status();
                    outcome = Some(if status.is_ok() {
                        Ok(Report {
                            message_id: message_id(frame.pdu()),
                            enquire_links_answered: 0,
                        })
                    } else {
                        Err(Failure::Rejected(status))
                    });
                    let _ = s.unbind(now);
                }
                Event::ResponseTimeout { .. } => {
                    outcome = Some(Err(Failure::NoResponse));
                    let _ = s.unbind(now);
                }
                Event::Closed { reason } => {
                    let answered = s
                        .counters()
                        .requests_received
                        .get(smpp_core::CommandId::EnquireLink);
                    return match outcome {
                        Some(Ok(report)) => Ok(Report {
                            enquire_links_answered: answered,
                            ..report
                        }),
                        Some(Err(e)) => Err(e),
                        None => Err(Failure::Closed(reason)),
                    };
                }
                _ => {}
            }
        }
        if s.wants_input() {
            let cap = s.receive_capacity().min(buf.len());
            match link.read(&mut buf[..cap]) {
                None => {
                    s.handle_eof(now);
                    continue;
                }
                Some(0) => {}
                Some(n) => {
                    s.handle_input(now, &buf[..n]);
                    continue;
                }
            }
        }
        if handled && s.poll_transmit().is_some() {
            continue;
        }
        let deadline = s.poll_timeout();
        if deadline.is_none_or(|d| d > now) {
            now = link.wait(deadline);
        }
        s.handle_timeout(now);
    }
}

/// The message id of a `submit_sm_resp`, cut to 65 octets.
fn message_id(pdu: Result<Pdu<'_>, smpp_core::DecodeError>) -> heapless::Vec<u8, 65> {
    let mut id = heapless::Vec::new();
    if let Ok(Pdu {
        body: Body::SubmitSmResp(resp),
        ..
    }) = pdu
    {
        let n = resp.message_id.len().min(65);
        let _ = id.extend_from_slice(&resp.message_id[..n]);
    }
    id
}
