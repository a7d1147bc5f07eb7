//! Small blocking helpers shared by the client and the server: a poison-tolerant lock and
//! the one-shot [`Slot`] a caller (or a `Ticket`) blocks on until its request ends.

use crate::{Error, Response};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// Locks a mutex, ignoring poisoning (a panicking user callback must not wedge the link).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A one-shot cell a caller blocks on until its request completes.
pub(crate) struct Slot {
    state: Mutex<SlotState>,
    cv: Condvar,
}

#[derive(Default)]
struct SlotState {
    value: Option<Result<Response, Error>>,
    done: bool,
    waiting: bool,
}

impl Slot {
    pub(crate) fn new() -> Arc<Slot> {
        Arc::new(Slot {
            state: Mutex::new(SlotState::default()),
            cv: Condvar::new(),
        })
    }

    pub(crate) fn complete(&self, value: Result<Response, Error>) {
        let mut s = lock(&self.state);
        if s.done {
            return;
        }
        s.value = Some(value);
        s.done = true;
        if s.waiting {
            self.cv.notify_one();
        }
    }

    /// The result if it arrived (taken: later calls return `None`).
    pub(crate) fn try_take(&self) -> Option<Result<Response, Error>> {
        lock(&self.state).value.take()
    }

    /// Waits for the result until `deadline` (`None`: no limit). `None` when the deadline
    /// passed first. A result already taken yields `Error::Closed`.
    pub(crate) fn wait(
        &self,
        deadline: Option<std::time::Instant>,
    ) -> Option<Result<Response, Error>> {
        let mut s = lock(&self.state);
        loop {
            if let Some(v) = s.value.take() {
                return Some(v);
            }
            if s.done {
                return Some(Err(Error::Closed));
            }
            s.waiting = true;
            s = match deadline {
                None => self.cv.wait(s).unwrap_or_else(PoisonError::into_inner),
                Some(d) => {
                    let left = d.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        s.waiting = false;
                        return None;
                    }
                    self.cv
                        .wait_timeout(s, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
            s.waiting = false;
        }
    }
}

/// Waits on `cv` until `deadline` (`None`: no limit); `None` once it passed.
pub(crate) fn wait<'a, T>(
    cv: &Condvar,
    g: MutexGuard<'a, T>,
    deadline: Option<std::time::Instant>,
) -> Option<MutexGuard<'a, T>> {
    let Some(d) = deadline else {
        return Some(cv.wait(g).unwrap_or_else(PoisonError::into_inner));
    };
    let left = d.saturating_duration_since(std::time::Instant::now());
    (!left.is_zero()).then(|| {
        cv.wait_timeout(g, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0
    })
}
