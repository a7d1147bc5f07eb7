//! The server's driver: the [`Endpoint`] behind one lock, one byte pump per connection
//! (`crate::io`), one timer task, and the calls into the application's authenticator and
//! handler. Every decision is the endpoint's; this file only moves octets, time and
//! wake-ups. No lock is held across an `.await`.

use crate::error::Error;
use crate::io::{Turn, Wire};
use crate::oneshot;
use crate::Response;
use smpp_core::codec::Frame;
use smpp_core::server::{
    AppResponse, Authenticator, BindId, ConnEvent, Connect, DeliveryId, DeliveryOutcome, Endpoint,
    Reply, RequestContext, ServerConfig, ServerEvent, StoreOp,
};
use smpp_core::{CommandId, CommandStatus, Instant};
use smpp_runtime::{HandlerSlot, Polled, QuickAck, StoreDriver, StoreHost};
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::task::{Context, Waker};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::runtime::Handle;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::sync::Notify;

/// The application's handler, type-erased: makes each connection's [`Calls`] (once per
/// connection).
pub(crate) type DynHandler = Arc<dyn Fn(Arc<Shared>, BindId) -> Box<dyn Calls> + Send + Sync>;

/// How one connection runs the application's handler.
pub(crate) trait Calls: Send {
    /// Runs the handler for `frame`: its reply when the handler completes at once, else
    /// `None` (a task of its own answers it when it completes).
    fn call(
        &mut self,
        ctx: Arc<RequestContext>,
        frame: Frame,
        cx: &mut Context<'_>,
    ) -> Option<Reply>;
}

/// The [`Calls`] of handler `H`, whose request futures have type `F`. Each future is
/// polled in place in the connection's [`HandlerSlot`], reused from request to request, so
/// a handler that completes at once costs no allocation; one that does not goes, in its
/// place, to a task of its own (on the server's runtime).
struct HandlerCalls<H, F> {
    handler: Arc<H>,
    /// Makes the future for one request (`call::<H>`: naming its type `F` this way keeps
    /// it concrete, unboxed).
    make: fn(Arc<H>, Arc<RequestContext>, Frame) -> F,
    slot: HandlerSlot<F>,
    shared: Arc<Shared>,
    id: BindId,
}

/// The future of one request to `handler`, owning what it borrows.
async fn call<H: super::Handler>(handler: Arc<H>, ctx: Arc<RequestContext>, frame: Frame) -> Reply {
    handler.handle(&ctx, &frame).await
}

/// The calls of `handler` for connection `id`.
pub(crate) fn calls_for<H: super::Handler>(
    handler: Arc<H>,
    shared: Arc<Shared>,
    id: BindId,
) -> Box<dyn Calls> {
    Box::new(HandlerCalls {
        handler,
        make: call::<H>,
        slot: HandlerSlot::new(),
        shared,
        id,
    })
}

impl<H, F> Calls for HandlerCalls<H, F>
where
    H: super::Handler,
    F: Future<Output = Reply> + Send + 'static,
{
    fn call(
        &mut self,
        ctx: Arc<RequestContext>,
        frame: Frame,
        cx: &mut Context<'_>,
    ) -> Option<Reply> {
        let (seq, command) = (frame.sequence_number(), frame.command_id());
        let fut = (self.make)(self.handler.clone(), ctx, frame);
        match self.slot.poll(fut, cx) {
            Polled::Ready(reply) => Some(reply),
            Polled::Pending(running) => {
                let (shared, id) = (self.shared.clone(), self.id);
                self.shared.rt.spawn(async move {
                    let reply = running.await;
                    shared.with(|st, now| {
                        let _ = st.ep.reply(now, id, seq, command, &reply);
                    });
                });
                None
            }
        }
    }
}
type ResponseResult = Result<Response, Error>;

pub(crate) fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the lock protects: the endpoint, and who waits for what it decides.
pub(crate) struct State {
    pub(crate) ep: Endpoint,
    wakers: HashMap<BindId, Waker>,
    deliveries: HashMap<DeliveryId, oneshot::Sender<DeliveryOutcome>>,
    requests: HashMap<(BindId, u32), oneshot::Sender<ResponseResult>>,
    removed: HashMap<BindId, Vec<oneshot::Sender<()>>>,
    timer_at: Option<Instant>,
}

