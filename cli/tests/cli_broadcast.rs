//! `smpp send --broadcast`, `--query-broadcast` and `--cancel-broadcast` against
//! `smpp smsc --version 5.0` (and a default 3.4 one), as separate processes over 127.0.0.1.

mod cli_common;

use cli_common::Smsc;

/// The `message_id=...` of the `broadcast message_id=...` line.
fn broadcast_id(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("broadcast message_id="))
        .unwrap_or_else(|| panic!("no broadcast line in {stdout:?}"))
        .to_string()
}

/// The hex of the PDU on the `-> COMMAND` trace line.
fn sent_hex(stderr: &str, command: &str) -> String {
    stderr
        .lines()
        .find(|l| l.contains(&format!("-> {command} ")))
        .and_then(|l| l.rsplit(" | ").next())
        .unwrap_or_else(|| panic!("no {command} traced in {stderr}"))
        .to_string()
}

#[test]
fn broadcast_query_and_cancel_against_a_5_0_smsc() {
    let smsc = Smsc::start(&["--version", "5.0"]);
    let out = smsc.run(
        "send",
        &[
            "--trace",
            "--from",
            "Council",
            "--broadcast",
            "--area",
            "name:Zone1",
            "--area",
            "polygon:0a1b2c3d",
            "--content-type",
            "cdma:0x0010",
            "--repetitions",
            "3",
            "--frequency",
            "2h",
            "Road",
            "closed",
        ],
    );
    out.expect_code(0);
    let id = broadcast_id(&out.stdout);
    assert!(!id.is_empty());
    // The bind asked for 5.0 and the SMSC answered sc_interface_version 0x50.
    let bind = sent_hex(&out.stderr, "bind_transceiver");
    assert!(bind.ends_with("000050000000"), "{bind}");
    assert!(
        out.stderr.contains("interface_version=0x50"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .lines()
            .any(|l| l.contains("<- bind_transceiver_resp") && l.ends_with("000210000150")),
        "{}",
        out.stderr
    );
    // broadcast_sm: source, the two areas, content type, repetitions, frequency and the
    // text in message_payload (GSM 7-bit, unpacked).
    let sm = sent_hex(&out.stderr, "broadcast_sm");
    let council = "436f756e63696c00";
    for part in [
        council,
        "0606000600 5a6f6e6531",           // name:Zone1
        "0606000502 0a1b2c3d",             // polygon
        "0601000303 0010",                 // cdma, content type 0x0010
        "06040002 0003",                   // 3 repetitions
        "06050003 0a 0002",                // every 2 hours
        "0424000b 526f616420636c6f736564", // "Road closed"
    ] {
        let part = part.replace(' ', "");
        assert!(sm.contains(&part), "{part} missing in {sm}");
    }

    // The query answers the state and the areas as they were sent.
    let out = smsc.run("send", &["--from", "Council", "--query-broadcast", &id]);
    out.expect_code(0);
    assert_eq!(
        out.stdout.trim(),
        format!(
            "broadcast message_id={id} state=ENROUTE areas=name:Zone1,polygon:0a1b2c3d \
             area_success=100"
        )
    );

    let out = smsc.run("send", &["--from", "Council", "--cancel-broadcast", &id]);
    out.expect_code(0);
    assert_eq!(out.stdout.trim(), format!("cancelled message_id={id}"));

    let out = smsc.run("send", &["--query-broadcast", &id]);
    out.expect_code(0);
    assert!(out.stdout.contains(" state=DELETED "), "{}", out.stdout);

    // A second cancel, and a query of an id never given, are refused by the SMSC.
    let out = smsc.run("send", &["--cancel-broadcast", &id]);
    out.expect_code(1);
    assert!(
        out.stderr
            .contains("cancel_broadcast_sm rejected: ESME_RBCASTCANCELFAIL (0x0000010F)"),
        "{}",
        out.stderr
    );
    let out = smsc.run("send", &["--query-broadcast", "nosuchid"]);
    out.expect_code(1);
    assert!(
        out.stderr
            .contains("query_broadcast_sm rejected: ESME_RBCASTQUERYFAIL"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_defaults_and_a_zero_frequency() {
    let smsc = Smsc::start(&["--version", "5.0"]);
    let out = smsc.run(
        "send",
        &["--trace", "--broadcast", "--area", "raw:0301", "Hi"],
    );
    out.expect_code(0);
    let sm = sent_hex(&out.stderr, "broadcast_sm");
    // gsm:0x0000, one repetition, every minute.
    for part in [
        "06060002 0301",
        "06010003 01 0000",
        "06040002 0001",
        "06050003 09 0001",
    ] {
        let part = part.replace(' ', "");
        assert!(sm.contains(&part), "{part} missing in {sm}");
    }
    let out = smsc.run(
        "send",
        &[
            "--trace",
            "--broadcast",
            "--area",
            "name:A",
            "--frequency",
            "0",
            "Hi",
        ],
    );
    out.expect_code(0);
    let sm = sent_hex(&out.stderr, "broadcast_sm");
    assert!(sm.contains("06050003000000"), "{sm}");
}

#[test]
fn a_3_4_smsc_has_no_broadcasts() {
    let smsc = Smsc::start(&[]);
    for args in [
        &["--trace", "--broadcast", "--area", "name:Zone1", "Hello"][..],
        &["--trace", "--query-broadcast", "0000000001"][..],
        &["--trace", "--cancel-broadcast", "0000000001"][..],
    ] {
        let out = smsc.run("send", args);
        out.expect_code(1);
        let command = match args[1] {
            "--broadcast" => "broadcast_sm",
            "--query-broadcast" => "query_broadcast_sm",
            _ => "cancel_broadcast_sm",
        };
        assert!(
            out.stderr.contains(&format!(
                "negotiated SMPP 3.4: {command} needs SMPP 5.0 (an SMSC of SMPP 3.4 answers \
                 it generic_nack ESME_RINVCMDID); nothing was sent"
            )),
            "{}",
            out.stderr
        );
        // It asked for 5.0, the SMSC answered 0x34, and nothing but the bind and unbind
        // went out; the link was unbound cleanly.
        assert!(
            out.stderr.contains("interface_version=0x50"),
            "{}",
            out.stderr
        );
        assert!(
            !out.stderr.contains(&format!("-> {command} ")),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("-> unbind "), "{}", out.stderr);
        assert!(
            out.stderr.contains("state CLOSED (unbound)"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn broadcast_usage_errors() {
    for (args, needle) in [
        (&["send", "--broadcast", "Hi"][..], "--area"),
        (
            &["send", "--broadcast", "--area", "Zone1", "Hi"][..],
            "expected FORMAT:AREA",
        ),
        (
            &["send", "--broadcast", "--area", "circle:01", "Hi"][..],
            "unknown area format",
        ),
        (
            &["send", "--to", "1", "--broadcast", "--area", "name:A", "Hi"][..],
            "cannot be used",
        ),
        (
            &[
                "send",
                "--broadcast",
                "--area",
                "name:A",
                "--content-type",
                "lte:1",
                "Hi",
            ][..],
            "lte",
        ),
        (
            &[
                "send",
                "--broadcast",
                "--area",
                "name:A",
                "--frequency",
                "1500ms",
                "Hi",
            ][..],
            "whole seconds",
        ),
        (
            &[
                "send",
                "--broadcast",
                "--area",
                "name:A",
                "--repetitions",
                "65536",
                "Hi",
            ][..],
            "65536",
        ),
        (
            &["send", "--query-broadcast", "1", "Hi"][..],
            "cannot be used",
        ),
        (
            &["send", "--area", "name:A", "--to", "1", "Hi"][..],
            "--broadcast",
        ),
    ] {
        let out = cli_common::run(args);
        out.expect_code(2);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
    }
    let help = cli_common::run(&["send", "--help"]);
    help.expect_code(0);
    for needle in [
        "--broadcast",
        "--query-broadcast",
        "--cancel-broadcast",
        "smpp send --broadcast --area name:Zone1",
    ] {
        assert!(help.stdout.contains(needle), "{needle}: {}", help.stdout);
    }
}

#[test]
fn smsc_supported_takes_the_5_0_names() {
    // Broadcasts served, query not: the query is answered generic_nack ESME_RINVCMDID.
    let smsc = Smsc::start(&["--version", "5.0", "--supported", "submit_sm,BROADCAST_SM"]);
    let out = smsc.run("send", &["--broadcast", "--area", "name:A", "Hi"]);
    out.expect_code(0);
    let id = broadcast_id(&out.stdout);
    let out = smsc.run("send", &["--query-broadcast", &id]);
    out.expect_code(1);
    assert!(
        out.stderr
            .contains("query_broadcast_sm rejected: ESME_RINVCMDID"),
        "{}",
        out.stderr
    );
    let bad = cli_common::run(&["smsc", "--supported", "broadcast"]);
    bad.expect_code(2);
    assert!(bad.stderr.contains("cancel_broadcast_sm"), "{}", bad.stderr);
}

#[test]
fn broadcast_options_without_broadcast_are_refused() {
    // Refused by the argument parser (exit 2) before any connection: no SMSC needed.
    for args in [
        &["--content-type", "cdma:0x0010"][..],
        &["--repetitions", "3"][..],
        &["--frequency", "2h"][..],
    ] {
        let mut argv = vec!["send", "--connect", "127.0.0.1:9"];
        argv.extend_from_slice(args);
        argv.push("Hi");
        let out = cli_common::run(&argv);
        out.expect_code(2);
        assert!(
            out.stderr
                .contains("the following required arguments were not provided")
                && out.stderr.contains("--broadcast"),
            "{args:?}: {}",
            out.stderr
        );
    }
}
