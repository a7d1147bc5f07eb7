//! `smpp smsc --store PATH` and `--store redis://…`: pending receipts survive a graceful
//! restart on every runtime; a `kill -9` in the middle of submissions loses none that the
//! store had kept, with either store; and nodes sharing one Redis share accounts: a
//! receipt of a message submitted on one node reaches the receiver bound on another, and
//! what a killed node had claimed is delivered by the other.

mod cli_common;

use cli_common::{temp_path, Proc};
use smpp_cli::message::MessageView;
use smpp_cli::runtime::Runtime;
use smpp_cli::sim::{SimConfig, Simulator};
use smpp_core::pdu::{Address, Body, RegisteredDelivery, SubmitSm};
use smpp_core::session::BindType;
use smpp_core::CommandStatus;
use smpp_smol::{Client, ClientConfig, Incoming};
use smpp_store::test_server::RedisServer;
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
    let Some(redis) = RedisServer::start() else {
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
    let Some(redis) = RedisServer::start() else {
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

#[test]
fn while_redis_is_down_submissions_that_need_a_receipt_are_refused_and_accepted_again_after() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let port = redis.port;
    let journal = temp_path("outage.jsonl");
    let _ = std::fs::remove_file(&journal);
    let config = SimConfig {
        listen: "127.0.0.1:0".into(),
        store: Some(format!(
            "{}?retry_for=300ms&io_timeout=300ms&poll=50ms",
            redis.url()
        )),
        jsonl: Some(journal.clone()),
        ..SimConfig::default()
    };
    block_on(async {
        let sim = Simulator::start(config).await.unwrap();
        let (_rx, incoming) = Client::connect(sim.local_addr(), client_config(BindType::Receiver))
            .await
            .unwrap();
        let (tx, _) = Client::connect(sim.local_addr(), client_config(BindType::Transmitter))
            .await
            .unwrap();
        let first = submit_n(&tx, 1).await;
        assert_eq!(
            receive_receipts(&incoming, 1, Duration::from_secs(10)).await,
            first
        );

        redis.kill();
        // The first submissions after the outage are accepted (nothing failed yet); once
        // the store failed, they are refused with ESME_RSYSERR.
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut refused = 0;
        let mut accepted_during = HashSet::new();
        while refused == 0 && Instant::now() < deadline {
            let r = tx.send(&submit()).await.expect("answered");
            if r.status() == CommandStatus::ESME_RSYSERR {
                refused += 1;
            } else {
                assert!(r.status().is_ok(), "{:?}", r.status());
                accepted_during.insert(r.message_id().unwrap());
                async_io::Timer::after(Duration::from_millis(100)).await;
            }
        }
        assert_eq!(refused, 1, "refused while the store is down");
        // Submissions without a receipt do not need the store.
        let plain = Body::SubmitSm(SubmitSm {
            registered_delivery: RegisteredDelivery::NONE,
            ..match submit() {
                Body::SubmitSm(s) => s,
                _ => unreachable!(),
            }
        });
        assert!(tx.send(&plain).await.unwrap().status().is_ok());

        // Redis is back: accepted again, and the receipt is delivered.
        let _redis = RedisServer::start_on(port).expect("redis restarts");
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut again = None;
        while again.is_none() && Instant::now() < deadline {
            let r = tx.send(&submit()).await.expect("answered");
            if r.status().is_ok() {
                again = r.message_id();
            } else {
                async_io::Timer::after(Duration::from_millis(100)).await;
            }
        }
        let again = again.expect("accepted again once Redis is back");
        let mut got = HashSet::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !got.contains(&again) && Instant::now() < deadline {
            got.extend(receive_receipts(&incoming, 1, Duration::from_secs(1)).await);
        }
        assert!(got.contains(&again), "{got:?} lacks {again}");
        sim.shutdown(Duration::from_secs(2)).await;
        // Every receipt accepted during the outage was delivered (its append outlasted
        // the outage) or is reported given up: none is silently lost.
        let text = std::fs::read_to_string(&journal).unwrap();
        for id in &accepted_during {
            let reported = text.lines().any(|l| {
                l.contains("\"event\":\"receipt\"")
                    && l.contains(&format!("\"message_id\":\"{id}\""))
                    && l.contains("gave up")
            });
            assert!(
                got.contains(id) || reported,
                "{id}: neither delivered nor reported; journal:\n{text}"
            );
        }
    });
    let _ = std::fs::remove_file(&journal);
}

#[test]
fn the_readme_deployment_smpp_send_on_one_node_smpp_listen_on_another() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let j1 = temp_path("deploy-1.jsonl");
    let j2 = temp_path("deploy-2.jsonl");
    let (_n1, addr1) = start_smsc(&url, &j1);
    let (_n2, addr2) = start_smsc(&url, &j2);
    let listen = Proc::spawn(&["listen", "--connect", &addr2, "--count", "1"]);
    listen.wait_stderr_line("BOUND_RX");
    let send = cli_common::run(&[
        "send",
        "--connect",
        &addr1,
        "--to",
        "447700900123",
        "--receipt",
        "hi",
    ]);
    send.expect_code(0);
    let id = send
        .stdout
        .split("message_id=")
        .nth(1)
        .map(|s| s.trim().to_string())
        .expect("a message id");
    let out = listen.wait();
    out.expect_code(0);
    assert!(
        out.stdout.contains(&format!("id={id} stat=DELIVRD")),
        "{}",
        out.stdout
    );
    let conflict = cli_common::run(&["send", "--receipt", "--wait-receipt", "--to", "1", "hi"]);
    assert_eq!(conflict.code(), Some(2), "{}", conflict.stderr);
    let _ = std::fs::remove_file(&j1);
    let _ = std::fs::remove_file(&j2);
}

