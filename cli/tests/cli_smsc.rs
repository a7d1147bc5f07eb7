//! `smpp smsc` with `smpp send` and `smpp listen`, as separate processes over 127.0.0.1.

mod cli_common;

use cli_common::{Smsc, LIMIT};
use std::collections::HashSet;

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

/// The `id=...` of every receipt line.
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
fn send_waits_for_the_receipt_of_a_short_message() {
    let smsc = Smsc::start(&[]);
    let out = smsc.run(
        "send",
        &[
            "--to",
            "+447700900123",
            "--from",
            "Shop",
            "--wait-receipt",
            "Hello",
            "world",
        ],
    );
    out.expect_code(0);
    let ids = part_ids(&out.stdout);
    assert_eq!(ids.len(), 1, "{}", out.stdout);
    assert!(out.stdout.contains("part 1/1 message_id="));
    let receipt = out
        .stdout
        .lines()
        .find(|l| l.starts_with("receipt 1/1 "))
        .unwrap_or_else(|| panic!("no receipt line:\n{}", out.stdout));
    assert!(receipt.contains(&format!("id={}", ids[0])), "{receipt}");
    for field in [
        "stat=DELIVRD",
        "err=000",
        "sub=001",
        "dlvrd=001",
        "submit_date=",
        "done_date=",
    ] {
        assert!(receipt.contains(field), "{field} missing in {receipt}");
    }
    assert!(receipt.ends_with("text=\"Hello world\""), "{receipt}");
}

#[test]
fn a_long_ucs2_message_is_split_and_every_part_receipted() {
    let smsc = Smsc::start(&["--receipt-delay-ms", "20"]);
    let text = "Привет, мир! Grüße 😀 ".repeat(8);
    for split in ["udh", "sar"] {
        let out = smsc.run(
            "send",
            &[
                "--to",
                "447700900123",
                "--split",
                split,
                "--wait-receipt",
                &text,
            ],
        );
        out.expect_code(0);
        let ids = part_ids(&out.stdout);
        assert!(
            ids.len() >= 2,
            "{split}: several parts expected:\n{}",
            out.stdout
        );
        assert_eq!(
            ids.iter().collect::<HashSet<_>>().len(),
            ids.len(),
            "unique ids"
        );
        assert!(out.stderr.contains("UCS2"), "{}", out.stderr);
        let mut receipted = receipt_ids(&out.stdout);
        receipted.sort();
        let mut expected = ids.clone();
        expected.sort();
        assert_eq!(receipted, expected, "one receipt per part:\n{}", out.stdout);
        for n in 1..=ids.len() {
            assert!(out.stdout.contains(&format!("receipt {n}/{} ", ids.len())));
        }
    }
    // message_payload: one submit_sm, one receipt.
    let out = smsc.run(
        "send",
        &[
            "--to",
            "447700900123",
            "--split",
            "payload",
            "--wait-receipt",
            &text,
        ],
    );
    out.expect_code(0);
    assert_eq!(part_ids(&out.stdout).len(), 1);
    assert_eq!(receipt_ids(&out.stdout).len(), 1);
}

