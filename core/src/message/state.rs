//! SMPP 3.4 message states (§5.2.28): the `message_state` TLV, `query_sm_resp` and the
//! `stat:` field of delivery receipts.

use core::fmt;

/// A message state. Values outside 1..=8 are kept as [`MessageState::Other`] so they
/// round-trip (for example SMPP 5.0's SCHEDULED = 0 and SKIPPED = 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageState {
    /// 1: in transit (`ENROUTE`).
    Enroute,
    /// 2: delivered (`DELIVRD`).
    Delivered,
    /// 3: validity period expired (`EXPIRED`).
    Expired,
    /// 4: deleted (`DELETED`).
    Deleted,
    /// 5: undeliverable (`UNDELIV`).
    Undeliverable,
    /// 6: accepted, e.g. read on behalf of the subscriber by customer service (`ACCEPTD`).
    Accepted,
    /// 7: the message is in an invalid state (`UNKNOWN`).
    Unknown,
    /// 8: rejected (`REJECTD`).
    Rejected,
    /// Any other value. Construct it through [`MessageState::from_u8`] so 1..=8 map to the
    /// named variants.
    Other(u8),
}

impl MessageState {
    /// The state for a numeric value.
    pub const fn from_u8(v: u8) -> MessageState {
        match v {
            1 => MessageState::Enroute,
            2 => MessageState::Delivered,
            3 => MessageState::Expired,
            4 => MessageState::Deleted,
            5 => MessageState::Undeliverable,
            6 => MessageState::Accepted,
            7 => MessageState::Unknown,
            8 => MessageState::Rejected,
            other => MessageState::Other(other),
        }
    }

    /// The numeric value.
    pub const fn to_u8(self) -> u8 {
        match self {
            MessageState::Enroute => 1,
            MessageState::Delivered => 2,
            MessageState::Expired => 3,
            MessageState::Deleted => 4,
            MessageState::Undeliverable => 5,
            MessageState::Accepted => 6,
            MessageState::Unknown => 7,
            MessageState::Rejected => 8,
            MessageState::Other(v) => v,
        }
    }

    /// The seven-letter form used in the `stat:` field of a delivery receipt (SMPP 3.4
    /// Appendix B). [`MessageState::Other`] has no such form and gives `UNKNOWN`.
    pub const fn receipt_stat(self) -> &'static str {
        match self {
            MessageState::Enroute => "ENROUTE",
            MessageState::Delivered => "DELIVRD",
            MessageState::Expired => "EXPIRED",
            MessageState::Deleted => "DELETED",
            MessageState::Undeliverable => "UNDELIV",
            MessageState::Accepted => "ACCEPTD",
            MessageState::Unknown | MessageState::Other(_) => "UNKNOWN",
            MessageState::Rejected => "REJECTD",
        }
    }

    /// Parses a receipt `stat:` value, ignoring ASCII case and surrounding whitespace. Besides
    /// the seven-letter forms it accepts DELIVERED, UNDELIVERABLE, ACCEPTED and REJECTED.
    pub fn from_receipt_stat(stat: &str) -> Option<MessageState> {
        let s = stat.trim();
        const NAMES: [(&str, MessageState); 12] = [
            ("ENROUTE", MessageState::Enroute),
            ("DELIVRD", MessageState::Delivered),
            ("DELIVERED", MessageState::Delivered),
            ("EXPIRED", MessageState::Expired),
            ("DELETED", MessageState::Deleted),
            ("UNDELIV", MessageState::Undeliverable),
            ("UNDELIVERABLE", MessageState::Undeliverable),
            ("ACCEPTD", MessageState::Accepted),
            ("ACCEPTED", MessageState::Accepted),
            ("UNKNOWN", MessageState::Unknown),
            ("REJECTD", MessageState::Rejected),
            ("REJECTED", MessageState::Rejected),
        ];
        NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(s))
            .map(|&(_, state)| state)
    }

    /// `true` for states after which the message will not change any more: DELIVERED,
    /// EXPIRED, DELETED, UNDELIVERABLE, ACCEPTED and REJECTED. ENROUTE, UNKNOWN and other
    /// values are not final.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            MessageState::Delivered
                | MessageState::Expired
                | MessageState::Deleted
                | MessageState::Undeliverable
                | MessageState::Accepted
                | MessageState::Rejected
        )
    }
}

impl From<u8> for MessageState {
    fn from(v: u8) -> MessageState {
        MessageState::from_u8(v)
    }
}

impl From<MessageState> for u8 {
    fn from(s: MessageState) -> u8 {
        s.to_u8()
    }
}

impl fmt::Display for MessageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageState::Other(v) => write!(f, "state {}", v),
            s => f.write_str(s.receipt_stat()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_round_trip() {
        for v in 0..=255u8 {
            let s = MessageState::from_u8(v);
            assert_eq!(s.to_u8(), v);
            assert_eq!(u8::from(MessageState::from(v)), v);
            if (1..=8).contains(&v) {
                assert!(!matches!(s, MessageState::Other(_)));
                assert_eq!(MessageState::from_receipt_stat(s.receipt_stat()), Some(s));
            } else {
                assert_eq!(s, MessageState::Other(v));
            }
        }
        assert_eq!(MessageState::from_u8(2), MessageState::Delivered);
        assert_eq!(MessageState::Rejected.to_u8(), 8);
    }

    #[test]
    fn stat_text() {
        assert_eq!(
            MessageState::from_receipt_stat("delivrd"),
            Some(MessageState::Delivered)
        );
        assert_eq!(
            MessageState::from_receipt_stat(" Undeliverable "),
            Some(MessageState::Undeliverable)
        );
        assert_eq!(
            MessageState::from_receipt_stat("ACCEPTED"),
            Some(MessageState::Accepted)
        );
        assert_eq!(MessageState::from_receipt_stat("DELIV"), None);
        assert_eq!(MessageState::Other(9).receipt_stat(), "UNKNOWN");
        assert!(MessageState::Delivered.is_final());
        assert!(!MessageState::Enroute.is_final());
        assert!(!MessageState::Unknown.is_final());
        assert!(!MessageState::Other(0).is_final());
    }
}
