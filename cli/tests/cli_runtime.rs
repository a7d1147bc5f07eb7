//! `--runtime smol|blocking|tokio` of `smpp send`, `smpp listen` and `smpp bench`: the same
//! work through each runtime's client, against `smpp smsc` in its own process.

mod cli_common;

use cli_common::{bench_json, temp_path, Proc, Smsc};

const RUNTIMES: [&str; 3] = ["smol", "blocking", "tokio"];

/// The `message_id=...` of every `part i/n` line, in order.
fn part_ids(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.starts_with("part "))
        .map(|l| {
            l.split("message_id=")
                .nth(1)
                .unwrap_or_else(|| panic!("no message id in {l:?}"))
                .to_string()
        })
        .collect()
}

/// The `id=...` of every `receipt i/n` line, in order.
fn receipt_ids(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.starts_with("receipt "))
        .map(|l| {
            l.split(" id=")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .unwrap_or_else(|| panic!("no id in {l:?}"))
                .to_string()
        })
        .collect()
}

#[test]
fn send_waits_for_receipts_with_each_runtime() {
    let smsc = Smsc::start(&[]);
    let long = "Grüße from a text too long for one UCS2 message, so it goes in parts. ".repeat(2);
    for runtime in RUNTIMES {
        // One part.
        let out = smsc.run(
            "send",
            &[
                "--runtime",
                runtime,
                "--to",
                "+447700900123",
                "--from",
                "Shop",
                "--wait-receipt",
                "--timeout",
                "30s",
                "Hello",
                runtime,
            ],
        );
        out.expect_code(0);
        let ids = part_ids(&out.stdout);
        assert_eq!(ids.len(), 1, "{runtime}: {}", out.stdout);
        assert_eq!(receipt_ids(&out.stdout), ids, "{runtime}: {}", out.stdout);
        let receipt = out
            .stdout
            .lines()
            .find(|l| l.starts_with("receipt 1/1 "))
            .unwrap_or_else(|| panic!("{runtime}: no receipt line:\n{}", out.stdout));
        assert!(receipt.contains("stat=DELIVRD"), "{runtime}: {receipt}");
        assert!(
            receipt.contains(&format!("text=\"Hello {runtime}\"")),
            "{runtime}: {receipt}"
        );

        // Several parts, pipelined, each with its own receipt.
        let inline = format!("--runtime={runtime}");
        let out = smsc.run(
            "send",
            &[
                &inline,
                "--encoding",
                "ucs2",
                "--to",
                "+447700900123",
                "--wait-receipt",
                "--timeout",
                "30s",
                &long,
            ],
        );
        out.expect_code(0);
        let ids = part_ids(&out.stdout);
        assert!(ids.len() >= 2, "{runtime}: {}", out.stdout);
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len(), "{runtime}: {}", out.stdout);
        let mut got = receipt_ids(&out.stdout);
        let mut want = ids.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{runtime}: {}", out.stdout);
        assert!(
            out.stderr.contains("UCS2") && out.stderr.contains(&format!("{} parts", ids.len())),
            "{runtime}: {}",
            out.stderr
        );
    }
    smsc.stop().expect_code(0);
}

#[test]
fn listen_receives_mo_with_each_runtime() {
    let long = "This MO is longer than one message can carry, so it comes in parts. ".repeat(3);
    let smsc = Smsc::start(&[
        "--mo-on-bind",
        "welcome",
        "--mo-on-bind",
        &long,
        "--echo",
        "555",
    ]);
    for runtime in RUNTIMES {
        let listen = smsc.spawn(
            "listen",
            &[
                "--runtime",
                runtime,
                "--bind",
                "trx",
                "--count",
                "3",
                "--timeout",
                "30s",
            ],
        );
        let bound = listen.wait_stderr_line("bound to");
        assert!(
            bound.contains(&format!("(transceiver, {runtime} runtime)")),
            "{bound}"
        );
        // An MO that arrives after the bind: the echo of a message sent with the same runtime.
        let text = format!("echo via {runtime}");
        smsc.run(
            "send",
            &[
                "--runtime",
                runtime,
                "--bind",
                "tx",
                "--to",
                "555",
                "--from",
                "447700900111",
                &text,
            ],
        )
        .expect_code(0);
        let out = listen.wait();
        out.expect_code(0);
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines.len(), 3, "{runtime}: {}", out.stdout);
        assert_eq!(
            lines[0], "message from 447700900999 to 12345 (GSM7): \"welcome\"",
            "{runtime}"
        );
        assert!(
            lines[1].starts_with("message from 447700900999 to 12345 (")
                && lines[1].contains(" parts): ")
                && lines[1].contains(&format!("{long:?}")),
            "{runtime}: {}",
            lines[1]
        );
        assert!(
            lines[2].starts_with("message from 555 to 447700900111 ")
                && lines[2].ends_with(&format!("{text:?}")),
            "{runtime}: {}",
            lines[2]
        );
    }
    smsc.stop().expect_code(0);
}

