//! Helpers for the tests that run the real `smpp` binary: child processes killed on drop,
//! output collected by reader threads, every wait bounded.
#![allow(dead_code)]

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_smpp");

/// How long any single command may take (debug builds on a busy 2-core machine).
pub const LIMIT: Duration = Duration::from_secs(60);

/// What a finished command printed.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Panics with everything printed unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Output {
        assert_eq!(
            self.code(),
            Some(code),
            "exit status {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// A running `smpp` process, killed when dropped.
pub struct Proc {
    child: Option<Child>,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

fn reader(mut from: impl Read + Send + 'static, into: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => into.lock().unwrap().extend_from_slice(&buf[..n]),
            }
        }
    })
}

impl Proc {
    /// Starts `smpp ARGS`.
    pub fn spawn(args: &[&str]) -> Proc {
        let mut child = Command::new(BIN)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the smpp binary starts");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            reader(child.stdout.take().unwrap(), stdout.clone()),
            reader(child.stderr.take().unwrap(), stderr.clone()),
        ];
        Proc {
            child: Some(child),
            stdout,
            stderr,
            readers,
        }
    }

    /// True while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().expect("try_wait").is_none())
    }

    pub fn id(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    pub fn stdout_now(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    pub fn stderr_now(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits until standard error has a whole line containing `needle`; returns that line.
    pub fn wait_stderr_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + LIMIT;
        loop {
            let text = self.stderr_now();
            if let Some(line) = text
                .split_inclusive('\n')
                .find(|l| l.ends_with('\n') && l.contains(needle))
            {
                return line.trim_end().to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no line with {needle:?} on stderr in time:\n{text}\n--- stdout\n{}",
                self.stdout_now()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends SIGTERM (through the `kill` command).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits for the exit (killing the process and failing after [`LIMIT`]).
    pub fn wait(mut self) -> Output {
        let mut child = self.child.take().expect("not waited yet");
        let deadline = Instant::now() + LIMIT;
        let status = loop {
            if let Some(s) = child.try_wait().expect("try_wait") {
                break s;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "smpp did not finish within {LIMIT:?}\n--- stdout\n{}\n--- stderr\n{}",
                    self.stdout_now(),
                    self.stderr_now()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        Output {
            status,
            stdout: self.stdout_now(),
            stderr: self.stderr_now(),
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Runs `smpp ARGS` to completion.
pub fn run(args: &[&str]) -> Output {
    Proc::spawn(args).wait()
}

/// A simulator on a free port of 127.0.0.1, killed when dropped.
pub struct Smsc {
    pub proc: Proc,
    pub addr: String,
}

impl Smsc {
    pub fn start(extra: &[&str]) -> Smsc {
        let mut args = vec!["smsc", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let proc = Proc::spawn(&args);
        let line = proc.wait_stderr_line("listening on ");
        let addr = line
            .rsplit(' ')
            .next()
            .expect("an address after 'listening on'")
            .to_string();
        Smsc { proc, addr }
    }

    /// `smpp CMD --connect ADDR ARGS` against this simulator, to completion.
    pub fn run(&self, command: &str, args: &[&str]) -> Output {
        let mut all = vec![command, "--connect", self.addr.as_str()];
        all.extend_from_slice(args);
        run(&all)
    }

    /// The same, started in the background.
    pub fn spawn(&self, command: &str, args: &[&str]) -> Proc {
        let mut all = vec![command, "--connect", self.addr.as_str()];
        all.extend_from_slice(args);
        Proc::spawn(&all)
    }

    /// SIGTERM, then the exit.
    pub fn stop(self) -> Output {
        self.proc.terminate();
        self.proc.wait()
    }
}

/// A path for a scratch file, unique to this test process and `name`.
pub fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("smpp-cli-{}-{name}", std::process::id()))
}

/// The JSON object on the last line of `smpp bench --json`, checked for consistent counts
/// (see [`check_bench_counts`]); panics with the output when it is missing or inconsistent.
pub fn bench_json(stdout: &str) -> serde_json::Value {
    let last = stdout.lines().last().unwrap_or_default();
    let v: serde_json::Value =
        serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: last line {last:?}\n{stdout}"));
    if let Err(e) = check_bench_counts(&v) {
        panic!("inconsistent counts: {e}\n{v}");
    }
    v
}

/// What `smpp bench --json` must say of its counts, whatever happened in the run:
///
/// - `sent >= answered`: a response answers a request written (`sent` counts every write,
///   so a throttled message sent again counts twice and `sent` may exceed `attempted`);
/// - `ok + errors == answered` and `answered + failed == attempted`: every message ends in
///   exactly one of ok, an error status, or no answer;
/// - `errors` and `failed` are the sums of `errors_by_status` and `failed_by_kind`;
/// - `receipts <= receipts_expected`, `receipts_missing == receipts_expected - receipts`,
///   and `receipts_expected == ok` when receipts were asked for (all three 0 when not);
/// - the percentiles are ordered: `p50 <= p99 <= max`, for responses and for receipts.
pub fn check_bench_counts(v: &serde_json::Value) -> Result<(), String> {
    let n = |k: &str| v[k].as_u64().ok_or_else(|| format!("{k} is not a count"));
    let f = |k: &str| v[k].as_f64().ok_or_else(|| format!("{k} is not a number"));
    let sum = |k: &str| -> Result<u64, String> {
        let map = v[k]
            .as_object()
            .ok_or_else(|| format!("{k} is not an object"))?;
        map.values()
            .map(|c| c.as_u64().ok_or_else(|| format!("{k} holds {c}")))
            .sum()
    };
    let (attempted, sent, answered) = (n("attempted")?, n("sent")?, n("answered")?);
    let (ok, errors, failed) = (n("ok")?, n("errors")?, n("failed")?);
    let mut broken = Vec::new();
    let mut expect = |holds: bool, what: &str| {
        if !holds {
            broken.push(what.to_string());
        }
    };
    expect(sent >= answered, "sent >= answered");
    expect(ok + errors == answered, "ok + errors == answered");
    expect(
        answered + failed == attempted,
        "answered + failed == attempted",
    );
    expect(
        sum("errors_by_status")? == errors,
        "errors == sum(errors_by_status)",
    );
    expect(
        sum("failed_by_kind")? == failed,
        "failed == sum(failed_by_kind)",
    );
    let requested = v["receipts_requested"]
        .as_bool()
        .ok_or("receipts_requested is not a boolean")?;
    let (receipts, expected) = (n("receipts")?, n("receipts_expected")?);
    let missing = n("receipts_missing")?;
    expect(receipts <= expected, "receipts <= receipts_expected");
    expect(
        missing == expected.saturating_sub(receipts),
        "receipts_missing == receipts_expected - receipts",
    );
    if requested {
        expect(expected == ok, "receipts_expected == ok");
    } else {
        expect(
            receipts == 0 && expected == 0 && missing == 0,
            "no receipt counts without --receipts",
        );
    }
    for prefix in ["", "receipt_"] {
        let (p50, p99, max) = (
            f(&format!("{prefix}p50_ms"))?,
            f(&format!("{prefix}p99_ms"))?,
            f(&format!("{prefix}max_ms"))?,
        );
        expect(
            0.0 <= p50 && p50 <= p99 && p99 <= max,
            &format!("0 <= {prefix}p50_ms <= {prefix}p99_ms <= {prefix}max_ms"),
        );
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(broken.join(", "))
    }
}
