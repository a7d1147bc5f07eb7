//! The account registry: which binds belong to which account, with the bind limits, and
//! round-robin choice of a receiver-capable bind for messages addressed to an account (MO
//! messages, delivery receipts).
//!
//! ```
//! use smpp_core::server::{BindId, Registry, RegistryLimits};
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

use crate::session::BindType;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// Identifies one connection within a server (and, once bound, its bind).
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
