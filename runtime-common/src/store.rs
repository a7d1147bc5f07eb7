//! Delivery stores, and the thread that carries out an SMSC endpoint's store operations.
//!
//! With [`DeliveryPolicy::durable`](smpp_core::server::DeliveryPolicy::durable) the
//! endpoint asks for every accepted delivery to be kept, and forgotten once it ended
//! ([`StoreOp`]). A runtime's server hands those operations to a [`StoreDriver`], which
//! runs a [`DeliveryStore`] on a thread of its own (so a commit never blocks a connection)
//! and gives the store's answers back to the endpoint through the runtime's [`StoreHost`].
//!
//! The driver batches: every operation waiting when it wakes goes into one
//! [`DeliveryStore::append`] or [`DeliveryStore::remove`] call, which the store makes one
//! commit (group commit). Under load the batches grow; when idle each message is committed
//! alone. Operations are carried out in the order the endpoint gave them.
//!
//! The driver also claims what the store keeps for the endpoint: at start (what an
//! earlier run left), then whenever the queue has room again, and for a shared store
//! every [`DeliveryStore::claim_interval`] for the accounts with a bound receiver (what
//! other nodes appended, or claimed and never finished).
//!
//! **Health.** [`StoreDriver::health`] tells whether the store's last call failed, and
//! how ([`StoreHealth::failure`]): an application can refuse work that needs the store
//! while it fails (the `smpp smsc` simulator answers submissions that ask for a receipt
//! `ESME_RSYSERR`, or `ESME_RMSGQFUL` when the store is full). While failing, the driver
//! asks the store [`DeliveryStore::check`] every idle second (or claim interval) and
//! clears the failure once it answers again.

use smpp_core::server::{DeliveryId, Endpoint, Placement, StoreFailure, StoreOp};
use smpp_core::Instant;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Where a store keeps one message: opaque to the endpoint, meaningful to its store (a
/// row number, a Redis stream id as `(milliseconds, sequence)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoreKey(pub u64, pub u64);

/// One message to keep.
#[derive(Clone, Copy, Debug)]
pub struct NewMessage<'a> {
    /// The account whose receivers it is for.
    pub account: &'a str,
    /// The whole `deliver_sm` / `data_sm` PDU.
    pub pdu: &'a [u8],
}

/// A kept message handed to this endpoint by [`DeliveryStore::claim`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedMessage {
    /// Where the store keeps it.
    pub key: StoreKey,
    /// The whole PDU, as appended.
    pub pdu: Vec<u8>,
}

/// A place that keeps an SMSC's pending deliveries: on disk, or shared by several nodes.
///
/// Calls come from one thread (the [`StoreDriver`]'s), one at a time. Every method is
/// allowed to block (a disk commit, a round trip to a server).
pub trait DeliveryStore: Send + 'static {
    /// Keeps `batch` in order, durably, in one commit; answers each message's key and
    /// placement in the same order, or the failure of the whole batch.
    fn append(
        &mut self,
        batch: &[NewMessage<'_>],
    ) -> Result<Vec<(StoreKey, Placement)>, StoreFailure>;

    /// Forgets these messages (their deliveries ended). Unknown keys are ignored.
    fn remove(&mut self, batch: &[(Arc<str>, StoreKey)]) -> Result<(), StoreFailure>;

    /// Hands this endpoint up to `max` kept messages of `account` that no live holder has,
    /// oldest first: for a local store what an earlier run left, for a shared store also
    /// what other nodes appended or held too long. A claimed message is held by this
    /// endpoint until removed or [released](DeliveryStore::release).
    fn claim(&mut self, account: &str, max: usize) -> Result<Vec<ClaimedMessage>, StoreFailure>;

    /// Gives back claimed messages this endpoint did not take (its queue was full), to
    /// be claimed again later.
    fn release(&mut self, account: &str, keys: &[StoreKey]) -> Result<(), StoreFailure>;

    /// The accounts that have kept messages no one holds (a local store: the ones to
    /// claim at start and when the queue has room).
    fn accounts(&mut self) -> Result<Vec<String>, StoreFailure>;

    /// A number unique among all the processes that have used or use this store, for ids
    /// that must not repeat across restarts or nodes (message ids); 0 if the store has none.
    fn node_id(&self) -> u64 {
        0
    }

    /// For a store shared by several nodes, how often to look for messages to claim for
    /// the accounts with a bound receiver here; `None` (the default) for a store of this
    /// endpoint alone.
    fn claim_interval(&self) -> Option<Duration> {
        None
    }

    /// Gives back messages this endpoint held and will not deliver (the account has no
    /// receiver bound here any more) so that any node may claim them at once; the default
    /// [releases](DeliveryStore::release) them. Called only for a shared store.
    fn give_back(&mut self, account: &str, keys: &[StoreKey]) -> Result<(), StoreFailure> {
        self.release(account, keys)
    }

    /// Whether the store works again after a failure (a Redis `PING`, say); called by the
    /// driver while [`StoreHealth::failure`] is set. The default says yes: the next real
    /// call tells.
    fn check(&mut self) -> Result<(), StoreFailure> {
        Ok(())
    }
}