#[test]
fn mo_on_bind_reaches_listen() {
    let long = "This MO is longer than one message can carry, so it comes in parts. ".repeat(3);
    let smsc = Smsc::start(&[
        "--mo-on-bind",
        "first X",
        "--mo-on-bind",
        &long,
        "--mo-on-bind",
        "é Y",
    ]);
    let out = smsc.run("listen", &["--count", "3", "--timeout", "30s"]);
    out.expect_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert!(lines[0].contains("\"first X\""), "{}", lines[0]);
    assert!(
        lines[0].starts_with("message from 447700900999 to 12345"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("parts)") && lines[1].contains(long.trim_end()),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains("\"é Y\""), "{}", lines[2]);

    // The bind's address_range is the destination.
    let out = smsc.run("listen", &["--count", "1", "--address-range", "4477"]);
    out.expect_code(0);
    assert!(
        out.stdout.starts_with("message from 447700900999 to 4477 "),
        "{}",
        out.stdout
    );
}

#[test]
fn echo_comes_back_to_listen() {
    let smsc = Smsc::start(&["--echo", "555"]);
    let listen = smsc.spawn("listen", &["--count", "2", "--timeout", "30s"]);
    listen.wait_stderr_line("bound to");
    let long = "Echo this long text back to me please, all of it, in order. ".repeat(4);
    for text in ["ping", long.as_str()] {
        smsc.run(
            "send",
            &[
                "--bind",
                "tx",
                "--to",
                "555",
                "--from",
                "447700900111",
                text,
            ],
        )
        .expect_code(0);
    }
    let out = listen.wait();
    out.expect_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(
        lines[0].starts_with("message from 555 to 447700900111"),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with("\"ping\""), "{}", lines[0]);
    assert!(
        lines[1].contains(" parts): ") && lines[1].contains(&format!("{long:?}")),
        "{}",
        lines[1]
    );
}

#[test]
fn wrong_password_fails_the_bind() {
    let smsc = Smsc::start(&["--account", "acme:secret"]);
    for command in ["send", "listen"] {
        let mut args = vec!["--password", "password"];
        if command == "send" {
            args.extend(["--to", "1", "hi"]);
        }
        let out = smsc.run(command, &args);
        out.expect_code(1);
        assert!(
            out.stderr
                .contains("bind failed: ESME_RBINDFAIL (0x0000000D)"),
            "{command}: {}",
            out.stderr
        );
    }
    // The configured account works; the default one no longer does.
    smsc.run(
        "send",
        &[
            "--system-id",
            "acme",
            "--password",
            "secret",
            "--to",
            "1",
            "hi",
        ],
    )
    .expect_code(0);
    smsc.run("send", &["--to", "1", "hi"]).expect_code(1);
}

#[test]
fn reject_rate_one_fails_send() {
    let smsc = Smsc::start(&["--reject-rate", "1"]);
    let out = smsc.run("send", &["--to", "447700900123", "Hello"]);
    out.expect_code(1);
    assert!(
        out.stdout.contains("part 1/1 rejected: ESME_RSUBMITFAIL"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("1 of 1 parts not accepted"),
        "{}",
        out.stderr
    );
}

#[test]
fn send_times_out_waiting_for_a_late_receipt() {
    let smsc = Smsc::start(&["--receipt-delay-ms", "60000"]);
    let started = std::time::Instant::now();
    let out = smsc.run(
        "send",
        &[
            "--to",
            "447700900123",
            "--wait-receipt",
            "--timeout",
            "2s",
            "Hi",
        ],
    );
    out.expect_code(1);
    assert!(
        out.stdout.contains("part 1/1 message_id="),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("timed out after 2s (received 0 of 1 receipts)"),
        "{}",
        out.stderr
    );
    assert!(started.elapsed() < LIMIT);
}

#[test]
fn journal_records_binds_submissions_receipts_and_unbinds() {
    let path = cli_common::temp_path("journal.jsonl");
    let path_text = path.to_str().unwrap().to_string();
    let smsc = Smsc::start(&["--jsonl", &path_text, "--mo-on-bind", "welcome"]);
    let out = smsc.run(
        "send",
        &[
            "--to",
            "447700900123",
            "--from",
            "Shop",
            "--wait-receipt",
            "Hello",
        ],
    );
    out.expect_code(0);
    let short_id = part_ids(&out.stdout)[0].clone();
    let long = "Ünïcödé long message for the journal 😀 ".repeat(5);
    let out = smsc.run("send", &["--to", "447700900123", "--split", "sar", &long]);
    out.expect_code(0);
    let long_ids = part_ids(&out.stdout);
    smsc.run("send", &["--password", "bad", "--to", "1", "x"])
        .expect_code(1);
    let stopped = smsc.stop();
    stopped.expect_code(0);
    assert!(stopped.stderr.contains("stopped:"), "{}", stopped.stderr);

    let text = std::fs::read_to_string(&path).expect("journal written");
    let _ = std::fs::remove_file(&path);
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let of = |kind: &str| -> Vec<&serde_json::Value> {
        events.iter().filter(|e| e["event"] == kind).collect()
    };
    for e in &events {
        assert!(e["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{e}");
    }

    let binds = of("bind");
    assert_eq!(binds.len(), 2, "{text}");
    assert!(binds
        .iter()
        .all(|b| b["account"] == "smppclient1" && b["bind_type"] == "transceiver"));
    let rejected = of("bind_rejected");
    assert_eq!(rejected.len(), 1, "{text}");
    assert_eq!(rejected[0]["status"], "ESME_RBINDFAIL");
    assert_eq!(of("unbind").len(), 2, "{text}");

    let submits = of("submit");
    assert_eq!(submits.len(), 1 + long_ids.len(), "{text}");
    assert_eq!(submits[0]["message_id"], short_id.as_str());
    assert_eq!(submits[0]["text"], "Hello");
    assert_eq!(submits[0]["source"], "Shop");
    assert_eq!(submits[0]["registered_delivery"], 1);
    assert_eq!(submits[1]["part"]["method"], "sar");
    assert_eq!(submits[1]["part"]["total"], long_ids.len());
    assert_eq!(submits[1]["data_coding"], 8);

    let messages = of("message");
    assert_eq!(messages.len(), 1, "{text}");
    assert_eq!(messages[0]["text"], long.as_str());
    assert_eq!(messages[0]["parts"], long_ids.len());
    assert_eq!(messages[0]["method"], "sar");

    let receipts = of("receipt");
    assert_eq!(receipts.len(), 1, "{text}");
    assert_eq!(receipts[0]["message_id"], short_id.as_str());
    assert_eq!(receipts[0]["delivery"], "delivered");
    assert_eq!(receipts[0]["destination"], "Shop");
    assert!(receipts[0]["text"]
        .as_str()
        .unwrap()
        .contains("stat:DELIVRD"));

    let mo = of("mo");
    assert_eq!(mo.len(), 2, "one per bind: {text}");
    assert!(mo
        .iter()
        .all(|m| m["text"] == "welcome" && m["reason"] == "on_bind"));
}
