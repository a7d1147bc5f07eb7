//! The client's driver: the ESME [`Endpoint`] behind a lock shared by the application's
//! handles and one supervisor task, which pumps each connection (`crate::io`), waits out
//! the endpoint's reconnect back-off and dials again when it says so. Every decision is
//! the endpoint's; this file moves octets, time and wake-ups, and routes outcomes to the
//! futures waiting for them. No lock is held across an `.await`.

use super::dial::Dial;
use crate::error::Error;
use crate::io::{Turn, Wire};
use crate::oneshot;
use crate::{Incoming, IncomingRequest, LinkState, Response};
use smpp_core::client::{ClientConfig, ClientEvent, Endpoint, IncomingId, Mode, Ticket};
use smpp_core::pdu::Body;
use smpp_core::session::{CloseReason, SessionError};
use smpp_core::{CommandStatus, Instant};
use smpp_runtime::error::outcome_result;
use smpp_runtime::{IncomingQueue, QuickAck};
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::runtime::Handle;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;

pub(crate) type ResponseResult = Result<Response, Error>;
type BindResult = Result<(), Error>;

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Tickets are distinct sequential numbers: a multiply spreads them well enough.
type TicketHash = std::hash::BuildHasherDefault<TicketHasher>;

#[derive(Default)]
struct TicketHasher(u64);

impl std::hash::Hasher for TicketHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8 | u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// What the lock protects.
pub(crate) struct State {
    pub(crate) ep: Endpoint,
    /// The pump's (or, between connections, the supervisor's) waker.
    waker: Option<Waker>,
    waiters: HashMap<Ticket, (oneshot::Sender<ResponseResult>, OwnedSemaphorePermit), TicketHash>,
    bind: Option<oneshot::Sender<BindResult>>,
    watchers: Vec<UnboundedSender<LinkState>>,
    pub(crate) peer: Option<SocketAddr>,
    /// The application closed the client (unbind, abort, last handle dropped).
    pub(crate) shut: bool,
}

#[derive(Default)]
struct After {
    wake: Option<Waker>,
    done: Vec<(oneshot::Sender<ResponseResult>, ResponseResult)>,
    unreceived: Vec<IncomingRequest>,
    worked: bool,
    bind: Option<(oneshot::Sender<BindResult>, BindResult)>,
}

/// Everything the client's handles and its supervisor share.
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) config: ClientConfig,
    /// One permit per window slot: `send` waits here when the window is full.
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) window: usize,
    clock: crate::clock::Clock,
    rt: Handle,
    /// Never has a permit: closed when the supervisor ends, which releases its waiters.
    finished: Semaphore,
    /// The requests for the application (bounded: reading stops while it is backlogged).
    incoming: Arc<IncomingQueue<IncomingRequest>>,
}

