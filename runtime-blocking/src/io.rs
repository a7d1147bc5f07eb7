//! The byte pump of a connection, shared by the client and the server: a reader thread
//! (read, feed the endpoint, hand out what that caused, run the application's work), a
//! writer thread (take the endpoint's output under the lock, write it outside, shut the
//! socket down at the end), and the timer thread (the endpoint's deadlines and the linger
//! of closed connections). Nothing here decides anything about the protocol: a [`Driver`]
//! says which endpoint it is and where what it produces goes.
//!
//! Lock order: the endpoint's lock first; a driver's `settle` may take others under it
//! (subscribers, waiters) so that what it hands out stays in order.

use crate::common::{ShutdownHandle, Trace, TraceExt, TraceRx};
use crate::conn::lock;
use smpp_core::trace::Direction;
use smpp_core::{Duration as CoreDuration, Instant};
use smpp_runtime::QuickAck;
use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long a closed connection may still flush its output before its socket is shut down
/// under a blocked write (a peer that does not read must not keep the connection alive).
const LINGER: CoreDuration = CoreDuration::from_millis(2_000);
/// Stack sizes: readers, timers and dial threads run the application's callbacks and TLS
/// handshakes or decryption; writers only trace callbacks and TLS sealing.
pub(crate) const STACK: usize = 256 * 1024;
pub(crate) const SMALL_STACK: usize = 128 * 1024;

/// Starts a named thread with a small stack.
pub(crate) fn spawn(name: &str, stack: usize, f: impl FnOnce() + Send + 'static) -> bool {
    let r = std::thread::Builder::new()
        .name(name.into())
        .stack_size(stack)
        .spawn(f);
    r.map_err(|e| log::warn!("smpp: cannot start a thread: {e}"))
        .is_ok()
}

/// The endpoint's clock: milliseconds since the client or server was created.
pub(crate) use smpp_runtime::Clock;

/// A client or server as its threads drive it. `c` is what the endpoint's lock guards;
/// `k` names a connection to the endpoint.
pub(crate) trait Driver: Send + Sync + Sized + 'static {
    /// What the endpoint's lock guards.
    type Core: Send;
    /// A connection as the endpoint knows it.
    type Key: Send + Sync + 'static;
    /// The application's work a reader takes from its connection, and the answers.
    type Work: Default;

    fn core(&self) -> &Mutex<Self::Core>;
    fn now(&self) -> Instant;
    fn trace(&self) -> &Trace;
    /// Where the timer thread sleeps.
    fn timer_cv(&self) -> &Condvar;
    /// Hands out what the endpoint's calls caused and releases the lock.
    fn settle(self: &Arc<Self>, g: MutexGuard<'_, Self::Core>);
    fn timer(c: &mut Self::Core) -> &mut Timer<Self::Key>;
    /// True once the timer thread may end.
    fn over(c: &Self::Core) -> bool;
    fn poll_timeout(c: &mut Self::Core) -> Option<Instant>;
    fn handle_timeout(c: &mut Self::Core, now: Instant);
    /// True while connection `k`'s session is open.
    fn is_open(c: &Self::Core, k: &Self::Key) -> bool;
    fn wants_input(c: &Self::Core, k: &Self::Key) -> bool;
    /// Octets received (empty: only look at what was held back), or `None`: the end.
    fn input(c: &mut Self::Core, k: &Self::Key, now: Instant, data: Option<&[u8]>);
    /// Takes the application's work from connection `k`; true when there is some.
    fn take_work(_c: &mut Self::Core, _k: &Self::Key, _work: &mut Self::Work) -> bool {
        false
    }
    /// Runs the work taken, outside the lock, leaving the answers in `work`.
    fn work(self: &Arc<Self>, _k: &Self::Key, _work: &mut Self::Work) {}
    /// Gives the endpoint the answers of the last work.
    fn answer(_c: &mut Self::Core, _k: &Self::Key, _now: Instant, _work: &mut Self::Work) {}
    /// Runs `f` on the endpoint, then settles what it caused.
    fn with<R>(self: &Arc<Self>, f: impl FnOnce(&mut Self::Core, Instant) -> R) -> R {
        let mut g = lock(self.core());
        let r = f(&mut g, self.now());
        self.settle(g);
        r
    }
    /// A thread of connection `link` ended (the writer: after the socket's shutdown).
    fn done(self: &Arc<Self>, link: &Arc<Link<Self::Key>>, writer: bool);
}

/// One connection's I/O side: where its threads wait, and how its socket is shut down.
pub(crate) struct Link<K> {
    pub(crate) key: K,
    pub(crate) peer: Option<SocketAddr>,
    shutdown: ShutdownHandle,
    /// Re-armed after every read.
    quickack: QuickAck,
    /// The reader and writer wait here, with the endpoint's lock.
    cv: Condvar,
    /// Changed and read only under the endpoint's lock.
    reader_waiting: AtomicBool,
    writer_waiting: AtomicBool,
    lingering: AtomicBool,
}