/// Whether a driver's store works, shared with the application ([`StoreDriver::health`]).
#[derive(Clone, Debug, Default)]
pub struct StoreHealth(Arc<AtomicU8>);

impl StoreHealth {
    /// The failure of the store's last call, or `None` if it succeeded (or none was made).
    pub fn failure(&self) -> Option<StoreFailure> {
        match self.0.load(Ordering::Relaxed) {
            1 => Some(StoreFailure::Unavailable),
            2 => Some(StoreFailure::Full),
            _ => None,
        }
    }

    fn set<T>(&self, result: &Result<T, StoreFailure>) {
        let v = match result {
            Ok(_) => 0,
            Err(StoreFailure::Unavailable) => 1,
            Err(StoreFailure::Full) => 2,
        };
        self.0.store(v, Ordering::Relaxed);
    }
}

/// How the driver reaches the endpoint: implemented by each runtime's server, which runs
/// `f` under its lock and then does what it does after any call (drains the endpoint's
/// polls, wakes connections, forwards new store operations to the driver).
pub trait StoreHost: Send + Sync + 'static {
    /// Runs `f` on the endpoint at the runtime's current time.
    fn with_endpoint(&self, f: &mut dyn FnMut(&mut Endpoint, Instant));
}

enum Msg {
    Ops(Vec<StoreOp>),
    Stop,
}

/// Runs a [`DeliveryStore`] on its own thread for one endpoint. See the
/// [module docs](self).
pub struct StoreDriver {
    tx: mpsc::Sender<Msg>,
    thread: Mutex<Option<JoinHandle<()>>>,
    health: StoreHealth,
    /// Answered once the first claim (what the store kept before) is done.
    started: Mutex<Option<mpsc::Receiver<()>>>,
}

impl std::fmt::Debug for StoreDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreDriver").finish_non_exhaustive()
    }
}

impl StoreDriver {
    /// Starts the driver's thread for `store`, working on the endpoint behind `host`: it
    /// claims what the store kept, then carries out operations as they come.
    pub fn start(
        store: Box<dyn DeliveryStore>,
        host: Arc<dyn StoreHost>,
    ) -> std::io::Result<StoreDriver> {
        let (tx, rx) = mpsc::channel();
        let (started_tx, started) = mpsc::channel();
        let health = StoreHealth::default();
        let worker = Worker::new(store, host, health.clone());
        let thread = std::thread::Builder::new()
            .name("smpp-store".into())
            .spawn(move || worker.run(rx, started_tx))?;
        Ok(StoreDriver {
            tx,
            thread: Mutex::new(Some(thread)),
            health,
            started: Mutex::new(Some(started)),
        })
    }

    /// Whether the store works (see the [module docs](self)).
    pub fn health(&self) -> StoreHealth {
        self.health.clone()
    }

    /// Waits until the driver has handed the endpoint what the store kept before it
    /// started (its first claim, as far as the queue has room). Call it once the driver
    /// receives the endpoint's operations, before the first delivery: a message accepted
    /// earlier would be queued ahead of older kept messages of its account, out of order.
    /// Returns at once when called again, or when the driver's thread ended.
    pub fn wait_started(&self) {
        let started = self
            .started
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(started) = started {
            let _ = started.recv();
        }
    }

    /// Hands the endpoint's operations to the store (call it with what
    /// [`Endpoint::poll_store`] gave, outside the endpoint's lock).
    pub fn submit(&self, ops: Vec<StoreOp>) {
        if !ops.is_empty() {
            let _ = self.tx.send(Msg::Ops(ops));
        }
    }

