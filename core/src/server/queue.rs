//! The delivery queue: messages for an account (MO `deliver_sm`, delivery receipts,
//! `data_sm`) waiting for, or travelling to, one of its receiver-capable binds.
//!
//! Delivery is at least once. A message leaves the queue only on a positive response or a
//! permanent error; a timeout, a temporary error or a lost link puts it back at its
//! original position (messages are ordered by [`DeliveryId`], which grows with every
//! accepted message), to be retried on another bind at once or on the same one after a
//! back-off. The retry budget bounds how often; giving up is reported, never silent.

use super::config::DeliveryPolicy;
use super::registry::BindId;
use crate::codec::Frame;
use crate::time::Instant;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::sync::Arc;
use core::fmt;

/// Identifies one accepted delivery within an endpoint; ids grow in acceptance order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeliveryId(pub u64);

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "delivery#{}", self.0)
    }
}

/// Why a delivery attempt did not succeed, and whether it will be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptFailure {
    /// The receiver answered with this status (`generic_nack` included).
    Status(crate::CommandStatus),
    /// The receiver did not answer within the session's response timeout.
    Timeout,
    /// The link closed before the response.
    LinkLost,
    /// The receiver answered with this `command_id`, which is not the request's response.
    MismatchedResponse(crate::CommandId),
}

impl fmt::Display for AttemptFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptFailure::Status(s) => write!(f, "answered {s}"),
            AttemptFailure::Timeout => f.write_str("no response in time"),
            AttemptFailure::LinkLost => f.write_str("link lost before the response"),
            AttemptFailure::MismatchedResponse(id) => write!(f, "answered with {id}"),
        }
    }
}

/// Why the endpoint gave a delivery up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GiveUpReason {
    /// [`DeliveryPolicy::max_attempts`] attempts failed temporarily; the last failure.
    RetryBudget(AttemptFailure),
    /// Waited longer than [`DeliveryPolicy::max_age`] without being delivered.
    Expired,
    /// The endpoint shut down with the message still queued. With
    /// [`DeliveryPolicy::durable`] the store keeps it: it is delivered after a restart (or
    /// by another node sharing the store).
    Shutdown,
    /// The store could not keep it ([`DeliveryPolicy::durable`]); it was never sent.
    Store(super::store::StoreFailure),
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GiveUpReason::RetryBudget(last) => write!(f, "retry budget spent (last: {last})"),
            GiveUpReason::Expired => f.write_str("expired in the queue"),
            GiveUpReason::Shutdown => f.write_str("server shut down"),
            GiveUpReason::Store(e) => write!(f, "not stored: {e}"),
        }
    }
}

/// How a delivery ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// A bind answered `ESME_ROK`.
    Delivered {
        /// The bind that took it.
        bind_id: BindId,
        /// Attempts made, this one included.
        attempts: u32,
        /// The response.
        response: Frame,
    },
    /// A bind answered with a permanent error (`ESME_RX_P_APPN`, `ESME_RX_R_APPN`, or any
    /// status that is not temporary): not retried.
    Refused {
        /// The bind that answered.
        bind_id: BindId,
        /// The status answered.
        status: crate::CommandStatus,
        /// Attempts made.
        attempts: u32,
    },
    /// Not delivered, and no longer tried.
    GaveUp {
        /// Why.
        reason: GiveUpReason,
        /// Attempts made.
        attempts: u32,
        /// The message, so the application can keep or report it.
        message: Frame,
    },
    /// The store keeps it, and it comes back through
    /// [`Endpoint::claimed`](super::Endpoint::claimed) under a new id, whose events report
    /// its delivery: it was kept for every node sharing the store
    /// ([`Placement::Shared`](super::Placement::Shared)), or the queue was full and it
    /// waits in the store until there is room ([`DeliveryPolicy::durable`]).
    InStore,
}