impl Shared {
    pub(crate) fn new(config: ClientConfig, redial: bool) -> (Arc<Shared>, Incoming) {
        let incoming = Arc::new(IncomingQueue::new(config.session.peer_window));
        let window = config.session.window.max(1);
        let ep = Endpoint::new(config.clone(), Instant::ZERO, redial, crate::clock::seed());
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                ep,
                waker: None,
                waiters: HashMap::default(),
                bind: None,
                watchers: Vec::new(),
                peer: None,
                shut: false,
            }),
            config,
            permits: Arc::new(Semaphore::new(window)),
            window,
            clock: crate::clock::Clock::start(),
            rt: Handle::current(),
            finished: Semaphore::new(0),
            incoming,
        });
        // The application took a request from a backlogged queue: the pump reads again.
        let weak = Arc::downgrade(&shared);
        shared.incoming.set_on_room(move || {
            if let Some(shared) = weak.upgrade() {
                shared.with(|_, _| ());
            }
        });
        (shared.clone(), Incoming::new(shared.incoming.clone()))
    }

    /// Runs `f` on the endpoint under the lock, then carries out what it decided (waking
    /// the pump unless `pump`: the pump itself calls).
    fn with_as<R>(self: &Arc<Self>, pump: bool, f: impl FnOnce(&mut State, Instant) -> R) -> R {
        let mut after = After::default();
        let r = {
            let mut st = lock(&self.state);
            let r = f(&mut st, self.clock.now());
            self.settle(&mut st, &mut after);
            if !pump {
                after.wake = st.waker.take();
            }
            r
        };
        self.run(after);
        r
    }

    /// Runs `f` on the endpoint under the lock, then carries out what it decided.
    pub(crate) fn with<R>(self: &Arc<Self>, f: impl FnOnce(&mut State, Instant) -> R) -> R {
        self.with_as(false, f)
    }

    fn settle(self: &Arc<Self>, st: &mut State, after: &mut After) {
        while let Some(ev) = st.ep.poll_event() {
            match ev {
                ClientEvent::State(s) => {
                    let bind = match s {
                        LinkState::Bound(_) => Some(Ok(())),
                        LinkState::Closed(reason) => {
                            Some(Err(smpp_runtime::error::bind_error(reason, st.shut)))
                        }
                        _ => None,
                    };
                    if let Some(r) = bind {
                        if let Some(tx) = st.bind.take() {
                            after.bind = Some((tx, r));
                        }
                    }
                    // Under the lock, so that every subscriber sees the changes in order
                    // whichever thread caused them.
                    st.watchers.retain(|tx| tx.send(s).is_ok());
                }
                ClientEvent::Outcome { ticket, outcome } => {
                    if let Some((tx, permit)) = st.waiters.remove(&ticket) {
                        drop(permit);
                        after.done.push((tx, outcome_result(outcome)));
                    }
                }
                ClientEvent::Incoming {
                    id,
                    frame,
                    needs_response,
                } => {
                    let responder = needs_response.then(|| Responder {
                        shared: self.clone(),
                        id,
                    });
                    // In order under the lock; a request nobody receives is dropped (and so
                    // answered ESME_RX_T_APPN) after the lock is released.
                    let answered = responder.is_none();
                    let req = IncomingRequest::new(frame, responder);
                    if let Err(req) = self.incoming.push(req, answered) {
                        after.unreceived.push(req);
                    }
                    after.worked = true;
                }
            }
        }
    }

    fn run(&self, after: After) {
        if let Some(w) = after.wake {
            w.wake();
        }
        for (tx, r) in after.done {
            tx.send(r);
        }
        drop(after.unreceived);
        if let Some((tx, r)) = after.bind {
            tx.send(r);
        }
    }

    /// The error for a request the endpoint refused.
    fn send_error(st: &State, e: SessionError) -> Error {
        match e {
            SessionError::Closed if st.shut => Error::Closed,
            SessionError::Closed => match st.ep.state() {
                LinkState::Closed(Some(r)) => Error::ConnectionLost(r),
                _ => Error::ConnectionLost(CloseReason::Aborted),
            },
            e => Error::Session(e),
        }
    }

    /// Sends a request holding `permit`; the future resolves with its outcome.
    pub(crate) fn send_with(
        self: &Arc<Self>,
        body: &Body<'_>,
        permit: OwnedSemaphorePermit,
    ) -> Result<oneshot::Receiver<ResponseResult>, Error> {
        self.with(|st, now| {
            let ticket = st
                .ep
                .send(now, body)
                .map_err(|e| Shared::send_error(st, e))?;
            let (tx, rx) = oneshot::channel();
            st.waiters.insert(ticket, (tx, permit));
            Ok(rx)
        })
    }

    pub(crate) fn watch(&self) -> UnboundedReceiver<LinkState> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut st = lock(&self.state);
        if !matches!(st.ep.state(), LinkState::Closed(_)) {
            st.watchers.push(tx);
        }
        rx
    }

    /// Waits until the supervisor ended.
    pub(crate) async fn wait_finished(&self) {
        let _ = self.finished.acquire().await;
    }

    /// Starts the first connection and waits for its bind; the supervisor then keeps the
    /// link (reconnecting when the endpoint says so).
    pub(crate) async fn launch<S>(
        self: &Arc<Self>,
        stream: S,
        quickack: QuickAck,
        peer: Option<SocketAddr>,
        mode: Mode,
        dial: Option<Dial>,
    ) -> Result<(), Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.with(|st, now| {
            st.bind = Some(tx);
            st.peer = peer;
            st.ep.connected(now, mode);
        });
        let shared = self.clone();
        self.rt.spawn(async move {
            shared.pump(stream, quickack, peer).await;
            if let Some(dial) = dial {
                shared.reconnect_loop(&dial).await;
            }
            shared.finish();
        });
        rx.await.unwrap_or(Err(Error::Closed))
    }

    async fn pump<S: AsyncRead + AsyncWrite + Unpin>(
        self: &Arc<Self>,
        mut io: S,
        quickack: QuickAck,
        peer: Option<SocketAddr>,
    ) {
        let mut wire = ClientWire {
            shared: self.clone(),
            timer: Box::pin(tokio::time::sleep(std::time::Duration::ZERO)),
            timer_at: None,
        };
        crate::io::pump(&mut io, quickack, &mut wire, &self.config.trace, peer).await;
    }

    /// Between connections: waits for the endpoint's next attempt and dials, until it is
    /// over.
    async fn reconnect_loop(self: &Arc<Self>, dial: &Dial) {
        loop {
            let (closed, connect, deadline) = self.with(|st, now| {
                if st.ep.poll_timeout().is_some_and(|t| t <= now) {
                    st.ep.handle_timeout(now);
                }
                (
                    st.ep.is_closed(),
                    st.ep.poll_connect(),
                    st.ep.poll_timeout(),
                )
            });
            if closed {
                return;
            }
            if !connect {
                self.sleep_until(deadline).await;
                continue;
            }
            let (stream, peer, quickack) = match dial.connect().await {
                Ok(c) => c,
                Err(e) => {
                    self.redial_failed(&e);
                    continue;
                }
            };
            #[cfg(feature = "tls")]
            if let Some(tls) = &dial.tls {
                match tls.handshake(stream).await {
                    Ok(s) => self.reconnected(s, quickack, peer).await,
                    Err(e) => self.redial_failed(&e),
                }
                continue;
            }
            self.reconnected(stream, quickack, peer).await;
        }
    }

    /// A new connection is open: the endpoint binds on it, and it is pumped until it ends.
    async fn reconnected<S: AsyncRead + AsyncWrite + Unpin>(
        self: &Arc<Self>,
        stream: S,
        quickack: QuickAck,
        peer: Option<SocketAddr>,
    ) {
        self.with(|st, now| {
            st.peer = peer;
            st.ep.connected(now, Mode::Bind);
        });
        self.pump(stream, quickack, peer).await;
    }

    fn redial_failed(self: &Arc<Self>, e: &Error) {
        log::debug!("reconnect failed: {e}");
        self.with(|st, now| st.ep.connect_failed(now));
    }

    /// Sleeps until `deadline`, or until the application touches the endpoint.
    async fn sleep_until(self: &Arc<Self>, deadline: Option<Instant>) {
        let at = deadline.and_then(|d| self.clock.std_instant(d));
        let mut timer = at.map(|t| Box::pin(tokio::time::sleep_until(t.into())));
        std::future::poll_fn(|cx| {
            if timer
                .as_mut()
                .is_some_and(|t| t.as_mut().poll(cx).is_ready())
            {
                return Poll::Ready(());
            }
            let mut st = lock(&self.state);
            if st.shut || st.ep.is_closed() {
                return Poll::Ready(());
            }
            st.waker = Some(cx.waker().clone());
            Poll::Pending
        })
        .await;
    }

    /// The client is over: the `Incoming` and state streams end; waiters are released.
    fn finish(&self) {
        let waiters: Vec<_> = {
            let mut st = lock(&self.state);
            st.watchers.clear();
            st.bind.take();
            st.waiters.drain().collect()
        };
        self.incoming.close();
        for (_, (tx, _)) in waiters {
            tx.send(Err(Error::Closed));
        }
        self.finished.close();
    }
}

