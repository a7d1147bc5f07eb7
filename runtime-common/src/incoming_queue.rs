//! The bounded queue of a client's incoming requests (`deliver_sm`, `data_sm`,
//! `alert_notification`, ...), between the driver and the application's `Incoming`, for
//! every runtime.
//!
//! # Bounds
//!
//! Requests still waiting for the application's answer are bounded by the session itself
//! (`SessionConfig::peer_window`: beyond it the session answers `ESME_RTHROTTLED`). What it
//! does not bound are requests that need no answer from the application: those the session
//! already answered (`auto_respond`) and those without a response (`alert_notification`).
//! Of these the queue holds at most `capacity` ([`IncomingQueue::new`]; the runtimes use
//! `peer_window`). Once that many wait, the queue is *backlogged*
//! ([`IncomingQueue::backlogged`]): the driver stops reading from the connection (TCP
//! backpressure on the SMSC) until the application takes a request, and the queue calls
//! back ([`IncomingQueue::set_on_room`]) so the driver reads again. The requests of the last
//! read that do not fit wait behind the queue, in order, and move in as room appears:
//! [`IncomingQueue::len`] never exceeds `capacity` answered requests plus those awaiting an
//! answer (with `capacity = peer_window`: `2 × peer_window` in all), and the held ones are
//! at most what one read brought. Nothing is dropped or answered on the
//! application's behalf while it holds its receiver.
//!
//! When the application drops every receiver, the requests in the queue are dropped (a
//! runtime's request answers `ESME_RX_T_APPN` when dropped unanswered), later pushes are
//! refused (the driver does the same with them), and the queue is never backlogged again.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Why a request could not be taken now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecv {
    /// None is waiting; more may come.
    Empty,
    /// None is waiting and none will: the client is over.
    Closed,
}

/// What [`IncomingQueue::recv_timeout`] saw instead of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvTimeout {
    /// None came within the timeout.
    Timeout,
    /// None is waiting and none will: the client is over.
    Closed,
}

struct Entry<T> {
    item: T,
    /// Needs no answer from the application (auto-responded, or without a response):
    /// counted against the capacity.
    answered: bool,
}

struct Inner<T> {
    /// What the application can take now.
    items: VecDeque<Entry<T>>,
    /// Answered entries in `items` (at most the capacity).
    answered: usize,
    /// Arrived while the queue was backlogged: moved into `items` in order as room appears.
    held: VecDeque<Entry<T>>,
    /// The driver found the queue backlogged (and so stopped reading) since the last call
    /// back.
    stalled: bool,
    /// No more requests will come.
    closed: bool,
    /// Receivers alive.
    receivers: usize,
    /// Async receivers waiting for a request.
    wakers: Vec<Waker>,
}

/// A client's incoming requests between its driver and the application; see the
/// [module docs](self).
pub struct IncomingQueue<T> {
    inner: Mutex<Inner<T>>,
    /// Blocking receivers wait here.
    ready: Condvar,
    capacity: usize,
    on_room: Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
}

type Woken = Vec<Waker>;