/// The statuses a receiver answers that ask for a retry: `ESME_RX_T_APPN`, `ESME_RTHROTTLED`,
/// `ESME_RMSGQFUL`, and a `generic_nack` of any status.
pub fn is_temporary(command_id: crate::CommandId, status: crate::CommandStatus) -> bool {
    use crate::CommandStatus as S;
    command_id == crate::CommandId::GenericNack
        || status == S::ESME_RX_T_APPN
        || status == S::ESME_RTHROTTLED
        || status == S::ESME_RMSGQFUL
}

/// One queued message.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) frame: Frame,
    pub(crate) attempts: u32,
    /// The bind it failed on last, avoided until `retry_at`.
    pub(crate) avoid: Option<BindId>,
    pub(crate) retry_at: Instant,
    pub(crate) accepted_at: Instant,
    /// Kept by the store (always, without [`DeliveryPolicy::durable`]): only stored
    /// messages are sent, and a message waits behind an older one that is not stored yet.
    pub(crate) stored: bool,
}

#[derive(Debug, Default)]
struct AccountQueue {
    /// Waiting messages, in acceptance order.
    waiting: BTreeMap<DeliveryId, Entry>,
    /// Messages on their way (counted against the capacity).
    in_flight: usize,
}

/// A message handed to a bind: where it is, to put it back or finish it.
#[derive(Debug)]
pub(crate) struct InFlight {
    pub(crate) account: Arc<str>,
    pub(crate) entry: Entry,
}

/// Why the delivery queue refused a message ([`DeliverError::QueueFull`](super::DeliverError::QueueFull)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueFull {
    /// The account's capacity ([`DeliveryPolicy::per_account`]).
    Account,
    /// The endpoint's capacity ([`DeliveryPolicy::total`]).
    Total,
}

/// Every account's queue, bounded per account and in total.
#[derive(Debug)]
pub(crate) struct DeliveryQueue {
    policy: DeliveryPolicy,
    accounts: BTreeMap<Arc<str>, AccountQueue>,
    in_flight: BTreeMap<DeliveryId, InFlight>,
    /// (when, account): an avoided bind becomes allowed again, or a message expires.
    timers: BTreeSet<(Instant, Arc<str>)>,
    /// Waiting messages the store has not confirmed yet, and their accounts.
    unstored: BTreeMap<DeliveryId, Arc<str>>,
    next_id: u64,
    total: usize,
}

impl DeliveryQueue {
    pub(crate) fn new(policy: DeliveryPolicy) -> DeliveryQueue {
        DeliveryQueue {
            policy,
            accounts: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            timers: BTreeSet::new(),
            unstored: BTreeMap::new(),
            next_id: 1,
            total: 0,
        }
    }

    /// Messages held (waiting or on their way) for `account`.
    pub(crate) fn len(&self, account: &str) -> usize {
        self.accounts
            .get(account)
            .map_or(0, |q| q.waiting.len() + q.in_flight)
    }

    /// Messages waiting (not on their way) for `account`.
    pub(crate) fn waiting(&self, account: &str) -> usize {
        self.accounts.get(account).map_or(0, |q| q.waiting.len())
    }

    /// Messages held over all accounts.
    pub(crate) fn total(&self) -> usize {
        self.total
    }

    /// Room for more messages for `account` (its own capacity and the endpoint's).
    pub(crate) fn room(&self, account: &str) -> usize {
        let account_room = self.policy.per_account.saturating_sub(self.len(account));
        account_room.min(self.policy.total.saturating_sub(self.total))
    }