/// What to do once the lock is released.
#[derive(Default)]
pub(crate) struct After {
    wakers: Vec<Waker>,
    deliveries: Vec<(oneshot::Sender<DeliveryOutcome>, DeliveryOutcome)>,
    responses: Vec<(oneshot::Sender<ResponseResult>, ResponseResult)>,
    connects: Vec<Connect>,
    store: Vec<StoreOp>,
    timer: bool,
}

/// Everything the server's tasks share.
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) config: ServerConfig,
    auth: Box<dyn Authenticator>,
    handler: DynHandler,
    subscribers: Mutex<Vec<mpsc::Sender<ServerEvent>>>,
    subscribed: AtomicUsize,
    clock: crate::clock::Clock,
    /// The runtime the server was created on: every task goes there, whichever thread
    /// (a `Drop`, the application's own) caused it.
    pub(crate) rt: Handle,
    /// Wakes the timer task when the endpoint's deadline moved earlier (and when the
    /// server is gone, so that the task ends).
    timer_kick: Arc<Notify>,
    /// Holds at most one permit: "a connection was removed since you last looked".
    pub(crate) removed: Notify,
    /// The delivery store's driver, once attached.
    pub(crate) store: OnceLock<Arc<StoreDriver>>,
}

/// The store driver's way to the endpoint (weak: the driver does not keep the server).
pub(crate) struct StoreAccess(pub(crate) Weak<Shared>);

impl StoreHost for StoreAccess {
    fn with_endpoint(&self, f: &mut dyn FnMut(&mut Endpoint, Instant)) {
        if let Some(shared) = self.0.upgrade() {
            shared.with(|st, now| f(&mut st.ep, now));
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.timer_kick.notify_one();
    }
}

impl Shared {
    pub(crate) fn new(
        config: ServerConfig,
        auth: Box<dyn Authenticator>,
        handler: DynHandler,
    ) -> Arc<Shared> {
        let mut ep_config = config.clone();
        ep_config.seed = crate::clock::seed();
        Arc::new(Shared {
            state: Mutex::new(State {
                ep: Endpoint::new(ep_config, Instant::ZERO),
                wakers: HashMap::new(),
                deliveries: HashMap::new(),
                requests: HashMap::new(),
                removed: HashMap::new(),
                timer_at: None,
            }),
            config,
            auth,
            handler,
            subscribers: Mutex::new(Vec::new()),
            subscribed: AtomicUsize::new(0),
            clock: crate::clock::Clock::start(),
            rt: Handle::current(),
            timer_kick: Arc::new(Notify::new()),
            removed: Notify::new(),
            store: OnceLock::new(),
        })
    }

    /// The endpoint's clock.
    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Runs `f` on the endpoint under the lock, then carries out what it decided.
    pub(crate) fn with<R>(self: &Arc<Self>, f: impl FnOnce(&mut State, Instant) -> R) -> R {
        self.with_as(None, f)
    }

    /// [`Shared::with`] from the pump of `me`, which needs no wake-up.
    fn with_as<R>(
        self: &Arc<Self>,
        me: Option<BindId>,
        f: impl FnOnce(&mut State, Instant) -> R,
    ) -> R {
        let mut after = After::default();
        let r = {
            let mut st = lock(&self.state);
            let r = f(&mut st, self.now());
            self.settle(&mut st, me, &mut after);
            r
        };
        self.run(after);
        r
    }

    /// Collects what the endpoint decided (skipping the wake-up of `me`, whose pump is
    /// running).
    fn settle(&self, st: &mut State, me: Option<BindId>, after: &mut After) {
        while let Some(id) = st.ep.poll_wake() {
            if let Some(w) = st.wakers.get(&id).filter(|_| Some(id) != me) {
                after.wakers.push(w.clone());
            }
        }
        let subscribed = self.subscribed.load(Ordering::Relaxed) > 0;
        while let Some(ev) = st.ep.poll_event() {
            if let ServerEvent::Delivery { id, outcome, .. } = &ev {
                if let Some(tx) = st.deliveries.remove(id) {
                    after.deliveries.push((tx, outcome.clone()));
                }
            }
            if subscribed {
                // Under the lock, so that subscribers see events in the endpoint's order
                // whichever thread caused them. A subscriber that does not keep up loses
                // events rather than growing memory.
                let mut subs = lock(&self.subscribers);
                subs.retain(|s| !matches!(s.try_send(ev.clone()), Err(TrySendError::Closed(_))));
                self.subscribed.store(subs.len(), Ordering::Relaxed);
            }
        }
        while let Some(AppResponse {
            bind_id,
            sequence_number,
            outcome,
        }) = st.ep.poll_response()
        {
            if let Some(tx) = st.requests.remove(&(bind_id, sequence_number)) {
                let r = smpp_runtime::error::outcome_result(outcome);
                after.responses.push((tx, r));
            }
        }
        while let Some(c) = st.ep.poll_connect() {
            after.connects.push(c);
        }
        while let Some(op) = st.ep.poll_store() {
            after.store.push(op);
        }
        let next = st.ep.poll_timeout();
        if next.is_some() && (st.timer_at.is_none() || next < st.timer_at) {
            st.timer_at = next;
            after.timer = true;
        }
    }

