//! The embedded store: pending deliveries in one redb database file.
//!
//! One table maps `(account, sequence)` to the PDU; sequences grow with every append, so a
//! range over an account is its messages in acceptance order.
//!
//! **Commit policy (group commit).** Each [`DeliveryStore::append`] call is one write
//! transaction committed with `Durability::Immediate`: the data and the new root are
//! fsynced before the call returns, so everything the endpoint was told is stored survives
//! a `kill -9` or a power cut. The driver hands over every append that waited while the
//! previous commit ran, so under load one fsync covers many messages. Removals are
//! committed with `Durability::Eventual` (no fsync of their own; they become durable with
//! the next immediate commit): a crash can forget a removal, and that message is delivered
//! again after the restart, the duplicate at-least-once allows, never a loss.
//!
//! **Failures.** A full disk answers [`StoreFailure::Full`], any other I/O error
//! [`StoreFailure::Unavailable`]; the endpoint gives those messages up (reported, never
//! sent), and appends after space comes back work again. Another process holding the file
//! makes [`EmbeddedStore::open`] fail.
//!
//! What this process holds (appended or claimed, not yet removed) is remembered in memory
//! only; after a restart every kept message is claimable again.

use crate::{ClaimedMessage, DeliveryStore, NewMessage, StoreKey};
use redb::{Database, Durability, ReadableTable, TableDefinition};
use smpp_core::server::{Placement, StoreFailure};
use std::collections::HashSet;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

const MESSAGES: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("messages");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const NEXT: &str = "next_sequence";
const STARTS: &str = "starts";

/// A range of message keys.
type KeyRange<'a> = (Bound<(&'a str, u64)>, Bound<(&'a str, u64)>);

/// Pending deliveries in a redb file. See the [module docs](self).
pub struct EmbeddedStore {
    db: Database,
    next: u64,
    /// How many times the file was opened, this time included.
    starts: u64,
    /// Sequences this process holds (appended or claimed, not removed).
    held: HashSet<u64>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore")
            .field("next", &self.next)
            .field("held", &self.held.len())
            .finish()
    }
}

/// Why the embedded store failed.
#[derive(Debug)]
pub struct EmbeddedError(String);

impl std::fmt::Display for EmbeddedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EmbeddedError {}

fn failure(e: impl Into<redb::Error>) -> StoreFailure {
    let e: redb::Error = e.into();
    log::warn!("embedded store: {e}");
    match &e {
        redb::Error::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => StoreFailure::Full,
        _ => StoreFailure::Unavailable,
    }
}

impl EmbeddedStore {
    /// Opens the database at `path`, creating it if missing.
    pub fn open(path: impl AsRef<Path>) -> Result<EmbeddedStore, EmbeddedError> {
        let err = |e: redb::Error| EmbeddedError(e.to_string());
        let db = Database::create(path).map_err(|e| err(e.into()))?;
        let (next, starts) = {
            let tx = db.begin_write().map_err(|e| err(e.into()))?;
            let found = {
                tx.open_table(MESSAGES).map_err(|e| err(e.into()))?;
                let mut meta = tx.open_table(META).map_err(|e| err(e.into()))?;
                let next = meta
                    .get(NEXT)
                    .map_err(|e| err(e.into()))?
                    .map_or(1, |v| v.value());
                let starts = meta
                    .get(STARTS)
                    .map_err(|e| err(e.into()))?
                    .map_or(0, |v| v.value())
                    + 1;
                meta.insert(STARTS, starts).map_err(|e| err(e.into()))?;
                (next, starts)
            };
            tx.commit().map_err(|e| err(e.into()))?;
            found
        };
        Ok(EmbeddedStore {
            db,
            next,
            starts,
            held: HashSet::new(),
        })
    }

