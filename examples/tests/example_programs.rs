//! The example programs run for real: the runtime-free event loop and the tokio examples
//! against in-process servers, and the blocking script and the smol ESME against the smol
//! SMSC example.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the child when dropped, so a failing test leaves no process behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the smol SMSC example on a free port and returns it with its address, read from
/// its "SMSC listening on ADDR" line (port 0: no race with other tests for a port).
fn start_smsc() -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_smol_smsc"))
        .args(["127.0.0.1:0", "secret", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("smol_smsc starts");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("smol_smsc printed its address")
            .expect("readable line");
        if let Some(addr) = line.strip_prefix("SMSC listening on ") {
            break addr.trim().to_string();
        }
    };
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (running, addr)
}

fn run_with_timeout(cmd: &mut Command, limit: Duration) -> (bool, String) {
    let mut child = Running(
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("example starts"),
    );
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            let mut out = String::new();
            for pipe in [
                child
                    .0
                    .stdout
                    .take()
                    .map(|p| Box::new(p) as Box<dyn std::io::Read>),
                child
                    .0
                    .stderr
                    .take()
                    .map(|p| Box::new(p) as Box<dyn std::io::Read>),
            ]
            .into_iter()
            .flatten()
            {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
            return (status.success(), out);
        }
        assert!(
            Instant::now() < deadline,
            "example did not finish in {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn custom_event_loop_self_test() {
    let (ok, out) = run_with_timeout(
        Command::new(env!("CARGO_BIN_EXE_custom_loop")).arg("--self-test"),
        Duration::from_secs(30),
    );
    assert!(ok, "custom_loop --self-test failed:\n{out}");
}

#[test]
fn blocking_script_and_smol_esme_against_the_smol_smsc() {
    let (_smsc, addr) = start_smsc();

    let (ok, out) = run_with_timeout(
        Command::new(env!("CARGO_BIN_EXE_blocking_send"))
            .args([&addr, "acme", "secret", "447700900123", "Hello"])
            .env("SMPP_RECEIPT_TIMEOUT", "20"),
        Duration::from_secs(40),
    );
    assert!(ok, "blocking_send failed:\n{out}");
    assert!(out.to_lowercase().contains("receipt"), "{out}");

    let (ok, out) = run_with_timeout(
        Command::new(env!("CARGO_BIN_EXE_smol_esme")).args([&addr, "acme", "secret", "3"]),
        Duration::from_secs(40),
    );
    assert!(ok, "smol_esme failed:\n{out}");
}

#[test]
fn tokio_examples_self_test() {
    for exe in [
        env!("CARGO_BIN_EXE_tokio_esme"),
        env!("CARGO_BIN_EXE_tokio_smsc"),
    ] {
        let (ok, out) = run_with_timeout(
            Command::new(exe).arg("--self-test"),
            Duration::from_secs(30),
        );
        assert!(ok, "{exe} --self-test failed:\n{out}");
        assert!(out.contains("self-test passed"), "{exe}:\n{out}");
    }
}
