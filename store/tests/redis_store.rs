//! The Redis Streams store against a real `redis-server`: nodes sharing accounts, a dead
//! node's deliveries taken over, a live node's kept, and what an outage or a full Redis
//! answers.

use smpp_core::server::{Placement, StoreFailure};
use smpp_store::redis_streams::{RedisOptions, RedisStore};
use smpp_store::test_server::RedisServer;
use smpp_store::{DeliveryStore, NewMessage, StoreKey};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn options(prefix: &str, claim_after: Duration) -> RedisOptions {
    RedisOptions {
        prefix: prefix.into(),
        claim_after,
        retry_for: Duration::from_millis(500),
        io_timeout: Duration::from_millis(500),
        ..RedisOptions::default()
    }
}

fn node(server: &RedisServer, prefix: &str, claim_after: Duration) -> RedisStore {
    RedisStore::open(&server.url(), options(prefix, claim_after)).expect("redis answers")
}

fn append(store: &mut RedisStore, account: &str, pdus: &[&[u8]]) -> Vec<StoreKey> {
    let batch: Vec<NewMessage<'_>> = pdus.iter().map(|pdu| NewMessage { account, pdu }).collect();
    let keys = store.append(&batch).expect("appended");
    assert!(keys.iter().all(|(_, p)| *p == Placement::Shared));
    keys.into_iter().map(|(k, _)| k).collect()
}

fn pdus(store: &mut RedisStore, account: &str, max: usize) -> Vec<Vec<u8>> {
    store
        .claim(account, max)
        .expect("claimed")
        .into_iter()
        .map(|m| m.pdu)
        .collect()
}

#[test]
fn a_message_appended_on_one_node_is_claimed_by_another_once() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut a = node(&server, "share", Duration::from_secs(30));
    let mut b = node(&server, "share", Duration::from_secs(30));
    assert_ne!(a.node_id(), b.node_id(), "node ids are unique");
    assert_ne!(a.consumer(), b.consumer());
    append(&mut a, "acme", &[b"one", b"two", b"three"]);
    // B has the receiver: it gets them, in order; A gets nothing more.
    assert_eq!(
        pdus(&mut b, "acme", 2),
        vec![b"one".to_vec(), b"two".to_vec()]
    );
    assert_eq!(pdus(&mut a, "acme", 10), vec![b"three".to_vec()]);
    assert!(pdus(&mut b, "acme", 10).is_empty());
    assert!(pdus(&mut a, "other", 10).is_empty(), "accounts are apart");
    // Removed: gone for good (acknowledged and deleted).
    let claimed = {
        let keys = append(&mut a, "acme", &[b"four"]);
        let got = b.claim("acme", 10).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].key, keys[0]);
        got
    };
    b.remove(&[(Arc::from("acme"), claimed[0].key)]).unwrap();
    let len = server.command("XLEN share:deliveries:acme").unwrap();
    assert_eq!(len.trim(), ":3", "three left: {len}");
}

#[test]
fn a_dead_nodes_deliveries_are_taken_over_after_claim_after_and_a_live_nodes_are_not() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let claim_after = Duration::from_millis(600);
    let mut dead = node(&server, "takeover", claim_after);
    let mut live = node(&server, "takeover", claim_after);
    let mut other = node(&server, "takeover", claim_after);
    append(&mut dead, "acme", &[b"d1", b"d2"]);
    assert_eq!(pdus(&mut dead, "acme", 10).len(), 2);
    append(&mut live, "acme", &[b"l1"]);
    assert_eq!(pdus(&mut live, "acme", 10), vec![b"l1".to_vec()]);
    // `dead` is killed: no give-back, no more refreshes.
    std::mem::forget(dead);
    assert!(pdus(&mut other, "acme", 10).is_empty(), "too early");
    let start = Instant::now();
    let mut taken = Vec::new();
    while taken.len() < 2 && start.elapsed() < Duration::from_secs(10) {
        // `live` keeps claiming (its receiver is bound), which refreshes its entry; either
        // node may take the dead one's.
        taken.extend(pdus(&mut live, "acme", 10));
        taken.extend(pdus(&mut other, "acme", 10));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(start.elapsed() >= claim_after / 2, "taken over too early");
    taken.sort();
    assert_eq!(
        taken,
        vec![b"d1".to_vec(), b"d2".to_vec()],
        "l1 stays with live"
    );
    // Long after claim_after, what the live node holds is still its own.
    std::thread::sleep(claim_after);
    assert!(pdus(&mut live, "acme", 10).is_empty());
    assert!(pdus(&mut other, "acme", 10).is_empty());
}