impl<T> IncomingQueue<T> {
    /// An open queue with one receiver, holding at most `capacity` (at least 1) answered
    /// requests.
    pub fn new(capacity: usize) -> IncomingQueue<T> {
        IncomingQueue {
            inner: Mutex::new(Inner {
                items: VecDeque::new(),
                answered: 0,
                held: VecDeque::new(),
                stalled: false,
                closed: false,
                receivers: 1,
                wakers: Vec::new(),
            }),
            ready: Condvar::new(),
            capacity: capacity.max(1),
            on_room: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many answered requests it holds at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// `f` is called (outside the queue's lock, on the thread that took a request or
    /// dropped the last receiver) when the queue stops being backlogged after the driver
    /// saw it backlogged: the driver may read again.
    pub fn set_on_room(&self, f: impl Fn() + Send + Sync + 'static) {
        *self.on_room.lock().unwrap_or_else(PoisonError::into_inner) = Some(Box::new(f));
    }

    fn full(&self, g: &Inner<T>) -> bool {
        g.receivers > 0 && (!g.held.is_empty() || g.answered >= self.capacity)
    }

    // ----- the driver's side ---------------------------------------------------------------

    /// Adds a request (`answered`: it needs no answer from the application). Refused
    /// (`Err(item)`, for the caller to drop outside its locks) when no receiver is left or
    /// the queue is closed. Never refused for being full: see [`IncomingQueue::backlogged`].
    pub fn push(&self, item: T, answered: bool) -> Result<(), T> {
        let woken = {
            let mut g = self.lock();
            if g.receivers == 0 || g.closed {
                return Err(item);
            }
            let entry = Entry { item, answered };
            if !g.held.is_empty() || (answered && g.answered >= self.capacity) {
                g.held.push_back(entry);
                return Ok(());
            }
            g.answered += usize::from(answered);
            g.items.push_back(entry);
            std::mem::take(&mut g.wakers)
        };
        self.notify(woken);
        Ok(())
    }

    /// True while the driver must not read more from the connection: `capacity` answered
    /// requests wait (or some are held behind them). Calling it arms the call back.
    pub fn backlogged(&self) -> bool {
        let mut g = self.lock();
        let full = self.full(&g);
        g.stalled |= full;
        full
    }

    /// No more requests will come: receivers see the end once they took what is left.
    pub fn close(&self) {
        let woken = {
            let mut g = self.lock();
            g.closed = true;
            std::mem::take(&mut g.wakers)
        };
        self.notify(woken);
    }

    fn notify(&self, woken: Woken) {
        self.ready.notify_all();
        for w in woken {
            w.wake();
        }
    }

    // ----- the application's side --------------------------------------------------------

    /// Takes the next request under the lock; also says whether the driver must be called
    /// back.
    fn take(&self, g: &mut Inner<T>) -> Option<(T, bool)> {
        let e = g.items.pop_front()?;
        g.answered -= usize::from(e.answered);
        while let Some(front) = g.held.front() {
            if front.answered && g.answered >= self.capacity {
                break;
            }
            let Some(next) = g.held.pop_front() else {
                break;
            };
            g.answered += usize::from(next.answered);
            g.items.push_back(next);
        }
        let call_back = g.stalled && !self.full(g);
        if call_back {
            g.stalled = false;
        }
        Some((e.item, call_back))
    }

    fn called_back(&self, call_back: bool) {
        if call_back {
            if let Some(f) = &*self.on_room.lock().unwrap_or_else(PoisonError::into_inner) {
                f();
            }
        }
    }

    /// The next request if one waits now.
    pub fn try_recv(&self) -> Result<T, TryRecv> {
        let taken = {
            let mut g = self.lock();
            match self.take(&mut g) {
                Some(t) => t,
                None if g.closed => return Err(TryRecv::Closed),
                None => return Err(TryRecv::Empty),
            }
        };
        self.called_back(taken.1);
        Ok(taken.0)
    }

    /// The next request, or `None` once the queue is closed and empty; registers `cx` to be
    /// woken otherwise.
    pub fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let taken = {
            let mut g = self.lock();
            match self.take(&mut g) {
                Some(t) => t,
                None if g.closed => return Poll::Ready(None),
                None => {
                    if !g.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                        g.wakers.push(cx.waker().clone());
                    }
                    return Poll::Pending;
                }
            }
        };
        self.called_back(taken.1);
        Poll::Ready(Some(taken.0))
    }

    /// Waits for the next request, at most `timeout` (`None`: without limit), blocking the
    /// thread.
    pub fn recv_timeout(&self, timeout: Option<Duration>) -> Result<T, RecvTimeout> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let taken = {
            let mut g = self.lock();
            loop {
                if let Some(t) = self.take(&mut g) {
                    break t;
                }
                if g.closed {
                    return Err(RecvTimeout::Closed);
                }
                g = match deadline {
                    None => self.ready.wait(g).unwrap_or_else(PoisonError::into_inner),
                    Some(d) => {
                        let left = d.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            return Err(RecvTimeout::Timeout);
                        }
                        self.ready
                            .wait_timeout(g, left)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0
                    }
                };
            }
        };
        self.called_back(taken.1);
        Ok(taken.0)
    }

    /// Requests the application can take now: at most `capacity` answered ones, plus those
    /// awaiting the application's answer (which the session bounds by its peer window).
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// True when none waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Requests that arrived while the queue was backlogged and wait behind it.
    pub fn held(&self) -> usize {
        self.lock().held.len()
    }

    /// One more receiver (a clone of the application's `Incoming`).
    pub fn add_receiver(&self) {
        self.lock().receivers += 1;
    }

    /// A receiver was dropped; after the last one, everything queued is dropped (outside
    /// the lock) and the driver called back if it was held up.
    pub fn drop_receiver(&self) {
        let (dropped, call_back) = {
            let mut g = self.lock();
            g.receivers = g.receivers.saturating_sub(1);
            if g.receivers > 0 {
                return;
            }
            let mut dropped: Vec<Entry<T>> = g.items.drain(..).collect();
            dropped.extend(g.held.drain(..));
            g.answered = 0;
            let call_back = std::mem::take(&mut g.stalled);
            (dropped, call_back)
        };
        drop(dropped);
        self.called_back(call_back);
    }
}

