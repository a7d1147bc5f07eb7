//! Following a session from the outside: the SMPP 3.4 state (section 2.2) of a link whose
//! PDUs are seen pass, in either direction, without taking part in it.
//!
//! A [`Session`](super::Session) knows its own state; a trace printer, a capture analyser
//! or a proxy only sees PDUs. An [`Observer`] rebuilds the state from them: a bind request
//! moves `OPEN` to `BINDING`, its positive response to `BOUND_TX`, `BOUND_RX` or
//! `BOUND_TRX`, a negative one (or a `generic_nack` for it) back to `OPEN`; `outbind` moves
//! `OPEN` to `OUTBOUND`; `unbind` moves a bound link to `UNBINDING` and its response to
//! `CLOSED`. Only the 16-octet header is read, so truncated or invalid bodies are followed
//! as well as valid ones; nothing is allocated.
//!
//! ```
//! use smpp_core::pdu::{Bind, BindResp, Body, Pdu};
//! use smpp_core::session::{BindType, Observer, State};
//!
//! fn wire(pdu: &Pdu<'_>) -> Vec<u8> {
//!     let mut buf = vec![0; pdu.encoded_len()];
//!     pdu.encode(&mut buf).unwrap();
//!     buf
//! }
//! let mut link = Observer::new();
//! let bind = wire(&Pdu::new(1, Body::BindTransceiver(Bind::new("acme", "secret"))));
//! let t = link.observe(&bind).unwrap();
//! assert_eq!(t.to, State::Binding(BindType::Transceiver));
//!
//! let resp = BindResp { system_id: b"smsc", ..Default::default() };
//! let t = link.observe(&wire(&Pdu::new(1, Body::BindTransceiverResp(resp)))).unwrap();
//! assert_eq!((t.from.to_string(), t.to.to_string()), ("BINDING (transceiver)".into(), "BOUND_TRX".into()));
//! assert_eq!(link.observe(&wire(&Pdu::new(2, Body::EnquireLink))), None);
//! ```

use super::state::{BindType, State};
use crate::pdu::{CommandId, CommandStatus, Header};
use core::fmt;

/// A change of state seen by an [`Observer`], and the PDU that caused it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The state before the PDU.
    pub from: State,
    /// The state after it.
    pub to: State,
    /// The PDU's command.
    pub command_id: CommandId,
    /// The PDU's `command_status` (meaningful for responses).
    pub command_status: CommandStatus,
    /// The PDU's sequence number.
    pub sequence_number: u32,
}

impl fmt::Display for Transition {
    /// `OPEN -> BINDING (transceiver) (bind_transceiver seq=1)`; a response also names its
    /// status.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} -> {} ({} seq={}",
            self.from, self.to, self.command_id, self.sequence_number
        )?;
        if self.command_id.is_response() {
            write!(f, " {}", self.command_status)?;
        }
        f.write_str(")")
    }
}

/// The state of one link rebuilt from the PDUs that pass on it (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observer {
    state: State,
    /// The sequence number of the bind or unbind whose response is awaited.
    awaited: Option<u32>,
}

impl Default for Observer {
    fn default() -> Self {
        Observer::new()
    }
}

impl Observer {
    /// A link just connected: `OPEN`.
    pub const fn new() -> Observer {
        Observer {
            state: State::Open,
            awaited: None,
        }
    }

    /// The state after the PDUs observed so far.
    pub const fn state(&self) -> State {
        self.state
    }

    /// Marks the link closed (the connection ended without `unbind_resp`); the transition
    /// when it was not already `CLOSED`.
    pub fn close(&mut self) -> Option<State> {
        let from = self.state;
        self.state = State::Closed;
        self.awaited = None;
        (from != State::Closed).then_some(from)
    }

    /// Follows one PDU (its first 16 octets are enough); the transition it causes, if any.
    /// Fewer than 16 octets, or anything after `CLOSED`, change nothing.
    pub fn observe(&mut self, pdu: &[u8]) -> Option<Transition> {
        let header = Header::parse(pdu)?;
        let seq = header.sequence_number;
        let ok = header.command_status == CommandStatus::ESME_ROK;
        let answers = self.awaited == Some(seq);
        let to = match (self.state, header.command_id) {
            (State::Open | State::Outbound, id) if bind_type(id).is_some() => {
                self.awaited = Some(seq);
                State::Binding(bind_type(id)?)
            }
            (State::Open, CommandId::Outbind) => State::Outbound,
            (State::Binding(b), id) if answers && response_of(id) == Some(b) => {
                self.awaited = None;
                if ok {
                    State::Bound(b)
                } else {
                    State::Open
                }
            }
            (State::Binding(_), CommandId::GenericNack) if answers => {
                self.awaited = None;
                State::Open
            }
            (State::Bound(b), CommandId::Unbind) => {
                self.awaited = Some(seq);
                State::Unbinding(b)
            }
            (State::Unbinding(_), CommandId::UnbindResp | CommandId::GenericNack) if answers => {
                self.awaited = None;
                State::Closed
            }
            _ => return None,
        };
        let from = self.state;
        self.state = to;
        Some(Transition {
            from,
            to,
            command_id: header.command_id,
            command_status: header.command_status,
            sequence_number: seq,
        })
    }
}

