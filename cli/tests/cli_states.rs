//! SMPP 3.4 session state names: `--trace` shows every state change per peer, on the client
//! and on the simulator; `send` and `listen` print the state they reach and why the session
//! closed.

mod cli_common;

use cli_common::Smsc;

/// The `state FROM -> TO` parts of the trace lines in `stderr`.
fn state_changes(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("trace: "))
        .filter_map(|l| l.split_once(" state ").map(|(_, change)| change))
        .map(|change| {
            // "OPEN -> BINDING (transceiver) (bind_transceiver seq=1)": keep "FROM -> TO".
            let (from, rest) = change.split_once(" -> ").expect("FROM -> TO");
            let to = rest.split(" (").next().expect("a state name").to_string();
            format!("{from} -> {to}")
        })
        .collect()
}

#[test]
fn send_traces_and_prints_its_states() {
    for runtime in ["smol", "blocking", "tokio"] {
        let smsc = Smsc::start(&["--trace"]);
        let out = smsc.run(
            "send",
            &[
                "--to",
                "447700900123",
                "--trace",
                "--runtime",
                runtime,
                "hello",
            ],
        );
        out.expect_code(0);
        assert_eq!(
            state_changes(&out.stderr),
            [
                "OPEN -> BINDING",
                "BINDING (transceiver) -> BOUND_TRX",
                "BOUND_TRX -> UNBINDING",
                "UNBINDING (transceiver) -> CLOSED",
            ],
            "{runtime}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(": state BOUND_TRX\n"),
            "{runtime}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("smpp send: state CLOSED (unbound)\n"),
            "{runtime}: {}",
            out.stderr
        );
        // The simulator saw the same session from its side.
        let sim = smsc.stop();
        assert_eq!(
            state_changes(&sim.stderr),
            [
                "OPEN -> BINDING",
                "BINDING (transceiver) -> BOUND_TRX",
                "BOUND_TRX -> UNBINDING",
                "UNBINDING (transceiver) -> CLOSED",
            ],
            "{runtime}: {}",
            sim.stderr
        );
    }
}

#[test]
fn a_rejected_bind_goes_back_to_open_then_closed_on_the_simulator() {
    let smsc = Smsc::start(&["--trace"]);
    let out = smsc.run("send", &["--to", "1", "--password", "wrong", "hi"]);
    out.expect_code(1);
    let sim = smsc.stop();
    let changes = state_changes(&sim.stderr);
    assert_eq!(
        changes,
        [
            "OPEN -> BINDING",
            "BINDING (transceiver) -> OPEN",
            "OPEN -> CLOSED"
        ],
        "{}",
        sim.stderr
    );
    assert!(
        sim.stderr
            .contains("-> CLOSED (bind rejected: ESME_RBINDFAIL"),
        "{}",
        sim.stderr
    );
}

#[test]
fn listen_prints_the_bound_state_and_why_it_closed() {
    let smsc = Smsc::start(&[]);
    let out = smsc.run("listen", &["--bind", "trx", "--timeout", "300ms"]);
    out.expect_code(0);
    assert!(out.stderr.contains("state BOUND_TRX"), "{}", out.stderr);
    assert!(
        out.stderr.contains("smpp listen: state CLOSED (unbound)"),
        "{}",
        out.stderr
    );

    // The simulator goes away: listen reports the close and its reason.
    let smsc = Smsc::start(&[]);
    let listen = smsc.spawn("listen", &["--bind", "rx"]);
    listen.wait_stderr_line("state BOUND_RX");
    smsc.stop();
    let out = listen.wait();
    out.expect_code(1);
    assert!(
        out.stderr
            .contains("the connection closed: state CLOSED (peer unbound)"),
        "{}",
        out.stderr
    );
}