#[cfg(test)]
mod tests {
    use super::{IncomingQueue, RecvTimeout, TryRecv};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn answered_requests_are_bounded_and_held_in_order() {
        let q = IncomingQueue::new(3);
        let room = Arc::new(AtomicUsize::new(0));
        let r = room.clone();
        q.set_on_room(move || {
            r.fetch_add(1, Ordering::Relaxed);
        });
        for i in 0..10 {
            q.push(i, true).unwrap();
            assert!(q.len() <= 3);
        }
        assert_eq!((q.len(), q.held()), (3, 7));
        assert!(q.backlogged());
        // A request awaiting an answer queues behind the held ones (order is kept).
        q.push(100, false).unwrap();
        let mut got = Vec::new();
        while let Ok(v) = q.try_recv() {
            got.push(v);
            assert!(q.len() <= 4, "{}", q.len());
        }
        let mut want: Vec<i32> = (0..10).collect();
        want.push(100);
        assert_eq!(got, want);
        assert!(!q.backlogged());
        assert_eq!(room.load(Ordering::Relaxed), 1, "called back once");
        assert_eq!(q.try_recv(), Err(TryRecv::Empty));
        q.close();
        assert_eq!(q.try_recv(), Err(TryRecv::Closed));
        assert_eq!(q.push(1, true), Err(1));
    }

    #[test]
    fn unanswered_requests_do_not_backlog() {
        // Those are bounded by the session's peer window, which answers ESME_RTHROTTLED.
        let q = IncomingQueue::new(2);
        for i in 0..5 {
            q.push(i, false).unwrap();
        }
        assert_eq!(q.len(), 5);
        assert!(!q.backlogged());
        q.push(9, true).unwrap();
        q.push(10, true).unwrap();
        assert!(q.backlogged());
        // Still taken in: the session bounds those.
        q.push(11, false).unwrap();
        assert_eq!((q.len(), q.held()), (8, 0));
        // An answered one that does not fit is held, and what comes after it too (order).
        q.push(12, true).unwrap();
        q.push(13, false).unwrap();
        assert_eq!((q.len(), q.held()), (8, 2));
        let got: Vec<i32> = std::iter::from_fn(|| q.try_recv().ok()).collect();
        assert_eq!(got, [0, 1, 2, 3, 4, 9, 10, 11, 12, 13]);
    }

    #[test]
    fn dropping_the_receiver_drops_what_waits_and_releases_the_driver() {
        let q = Arc::new(IncomingQueue::new(1));
        let room = Arc::new(AtomicUsize::new(0));
        let r = room.clone();
        q.set_on_room(move || {
            r.fetch_add(1, Ordering::Relaxed);
        });
        let dropped = Arc::new(());
        q.push(dropped.clone(), true).unwrap();
        q.push(dropped.clone(), true).unwrap();
        assert!(q.backlogged());
        q.add_receiver();
        q.drop_receiver();
        assert_eq!(Arc::strong_count(&dropped), 3, "a receiver is left");
        q.drop_receiver();
        assert_eq!(
            Arc::strong_count(&dropped),
            1,
            "everything queued is dropped"
        );
        assert!(!q.backlogged());
        assert_eq!(room.load(Ordering::Relaxed), 1);
        assert!(q.push(dropped.clone(), true).is_err());
    }

    #[test]
    fn blocking_and_async_receivers() {
        let q = Arc::new(IncomingQueue::new(4));
        assert_eq!(
            q.recv_timeout(Some(Duration::from_millis(10))),
            Err(RecvTimeout::Timeout)
        );
        let q2 = q.clone();
        let t = std::thread::spawn(move || q2.recv_timeout(None));
        std::thread::sleep(Duration::from_millis(20));
        q.push(7, true).unwrap();
        assert_eq!(t.join().unwrap(), Ok(7));

        struct Flag(AtomicUsize);
        impl std::task::Wake for Flag {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::Relaxed);
            }
        }
        let flag = Arc::new(Flag(AtomicUsize::new(0)));
        let waker = std::task::Waker::from(flag.clone());
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(q.poll_recv(&mut cx).is_pending());
        q.push(8, false).unwrap();
        assert_eq!(flag.0.load(Ordering::Relaxed), 1);
        assert_eq!(q.poll_recv(&mut cx), std::task::Poll::Ready(Some(8)));
        q.close();
        assert_eq!(q.poll_recv(&mut cx), std::task::Poll::Ready(None));
        assert_eq!(q.recv_timeout(None), Err(RecvTimeout::Closed));
    }
}
