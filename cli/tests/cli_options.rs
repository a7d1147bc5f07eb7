//! The command line itself: client bind fields and timers, the credentials' environment
//! variables, shell completions, `--help` and `--version`.

mod cli_common;
mod raw_pdu;

use cli_common::{run, Proc, Smsc, BIN};
use raw_pdu::{bind_resp, expect, write_pdu};
use smpp_core::pdu::{Body, Pdu};
use smpp_core::CommandStatus;
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A listener playing the SMSC: its address and the first connection accepted (bounded).
fn raw_smsc() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    l.set_nonblocking(true).unwrap();
    (l, addr)
}

fn accept(l: &TcpListener) -> TcpStream {
    let deadline = Instant::now() + cli_common::LIMIT;
    loop {
        match l.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                return s;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "no connection in time");
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
}

/// Answers `req` (a request frame) with `body` and `status`.
fn answer(s: &mut TcpStream, req: &raw_pdu::RawFrame, status: CommandStatus, body: Body<'_>) {
    write_pdu(
        s,
        &Pdu {
            command_status: status,
            sequence_number: req.sequence_number,
            body,
        },
    );
}

#[test]
fn send_puts_the_bind_fields_in_its_bind() {
    let (l, addr) = raw_smsc();
    let send = Proc::spawn(&[
        "send",
        "--connect",
        &addr,
        "--system-type",
        "VMA",
        "--addr-ton",
        "1",
        "--addr-npi",
        "1",
        "--address-range",
        "447*",
        "--timeout",
        "10s",
        "--to",
        "1",
        "hi",
    ]);
    let mut s = accept(&l);
    let bind = expect(&mut s);
    match bind.pdu().body {
        Body::BindTransceiver(b) => {
            assert_eq!(b.system_id, b"smppclient1");
            assert_eq!(b.system_type, b"VMA");
            assert_eq!(b.addr_ton.0, 1);
            assert_eq!(b.addr_npi.0, 1);
            assert_eq!(b.address_range, b"447*");
        }
        other => panic!("not a bind_transceiver: {other:?}"),
    }
    // Refused: the command fails (exit 1), having sent what it was told to.
    answer(
        &mut s,
        &bind,
        CommandStatus::ESME_RBINDFAIL,
        Body::BindTransceiverResp(bind_resp("")),
    );
    let out = send.wait();
    out.expect_code(1);
    assert!(out.stderr.contains("ESME_RBINDFAIL"), "{}", out.stderr);
}

#[test]
fn bind_field_limits_are_usage_errors_naming_the_option() {
    let long_type = "x".repeat(13);
    let long_range = "4".repeat(41);
    for (args, needle) in [
        (
            vec!["send", "--system-type", &long_type, "--to", "1", "hi"],
            "--system-type",
        ),
        (
            vec!["listen", "--address-range", &long_range],
            "--address-range",
        ),
        (
            vec!["bench", "--addr-ton", "256"],
            "--addr-ton must be between 0 and 255",
        ),
        (
            vec!["listen", "--addr-npi", "-1"],
            "invalid value \"-1\" for --addr-npi",
        ),
        (
            vec!["send", "--response-timeout", "0", "--to", "1", "hi"],
            "--response-timeout must be more than 0",
        ),
        (
            vec!["listen", "--response-timeout", "0ms"],
            "--response-timeout must be more than 0",
        ),
        (
            vec!["bench", "--enquire-link", "soon"],
            "--enquire-link: invalid duration",
        ),
    ] {
        let out = run(&args);
        out.expect_code(2);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
    // At the limits: accepted (the command fails later, at connect).
    let range = "4".repeat(40);
    let out = run(&[
        "send",
        "--connect",
        "127.0.0.1:1",
        "--system-type",
        "twelve-chars",
        "--address-range",
        &range,
        "--addr-ton",
        "255",
        "--to",
        "1",
        "hi",
    ]);
    out.expect_code(1);
}

#[test]
fn listen_enquire_link_probes_an_idle_smsc() {
    let (l, addr) = raw_smsc();
    let _listen = Proc::spawn(&["listen", "--connect", &addr, "--enquire-link", "1s"]);
    let mut s = accept(&l);
    let bind = expect(&mut s);
    assert_eq!(bind.command_id, 0x0000_0001, "bind_receiver: {bind:?}");
    answer(
        &mut s,
        &bind,
        CommandStatus::ESME_ROK,
        Body::BindReceiverResp(bind_resp("raw")),
    );
    // Nothing more from this side: the client asks whether the link is alive.
    let f = expect(&mut s);
    assert_eq!(f.command_id, 0x0000_0015, "{f:?}");
    answer(&mut s, &f, CommandStatus::ESME_ROK, Body::EnquireLinkResp);
}

#[test]
fn response_timeout_bounds_the_wait_for_an_answer() {
    let (l, addr) = raw_smsc();
    let send = Proc::spawn(&[
        "send",
        "--connect",
        &addr,
        "--response-timeout",
        "1s",
        "--timeout",
        "30s",
        "--to",
        "1",
        "hi",
    ]);
    let mut s = accept(&l);
    let bind = expect(&mut s);
    answer(
        &mut s,
        &bind,
        CommandStatus::ESME_ROK,
        Body::BindTransceiverResp(bind_resp("raw")),
    );
    // The submit_sm is never answered: the part fails on its own timeout, not the 30 s.
    let submit = expect(&mut s);
    assert_eq!(submit.command_id, 0x0000_0004, "{submit:?}");
    let reader = std::thread::spawn(move || {
        // Answer the unbind that follows, if any, until the client closes.
        while let Some(f) = raw_pdu::read(&mut s) {
            if f.command_id == 0x0000_0006 {
                answer(&mut s, &f, CommandStatus::ESME_ROK, Body::UnbindResp);
            }
        }
    });
    let out = send.wait();
    out.expect_code(1);
    assert!(out.stdout.contains("part 1/1 failed"), "{}", out.stdout);
    assert!(
        !out.stderr.contains("timed out after 30s"),
        "{}",
        out.stderr
    );
    let _ = reader.join();
}

/// `smpp ARGS` with extra environment variables (and no SMPP_* inherited).
fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("SMPP_SYSTEM_ID")
        .env_remove("SMPP_PASSWORD")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("smpp runs")
}