impl<K> Link<K> {
    pub(crate) fn new(
        key: K,
        peer: Option<SocketAddr>,
        shutdown: ShutdownHandle,
        quickack: QuickAck,
    ) -> Arc<Self> {
        Arc::new(Link {
            key,
            peer,
            shutdown,
            quickack,
            cv: Condvar::new(),
            reader_waiting: AtomicBool::new(false),
            writer_waiting: AtomicBool::new(false),
            lingering: AtomicBool::new(false),
        })
    }

    /// Shuts the socket down: a blocked read or write returns.
    pub(crate) fn shutdown(&self) {
        (self.shutdown)();
    }

    /// Wakes the writer (when `writer`) and the reader (when `reader`) if they wait. Under
    /// the endpoint's lock.
    pub(crate) fn wake(&self, writer: bool, reader: bool) {
        if (writer && self.writer_waiting.load(Relaxed))
            || (reader && self.reader_waiting.load(Relaxed))
        {
            self.cv.notify_all();
        }
    }

    fn wait<'a, C>(&self, g: MutexGuard<'a, C>, writer: bool) -> MutexGuard<'a, C> {
        let flag = if writer {
            &self.writer_waiting
        } else {
            &self.reader_waiting
        };
        flag.store(true, Relaxed);
        let g = self.cv.wait(g).unwrap_or_else(PoisonError::into_inner);
        flag.store(false, Relaxed);
        g
    }
}

/// The timer thread's side of the endpoint's lock.
pub(crate) struct Timer<K> {
    /// The deadline the thread sleeps until (`None` while it is awake).
    at: Option<Instant>,
    /// Closed connections, shut down once their linger passed.
    lingering: VecDeque<(Instant, Arc<Link<K>>)>,
}

impl<K> Default for Timer<K> {
    fn default() -> Self {
        Timer {
            at: None,
            lingering: VecDeque::new(),
        }
    }
}

impl<K> Timer<K> {
    /// `link`'s session closed: its socket is shut down after the linger (once).
    pub(crate) fn linger(&mut self, now: Instant, link: &Arc<Link<K>>) {
        if !link.lingering.swap(true, Relaxed) {
            self.lingering.push_back((now + LINGER, link.clone()));
        }
    }

    /// `link` ended: no linger for it.
    pub(crate) fn forget(&mut self, link: &Arc<Link<K>>) {
        self.lingering.retain(|(_, l)| !Arc::ptr_eq(l, link));
    }

    /// Wakes the sleeping thread when `force`, or when `next` (the endpoint's deadline) or
    /// a linger is earlier than its sleep.
    pub(crate) fn kick(
        &mut self,
        cv: &Condvar,
        force: bool,
        next: impl FnOnce() -> Option<Instant>,
    ) {
        let Some(at) = self.at else { return };
        if force || self.next(next()).is_some_and(|n| n < at) {
            self.at = None;
            cv.notify_one();
        }
    }

    fn next(&self, next: Option<Instant>) -> Option<Instant> {
        [next, self.lingering.front().map(|l| l.0)]
            .into_iter()
            .flatten()
            .min()
    }
}

/// The timer thread: the endpoint's timeouts and the lingers, until the driver is over.
pub(crate) fn timer<D: Driver>(d: &Arc<D>) {
    let mut g = lock(d.core());
    loop {
        if D::over(&g) {
            return;
        }
        let now = d.now();
        let t = D::timer(&mut g);
        while t.lingering.front().is_some_and(|l| l.0 <= now) {
            if let Some((_, link)) = t.lingering.pop_front() {
                link.shutdown();
            }
        }
        let next = D::poll_timeout(&mut g);
        if next.is_some_and(|t| t <= now) {
            D::handle_timeout(&mut g, now);
            d.settle(g);
            g = lock(d.core());
            continue;
        }
        let t = D::timer(&mut g);
        let next = t.next(next);
        t.at = Some(next.unwrap_or(Instant::FAR_FUTURE));
        // Wake at least once a second (a safety net for missed notifications).
        let ms = next.map_or(1_000, |t| t.as_millis().saturating_sub(now.as_millis()));
        g = d
            .timer_cv()
            .wait_timeout(g, Duration::from_millis(ms.min(1_000)))
            .unwrap_or_else(PoisonError::into_inner)
            .0;
        D::timer(&mut g).at = None;
    }
}