    /// Carries out every operation given so far, then stops the thread (after the
    /// endpoint shut down).
    pub fn stop(&self) {
        let _ = self.tx.send(Msg::Stop);
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

impl Drop for StoreDriver {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::Stop);
    }
}

struct Worker {
    store: Box<dyn DeliveryStore>,
    host: Arc<dyn StoreHost>,
    /// Where each delivery of the endpoint is kept.
    keys: HashMap<DeliveryId, (Arc<str>, StoreKey)>,
    /// A local store still has kept messages that did not fit in the queue.
    backlog: bool,
    health: StoreHealth,
}

impl Worker {
    fn new(store: Box<dyn DeliveryStore>, host: Arc<dyn StoreHost>, health: StoreHealth) -> Worker {
        Worker {
            store,
            host,
            keys: HashMap::new(),
            backlog: true,
            health,
        }
    }

    fn run(mut self, rx: mpsc::Receiver<Msg>, started: mpsc::Sender<()>) {
        let interval = self.store.claim_interval();
        self.claim_local();
        let _ = started.send(());
        let idle = interval.unwrap_or(Duration::from_secs(1));
        loop {
            let first = match rx.recv_timeout(idle) {
                Ok(m) => Some(m),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            };
            let timed_out = first.is_none();
            if timed_out && self.health.failure().is_some() {
                let r = self.store.check();
                self.health.set(&r);
            }
            let mut ops = Vec::new();
            let mut stop = false;
            let mut take = |m: Msg| match m {
                Msg::Ops(o) => ops.extend(o),
                Msg::Stop => stop = true,
            };
            if let Some(m) = first {
                take(m);
            }
            while let Ok(m) = rx.try_recv() {
                take(m);
            }
            let removed = ops.iter().any(|o| matches!(o, StoreOp::Remove { .. }));
            self.carry_out(ops);
            if stop {
                return;
            }
            if interval.is_some() {
                self.claim_shared();
            } else if self.backlog && (removed || timed_out) {
                self.claim_local();
            }
        }
    }

    /// Carries out `ops` in order, a run of appends or of removals per store call.
    fn carry_out(&mut self, ops: Vec<StoreOp>) {
        let mut i = 0;
        while i < ops.len() {
            let appends = matches!(ops[i], StoreOp::Append { .. });
            let end = ops[i..]
                .iter()
                .position(|o| matches!(o, StoreOp::Append { .. }) != appends)
                .map_or(ops.len(), |n| i + n);
            if appends {
                self.append(&ops[i..end]);
            } else {
                self.remove(&ops[i..end]);
            }
            i = end;
        }
    }

    fn append(&mut self, ops: &[StoreOp]) {
        let mut spilled: Vec<(Arc<str>, StoreKey)> = Vec::new();
        let batch: Vec<NewMessage<'_>> = ops
            .iter()
            .filter_map(|o| match o {
                StoreOp::Append { account, pdu, .. } => Some(NewMessage { account, pdu }),
                StoreOp::Remove { .. } => None,
            })
            .collect();
        let result = self.store.append(&batch);
        self.health.set(&result);
        let mut answers = Vec::with_capacity(ops.len());
        for (n, op) in ops.iter().enumerate() {
            let StoreOp::Append {
                id,
                account,
                queued,
                ..
            } = op
            else {
                continue;
            };
            let answer = match &result {
                Ok(keys) => match keys.get(n) {
                    Some(&(key, placement)) => {
                        if placement == Placement::Local && *queued {
                            self.keys.insert(*id, (account.clone(), key));
                        } else if placement == Placement::Local {
                            spilled.push((account.clone(), key));
                        }
                        Ok(placement)
                    }
                    None => Err(StoreFailure::Unavailable),
                },
                Err(e) => {
                    log::warn!("delivery store: append failed: {e}");
                    Err(*e)
                }
            };
            answers.push((*id, answer));
        }
        self.host.with_endpoint(&mut |ep, now| {
            for &(id, answer) in &answers {
                ep.stored(now, id, answer);
            }
        });
        if !spilled.is_empty() {
            // Kept in the store only: not held by the endpoint, claimed as the queue
            // makes room.
            self.backlog = true;
            for (account, key) in spilled {
                let _ = self.store.release(&account, &[key]);
            }
        }
    }

