//! Types shared by the client and the server: errors, responses, incoming requests, traces,
//! link states and the transport abstraction.

use crate::client::Responder;
pub use smpp_core::client::{LinkState, Response};
use smpp_core::codec::{DecodeError, Frame};
use smpp_core::pdu::{Body, CommandId, CommandStatus, MessageIdResp, Pdu};
use smpp_core::server::{DeliverError, LimitError, RequestOutcome};
use smpp_core::session::{CloseReason, SessionError};
use smpp_core::trace::Direction;
pub use smpp_core::trace::{Trace, TraceEvent, TraceFn};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};

/// How this adapter emits the PDUs of a [`Trace`] setting (the `log` facade or the
/// callback, whose panics are caught and logged).
pub(crate) trait TraceExt {
    /// True when PDUs must be reported at all.
    fn is_on(&self) -> bool;
    /// Emits one event per whole PDU in `bytes` (which must hold whole PDUs).
    fn emit_all(&self, direction: Direction, peer: Option<SocketAddr>, bytes: &[u8]);
    /// Emits one event.
    fn emit(&self, direction: Direction, peer: Option<SocketAddr>, pdu: &[u8]);
}

impl TraceExt for Trace {
    fn is_on(&self) -> bool {
        match self {
            Trace::Off => false,
            Trace::Log => log::log_enabled!(target: "smpp::trace", log::Level::Debug),
            Trace::Callback(_) => true,
        }
    }

    fn emit_all(&self, direction: Direction, peer: Option<SocketAddr>, bytes: &[u8]) {
        let mut rest = bytes;
        while rest.len() >= 4 {
            let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            if len < 16 || len > rest.len() {
                self.emit(direction, peer, rest);
                return;
            }
            let (pdu, tail) = rest.split_at(len);
            self.emit(direction, peer, pdu);
            rest = tail;
        }
        if !rest.is_empty() {
            self.emit(direction, peer, rest);
        }
    }

    fn emit(&self, direction: Direction, peer: Option<SocketAddr>, pdu: &[u8]) {
        let ev = TraceEvent {
            direction,
            peer,
            pdu,
        };
        match self {
            Trace::Off => {}
            Trace::Log => log::debug!(target: "smpp::trace", "{ev}"),
            Trace::Callback(f) => {
                let call = std::panic::AssertUnwindSafe(|| f(&ev));
                if std::panic::catch_unwind(call).is_err() {
                    log::error!("smpp: the trace callback panicked");
                }
            }
        }
    }
}

/// Reassembles received octets into whole PDUs for tracing (only while tracing is on).
#[derive(Default)]
pub(crate) struct TraceFramer {
    buf: Vec<u8>,
}

impl TraceFramer {
    pub(crate) fn push(&mut self, trace: &Trace, peer: Option<SocketAddr>, data: &[u8]) {
        self.buf.extend_from_slice(data);
        let mut start = 0;
        while self.buf.len() - start >= 4 {
            let b = &self.buf[start..];
            let len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
            if !(16..=(1 << 24)).contains(&len) {
                // Not a framable stream: show what there is and stop reassembling.
                trace.emit(Direction::In, peer, b);
                start = self.buf.len();
                break;
            }
            if b.len() < len {
                break;
            }
            trace.emit(Direction::In, peer, &b[..len]);
            start += len;
        }
        self.buf.drain(..start);
    }
}

