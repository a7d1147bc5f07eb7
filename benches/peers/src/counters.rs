//! What the binds of one cell counted, shared by their tasks (any executor).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Counts of one cell, updated by every bind's tasks.
#[derive(Debug)]
pub struct Counters {
    epoch: Instant,
    ok: AtomicU64,
    errors: AtomicU64,
    receipts: AtomicU64,
    /// Nanoseconds from `epoch` to the last response or receipt.
    last_ns: AtomicU64,
    first_error: Mutex<Option<String>>,
}

/// A snapshot of [`Counters`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// `submit_sm` answered `ESME_ROK`.
    pub ok: u64,
    /// `submit_sm` answered with an error status, or failed (timeout, link lost).
    pub errors: u64,
    /// Delivery receipts received (each answered with `deliver_sm_resp`).
    pub receipts: u64,
}

impl Default for Counters {
    fn default() -> Self {
        Counters::new()
    }
}

impl Counters {
    /// All zero; the clock starts now.
    pub fn new() -> Counters {
        Counters {
            epoch: Instant::now(),
            ok: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            receipts: AtomicU64::new(0),
            last_ns: AtomicU64::new(0),
            first_error: Mutex::new(None),
        }
    }

    /// Nanoseconds since the counters were made.
    pub fn now_ns(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn touch(&self) {
        self.last_ns.fetch_max(self.now_ns(), Ordering::Relaxed);
    }

    /// A `submit_sm` answered `ESME_ROK`.
    pub fn ok(&self) {
        self.ok.fetch_add(1, Ordering::Relaxed);
        self.touch();
    }

    /// A `submit_sm` that failed; the first failure's text is kept for the report.
    pub fn error(&self, what: impl FnOnce() -> String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.touch();
        let mut first = self.first_error.lock().unwrap_or_else(|e| e.into_inner());
        if first.is_none() {
            *first = Some(what());
        }
    }

    /// A delivery receipt arrived.
    pub fn receipt(&self) {
        self.receipts.fetch_add(1, Ordering::Relaxed);
        self.touch();
    }

    /// Nanoseconds from the start to the last response or receipt.
    pub fn last_ns(&self) -> u64 {
        self.last_ns.load(Ordering::Relaxed)
    }

    /// The counts now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            ok: self.ok.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            receipts: self.receipts.load(Ordering::Relaxed),
        }
    }

    /// The first failure seen, if any.
    pub fn first_error(&self) -> Option<String> {
        self.first_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
