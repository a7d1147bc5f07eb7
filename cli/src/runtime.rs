//! The runtime crate that does the work (`--runtime smol|blocking|tokio`): the clients of
//! `smpp send`, `listen` and `bench`, and the server of `smpp smsc`
//! ([`SimConfig::runtime`](crate::sim::SimConfig::runtime)).
//!
//! ```
//! use smpp_cli::runtime::Runtime;
//!
//! assert_eq!("blocking".parse::<Runtime>(), Ok(Runtime::Blocking));
//! assert_eq!("tokio".parse::<Runtime>(), Ok(Runtime::Tokio));
//! assert_eq!(Runtime::default().to_string(), "smol");
//! assert!("bogus".parse::<Runtime>().is_err());
//! ```
//!
//! The commands themselves run on smol's executor whatever the runtime. With `tokio`,
//! `smpp_tokio`'s clients and servers live on one multi-thread tokio runtime for the whole
//! process ([`tokio_handle`]): whatever needs a tokio context (creating a client or a
//! server, waiting on tokio timers) is spawned there with [`on_tokio`] and its
//! `JoinHandle` awaited from the command's code; the rest (tokio's channels and
//! semaphores, the responses' futures) is polled where it is awaited.

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::OnceLock;

/// `smpp_smol` (async, on smol), `smpp_blocking` (std::net and threads) or `smpp_tokio`
/// (async, on a tokio runtime of the process's own).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Runtime {
    /// `smpp_smol`: async, on smol.
    #[default]
    Smol,
    /// `smpp_blocking`: std::net and threads.
    Blocking,
    /// `smpp_tokio`: async, on a multi-thread tokio runtime ([`tokio_handle`]).
    Tokio,
}

impl Runtime {
    /// Every runtime, the default first.
    pub const ALL: [Runtime; 3] = [Runtime::Smol, Runtime::Blocking, Runtime::Tokio];

    /// `smol`, `blocking` or `tokio`.
    pub const fn name(self) -> &'static str {
        match self {
            Runtime::Smol => "smol",
            Runtime::Blocking => "blocking",
            Runtime::Tokio => "tokio",
        }
    }
}

impl FromStr for Runtime {
    type Err = String;

    fn from_str(s: &str) -> Result<Runtime, String> {
        match s.to_ascii_lowercase().as_str() {
            "smol" => Ok(Runtime::Smol),
            "blocking" => Ok(Runtime::Blocking),
            "tokio" => Ok(Runtime::Tokio),
            _ => Err("unknown runtime (use smol, blocking or tokio)".into()),
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Worker threads of the process's tokio runtime.
pub const TOKIO_WORKERS: usize = 2;

static TOKIO: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

/// The process's multi-thread tokio runtime ([`TOKIO_WORKERS`] workers, I/O and timers
/// enabled), started on first use and kept until the process exits. `smpp_tokio`'s
/// clients and servers are created on it, so their tasks run there.
///
/// # Panics
///
/// When the runtime cannot be started (no threads left).
pub fn tokio_handle() -> &'static tokio::runtime::Handle {
    TOKIO
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(TOKIO_WORKERS)
                .thread_name("smpp-tokio")
                .enable_all()
                .build()
                .expect("cannot start the tokio runtime")
        })
        .handle()
}

/// Runs `fut` as a task of [`tokio_handle`]'s runtime and waits for its output from any
/// executor (the `JoinHandle` is a plain future). A panic in the task is resumed here.
pub async fn on_tokio<F>(fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match tokio_handle().spawn(fut).await {
        Ok(v) => v,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("a tokio task was cancelled: {e}"),
    }
}
