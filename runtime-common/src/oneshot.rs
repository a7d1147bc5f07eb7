//! A minimal single-use channel: one value from the driver to one waiting future.
//!
//! Cheaper than a general channel (one allocation, one uncontended lock per side), which
//! matters because every pipelined request gets one. Runtime-independent: the receiver is
//! a plain [`Future`], woken through its [`Waker`].

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

struct State<T> {
    value: Option<T>,
    waker: Option<Waker>,
    sender_gone: bool,
}

type Shared<T> = Arc<Mutex<State<T>>>;

fn lock<T>(s: &Shared<T>) -> MutexGuard<'_, State<T>> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

/// The sending half; dropping it without sending ends the receiver with `None`.
pub struct Sender<T>(Shared<T>);

/// The receiving half: a future of `Some(value)`, or `None` when the sender was dropped.
pub struct Receiver<T>(Shared<T>);

/// A connected sender and receiver.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let s = Arc::new(Mutex::new(State {
        value: None,
        waker: None,
        sender_gone: false,
    }));
    (Sender(s.clone()), Receiver(s))
}

impl<T> Sender<T> {
    /// Delivers the value (the receiver is woken when the sender drops, right after).
    pub fn send(self, value: T) {
        lock(&self.0).value = Some(value);
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut s = lock(&self.0);
            s.sender_gone = true;
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Receiver<T> {
    /// The value if it already arrived.
    pub fn try_take(&self) -> Option<T> {
        lock(&self.0).value.take()
    }
}

impl<T> Future for Receiver<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut s = lock(&self.0);
        if let Some(v) = s.value.take() {
            return Poll::Ready(Some(v));
        }
        if s.sender_gone {
            return Poll::Ready(None);
        }
        match &s.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => s.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}
