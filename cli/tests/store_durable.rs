//! `smpp smsc --store PATH` and `--store redis://…`: pending receipts survive a graceful
//! restart on every runtime; a `kill -9` in the middle of submissions loses none that the
//! store had kept, with either store; and nodes sharing one Redis share accounts: a
//! receipt of a message submitted on one node reaches the receiver bound on another, and
//! what a killed node had claimed is delivered by the other.

mod cli_common;
#[path = "../../store/tests/redis_server/mod.rs"]
mod redis_server;

use cli_common::{temp_path, Proc};
use smpp_cli::message::MessageView;
use smpp_cli::runtime::Runtime;
use smpp_cli::sim::{SimConfig, Simulator};
use smpp_core::pdu::{Address, Body, RegisteredDelivery, SubmitSm};
use smpp_core::session::BindType;
use smpp_smol::{Client, ClientConfig, Incoming};
use std::collections::HashSet;
use std::time::{Duration, Instant};

fn client_config(bind: BindType) -> ClientConfig {
    let mut c = ClientConfig::new("smppclient1", "password");
    c.bind_type = bind;
    c
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    smol::block_on(async {
        futures_lite::future::or(f, async {
            async_io::Timer::after(Duration::from_secs(60)).await;
            panic!("test timed out");
        })
        .await
    })
}

fn submit() -> Body<'static> {
    Body::SubmitSm(SubmitSm {
        source: Address::alphanumeric("Shop"),
        destination: Address::international("447700900123"),
        registered_delivery: RegisteredDelivery::ON_SUCCESS_OR_FAILURE,
        short_message: b"kept until delivered",
        ..Default::default()
    })
}

/// Receives receipts on `incoming`, answering each, until `want` distinct ids arrived or
/// `limit` passed; the distinct receipted message ids.
async fn receive_receipts(incoming: &Incoming, want: usize, limit: Duration) -> HashSet<String> {
    let deadline = Instant::now() + limit;
    let mut ids = HashSet::new();
    while ids.len() < want && Instant::now() < deadline {
        let next = futures_lite::future::or(async { incoming.recv().await.ok() }, async {
            async_io::Timer::after(Duration::from_millis(500)).await;
            None
        })
        .await;
        let Some(req) = next else { continue };
        if let Ok(pdu) = req.pdu() {
            if let Some(view) = MessageView::from_body(&pdu.body) {
                if let Some(id) = view.receipt().message_id {
                    ids.insert(id);
                }
            }
        }
        let _ = req.respond_ok();
    }
    ids
}

#[test]
fn receipts_waiting_at_shutdown_are_delivered_after_the_restart_on_every_runtime() {
    for runtime in [Runtime::Smol, Runtime::Blocking, Runtime::Tokio] {
        let path = temp_path(&format!("restart-{runtime:?}.redb"));
        let _ = std::fs::remove_file(&path);
        let config = || SimConfig {
            listen: "127.0.0.1:0".into(),
            runtime,
            store: Some(path.display().to_string()),
            ..SimConfig::default()
        };
        let submitted: HashSet<String> = block_on(async {
            let sim = Simulator::start(config()).await.unwrap();
            let (tx, _) = Client::connect(sim.local_addr(), client_config(BindType::Transmitter))
                .await
                .unwrap();
            let mut ids = HashSet::new();
            for _ in 0..50 {
                let r = tx.send(&submit()).await.unwrap();
                ids.insert(r.message_id().unwrap().to_string());
            }
            // Every receipt kept by the store before the shutdown.
            let deadline = Instant::now() + Duration::from_secs(20);
            while sim.stats().stored < 50 && Instant::now() < deadline {
                async_io::Timer::after(Duration::from_millis(10)).await;
            }
            assert_eq!(sim.stats().stored, 50, "{runtime:?}: kept by the store");
            let _ = tx.unbind().await;
            sim.shutdown(Duration::from_secs(5)).await;
            ids
        });
        let received = block_on(async {
            let sim = Simulator::start(config()).await.unwrap();
            let (_rx, incoming) =
                Client::connect(sim.local_addr(), client_config(BindType::Receiver))
                    .await
                    .unwrap();
            let ids = receive_receipts(&incoming, 50, Duration::from_secs(20)).await;
            sim.shutdown(Duration::from_secs(5)).await;
            ids
        });
        assert_eq!(
            received, submitted,
            "{runtime:?}: every receipt, after the restart"
        );
        // Delivered and removed: a third start has nothing left.
        let left = block_on(async {
            let sim = Simulator::start(config()).await.unwrap();
            let (_rx, incoming) =
                Client::connect(sim.local_addr(), client_config(BindType::Receiver))
                    .await
                    .unwrap();
            let ids = receive_receipts(&incoming, 1, Duration::from_secs(2)).await;
            sim.shutdown(Duration::from_secs(5)).await;
            ids
        });
        assert!(left.is_empty(), "{runtime:?}: delivered again: {left:?}");
        let _ = std::fs::remove_file(&path);
    }
}

