//! The byte pump of one connection, shared by the client and the server: it writes what
//! the endpoint produced, feeds it what the socket delivered, and lets the role run the
//! application's work. Nothing here decides anything about the protocol.

use crate::trace::{Trace, TraceExt, TraceRx};
use bytes::{Buf, Bytes};
use futures_lite::{AsyncRead, AsyncWrite};
use smpp_core::trace::Direction;
use smpp_runtime::QuickAck;
use std::cell::RefCell;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

/// How long output may still be flushed after the session closed.
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);
/// Pump iterations before yielding to other tasks.
const BUDGET: usize = 32;
const SCRATCH_LEN: usize = 64 * 1024;

thread_local! {
    /// Read buffer shared by the pumps running on a thread: received octets are copied into
    /// the endpoint at once, so no connection needs its own.
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; SCRATCH_LEN]);
}

/// What a pump sees of its connection's endpoint at one moment.
pub(crate) struct Turn {
    /// Output taken from the endpoint (when the pump asked for it).
    pub(crate) output: Option<Bytes>,
    /// More output waits after `output`.
    pub(crate) more: bool,
    /// The connection's session closed.
    pub(crate) closed: bool,
    /// The endpoint takes more input now.
    pub(crate) wants_input: bool,
    /// The role did application work (progress).
    pub(crate) worked: bool,
}

/// A connection's endpoint side, as the pump drives it.
pub(crate) trait Wire {
    /// Registers `cx`'s waker for new work, runs pending application work, and takes the
    /// pending output when `take` (discarding it when `discard`: the socket broke).
    fn turn(&mut self, cx: &mut Context<'_>, take: bool, discard: bool) -> Turn;
    /// Octets received.
    fn input(&mut self, data: &[u8]);
    /// The peer closed, or the socket failed.
    fn eof(&mut self);
}

/// Pumps `io` until the connection's session closed and its output was written (or the
/// linger passed), re-arming `quickack` after every read.
pub(crate) async fn pump<S, W>(
    io: &mut S,
    quickack: QuickAck,
    wire: &mut W,
    trace: &Trace,
    peer: Option<SocketAddr>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
    W: Wire,
{
    let mut p = Pump {
        io,
        quickack,
        wire,
        trace,
        peer,
        wbuf: Bytes::new(),
        flush_pending: false,
        read_done: false,
        write_broken: false,
        linger: None,
        trace_rx: trace.enabled().then(TraceRx::default),
    };
    futures_lite::future::poll_fn(|cx| p.poll(cx)).await;
    // Best effort: half-close so the peer sees EOF at once.
    let _ = futures_lite::future::poll_once(futures_lite::AsyncWriteExt::close(p.io)).await;
}

struct Pump<'a, S, W> {
    io: &'a mut S,
    quickack: QuickAck,
    wire: &'a mut W,
    trace: &'a Trace,
    peer: Option<SocketAddr>,
    wbuf: Bytes,
    flush_pending: bool,
    read_done: bool,
    write_broken: bool,
    linger: Option<(std::time::Instant, async_io::Timer)>,
    trace_rx: Option<TraceRx>,
}

impl<S: AsyncRead + AsyncWrite + Unpin, W: Wire> Pump<'_, S, W> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        for _ in 0..BUDGET {
            let take = self.wbuf.is_empty() || self.write_broken;
            let turn = self.wire.turn(cx, take, self.write_broken);
            let mut progress = turn.worked;
            if let Some(b) = turn.output {
                if self.trace_rx.is_some() {
                    self.trace.emit_all(Direction::Out, self.peer, &b);
                }
                self.wbuf = b;
            }
            progress |= turn.more && self.wbuf.is_empty() && !self.write_broken;
            progress |= self.write_step(cx);
            if turn.wants_input && !self.read_done && self.read_step(cx) {
                progress = true;
            }
            if turn.closed {
                let flushed = self.wbuf.is_empty() && !self.flush_pending && !turn.more;
                if self.write_broken || (flushed && !progress) {
                    return Poll::Ready(());
                }
                let (until, timer) = self.linger.get_or_insert_with(|| {
                    let until = std::time::Instant::now() + LINGER;
                    (until, async_io::Timer::at(until))
                });
                if std::time::Instant::now() >= *until || Pin::new(timer).poll(cx).is_ready() {
                    return Poll::Ready(());
                }
            }
            if !progress {
                return Poll::Pending;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Writes as much pending output as the socket takes. True on progress.
    fn write_step(&mut self, cx: &mut Context<'_>) -> bool {
        if self.write_broken {
            return false;
        }
        let mut progress = false;
        while !self.wbuf.is_empty() {
            match Pin::new(&mut *self.io).poll_write(cx, &self.wbuf) {
                Poll::Ready(Ok(0)) => return self.io_failed(),
                Poll::Ready(Ok(n)) => {
                    self.wbuf.advance(n);
                    self.flush_pending = true;
                    progress = true;
                }
                Poll::Ready(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => {
                    log::debug!("write to {:?} failed: {e}", self.peer);
                    return self.io_failed();
                }
                Poll::Pending => return progress,
            }
        }
        if self.flush_pending {
            match Pin::new(&mut *self.io).poll_flush(cx) {
                Poll::Ready(Ok(())) => {
                    self.flush_pending = false;
                    progress = true;
                }
                Poll::Ready(Err(_)) => return self.io_failed(),
                Poll::Pending => {}
            }
        }
        progress
    }

    /// The socket broke: the peer is gone.
    fn io_failed(&mut self) -> bool {
        self.write_broken = true;
        self.flush_pending = false;
        self.wbuf = Bytes::new();
        self.wire.eof();
        true
    }

    /// Reads once into the thread's scratch buffer and feeds the endpoint. True on progress.
    fn read_step(&mut self, cx: &mut Context<'_>) -> bool {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => self.read_into(cx, &mut buf),
            Err(_) => self.read_into(cx, &mut vec![0; 4096]),
        })
    }

    fn read_into(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> bool {
        match Pin::new(&mut *self.io).poll_read(cx, buf) {
            Poll::Ready(Ok(n)) if n > 0 => {
                self.quickack.rearm();
                let data = buf.get(..n).unwrap_or(&[]);
                if let Some(t) = &mut self.trace_rx {
                    t.feed(self.trace, self.peer, data);
                }
                self.wire.input(data);
                true
            }
            Poll::Ready(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => true,
            Poll::Ready(r) => {
                if let Err(e) = r {
                    log::debug!("read from {:?} failed: {e}", self.peer);
                }
                self.read_done = true;
                self.wire.eof();
                true
            }
            Poll::Pending => false,
        }
    }
}