#[test]
fn a_node_that_stops_gives_back_what_it_holds_at_once() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut a = node(&server, "stop", Duration::from_secs(60));
    let mut b = node(&server, "stop", Duration::from_secs(60));
    append(&mut a, "acme", &[b"x", b"y"]);
    assert_eq!(pdus(&mut a, "acme", 10).len(), 2);
    drop(a);
    assert_eq!(
        pdus(&mut b, "acme", 10),
        vec![b"x".to_vec(), b"y".to_vec()],
        "claimable by the others without waiting claim_after"
    );
}

#[test]
fn released_messages_come_back_first() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut a = node(&server, "release", Duration::from_secs(60));
    append(&mut a, "acme", &[b"1", b"2", b"3", b"4"]);
    let got = a.claim("acme", 2).unwrap();
    a.release("acme", &[got[0].key, got[1].key]).unwrap();
    assert_eq!(
        pdus(&mut a, "acme", 3),
        vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]
    );
}

#[test]
fn an_outage_answers_unavailable_and_the_store_reconnects_after_it() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let port = server.port;
    let mut a = node(&server, "outage", Duration::from_secs(60));
    append(&mut a, "acme", &[b"before"]);
    server.kill();
    let start = Instant::now();
    let r = a.append(&[NewMessage {
        account: "acme",
        pdu: b"during",
    }]);
    assert_eq!(r.unwrap_err(), StoreFailure::Unavailable);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "bounded by retry_for"
    );
    assert_eq!(a.claim("acme", 1).unwrap_err(), StoreFailure::Unavailable);
    // Redis comes back (empty: it kept nothing on disk): the store carries on.
    let server = RedisServer::start_on(port).expect("restarted");
    append(&mut a, "acme", &[b"after"]);
    assert_eq!(pdus(&mut a, "acme", 10), vec![b"after".to_vec()]);
    drop(server);
}

#[test]
fn a_redis_out_of_memory_is_full() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut a = node(&server, "oom", Duration::from_secs(60));
    append(&mut a, "acme", &[b"fits"]);
    assert!(server
        .command("CONFIG SET maxmemory-policy noeviction")
        .unwrap()
        .starts_with("+OK"));
    assert!(server
        .command("CONFIG SET maxmemory 1")
        .unwrap()
        .starts_with("+OK"));
    let r = a.append(&[NewMessage {
        account: "acme",
        pdu: b"does not fit",
    }]);
    assert_eq!(r.unwrap_err(), StoreFailure::Full);
    // Room again: appends work.
    assert!(server
        .command("CONFIG SET maxmemory 0")
        .unwrap()
        .starts_with("+OK"));
    append(&mut a, "acme", &[b"fits again"]);
}

#[test]
fn entries_given_back_are_taken_by_another_node_within_a_second() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut a = node(&server, "giveback", Duration::from_secs(60));
    let mut b = node(&server, "giveback", Duration::from_secs(60));
    append(&mut a, "acme", &[b"p", b"q", b"r"]);
    let got = a.claim("acme", 10).unwrap();
    assert_eq!(got.len(), 3);
    // B looked once already (nothing for it), so its next look is a second later at most.
    assert!(pdus(&mut b, "acme", 10).is_empty());
    a.give_back("acme", &[got[0].key, got[2].key]).unwrap();
    let start = Instant::now();
    let mut taken = Vec::new();
    while taken.len() < 2 && start.elapsed() < Duration::from_secs(5) {
        taken.extend(pdus(&mut b, "acme", 10));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(taken, vec![b"p".to_vec(), b"r".to_vec()]);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "took {:?}",
        start.elapsed()
    );
    // A keeps what it did not give back.
    assert!(pdus(&mut b, "acme", 10).is_empty());
}

#[test]
fn a_released_entry_taken_over_meanwhile_is_not_taken_back() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let claim_after = Duration::from_millis(400);
    let mut a = node(&server, "stale", claim_after);
    let mut b = node(&server, "stale", claim_after);
    append(&mut a, "acme", &[b"s0"]);
    let got = a.claim("acme", 10).unwrap();
    a.release("acme", &[got[0].key]).unwrap();
    // A stops claiming for the account (its receiver left) for longer than claim_after:
    // B takes the entry over.
    std::thread::sleep(claim_after + Duration::from_millis(200));
    let start = Instant::now();
    let mut taken = Vec::new();
    while taken.is_empty() && start.elapsed() < Duration::from_secs(5) {
        taken = pdus(&mut b, "acme", 10);
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(taken, vec![b"s0".to_vec()]);
    // A comes back: it does not hand the entry out a second time.
    assert!(pdus(&mut a, "acme", 10).is_empty());
}
