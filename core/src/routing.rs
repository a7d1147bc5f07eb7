//! Server-side routing: which binds belong to which account, round-robin choice of a
//! receiver-capable bind for messages addressed to an account (MO messages, delivery
//! receipts), and a bounded store for messages that wait while no such bind exists.
//!
//! Pure data structures: runtimes own one behind a lock and call into it.
//!
//! ```
//! use smpp_core::routing::{BindId, MemoryStore, MessageStore, Registry, RegistryLimits};
//! use smpp_core::session::BindType;
//!
//! let mut reg = Registry::new(RegistryLimits::default());
//! reg.register("acme", BindId(1), BindType::Transmitter).unwrap();
//! reg.register("acme", BindId(2), BindType::Receiver).unwrap();
//! reg.register("acme", BindId(3), BindType::Transceiver).unwrap();
//! assert_eq!(reg.next_receiver("acme"), Some(BindId(2)));
//! assert_eq!(reg.next_receiver("acme"), Some(BindId(3)));
//! assert_eq!(reg.next_receiver("acme"), Some(BindId(2)));
//! ```

use crate::codec::Frame;
use crate::session::BindType;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// Identifies one bound connection within a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BindId(pub u64);

/// Connection limits a [`Registry`] enforces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegistryLimits {
    /// Most binds in total (`None`: no limit).
    pub max_binds: Option<usize>,
    /// Most binds per account (`None`: no limit).
    pub max_binds_per_account: Option<usize>,
}

/// A bind was refused because a limit was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitError {
    /// The server-wide limit.
    TooManyBinds,
    /// The account's limit.
    TooManyBindsForAccount,
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitError::TooManyBinds => "too many binds on this server",
            LimitError::TooManyBindsForAccount => "too many binds for this account",
        })
    }
}

impl core::error::Error for LimitError {}

#[derive(Debug, Default)]
struct Account {
    binds: Vec<(BindId, BindType)>,
    next: usize,
}

/// The binds of every account.
#[derive(Debug, Default)]
pub struct Registry {
    limits: RegistryLimits,
    accounts: BTreeMap<String, Account>,
    by_id: BTreeMap<BindId, String>,
}

impl Registry {
    /// An empty registry.
    pub fn new(limits: RegistryLimits) -> Registry {
        Registry {
            limits,
            ..Registry::default()
        }
    }

    /// Adds a bind to an account, unless a limit forbids it.
    pub fn register(
        &mut self,
        account: &str,
        id: BindId,
        bind_type: BindType,
    ) -> Result<(), LimitError> {
        if self.limits.max_binds.is_some_and(|m| self.by_id.len() >= m) {
            return Err(LimitError::TooManyBinds);
        }
        let per = self.accounts.get(account).map_or(0, |a| a.binds.len());
        if self.limits.max_binds_per_account.is_some_and(|m| per >= m) {
            return Err(LimitError::TooManyBindsForAccount);
        }
        self.accounts
            .entry(account.to_string())
            .or_default()
            .binds
            .push((id, bind_type));
        self.by_id.insert(id, account.to_string());
        Ok(())
    }

    /// Removes a bind; returns its account.
    pub fn unregister(&mut self, id: BindId) -> Option<String> {
        let account = self.by_id.remove(&id)?;
        if let Some(a) = self.accounts.get_mut(&account) {
            a.binds.retain(|(b, _)| *b != id);
            if a.binds.is_empty() {
                self.accounts.remove(&account);
            }
        }
        Some(account)
    }

    /// The next receiver-capable bind (receiver or transceiver) of `account`, round robin.
    pub fn next_receiver(&mut self, account: &str) -> Option<BindId> {
        let a = self.accounts.get_mut(account)?;
        let n = a.binds.len();
        for i in 0..n {
            let idx = (a.next + i) % n;
            if let Some((id, bt)) = a.binds.get(idx) {
                if bt.can_receive() {
                    a.next = (idx + 1) % n;
                    return Some(*id);
                }
            }
        }
        None
    }

    /// The binds of `account`.
    pub fn binds(&self, account: &str) -> impl Iterator<Item = (BindId, BindType)> + '_ {
        self.accounts
            .get(account)
            .into_iter()
            .flat_map(|a| a.binds.iter().copied())
    }

    /// The account of a bind.
    pub fn account_of(&self, id: BindId) -> Option<&str> {
        self.by_id.get(&id).map(String::as_str)
    }

    /// Accounts with at least one bind.
    pub fn accounts(&self) -> impl Iterator<Item = &str> + '_ {
        self.accounts.keys().map(String::as_str)
    }

    /// Number of binds in total.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when nothing is bound.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// Where messages for an account wait while it has no receiver-capable bind. Replace the