/// The bind type a bind request asks for.
fn bind_type(id: CommandId) -> Option<BindType> {
    match id {
        CommandId::BindTransmitter => Some(BindType::Transmitter),
        CommandId::BindReceiver => Some(BindType::Receiver),
        CommandId::BindTransceiver => Some(BindType::Transceiver),
        _ => None,
    }
}

/// The bind type whose request a bind response answers.
fn response_of(id: CommandId) -> Option<BindType> {
    match id {
        CommandId::BindTransmitterResp => Some(BindType::Transmitter),
        CommandId::BindReceiverResp => Some(BindType::Receiver),
        CommandId::BindTransceiverResp => Some(BindType::Transceiver),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdu(id: CommandId, status: u32, seq: u32) -> [u8; 16] {
        Header {
            command_length: 16,
            command_id: id,
            command_status: CommandStatus(status),
            sequence_number: seq,
        }
        .to_bytes()
    }

    fn names(o: &mut Observer, pdus: &[[u8; 16]]) -> [&'static str; 8] {
        let mut out = [""; 8];
        for (slot, p) in out.iter_mut().zip(pdus) {
            o.observe(p);
            *slot = match o.state() {
                State::Open => "OPEN",
                State::Outbound => "OUTBOUND",
                State::Binding(_) => "BINDING",
                State::Bound(BindType::Transmitter) => "BOUND_TX",
                State::Bound(BindType::Receiver) => "BOUND_RX",
                State::Bound(BindType::Transceiver) => "BOUND_TRX",
                State::Unbinding(_) => "UNBINDING",
                State::Closed => "CLOSED",
            };
        }
        out
    }

    #[test]
    fn a_whole_transmitter_session() {
        let mut o = Observer::new();
        let seen = names(
            &mut o,
            &[
                pdu(CommandId::BindTransmitter, 0, 1),
                pdu(CommandId::BindTransmitterResp, 0, 1),
                pdu(CommandId::SubmitSm, 0, 2),
                pdu(CommandId::SubmitSmResp, 0, 2),
                pdu(CommandId::Unbind, 0, 3),
                pdu(CommandId::UnbindResp, 0, 3),
            ],
        );
        assert_eq!(
            &seen[..6],
            [
                "BINDING",
                "BOUND_TX",
                "BOUND_TX",
                "BOUND_TX",
                "UNBINDING",
                "CLOSED"
            ]
        );
        assert_eq!(o.observe(&pdu(CommandId::BindReceiver, 0, 4)), None);
        assert_eq!(o.close(), None);
    }

    #[test]
    fn a_rejected_bind_returns_to_open_and_may_be_retried() {
        let mut o = Observer::new();
        let seen = names(
            &mut o,
            &[
                pdu(CommandId::BindReceiver, 0, 1),
                // A response to another sequence number does not count.
                pdu(CommandId::BindReceiverResp, 0, 9),
                pdu(CommandId::BindReceiverResp, 0x0d, 1),
                pdu(CommandId::BindTransceiver, 0, 2),
                pdu(CommandId::GenericNack, 3, 2),
                pdu(CommandId::BindTransceiver, 0, 3),
                pdu(CommandId::BindTransceiverResp, 0, 3),
            ],
        );
        assert_eq!(
            &seen[..7],
            [
                "BINDING",
                "BINDING",
                "OPEN",
                "BINDING",
                "OPEN",
                "BINDING",
                "BOUND_TRX"
            ]
        );
        let t = Transition {
            from: State::Open,
            to: State::Closed,
            command_id: CommandId::BindReceiverResp,
            command_status: CommandStatus(0x0d),
            sequence_number: 1,
        };
        assert_eq!(
            t.to_string(),
            "OPEN -> CLOSED (bind_receiver_resp seq=1 ESME_RBINDFAIL (0x0000000D))"
        );
    }

    #[test]
    fn outbind_then_bind_receiver() {
        let mut o = Observer::new();
        let seen = names(
            &mut o,
            &[
                pdu(CommandId::Outbind, 0, 1),
                pdu(CommandId::BindReceiver, 0, 1),
                pdu(CommandId::BindReceiverResp, 0, 1),
            ],
        );
        assert_eq!(&seen[..3], ["OUTBOUND", "BINDING", "BOUND_RX"]);
        assert_eq!(o.close(), Some(State::Bound(BindType::Receiver)));
        assert_eq!(o.state(), State::Closed);
    }

    #[test]
    fn short_input_changes_nothing() {
        let mut o = Observer::new();
        assert_eq!(o.observe(&[0, 0, 0]), None);
        assert_eq!(o.state(), State::Open);
    }
}
