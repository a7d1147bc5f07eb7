//! A request from the SMSC that the application answers, for the async runtimes.

use crate::error::Error;
use smpp_core::codec::Frame;
use smpp_core::pdu::{Body, Pdu};
use smpp_core::server::default_response;
use smpp_core::{CommandStatus, DecodeError};

/// How a runtime answers one request on the connection it arrived on.
pub trait Respond {
    /// Sends the answer.
    fn respond(&self, status: CommandStatus, body: &Body<'_>) -> Result<(), Error>;
}

/// A request from the peer (`deliver_sm`, `data_sm`, `alert_notification`, ...) that the
/// application answers.
///
/// Dropping it unanswered answers it with `ESME_RX_T_APPN` (temporary application error:
/// the SMSC retries later), so a `deliver_sm` is never left unanswered.
pub struct IncomingRequest<R: Respond> {
    /// The request PDU.
    pub frame: Frame,
    responder: Option<R>,
}

impl<R: Respond> IncomingRequest<R> {
    /// For runtimes: a request, with the way to answer it (`None` when nothing is to be
    /// answered: auto-responded, or a request without response such as
    /// `alert_notification`).
    pub fn new(frame: Frame, responder: Option<R>) -> Self {
        IncomingRequest { frame, responder }
    }

    /// Parses the request.
    pub fn pdu(&self) -> Result<Pdu<'_>, DecodeError> {
        self.frame.pdu()
    }

    /// True when it still waits for an answer (false once the session answered it
    /// automatically with `auto_respond`, or for requests that have no response such as
    /// `alert_notification`; [`IncomingRequest::respond`] then does nothing).
    pub fn needs_response(&self) -> bool {
        self.responder.is_some()
    }

    /// Answers with `status` and `body` (the matching `*_resp`, or `generic_nack`). When the
    /// session refuses the answer (wrong body, invalid field), the request is answered
    /// `ESME_RX_T_APPN` instead and the error returned.
    pub fn respond(mut self, status: CommandStatus, body: &Body<'_>) -> Result<(), Error> {
        let Some(r) = self.responder.take() else {
            return Ok(());
        };
        let result = r.respond(status, body);
        if let Err(Error::Session(_)) = &result {
            let fallback = default_response(self.frame.command_id());
            let _ = r.respond(CommandStatus::ESME_RX_T_APPN, &fallback);
        }
        result
    }

    /// Answers `ESME_ROK` with the default body (`deliver_sm_resp` with an empty
    /// `message_id`, ...).
    pub fn respond_ok(self) -> Result<(), Error> {
        let body = default_response(self.frame.command_id());
        self.respond(CommandStatus::ESME_ROK, &body)
    }
}

impl<R: Respond> Drop for IncomingRequest<R> {
    fn drop(&mut self) {
        if let Some(r) = self.responder.take() {
            let body = default_response(self.frame.command_id());
            let _ = r.respond(CommandStatus::ESME_RX_T_APPN, &body);
        }
    }
}

impl<R: Respond> std::fmt::Debug for IncomingRequest<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncomingRequest")
            .field("frame", &self.frame)
            .field("needs_response", &self.needs_response())
            .finish()
    }
}
