//! What the control plane reads of a running simulator, and the state it keeps for it
//! (with [`SimConfig::observe`](super::SimConfig::observe)): the submitted messages in a
//! bounded ring, the deliveries not ended yet, when each session bound, and the metrics.
//! The SMPP side only appends, updates and removes here under short locks; the readers copy
//! what they need out.

use super::metrics::SimMetrics;
use super::{destinations_of, format_id, lock, receipt_date_of, OwnedAddress};
use crate::message::{address_text, MessageView, PartOf};
use smpp_core::message::{MessageState, ReceiptDate};
use smpp_core::pdu::{ParseOptions, Pdu};
use smpp_core::server::{BindId, DeliveryId};
use smpp_core::session::{BindType, Counters, State};
use smpp_core::CommandId;
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// A bound session, as the control plane lists it ([`SimHandle::sessions`]).
///
/// [`SimHandle::sessions`]: super::SimHandle::sessions
#[derive(Clone, Debug)]
pub struct SessionStatus {
    /// The connection.
    pub bind_id: BindId,
    /// The account (`system_id`).
    pub account: String,
    /// Its bind type.
    pub bind_type: BindType,
    /// Its SMPP 3.4 state (`BOUND_TX`, `BOUND_RX`, `BOUND_TRX`, or `UNBINDING`).
    pub state: State,
    /// The ESME's address.
    pub peer: SocketAddr,
    /// When the simulator saw the bind (`None` for a bind whose event is not handled yet).
    pub connected_since: Option<SystemTime>,
    /// The session's counters.
    pub counters: Counters,
    /// The simulator's requests to the ESME outstanding (session window occupancy).
    pub in_flight: usize,
    /// The ESME's requests not answered yet (peer window occupancy).
    pub unanswered: usize,
    /// The size of both windows ([`SimConfig::window`](super::SimConfig::window)).
    pub window: usize,
}

/// Where a submitted message's delivery receipt stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiptState {
    /// `registered_delivery` asked for none.
    NotRequested,
    /// One was asked for and is held until the control plane sends one
    /// ([`SimConfig::hold_receipts`](super::SimConfig::hold_receipts)).
    Held,
    /// One was asked for and will be sent after the receipt delay.
    Scheduled,
    /// A receipt was handed to the delivery queue.
    Sent {
        /// Its `stat:`.
        stat: MessageState,
        /// Its `err:`.
        err: u16,
        /// Its delivery (`None` when the queue refused it).
        delivery: Option<DeliveryId>,
        /// How the delivery ended (`delivered`, `refused ...`, `gave up: ...`); `None`
        /// while it is on its way.
        outcome: Option<String>,
    },
}

/// A submitted message (one part of a long one), as [`SimHandle::messages`] lists it.
///
/// [`SimHandle::messages`]: super::SimHandle::messages
#[derive(Clone, Debug)]
pub struct SubmittedMessage {
    /// Position in the ring, increasing with every accepted submission (a cursor for
    /// [`MessageQuery::since`]).
    pub seq: u64,
    /// When it was accepted.
    pub time: SystemTime,
    /// The account that submitted it.
    pub account: String,
    /// The bind it came on.
    pub bind_id: BindId,
    /// `submit_sm`, `data_sm` or `submit_multi`.
    pub command: CommandId,
    /// The message id answered.
    pub message_id: String,
    /// Source address.
    pub source: String,
    /// Destination addresses (several for `submit_multi`).
    pub destinations: Vec<String>,
    /// `data_coding`.
    pub data_coding: u8,
    /// This part's text, decoded.
    pub text: String,
    /// Which part of a long message it is.
    pub part: Option<PartOf>,
    /// The whole text of the long message it belongs to, once every part arrived.
    pub reassembled: Option<String>,
    /// Its receipt.
    pub receipt: ReceiptState,
}

/// Which submitted messages to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageQuery {
    /// Only this account's.
    pub account: Option<String>,
    /// Only those whose [`SubmittedMessage::seq`] is greater.
    pub since: Option<u64>,
    /// At most this many, the latest (`None`: all the ring holds).
    pub limit: Option<usize>,
}

/// What a delivery in the store carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryKind {
    /// A delivery receipt.
    Receipt,
    /// A mobile-originated message (echo or control plane).
    Mo,
}