    /// Messages kept for `account` (held or not).
    pub fn len(&self, account: &str) -> Result<usize, StoreFailure> {
        let tx = self.db.begin_read().map_err(failure)?;
        let t = tx.open_table(MESSAGES).map_err(failure)?;
        let range = t
            .range((account, 0)..=(account, u64::MAX))
            .map_err(failure)?;
        Ok(range.count())
    }

    /// True if nothing is kept for `account`.
    pub fn is_empty(&self, account: &str) -> Result<bool, StoreFailure> {
        self.len(account).map(|n| n == 0)
    }
}

impl DeliveryStore for EmbeddedStore {
    /// The number of times the file was opened: unique per run of the process using it.
    fn node_id(&self) -> u64 {
        self.starts
    }

    fn append(
        &mut self,
        batch: &[NewMessage<'_>],
    ) -> Result<Vec<(StoreKey, Placement)>, StoreFailure> {
        let mut tx = self.db.begin_write().map_err(failure)?;
        tx.set_durability(Durability::Immediate);
        let mut keys = Vec::with_capacity(batch.len());
        let mut next = self.next;
        {
            let mut t = tx.open_table(MESSAGES).map_err(failure)?;
            for m in batch {
                t.insert((m.account, next), m.pdu).map_err(failure)?;
                keys.push((StoreKey(0, next), Placement::Local));
                next += 1;
            }
            let mut meta = tx.open_table(META).map_err(failure)?;
            meta.insert(NEXT, next).map_err(failure)?;
        }
        tx.commit().map_err(failure)?;
        self.next = next;
        self.held.extend(keys.iter().map(|(k, _)| k.1));
        Ok(keys)
    }

    fn remove(&mut self, batch: &[(Arc<str>, StoreKey)]) -> Result<(), StoreFailure> {
        let mut tx = self.db.begin_write().map_err(failure)?;
        tx.set_durability(Durability::Eventual);
        {
            let mut t = tx.open_table(MESSAGES).map_err(failure)?;
            for (account, key) in batch {
                t.remove((&**account, key.1)).map_err(failure)?;
            }
        }
        tx.commit().map_err(failure)?;
        for (_, key) in batch {
            self.held.remove(&key.1);
        }
        Ok(())
    }

    fn claim(&mut self, account: &str, max: usize) -> Result<Vec<ClaimedMessage>, StoreFailure> {
        let tx = self.db.begin_read().map_err(failure)?;
        let t = tx.open_table(MESSAGES).map_err(failure)?;
        let mut out = Vec::new();
        for row in t
            .range((account, 0)..=(account, u64::MAX))
            .map_err(failure)?
        {
            if out.len() >= max {
                break;
            }
            let (k, v) = row.map_err(failure)?;
            let seq = k.value().1;
            if self.held.contains(&seq) {
                continue;
            }
            out.push(ClaimedMessage {
                key: StoreKey(0, seq),
                pdu: v.value().to_vec(),
            });
        }
        self.held.extend(out.iter().map(|m| m.key.1));
        Ok(out)
    }

    fn release(&mut self, _account: &str, keys: &[StoreKey]) -> Result<(), StoreFailure> {
        for k in keys {
            self.held.remove(&k.1);
        }
        Ok(())
    }

    fn accounts(&mut self) -> Result<Vec<String>, StoreFailure> {
        let tx = self.db.begin_read().map_err(failure)?;
        let t = tx.open_table(MESSAGES).map_err(failure)?;
        let mut accounts: Vec<String> = Vec::new();
        loop {
            let after = accounts.last().map(|a| a.as_str());
            let start: KeyRange<'_> = match after {
                Some(a) => (Bound::Excluded((a, u64::MAX)), Bound::Unbounded),
                None => (Bound::Unbounded, Bound::Unbounded),
            };
            let mut range = t.range::<(&str, u64)>(start).map_err(failure)?;
            match range.next() {
                Some(row) => {
                    let (k, _) = row.map_err(failure)?;
                    let account = k.value().0.to_string();
                    drop(range);
                    accounts.push(account);
                }
                None => break,
            }
        }
        Ok(accounts)
    }
}
