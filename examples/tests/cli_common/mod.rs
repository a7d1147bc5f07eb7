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
