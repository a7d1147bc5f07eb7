//! The simulator's SMPP 5.0 broadcasts: `broadcast_sm` accepted on 5.0 sessions, kept per
//! message id (its state and areas) so that `query_broadcast_sm` and `cancel_broadcast_sm`
//! can be answered; bounded (the oldest broadcast is forgotten first).

use smpp_core::pdu::{Body, BroadcastSm, QueryBroadcastSmResp, Tlv, TlvTag, Tlvs};
use smpp_core::server::Reply;
use smpp_core::CommandStatus;
use std::collections::{BTreeMap, VecDeque};

/// Most broadcasts remembered.
pub const MAX_BROADCASTS: usize = 10_000;
/// Most areas remembered per broadcast (the rest are not echoed in queries).
pub const MAX_AREAS: usize = 8;

/// `message_state` of a broadcast being repeated (ENROUTE).
pub const STATE_ENROUTE: u8 = 1;
/// `message_state` of a cancelled broadcast (DELETED).
pub const STATE_DELETED: u8 = 4;
/// `broadcast_area_success` the simulator reports: every cell accepted it.
pub const AREA_SUCCESS: u8 = 100;

/// One broadcast's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broadcast {
    /// Its `message_state` ([`STATE_ENROUTE`], [`STATE_DELETED`]).
    pub state: u8,
    /// The `broadcast_area_identifier` values (at most [`MAX_AREAS`]).
    pub areas: Vec<Vec<u8>>,
}

/// The broadcasts by message id, at most [`MAX_BROADCASTS`].
#[derive(Debug, Default)]
pub struct Broadcasts {
    by_id: BTreeMap<String, Broadcast>,
    order: VecDeque<String>,
}

impl Broadcasts {
    /// How many broadcasts are remembered.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when none is.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The broadcast `id`.
    pub fn get(&self, id: &str) -> Option<&Broadcast> {
        self.by_id.get(id)
    }

    /// Remembers broadcast `b` under `id`, forgetting the oldest beyond the bound.
    pub fn accept(&mut self, id: &str, b: &BroadcastSm<'_>) {
        let areas = b
            .tlvs
            .iter()
            .filter(|t| t.tag == TlvTag::BROADCAST_AREA_IDENTIFIER)
            .take(MAX_AREAS)
            .map(|t| t.value.with_bytes(|a, b| [a, b].concat()))
            .collect();
        while self.by_id.len() >= MAX_BROADCASTS {
            match self.order.pop_front() {
                Some(old) => {
                    self.by_id.remove(&old);
                }
                None => break,
            }
        }
        self.order.push_back(id.to_string());
        self.by_id.insert(
            id.to_string(),
            Broadcast {
                state: STATE_ENROUTE,
                areas,
            },
        );
    }

    /// The answer to `query_broadcast_sm` for `id`: its state, areas and area success, or
    /// `ESME_RBCASTQUERYFAIL` for a broadcast not known.
    pub fn query(&self, id: &[u8]) -> Reply {
        let Some(b) = std::str::from_utf8(id)
            .ok()
            .and_then(|id| self.by_id.get(id))
        else {
            return Reply::error(CommandStatus::ESME_RBCASTQUERYFAIL);
        };
        let mut tlvs = vec![Tlv::u8(TlvTag::MESSAGE_STATE, b.state)];
        tlvs.extend(
            b.areas
                .iter()
                .map(|a| Tlv::octets(TlvTag::BROADCAST_AREA_IDENTIFIER, a)),
        );
        if b.areas.is_empty() {
            tlvs.push(Tlv::octets(TlvTag::BROADCAST_AREA_IDENTIFIER, &[0]));
        }
        tlvs.push(Tlv::u8(TlvTag::BROADCAST_AREA_SUCCESS, AREA_SUCCESS));
        let body = Body::QueryBroadcastSmResp(QueryBroadcastSmResp {
            message_id: id,
            tlvs: Tlvs::from_slice(&tlvs),
        });
        Reply::new(CommandStatus::ESME_ROK, &body)
            .unwrap_or_else(|_| Reply::error(CommandStatus::ESME_RSYSERR))
    }

    /// `cancel_broadcast_sm` of `id`: `ESME_ROK` for a broadcast being repeated (it is
    /// DELETED then), `ESME_RBCASTCANCELFAIL` for one not known or already cancelled.
    pub fn cancel(&mut self, id: &[u8]) -> Reply {
        match std::str::from_utf8(id)
            .ok()
            .and_then(|id| self.by_id.get_mut(id))
        {
            Some(b) if b.state == STATE_ENROUTE => {
                b.state = STATE_DELETED;
                Reply::ok()
            }
            _ => Reply::error(CommandStatus::ESME_RBCASTCANCELFAIL),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smpp_core::pdu::Address;

    #[test]
    fn bounded_and_answers_query_and_cancel() {
        let tlvs = [Tlv::octets(
            TlvTag::BROADCAST_AREA_IDENTIFIER,
            b"\x00Dublin",
        )];
        let b = BroadcastSm {
            source: Address::alphanumeric("x"),
            tlvs: Tlvs::from_slice(&tlvs),
            ..Default::default()
        };
        let mut all = Broadcasts::default();
        for i in 0..MAX_BROADCASTS + 5 {
            all.accept(&i.to_string(), &b);
        }
        assert_eq!(all.len(), MAX_BROADCASTS);
        assert!(all.get("0").is_none());
        assert_eq!(all.get("9").unwrap().areas, vec![b"\x00Dublin".to_vec()]);
        assert_eq!(all.query(b"9").status(), CommandStatus::ESME_ROK);
        assert_eq!(
            all.query(b"0").status(),
            CommandStatus::ESME_RBCASTQUERYFAIL
        );
        assert_eq!(all.cancel(b"9").status(), CommandStatus::ESME_ROK);
        assert_eq!(all.get("9").unwrap().state, STATE_DELETED);
        assert_eq!(
            all.cancel(b"9").status(),
            CommandStatus::ESME_RBCASTCANCELFAIL
        );
        assert_eq!(
            all.cancel(b"nope").status(),
            CommandStatus::ESME_RBCASTCANCELFAIL
        );
    }
}
