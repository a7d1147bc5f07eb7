//! The delivery store contract, as a property of random operation sequences, checked
//! against each backend: the embedded database and Redis Streams (a real `redis-server`).
//!
//! A model follows what the endpoint would hold. After any sequence of appends, claims,
//! removals, releases and restarts, draining the store (claim everything, remove it) must
//! give back every message appended and never removed, with its own PDU; a removed message
//! never comes back; a message is never handed out twice while held; and each claim hands
//! out an account's messages in the order they were appended.

use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use smpp_core::server::Placement;
use smpp_store::redis_streams::{RedisOptions, RedisStore};
use smpp_store::test_server::RedisServer;
use smpp_store::{embedded::EmbeddedStore, DeliveryStore, NewMessage, StoreKey};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const ACCOUNTS: [&str; 2] = ["alpha", "beta"];

#[derive(Clone, Debug)]
enum Op {
    /// Appends this many messages for the account.
    Append(usize, u8),
    /// Claims up to this many.
    Claim(usize, u8),
    /// Removes the n-th held message (modulo).
    Remove(usize),
    /// Releases the n-th held message.
    Release(usize),
    /// The process restarts: the store is closed and opened again.
    Restart,
}

impl Arbitrary for Op {
    fn arbitrary(g: &mut Gen) -> Op {
        let a = usize::from(bool::arbitrary(g));
        match u8::arbitrary(g) % 10 {
            0..=2 => Op::Append(a, u8::arbitrary(g) % 6 + 1),
            3..=5 => Op::Claim(a, u8::arbitrary(g) % 8),
            6 | 7 => Op::Remove(usize::arbitrary(g)),
            8 => Op::Release(usize::arbitrary(g)),
            _ => Op::Restart,
        }
    }
}

/// Opens a store: the same one again after a restart.
trait Backend {
    fn open(&mut self) -> Box<dyn DeliveryStore>;
}

struct Embedded(std::path::PathBuf);

impl Backend for Embedded {
    fn open(&mut self) -> Box<dyn DeliveryStore> {
        Box::new(EmbeddedStore::open(&self.0).expect("the database opens"))
    }
}

struct Redis {
    url: String,
    prefix: String,
}

impl Backend for Redis {
    fn open(&mut self) -> Box<dyn DeliveryStore> {
        let options = RedisOptions {
            prefix: self.prefix.clone(),
            // Nothing is taken over from a live node within a test case; what a closed
            // store gave back is claimable at once.
            claim_after: Duration::from_secs(60),
            retry_for: Duration::from_secs(2),
            ..RedisOptions::default()
        };
        Box::new(RedisStore::open(&self.url, options).expect("redis answers"))
    }
}

/// The PDU of the n-th message: unique, so a mix-up shows.
fn pdu(n: u32) -> Vec<u8> {
    let mut p = b"deliver".to_vec();
    p.extend_from_slice(&n.to_be_bytes());
    p
}