/// Everything that can go wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error (connect, accept, listen).
    Io(io::Error),
    /// Connect did not complete within `connect_timeout`.
    ConnectTimeout,
    /// The SMSC answered the bind with an error status (or nothing in time: `None`).
    BindFailed(Option<CommandStatus>),
    /// The link closed (or was closed) before the request completed.
    ConnectionLost(CloseReason),
    /// No response within the response timeout.
    Timeout,
    /// Refused locally by the session (window full, wrong bind, invalid field, ...).
    Session(SessionError),
    /// The client or server was shut down.
    Closed,
    /// A limit refused the operation (server).
    Limit(LimitError),
    /// The server refused a delivery: the queue is full, the server is shutting down, or
    /// the body is not a `deliver_sm` / `data_sm`. Nothing was queued.
    Deliver(DeliverError),
    /// TLS failed: a handshake (unknown CA, wrong server name, a peer that does not speak
    /// TLS, no handshake within the bind timeout) or the TLS configuration (unreadable
    /// certificate or key). The text names the problem.
    Tls(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::ConnectTimeout => f.write_str("connect timed out"),
            Error::BindFailed(Some(s)) => write!(f, "bind failed: {s:?}"),
            Error::BindFailed(None) => f.write_str("bind failed: no response"),
            Error::ConnectionLost(r) => write!(f, "connection lost: {r}"),
            Error::Timeout => f.write_str("no response within the response timeout"),
            Error::Session(e) => write!(f, "refused by the session: {e}"),
            Error::Closed => f.write_str("shut down"),
            Error::Limit(e) => write!(f, "limit reached: {e}"),
            Error::Deliver(e) => write!(f, "delivery refused: {e}"),
            Error::Tls(e) => write!(f, "TLS: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Session(e) => Some(e),
            Error::Limit(e) => Some(e),
            Error::Deliver(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<SessionError> for Error {
    fn from(e: SessionError) -> Self {
        Error::Session(e)
    }
}

impl From<DeliverError> for Error {
    fn from(e: DeliverError) -> Self {
        Error::Deliver(e)
    }
}

impl From<LimitError> for Error {
    fn from(e: LimitError) -> Self {
        Error::Limit(e)
    }
}

/// An incoming request (`deliver_sm`, `data_sm`, `alert_notification`, ...) that the
/// application answers.
///
/// Dropping it unanswered answers it with `ESME_RX_T_APPN` (temporary application error:
/// the SMSC retries later), so a `deliver_sm` is never left unanswered.
pub struct IncomingRequest {
    /// The request PDU.
    pub frame: Frame,
    responder: Option<Responder>,
}

impl IncomingRequest {
    /// `responder` is `None` when nothing is to be answered (auto-responded, or a request
    /// without response such as `alert_notification`).
    pub(crate) fn new(frame: Frame, responder: Option<Responder>) -> IncomingRequest {
        IncomingRequest { frame, responder }
    }

    /// Takes the duty to answer away (the caller answers); true when there was one.
    pub(crate) fn disarm(&mut self) -> bool {
        self.responder.take().is_some()
    }

    /// Parses the request.
    pub fn pdu(&self) -> Result<Pdu<'_>, DecodeError> {
        self.frame.pdu()
    }

    /// True when it still waits for an answer (false once the session answered it
    /// automatically, or for requests that have no response).
    pub fn needs_response(&self) -> bool {
        self.responder.is_some()
    }

    /// Answers with `status` and `body` (the matching `*_resp`, or `generic_nack`). When the
    /// session refuses the answer (wrong body, invalid field), the request is answered
    /// `ESME_RX_T_APPN` instead and the error returned.
    pub fn respond(mut self, status: CommandStatus, body: &Body<'_>) -> Result<(), Error> {
        match self.responder.take() {
            Some(r) => r.respond(status, body),
            None => Ok(()),
        }
    }

    /// Answers `ESME_ROK` with the default body (`deliver_sm_resp` / `data_sm_resp` with an
    /// empty `message_id`, ...).
    pub fn respond_ok(self) -> Result<(), Error> {
        let body = ok_body(self.frame.command_id());
        self.respond(CommandStatus::ESME_ROK, &body)
    }
}

/// The `ESME_ROK` answer with default fields for a request.
pub(crate) fn ok_body(id: CommandId) -> Body<'static> {
    match id {
        CommandId::DeliverSm => Body::DeliverSmResp(MessageIdResp::EMPTY),
        CommandId::DataSm => Body::DataSmResp(MessageIdResp::EMPTY),
        other => Body::error_response_for(other).unwrap_or(Body::GenericNack),
    }
}

/// A request's outcome as its waiter gets it.
pub(crate) fn outcome_result(outcome: RequestOutcome) -> Result<Response, Error> {
    match outcome {
        RequestOutcome::Response { frame, rtt } => Ok(Response {
            frame,
            rtt: rtt.into(),
        }),
        RequestOutcome::Timeout => Err(Error::Timeout),
        RequestOutcome::ConnectionLost(r) => Err(Error::ConnectionLost(r)),
    }
}

/// The empty-bodied error answer for a request.
pub(crate) fn error_body(id: CommandId) -> Body<'static> {
    Body::error_response_for(id).unwrap_or(Body::GenericNack)
}

impl Drop for IncomingRequest {
    fn drop(&mut self) {
        if let Some(r) = self.responder.take() {
            r.refuse();
        }
    }
}

impl fmt::Debug for IncomingRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IncomingRequest")
            .field("frame", &self.frame)
            .field("needs_response", &self.responder.is_some())
            .finish()
    }
}

/// Incoming requests of a client, in arrival order. Iterating blocks until the next
/// request and ends once the client is closed for good.
pub struct Incoming {
    rx: Receiver<IncomingRequest>,
}

impl Incoming {
    pub(crate) fn new(rx: Receiver<IncomingRequest>) -> Incoming {
        Incoming { rx }
    }

    /// Waits for the next request; `None` once the client is closed for good.
    pub fn recv(&self) -> Option<IncomingRequest> {
        self.rx.recv().ok()
    }

    /// Waits at most `timeout` for the next request.
    pub fn recv_timeout(
        &self,
        timeout: std::time::Duration,
    ) -> Result<IncomingRequest, RecvTimeoutError> {
        self.rx.recv_timeout(timeout)
    }

    /// The next request if one is waiting.
    pub fn try_recv(&self) -> Result<IncomingRequest, TryRecvError> {
        self.rx.try_recv()
    }

    /// The underlying channel.
    pub fn into_receiver(self) -> Receiver<IncomingRequest> {
        self.rx
    }
}

impl Iterator for Incoming {
    type Item = IncomingRequest;
    fn next(&mut self) -> Option<IncomingRequest> {
        self.rx.recv().ok()
    }
}