#[test]
fn bench_counts_every_answer_with_each_runtime() {
    let smsc = Smsc::start(&[]);
    for runtime in RUNTIMES {
        let out = smsc.run(
            "bench",
            &[
                "--runtime",
                runtime,
                "--binds",
                "2",
                "--window",
                "16",
                "--count",
                "1001",
                "--json",
            ],
        );
        out.expect_code(0);
        let j = bench_json(&out.stdout);
        assert_eq!(j["ok"], 1001, "{runtime}: {j}");
        assert_eq!(j["sent"], 1001, "{runtime}: {j}");
        assert_eq!(j["answered"], 1001, "{runtime}: {j}");
        assert_eq!(j["failed"], 0, "{runtime}: {j}");
        assert_eq!(j["attempted"], 1001, "{runtime}: {j}");
        assert_eq!(j["errors"], 0, "{runtime}: {j}");
        assert_eq!(j["binds"], 2, "{runtime}: {j}");
        assert_eq!(j["window"], 16, "{runtime}: {j}");
        assert!(j["msgs_per_sec"].as_f64().unwrap() > 0.0, "{runtime}: {j}");
        assert!(
            out.stdout.contains("1001 answered of 1001"),
            "{runtime}: {}",
            out.stdout
        );
    }
    smsc.stop().expect_code(0);
}

#[test]
fn bench_receipts_are_matched_and_timed_with_each_runtime() {
    let smsc = Smsc::start(&[]);
    // Receipts 200 ms after each submission: the receipt latency is at least that.
    let slow = Smsc::start(&["--receipt-delay-ms", "200"]);
    for runtime in RUNTIMES {
        let out = smsc.run(
            "bench",
            &[
                "--runtime",
                runtime,
                "--binds",
                "2",
                "--window",
                "32",
                "--count",
                "600",
                "--receipts",
                "--json",
            ],
        );
        out.expect_code(0);
        let j = bench_json(&out.stdout);
        assert_eq!(j["ok"], 600, "{runtime}: {j}");
        assert_eq!(j["receipts_requested"], true, "{runtime}: {j}");
        assert_eq!(j["receipts_expected"], 600, "{runtime}: {j}");
        assert_eq!(j["receipts"], 600, "{runtime}: {j}");
        assert_eq!(j["receipts_missing"], 0, "{runtime}: {j}");
        assert_eq!(j["receipts_unmatched"], 0, "{runtime}: {j}");
        let ms = |k: &str| j[k].as_f64().unwrap_or_else(|| panic!("{k} in {j}"));
        assert!(ms("receipt_max_ms") > 0.0, "{runtime}: {j}");
        assert!(
            ms("receipt_p50_ms") <= ms("receipt_p99_ms"),
            "{runtime}: {j}"
        );
        assert!(
            ms("receipt_p99_ms") <= ms("receipt_max_ms"),
            "{runtime}: {j}"
        );
        assert!(
            out.stdout
                .contains("receipts: 600 of 600 received (0 missing"),
            "{runtime}: {}",
            out.stdout
        );
        assert!(
            out.stdout.contains("receipt latency ms: p50 "),
            "{runtime}: {}",
            out.stdout
        );

        let out = slow.run(
            "bench",
            &[
                "--runtime",
                runtime,
                "--count",
                "20",
                "--receipts",
                "--json",
            ],
        );
        out.expect_code(0);
        let j = bench_json(&out.stdout);
        assert_eq!(j["receipts"], 20, "{runtime}: {j}");
        let p50 = j["receipt_p50_ms"].as_f64().unwrap();
        assert!((200.0..5000.0).contains(&p50), "{runtime}: {j}");
        assert!(
            j["p50_ms"].as_f64().unwrap() < 200.0,
            "the response does not wait for the receipt: {j}"
        );
    }
    smsc.stop().expect_code(0);
    slow.stop().expect_code(0);
}

#[test]
fn rate_limited_latency_is_the_round_trip_not_the_gap_with_each_runtime() {
    // At 4 messages a second the requests are 250 ms apart; on loopback each is answered
    // within a few milliseconds, so the latency must be far below the gap (it once was the
    // gap: responses were timed when the pump woke for the next message).
    let smsc = Smsc::start(&[]);
    for runtime in RUNTIMES {
        let out = smsc.run(
            "bench",
            &[
                "--runtime",
                runtime,
                "--rate",
                "4",
                "--count",
                "5",
                "--json",
            ],
        );
        out.expect_code(0);
        let j = bench_json(&out.stdout);
        assert_eq!(j["ok"], 5, "{runtime}: {j}");
        let p50 = j["p50_ms"].as_f64().unwrap();
        assert!(p50 < 100.0, "{runtime}: p50 {p50} ms at --rate 4: {j}");
        // The pacing itself still holds: 5 messages at 4/s span at least a second.
        let elapsed = j["elapsed_s"].as_f64().unwrap();
        assert!(elapsed >= 0.95, "{runtime}: rate not kept: {j}");
    }
    smsc.stop().expect_code(0);
}