fn check(backend: &mut dyn Backend, ops: &[Op]) -> TestResult {
    let mut store = backend.open();
    let mut next = 0u32;
    // Appended and not removed: key -> (account, pdu).
    let mut kept: BTreeMap<(usize, StoreKey), Vec<u8>> = BTreeMap::new();
    // What this "endpoint" holds.
    let mut held: Vec<(usize, StoreKey)> = Vec::new();
    let mut removed: Vec<(usize, StoreKey)> = Vec::new();
    let claim = |store: &mut Box<dyn DeliveryStore>,
                 held: &mut Vec<(usize, StoreKey)>,
                 kept: &BTreeMap<(usize, StoreKey), Vec<u8>>,
                 removed: &[(usize, StoreKey)],
                 a: usize,
                 max: usize|
     -> Result<usize, String> {
        let got = store
            .claim(ACCOUNTS[a], max)
            .map_err(|e| format!("claim: {e}"))?;
        if got.len() > max {
            return Err(format!("claimed {} of at most {max}", got.len()));
        }
        for w in got.windows(2) {
            if w[0].key >= w[1].key {
                return Err(format!("out of order: {:?} then {:?}", w[0].key, w[1].key));
            }
        }
        for m in &got {
            let k = (a, m.key);
            if removed.contains(&k) {
                return Err(format!("{:?} came back after its removal", m.key));
            }
            if held.contains(&k) {
                return Err(format!("{:?} handed out twice", m.key));
            }
            match kept.get(&k) {
                Some(p) if *p == m.pdu => {}
                Some(_) => return Err(format!("{:?} has another PDU", m.key)),
                None => return Err(format!("{:?} was never appended", m.key)),
            }
            held.push(k);
        }
        Ok(got.len())
    };
    for op in ops {
        match *op {
            Op::Append(a, n) => {
                let pdus: Vec<Vec<u8>> = (0..n)
                    .map(|_| {
                        next += 1;
                        pdu(next)
                    })
                    .collect();
                let batch: Vec<NewMessage<'_>> = pdus
                    .iter()
                    .map(|p| NewMessage {
                        account: ACCOUNTS[a],
                        pdu: p,
                    })
                    .collect();
                let keys = match store.append(&batch) {
                    Ok(k) => k,
                    Err(e) => return TestResult::error(format!("append: {e}")),
                };
                if keys.len() != batch.len() {
                    return TestResult::error("one answer per message");
                }
                for ((key, placement), p) in keys.into_iter().zip(pdus) {
                    if kept.insert((a, key), p).is_some() {
                        return TestResult::error(format!("key {key:?} given twice"));
                    }
                    if placement == Placement::Local {
                        // Kept here and delivered by this endpoint.
                        held.push((a, key));
                    }
                }
            }
            Op::Claim(a, max) => {
                if let Err(e) = claim(&mut store, &mut held, &kept, &removed, a, usize::from(max)) {
                    return TestResult::error(e);
                }
            }
            Op::Remove(n) if !held.is_empty() => {
                let (a, key) = held.remove(n % held.len());
                if let Err(e) = store.remove(&[(Arc::from(ACCOUNTS[a]), key)]) {
                    return TestResult::error(format!("remove: {e}"));
                }
                kept.remove(&(a, key));
                removed.push((a, key));
            }
            Op::Release(n) if !held.is_empty() => {
                let (a, key) = held.remove(n % held.len());
                if let Err(e) = store.release(ACCOUNTS[a], &[key]) {
                    return TestResult::error(format!("release: {e}"));
                }
            }
            Op::Remove(_) | Op::Release(_) => {}
            Op::Restart => {
                drop(store);
                store = backend.open();
                // Everything kept is claimable again (at least once).
                held.clear();
            }
        }
    }
    // Drain: give back what is held, then claim and remove everything.
    let mut delivered: HashMap<(usize, StoreKey), usize> = HashMap::new();
    for (a, key) in std::mem::take(&mut held) {
        if let Err(e) = store.release(ACCOUNTS[a], &[key]) {
            return TestResult::error(format!("release: {e}"));
        }
    }
    for a in 0..ACCOUNTS.len() {
        for _ in 0..1000 {
            match claim(&mut store, &mut held, &kept, &removed, a, 7) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => return TestResult::error(e),
            }
            for k in held.drain(..) {
                *delivered.entry(k).or_default() += 1;
                if let Err(e) = store.remove(&[(Arc::from(ACCOUNTS[k.0]), k.1)]) {
                    return TestResult::error(format!("remove: {e}"));
                }
                removed.push(k);
            }
        }
    }
    let missing: Vec<_> = kept.keys().filter(|k| !delivered.contains_key(k)).collect();
    if !missing.is_empty() {
        return TestResult::error(format!("never delivered: {missing:?}"));
    }
    let twice: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).collect();
    if !twice.is_empty() {
        return TestResult::error(format!("delivered twice in the drain: {twice:?}"));
    }
    TestResult::passed()
}

static CASE: AtomicU64 = AtomicU64::new(0);

#[test]
fn the_embedded_store_keeps_the_contract() {
    fn prop(ops: Vec<Op>) -> TestResult {
        let n = CASE.fetch_add(1, Ordering::Relaxed);
        let dir = tempfile::tempdir().unwrap();
        let mut backend = Embedded(dir.path().join(format!("case-{n}.redb")));
        check(&mut backend, &ops)
    }
    QuickCheck::new()
        .tests(60)
        .quickcheck(prop as fn(Vec<Op>) -> TestResult);
}

static REDIS_URL: OnceLock<String> = OnceLock::new();

#[test]
fn the_redis_store_keeps_the_contract() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    REDIS_URL.set(server.url()).unwrap();
    fn prop(ops: Vec<Op>) -> TestResult {
        let n = CASE.fetch_add(1, Ordering::Relaxed);
        let mut backend = Redis {
            url: REDIS_URL.get().unwrap().clone(),
            // One prefix per case: the cases share the server, not their streams.
            prefix: format!("contract{n}"),
        };
        check(&mut backend, &ops)
    }
    QuickCheck::new()
        .tests(60)
        .quickcheck(prop as fn(Vec<Op>) -> TestResult);
    drop(server);
}