/// Serves connection `link` over its halves `r` and `w`: the writer on a thread of its own
/// (writing what `take` takes from the endpoint), the reader on this one. When the writer
/// cannot start, the connection ends at once (both threads count as done).
pub(crate) fn run<D, R, W, B>(
    d: &Arc<D>,
    link: &Arc<Link<D::Key>>,
    r: R,
    w: W,
    take: fn(&mut D::Core, &D::Key) -> Option<B>,
) where
    D: Driver,
    R: Read,
    W: Write + Send + 'static,
    B: AsRef<[u8]> + 'static,
{
    let (me, l) = (d.clone(), link.clone());
    if spawn("smpp-write", SMALL_STACK, move || writer(&me, &l, w, take)) {
        return reader(d, link, r);
    }
    let mut g = lock(d.core());
    D::input(&mut g, &link.key, d.now(), None);
    d.settle(g);
    link.shutdown();
    d.done(link, true);
    d.done(link, false);
}

/// What the reader tells the endpoint at its next turn.
enum Feed {
    /// `n` octets read into the buffer.
    Read(usize),
    /// The end of the stream (or a failed read).
    Eof,
    /// Nothing read: the answers of the application's work, and input held back.
    Resume,
}

/// The reader: one lock, one call with what was read and one settle per read, while the
/// endpoint wants input (a peer that does not read our output is not read either).
/// Incoming work is taken under the same lock and run right after it.
fn reader<D: Driver, R: Read>(d: &Arc<D>, link: &Arc<Link<D::Key>>, mut r: R) {
    let (k, trace) = (&link.key, d.trace());
    let mut framer = trace.enabled().then(TraceRx::default);
    let mut buf = vec![0u8; 4096];
    let mut work = D::Work::default();
    let mut feed = Feed::Resume;
    let mut held = None;
    loop {
        let mut g = held.take().unwrap_or_else(|| lock(d.core()));
        let now = d.now();
        match feed {
            Feed::Read(n) => D::input(&mut g, k, now, Some(&buf[..n])),
            Feed::Eof => D::input(&mut g, k, now, None),
            Feed::Resume => {
                D::answer(&mut g, k, now, &mut work);
                D::input(&mut g, k, now, Some(&[]));
            }
        }
        let open = D::is_open(&g, k);
        let busy = open && D::take_work(&mut g, k, &mut work);
        let wants = open && D::wants_input(&g, k);
        d.settle(g);
        feed = Feed::Resume;
        if !open {
            return d.done(link, false);
        }
        if busy {
            d.work(k, &mut work);
            continue;
        }
        if !wants {
            // Wait until the writer made room (or the session closed).
            let mut g = lock(d.core());
            while D::is_open(&g, k) && !D::wants_input(&g, k) {
                g = link.wait(g, false);
            }
            held = Some(g);
            continue;
        }
        feed = loop {
            match r.read(&mut buf) {
                Ok(0) => break Feed::Eof,
                Ok(n) => {
                    link.quickack.rearm();
                    if let Some(f) = framer.as_mut() {
                        f.feed(trace, link.peer, &buf[..n]);
                    }
                    if n == buf.len() && n < 32 * 1024 {
                        buf.resize(n * 2, 0);
                    }
                    break Feed::Read(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    log::debug!("smpp: read from {:?} failed: {e}", link.peer);
                    break Feed::Eof;
                }
            }
        };
    }
}

/// The writer: takes the output under the lock, writes it outside, in order, until the
/// session closed and its output was taken; then shuts the socket down. After a failed
/// write, output is taken and dropped.
fn writer<D, W, B>(
    d: &Arc<D>,
    link: &Arc<Link<D::Key>>,
    mut w: W,
    take: fn(&mut D::Core, &D::Key) -> Option<B>,
) where
    D: Driver,
    W: Write,
    B: AsRef<[u8]>,
{
    let (k, trace) = (&link.key, d.trace());
    let tracing = trace.enabled();
    let mut failed = false;
    loop {
        let out = {
            let mut g = lock(d.core());
            loop {
                let full = !D::wants_input(&g, k);
                if let Some(b) = take(&mut g, k) {
                    link.wake(false, full); // the reader may go on
                    break Some(b);
                }
                if !D::is_open(&g, k) {
                    break None;
                }
                g = link.wait(g, true);
            }
        };
        let Some(b) = out else { break };
        let b = b.as_ref();
        if tracing {
            trace.emit_all(Direction::Out, link.peer, b);
        }
        if !failed {
            if let Err(e) = w.write_all(b).and_then(|()| w.flush()) {
                log::debug!("smpp: write to {:?} failed: {e}", link.peer);
                failed = true;
                link.shutdown(); // the reader sees the end of the stream
            }
        }
    }
    drop(w); // a TLS writer sends its close_notify
    link.shutdown();
    d.done(link, true);
}
