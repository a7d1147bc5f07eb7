//! Types shared by the client and the server: errors, responses, incoming requests, traces,
//! link states and the transport abstraction. [`Error`] and the trace support come from
//! `smpp_runtime` (the same in every runtime).

use crate::client::Responder;
pub use smpp_core::client::{LinkState, Response};
use smpp_core::codec::{DecodeError, Frame};
use smpp_core::pdu::{Body, CommandId, CommandStatus, MessageIdResp, Pdu};
pub use smpp_core::trace::{Trace, TraceEvent, TraceFn};
use smpp_runtime::incoming_queue::{RecvTimeout, TryRecv};
pub use smpp_runtime::Error;
use smpp_runtime::IncomingQueue;
pub(crate) use smpp_runtime::{TraceExt, TraceRx};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{RecvTimeoutError, TryRecvError};
use std::sync::Arc;

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
/// request and ends once the client is closed for good (and every request was taken).
///
/// # Bounded: what happens when the application does not take requests
///
/// Requests that wait for the application's answer are bounded by the session's
/// `peer_window` (beyond it the session answers `ESME_RTHROTTLED`). Requests the session
/// answered already (`auto_respond`) or that have no answer (`alert_notification`) are held
/// here up to `peer_window` as well ([`Incoming::capacity`]); when that many wait, the
/// connection's reader thread **stops reading** until the application takes one (TCP
/// backpressure on the SMSC, which then stops sending). Nothing is lost or answered on the
/// application's behalf meanwhile, but nothing else is read either (responses to the
/// client's own requests, `enquire_link`): a client that does not want the SMSC's requests
/// should drop its `Incoming` — requests then are answered `ESME_RX_T_APPN` (those that need
/// an answer) or dropped (auto-responded ones). The requests of the read that filled the
/// queue wait behind it in order (at most one read's worth), so [`Incoming::len`] never
/// exceeds `2 × peer_window`.
pub struct Incoming {
    queue: Arc<IncomingQueue<IncomingRequest>>,
}

impl Incoming {
    pub(crate) fn new(queue: Arc<IncomingQueue<IncomingRequest>>) -> Incoming {
        Incoming { queue }
    }

    /// Waits for the next request; `None` once the client is closed for good and every
    /// request was taken.
    pub fn recv(&self) -> Option<IncomingRequest> {
        self.queue.recv_timeout(None).ok()
    }

    /// Waits at most `timeout` for the next request (`Disconnected`: the client is over and
    /// every request was taken).
    pub fn recv_timeout(
        &self,
        timeout: std::time::Duration,
    ) -> Result<IncomingRequest, RecvTimeoutError> {
        self.queue.recv_timeout(Some(timeout)).map_err(|e| match e {
            RecvTimeout::Timeout => RecvTimeoutError::Timeout,
            RecvTimeout::Closed => RecvTimeoutError::Disconnected,
        })
    }

    /// The next request if one is waiting.
    pub fn try_recv(&self) -> Result<IncomingRequest, TryRecvError> {
        self.queue.try_recv().map_err(|e| match e {
            TryRecv::Empty => TryRecvError::Empty,
            TryRecv::Closed => TryRecvError::Disconnected,
        })
    }

    /// Requests waiting to be taken.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when none is waiting.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// How many requests that need no answer from the application may wait before the
    /// reader stops (the session's `peer_window`).
    pub fn capacity(&self) -> usize {
        self.queue.capacity()
    }

    /// A blocking iterator over the requests (as iterating `&Incoming`).
    pub fn iter(&self) -> IncomingIter<'_> {
        IncomingIter(self)
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        self.queue.drop_receiver();
    }
}

impl Iterator for Incoming {
    type Item = IncomingRequest;
    fn next(&mut self) -> Option<IncomingRequest> {
        self.recv()
    }
}

/// A blocking iterator over an [`Incoming`]'s requests; ends once the client is over.
pub struct IncomingIter<'a>(&'a Incoming);

impl Iterator for IncomingIter<'_> {
    type Item = IncomingRequest;
    fn next(&mut self) -> Option<IncomingRequest> {
        self.0.recv()
    }
}

impl<'a> IntoIterator for &'a Incoming {
    type Item = IncomingRequest;
    type IntoIter = IncomingIter<'a>;
    fn into_iter(self) -> IncomingIter<'a> {
        self.iter()
    }
}

impl fmt::Debug for Incoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("len", &self.queue.len())
            .field("capacity", &self.queue.capacity())
            .finish()
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
    /// The quick-acknowledgement switch of the underlying TCP socket, re-armed after each
    /// read (see [`smpp_runtime::QuickAck`]); none by default. Taken before
    /// [`Transport::split`].
    fn quickack(&self) -> smpp_runtime::QuickAck {
        smpp_runtime::QuickAck::none()
    }
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

    fn quickack(&self) -> smpp_runtime::QuickAck {
        smpp_runtime::QuickAck::of_std(self)
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
    use smpp_core::pdu::{Body, Pdu};

    #[test]
    fn response_message_id_and_answer_bodies() {
        let frame =
            Frame::encode(&Pdu::new(9, Body::SubmitSmResp(MessageIdResp::new(b"abc")))).unwrap();
        let r = Response {
            frame,
            rtt: std::time::Duration::ZERO,
        };
        assert_eq!(r.message_id().as_deref(), Some("abc"));
        assert!(r.status().is_ok());
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