/// in-memory [`MemoryStore`] with a persistent or shared one when a gateway spreads over
/// several machines.
pub trait MessageStore {
    /// Stores a request frame (a `deliver_sm` or `data_sm`) for `account`. When full, the
    /// frame comes back in `Err` so the caller can report it; it is never dropped silently.
    fn push(&mut self, account: &str, frame: Frame) -> Result<(), Frame>;
    /// Takes the oldest stored frame for `account`.
    fn pop(&mut self, account: &str) -> Option<Frame>;
    /// How many frames wait for `account`.
    fn len(&self, account: &str) -> usize;
    /// True when nothing waits for `account`.
    fn is_empty(&self, account: &str) -> bool {
        self.len(account) == 0
    }
}

/// A bounded in-memory [`MessageStore`].
#[derive(Debug)]
pub struct MemoryStore {
    per_account: usize,
    total: usize,
    stored: usize,
    queues: BTreeMap<String, VecDeque<Frame>>,
}

impl MemoryStore {
    /// At most `per_account` frames per account and `total` overall.
    pub fn new(per_account: usize, total: usize) -> MemoryStore {
        MemoryStore {
            per_account,
            total,
            stored: 0,
            queues: BTreeMap::new(),
        }
    }

    /// Frames stored over all accounts.
    pub fn total_len(&self) -> usize {
        self.stored
    }
}

impl MessageStore for MemoryStore {
    fn push(&mut self, account: &str, frame: Frame) -> Result<(), Frame> {
        if self.stored >= self.total || self.len(account) >= self.per_account {
            return Err(frame);
        }
        self.queues
            .entry(account.to_string())
            .or_default()
            .push_back(frame);
        self.stored += 1;
        Ok(())
    }

    fn pop(&mut self, account: &str) -> Option<Frame> {
        let q = self.queues.get_mut(account)?;
        let f = q.pop_front();
        if q.is_empty() {
            self.queues.remove(account);
        }
        if f.is_some() {
            self.stored -= 1;
        }
        f
    }

    fn len(&self, account: &str) -> usize {
        self.queues.get(account).map_or(0, VecDeque::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdu::{Body, Pdu};

    #[test]
    fn limits_and_round_robin() {
        let mut r = Registry::new(RegistryLimits {
            max_binds: Some(3),
            max_binds_per_account: Some(2),
        });
        r.register("a", BindId(1), BindType::Transceiver).unwrap();
        r.register("a", BindId(2), BindType::Receiver).unwrap();
        assert_eq!(
            r.register("a", BindId(3), BindType::Receiver),
            Err(LimitError::TooManyBindsForAccount)
        );
        r.register("b", BindId(4), BindType::Transmitter).unwrap();
        assert_eq!(
            r.register("c", BindId(5), BindType::Receiver),
            Err(LimitError::TooManyBinds)
        );
        assert_eq!(r.next_receiver("b"), None);
        let picks: Vec<_> = (0..4).map(|_| r.next_receiver("a").unwrap().0).collect();
        assert_eq!(picks, [1, 2, 1, 2]);
        assert_eq!(r.unregister(BindId(1)).as_deref(), Some("a"));
        assert_eq!(r.next_receiver("a"), Some(BindId(2)));
        assert_eq!(r.account_of(BindId(4)), Some("b"));
        r.unregister(BindId(2));
        assert_eq!(r.accounts().collect::<Vec<_>>(), ["b"]);
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn store_is_bounded_and_fifo() {
        let mut s = MemoryStore::new(2, 3);
        let f = |n| Frame::encode(&Pdu::new(n, Body::EnquireLink)).unwrap();
        s.push("a", f(1)).unwrap();
        s.push("a", f(2)).unwrap();
        assert_eq!(s.push("a", f(3)).unwrap_err().sequence_number(), 3);
        s.push("b", f(4)).unwrap();
        assert!(s.push("c", f(5)).is_err());
        assert_eq!(s.pop("a").unwrap().sequence_number(), 1);
        assert_eq!(s.len("a"), 1);
        assert_eq!(s.total_len(), 2);
        assert!(s.pop("z").is_none());
    }
}