#[test]
fn bench_reports_rejections_with_each_runtime() {
    let smsc = Smsc::start(&["--reject-rate", "0.5"]);
    for runtime in RUNTIMES {
        let out = smsc.run(
            "bench",
            &[
                "--runtime",
                runtime,
                "--window",
                "8",
                "--count",
                "400",
                "--receipts",
                "--json",
            ],
        );
        out.expect_code(1);
        let j = bench_json(&out.stdout);
        let ok = j["ok"].as_u64().unwrap();
        let rejected = j["errors_by_status"]["ESME_RSUBMITFAIL"]
            .as_u64()
            .unwrap_or(0);
        assert!(ok > 0 && rejected > 0, "{runtime}: {j}");
        assert_eq!(ok + rejected, 400, "{runtime}: {j}");
        assert_eq!(j["errors"], rejected, "{runtime}: {j}");
        // A receipt for each accepted message only.
        assert_eq!(j["receipts_expected"], ok, "{runtime}: {j}");
        assert_eq!(j["receipts"], ok, "{runtime}: {j}");
        assert_eq!(j["receipts_missing"], 0, "{runtime}: {j}");
    }
    smsc.stop().expect_code(0);
}

#[test]
fn an_unknown_runtime_is_a_usage_error() {
    for (command, args) in [
        ("send", &["--to", "+447700900123", "hi"][..]),
        ("listen", &[][..]),
        ("bench", &["--count", "1"][..]),
    ] {
        let mut all = vec![command, "--runtime", "bogus", "--connect", "127.0.0.1:1"];
        all.extend_from_slice(args);
        let out = cli_common::run(&all);
        out.expect_code(2);
        assert!(
            out.stderr.contains("\"bogus\"")
                && out.stderr.contains("smol")
                && out.stderr.contains("blocking")
                && out.stderr.contains("tokio"),
            "{command}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{command}: {}", out.stdout);

        let out = cli_common::run(&[command, "--runtime"]);
        out.expect_code(2);
        assert!(
            out.stderr.contains("a value is required for '--runtime"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn help_mentions_the_runtime_option() {
    for command in ["send", "listen", "bench"] {
        let out = cli_common::run(&[command, "--help"]);
        out.expect_code(0);
        assert!(
            out.stdout.contains("--runtime <RT>")
                && out.stdout.contains("--runtime blocking")
                && out.stdout.contains("--runtime tokio")
                && out.stdout.contains("tokio (smpp-tokio"),
            "{command}: {}",
            out.stdout
        );
    }
}

/// A CA and a server certificate it signed for `localhost` and 127.0.0.1.
fn pki() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "smpp runtime test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

#[test]
fn tls_options_work_with_each_runtime() {
    let (ca_pem, cert_pem, key_pem) = pki();
    let dir = temp_path("runtime-tls");
    std::fs::create_dir_all(&dir).unwrap();
    let (ca, cert, key) = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&ca, ca_pem).unwrap();
    std::fs::write(&cert, cert_pem).unwrap();
    std::fs::write(&key, key_pem).unwrap();
    let smsc = Proc::spawn(&[
        "smsc",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--tls-listen",
        "127.0.0.1:0",
    ]);
    let line = smsc.wait_stderr_line("listening (TLS) on ");
    let tls_addr = line.rsplit(' ').next().unwrap().to_string();
    let port = tls_addr.rsplit(':').next().unwrap();
    let by_name = format!("localhost:{port}");
    let ca = ca.to_str().unwrap();

    for runtime in RUNTIMES {
        // Verified against the CA, by the name in the certificate, with a receipt.
        let out = cli_common::run(&[
            "send",
            "--runtime",
            runtime,
            "--connect",
            &by_name,
            "--ca",
            ca,
            "--to",
            "+447700900123",
            "--wait-receipt",
            "--timeout",
            "30s",
            "Hello over TLS",
        ]);
        out.expect_code(0);
        assert_eq!(part_ids(&out.stdout).len(), 1, "{runtime}: {}", out.stdout);
        assert!(
            out.stdout.contains("stat=DELIVRD"),
            "{runtime}: {}",
            out.stdout
        );

        // A bench over TLS.
        let out = cli_common::run(&[
            "bench",
            "--runtime",
            runtime,
            "--connect",
            &tls_addr,
            "--insecure",
            "--count",
            "200",
            "--json",
        ]);
        out.expect_code(0);
        assert_eq!(
            bench_json(&out.stdout)["ok"],
            200,
            "{runtime}: {}",
            out.stdout
        );

        // A wrong expected name fails with the certificate problem named.
        let out = cli_common::run(&[
            "listen",
            "--runtime",
            runtime,
            "--connect",
            &tls_addr,
            "--ca",
            ca,
            "--server-name",
            "smsc.example.com",
            "--timeout",
            "20s",
        ]);
        out.expect_code(1);
        assert!(
            out.stderr.contains("not valid for name"),
            "{runtime}: {}",
            out.stderr
        );
    }
    smsc.terminate();
    smsc.wait().expect_code(0);
    let _ = std::fs::remove_dir_all(&dir);
}
