//! The shared store: pending deliveries in Redis Streams, one queue per account for every
//! SMSC node that uses the same Redis.
//!
//! **Layout.** Each account's deliveries are the entries of the stream
//! `{prefix}:deliveries:{account}` (field `pdu`: the whole `deliver_sm` / `data_sm`), read
//! through one consumer group, `smpp`, that all nodes share. A node is a consumer of that
//! group named `node-{id}`, where the id comes from `INCR {prefix}:nodes` when the store is
//! opened: unique across nodes and restarts, and the prefix of the node's message ids.
//!
//! **Flow.** An append is one pipelined round trip of `XADD`s for the whole batch, answered
//! [`Placement::Shared`]: the message leaves the appending node's queue, and whichever node
//! has a receiver of the account bound claims it (that may be the same node, in the same
//! wake of its driver). A claim hands out, oldest first: entries this node gave back
//! ([`DeliveryStore::release`]), then entries other nodes held for longer than
//! [`RedisOptions::claim_after`] (`XAUTOCLAIM`: their node died, or lost its receiver),
//! then new entries (`XREADGROUP ... >`). A delivery that ended is `XACK`ed and `XDEL`eted
//! in one pipelined round trip per batch.
//!
//! **Holding.** While a node holds an entry its idle time is reset every third of
//! `claim_after` (`XCLAIM ... JUSTID` to itself), for the accounts with a receiver bound
//! there, so a live node's deliveries are not taken over. What a node holds for an account
//! whose receivers all left it (they reconnected to another node, say) it gives back at
//! once, their idle time set past `claim_after`, as it does with everything it holds when
//! it shuts down gracefully; other nodes look for such entries at least every second. A
//! node killed loses its entries to the others `claim_after` later.
//!
//! **At least once.** An entry is deleted only once its delivery ended. A node that took
//! longer than `claim_after` to deliver an entry it holds (its receiver unbound and did not
//! come back, say) may find another node delivered it too; a batch whose `XADD`s reached
//! Redis just before the connection broke is appended again. Both are duplicates, never
//! losses.
//!
//! **Failures.** Every call reconnects when the connection broke, and keeps trying for
//! [`RedisOptions::retry_for`] (a Redis restart, a fail-over) before it answers
//! [`StoreFailure::Unavailable`]; the endpoint then gives those messages up, reported. An
//! `OOM` answer (Redis at `maxmemory`) or `MISCONF` (Redis cannot write its snapshot or
//! AOF: its disk is full) is [`StoreFailure::Full`] at once. Durability across a crash of
//! Redis itself is Redis's: run it with `appendonly yes` (`appendfsync everysec` loses at
//! most a second of appends; `always` none).

use crate::{ClaimedMessage, DeliveryStore, NewMessage, StoreKey};
use ::redis::{Client, Connection, RedisError, Value};
use smpp_core::server::{Placement, StoreFailure};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The consumer group all nodes share.
pub const GROUP: &str = "smpp";

/// How a [`RedisStore`] behaves; [`RedisOptions::default`] suits most deployments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisOptions {
    /// The prefix of every key (`smpp`): nodes share accounts only with nodes of the same
    /// prefix.
    pub prefix: String,
    /// How long an entry may be held by a node that does not refresh it before another
    /// node takes it over (30 s): the time a dead node's deliveries wait.
    pub claim_after: Duration,
    /// How often a node looks for entries to claim for its bound receivers (100 ms), on
    /// top of after every batch of its own appends and removals.
    pub poll: Duration,
    /// How long a call keeps reconnecting and retrying before it answers
    /// [`StoreFailure::Unavailable`] (5 s).
    pub retry_for: Duration,
    /// The connect, read and write timeout of one attempt (2 s).
    pub io_timeout: Duration,
    /// How long submitted messages' metadata stays in the shared
    /// [`MessageDirectory`](crate::directory::MessageDirectory) (48 h).
    pub message_ttl: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            prefix: "smpp".into(),
            claim_after: Duration::from_secs(30),
            poll: Duration::from_millis(100),
            retry_for: Duration::from_secs(5),
            io_timeout: Duration::from_secs(2),
            message_ttl: Duration::from_secs(48 * 3600),
        }
    }
}