/// `stored` lines of the journal so far.
fn stored_lines(journal: &std::path::Path) -> usize {
    std::fs::read_to_string(journal)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("\"event\":\"stored\""))
        .count()
}

/// Starts `smpp smsc` on a free port with this store and journal; the process and its
/// address.
fn start_smsc(store: &str, journal: &std::path::Path) -> (Proc, String) {
    let proc = Proc::spawn(&[
        "smsc",
        "--listen",
        "127.0.0.1:0",
        "--store",
        store,
        "--jsonl",
        journal.to_str().unwrap(),
    ]);
    let line = proc.wait_stderr_line("listening on ");
    let addr = line.rsplit(' ').next().unwrap().to_string();
    (proc, addr)
}

#[test]
fn a_kill_9_in_the_middle_of_submissions_loses_no_kept_receipt() {
    let path = temp_path("kill9.redb");
    let _ = std::fs::remove_file(&path);
    kill_9_loses_nothing(path.to_str().unwrap(), "kill9");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_kill_9_in_the_middle_of_submissions_loses_no_receipt_kept_in_redis() {
    let Some(redis) = redis_server::RedisServer::start() else {
        return;
    };
    kill_9_loses_nothing(&format!("{}?claim_after=1s", redis.url()), "kill9-redis");
}

/// Submits with receipts to an smsc on `store`, kills it with SIGKILL once 200 receipts
/// are kept, starts it again on the same store and checks that every kept receipt arrives.
fn kill_9_loses_nothing(store: &str, tag: &str) {
    let journal = temp_path(&format!("{tag}.jsonl"));
    let _ = std::fs::remove_file(&journal);
    let (smsc, addr) = start_smsc(store, &journal);
    let sock: std::net::SocketAddr = addr.parse().unwrap();
    let submitted: HashSet<String> = block_on(async {
        let (tx, _) = Client::connect(sock, client_config(BindType::Transmitter))
            .await
            .unwrap();
        let mut ids = HashSet::new();
        let mut smsc = Some(smsc);
        for n in 0..5000 {
            match tx.send(&submit()).await {
                Ok(r) => {
                    ids.insert(r.message_id().unwrap().to_string());
                }
                Err(_) => break,
            }
            // Mid-flight: kill -9 once some receipts are kept, while submitting.
            if smsc.is_some() && n % 50 == 0 && stored_lines(&journal) >= 200 {
                drop(smsc.take()); // SIGKILL
            }
        }
        assert!(smsc.is_none(), "the smsc was killed while submitting");
        ids
    });
    let kept = stored_lines(&journal);
    assert!(kept >= 200, "{kept} receipts kept before the kill");
    let journal2 = temp_path(&format!("{tag}-after.jsonl"));
    let _ = std::fs::remove_file(&journal2);
    let (_smsc, addr) = start_smsc(store, &journal2);
    let received = block_on(async {
        let (_rx, incoming) = Client::connect(
            addr.parse::<std::net::SocketAddr>().unwrap(),
            client_config(BindType::Receiver),
        )
        .await
        .unwrap();
        receive_receipts(&incoming, kept, Duration::from_secs(30)).await
    });
    // Every receipt the store confirmed before the kill (the journal may lag behind the
    // store, never lead it) is delivered after the restart, for a submission made before.
    assert!(
        received.len() >= kept,
        "{} receipts after the restart, {kept} kept before the kill",
        received.len()
    );
    let foreign: Vec<&String> = received
        .iter()
        .filter(|id| !submitted.contains(*id))
        .collect();
    // A submission whose response the kill cut off may have its receipt kept: at most one
    // window of such.
    assert!(foreign.len() <= 64, "receipts for unknown ids: {foreign:?}");
    let _ = std::fs::remove_file(&journal);
    let _ = std::fs::remove_file(&journal2);
}

/// Submits `n` messages asking for receipts on `tx`; their message ids.
async fn submit_n(tx: &Client, n: usize) -> HashSet<String> {
    let mut ids = HashSet::new();
    for _ in 0..n {
        let r = tx.send(&submit()).await.expect("submitted");
        ids.insert(r.message_id().unwrap().to_string());
    }
    ids
}

#[test]
fn two_nodes_on_one_redis_share_accounts_and_take_over_a_killed_nodes_deliveries() {
    let Some(redis) = redis_server::RedisServer::start() else {
        return;
    };
    let store = format!("{}?claim_after=1s", redis.url());
    let journal_a = temp_path("shared-a.jsonl");
    let journal_b = temp_path("shared-b.jsonl");
    let (node_a, addr_a) = start_smsc(&store, &journal_a);
    let (_node_b, addr_b) = start_smsc(&store, &journal_b);
    let sock_a: std::net::SocketAddr = addr_a.parse().unwrap();
    let sock_b: std::net::SocketAddr = addr_b.parse().unwrap();
    block_on(async {
        // 1. Submitted on A, received on B (no receiver on A).
        let (rx_b, incoming_b) = Client::connect(sock_b, client_config(BindType::Receiver))
            .await
            .unwrap();
        let (tx_a, _) = Client::connect(sock_a, client_config(BindType::Transmitter))
            .await
            .unwrap();
        let submitted = submit_n(&tx_a, 100).await;
        let received = receive_receipts(&incoming_b, 100, Duration::from_secs(30)).await;
        assert_eq!(
            received, submitted,
            "every receipt of A's messages arrives on B"
        );
        // Message ids differ across nodes.
        let (tx_b, _) = Client::connect(sock_b, client_config(BindType::Transmitter))
            .await
            .unwrap();
        let on_b = submit_n(&tx_b, 10).await;
        assert!(
            on_b.is_disjoint(&submitted),
            "message ids are unique across nodes"
        );
        let again = receive_receipts(&incoming_b, 10, Duration::from_secs(30)).await;
        assert_eq!(again, on_b);
        rx_b.unbind().await.unwrap();

        // 2. A receiver on A that never answers: A claims the receipts and holds them.
        let (_rx_a, incoming_a) = Client::connect(sock_a, client_config(BindType::Receiver))
            .await
            .unwrap();
        let held = submit_n(&tx_b, 50).await;
        let mut unanswered = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while unanswered.len() < 50 && Instant::now() < deadline {
            let next = futures_lite::future::or(async { incoming_a.recv().await.ok() }, async {
                async_io::Timer::after(Duration::from_millis(500)).await;
                None
            })
            .await;
            // Kept, never answered (dropping one would answer it).
            unanswered.extend(next);
        }
        assert_eq!(unanswered.len(), 50, "A delivers (and holds) all 50");
        // 3. A dies holding them; B, with a receiver, delivers them claim_after later.
        drop(node_a); // SIGKILL
        std::mem::forget(unanswered);
        let (_rx_b, incoming_b) = Client::connect(sock_b, client_config(BindType::Receiver))
            .await
            .unwrap();
        let taken = receive_receipts(&incoming_b, 50, Duration::from_secs(30)).await;
        assert_eq!(taken, held, "B delivers what the killed A held");
    });
    let _ = std::fs::remove_file(&journal_a);
    let _ = std::fs::remove_file(&journal_b);
}
