//! `smpp smsc --runtime smol|blocking|tokio`: the same simulator on each runtime's server,
//! exercised from outside with the CLI's clients (receipts, MO on bind, bench, outbind).

mod cli_common;

use cli_common::{bench_json, run, Proc, Smsc};

const RUNTIMES: [&str; 3] = ["smol", "blocking", "tokio"];

/// Another runtime (for a client of another kind): smol's server meets the blocking
/// client, blocking's the tokio client, tokio's the smol client.
fn other(runtime: &str) -> &'static str {
    match runtime {
        "smol" => "blocking",
        "blocking" => "tokio",
        _ => "smol",
    }
}

#[test]
fn send_waits_for_a_receipt_on_each_server() {
    for runtime in RUNTIMES {
        let smsc = Smsc::start(&["--runtime", runtime, "--receipt-delay-ms", "10"]);
        for client in [runtime, other(runtime)] {
            let out = smsc.run(
                "send",
                &[
                    "--runtime",
                    client,
                    "--to",
                    "+447700900123",
                    "--from",
                    "Shop",
                    "--wait-receipt",
                    "--timeout",
                    "30s",
                    "Hello from",
                    client,
                ],
            );
            out.expect_code(0);
            let id = out
                .stdout
                .lines()
                .find_map(|l| l.strip_prefix("part 1/1 message_id="))
                .unwrap_or_else(|| panic!("{runtime}/{client}: no message id\n{}", out.stdout))
                .to_string();
            let receipt = out
                .stdout
                .lines()
                .find(|l| l.starts_with("receipt 1/1 "))
                .unwrap_or_else(|| panic!("{runtime}/{client}: no receipt\n{}", out.stdout));
            assert!(receipt.contains(&format!("id={id}")), "{receipt}");
            assert!(receipt.contains("stat=DELIVRD"), "{receipt}");
        }
        let out = smsc.stop();
        out.expect_code(0);
        assert!(
            out.stderr.contains("2 accepted") && out.stderr.contains("2 receipts"),
            "{runtime}: {}",
            out.stderr
        );
    }
}

#[test]
fn listen_gets_the_mo_on_bind_from_each_server() {
    let long = "An MO on bind long enough to need several parts, put back together. ".repeat(3);
    for runtime in RUNTIMES {
        let smsc = Smsc::start(&[
            "--runtime",
            runtime,
            "--mo-on-bind",
            "hello",
            "--mo-on-bind",
            &long,
        ]);
        for client in [runtime, other(runtime)] {
            let out = smsc.run(
                "listen",
                &["--runtime", client, "--count", "2", "--timeout", "30s"],
            );
            out.expect_code(0);
            let lines: Vec<&str> = out.stdout.lines().collect();
            assert_eq!(lines.len(), 2, "{runtime}/{client}: {}", out.stdout);
            assert!(
                lines[0].starts_with("message from 447700900999 to 12345")
                    && lines[0].contains("\"hello\""),
                "{runtime}/{client}: {}",
                lines[0]
            );
            assert!(
                lines[1].contains("parts)") && lines[1].contains(long.trim_end()),
                "{runtime}/{client}: {}",
                lines[1]
            );
        }
        smsc.stop().expect_code(0);
    }
}

#[test]
fn bench_gets_every_answer_from_each_server() {
    for runtime in RUNTIMES {
        let smsc = Smsc::start(&["--runtime", runtime]);
        for client in [runtime, other(runtime)] {
            let out = smsc.run(
                "bench",
                &[
                    "--runtime",
                    client,
                    "--binds",
                    "2",
                    "--window",
                    "32",
                    "--count",
                    "2000",
                    "--receipts",
                    "--json",
                ],
            );
            out.expect_code(0);
            let j = bench_json(&out.stdout);
            assert_eq!(j["ok"], 2000, "{runtime}/{client}: {j}");
            assert_eq!(j["errors"], 0, "{runtime}/{client}: {j}");
            assert_eq!(j["receipts"], 2000, "{runtime}/{client}: {j}");
            assert_eq!(j["receipts_missing"], 0, "{runtime}/{client}: {j}");
        }
        smsc.stop().expect_code(0);
    }
}