    fn remove(&mut self, ops: &[StoreOp]) {
        let batch: Vec<(Arc<str>, StoreKey)> = ops
            .iter()
            .filter_map(|o| match o {
                StoreOp::Remove { id, .. } => self.keys.remove(id),
                StoreOp::Append { .. } => None,
            })
            .collect();
        if batch.is_empty() {
            return;
        }
        let result = self.store.remove(&batch);
        self.health.set(&result);
        if let Err(e) = result {
            // Still kept: delivered again after a restart (at least once).
            log::warn!(
                "delivery store: removing {} ended deliveries failed: {e}",
                batch.len()
            );
        }
    }

    /// Claims for every account the store has messages for, as far as the queue has room.
    fn claim_local(&mut self) {
        let accounts = self.store.accounts();
        self.health.set(&accounts);
        let accounts = match accounts {
            Ok(a) => a,
            Err(e) => {
                log::warn!("delivery store: listing accounts failed: {e}");
                return;
            }
        };
        let mut full = false;
        for account in accounts {
            full |= self.claim(&account);
        }
        self.backlog = full;
    }

    /// Claims for the accounts with a bound receiver here, and gives back what waits
    /// here for accounts without one (their receiver moved to another node).
    fn claim_shared(&mut self) {
        let mut accounts = Vec::new();
        let mut stranded: Vec<(String, Vec<DeliveryId>)> = Vec::new();
        self.host.with_endpoint(&mut |ep, now| {
            accounts = ep.receiving_accounts();
            for account in ep.stranded_accounts() {
                let ids = ep.return_to_store(now, &account);
                stranded.push((account, ids));
            }
        });
        for (account, ids) in stranded {
            let keys: Vec<StoreKey> = ids
                .iter()
                .filter_map(|id| self.keys.remove(id).map(|(_, k)| k))
                .collect();
            if keys.is_empty() {
                continue;
            }
            let result = self.store.give_back(&account, &keys);
            self.health.set(&result);
            if let Err(e) = result {
                // Still held by this node in the store: taken over claim_after later.
                log::warn!(
                    "delivery store: giving back {} of {account} failed: {e}",
                    keys.len()
                );
            }
        }
        for account in accounts {
            self.claim(&account);
        }
    }

    /// Claims what fits of `account`'s kept messages; true if the queue ran out of room.
    fn claim(&mut self, account: &str) -> bool {
        let mut room = 0;
        self.host
            .with_endpoint(&mut |ep, _| room = ep.delivery_room(account));
        if room == 0 {
            return true;
        }
        let max = room.min(1024);
        let claimed = self.store.claim(account, max);
        self.health.set(&claimed);
        let claimed = match claimed {
            Ok(c) => c,
            Err(e) => {
                log::warn!("delivery store: claiming for {account} failed: {e}");
                return false;
            }
        };
        let got = claimed.len();
        let account_key: Arc<str> = Arc::from(account);
        let mut refused = Vec::new();
        let mut taken = Vec::new();
        let mut claimed = claimed.into_iter();
        self.host.with_endpoint(&mut |ep, now| {
            for c in claimed.by_ref() {
                match ep.claimed(now, account, bytes::Bytes::from(c.pdu)) {
                    Ok(id) => taken.push((id, c.key)),
                    Err(smpp_core::server::DeliverError::Malformed(_))
                    | Err(smpp_core::server::DeliverError::NotADelivery(_)) => {
                        log::warn!("delivery store: dropping a kept message of {account} that is not a delivery");
                        refused.push((c.key, true));
                    }
                    Err(_) => refused.push((c.key, false)),
                }
            }
            // The order per account: while the store has more than the queue took, new
            // messages of the account go behind them.
            if got == max || refused.iter().any(|(_, bad)| !bad) {
                ep.store_backlog(account);
            } else {
                ep.store_drained(account);
            }
        });
        for (id, key) in taken {
            self.keys.insert(id, (account_key.clone(), key));
        }
        let (bad, back): (Vec<_>, Vec<_>) = refused.into_iter().partition(|(_, bad)| *bad);
        if !bad.is_empty() {
            let bad: Vec<(Arc<str>, StoreKey)> = bad
                .into_iter()
                .map(|(k, _)| (account_key.clone(), k))
                .collect();
            let _ = self.store.remove(&bad);
        }
        if !back.is_empty() {
            let back: Vec<StoreKey> = back.into_iter().map(|(k, _)| k).collect();
            let _ = self.store.release(account, &back);
            return true;
        }
        got == max
    }
}