/// Why a [`RedisStore`] could not be opened.
#[derive(Debug)]
pub struct RedisStoreError(String);

impl fmt::Display for RedisStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RedisStoreError {}

/// Per account: what this node holds and when it last looked after it.
#[derive(Default)]
struct AccountState {
    /// Entries this node claimed and has not removed (released ones included: they stay
    /// in this node's pending list).
    held: BTreeSet<StoreKey>,
    /// Entries given back, handed out first by the next claim.
    released: VecDeque<StoreKey>,
    /// When `held` was last refreshed.
    touched: Option<Instant>,
    /// When other nodes' idle entries were last looked for.
    autoclaimed: Option<Instant>,
}

/// Pending deliveries in Redis Streams, shared by every node on the same Redis. See the
/// [module docs](self).
pub struct RedisStore {
    client: Client,
    conn: Option<Connection>,
    options: RedisOptions,
    node: u64,
    consumer: String,
    accounts: HashMap<String, AccountState>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("node", &self.node)
            .field("connected", &self.conn.is_some())
            .field("accounts", &self.accounts.len())
            .finish_non_exhaustive()
    }
}

/// What a failed attempt means.
enum Attempt {
    /// Worth another try on a new connection.
    Retry(RedisError),
    /// An answer that will not change (out of memory, a refused command).
    Final(StoreFailure, RedisError),
}

/// The error code Redis answered (`OOM`, `NOGROUP`, ...), of a single command or of the
/// first failing command of a pipeline; `None` for an I/O or protocol error.
fn server_code(e: &RedisError) -> Option<String> {
    if let Some(code) = e.code() {
        return Some(code.to_string());
    }
    let errors = e.clone().into_server_errors()?;
    errors.first().map(|(_, s)| s.code().to_string())
}

fn classify(e: RedisError) -> Attempt {
    match server_code(&e).as_deref() {
        Some("OOM") | Some("MISCONF") => Attempt::Final(StoreFailure::Full, e),
        Some("LOADING") | Some("TRYAGAIN") | Some("MASTERDOWN") | Some("READONLY") => {
            Attempt::Retry(e)
        }
        Some(_) => Attempt::Final(StoreFailure::Unavailable, e),
        None => Attempt::Retry(e),
    }
}

/// `d` in whole milliseconds, as Redis takes idle times and expiries.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn format_key(k: StoreKey) -> String {
    format!("{}-{}", k.0, k.1)
}

fn parse_key(v: &Value) -> Option<StoreKey> {
    let text = match v {
        Value::BulkString(b) => std::str::from_utf8(b).ok()?,
        Value::SimpleString(s) => s.as_str(),
        _ => return None,
    };
    let (ms, seq) = text.split_once('-')?;
    Some(StoreKey(ms.parse().ok()?, seq.parse().ok()?))
}

/// A stream entry: its id and its PDU (none if it was deleted while pending).
type Entry = (StoreKey, Option<Vec<u8>>);

/// The entries of a stream reply: `[[id, [field, value, ...]], ...]`; deleted entries
/// (no fields) come back with no PDU.
fn parse_entries(v: &Value) -> Vec<Entry> {
    let Value::Array(items) = v else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Value::Array(parts) = item else { continue };
        let Some(key) = parts.first().and_then(parse_key) else {
            continue;
        };
        let pdu = match parts.get(1) {
            Some(Value::Array(fields)) => fields.chunks(2).find_map(|kv| match kv {
                [Value::BulkString(f), Value::BulkString(pdu)] if f == b"pdu" => Some(pdu.clone()),
                _ => None,
            }),
            _ => None,
        };
        out.push((key, pdu));
    }
    out
}