    fn run(self: &Arc<Self>, after: After) {
        after.wakers.into_iter().for_each(Waker::wake);
        for (tx, v) in after.deliveries {
            tx.send(v);
        }
        for (tx, v) in after.responses {
            tx.send(v);
        }
        if after.timer {
            self.timer_kick.notify_one();
        }
        if let Some(store) = self.store.get() {
            store.submit(after.store);
        }
        for c in after.connects {
            self.clone().spawn_outbind(c);
        }
    }

    pub(crate) fn subscribe(&self) -> mpsc::Receiver<ServerEvent> {
        let (tx, rx) = mpsc::channel(self.config.event_capacity.max(1));
        let mut subs = lock(&self.subscribers);
        subs.push(tx);
        self.subscribed.store(subs.len(), Ordering::Relaxed);
        rx
    }

    /// Waits for the outcome of delivery `id`.
    pub(crate) fn watch_delivery(
        &self,
        st: &mut State,
        id: DeliveryId,
    ) -> oneshot::Receiver<DeliveryOutcome> {
        let (tx, rx) = oneshot::channel();
        st.deliveries.insert(id, tx);
        rx
    }

    /// Waits for the response to request `seq` on `bind`.
    pub(crate) fn watch_request(
        &self,
        st: &mut State,
        bind: BindId,
        seq: u32,
    ) -> oneshot::Receiver<ResponseResult> {
        let (tx, rx) = oneshot::channel();
        st.requests.insert((bind, seq), tx);
        rx
    }

    /// Resolves when connection `bind` was removed.
    pub(crate) fn watch_removed(&self, st: &mut State, bind: BindId) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        if st.ep.state(bind).is_none() {
            tx.send(());
        } else {
            st.removed.entry(bind).or_default().push(tx);
        }
        rx
    }

    /// The endpoint's timers, on one task for the whole server; it ends with the server.
    pub(crate) fn spawn_timer(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(self);
        let kick = self.timer_kick.clone();
        self.rt.spawn(async move {
            loop {
                let Some(s) = weak.upgrade() else {
                    return;
                };
                let deadline = s.with(|st, now| {
                    if st.ep.poll_timeout().is_some_and(|t| t <= now) {
                        st.ep.handle_timeout(now);
                    }
                    st.timer_at = st.ep.poll_timeout();
                    st.timer_at
                });
                let at = deadline.and_then(|d| s.clock.std_instant(d));
                drop(s);
                match at {
                    Some(t) => {
                        let t = tokio::time::Instant::from_std(t);
                        let _ = tokio::time::timeout_at(t, kick.notified()).await;
                    }
                    None => kick.notified().await,
                }
            }
        })
    }

    /// Connects out for an outbind target and serves the connection.
    fn spawn_outbind(self: Arc<Self>, c: Connect) {
        self.rt.clone().spawn(async move {
            let timeout: std::time::Duration = self.config.session.bind_timeout.into();
            let connect = tokio::net::TcpStream::connect(c.addr);
            match tokio::time::timeout(timeout, connect).await {
                Ok(Ok(stream)) => {
                    let quickack = QuickAck::of(&stream);
                    let conn = self.with(|st, now| st.ep.outbind_connected(now, c.id, c.addr));
                    if let Ok(id) = conn {
                        self.serve(stream, quickack, id, c.addr).await;
                    }
                }
                _ => self.with(|st, now| st.ep.outbind_failed(now, c.id)),
            }
        });
    }