    /// A new id, for a message that does not enter the queue (kept in the store only).
    pub(crate) fn allocate_id(&mut self) -> DeliveryId {
        let id = DeliveryId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Accepts a message for `account`; `stored`: already kept by the store (or no store).
    pub(crate) fn push(
        &mut self,
        now: Instant,
        account: &str,
        frame: Frame,
        stored: bool,
    ) -> Result<(DeliveryId, Arc<str>), QueueFull> {
        if self.total >= self.policy.total {
            return Err(QueueFull::Total);
        }
        if self.len(account) >= self.policy.per_account {
            return Err(QueueFull::Account);
        }
        let id = DeliveryId(self.next_id);
        self.next_id += 1;
        let key = self.key(account);
        if let Some(age) = self.policy.max_age {
            self.timers.insert((now + age, key.clone()));
        }
        if !stored {
            self.unstored.insert(id, key.clone());
        }
        self.accounts
            .entry(key.clone())
            .or_default()
            .waiting
            .insert(
                id,
                Entry {
                    frame,
                    attempts: 0,
                    avoid: None,
                    retry_at: now,
                    accepted_at: now,
                    stored,
                },
            );
        self.total += 1;
        Ok((id, key))
    }

    /// The store kept waiting message `id`: it may be sent now. Its account, or `None` if
    /// it is no longer waiting unstored (it ended meanwhile).
    pub(crate) fn mark_stored(&mut self, id: DeliveryId) -> Option<Arc<str>> {
        let account = self.unstored.remove(&id)?;
        let entry = self.accounts.get_mut(&account)?.waiting.get_mut(&id)?;
        entry.stored = true;
        Some(account)
    }

    /// Takes waiting message `id` out of the queue before it was stored (the store failed,
    /// or took it for every node).
    pub(crate) fn take_unstored(&mut self, id: DeliveryId) -> Option<(Arc<str>, Entry)> {
        let account = self.unstored.remove(&id)?;
        let q = self.accounts.get_mut(&account)?;
        let entry = q.waiting.remove(&id)?;
        self.total -= 1;
        if q.waiting.is_empty() && q.in_flight == 0 {
            self.accounts.remove(&account);
        }
        Some((account, entry))
    }

    /// The shared name of `account` (one allocation per account, not per message).
    fn key(&self, account: &str) -> Arc<str> {
        match self.accounts.get_key_value(account) {
            Some((k, _)) => k.clone(),
            None => Arc::from(account),
        }
    }

    /// The first waiting message of `account` that `bind` may take now.
    pub(crate) fn next_for(
        &self,
        account: &str,
        bind: BindId,
        now: Instant,
    ) -> Option<(DeliveryId, &Frame)> {
        let q = self.accounts.get(account)?;
        q.waiting
            .iter()
            .take(self.policy.scan_limit.max(1))
            .take_while(|(_, e)| e.stored)
            .find(|(_, e)| e.avoid != Some(bind) || now >= e.retry_at)
            .map(|(id, e)| (*id, &e.frame))
    }

    /// Marks a waiting message as handed to a bind.
    pub(crate) fn start(&mut self, account: &str, id: DeliveryId) {
        let key = self.key(account);
        let Some(q) = self.accounts.get_mut(&key) else {
            return;
        };
        let Some(mut entry) = q.waiting.remove(&id) else {
            return;
        };
        entry.attempts = entry.attempts.saturating_add(1);
        q.in_flight += 1;
        self.in_flight.insert(
            id,
            InFlight {
                account: key,
                entry,
            },
        );
    }

    /// The message is done (delivered or refused): it leaves the queue.
    pub(crate) fn finish(&mut self, id: DeliveryId) -> Option<InFlight> {
        let f = self.in_flight.remove(&id)?;
        self.total -= 1;
        self.release_in_flight(&f.account);
        Some(f)
    }

    fn release_in_flight(&mut self, account: &Arc<str>) {
        if let Some(q) = self.accounts.get_mut(account) {
            q.in_flight = q.in_flight.saturating_sub(1);
            if q.in_flight == 0 && q.waiting.is_empty() {
                self.accounts.remove(account);
            }
        }
    }

    /// The attempt failed temporarily on `bind`: back to its original position, or given
    /// up when the retry budget is spent.
    pub(crate) fn retry(&mut self, now: Instant, id: DeliveryId, bind: BindId) -> Retried {
        let Some(InFlight { account, mut entry }) = self.in_flight.remove(&id) else {
            return Retried::Unknown;
        };
        if entry.attempts >= self.policy.max_attempts.max(1) {
            self.total -= 1;
            self.release_in_flight(&account);
            return Retried::GaveUp(account, entry);
        }
        entry.avoid = Some(bind);
        entry.retry_at = now + self.policy.backoff(entry.attempts);
        self.timers.insert((entry.retry_at, account.clone()));
        let attempts = entry.attempts;
        if let Some(q) = self.accounts.get_mut(&account) {
            q.in_flight = q.in_flight.saturating_sub(1);
            q.waiting.insert(id, entry);
        }
        Retried::Requeued(account, attempts)
    }

    /// The earliest time something in the queue changes by itself.
    pub(crate) fn next_timer(&self) -> Option<Instant> {
        self.timers.first().map(|(t, _)| *t)
    }

    /// Accounts whose timers are due (an avoided bind allowed again, or expiries), and the
    /// messages that expired by `now`.
    pub(crate) fn expire(
        &mut self,
        now: Instant,
        due_accounts: &mut alloc::vec::Vec<Arc<str>>,
        expired: &mut alloc::vec::Vec<(DeliveryId, Arc<str>, Entry)>,
    ) {
        while let Some((t, _)) = self.timers.first() {
            if *t > now {
                break;
            }
            if let Some((_, a)) = self.timers.pop_first() {
                if !due_accounts.contains(&a) {
                    due_accounts.push(a);
                }
            }
        }
        let Some(age) = self.policy.max_age else {
            return;
        };
        for account in due_accounts.iter() {
            let Some(q) = self.accounts.get_mut(account) else {
                continue;
            };
            let old: alloc::vec::Vec<DeliveryId> = q
                .waiting
                .iter()
                .filter(|(_, e)| now >= e.accepted_at + age)
                .map(|(id, _)| *id)
                .collect();
            for id in old {
                if let Some(e) = q.waiting.remove(&id) {
                    self.unstored.remove(&id);
                    self.total -= 1;
                    expired.push((id, account.clone(), e));
                }
            }
            if q.waiting.is_empty() && q.in_flight == 0 {
                self.accounts.remove(account);
            }
        }
    }

    /// Takes `account`'s waiting messages that the store keeps, in order (they go back to
    /// a shared store); unstored ones and messages on their way stay.
    pub(crate) fn take_stored_waiting(
        &mut self,
        account: &str,
    ) -> alloc::vec::Vec<(DeliveryId, Entry)> {
        let Some(q) = self.accounts.get_mut(account) else {
            return alloc::vec::Vec::new();
        };
        let (stored, rest): (BTreeMap<_, _>, BTreeMap<_, _>) = core::mem::take(&mut q.waiting)
            .into_iter()
            .partition(|(_, e)| e.stored);
        q.waiting = rest;
        let out: alloc::vec::Vec<(DeliveryId, Entry)> = stored.into_iter().collect();
        self.total -= out.len();
        if q.waiting.is_empty() && q.in_flight == 0 {
            self.accounts.remove(account);
        }
        out
    }

    /// The accounts with waiting messages.
    pub(crate) fn accounts_waiting(&self) -> impl Iterator<Item = &str> {
        self.accounts
            .iter()
            .filter(|(_, q)| !q.waiting.is_empty())
            .map(|(a, _)| &**a)
    }

    /// Takes every waiting message (shutdown); messages on their way stay.
    pub(crate) fn drain_waiting(&mut self) -> alloc::vec::Vec<(DeliveryId, Arc<str>, Entry)> {
        let mut out = alloc::vec::Vec::new();
        let accounts: alloc::vec::Vec<Arc<str>> = self.accounts.keys().cloned().collect();
        for a in accounts {
            if let Some(q) = self.accounts.get_mut(&a) {
                for (id, e) in core::mem::take(&mut q.waiting) {
                    self.unstored.remove(&id);
                    self.total -= 1;
                    out.push((id, a.clone(), e));
                }
                if q.in_flight == 0 {
                    self.accounts.remove(&a);
                }
            }
        }
        out
    }
}

/// What [`DeliveryQueue::retry`] did.
#[derive(Debug)]
pub(crate) enum Retried {
    /// Back at its position (the account, attempts so far).
    Requeued(Arc<str>, u32),
    /// Budget spent: out of the queue.
    GaveUp(Arc<str>, Entry),
    /// Not a delivery on its way.
    Unknown,
}