/// Runs `f`; when Redis answers that the group does not exist (a new account, or a Redis
/// that lost its data), creates the stream and the group (from the stream's start, so no
/// entry is missed) and runs `f` again.
fn in_group<T>(
    c: &mut Connection,
    stream: &str,
    mut f: impl FnMut(&mut Connection) -> Result<T, RedisError>,
) -> Result<T, RedisError> {
    match f(c) {
        Err(e) if server_code(&e).as_deref() == Some("NOGROUP") => {
            match ::redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(stream)
                .arg(GROUP)
                .arg("0")
                .arg("MKSTREAM")
                .query::<()>(c)
            {
                Err(e) if server_code(&e).as_deref() != Some("BUSYGROUP") => return Err(e),
                _ => {}
            }
            f(c)
        }
        r => r,
    }
}

impl RedisStore {
    /// Connects to the Redis at `url` (`redis://HOST:PORT[/DB]`; this build has no TLS
    /// client for `rediss://`) and registers this node (`INCR {prefix}:nodes`).
    pub fn open(url: &str, options: RedisOptions) -> Result<RedisStore, RedisStoreError> {
        let err = |e: RedisError| RedisStoreError(e.to_string());
        let client = Client::open(url).map_err(err)?;
        let mut conn = client
            .get_connection_with_timeout(options.io_timeout)
            .map_err(err)?;
        conn.set_read_timeout(Some(options.io_timeout))
            .map_err(err)?;
        conn.set_write_timeout(Some(options.io_timeout))
            .map_err(err)?;
        let node: u64 = ::redis::cmd("INCR")
            .arg(format!("{}:nodes", options.prefix))
            .query(&mut conn)
            .map_err(err)?;
        Ok(RedisStore {
            client,
            conn: Some(conn),
            consumer: format!("node-{node}"),
            node,
            options,
            accounts: HashMap::new(),
        })
    }

    /// The consumer name of this node in the group ([`GROUP`]).
    pub fn consumer(&self) -> &str {
        &self.consumer
    }

    /// The options this store runs with.
    pub fn options(&self) -> &RedisOptions {
        &self.options
    }

    fn stream(&self, account: &str) -> String {
        format!("{}:deliveries:{account}", self.options.prefix)
    }

    fn connect(&self) -> Result<Connection, RedisError> {
        let conn = self
            .client
            .get_connection_with_timeout(self.options.io_timeout)?;
        conn.set_read_timeout(Some(self.options.io_timeout))?;
        conn.set_write_timeout(Some(self.options.io_timeout))?;
        Ok(conn)
    }

    /// Runs `f` on a live connection, reconnecting and retrying for `retry_for`.
    fn run<T>(
        &mut self,
        what: &str,
        f: impl FnMut(&mut Connection) -> Result<T, RedisError>,
    ) -> Result<T, StoreFailure> {
        self.run_for(what, self.options.retry_for, f)
    }