#[test]
fn credentials_come_from_the_environment_unless_given() {
    let smsc = Smsc::start(&["--account", "envuser:envpass"]);
    let send = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["send", "--connect", &smsc.addr, "--timeout", "10s"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--to", "1", "hi"]);
        run_env(&args, env).status.code()
    };
    let right = [("SMPP_SYSTEM_ID", "envuser"), ("SMPP_PASSWORD", "envpass")];
    let wrong = [("SMPP_SYSTEM_ID", "envuser"), ("SMPP_PASSWORD", "wrongpw")];
    // From the environment alone.
    assert_eq!(send(&[], &right), Some(0));
    // A wrong password in the environment is used (and fails)...
    assert_eq!(send(&[], &wrong), Some(1));
    // ...unless the command line gives one: the flag wins.
    assert_eq!(send(&["--password", "envpass"], &wrong), Some(0));
    // Neither: the defaults smppclient1/password, not an account here.
    assert_eq!(send(&[], &[]), Some(1));
    smsc.stop().expect_code(0);

    // The help names the variable but never shows the password's value.
    let out = run_env(&["send", "--help"], &[("SMPP_PASSWORD", "s3cr3t-value")]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("SMPP_PASSWORD"), "{help}");
    assert!(help.contains("SMPP_SYSTEM_ID"), "{help}");
    assert!(!help.contains("s3cr3t-value"), "{help}");
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef smpp"),
        ("fish", "complete -c smpp"),
    ] {
        let out = run(&["completions", shell]);
        out.expect_code(0);
        for word in [marker, "smsc", "bench", "send", "inactivity-timeout"] {
            assert!(out.stdout.contains(word), "{shell}: no {word:?}");
        }
    }
    let out = run(&["completions", "tcsh"]);
    out.expect_code(2);
    assert!(out.stderr.contains("tcsh"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn every_help_has_examples_and_the_version_prints() {
    for command in [
        "decode",
        "smsc",
        "send",
        "listen",
        "bench",
        "demo",
        "completions",
    ] {
        let out = run(&[command, "--help"]);
        out.expect_code(0);
        assert!(
            out.stdout.contains("Examples:"),
            "{command}: {}",
            out.stdout
        );
        assert!(
            out.stdout.contains(&format!("Usage: smpp {command}")),
            "{command}: {}",
            out.stdout
        );
    }
    let out = run(&["smsc", "--help"]);
    for option in [
        "--profile",
        "--supported",
        "--no-interface-version-tlv",
        "--enquire-link",
        "ecall",
    ] {
        assert!(out.stdout.contains(option), "{option}: {}", out.stdout);
    }
    for args in [&["--version"][..], &["-V"]] {
        let out = run(args);
        out.expect_code(0);
        assert_eq!(out.stdout, format!("smpp {}\n", env!("CARGO_PKG_VERSION")));
    }
    assert_eq!(env!("CARGO_PKG_VERSION"), "0.1.0");
    // No arguments: the help, on standard error, as a usage error.
    let out = run(&[]);
    out.expect_code(2);
    assert!(out.stderr.contains("Usage: smpp"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}