#[test]
fn a_receipt_held_on_one_node_can_be_forced_on_another_through_the_shared_metadata() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let config = || SimConfig {
        listen: "127.0.0.1:0".into(),
        store: Some(redis.url()),
        observe: true,
        hold_receipts: true,
        ..SimConfig::default()
    };
    block_on(async {
        let a = Simulator::start(config()).await.unwrap();
        let b = Simulator::start(config()).await.unwrap();
        let (_rx, incoming) = Client::connect(b.local_addr(), client_config(BindType::Receiver))
            .await
            .unwrap();
        let (tx, _) = Client::connect(a.local_addr(), client_config(BindType::Transmitter))
            .await
            .unwrap();
        let id = submit_n(&tx, 1).await.into_iter().next().unwrap();
        let control_b = smpp_cli::control::ControlPlane::new(b.handle());
        let body = format!(r#"{{"message_id":"{id}","stat":"UNDELIV","err":5}}"#);
        // The record reaches Redis in the background: retried briefly.
        let deadline = Instant::now() + Duration::from_secs(10);
        let forced = loop {
            let r = control_b.handle("POST", "/api/receipts", "", body.as_bytes());
            if r.status / 100 == 2 || Instant::now() > deadline {
                break r;
            }
            async_io::Timer::after(Duration::from_millis(50)).await;
        };
        assert_eq!(
            forced.status / 100,
            2,
            "{}",
            String::from_utf8_lossy(&forced.body)
        );
        let req = futures_lite::future::or(async { incoming.recv().await.ok() }, async {
            async_io::Timer::after(Duration::from_secs(10)).await;
            None
        })
        .await
        .expect("the forced receipt arrives");
        let pdu = req.pdu().unwrap();
        let view = MessageView::from_body(&pdu.body).unwrap();
        let receipt = view.receipt();
        assert_eq!(receipt.message_id.as_deref(), Some(id.as_str()));
        // Built from A's message: its addresses swapped, its text, the forced state.
        assert_eq!(view.source.addr, b"447700900123");
        assert_eq!(view.destination.addr, b"Shop");
        let text = view.text();
        assert!(text.contains("stat:UNDELIV"), "{text}");
        assert!(text.contains("err:005"), "{text}");
        assert!(text.contains("text:kept until deliver"), "{text}");
        let _ = req.respond_ok();
        // Unknown everywhere: 404 as before.
        let r = control_b.handle(
            "POST",
            "/api/receipts",
            "",
            br#"{"message_id":"ffffffffff","stat":"DELIVRD"}"#,
        );
        assert_eq!(r.status, 404);
        a.shutdown(Duration::from_secs(2)).await;
        b.shutdown(Duration::from_secs(2)).await;
    });
}