    /// Pumps connection `id` until its session closed and its output was written, then
    /// removes it.
    pub(crate) async fn serve<S>(
        self: &Arc<Self>,
        mut io: S,
        quickack: QuickAck,
        id: BindId,
        peer: SocketAddr,
    ) where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let mut wire = ConnWire {
            shared: self.clone(),
            id,
            work: Vec::new(),
            replies: Vec::new(),
            calls: (self.handler)(self.clone(), id),
        };
        crate::io::pump(&mut io, quickack, &mut wire, &self.config.trace, Some(peer)).await;
        self.remove(id);
    }

    /// The connection is gone: the endpoint forgets it.
    pub(crate) fn remove(self: &Arc<Self>, id: BindId) {
        let done = self.with(|st, now| {
            st.ep.remove(now, id);
            st.wakers.remove(&id);
            st.removed.remove(&id).unwrap_or_default()
        });
        for tx in done {
            tx.send(());
        }
        self.removed.notify_one();
    }

    /// Decides a bind: the application's authenticator, a panic counting as
    /// `ESME_RSYSERR`.
    fn authenticate(&self, req: &smpp_core::server::BindRequest) -> Result<(), CommandStatus> {
        std::panic::catch_unwind(AssertUnwindSafe(|| self.auth.authenticate(req))).unwrap_or_else(
            |_| {
                log::error!("smpp: the authenticator panicked; answering ESME_RSYSERR");
                Err(CommandStatus::ESME_RSYSERR)
            },
        )
    }
}

/// One connection's side of the server, as its pump drives it.
struct ConnWire {
    shared: Arc<Shared>,
    id: BindId,
    work: Vec<ConnEvent>,
    replies: Vec<(u32, CommandId, Reply)>,
    /// The application's handler for this connection.
    calls: Box<dyn Calls>,
}

impl Wire for ConnWire {
    fn turn(&mut self, cx: &mut Context<'_>, take: bool, discard: bool) -> Turn {
        let id = self.id;
        let mut after = After::default();
        let mut turn = {
            let mut st = lock(&self.shared.state);
            match st.wakers.get(&id) {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => {
                    st.wakers.insert(id, cx.waker().clone());
                }
            }
            while let Some(w) = st.ep.poll_request(id) {
                self.work.push(w);
            }
            let output = if take { st.ep.take_transmit(id) } else { None };
            let turn = Turn {
                output: output.filter(|_| !discard),
                more: st.ep.poll_transmit(id).is_some(),
                closed: st.ep.is_closed(id),
                wants_input: st.ep.wants_input(id),
                worked: !self.work.is_empty(),
            };
            self.shared.settle(&mut st, Some(id), &mut after);
            turn
        };
        self.shared.run(after);
        if !self.work.is_empty() {
            self.serve_requests(cx);
            turn.worked = true;
        }
        turn
    }

    fn input(&mut self, data: &[u8]) {
        let id = self.id;
        self.shared
            .with_as(Some(id), |st, now| st.ep.handle_input(now, id, data));
    }

    fn eof(&mut self) {
        let id = self.id;
        self.shared.with(|st, now| st.ep.handle_eof(now, id));
    }
}

impl ConnWire {
    /// Runs the authenticator and the handler for the requests taken from the endpoint.
    fn serve_requests(&mut self, cx: &mut Context<'_>) {
        let (shared, id) = (self.shared.clone(), self.id);
        // Drained in place: the buffer keeps its capacity for the next turn.
        let mut work = std::mem::take(&mut self.work);
        for w in work.drain(..) {
            match w {
                ConnEvent::Authenticate(req) => {
                    let verdict = shared.authenticate(&req);
                    shared.with(|st, now| st.ep.authenticated(now, id, verdict));
                }
                ConnEvent::Request { ctx, frame } => {
                    let (seq, command) = (frame.sequence_number(), frame.command_id());
                    // Polled in place, without an allocation; moved to a task of its own
                    // only if it is not ready.
                    if let Some(reply) = self.calls.call(ctx, frame, cx) {
                        self.replies.push((seq, command, reply));
                    }
                }
            }
        }
        self.work = work;
        if !self.replies.is_empty() {
            let replies = &mut self.replies;
            shared.with_as(Some(id), |st, now| {
                for (seq, command, reply) in replies.drain(..) {
                    if let Err(e) = st.ep.reply(now, id, seq, command, &reply) {
                        log::warn!(
                            "smpp: handler reply to {command} seq={seq} refused ({e}); answered ESME_RSYSERR"
                        );
                    }
                }
            });
        }
    }
}