/// Answers one incoming request on the connection it arrived on (held inside
/// [`IncomingRequest`](crate::IncomingRequest)).
pub struct Responder {
    shared: Arc<Shared>,
    id: IncomingId,
}

impl smpp_runtime::Respond for Responder {
    fn respond(&self, status: CommandStatus, body: &Body<'_>) -> Result<(), Error> {
        self.shared.with(|st, now| {
            st.ep
                .respond(now, self.id, status, body)
                .map_err(|e| match e {
                    SessionError::Closed => Error::ConnectionLost(CloseReason::Aborted),
                    e => Error::Session(e),
                })
        })
    }
}

/// The current connection, as its pump drives it.
struct ClientWire {
    shared: Arc<Shared>,
    /// The endpoint's next deadline, armed when `timer_at` is set.
    timer: Pin<Box<Sleep>>,
    timer_at: Option<Instant>,
}

impl Wire for ClientWire {
    fn turn(&mut self, cx: &mut Context<'_>, take: bool, discard: bool) -> Turn {
        let shared = self.shared.clone();
        let mut after = After::default();
        let (turn, deadline) = {
            let mut st = lock(&shared.state);
            let now = shared.clock.now();
            if st.ep.poll_timeout().is_some_and(|t| t <= now) {
                st.ep.handle_timeout(now);
            }
            match &st.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => st.waker = Some(cx.waker().clone()),
            }
            let output = if take { st.ep.take_transmit() } else { None };
            let turn = Turn {
                output: output.filter(|_| !discard),
                more: st.ep.poll_transmit().is_some(),
                closed: !st.ep.is_connected(),
                // Not while the application's queue is backlogged (it calls back).
                wants_input: st.ep.wants_input() && !shared.incoming.backlogged(),
                worked: false,
            };
            shared.settle(&mut st, &mut after);
            (turn, st.ep.poll_timeout())
        };
        let worked = !after.done.is_empty() || after.worked;
        shared.run(after);
        // Only an earlier deadline re-arms the timer; a later one waits for the armed timer
        // (an early call is harmless).
        if let Some(t) = deadline {
            if !matches!(self.timer_at, Some(cur) if cur <= t) {
                if let Some(at) = shared.clock.std_instant(t) {
                    self.timer.as_mut().reset(at.into());
                    self.timer_at = Some(t);
                }
            }
        }
        let fired = self.timer_at.is_some() && self.timer.as_mut().poll(cx).is_ready();
        if fired {
            self.timer_at = None;
        }
        Turn {
            worked: worked || fired,
            ..turn
        }
    }

    fn input(&mut self, data: &[u8]) {
        self.shared
            .with_as(true, |st, now| st.ep.handle_input(now, data));
    }

    fn eof(&mut self) {
        self.shared.with_as(true, |st, now| st.ep.handle_eof(now));
    }
}
