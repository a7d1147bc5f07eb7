//! What the control plane reads of a running simulator, and the state it keeps for it
//! (with [`SimConfig::observe`](super::SimConfig::observe)): the submitted messages in a
//! bounded ring, the deliveries not ended yet, when each session bound, and the metrics.
//! The SMPP side only appends, updates and removes here under short locks; the readers copy
//! what they need out.

use super::metrics::SimMetrics;
use super::{lock, OwnedAddress};
use crate::message::PartOf;
use smpp_core::message::{MessageState, ReceiptDate};
use smpp_core::server::{BindId, DeliveryId};
use smpp_core::session::{BindType, Counters, State};
use smpp_core::CommandId;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
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

pub(crate) struct Logged {
    pub(crate) message: SubmittedMessage,
    pub(crate) receipt: ReceiptSource,
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
    pub(crate) capacity: usize,
    pub(crate) next_seq: std::sync::atomic::AtomicU64,
    pub(crate) ring: Mutex<VecDeque<Logged>>,
    pub(crate) pending: Mutex<HashMap<DeliveryId, Pending>>,
    /// Bound sessions: when, and what (for the bind gauges at close).
    pub(crate) binds: Mutex<HashMap<BindId, (SystemTime, String, BindType)>>,
    pub(crate) metrics: SimMetrics,
}

impl Observe {
    pub(crate) fn new(capacity: usize) -> Observe {
        Observe {
            capacity,
            next_seq: std::sync::atomic::AtomicU64::new(1),
            ring: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
            pending: Mutex::new(HashMap::new()),
            binds: Mutex::new(HashMap::new()),
            metrics: SimMetrics::new(),
        }
    }

    /// Appends a message (dropping the oldest when full).
    pub(crate) fn log(&self, logged: Logged) {
        if self.capacity == 0 {
            return;
        }
        let mut ring = lock(&self.ring);
        if ring.len() >= self.capacity {
            ring.pop_front();
        }
        ring.push_back(logged);
    }

    /// Changes the receipt state of ring entry `seq`, if it is still there.
    pub(crate) fn set_receipt(&self, seq: u64, f: impl FnOnce(&mut ReceiptState)) {
        let mut ring = lock(&self.ring);
        if let Some(e) = ring.iter_mut().rev().find(|e| e.message.seq == seq) {
            f(&mut e.message.receipt);
        }
    }

    /// The whole text of a long message, on the ring's entries of its parts.
    pub(crate) fn reassembled(&self, account: &str, source: &str, reference: u16, text: &str) {
        let mut ring = lock(&self.ring);
        for e in ring.iter_mut().rev().take(512) {
            let m = &mut e.message;
            if m.account == account
                && m.source == source
                && m.part.is_some_and(|p| p.reference == reference)
                && m.reassembled.is_none()
            {
                m.reassembled = Some(text.to_string());
            }
        }
    }

    /// A ring entry by message id: the message and what its receipt is made from.
    pub(crate) fn find(&self, message_id: &str) -> Option<(SubmittedMessage, ReceiptSource)> {
        let ring = lock(&self.ring);
        ring.iter()
            .rev()
            .find(|e| e.message.message_id == message_id)
            .map(|e| (e.message.clone(), e.receipt.clone()))
    }

    /// The messages `q` asks for, oldest first.
    pub(crate) fn messages(&self, q: &MessageQuery) -> Vec<SubmittedMessage> {
        let ring = lock(&self.ring);
        let mut out: Vec<SubmittedMessage> = ring
            .iter()
            .rev()
            .filter(|e| q.since.is_none_or(|s| e.message.seq > s))
            .filter(|e| q.account.as_deref().is_none_or(|a| e.message.account == a))
            .take(q.limit.unwrap_or(usize::MAX))
            .map(|e| e.message.clone())
            .collect();
        out.reverse();
        out
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