impl fmt::Display for DeliveryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeliveryKind::Receipt => "receipt",
            DeliveryKind::Mo => "mo",
        })
    }
}

/// A delivery not ended yet (waiting for a receiver, or on its way), as
/// [`SimHandle::pending`](super::SimHandle::pending) lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingDelivery {
    /// The delivery.
    pub id: DeliveryId,
    /// The account it is for.
    pub account: String,
    /// What it carries.
    pub kind: DeliveryKind,
    /// For a receipt, the message id it reports on.
    pub message_id: Option<String>,
    /// Since it was accepted.
    pub age: Duration,
    /// Failed attempts so far (retries).
    pub retries: u32,
}

/// What a receipt is made from: the submission's addresses and date.
#[derive(Clone, Debug)]
pub(crate) struct ReceiptSource {
    pub(crate) source: OwnedAddress,
    pub(crate) destinations: Vec<OwnedAddress>,
    pub(crate) submitted: ReceiptDate,
}

/// One submission in the ring: its PDU's octets (decoded when read) and what happened
/// since.
pub(crate) struct Logged {
    seq: u64,
    /// The message id's number.
    n: u64,
    time: SystemTime,
    bind_id: BindId,
    /// Filled in when the entry is read (from the binds' accounts).
    account: Option<Arc<str>>,
    /// The PDU's octets (the buffer is reused once the entry drops out of the ring).
    pdu: Vec<u8>,
    part: Option<PartOf>,
    reassembled: Option<String>,
    receipt: ReceiptState,
}

impl Logged {
    fn message(&self) -> (SubmittedMessage, ReceiptSource) {
        let mut buf = [0u8; 20];
        let mut m = SubmittedMessage {
            seq: self.seq,
            time: self.time,
            account: self.account.as_deref().unwrap_or("").to_string(),
            bind_id: self.bind_id,
            command: CommandId::SubmitSm,
            message_id: format_id(self.n, &mut buf).to_string(),
            source: String::new(),
            destinations: Vec::new(),
            data_coding: 0,
            text: String::new(),
            part: self.part,
            reassembled: self.reassembled.clone(),
            receipt: self.receipt.clone(),
        };
        let mut r = ReceiptSource {
            source: OwnedAddress::default(),
            destinations: Vec::new(),
            submitted: receipt_date_of(self.time),
        };
        let opts = ParseOptions {
            max_command_length: u32::MAX,
            ..Default::default()
        };
        if let Ok(pdu) = Pdu::parse_with(&self.pdu, &opts) {
            if let Some(view) = MessageView::from_body(&pdu.body) {
                m.command = view.command;
                m.source = address_text(&view.source);
                m.data_coding = view.data_coding;
                m.text = view.text();
                r.source = OwnedAddress::from(&view.source);
                r.destinations = destinations_of(&pdu.body, &view);
                m.destinations = r.destinations.iter().map(OwnedAddress::text).collect();
            }
        }
        (m, r)
    }

    fn copy(&self) -> Logged {
        Logged {
            seq: self.seq,
            n: self.n,
            time: self.time,
            bind_id: self.bind_id,
            account: None,
            pdu: self.pdu.clone(),
            part: self.part,
            reassembled: self.reassembled.clone(),
            receipt: self.receipt.clone(),
        }
    }

    /// The source address octets, read from the PDU.
    fn source_is(&self, source: &[u8]) -> bool {
        Pdu::parse(&self.pdu)
            .ok()
            .and_then(|p| MessageView::from_body(&p.body).map(|v| v.source.addr == source))
            .unwrap_or(false)
    }
}

/// The ring: a fixed number of slots written over in place, oldest first from `next`.
struct Ring {
    slots: Vec<Logged>,
    /// The slot written next (the oldest once the ring is full).
    next: usize,
    next_seq: u64,
}

impl Ring {
    /// The entries, oldest first.
    fn iter(&self) -> impl DoubleEndedIterator<Item = &Logged> {
        let (newer, older) = self.slots.split_at(self.next.min(self.slots.len()));
        older.iter().chain(newer.iter())
    }

    /// The same, to change.
    fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Logged> {
        let at = self.next.min(self.slots.len());
        let (newer, older) = self.slots.split_at_mut(at);
        older.iter_mut().chain(newer.iter_mut())
    }
}