    /// Runs `f` on a live connection, reconnecting and retrying for `budget` (zero: one
    /// attempt).
    fn run_for<T>(
        &mut self,
        what: &str,
        budget: Duration,
        mut f: impl FnMut(&mut Connection) -> Result<T, RedisError>,
    ) -> Result<T, StoreFailure> {
        let deadline = Instant::now() + budget;
        loop {
            let attempt = match self.conn.take() {
                Some(c) => Ok(c),
                None => self.connect(),
            }
            .and_then(|mut c| {
                let r = f(&mut c);
                // A connection that failed is dropped: the next attempt makes a new one.
                if r.as_ref()
                    .map_or_else(|e| server_code(e).is_some(), |_| true)
                {
                    self.conn = Some(c);
                }
                r
            });
            let e = match attempt {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            match classify(e) {
                Attempt::Final(failure, e) => {
                    log::warn!("redis store: {what}: {e}");
                    return Err(failure);
                }
                Attempt::Retry(e) if Instant::now() >= deadline => {
                    log::warn!("redis store: {what}: {e}");
                    return Err(StoreFailure::Unavailable);
                }
                Attempt::Retry(e) => {
                    log::debug!("redis store: {what}: {e}; retrying");
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    /// Resets the idle time of what this node holds of `account`, if due.
    fn touch(&mut self, account: &str, now: Instant) -> Result<(), StoreFailure> {
        let every = self.options.claim_after / 3;
        let state = self.accounts.entry(account.to_string()).or_default();
        if state.held.is_empty() {
            // Nothing to refresh; the account is looked after.
            state.touched = Some(now);
            return Ok(());
        }
        if state.touched.is_some_and(|t| now - t < every) {
            return Ok(());
        }
        let ids: Vec<String> = state.held.iter().map(|k| format_key(*k)).collect();
        let stream = self.stream(account);
        let consumer = self.consumer.clone();
        self.run("refreshing held entries", |c| {
            in_group(c, &stream, |c| {
                let mut pipe = ::redis::pipe();
                for chunk in ids.chunks(512) {
                    pipe.cmd("XCLAIM")
                        .arg(&stream)
                        .arg(GROUP)
                        .arg(&consumer)
                        .arg(0)
                        .arg(chunk)
                        .arg("JUSTID")
                        .ignore();
                }
                pipe.query::<()>(c)
            })
        })?;
        if let Some(s) = self.accounts.get_mut(account) {
            s.touched = Some(now);
        }
        Ok(())
    }

    /// `XCLAIM`s `ids` of `account` to this node with their contents (entries deleted
    /// meanwhile are left out).
    fn reclaim(&mut self, account: &str, ids: &[StoreKey]) -> Result<Vec<Entry>, StoreFailure> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let stream = self.stream(account);
        let consumer = self.consumer.clone();
        let args: Vec<String> = ids.iter().map(|k| format_key(*k)).collect();
        let reply: Value = self.run("taking back released entries", |c| {
            in_group(c, &stream, |c| {
                ::redis::cmd("XCLAIM")
                    .arg(&stream)
                    .arg(GROUP)
                    .arg(&consumer)
                    .arg(0)
                    .arg(&args)
                    .query(c)
            })
        })?;
        Ok(parse_entries(&reply))
    }

    /// Takes over up to `max` entries of `account` that other nodes held for longer than
    /// `claim_after`; true with them if the whole pending list was looked through.
    fn autoclaim(&mut self, account: &str, max: usize) -> Result<(Vec<Entry>, bool), StoreFailure> {
        let stream = self.stream(account);
        let consumer = self.consumer.clone();
        let idle = millis(self.options.claim_after);
        let mut cursor = String::from("0-0");
        let mut out = Vec::new();
        // Bounded: each round scans at most ten times COUNT pending entries.
        for _ in 0..8 {
            if out.len() >= max {
                return Ok((out, false));
            }
            let count = max - out.len();
            let reply: Value = self.run("taking over idle entries", |c| {
                in_group(c, &stream, |c| {
                    ::redis::cmd("XAUTOCLAIM")
                        .arg(&stream)
                        .arg(GROUP)
                        .arg(&consumer)
                        .arg(idle)
                        .arg(&cursor)
                        .arg("COUNT")
                        .arg(count)
                        .query(c)
                })
            })?;
            let Value::Array(parts) = reply else { break };
            let next = parts.first().and_then(parse_key);
            if let Some(entries) = parts.get(1) {
                out.extend(parse_entries(entries));
            }
            match next {
                Some(k) if k != StoreKey(0, 0) => cursor = format_key(k),
                _ => return Ok((out, true)),
            }
        }
        Ok((out, false))
    }

    /// Reads up to `max` entries of `account` no node was given yet.
    fn read_new(&mut self, account: &str, max: usize) -> Result<Vec<Entry>, StoreFailure> {
        let stream = self.stream(account);
        let consumer = self.consumer.clone();
        let reply: Value = self.run("reading new entries", |c| {
            in_group(c, &stream, |c| {
                ::redis::cmd("XREADGROUP")
                    .arg("GROUP")
                    .arg(GROUP)
                    .arg(&consumer)
                    .arg("COUNT")
                    .arg(max)
                    .arg("STREAMS")
                    .arg(&stream)
                    .arg(">")
                    .query(c)
            })
        })?;
        // [[stream, [entries]]] or nil.
        let Value::Array(streams) = reply else {
            return Ok(Vec::new());
        };
        Ok(streams
            .iter()
            .filter_map(|s| match s {
                Value::Array(kv) => kv.get(1).map(parse_entries),
                _ => None,
            })
            .flatten()
            .collect())
    }

    /// Gives everything this node holds back to the group (at shutdown).
    fn give_back_all(&mut self) {
        let held: Vec<(String, Vec<String>)> = self
            .accounts
            .iter()
            .filter(|(_, s)| !s.held.is_empty())
            .map(|(a, s)| {
                (
                    self.stream(a),
                    s.held.iter().map(|k| format_key(*k)).collect(),
                )
            })
            .collect();
        // Shutting down: one attempt, no waiting for a Redis that is not there.
        let _ = self.hand_back(&held, Duration::ZERO);
        for s in self.accounts.values_mut() {
            s.held.clear();
            s.released.clear();
        }
    }

    /// Sets the idle time of these held entries past `claim_after`, so that any node
    /// (this one too) takes them at its next look.
    fn hand_back(
        &mut self,
        held: &[(String, Vec<String>)],
        budget: Duration,
    ) -> Result<(), StoreFailure> {
        if held.iter().all(|(_, ids)| ids.is_empty()) {
            return Ok(());
        }
        let idle = millis(self.options.claim_after).saturating_mul(4).max(1);
        let consumer = self.consumer.clone();
        self.run_for("giving back held entries", budget, |c| {
            let mut pipe = ::redis::pipe();
            for (stream, ids) in held {
                for chunk in ids.chunks(512) {
                    pipe.cmd("XCLAIM")
                        .arg(stream)
                        .arg(GROUP)
                        .arg(&consumer)
                        .arg(0)
                        .arg(chunk)
                        .arg("IDLE")
                        .arg(idle)
                        .arg("JUSTID")
                        .ignore();
                }
            }
            pipe.query::<()>(c)
        })
    }
}

impl Drop for RedisStore {
    fn drop(&mut self) {
        self.give_back_all();
    }
}

impl DeliveryStore for RedisStore {
    fn append(
        &mut self,
        batch: &[NewMessage<'_>],
    ) -> Result<Vec<(StoreKey, Placement)>, StoreFailure> {
        let streams: Vec<String> = batch.iter().map(|m| self.stream(m.account)).collect();
        let ids: Vec<Value> = self.run("appending", |c| {
            let mut pipe = ::redis::pipe();
            for (m, stream) in batch.iter().zip(&streams) {
                pipe.cmd("XADD").arg(stream).arg("*").arg("pdu").arg(m.pdu);
            }
            pipe.query(c)
        })?;
        ids.iter()
            .map(|v| parse_key(v).map(|k| (k, Placement::Shared)))
            .collect::<Option<Vec<_>>>()
            .ok_or(StoreFailure::Unavailable)
    }

    fn remove(&mut self, batch: &[(Arc<str>, StoreKey)]) -> Result<(), StoreFailure> {
        if batch.is_empty() {
            return Ok(());
        }
        let items: Vec<(String, String)> = batch
            .iter()
            .map(|(a, k)| (self.stream(a), format_key(*k)))
            .collect();
        self.run("removing", |c| {
            let mut pipe = ::redis::pipe();
            for (stream, id) in &items {
                pipe.cmd("XACK").arg(stream).arg(GROUP).arg(id).ignore();
                pipe.cmd("XDEL").arg(stream).arg(id).ignore();
            }
            pipe.query::<()>(c)
        })?;
        for (account, key) in batch {
            if let Some(s) = self.accounts.get_mut(&**account) {
                s.held.remove(key);
            }
        }
        Ok(())
    }

    fn claim(&mut self, account: &str, max: usize) -> Result<Vec<ClaimedMessage>, StoreFailure> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let now = Instant::now();
        let claim_after = self.options.claim_after;
        if let Some(s) = self.accounts.get_mut(account) {
            // Not refreshed for claim_after (no claim for the account here meanwhile):
            // what this node gave back may have been taken over by another node, and
            // taking it back by id would deliver it twice. Left to the idle-entry look
            // below, which takes only what no one holds.
            if s.touched.is_some_and(|t| now - t >= claim_after) {
                for k in s.released.drain(..) {
                    s.held.remove(&k);
                }
            }
        }
        self.touch(account, now)?;
        let mut got: Vec<Entry> = Vec::new();
        // 1. What this node gave back.
        let back: Vec<StoreKey> = {
            let s = self.accounts.entry(account.to_string()).or_default();
            let n = s.released.len().min(max);
            s.released.drain(..n).collect()
        };
        let taken = self.reclaim(account, &back)?;
        got.extend(taken);
        // 2. What other nodes held too long or gave back (looked for a few times per
        // claim_after, and at least every second).
        let every = (self.options.claim_after / 4)
            .min(Duration::from_secs(1))
            .max(Duration::from_millis(10));
        let due = self
            .accounts
            .get(account)
            .is_none_or(|s| s.autoclaimed.is_none_or(|t| now - t >= every));
        if got.len() < max && due {
            let (over, whole) = self.autoclaim(account, max - got.len())?;
            got.extend(over);
            if whole {
                // Looked through: not again before `every`. Otherwise the next claim
                // goes on.
                if let Some(s) = self.accounts.get_mut(account) {
                    s.autoclaimed = Some(now);
                }
            }
        }
        // 3. New entries.
        if got.len() < max {
            let fresh = self.read_new(account, max - got.len());
            got.extend(fresh?);
        }
        let state = self.accounts.entry(account.to_string()).or_default();
        let mut out = Vec::with_capacity(got.len());
        let mut gone = Vec::new();
        for (key, pdu) in got {
            match pdu {
                Some(pdu) => {
                    if state.held.insert(key) || back.contains(&key) {
                        out.push(ClaimedMessage { key, pdu });
                    }
                }
                None => gone.push(key),
            }
        }
        if !gone.is_empty() {
            // Deleted while pending (a node removed it after its claim moved on): acked so
            // they leave this node's pending list.
            let stream = self.stream(account);
            let ids: Vec<String> = gone.iter().map(|k| format_key(*k)).collect();
            let _ = self.run("acknowledging deleted entries", |c| {
                ::redis::cmd("XACK")
                    .arg(&stream)
                    .arg(GROUP)
                    .arg(&ids)
                    .query::<()>(c)
            });
        }
        Ok(out)
    }

    fn release(&mut self, account: &str, keys: &[StoreKey]) -> Result<(), StoreFailure> {
        let s = self.accounts.entry(account.to_string()).or_default();
        for k in keys {
            if s.held.contains(k) && !s.released.contains(k) {
                s.released.push_back(*k);
            }
        }
        s.released.make_contiguous().sort();
        Ok(())
    }

    /// Hands the entries back to the group at once (their idle time past `claim_after`):
    /// the next look of any node with a receiver of the account takes them.
    fn give_back(&mut self, account: &str, keys: &[StoreKey]) -> Result<(), StoreFailure> {
        let held = vec![(
            self.stream(account),
            keys.iter().map(|k| format_key(*k)).collect::<Vec<_>>(),
        )];
        self.hand_back(&held, self.options.retry_for)?;
        if let Some(s) = self.accounts.get_mut(account) {
            for k in keys {
                s.held.remove(k);
            }
            s.released.retain(|k| !keys.contains(k));
        }
        Ok(())
    }

    /// None: a shared store is claimed for the accounts with a receiver bound on this
    /// node ([`DeliveryStore::claim_interval`]), never for all.
    fn accounts(&mut self) -> Result<Vec<String>, StoreFailure> {
        Ok(Vec::new())
    }

    /// The number `INCR {prefix}:nodes` gave this node.
    fn node_id(&self) -> u64 {
        self.node
    }

    fn claim_interval(&self) -> Option<Duration> {
        Some(self.options.poll)
    }

    /// One `PING` (one attempt, reconnecting).
    fn check(&mut self) -> Result<(), StoreFailure> {
        self.run_for("checking", Duration::ZERO, |c| {
            ::redis::cmd("PING").query::<()>(c)
        })
    }
}
