//! The delivery stores a scenario's SMSC may keep its deliveries in
//! ([`Runtime::start_server_with_store`](crate::Runtime::start_server_with_store)): none,
//! the embedded database in a temporary directory, or Redis Streams on a `redis-server`
//! of the scenario's own, started on a free loopback port and killed when the scenario
//! ends.

use smpp_core::server::Placement;
use smpp_store::embedded::EmbeddedStore;
use smpp_store::redis_streams::{RedisOptions, RedisStore};
use smpp_store::test_server::RedisServer;
use smpp_store::DeliveryStore;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Which store the SMSC keeps its deliveries in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    /// No store: the queue is in memory only.
    None,
    /// `smpp_store::embedded::EmbeddedStore` (redb), answering [`Placement::Local`].
    Embedded,
    /// `smpp_store::redis_streams::RedisStore`, answering [`Placement::Shared`].
    Redis,
}

/// The store of one scenario: where its data lives, for as long as the scenario runs.
/// Every [`StoreUnderTest::open`] opens the same data (a restart of the SMSC, or a second
/// node on the same Redis).
#[derive(Debug)]
pub struct StoreUnderTest {
    kind: StoreKind,
    dir: Option<tempfile::TempDir>,
    redis: Option<RedisServer>,
    prefix: String,
}

impl StoreUnderTest {
    /// A fresh store of `kind`; `None` (having said why) when `kind` is
    /// [`StoreKind::Redis`] and `redis-server` is not installed outside CI: the scenario
    /// is skipped.
    pub fn new(kind: StoreKind) -> Option<StoreUnderTest> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let mut store = StoreUnderTest {
            kind,
            dir: None,
            redis: None,
            // Unique per scenario: scenarios never share streams, even on one Redis.
            prefix: format!("conformance-{}-{n}", std::process::id()),
        };
        match kind {
            StoreKind::None => {}
            StoreKind::Embedded => {
                store.dir = Some(tempfile::tempdir().expect("a temporary directory"));
            }
            StoreKind::Redis => store.redis = Some(RedisServer::start()?),
        }
        Some(store)
    }

    /// Its kind.
    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    /// Where the store puts what it keeps (`None` without a store).
    pub fn placement(&self) -> Option<Placement> {
        match self.kind {
            StoreKind::None => None,
            StoreKind::Embedded => Some(Placement::Local),
            StoreKind::Redis => Some(Placement::Shared),
        }
    }

    /// True when the store is shared: accepted messages leave the endpoint (their
    /// handles end `InStore`) and come back claimed under new ids.
    pub fn is_shared(&self) -> bool {
        self.placement() == Some(Placement::Shared)
    }

    /// Opens the store on its data (`None` without a store). The embedded database can be
    /// open in one SMSC at a time: open it again only once the SMSC that had it shut down.
    pub fn open(&self) -> Option<Box<dyn DeliveryStore>> {
        match self.kind {
            StoreKind::None => None,
            StoreKind::Embedded => {
                let dir = self.dir.as_ref().expect("the store's directory");
                let store = EmbeddedStore::open(dir.path().join("deliveries.redb"))
                    .expect("the embedded store opens");
                Some(Box::new(store))
            }
            StoreKind::Redis => {
                let redis = self.redis.as_ref().expect("the store's redis-server");
                let options = RedisOptions {
                    prefix: self.prefix.clone(),
                    poll: Duration::from_millis(20),
                    retry_for: Duration::from_secs(1),
                    ..RedisOptions::default()
                };
                let store = RedisStore::open(&redis.url(), options).expect("the Redis store opens");
                Some(Box::new(store))
            }
        }
    }
}

impl StoreUnderTest {
    /// How many messages the store keeps for `account` (0 without a store). The embedded
    /// database must not be open in an SMSC (shut it down first).
    pub fn kept(&self, account: &str) -> usize {
        match self.kind {
            StoreKind::None => 0,
            StoreKind::Embedded => {
                let dir = self.dir.as_ref().expect("the store's directory");
                let store = EmbeddedStore::open(dir.path().join("deliveries.redb"))
                    .expect("the embedded store opens");
                store.len(account).expect("the embedded store reads")
            }
            StoreKind::Redis => {
                let redis = self.redis.as_ref().expect("the store's redis-server");
                let reply = redis
                    .command(&format!("XLEN {}:deliveries:{account}", self.prefix))
                    .expect("XLEN answered");
                reply
                    .trim()
                    .strip_prefix(':')
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("XLEN answered {reply:?}"))
            }
        }
    }
}