pub(crate) struct Pending {
    pub(crate) account: String,
    pub(crate) kind: DeliveryKind,
    /// For a receipt: the message's ring seq and id.
    pub(crate) message: Option<(u64, String)>,
    pub(crate) since: Instant,
    pub(crate) retries: u32,
}

/// The simulator's control-plane state.
pub(crate) struct Observe {
    capacity: usize,
    ring: Mutex<Ring>,
    pub(crate) pending: Mutex<HashMap<DeliveryId, Pending>>,
    /// Bound sessions: when, and what (for the bind gauges at close).
    pub(crate) binds: Mutex<HashMap<BindId, (SystemTime, String, BindType)>>,
    /// The account of every bind seen, kept while the ring may hold its entries (set at
    /// the bind, pruned when read).
    accounts: Mutex<HashMap<BindId, Arc<str>>>,
    pub(crate) metrics: SimMetrics,
}

impl Observe {
    pub(crate) fn new(capacity: usize) -> Observe {
        Observe {
            capacity,
            ring: Mutex::new(Ring {
                slots: Vec::with_capacity(capacity.min(4096)),
                next: 0,
                next_seq: 1,
            }),
            pending: Mutex::new(HashMap::new()),
            binds: Mutex::new(HashMap::new()),
            accounts: Mutex::new(HashMap::new()),
            metrics: SimMetrics::new(),
        }
    }

    /// Appends a submission accepted with message id number `n` (the oldest entry makes
    /// room when the ring is full, its buffer reused); returns its ring seq. No hashing and,
    /// once the ring is full, no allocation for PDUs of the usual size.
    pub(crate) fn log(
        &self,
        bind_id: BindId,
        n: u64,
        pdu: &[u8],
        part: Option<PartOf>,
        receipt: ReceiptState,
    ) -> u64 {
        let time = SystemTime::now();
        let mut ring = lock(&self.ring);
        let seq = ring.next_seq;
        ring.next_seq += 1;
        if self.capacity == 0 {
            return seq;
        }
        let at = ring.next;
        ring.next = (at + 1) % self.capacity;
        match ring.slots.get_mut(at) {
            Some(e) => {
                e.seq = seq;
                e.n = n;
                e.time = time;
                e.bind_id = bind_id;
                e.pdu.clear();
                e.pdu.extend_from_slice(pdu);
                e.part = part;
                e.reassembled = None;
                e.receipt = receipt;
            }
            None => ring.slots.push(Logged {
                seq,
                n,
                time,
                bind_id,
                account: None,
                pdu: pdu.to_vec(),
                part,
                reassembled: None,
                receipt,
            }),
        }
        seq
    }

    /// A bind was accepted: its entries will be listed under `account`.
    pub(crate) fn bound(&self, bind_id: BindId, account: &str) {
        lock(&self.accounts).insert(bind_id, Arc::from(account));
    }

    /// The entries copied out of the ring get their account; binds that are gone and have
    /// no entry left are forgotten.
    fn name(&self, picked: &mut [Logged]) {
        let live: Option<std::collections::HashSet<BindId>> = (lock(&self.accounts).len() > 64)
            .then(|| lock(&self.ring).iter().map(|e| e.bind_id).collect());
        let bound: Option<std::collections::HashSet<BindId>> = live
            .as_ref()
            .map(|_| lock(&self.binds).keys().copied().collect());
        let mut accounts = lock(&self.accounts);
        for e in picked.iter_mut() {
            e.account = accounts.get(&e.bind_id).cloned();
        }
        if let (Some(live), Some(bound)) = (live, bound) {
            accounts.retain(|id, _| live.contains(id) || bound.contains(id));
        }
    }

    /// Changes the receipt state of ring entry `seq`, if it is still there.
    pub(crate) fn set_receipt(&self, seq: u64, f: impl FnOnce(&mut ReceiptState)) {
        let mut ring = lock(&self.ring);
        let found = ring.iter_mut().rev().find(|e| e.seq == seq);
        if let Some(e) = found {
            f(&mut e.receipt);
        }
    }

    /// The whole text of a long message, on the ring's entries of its parts (the latest
    /// 256 entries of the same bind, source and reference).
    pub(crate) fn reassembled(&self, bind_id: BindId, source: &[u8], reference: u16, text: &str) {
        let mut ring = lock(&self.ring);
        for e in ring.iter_mut().rev().take(256) {
            if e.bind_id == bind_id
                && e.part.is_some_and(|p| p.reference == reference)
                && e.reassembled.is_none()
                && e.source_is(source)
            {
                e.reassembled = Some(text.to_string());
            }
        }
    }