impl<'a> IntoIterator for &'a Incoming {
    type Item = IncomingRequest;
    type IntoIter = mpsc::Iter<'a, IncomingRequest>;
    fn into_iter(self) -> Self::IntoIter {
        self.rx.iter()
    }
}

impl fmt::Debug for Incoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Incoming")
    }
}

/// A closure that shuts a connection down (both directions) from any thread.
pub type ShutdownHandle = Box<dyn Fn() + Send + Sync>;

/// A byte stream a session runs over: TCP, TLS, or anything readable and writable from two
/// threads at once.
pub trait Transport: Send + 'static {
    /// The half the reader thread reads from.
    type Reader: Read + Send + 'static;
    /// The half the writer thread writes to.
    type Writer: Write + Send + 'static;
    /// A handle that shuts the stream down in both directions so that a read or write
    /// blocked in another thread returns. Taken before [`Transport::split`].
    fn shutdown_handle(&self) -> io::Result<ShutdownHandle>;
    /// Splits into a reading and a writing half.
    fn split(self) -> io::Result<(Self::Reader, Self::Writer)>;
}

impl Transport for TcpStream {
    type Reader = TcpStream;
    type Writer = TcpStream;

    fn shutdown_handle(&self) -> io::Result<ShutdownHandle> {
        let s = self.try_clone()?;
        Ok(Box::new(move || {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }))
    }

    fn split(self) -> io::Result<(TcpStream, TcpStream)> {
        let r = self.try_clone()?;
        Ok((r, self))
    }
}

#[cfg(unix)]
impl Transport for std::os::unix::net::UnixStream {
    type Reader = std::os::unix::net::UnixStream;
    type Writer = std::os::unix::net::UnixStream;

    fn shutdown_handle(&self) -> io::Result<ShutdownHandle> {
        let s = self.try_clone()?;
        Ok(Box::new(move || {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }))
    }

    fn split(self) -> io::Result<(Self::Reader, Self::Writer)> {
        let r = self.try_clone()?;
        Ok((r, self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smpp_core::pdu::{Bind, Body, Pdu};
    use std::sync::{Arc, Mutex};

    fn encode(pdu: &Pdu<'_>) -> Vec<u8> {
        let mut buf = vec![0u8; pdu.encoded_len()];
        pdu.encode(&mut buf).unwrap();
        buf
    }

    fn collecting() -> (Trace, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let l = lines.clone();
        let t = Trace::callback(move |ev| l.lock().unwrap().push(ev.to_string()));
        (t, lines)
    }

    #[test]
    fn framer_reassembles_split_pdus_and_redacts() {
        let (trace, lines) = collecting();
        let mut stream = encode(&Pdu::new(
            1,
            Body::BindTransceiver(Bind::new("u", "hunter2")),
        ));
        stream.extend(encode(&Pdu::new(2, Body::EnquireLink)));
        stream.extend(encode(&Pdu::new(3, Body::Unbind)));
        let mut f = TraceFramer::default();
        for chunk in stream.chunks(7) {
            f.push(&trace, None, chunk);
        }
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].starts_with("- <- bind_transceiver seq=1 system_id=u password=***"));
        assert!(lines[1].starts_with("- <- enquire_link seq=2 | "));
        assert!(lines[2].starts_with("- <- unbind seq=3 | "));
        assert!(!lines[0].contains("hunter2"));
        assert!(!lines[0].contains("68756e74657232"));
    }

    #[test]
    fn emit_all_splits_output_into_pdus() {
        let (trace, lines) = collecting();
        let mut out = encode(&Pdu::new(5, Body::EnquireLink));
        out.extend(encode(&Pdu::new(6, Body::EnquireLinkResp)));
        let peer: SocketAddr = "127.0.0.1:2775".parse().unwrap();
        trace.emit_all(Direction::Out, Some(peer), &out);
        let lines = lines.lock().unwrap();
        assert_eq!(
            *lines,
            [
                "127.0.0.1:2775 -> enquire_link seq=5 | 00000010000000150000000000000005",
                "127.0.0.1:2775 -> enquire_link_resp seq=6 status=ESME_ROK (0x00000000) \
                 | 00000010800000150000000000000006",
            ]
        );
    }

    #[test]
    fn response_message_id_and_error_display() {
        let frame =
            Frame::encode(&Pdu::new(9, Body::SubmitSmResp(MessageIdResp::new(b"abc")))).unwrap();
        let r = Response {
            frame,
            rtt: std::time::Duration::ZERO,
        };
        assert_eq!(r.message_id().as_deref(), Some("abc"));
        assert!(r.status().is_ok());
        let e = Error::BindFailed(Some(CommandStatus::ESME_RINVPASWD));
        assert_eq!(e.to_string(), "bind failed: ESME_RINVPASWD");
        assert_eq!(
            ok_body(CommandId::DeliverSm).command_id(),
            CommandId::DeliverSmResp
        );
        assert_eq!(
            error_body(CommandId::Outbind).command_id(),
            CommandId::GenericNack
        );
    }
}
