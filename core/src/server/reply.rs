//! The application's answer to a request from a bound ESME, and how the endpoint turns it
//! into the response the request needs.

use crate::codec::{EncodeError, Frame};
use crate::pdu::{Body, MessageIdResp, Pdu, QuerySmResp, SubmitMultiResp};
use crate::session::{Session, SessionError};
use crate::time::Instant;
use crate::{CommandId, CommandStatus};

/// Longest `message_id` a [`Reply::ok_message_id`] carries (the specification's 65 octets
/// with the NUL).
pub const MAX_MESSAGE_ID: usize = 64;

#[derive(Clone, Debug)]
enum ReplyKind {
    Frame(Frame),
    MessageId { buf: [u8; MAX_MESSAGE_ID], len: u8 },
    Status(CommandStatus),
}

/// A handler's answer to one request.
///
/// Whatever the handler gives, the ESME gets exactly one well-formed response: a
/// `message_id` answer is put in whichever response the request needs (`submit_sm_resp`,
/// `data_sm_resp`, `submit_multi_resp`, `deliver_sm_resp`, `query_sm_resp`,
/// `broadcast_sm_resp`), and a reply
/// that cannot answer the request (a wrong body, a field too long) becomes
/// `ESME_RSYSERR`.
#[derive(Clone, Debug)]
pub struct Reply(ReplyKind);

impl Reply {
    /// An answer with `status` and `body` (the request's `*_resp` or `generic_nack`; a
    /// `submit_sm_resp`, `data_sm_resp` or `deliver_sm_resp` body is adapted to whichever
    /// of them the request needs).
    pub fn new(status: CommandStatus, body: &Body<'_>) -> Result<Reply, EncodeError> {
        Frame::encode(&Pdu::with_status(0, status, *body)).map(|f| Reply(ReplyKind::Frame(f)))
    }

    /// `ESME_ROK` with this `message_id` (at most [`MAX_MESSAGE_ID`] octets; longer is
    /// cut), in the response type the request needs.
    pub fn ok_message_id(message_id: &str) -> Reply {
        let mut buf = [0u8; MAX_MESSAGE_ID];
        let src = message_id.as_bytes();
        let len = src.len().min(MAX_MESSAGE_ID);
        buf[..len].copy_from_slice(&src[..len]);
        Reply(ReplyKind::MessageId {
            buf,
            len: len as u8,
        })
    }

    /// An error answer: the request's response with `status` and an empty body.
    pub fn error(status: CommandStatus) -> Reply {
        Reply(ReplyKind::Status(status))
    }

    /// `ESME_ROK` with the default (empty) body.
    pub fn ok() -> Reply {
        Reply(ReplyKind::Status(CommandStatus::ESME_ROK))
    }

    /// The status this reply answers with.
    pub fn status(&self) -> CommandStatus {
        match &self.0 {
            ReplyKind::Frame(f) => f.command_status(),
            ReplyKind::MessageId { .. } => CommandStatus::ESME_ROK,
            ReplyKind::Status(s) => *s,
        }
    }

    /// Answers request `seq` (command `request`) in `session`. A reply that does not fit
    /// the request is answered `ESME_RSYSERR` instead; `Err` says why it did not fit.
    pub(crate) fn apply(
        &self,
        session: &mut Session,
        now: Instant,
        seq: u32,
        request: CommandId,
    ) -> Result<(), SessionError> {
        let result = match &self.0 {
            ReplyKind::Frame(f) => match f.pdu() {
                Ok(pdu) => {
                    let status = f.command_status();
                    match session.respond(now, seq, status, &pdu.body) {
                        Err(SessionError::WrongResponse { expected, got }) => {
                            let adapted = match pdu.body {
                                Body::SubmitSmResp(m)
                                | Body::DataSmResp(m)
                                | Body::DeliverSmResp(m) => message_id_body(request, m.message_id),
                                _ => None,
                            };
                            match adapted {
                                Some(b) => session.respond(now, seq, status, &b),
                                None => Err(SessionError::WrongResponse { expected, got }),
                            }
                        }
                        r => r,
                    }
                }
                Err(_) => Err(SessionError::WrongResponse {
                    expected: request.response().unwrap_or(CommandId::GenericNack),
                    got: f.command_id(),
                }),
            },
            ReplyKind::MessageId { buf, len } => {
                let id = buf.get(..usize::from(*len)).unwrap_or(&[]);
                let body = message_id_body(request, id).unwrap_or(default_response(request));
                session.respond(now, seq, CommandStatus::ESME_ROK, &body)
            }
            ReplyKind::Status(status) => {
                session.respond(now, seq, *status, &default_response(request))
            }
        };
        match result {
            Ok(()) | Err(SessionError::Closed) | Err(SessionError::UnknownRequest { .. }) => Ok(()),
            Err(e) => {
                let _ = session.respond(
                    now,
                    seq,
                    CommandStatus::ESME_RSYSERR,
                    &default_response(request),
                );
                Err(e)
            }
        }
    }
}

/// The response with an empty body for `request` (`generic_nack` when it has none).
pub fn default_response(request: CommandId) -> Body<'static> {
    Body::error_response_for(request).unwrap_or(Body::GenericNack)
}

/// The `ESME_ROK` response carrying a message id for `request`, if it has one.
fn message_id_body(request: CommandId, id: &[u8]) -> Option<Body<'_>> {
    Some(match request {
        CommandId::SubmitSm => Body::SubmitSmResp(MessageIdResp::new(id)),
        CommandId::DataSm => Body::DataSmResp(MessageIdResp::new(id)),
        CommandId::DeliverSm => Body::DeliverSmResp(MessageIdResp::new(id)),
        CommandId::BroadcastSm => Body::BroadcastSmResp(MessageIdResp::new(id)),
        CommandId::SubmitMulti => Body::SubmitMultiResp(SubmitMultiResp {
            message_id: id,
            ..SubmitMultiResp::EMPTY
        }),
        CommandId::QuerySm => Body::QuerySmResp(QuerySmResp {
            message_id: id,
            ..QuerySmResp::EMPTY
        }),
        _ => return None,
    })
}