    /// A ring entry by message id: the message and what its receipt is made from.
    pub(crate) fn find(&self, message_id: &str) -> Option<(SubmittedMessage, ReceiptSource)> {
        let n = u64::from_str_radix(message_id, 16).ok()?;
        let found = {
            let ring = lock(&self.ring);
            let found = ring.iter().rev().find(|e| e.n == n).map(Logged::copy);
            found?
        };
        let mut picked = [found];
        self.name(&mut picked);
        Some(picked[0].message())
    }

    /// The messages `q` asks for, oldest first (copied out under the lock, decoded after;
    /// no two of the locks are held at once).
    pub(crate) fn messages(&self, q: &MessageQuery) -> Vec<SubmittedMessage> {
        let binds: Option<std::collections::HashSet<BindId>> = q.account.as_deref().map(|a| {
            lock(&self.accounts)
                .iter()
                .filter(|(_, name)| &***name == a)
                .map(|(id, _)| *id)
                .collect()
        });
        let mut picked: Vec<Logged> = {
            let ring = lock(&self.ring);
            ring.iter()
                .rev()
                .filter(|e| q.since.is_none_or(|s| e.seq > s))
                .filter(|e| binds.as_ref().is_none_or(|b| b.contains(&e.bind_id)))
                .take(q.limit.unwrap_or(usize::MAX))
                .map(Logged::copy)
                .collect()
        };
        self.name(&mut picked);
        picked.iter().rev().map(|e| e.message().0).collect()
    }

    /// The deliveries not ended, oldest first.
    pub(crate) fn pending(&self) -> Vec<PendingDelivery> {
        let now = Instant::now();
        let pending = lock(&self.pending);
        let mut out: Vec<PendingDelivery> = pending
            .iter()
            .map(|(id, p)| PendingDelivery {
                id: *id,
                account: p.account.clone(),
                kind: p.kind,
                message_id: p.message.as_ref().map(|(_, id)| id.clone()),
                age: now.saturating_duration_since(p.since),
                retries: p.retries,
            })
            .collect();
        out.sort_by_key(|p| p.id.0);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smpp_core::pdu::{Address, Body, Npi, SubmitSm, Ton};

    fn submit(text: &str) -> Vec<u8> {
        let pdu = Pdu::new(
            1,
            Body::SubmitSm(SubmitSm {
                source: Address::new(Ton(5), Npi(0), b"Shop"),
                destination: Address::new(Ton(1), Npi(1), b"447700900123"),
                short_message: text.as_bytes(),
                ..Default::default()
            }),
        );
        let mut buf = vec![0u8; pdu.encoded_len()];
        pdu.encode(&mut buf).unwrap();
        buf
    }

    #[test]
    fn the_ring_keeps_the_latest_in_order_and_decodes_when_read() {
        let o = Observe::new(3);
        o.bound(BindId(7), "acme");
        for i in 1..=5u64 {
            let seq = o.log(
                BindId(7),
                0x10 + i,
                &submit(&format!("text {i}")),
                None,
                ReceiptState::NotRequested,
            );
            assert_eq!(seq, i);
        }
        let all = o.messages(&MessageQuery::default());
        let seqs: Vec<u64> = all.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [3, 4, 5]);
        assert_eq!(all[0].text, "text 3");
        assert_eq!(all[0].account, "acme");
        assert_eq!(all[0].message_id, "0000000013");
        assert_eq!(all[0].source, "Shop");
        assert_eq!(all[0].destinations, ["447700900123"]);
        let q = MessageQuery {
            since: Some(3),
            limit: Some(1),
            ..Default::default()
        };
        assert_eq!(o.messages(&q)[0].seq, 5);
        let q = MessageQuery {
            account: Some("other".into()),
            ..Default::default()
        };
        assert!(o.messages(&q).is_empty());
        o.set_receipt(4, |r| *r = ReceiptState::Held);
        let (m, source) = o.find("0000000014").unwrap();
        assert_eq!((m.seq, m.receipt), (4, ReceiptState::Held));
        assert_eq!(source.destinations.len(), 1);
        assert!(o.find("0000000011").is_none(), "dropped out of the ring");
    }
}