/// A port of 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn outbind_reaches_listen_from_each_server() {
    // Each server with a client of another runtime (so every runtime's outbind listener is
    // covered), and tokio with tokio.
    let pairs = RUNTIMES
        .iter()
        .map(|&runtime| (runtime, other(runtime)))
        .chain([("tokio", "tokio")]);
    for (runtime, client) in pairs {
        let addr = format!("127.0.0.1:{}", free_port());
        let listen = Proc::spawn(&[
            "listen",
            "--runtime",
            client,
            "--outbind-listen",
            &addr,
            "--count",
            "1",
            "--timeout",
            "30s",
        ]);
        listen.wait_stderr_line("waiting for outbind on");
        let smsc = Smsc::start(&[
            "--runtime",
            runtime,
            "--outbind",
            &format!("{addr}=smppclient1"),
            "--mo-on-bind",
            "hello",
        ]);
        let out = listen.wait();
        out.expect_code(0);
        assert!(
            out.stdout.starts_with("message from 447700900999 to 12345")
                && out.stdout.contains("\"hello\""),
            "{runtime}/{client}: {}",
            out.stdout
        );
        assert!(
            out.stderr.contains("bound to the SMSC that sent outbind"),
            "{runtime}/{client}: {}",
            out.stderr
        );
        smsc.stop().expect_code(0);
    }
}

#[test]
fn an_unknown_server_runtime_is_a_usage_error() {
    let out = run(&["smsc", "--runtime", "bogus"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("unknown runtime") && out.stderr.contains("tokio"),
        "{}",
        out.stderr
    );
    let out = run(&["smsc", "--help"]);
    out.expect_code(0);
    assert!(
        out.stdout.contains("--runtime <RT>")
            && out.stdout.contains("blocking")
            && out.stdout.contains("tokio (smpp-tokio"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_journal_is_the_same_on_each_server() {
    for runtime in RUNTIMES {
        let path = cli_common::temp_path(&format!("runtime-journal-{runtime}.jsonl"));
        let smsc = Smsc::start(&[
            "--runtime",
            runtime,
            "--jsonl",
            path.to_str().unwrap(),
            "--mo-on-bind",
            "welcome",
        ]);
        // The MO of the first bind is waited for; the one of the second may race with its
        // unbind.
        smsc.run("listen", &["--count", "1", "--timeout", "30s"])
            .expect_code(0);
        let out = smsc.run("send", &["--to", "447700900123", "--wait-receipt", "Hi"]);
        out.expect_code(0);
        smsc.run("send", &["--password", "bad", "--to", "1", "x"])
            .expect_code(1);
        smsc.stop().expect_code(0);
        let text = std::fs::read_to_string(&path).expect("journal written");
        let _ = std::fs::remove_file(&path);
        let events: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        let count = |kind: &str| events.iter().filter(|e| e["event"] == kind).count();
        for (kind, n) in [
            ("bind", 2),
            ("bind_rejected", 1),
            ("submit", 1),
            ("receipt", 1),
            ("mo", 2),
            ("unbind", 2),
        ] {
            assert_eq!(count(kind), n, "{runtime}: {kind}\n{text}");
        }
        let receipt = events.iter().find(|e| e["event"] == "receipt").unwrap();
        assert_eq!(receipt["delivery"], "delivered", "{runtime}: {receipt}");
        let mo = events
            .iter()
            .find(|e| e["event"] == "mo" && e["bind_id"] == 1)
            .unwrap_or_else(|| panic!("{runtime}: no MO to bind 1\n{text}"));
        assert_eq!(mo["responses"][0], "ESME_ROK", "{runtime}: {mo}");
    }
}

/// A CA and a server certificate it signed for `localhost` and 127.0.0.1.
fn pki() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "smpp smsc runtime test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

#[test]
fn tls_listens_on_each_server() {
    let (ca_pem, cert_pem, key_pem) = pki();
    let dir = cli_common::temp_path("smsc-runtime-tls");
    std::fs::create_dir_all(&dir).unwrap();
    let (ca, cert, key) = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&ca, ca_pem).unwrap();
    std::fs::write(&cert, cert_pem).unwrap();
    std::fs::write(&key, key_pem).unwrap();
    for runtime in RUNTIMES {
        let smsc = Smsc::start(&[
            "--runtime",
            runtime,
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--tls-listen",
            "127.0.0.1:0",
        ]);
        let line = smsc.proc.wait_stderr_line("listening (TLS) on ");
        let port = line.rsplit(':').next().unwrap().to_string();
        let out = run(&[
            "send",
            "--connect",
            &format!("localhost:{port}"),
            "--ca",
            ca.to_str().unwrap(),
            "--to",
            "+447700900123",
            "--wait-receipt",
            "--timeout",
            "30s",
            "Hello over TLS",
        ]);
        out.expect_code(0);
        assert!(
            out.stdout.contains("stat=DELIVRD"),
            "{runtime}: {}",
            out.stdout
        );
        smsc.stop().expect_code(0);
    }
    // A key file that is not one is a usage error, before any runtime starts.
    let out = run(&[
        "smsc",
        "--runtime",
        "blocking",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        ca.to_str().unwrap(),
    ]);
    out.expect_code(2);
    let _ = std::fs::remove_dir_all(&dir);
}
