//! `smpp bench`, `smpp demo`, every `--help`, and usage errors, running the real binary.

mod cli_common;

use cli_common::{bench_json, check_bench_counts, run, Smsc};

#[test]
fn every_subcommand_has_help() {
    for command in ["decode", "smsc", "send", "listen", "bench", "demo"] {
        for args in [
            vec![command, "--help"],
            vec!["help", command],
            vec![command, "-h"],
        ] {
            let out = run(&args);
            out.expect_code(0);
            assert!(
                out.stdout.contains(&format!("Usage: smpp {command}")),
                "{args:?}: {}",
                out.stdout
            );
            assert!(out.stderr.is_empty(), "{args:?}: {}", out.stderr);
        }
    }
    let out = run(&["--help"]);
    out.expect_code(0);
    for command in ["smsc", "send", "listen", "bench", "demo"] {
        assert!(
            out.stdout.contains(&format!("\n  {command} ")),
            "{command} listed"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    for (args, needle) in [
        (vec!["send", "hi"], "--to <NUMBER>"),
        (vec!["send", "--to", "1"], "<TEXT>"),
        (
            vec!["send", "--to", "1", "--timeout", "3y", "hi"],
            "invalid duration \"3y\"",
        ),
        (
            vec!["send", "--to", "1", "--bind", "rx", "hi"],
            "not possible here",
        ),
        (
            vec!["send", "--to", "1", "--bind", "tx", "--wait-receipt", "hi"],
            "needs --bind trx",
        ),
        (
            vec!["send", "--to", "1", "--encoding", "utf8", "hi"],
            "unknown encoding",
        ),
        (
            vec!["send", "--to", "1", "--encoding", "gsm7", "😀"],
            "cannot encode",
        ),
        (
            vec!["send", "--to", "1", "--bogus", "hi"],
            "unexpected argument '--bogus'",
        ),
        (
            vec!["send", "--wait-receipt=yes", "--to", "1", "hi"],
            "unexpected value 'yes' for '--wait-receipt'",
        ),
        (
            vec!["listen", "--count"],
            "a value is required for '--count",
        ),
        (
            vec!["listen", "--count", "x"],
            "invalid value \"x\" for --count",
        ),
        (vec!["listen", "--timeout", "-1"], "invalid duration"),
        (vec!["smsc", "--reject-rate", "1.5"], "between 0 and 1"),
        (
            vec!["smsc", "--account", "nopassword"],
            "SYSTEM_ID:PASSWORD",
        ),
        (
            vec!["smsc", "--inactivity-timeout", "soon"],
            "invalid duration",
        ),
        (vec!["smsc", "extra"], "unexpected argument"),
        (
            vec!["bench", "--binds", "0"],
            "--binds must be between 1 and 1000, not 0",
        ),
        (vec!["bench", "--rate", "0"], "--rate must be"),
        (
            vec!["bench", "--bind", "tx", "--receipts"],
            "--receipts needs --bind trx",
        ),
        (
            vec!["bench", "--receipts", "--receipt-timeout", "soon"],
            "--receipt-timeout: invalid duration",
        ),
        (vec!["demo", "--what"], "unexpected argument '--what'"),
    ] {
        let out = run(&args);
        out.expect_code(2);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
}

#[test]
fn durations_with_units_are_accepted() {
    // Nothing listens on port 1: the command fails at connect, after parsing.
    for d in ["3", "500ms", "3s", "2m", "1.5s"] {
        let out = run(&[
            "send",
            "--connect",
            "127.0.0.1:1",
            "--timeout",
            d,
            "--to",
            "1",
            "hi",
        ]);
        out.expect_code(1);
        assert!(out.stderr.contains("127.0.0.1:1"), "{d}: {}", out.stderr);
    }
}

#[test]
fn demo_runs_the_whole_exchange() {
    let started = std::time::Instant::now();
    let out = run(&["demo"]);
    out.expect_code(0);
    let submitted = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("-> submit_sm part "))
        .count();
    let receipts: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("<- deliver_sm delivery receipt for part "))
        .collect();
    assert!(submitted >= 2, "{}", out.stdout);
    assert_eq!(receipts.len(), submitted, "{}", out.stdout);
    assert!(receipts
        .iter()
        .all(|r| r.contains("stat=DELIVRD") && r.contains(" id=")));
    assert!(out.stdout.contains("UCS2"));
    assert!(out.stdout.contains("<- unbind_resp"));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn bench_against_the_simulator() {
    let smsc = Smsc::start(&[]);
    let out = smsc.run(
        "bench",
        &[
            "--count", "3000", "--binds", "2", "--window", "64", "--json",
        ],
    );
    out.expect_code(0);
    let v = bench_json(&out.stdout);
    assert_eq!(v["sent"], 3000);
    assert_eq!(v["answered"], 3000);
    assert_eq!(v["failed"], 0);
    assert_eq!(v["ok"], 3000);
    assert_eq!(v["errors"], 0);
    assert_eq!(v["binds"], 2);
    assert_eq!(v["window"], 64);
    assert!(v["msgs_per_sec"].as_f64().unwrap() > 0.0);
    for k in ["p50_ms", "p99_ms", "max_ms"] {
        assert!(v[k].as_f64().is_some(), "{k} in {v}");
    }
    assert!(v["p50_ms"].as_f64() <= v["p99_ms"].as_f64());
    assert!(v["p99_ms"].as_f64() <= v["max_ms"].as_f64());
    assert!(out
        .stdout
        .lines()
        .next()
        .unwrap()
        .contains(" msgs/s: 3000 answered of 3000"));
    assert!(out.stdout.contains("errors: 0"));

    // Message payloads above 254 octets, and a rate limit.
    let out = smsc.run(
        "bench",
        &[
            "--count", "200", "--size", "1000", "--rate", "2000", "--json",
        ],
    );
    out.expect_code(0);
    let v = bench_json(&out.stdout);
    assert_eq!(v["sent"], 200);
    assert_eq!(v["answered"], 200);
    assert!(
        v["elapsed_s"].as_f64().unwrap() >= 0.09,
        "rate limited: {v}"
    );
}

#[test]
fn bench_reports_errors_and_fails() {
    // One burst of 150 (the window): the SMSC accepts 100 in the second and throttles the rest,
    // and with --throttle-retries 0 the throttle answers are the outcomes.
    let smsc = Smsc::start(&["--throttle-rate", "100"]);
    let out = smsc.run(
        "bench",
        &[
            "--count",
            "150",
            "--window",
            "150",
            "--throttle-retries",
            "0",
            "--json",
        ],
    );
    out.expect_code(1);
    let v = bench_json(&out.stdout);
    let throttled = v["errors_by_status"]["ESME_RTHROTTLED"]
        .as_u64()
        .unwrap_or(0);
    assert!((50..=150).contains(&throttled), "{v}");
    assert_eq!(v["errors"].as_u64(), Some(throttled));
    assert_eq!(v["answered"], 150, "every request answered");
    assert_eq!(v["sent"], 150);
    assert_eq!(v["failed"], 0);
    assert_eq!(v["ok"].as_u64(), Some(150 - throttled));
    assert!(out.stdout.contains("ESME_RTHROTTLED: "), "{}", out.stdout);

    let smsc = Smsc::start(&["--reject-rate", "0.5"]);
    let out = smsc.run("bench", &["--count", "1000", "--json"]);
    out.expect_code(1);
    let v = bench_json(&out.stdout);
    let rejected = v["errors_by_status"]["ESME_RSUBMITFAIL"].as_u64().unwrap();
    assert!((350..650).contains(&rejected), "about half: {v}");
}

/// Reads one PDU: (command_id, sequence_number).
fn read_pdu(s: &mut std::net::TcpStream) -> (u32, u32) {
    use std::io::Read;
    let mut header = [0u8; 16];
    s.read_exact(&mut header).expect("a PDU header");
    let word =
        |i: usize| u32::from_be_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let mut body = vec![0u8; (word(0) as usize).saturating_sub(16)];
    s.read_exact(&mut body).expect("a PDU body");
    (word(4), word(12))
}

/// A response PDU with status 0 and a C-string body.
fn response(command_id: u32, seq: u32, text: &str) -> Vec<u8> {
    let len = 16 + text.len() + 1;
    let mut v = Vec::with_capacity(len);
    for w in [len as u32, command_id, 0, seq] {
        v.extend_from_slice(&w.to_be_bytes());
    }
    v.extend_from_slice(text.as_bytes());
    v.push(0);
    v
}

#[test]
fn bench_counts_what_was_sent_apart_from_what_was_answered() {
    for runtime in ["smol", "blocking", "tokio"] {
        sent_apart_from_answered(runtime);
    }
}

fn sent_apart_from_answered(runtime: &str) {
    use std::io::Write;
    // An SMSC that accepts the bind, reads the first 10 submit_sm (the whole window),
    // answers 3 of them and hangs up: 10 to 13 were sent, 3 answered, the rest of the 100
    // never answered (the link was lost) and most never sent.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let peer = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let (id, seq) = read_pdu(&mut s);
        assert_eq!(id, 0x0000_0009, "bind_transceiver");
        s.write_all(&response(0x8000_0009, seq, "half")).unwrap();
        let submits: Vec<u32> = (0..10)
            .map(|_| {
                let (id, seq) = read_pdu(&mut s);
                assert_eq!(id, 0x0000_0004, "submit_sm");
                seq
            })
            .collect();
        for (i, seq) in submits.iter().take(3).enumerate() {
            s.write_all(&response(0x8000_0004, *seq, &format!("m{i}")))
                .unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(s);
    });
    let out = run(&[
        "bench",
        "--runtime",
        runtime,
        "--connect",
        &addr,
        "--count",
        "100",
        "--window",
        "10",
        "--json",
    ]);
    peer.join().unwrap();
    out.expect_code(1);
    let v = bench_json(&out.stdout);
    assert_eq!(v["attempted"], 100, "{runtime}: {v}");
    assert_eq!(v["answered"], 3, "{runtime}: {v}");
    assert_eq!(v["ok"], 3, "{runtime}: {v}");
    assert_eq!(v["errors"], 0, "{runtime}: {v}");
    let sent = v["sent"].as_u64().unwrap();
    assert!((10..=13).contains(&sent), "{runtime}: sent {sent}: {v}");
    assert_eq!(v["failed"], 97, "{runtime}: {v}");
    let lost: u64 = v["failed_by_kind"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("connection lost"))
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    assert_eq!(lost, 97, "{runtime}: {v}");
    assert!(
        out.stdout.contains("3 answered of 100") && out.stdout.contains("no response: 97"),
        "{runtime}: {}",
        out.stdout
    );
}

#[test]
fn bench_reports_missing_and_unmatched_receipts() {
    // Receipts 1.5 s after each message: a bench waiting 300 ms for them misses all (and
    // fails), without waiting for them; the next run gets them, as receipts for no message
    // of its own, besides its own.
    let smsc = Smsc::start(&["--receipt-delay-ms", "1500"]);
    let started = std::time::Instant::now();
    let out = smsc.run(
        "bench",
        &[
            "--count",
            "20",
            "--receipts",
            "--receipt-timeout",
            "300ms",
            "--json",
        ],
    );
    let took = started.elapsed();
    out.expect_code(1);
    let v = bench_json(&out.stdout);
    assert_eq!(v["ok"], 20, "{v}");
    assert_eq!(v["failed"], 0, "{v}");
    assert_eq!(v["receipts_expected"], 20, "{v}");
    assert_eq!(v["receipts"], 0, "{v}");
    assert_eq!(v["receipts_missing"], 20, "{v}");
    assert!(
        out.stdout
            .contains("receipts: 0 of 20 received (20 missing after waiting up to 0.300 s"),
        "{}",
        out.stdout
    );
    assert!(took >= std::time::Duration::from_millis(300), "{took:?}");
    assert!(took < std::time::Duration::from_millis(1500), "{took:?}");

    let out = smsc.run("bench", &["--count", "5", "--receipts", "--json"]);
    out.expect_code(0);
    let v = bench_json(&out.stdout);
    assert_eq!(v["receipts"], 5, "{v}");
    assert_eq!(v["receipts_missing"], 0, "{v}");
    assert_eq!(v["receipts_unmatched"], 20, "the first run's: {v}");
}

#[test]
fn the_bench_count_check_catches_each_inconsistency() {
    // A consistent report: 10 attempted, 9 sent, 8 answered (6 ok, 2 errors), 2 failed,
    // receipts 5 of 6.
    let good = serde_json::json!({
        "msgs_per_sec": 100.0, "attempted": 10, "sent": 9, "answered": 8, "ok": 6,
        "errors": 2, "errors_by_status": {"ESME_RTHROTTLED": 2},
        "failed": 2, "failed_by_kind": {"timeout": 1, "connection lost: x": 1},
        "p50_ms": 0.5, "p99_ms": 1.0, "max_ms": 2.0, "elapsed_s": 0.08,
        "binds": 1, "window": 8, "size": 60,
        "receipts_requested": true, "receipts": 5, "receipts_expected": 6,
        "receipts_missing": 1, "receipts_unmatched": 3,
        "receipt_p50_ms": 3.0, "receipt_p99_ms": 4.0, "receipt_max_ms": 4.0,
    });
    assert_eq!(check_bench_counts(&good), Ok(()));
    let broken: &[(&str, serde_json::Value, &str)] = &[
        ("sent", 7.into(), "sent >= answered"),
        ("ok", 7.into(), "ok + errors == answered"),
        ("failed", 1.into(), "answered + failed == attempted"),
        (
            "errors_by_status",
            serde_json::json!({"X": 1}),
            "sum(errors_by_status)",
        ),
        (
            "failed_by_kind",
            serde_json::json!({}),
            "sum(failed_by_kind)",
        ),
        ("receipts", 7.into(), "receipts <= receipts_expected"),
        ("receipts_missing", 0.into(), "receipts_missing =="),
        (
            "receipts_requested",
            false.into(),
            "no receipt counts without --receipts",
        ),
        ("p99_ms", 3.0.into(), "p50_ms <= p99_ms <= max_ms"),
        (
            "receipt_p50_ms",
            5.0.into(),
            "receipt_p50_ms <= receipt_p99_ms",
        ),
        (
            "answered",
            serde_json::Value::Null,
            "answered is not a count",
        ),
    ];
    for (key, value, needle) in broken {
        let mut v = good.clone();
        v[*key] = value.clone();
        let e = check_bench_counts(&v).expect_err(key);
        assert!(e.contains(needle), "{key}: {e}");
    }
    let mut v = good.clone();
    v["receipts_expected"] = 5.into();
    v["receipts_missing"] = 0.into();
    let e = check_bench_counts(&v).unwrap_err();
    assert!(e.contains("receipts_expected == ok"), "{e}");
}

#[test]
fn bench_fails_when_the_bind_fails() {
    let smsc = Smsc::start(&[]);
    let out = smsc.run("bench", &["--password", "nope", "--count", "10"]);
    out.expect_code(1);
    assert!(
        out.stderr.contains("bind failed: ESME_RBINDFAIL"),
        "{}",
        out.stderr
    );
}

#[test]
fn bench_retries_throttled_messages_by_default() {
    // The SMSC accepts 50 a second: a 150-message run at window 10 is throttled in every
    // second, each throttled message is sent again after the pause, and none fails.
    let smsc = Smsc::start(&["--throttle-rate", "50"]);
    let out = smsc.run("bench", &["--count", "150", "--window", "10", "--json"]);
    out.expect_code(0);
    let v = bench_json(&out.stdout);
    assert_eq!(v["ok"], 150, "{v}");
    assert_eq!(v["errors"], 0, "{v}");
    assert_eq!(v["answered"], 150);
    assert!(
        v["sent"].as_u64().unwrap() > 150,
        "throttled messages were sent again: {v}"
    );
}
