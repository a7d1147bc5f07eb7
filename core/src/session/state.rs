//! Roles, bind types, session states, and the SMPP 3.4 rules of which request may travel in
//! which direction and state.

use crate::pdu::CommandId;
use core::fmt;

/// Which side of the link this session plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The client: binds, submits messages, receives deliveries.
    Esme,
    /// The server: accepts binds, answers submissions, delivers messages and receipts.
    Smsc,
}

impl Role {
    /// The other side.
    #[inline]
    pub const fn peer(self) -> Role {
        match self {
            Role::Esme => Role::Smsc,
            Role::Smsc => Role::Esme,
        }
    }
}

/// The kind of bind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BindType {
    /// `bind_transmitter`: the ESME sends messages only.
    Transmitter,
    /// `bind_receiver`: the ESME receives messages only.
    Receiver,
    /// `bind_transceiver`: both directions on one link.
    Transceiver,
}

impl BindType {
    /// The bind request's command id.
    #[inline]
    pub const fn command_id(self) -> CommandId {
        match self {
            BindType::Transmitter => CommandId::BindTransmitter,
            BindType::Receiver => CommandId::BindReceiver,
            BindType::Transceiver => CommandId::BindTransceiver,
        }
    }

    /// The bind type of a bind request or response id.
    #[inline]
    pub const fn from_command_id(id: CommandId) -> Option<BindType> {
        match id {
            CommandId::BindTransmitter | CommandId::BindTransmitterResp => {
                Some(BindType::Transmitter)
            }
            CommandId::BindReceiver | CommandId::BindReceiverResp => Some(BindType::Receiver),
            CommandId::BindTransceiver | CommandId::BindTransceiverResp => {
                Some(BindType::Transceiver)
            }
            _ => None,
        }
    }

    /// True when the ESME may submit messages on this bind.
    #[inline]
    pub const fn can_transmit(self) -> bool {
        matches!(self, BindType::Transmitter | BindType::Transceiver)
    }

    /// True when the SMSC may deliver messages to the ESME on this bind.
    #[inline]
    pub const fn can_receive(self) -> bool {
        matches!(self, BindType::Receiver | BindType::Transceiver)
    }
}

impl fmt::Display for BindType {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BindType::Transmitter => "transmitter",
            BindType::Receiver => "receiver",
            BindType::Transceiver => "transceiver",
        })
    }
}

/// The state of a session (SMPP 3.4 section 2.2, plus the transient states between).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Connected, not bound.
    Open,
    /// ESME: outbind received, waiting for the application to bind. SMSC: outbind sent,
    /// waiting for the ESME's `bind_receiver`.
    Outbound,
    /// ESME: bind sent, waiting for its response. SMSC: bind received, waiting for the
    /// application to accept or reject it.
    Binding(BindType),
    /// Bound (`BOUND_TX`, `BOUND_RX` or `BOUND_TRX`).
    Bound(BindType),
    /// A local unbind is in progress: no new requests; outstanding ones drain, then
    /// `unbind` is sent and its response awaited.
    Unbinding(BindType),
    /// The session is over. Nothing more is accepted.
    Closed,
}

impl State {
    /// The bind type when bound or unbinding.
    #[inline]
    pub const fn bind_type(self) -> Option<BindType> {
        match self {
            State::Bound(b) | State::Unbinding(b) => Some(b),
            _ => None,
        }
    }

    /// True in the three bound states.
    #[inline]
    pub const fn is_bound(self) -> bool {
        matches!(self, State::Bound(_))
    }
}

impl fmt::Display for State {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            State::Open => f.write_str("OPEN"),
            State::Outbound => f.write_str("OUTBOUND"),
            State::Binding(b) => write!(f, "BINDING ({b})"),
            State::Bound(BindType::Transmitter) => f.write_str("BOUND_TX"),
            State::Bound(BindType::Receiver) => f.write_str("BOUND_RX"),
            State::Bound(BindType::Transceiver) => f.write_str("BOUND_TRX"),
            State::Unbinding(b) => write!(f, "UNBINDING ({b})"),
            State::Closed => f.write_str("CLOSED"),
        }
    }
}

/// Whether a request may be sent by `sender` at all (direction), ignoring state.
pub const fn may_send(sender: Role, id: CommandId) -> bool {
    match sender {
        Role::Esme => matches!(
            id,
            CommandId::BindTransmitter
                | CommandId::BindReceiver
                | CommandId::BindTransceiver
                | CommandId::Unbind
                | CommandId::SubmitSm
                | CommandId::SubmitMulti
                | CommandId::DataSm
                | CommandId::QuerySm
                | CommandId::CancelSm
                | CommandId::ReplaceSm
                | CommandId::EnquireLink
                | CommandId::BroadcastSm
                | CommandId::QueryBroadcastSm
                | CommandId::CancelBroadcastSm
        ),
        Role::Smsc => matches!(
            id,
            CommandId::Outbind
                | CommandId::Unbind
                | CommandId::DeliverSm
                | CommandId::DataSm
                | CommandId::AlertNotification
                | CommandId::EnquireLink
        ),
    }
}

/// Whether `sender` may send request `id` on a link bound as `bind`. Session-management
/// requests (bind, unbind, outbind, enquire_link) are not governed by this table.
pub const fn allowed_when_bound(sender: Role, bind: BindType, id: CommandId) -> bool {
    match (sender, id) {
        (_, CommandId::EnquireLink) | (_, CommandId::Unbind) => true,
        (
            Role::Esme,
            CommandId::SubmitSm
            | CommandId::SubmitMulti
            | CommandId::DataSm
            | CommandId::QuerySm
            | CommandId::CancelSm
            | CommandId::ReplaceSm
            | CommandId::BroadcastSm
            | CommandId::QueryBroadcastSm
            | CommandId::CancelBroadcastSm,
        ) => bind.can_transmit(),
        (Role::Smsc, CommandId::DeliverSm | CommandId::DataSm | CommandId::AlertNotification) => {
            bind.can_receive()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_and_state_rules() {
        assert!(may_send(Role::Esme, CommandId::SubmitSm));
        assert!(!may_send(Role::Smsc, CommandId::SubmitSm));
        assert!(may_send(Role::Smsc, CommandId::DeliverSm));
        assert!(!may_send(Role::Esme, CommandId::DeliverSm));
        assert!(!allowed_when_bound(
            Role::Esme,
            BindType::Receiver,
            CommandId::SubmitSm
        ));
        assert!(allowed_when_bound(
            Role::Esme,
            BindType::Transceiver,
            CommandId::SubmitSm
        ));
        assert!(!allowed_when_bound(
            Role::Smsc,
            BindType::Transmitter,
            CommandId::DeliverSm
        ));
        assert!(allowed_when_bound(
            Role::Smsc,
            BindType::Receiver,
            CommandId::AlertNotification
        ));
        assert_eq!(State::Bound(BindType::Transceiver).to_string(), "BOUND_TRX");
    }
}
