//! The scenarios, written once for every [`Runtime`]. Each is a generic function that
//! panics when the runtime does not behave; [`conformance_suite!`](crate::conformance_suite)
//! makes one `#[test]` of each per runtime.
//!
//! Where the runtimes legitimately differ, the scenario names the difference, says why, and
//! asserts each runtime's documented behaviour (matching on [`Runtime::KIND`]).

use crate::{
    client_config, server_config, wait_until, Accounts, ClientUnderTest, Failure, HandlerPolicy,
    Kind, PendingDelivery, RawPeer, RawRead, Received, Runtime, ServerUnderTest, StoreKind,
    StoreUnderTest, PASSWORD,
};
use smpp_core::client::LinkState;
use smpp_core::pdu::{Address, Body, DeliverSm, EsmClass, SubmitSm};
use smpp_core::server::{
    AttemptFailure, BindId, DeliverError, DeliveryId, DeliveryOutcome, GiveUpReason, Placement,
    QueueFull, ServerConfig, ServerEvent,
};
use smpp_core::session::{BindType, CloseReason};
use smpp_core::{CommandId, CommandStatus, Duration as CoreDuration};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest any single expected thing may take.
const T: Duration = Duration::from_secs(5);

// ----- helpers ----------------------------------------------------------------------------

fn start<R: Runtime>(config: ServerConfig) -> R::Server {
    R::start_server(config, Accounts::standard(), HandlerPolicy::message_id())
}

fn connect<R: Runtime>(addr: SocketAddr, account: &str, bind_type: BindType) -> R::Client {
    R::connect(addr, client_config(account, bind_type))
        .unwrap_or_else(|e| panic!("{account} binds as {bind_type:?}: {e}"))
}

fn submit(text: &str) -> Body<'_> {
    Body::SubmitSm(SubmitSm {
        source: Address::alphanumeric("Test"),
        destination: Address::international("447700900123"),
        short_message: text.as_bytes(),
        ..Default::default()
    })
}

/// A delivery-receipt-style `deliver_sm` (esm_class 0x04) carrying `text`.
fn receipt(text: &str) -> Body<'_> {
    Body::DeliverSm(DeliverSm {
        source: Address::international("447700900123"),
        destination: Address::alphanumeric("Test"),
        esm_class: EsmClass(0x04),
        short_message: text.as_bytes(),
        ..Default::default()
    })
}

/// Receives `n` requests on `client`, answering each `ESME_ROK`; their texts in order.
fn recv_texts<C: ClientUnderTest>(client: &C, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let r = recv_one(client);
            let text = r.text();
            r.respond_ok().expect("respond");
            text
        })
        .collect()
}

/// Accepts `n` receipt-style messages `{prefix}0`, `{prefix}1`, ... for `account`.
fn deliver_n<S: ServerUnderTest>(
    server: &S,
    account: &str,
    prefix: &str,
    n: usize,
) -> Vec<PendingDelivery> {
    (0..n)
        .map(|i| {
            server
                .deliver(account, &receipt(&format!("{prefix}{i}")))
                .expect("deliver")
        })
        .collect()
}

/// The next event matching `pred` within `timeout` (others are skipped).
fn wait_event(
    server: &impl ServerUnderTest,
    timeout: Duration,
    mut pred: impl FnMut(&ServerEvent) -> bool,
) -> Option<ServerEvent> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        let ev = server.next_event(left)?;
        if pred(&ev) {
            return Some(ev);
        }
    }
}

/// Every event until none came for `quiet`.
fn drain_events(server: &impl ServerUnderTest, quiet: Duration) -> Vec<ServerEvent> {
    std::iter::from_fn(|| server.next_event(quiet)).collect()
}

/// The bind id of the only session of `account` with `bind_type` (waits for it).
fn bind_id_of(server: &impl ServerUnderTest, account: &str, bind_type: BindType) -> BindId {
    let mut found = None;
    let ok = wait_until(T, || {
        let s: Vec<BindId> = server
            .sessions()
            .into_iter()
            .filter(|s| s.account == account && s.bind_type == bind_type)
            .map(|s| s.bind_id)
            .collect();
        found = s.first().copied();
        s.len() == 1
    });
    assert!(ok, "no single {bind_type:?} session of {account}");
    found.expect("a session")
}

/// Bind ids of all bound sessions now.
fn bind_ids(server: &impl ServerUnderTest) -> BTreeSet<BindId> {
    server.sessions().into_iter().map(|s| s.bind_id).collect()
}

fn settles_to(server: &impl ServerUnderTest, connections: usize) {
    assert!(
        wait_until(T, || server.connection_count() == connections),
        "connections {} (want {connections})",
        server.connection_count()
    );
}

fn delivered_on(outcome: &DeliveryOutcome) -> BindId {
    match outcome {
        DeliveryOutcome::Delivered { bind_id, .. } => *bind_id,
        other => panic!("not delivered: {other:?}"),
    }
}

/// Sets its flag when dropped, so that helper threads of a `thread::scope` stop even when
/// an assertion of the scenario fails (the scope would otherwise wait for them forever).
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Answers every request of `client` with `status` until `stop`, recording their texts.
fn answer_all(
    client: &impl ClientUnderTest,
    status: CommandStatus,
    stop: &AtomicBool,
    seen: &Mutex<Vec<String>>,
) {
    while !stop.load(Ordering::Relaxed) {
        if let Some(r) = client.recv(Duration::from_millis(50)) {
            seen.lock().unwrap().push(r.text());
            r.respond(status).expect("respond");
        }
    }
}

fn recv_one(client: &impl ClientUnderTest) -> Received {
    client.recv(T).expect("a request from the SMSC within 5 s")
}

fn response_status(frame: &smpp_core::Frame, id: CommandId) -> CommandStatus {
    assert_eq!(frame.command_id(), id, "response type: {frame:?}");
    frame.command_status()
}

// ----- delivery stores --------------------------------------------------------------------

/// A scenario's SMSC with the delivery store it keeps its deliveries in
/// ([`StoreKind::None`]: none), seen as a [`ServerUnderTest`] like the bare server. It
/// keeps the events it read while looking for others (handed out first by `next_event`),
/// notes which deliveries the store kept (`ServerEvent::Stored`), and checks on every
/// event read that no delivery is reported ended twice.
struct Smsc<S: ServerUnderTest> {
    server: S,
    /// Dropped after the server (an embedded store's directory, a Redis server).
    store: StoreUnderTest,
    backlog: Mutex<VecDeque<ServerEvent>>,
    /// The account of each delivery accepted through `deliver`.
    accounts: Mutex<HashMap<DeliveryId, String>>,
    /// The deliveries the store kept, and where.
    stored: Mutex<HashMap<DeliveryId, Placement>>,
    /// The deliveries a `Delivery` event reported (each at most once).
    ended: Mutex<HashSet<DeliveryId>>,
    /// The copies claimed back from the store whose outcome `outcomes` handed out.
    claimed: Mutex<HashSet<DeliveryId>>,
}

/// Starts `R`'s SMSC with the standard accounts and a fresh store of `kind`; `None` when
/// that store cannot run here (the scenario is skipped, as said on stderr).
fn start_stored<R: Runtime>(config: ServerConfig, kind: StoreKind) -> Option<Smsc<R::Server>> {
    let store = StoreUnderTest::new(kind)?;
    let server = R::start_server_with_store(
        config,
        Accounts::standard(),
        HandlerPolicy::message_id(),
        store.open(),
    );
    Some(Smsc {
        server,
        store,
        backlog: Mutex::default(),
        accounts: Mutex::default(),
        stored: Mutex::default(),
        ended: Mutex::default(),
        claimed: Mutex::default(),
    })
}

impl<S: ServerUnderTest> Smsc<S> {
    /// The next event from the server itself (not the backlog), noted.
    fn read_event(&self, timeout: Duration) -> Option<ServerEvent> {
        let ev = self.server.next_event(timeout)?;
        match &ev {
            ServerEvent::Stored { id, placement, .. } => {
                self.stored.lock().unwrap().insert(*id, *placement);
            }
            ServerEvent::Delivery { id, outcome, .. } => {
                assert!(
                    self.ended.lock().unwrap().insert(*id),
                    "{id} reported ended twice (again {outcome:?})"
                );
            }
            _ => {}
        }
        Some(ev)
    }

    /// Reads events into the backlog until `cond` holds; false if `T` passed first.
    fn read_until(&self, mut cond: impl FnMut(&Self) -> bool) -> bool {
        let deadline = Instant::now() + T;
        while !cond(self) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            if let Some(ev) = self.read_event(left.min(Duration::from_millis(50))) {
                self.backlog.lock().unwrap().push_back(ev);
            }
        }
        true
    }

    /// Takes the `Delivery` events of `account` that end a delivery (not `InStore`) whose
    /// id is not one of `known`, from the backlog and then from the server, until `n`
    /// came; in id order (the order they were claimed in: the store's order).
    fn claimed_outcomes(
        &self,
        account: &str,
        known: &HashSet<DeliveryId>,
        n: usize,
    ) -> Vec<(DeliveryId, DeliveryOutcome)> {
        let mut got = Vec::new();
        let done = self.read_until(|me| {
            me.backlog.lock().unwrap().retain(|ev| match ev {
                ServerEvent::Delivery {
                    id,
                    account: a,
                    outcome,
                } if a == account
                    && !known.contains(id)
                    && *outcome != DeliveryOutcome::InStore =>
                {
                    got.push((*id, outcome.clone()));
                    false
                }
                _ => true,
            });
            got.len() >= n
        });
        assert!(
            done,
            "{} of {n} claimed deliveries of {account} ended",
            got.len()
        );
        got.sort_by_key(|(id, _)| *id);
        self.claimed
            .lock()
            .unwrap()
            .extend(got.iter().map(|(id, _)| *id));
        got
    }

    /// The final outcome of each of `pending`, in order, and checks that the store kept
    /// each (`ServerEvent::Stored` with the store's placement; the embedded store also
    /// says `Local` for a message that did not fit in the queue). A delivery whose handle
    /// ends `InStore` left the endpoint for the store: its final outcome is the one of the
    /// copy claimed back under a new id (from the events), matched in order per account.
    /// Exactly one final outcome per accepted delivery.
    fn outcomes(&self, pending: Vec<PendingDelivery>) -> Vec<DeliveryOutcome> {
        let ids: Vec<DeliveryId> = pending.iter().map(|p| p.id()).collect();
        let known: HashSet<DeliveryId> = ids.iter().copied().collect();
        let mut out: Vec<Option<DeliveryOutcome>> = Vec::new();
        let mut in_store: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (n, p) in pending.into_iter().enumerate() {
            let id = p.id();
            match p.outcome(T) {
                DeliveryOutcome::InStore => {
                    assert!(
                        self.store.kind() != StoreKind::None,
                        "{id} InStore without a store"
                    );
                    let account = self.accounts.lock().unwrap()[&id].clone();
                    in_store.entry(account).or_default().push(n);
                    out.push(None);
                }
                other => {
                    // A shared store takes every message it kept off this endpoint.
                    assert!(!self.store.is_shared(), "{id} ended here: {other:?}");
                    out.push(Some(other));
                }
            }
        }
        if let Some(placement) = self.store.placement() {
            let all_stored = self.read_until(|me| {
                let stored = me.stored.lock().unwrap();
                ids.iter().all(|id| stored.contains_key(id))
            });
            assert!(all_stored, "not every delivery was reported Stored");
            let stored = self.stored.lock().unwrap();
            for id in &ids {
                assert_eq!(stored[id], placement, "{id} stored");
            }
        }
        for (account, slots) in in_store {
            let claimed = self.claimed_outcomes(&account, &known, slots.len());
            for (slot, (_, outcome)) in slots.into_iter().zip(claimed) {
                out[slot] = Some(outcome);
            }
        }
        out.into_iter().map(|o| o.expect("an outcome")).collect()
    }

    /// The final outcome of one delivery (see `outcomes`).
    fn outcome(&self, p: PendingDelivery) -> DeliveryOutcome {
        self.outcomes(vec![p]).pop().expect("an outcome")
    }

    /// Asserts that `n` messages are held for `account`. With a shared store the endpoint
    /// holds none of them once stored: they wait in Redis for a node with a receiver of
    /// the account (`queued` counts only what this node holds), so it must come to 0.
    fn expect_held(&self, account: &str, n: usize) {
        if self.store.is_shared() {
            assert!(
                wait_until(T, || self.server.queued(account) == 0),
                "{account}: {} held here with a shared store",
                self.server.queued(account)
            );
        } else {
            assert_eq!(self.server.queued(account), n, "held for {account}");
        }
    }
}

/// At the end of a scenario that passed: no delivery the scenario did not account for
/// ended (a message claimed twice from the store, delivered again under yet another id),
/// and, once the SMSC shut down, the store keeps nothing (every delivery that ended was
/// removed; what a shutdown left was delivered after the restart).
impl<S: ServerUnderTest> Drop for Smsc<S> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        self.check_accounted();
        if self.store.kind() == StoreKind::None {
            return;
        }
        self.server.shutdown(T);
        self.check_accounted();
        let accounts: BTreeSet<String> = self.accounts.lock().unwrap().values().cloned().collect();
        for account in accounts {
            assert_eq!(
                self.store.kept(&account),
                0,
                "kept for {account} at the end"
            );
        }
    }
}

impl<S: ServerUnderTest> Smsc<S> {
    /// No `Delivery` event among those left names a delivery the scenario does not know.
    fn check_accounted(&self) {
        let known = |id: &DeliveryId| {
            self.accounts.lock().unwrap().contains_key(id)
                || self.claimed.lock().unwrap().contains(id)
        };
        let backlog: Vec<ServerEvent> = self.backlog.lock().unwrap().drain(..).collect();
        let later = std::iter::from_fn(|| self.read_event(Duration::from_millis(100)));
        for ev in backlog.into_iter().chain(later) {
            if let ServerEvent::Delivery { id, outcome, .. } = &ev {
                assert!(known(id), "an unaccounted delivery ended: {id} {outcome:?}");
            }
        }
    }
}

impl<S: ServerUnderTest> ServerUnderTest for Smsc<S> {
    fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }
    fn connection_count(&self) -> usize {
        self.server.connection_count()
    }
    fn sessions(&self) -> Vec<smpp_core::server::SessionInfo> {
        self.server.sessions()
    }
    fn has_session(&self, bind_id: BindId) -> bool {
        self.server.has_session(bind_id)
    }
    fn queued(&self, account: &str) -> usize {
        self.server.queued(account)
    }
    fn deliver(&self, account: &str, body: &Body<'_>) -> Result<PendingDelivery, Failure> {
        let p = self.server.deliver(account, body)?;
        self.accounts.lock().unwrap().insert(p.id(), account.into());
        Ok(p)
    }
    fn next_event(&self, timeout: Duration) -> Option<ServerEvent> {
        let queued = self.backlog.lock().unwrap().pop_front();
        queued.or_else(|| self.read_event(timeout))
    }
    fn outbind(
        &self,
        addr: SocketAddr,
        system_id: &str,
        password: &str,
    ) -> smpp_core::server::OutbindId {
        self.server.outbind(addr, system_id, password)
    }
    fn shutdown(&self, timeout: Duration) {
        self.server.shutdown(timeout)
    }
}

// ----- bind rules -------------------------------------------------------------------------

/// A bind of each type is accepted, listed and reported; the raw `bind_*_resp` carries the
/// server's `system_id`; unbinding frees everything.
pub fn bind_each_type<R: Runtime>() {
    let server = start::<R>(server_config());
    let addr = server.local_addr();
    let mut clients = Vec::new();
    for bt in [
        BindType::Transmitter,
        BindType::Receiver,
        BindType::Transceiver,
    ] {
        let c = connect::<R>(addr, "acme", bt);
        assert_eq!(c.state(), LinkState::Bound(bt));
        match wait_event(&server, T, |e| matches!(e, ServerEvent::Bound { .. })) {
            Some(ServerEvent::Bound {
                account, bind_type, ..
            }) => {
                assert_eq!(account, "acme");
                assert_eq!(bind_type, bt);
            }
            other => panic!("no Bound event: {other:?}"),
        }
        let id = bind_id_of(&server, "acme", bt);
        assert!(server.has_session(id));
        clients.push(c);
    }
    assert_eq!(server.sessions().len(), 3);
    for (bt, resp_id) in [
        (BindType::Transmitter, CommandId::BindTransmitterResp),
        (BindType::Receiver, CommandId::BindReceiverResp),
        (BindType::Transceiver, CommandId::BindTransceiverResp),
    ] {
        let (p, resp) = RawPeer::bind(addr, bt, "beta", PASSWORD);
        assert_eq!(response_status(&resp, resp_id), CommandStatus::ESME_ROK);
        match resp.pdu().expect("parse").body {
            Body::BindTransmitterResp(b)
            | Body::BindReceiverResp(b)
            | Body::BindTransceiverResp(b) => {
                assert_eq!(b.system_id, b"smpp")
            }
            other => panic!("{other:?}"),
        }
        drop(p);
    }
    for c in &clients {
        c.unbind().expect("unbind");
        assert_eq!(c.state(), LinkState::Closed(Some(CloseReason::Unbound)));
        match c.send(&submit("after")) {
            Err(Failure::Closed) => {}
            other => panic!("send after unbind: {other:?}"),
        }
    }
    settles_to(&server, 0);
    assert!(server.sessions().is_empty());
}

/// A wrong password is answered `ESME_RINVPASWD` (the authenticator's status) and the
/// connection closes; an unknown account gets `ESME_RINVSYSID`; good binds still work.
pub fn bind_wrong_password<R: Runtime>() {
    let server = start::<R>(server_config());
    let addr = server.local_addr();
    let (mut p, resp) = RawPeer::bind(addr, BindType::Transceiver, "acme", "wrong");
    assert_eq!(
        response_status(&resp, CommandId::BindTransceiverResp),
        CommandStatus::ESME_RINVPASWD
    );
    p.expect_closed(T, 0);
    match wait_event(&server, T, |e| {
        matches!(e, ServerEvent::BindRejected { .. })
    }) {
        Some(ServerEvent::BindRejected {
            system_id, status, ..
        }) => {
            assert_eq!(system_id, "acme");
            assert_eq!(status, CommandStatus::ESME_RINVPASWD);
        }
        other => panic!("no BindRejected event: {other:?}"),
    }
    match R::connect(addr, client_config("nobody", BindType::Transmitter)) {
        Err(Failure::BindFailed(Some(CommandStatus::ESME_RINVSYSID))) => {}
        Err(e) => panic!("unknown account: {e}"),
        Ok(_) => panic!("an unknown account bound"),
    }
    let c = connect::<R>(addr, "acme", BindType::Transceiver);
    assert!(c.send(&submit("hi")).expect("submit").status().is_ok());
    c.unbind().expect("unbind");
    settles_to(&server, 0);
}

/// A second bind on a bound connection is answered `ESME_RALYBND`; the first bind stays.
pub fn bind_twice_is_refused<R: Runtime>() {
    let server = start::<R>(server_config());
    let mut p = RawPeer::bound(server.local_addr(), BindType::Transceiver, "acme", PASSWORD);
    let resp = p.request_bind(BindType::Transmitter, "acme", PASSWORD);
    assert_eq!(
        response_status(&resp, CommandId::BindTransmitterResp),
        CommandStatus::ESME_RALYBND
    );
    let seq = p.send(&submit("still bound"));
    let resp = p.expect_request();
    assert_eq!(resp.sequence_number(), seq);
    assert_eq!(
        response_status(&resp, CommandId::SubmitSmResp),
        CommandStatus::ESME_ROK
    );
    let s = server.sessions();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].bind_type, BindType::Transceiver);
}

/// `submit_sm` before any bind is answered `ESME_RINVBNDSTS`; the connection may still
/// bind afterwards. A receiver's `submit_sm` is refused the same way.
pub fn submit_before_bind<R: Runtime>() {
    let server = start::<R>(server_config());
    let addr = server.local_addr();
    let mut p = RawPeer::connect(addr);
    let seq = p.send(&submit("too early"));
    let resp = p.expect_pdu();
    assert_eq!(resp.sequence_number(), seq);
    assert_eq!(
        response_status(&resp, CommandId::SubmitSmResp),
        CommandStatus::ESME_RINVBNDSTS
    );
    let resp = p.request_bind(BindType::Receiver, "acme", PASSWORD);
    assert_eq!(resp.command_status(), CommandStatus::ESME_ROK);
    p.send(&submit("a receiver may not submit"));
    let resp = p.expect_pdu();
    assert_eq!(
        response_status(&resp, CommandId::SubmitSmResp),
        CommandStatus::ESME_RINVBNDSTS
    );
}

/// `limits.max_binds_per_account` refuses the excess bind with `ESME_RBINDFAIL` and closes
/// it; other accounts are unaffected, and the slot comes back after an unbind.
pub fn bind_limit_per_account<R: Runtime>() {
    let mut config = server_config();
    config.limits.max_binds_per_account = Some(1);
    let server = start::<R>(config);
    let addr = server.local_addr();
    let first = connect::<R>(addr, "acme", BindType::Transceiver);
    match R::connect(addr, client_config("acme", BindType::Receiver)) {
        Err(Failure::BindFailed(Some(CommandStatus::ESME_RBINDFAIL))) => {}
        Err(e) => panic!("excess bind: {e}"),
        Ok(_) => panic!("the excess bind was accepted"),
    }
    let (mut p, resp) = RawPeer::bind(addr, BindType::Transmitter, "acme", PASSWORD);
    assert_eq!(resp.command_status(), CommandStatus::ESME_RBINDFAIL);
    p.expect_closed(T, 0);
    let other = connect::<R>(addr, "beta", BindType::Transceiver);
    assert_eq!(server.sessions().len(), 2);
    first.unbind().expect("unbind");
    let again = connect::<R>(addr, "acme", BindType::Transceiver);
    assert!(again.send(&submit("x")).expect("submit").status().is_ok());
    other.unbind().expect("unbind");
    again.unbind().expect("unbind");
}

/// An authenticator that panics answers that bind `ESME_RSYSERR` (and closes it); the
/// server keeps serving everyone else, and survives it again.
pub fn panicking_authenticator<R: Runtime>() {
    let server = R::start_server(
        server_config(),
        Accounts::standard().panicking_for("boom"),
        HandlerPolicy::message_id(),
    );
    let addr = server.local_addr();
    for _ in 0..2 {
        let (mut p, resp) = RawPeer::bind(addr, BindType::Transceiver, "boom", PASSWORD);
        assert_eq!(
            response_status(&resp, CommandId::BindTransceiverResp),
            CommandStatus::ESME_RSYSERR
        );
        p.expect_closed(T, 0);
        let c = connect::<R>(addr, "acme", BindType::Transceiver);
        assert!(c.send(&submit("fine")).expect("submit").status().is_ok());
        c.unbind().expect("unbind");
    }
    settles_to(&server, 0);
}

/// A handler that panics answers that request `ESME_RSYSERR`, and only that one: the
/// requests around it, pipelined on the same connection, are answered normally.
pub fn panicking_handler<R: Runtime>() {
    let server = R::start_server(
        server_config(),
        Accounts::standard(),
        HandlerPolicy::panicking_on("boom"),
    );
    let c = connect::<R>(server.local_addr(), "acme", BindType::Transceiver);
    let r = c.send(&submit("boom")).expect("a response");
    assert_eq!(r.status(), CommandStatus::ESME_RSYSERR);
    assert_eq!(r.frame.command_id(), CommandId::SubmitSmResp);
    let results = c.send_all(&[submit("a"), submit("boom"), submit("b")]);
    let statuses: Vec<CommandStatus> = results
        .into_iter()
        .map(|r| r.expect("a response").status())
        .collect();
    assert_eq!(
        statuses,
        [
            CommandStatus::ESME_ROK,
            CommandStatus::ESME_RSYSERR,
            CommandStatus::ESME_ROK
        ]
    );
    assert_eq!(c.state(), LinkState::Bound(BindType::Transceiver));
    c.unbind().expect("unbind");
}

// ----- window -----------------------------------------------------------------------------

/// 64 pipelined `submit_sm` are all answered `ESME_ROK` with 64 distinct message ids.
pub fn window_of_64_pipelined<R: Runtime>() {
    let server = start::<R>(server_config());
    let mut config = client_config("acme", BindType::Transceiver);
    config.session.window = 64;
    let c = R::connect(server.local_addr(), config).expect("bind");
    let texts: Vec<String> = (0..64).map(|i| format!("msg {i}")).collect();
    let bodies: Vec<Body<'_>> = texts.iter().map(|t| submit(t)).collect();
    let results = c.send_all(&bodies);
    assert_eq!(results.len(), 64);
    let mut ids = BTreeSet::new();
    for r in results {
        let r = r.expect("a response");
        assert_eq!(r.status(), CommandStatus::ESME_ROK);
        ids.insert(r.message_id().expect("a message id"));
    }
    assert_eq!(ids.len(), 64, "message ids are not distinct");
    c.unbind().expect("unbind");
}

/// A slow handler (200 ms) still answers every pipelined request, in any order, correctly.
///
/// Runtime difference: smol polls each handler future once in place and moves it to its
/// own task when it does not complete, so slow requests of one connection overlap (8 take
/// about one delay); the blocking runtime runs its (synchronous) handler on the
/// connection's reader thread, one request after the other (8 take 8 delays).
pub fn slow_handler<R: Runtime>() {
    let delay = Duration::from_millis(200);
    let server = R::start_server(
        server_config(),
        Accounts::standard(),
        HandlerPolicy {
            delay: Some(delay),
            ..HandlerPolicy::default()
        },
    );
    let c = connect::<R>(server.local_addr(), "acme", BindType::Transceiver);
    let bodies: Vec<Body<'_>> = (0..8).map(|_| submit("slow")).collect();
    let t0 = Instant::now();
    let results = c.send_all(&bodies);
    let took = t0.elapsed();
    for r in results {
        assert_eq!(r.expect("a response").status(), CommandStatus::ESME_ROK);
    }
    assert!(
        took >= delay,
        "answered before the handler's delay: {took:?}"
    );
    match R::KIND {
        Kind::Smol | Kind::Tokio => {
            assert!(took < delay * 4, "slow requests did not overlap: {took:?}")
        }
        Kind::Blocking => assert!(took >= delay * 8, "expected serial handling: {took:?}"),
    }
    c.unbind().expect("unbind");
}

// ----- timers -----------------------------------------------------------------------------

/// `enquire_link` is answered, bound (client and raw) and before a bind (raw).
pub fn enquire_link_answered<R: Runtime>() {
    let server = start::<R>(server_config());
    let addr = server.local_addr();
    let c = connect::<R>(addr, "acme", BindType::Transmitter);
    let r = c.send(&Body::EnquireLink).expect("enquire_link_resp");
    assert_eq!(r.frame.command_id(), CommandId::EnquireLinkResp);
    assert!(r.status().is_ok());
    let mut p = RawPeer::connect(addr);
    let seq = p.send(&Body::EnquireLink);
    let resp = p.expect_pdu();
    assert_eq!(resp.sequence_number(), seq);
    assert_eq!(
        response_status(&resp, CommandId::EnquireLinkResp),
        CommandStatus::ESME_ROK
    );
    let resp = p.request_bind(BindType::Receiver, "acme", PASSWORD);
    assert!(resp.command_status().is_ok());
    let seq = p.send(&Body::EnquireLink);
    let resp = p.expect_pdu();
    assert_eq!(resp.sequence_number(), seq);
    assert_eq!(resp.command_id(), CommandId::EnquireLinkResp);
    c.unbind().expect("unbind");
}

/// A bound peer that sends nothing for `inactivity_timeout` (600 ms) is sent `unbind` and
/// closed; not before.
pub fn inactivity_timeout_closes<R: Runtime>() {
    let mut config = server_config();
    config.session.inactivity_timeout = Some(CoreDuration::from_millis(600));
    let server = start::<R>(config);
    let t0 = Instant::now();
    let mut p = RawPeer::bound(server.local_addr(), BindType::Transceiver, "acme", PASSWORD);
    p.expect_quiet(Duration::from_millis(300));
    let pdus = p.expect_closed(T, 1);
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(550),
        "closed too early: {took:?}"
    );
    assert!(took < Duration::from_secs(3), "closed too late: {took:?}");
    let ids: Vec<CommandId> = pdus.iter().map(|f| f.command_id()).collect();
    assert_eq!(ids, [CommandId::Unbind], "the server unbinds first");
    match wait_event(&server, T, |e| matches!(e, ServerEvent::Closed { .. })) {
        Some(ServerEvent::Closed { reason, .. }) => {
            assert_eq!(reason, CloseReason::InactivityTimeout)
        }
        other => panic!("no Closed event: {other:?}"),
    }
    settles_to(&server, 0);
}

/// A connection that never binds is closed after `bind_timeout` (600 ms), without a PDU.
pub fn bind_timeout_closes<R: Runtime>() {
    let mut config = server_config();
    config.session.bind_timeout = CoreDuration::from_millis(600);
    let server = start::<R>(config);
    let t0 = Instant::now();
    let mut p = RawPeer::connect(server.local_addr());
    assert!(wait_until(T, || server.connection_count() == 1));
    p.expect_quiet(Duration::from_millis(300));
    p.expect_closed(T, 0);
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(550),
        "closed too early: {took:?}"
    );
    assert!(took < Duration::from_secs(3), "closed too late: {took:?}");
    settles_to(&server, 0);
}

// ----- routing ----------------------------------------------------------------------------

/// Deliveries for an account alternate over its two receivers: 10 messages, 5 each.
pub fn round_robin_over_receivers<R: Runtime>(store: StoreKind) {
    let Some(server) = start_stored::<R>(server_config(), store) else {
        return;
    };
    let addr = server.local_addr();
    let a = connect::<R>(addr, "acme", BindType::Receiver);
    let b = connect::<R>(addr, "acme", BindType::Transceiver);
    let ids = bind_ids(&server);
    assert_eq!(ids.len(), 2);
    let texts: Vec<String> = (0..10).map(|i| format!("rr{i}")).collect();
    let pending: Vec<PendingDelivery> = texts
        .iter()
        .map(|t| server.deliver("acme", &receipt(t)).expect("deliver"))
        .collect();
    let mut got = BTreeMap::new();
    for (name, c) in [("a", &a), ("b", &b)] {
        let mut seen = Vec::new();
        for _ in 0..5 {
            let r = recv_one(c);
            seen.push(r.text());
            r.respond_ok().expect("respond");
        }
        assert!(
            c.recv(Duration::from_millis(200)).is_none(),
            "{name} got a 6th"
        );
        got.insert(name, seen);
    }
    let all: BTreeSet<&String> = got.values().flatten().collect();
    assert_eq!(all.len(), 10, "each message exactly once: {got:?}");
    let mut per_bind: BTreeMap<BindId, usize> = BTreeMap::new();
    for o in server.outcomes(pending) {
        *per_bind.entry(delivered_on(&o)).or_default() += 1;
    }
    assert_eq!(per_bind.values().copied().collect::<Vec<_>>(), [5, 5]);
    assert_eq!(per_bind.keys().copied().collect::<BTreeSet<_>>(), ids);
    a.unbind().expect("unbind");
    b.unbind().expect("unbind");
}

/// A transmitter never gets deliveries: with only a transmitter bound they wait (queued,
/// `Queued` events), and then go to the receiver that binds, never to the transmitter.
pub fn transmitter_gets_no_deliveries<R: Runtime>(store: StoreKind) {
    let Some(server) = start_stored::<R>(server_config(), store) else {
        return;
    };
    let addr = server.local_addr();
    let tx = connect::<R>(addr, "acme", BindType::Transmitter);
    let pending: Vec<PendingDelivery> = deliver_n(&server, "acme", "t", 3);
    let queued = drain_events(&server, Duration::from_millis(200))
        .into_iter()
        .filter(|e| matches!(e, ServerEvent::Queued { .. }))
        .count();
    assert_eq!(queued, 3, "Queued events");
    server.expect_held("acme", 3);
    assert!(tx.recv(Duration::from_millis(300)).is_none());
    let rx = connect::<R>(addr, "acme", BindType::Receiver);
    let rx_id = bind_id_of(&server, "acme", BindType::Receiver);
    for _ in 0..3 {
        recv_one(&rx).respond_ok().expect("respond");
    }
    for o in server.outcomes(pending) {
        assert_eq!(delivered_on(&o), rx_id);
    }
    assert!(tx.recv(Duration::from_millis(200)).is_none());
    assert_eq!(server.queued("acme"), 0);
    tx.unbind().expect("unbind");
    rx.unbind().expect("unbind");
}

/// Deliveries accepted while no receiver is bound are delivered in order, each on its
/// first attempt, when one binds.
pub fn queued_until_receiver_binds<R: Runtime>(store: StoreKind) {
    let Some(server) = start_stored::<R>(server_config(), store) else {
        return;
    };
    let pending: Vec<PendingDelivery> = deliver_n(&server, "acme", "q", 5);
    server.expect_held("acme", 5);
    let rx = connect::<R>(server.local_addr(), "acme", BindType::Receiver);
    let mut order = Vec::new();
    for _ in 0..5 {
        let r = recv_one(&rx);
        order.push(r.text());
        r.respond_ok().expect("respond");
    }
    assert_eq!(order, ["q0", "q1", "q2", "q3", "q4"]);
    for o in server.outcomes(pending) {
        match o {
            DeliveryOutcome::Delivered { attempts, .. } => assert_eq!(attempts, 1),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(server.queued("acme"), 0);
    rx.unbind().expect("unbind");
}

// ----- delivery guarantee -----------------------------------------------------------------

/// A raw receiver that reads and ignores everything, counting the `deliver_sm` it got.
fn silent_receiver(mut p: RawPeer, stop: &AtomicBool, count: &AtomicUsize) {
    while !stop.load(Ordering::Relaxed) {
        match p.read(Duration::from_millis(50)) {
            RawRead::Pdu(f) if f.command_id() == CommandId::DeliverSm => {
                count.fetch_add(1, Ordering::Relaxed);
            }
            RawRead::Closed => return,
            _ => {}
        }
    }
}

fn delivery_config() -> ServerConfig {
    let mut c = server_config();
    c.session.response_timeout = CoreDuration::from_millis(300);
    c.delivery.initial_backoff = CoreDuration::from_millis(100);
    c
}

/// (a) Two receivers, one never answers: every delivery ends `Delivered` on the healthy
/// one after the response timeout (300 ms), with `Retrying { failure: Timeout }` events.
pub fn delivery_fails_over_on_timeout<R: Runtime>(store: StoreKind) {
    let Some(server) = start_stored::<R>(delivery_config(), store) else {
        return;
    };
    let addr = server.local_addr();
    let stop = AtomicBool::new(false);
    let ignored = AtomicUsize::new(0);
    let seen = Mutex::new(Vec::new());
    let raw = RawPeer::bound(addr, BindType::Receiver, "acme", PASSWORD);
    let silent = bind_ids(&server);
    let healthy = connect::<R>(addr, "acme", BindType::Receiver);
    let healthy_id = *bind_ids(&server)
        .difference(&silent)
        .next()
        .expect("the healthy bind");
    std::thread::scope(|s| {
        let _stop = StopOnDrop(&stop);
        s.spawn(|| silent_receiver(raw, &stop, &ignored));
        s.spawn(|| answer_all(&healthy, CommandStatus::ESME_ROK, &stop, &seen));
        let pending: Vec<PendingDelivery> = deliver_n(&server, "acme", "a", 6);
        for o in server.outcomes(pending) {
            assert_eq!(delivered_on(&o), healthy_id);
        }
        let timeouts = drain_events(&server, Duration::from_millis(100))
            .into_iter()
            .filter(|e| {
                matches!(
                    e,
                    ServerEvent::Retrying {
                        failure: AttemptFailure::Timeout,
                        ..
                    }
                )
            })
            .count();
        assert!(
            ignored.load(Ordering::Relaxed) >= 1,
            "the silent one got none"
        );
        assert!(timeouts >= 1, "no Retrying {{ Timeout }} event");
    });
    let seen: BTreeSet<String> = seen.into_inner().unwrap().into_iter().collect();
    assert_eq!(seen.len(), 6);
}

/// (b) A receiver answering `ESME_RX_T_APPN`: its messages are retried on the other
/// receiver, and all are delivered there.
pub fn delivery_retries_temporary_error<R: Runtime>(store: StoreKind) {
    let Some(server) = start_stored::<R>(delivery_config(), store) else {
        return;
    };
    let addr = server.local_addr();
    let failing = connect::<R>(addr, "acme", BindType::Receiver);
    let failing_ids = bind_ids(&server);
    let healthy = connect::<R>(addr, "acme", BindType::Receiver);
    let healthy_id = *bind_ids(&server)
        .difference(&failing_ids)
        .next()
        .expect("the healthy bind");
    let stop = AtomicBool::new(false);
    let refused = Mutex::new(Vec::new());
    let seen = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        let _stop = StopOnDrop(&stop);
        // Every other request is dropped unanswered: both runtimes then answer
        // `ESME_RX_T_APPN` themselves, which must count the same.
        s.spawn(|| {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                if let Some(r) = failing.recv(Duration::from_millis(50)) {
                    refused.lock().unwrap().push(r.text());
                    n += 1;
                    if n % 2 == 0 {
                        r.drop_unanswered();
                    } else {
                        r.respond(CommandStatus::ESME_RX_T_APPN).expect("respond");
                    }
                }
            }
        });
        s.spawn(|| answer_all(&healthy, CommandStatus::ESME_ROK, &stop, &seen));
        let pending: Vec<PendingDelivery> = deliver_n(&server, "acme", "b", 6);
        for o in server.outcomes(pending) {
            match o {
                DeliveryOutcome::Delivered {
                    bind_id, attempts, ..
                } => {
                    assert_eq!(bind_id, healthy_id);
                    assert!(attempts >= 1);
                }
                other => panic!("{other:?}"),
            }
        }
    });
    let refused = refused.into_inner().unwrap().len();
    assert!(refused >= 2, "the failing receiver got {refused}");
    let seen: BTreeSet<String> = seen.into_inner().unwrap().into_iter().collect();
    assert_eq!(seen.len(), 6);
    let retried = drain_events(&server, Duration::from_millis(100))
        .into_iter()
        .filter(|e| {
            matches!(
                e,
                ServerEvent::Retrying {
                    failure: AttemptFailure::Status(CommandStatus::ESME_RX_T_APPN),
                    ..
                }
            )
        })
        .count();
    assert_eq!(
        retried, refused,
        "one Retrying {{ ESME_RX_T_APPN }} per refusal"
    );
}

/// (a, client side) A receiver of the runtime's own client that holds its requests
/// without answering them: every delivery ends `Delivered` on the other receiver after the
/// response timeout.
pub fn delivery_fails_over_when_client_ignores<R: Runtime>(store: StoreKind) {
    let Some(server) = start_stored::<R>(delivery_config(), store) else {
        return;
    };
    let addr = server.local_addr();
    let deaf = connect::<R>(addr, "acme", BindType::Receiver);
    let deaf_ids = bind_ids(&server);
    let healthy = connect::<R>(addr, "acme", BindType::Receiver);
    let healthy_id = *bind_ids(&server)
        .difference(&deaf_ids)
        .next()
        .expect("the healthy bind");
    let stop = AtomicBool::new(false);
    let ignored = AtomicUsize::new(0);
    let seen = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        let _stop = StopOnDrop(&stop);
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                if let Some(r) = deaf.recv(Duration::from_millis(50)) {
                    ignored.fetch_add(1, Ordering::Relaxed);
                    r.ignore();
                }
            }
        });
        s.spawn(|| answer_all(&healthy, CommandStatus::ESME_ROK, &stop, &seen));
        let pending: Vec<PendingDelivery> = deliver_n(&server, "acme", "i", 4);
        for o in server.outcomes(pending) {
            assert_eq!(delivered_on(&o), healthy_id);
        }
    });
    assert!(
        ignored.load(Ordering::Relaxed) >= 1,
        "the deaf receiver got none"
    );
    assert_eq!(seen.into_inner().unwrap().len(), 4);
}

/// (c) A receiver that drops its TCP connection in the middle of a delivery loses
/// nothing: every message is delivered on the other receiver.
pub fn delivery_survives_dropped_link<R: Runtime>(store: StoreKind) {
    let Some(server) = start_stored::<R>(delivery_config(), store) else {
        return;
    };
    let addr = server.local_addr();
    let mut raw = RawPeer::bound(addr, BindType::Receiver, "acme", PASSWORD);
    let raw_ids = bind_ids(&server);
    let healthy = connect::<R>(addr, "acme", BindType::Receiver);
    let healthy_id = *bind_ids(&server)
        .difference(&raw_ids)
        .next()
        .expect("the healthy bind");
    let stop = AtomicBool::new(false);
    let seen = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        let _stop = StopOnDrop(&stop);
        s.spawn(|| answer_all(&healthy, CommandStatus::ESME_ROK, &stop, &seen));
        let pending: Vec<PendingDelivery> = deliver_n(&server, "acme", "c", 6);
        let first = raw.expect_request();
        assert_eq!(first.command_id(), CommandId::DeliverSm);
        raw.close();
        drop(raw);
        for o in server.outcomes(pending) {
            assert_eq!(delivered_on(&o), healthy_id);
        }
    });
    let seen: BTreeSet<String> = seen.into_inner().unwrap().into_iter().collect();
    let want: BTreeSet<String> = (0..6).map(|i| format!("c{i}")).collect();
    assert_eq!(seen, want);
    settles_to(&server, 1);
    assert_eq!(bind_ids(&server), BTreeSet::from([healthy_id]));
}

/// (d) `ESME_RX_P_APPN` is a permanent refusal: the outcome is `Refused` after one
/// attempt, and the message is not sent again.
pub fn delivery_permanent_error_is_refused<R: Runtime>(store: StoreKind) {
    let Some(server) = start_stored::<R>(delivery_config(), store) else {
        return;
    };
    let rx = connect::<R>(server.local_addr(), "acme", BindType::Receiver);
    let p = server.deliver("acme", &receipt("d0")).expect("deliver");
    recv_one(&rx)
        .respond(CommandStatus::ESME_RX_P_APPN)
        .expect("respond");
    match server.outcome(p) {
        DeliveryOutcome::Refused {
            status, attempts, ..
        } => {
            assert_eq!(status, CommandStatus::ESME_RX_P_APPN);
            assert_eq!(attempts, 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        rx.recv(Duration::from_millis(500)).is_none(),
        "a refused message was sent again"
    );
    assert_eq!(server.queued("acme"), 0);
    rx.unbind().expect("unbind");
}

/// (e) A full queue refuses at once with `Error::Deliver(QueueFull(..))` (the account's
/// capacity, then the server's), queueing nothing, with an `Overflow` event.
///
/// Store difference: with a store the queue being full refuses nothing. What does not
/// fit is kept in the store only (its handle ends `InStore`) and claimed back under a new
/// id, behind what the account has, as the queue makes room; with a shared store every
/// message leaves the endpoint once stored anyway. So every message is accepted, without
/// `Overflow`, and once receivers bind each arrives exactly once, in order per account,
/// and ends delivered.
pub fn delivery_queue_full<R: Runtime>(store: StoreKind) {
    let mut config = server_config();
    config.delivery.per_account = 3;
    config.delivery.total = 4;
    let Some(server) = start_stored::<R>(config, store) else {
        return;
    };
    let stored = store != StoreKind::None;
    let mut acme: Vec<PendingDelivery> = deliver_n(&server, "acme", "e", 3);
    match server.deliver("acme", &receipt("e3")) {
        Err(Failure::Deliver(DeliverError::QueueFull(QueueFull::Account))) if !stored => {}
        Ok(p) if stored => acme.push(p),
        other => panic!("account full: {other:?}"),
    }
    server.expect_held("acme", 3);
    let mut beta = vec![server.deliver("beta", &receipt("f0")).expect("deliver")];
    match server.deliver("beta", &receipt("f1")) {
        Err(Failure::Deliver(DeliverError::QueueFull(QueueFull::Total))) if !stored => {}
        Ok(p) if stored => beta.push(p),
        other => panic!("total full: {other:?}"),
    }
    server.expect_held("beta", 1);
    match server.deliver("gamma", &submit("not a delivery")) {
        Err(Failure::Deliver(DeliverError::NotADelivery(CommandId::SubmitSm))) => {}
        other => panic!("submit_sm as a delivery: {other:?}"),
    }
    let overflows = drain_events(&server, Duration::from_millis(200))
        .into_iter()
        .filter(|e| matches!(e, ServerEvent::Overflow { .. }))
        .count();
    assert_eq!(overflows, if stored { 0 } else { 2 });
    if !stored {
        return;
    }
    let addr = server.local_addr();
    let acme_rx = connect::<R>(addr, "acme", BindType::Receiver);
    let beta_rx = connect::<R>(addr, "beta", BindType::Receiver);
    for (c, want) in [
        (&acme_rx, &["e0", "e1", "e2", "e3"][..]),
        (&beta_rx, &["f0", "f1"][..]),
    ] {
        let got: Vec<String> = want
            .iter()
            .map(|_| {
                let r = recv_one(c);
                let text = r.text();
                r.respond_ok().expect("respond");
                text
            })
            .collect();
        assert_eq!(got, want);
        assert!(c.recv(Duration::from_millis(200)).is_none(), "sent twice");
    }
    for o in server
        .outcomes(acme)
        .into_iter()
        .chain(server.outcomes(beta))
    {
        delivered_on(&o);
    }
    assert_eq!(server.queued("acme") + server.queued("beta"), 0);
    acme_rx.unbind().expect("unbind");
    beta_rx.unbind().expect("unbind");
}

// ----- outbind ----------------------------------------------------------------------------

/// The SMSC's outbind to a listening ESME: the ESME binds as receiver and gets the
/// delivery that was queued for it.
pub fn outbind_delivers_queued<R: Runtime>(store: StoreKind) {
    let Some(server) = start_stored::<R>(server_config(), store) else {
        return;
    };
    let p = server.deliver("outb", &receipt("ob1")).expect("deliver");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let at = listener.local_addr().expect("addr");
    let id = server.outbind(at, "outb", PASSWORD);
    let c = R::accept_outbind(listener, client_config("outb", BindType::Transceiver))
        .expect("outbind accepted and bound");
    assert_eq!(c.state(), LinkState::Bound(BindType::Receiver));
    match wait_event(&server, T, |e| matches!(e, ServerEvent::Outbound { .. })) {
        Some(ServerEvent::Outbound { id: got, .. }) => assert_eq!(got, id),
        other => panic!("no Outbound event: {other:?}"),
    }
    let r = recv_one(&c);
    assert_eq!(r.text(), "ob1");
    r.respond_ok().expect("respond");
    let rx_id = bind_id_of(&server, "outb", BindType::Receiver);
    assert_eq!(delivered_on(&server.outcome(p)), rx_id);
    c.unbind().expect("unbind");
}

/// An outbind to a port nobody listens on yet is retried (`OutbindFailed` events) and
/// succeeds once the ESME listens (about 1 s later).
pub fn outbind_retries_until_listening<R: Runtime>(store: StoreKind) {
    let Some(server) = start_stored::<R>(server_config(), store) else {
        return;
    };
    let at = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
        l.local_addr().expect("addr")
    };
    let t0 = Instant::now();
    let id = server.outbind(at, "outb", PASSWORD);
    match wait_event(&server, T, |e| {
        matches!(e, ServerEvent::OutbindFailed { .. })
    }) {
        Some(ServerEvent::OutbindFailed {
            id: got,
            addr,
            attempt,
            retry_in,
        }) => {
            assert_eq!(got, id);
            assert_eq!(addr, at);
            assert!(attempt >= 1);
            assert!(retry_in.is_some(), "gave up");
        }
        other => panic!("no OutbindFailed event: {other:?}"),
    }
    std::thread::sleep(Duration::from_secs(1).saturating_sub(t0.elapsed()));
    let listener = std::net::TcpListener::bind(at).expect("listen again on the port");
    let c = R::accept_outbind(listener, client_config("outb", BindType::Receiver))
        .expect("outbind accepted and bound");
    assert_eq!(c.state(), LinkState::Bound(BindType::Receiver));
    let failures = 1 + drain_events(&server, Duration::from_millis(100))
        .into_iter()
        .filter(|e| matches!(e, ServerEvent::OutbindFailed { .. }))
        .count();
    assert!(failures >= 2, "retried only {failures} time(s) in 1 s");
    let p = server.deliver("outb", &receipt("late")).expect("deliver");
    recv_one(&c).respond_ok().expect("respond");
    delivered_on(&server.outcome(p));
    c.unbind().expect("unbind");
}

// ----- shutdown ---------------------------------------------------------------------------

/// `shutdown` unbinds a bound client (which ends `Closed`, unbound by its peer), closes
/// unbound connections, and reports messages still queued as given up (`Shutdown`);
/// afterwards nothing is accepted.
pub fn shutdown_drains<R: Runtime>(store: StoreKind) {
    let Some(server) = start_stored::<R>(server_config(), store) else {
        return;
    };
    let addr = server.local_addr();
    let c = connect::<R>(addr, "acme", BindType::Transceiver);
    let mut idle = RawPeer::connect(addr);
    assert!(wait_until(T, || server.connection_count() == 2));
    let pending: Vec<PendingDelivery> = deliver_n(&server, "beta", "s", 2);
    let t0 = Instant::now();
    server.shutdown(Duration::from_secs(3));
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "shutdown waited its whole timeout"
    );
    assert_eq!(server.connection_count(), 0);
    assert!(
        wait_until(T, || matches!(c.state(), LinkState::Closed(_))),
        "client state {:?}",
        c.state()
    );
    assert_eq!(c.state(), LinkState::Closed(Some(CloseReason::PeerUnbound)));
    match c.send(&submit("after")) {
        Err(Failure::ConnectionLost(CloseReason::PeerUnbound)) => {}
        other => panic!("send on a client the server unbound: {other:?}"),
    }
    assert!(c.recv(Duration::from_millis(50)).is_none());
    c.unbind().expect("unbinding a closed client is fine");
    idle.expect_closed(T, 0);
    for p in pending {
        match p.outcome(T) {
            DeliveryOutcome::GaveUp {
                reason: GiveUpReason::Shutdown,
                attempts,
                ..
            } => assert_eq!(attempts, 0),
            // Store difference: a message a shared store kept before the shutdown had left
            // the endpoint already; one still waiting for the store's answer is given up
            // here, and kept by the store all the same.
            DeliveryOutcome::InStore if server.store.is_shared() => {}
            other => panic!("{other:?}"),
        }
    }
    match server.deliver("beta", &receipt("too late")) {
        Err(Failure::Deliver(DeliverError::ShuttingDown) | Failure::Closed) => {}
        other => panic!("deliver after shutdown: {other:?}"),
    }
    assert!(
        R::connect(addr, client_config("acme", BindType::Transceiver)).is_err(),
        "bound after shutdown"
    );
    // With a store, a message given up by the shutdown is not removed from it: the next
    // start on the same store delivers it, in order and once.
    delivered_after_restart::<R>(&server.store, "beta", &["s0", "s1"]);
}

/// With a store (none: nothing to do), starts a new SMSC on it once the scenario's shut
/// down: a receiver of `account` gets `want`, in order and once, each reported delivered.
fn delivered_after_restart<R: Runtime>(store: &StoreUnderTest, account: &str, want: &[&str]) {
    let Some(kept) = store.open() else {
        return;
    };
    let next = R::start_server_with_store(
        server_config(),
        Accounts::standard(),
        HandlerPolicy::message_id(),
        Some(kept),
    );
    let rx = connect::<R>(next.local_addr(), account, BindType::Receiver);
    let got = recv_texts(&rx, want.len());
    assert_eq!(got, want, "after the restart");
    assert!(rx.recv(Duration::from_millis(200)).is_none(), "sent twice");
    for _ in want {
        let delivered = wait_event(&next, T, |e| {
            matches!(
                e,
                ServerEvent::Delivery {
                    outcome: DeliveryOutcome::Delivered { .. },
                    ..
                }
            )
        });
        assert!(delivered.is_some(), "no Delivered event after the restart");
    }
    rx.unbind().expect("unbind");
    next.shutdown(T);
}

/// With a store only (without one there is nothing to keep across a restart): messages
/// kept when the SMSC shut down are older than any accepted after the next start, and
/// are delivered before them, even when the new one is accepted at once (right after the
/// store is attached, before a receiver binds).
pub fn kept_messages_first_after_restart<R: Runtime>(store: StoreKind) {
    let Some(server) = start_stored::<R>(server_config(), store) else {
        return;
    };
    if store == StoreKind::None {
        return;
    }
    let pending: Vec<PendingDelivery> = deliver_n(&server, "beta", "k", 3);
    server.shutdown(T);
    for p in pending {
        match p.outcome(T) {
            DeliveryOutcome::GaveUp {
                reason: GiveUpReason::Shutdown,
                ..
            } => {}
            DeliveryOutcome::InStore if server.store.is_shared() => {}
            other => panic!("{other:?}"),
        }
    }
    let next = R::start_server_with_store(
        server_config(),
        Accounts::standard(),
        HandlerPolicy::message_id(),
        server.store.open(),
    );
    let later = next.deliver("beta", &receipt("new")).expect("deliver");
    let rx = connect::<R>(next.local_addr(), "beta", BindType::Receiver);
    let got = recv_texts(&rx, 4);
    assert_eq!(got, ["k0", "k1", "k2", "new"], "order per account");
    assert!(rx.recv(Duration::from_millis(200)).is_none(), "sent twice");
    match later.outcome(T) {
        DeliveryOutcome::Delivered { .. } => {}
        DeliveryOutcome::InStore if server.store.is_shared() => {}
        other => panic!("{other:?}"),
    }
    rx.unbind().expect("unbind");
    next.shutdown(T);
}

/// A delivery on its way to a receiver that never answers when `shutdown` starts: the
/// session drains (the response times out, 300 ms), is unbound (no answer: the unbind
/// timeout, 1 s, closes it) and the message, back in the queue, is given up (`Shutdown`)
/// after its one attempt (with a shared store: the copy this node claimed). With a store
/// it stays there, and is delivered after the next start.
pub fn shutdown_gives_up_in_flight<R: Runtime>(store: StoreKind) {
    let Some(server) = start_stored::<R>(delivery_config(), store) else {
        return;
    };
    let mut raw = RawPeer::bound(server.local_addr(), BindType::Receiver, "acme", PASSWORD);
    let p = server
        .deliver("acme", &receipt("in flight"))
        .expect("deliver");
    assert_eq!(raw.expect_request().command_id(), CommandId::DeliverSm);
    let watcher = std::thread::spawn(move || {
        let pdus = raw.expect_closed(T, 1);
        pdus.iter().map(|f| f.command_id()).collect::<Vec<_>>()
    });
    let t0 = Instant::now();
    server.shutdown(Duration::from_secs(4));
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(1200),
        "did not wait for the drain: {took:?}"
    );
    assert!(took < Duration::from_secs(3), "waited too long: {took:?}");
    assert_eq!(watcher.join().expect("watcher"), [CommandId::Unbind]);
    match server.outcome(p) {
        DeliveryOutcome::GaveUp {
            reason: GiveUpReason::Shutdown,
            attempts,
            ..
        } => assert_eq!(attempts, 1),
        other => panic!("{other:?}"),
    }
    delivered_after_restart::<R>(&server.store, "acme", &["in flight"]);
}

/// The peer's `unbind` is answered `unbind_resp` and the connection closes, reported as
/// `Closed { PeerUnbound }`.
pub fn peer_unbind_is_answered<R: Runtime>() {
    let server = start::<R>(server_config());
    let mut raw = RawPeer::bound(server.local_addr(), BindType::Transceiver, "acme", PASSWORD);
    let seq = raw.send(&Body::Unbind);
    let pdus = raw.expect_closed(T, 1);
    assert_eq!(pdus.len(), 1, "an unbind_resp");
    assert_eq!(pdus[0].sequence_number(), seq);
    assert_eq!(
        response_status(&pdus[0], CommandId::UnbindResp),
        CommandStatus::ESME_ROK
    );
    match wait_event(&server, T, |e| matches!(e, ServerEvent::Closed { .. })) {
        Some(ServerEvent::Closed { reason, .. }) => assert_eq!(reason, CloseReason::PeerUnbound),
        other => panic!("no Closed event: {other:?}"),
    }
    settles_to(&server, 0);
}

// ----- hostile peers ----------------------------------------------------------------------

/// Garbage is answered with at most a `generic_nack` and the connection closes; a PDU with
/// an unknown command id is answered `generic_nack` `ESME_RINVCMDID`.
pub fn garbage_is_refused<R: Runtime>() {
    let server = start::<R>(server_config());
    let addr = server.local_addr();
    let mut p = RawPeer::connect(addr);
    p.write_raw(b"GET / HTTP/1.1\r\nHost: smsc\r\n\r\n")
        .expect("write");
    for f in p.expect_closed(T, 1) {
        assert_eq!(f.command_id(), CommandId::GenericNack);
    }
    let mut p = RawPeer::connect(addr);
    let mut short = [0u8; 16];
    short[3] = 8; // command_length 8: shorter than a header
    p.write_raw(&short).expect("write");
    for f in p.expect_closed(T, 1) {
        assert_eq!(f.command_id(), CommandId::GenericNack);
        assert_eq!(f.command_status(), CommandStatus::ESME_RINVCMDLEN);
    }
    let mut p = RawPeer::bound(addr, BindType::Transceiver, "acme", PASSWORD);
    let mut unknown = [0u8; 16];
    unknown[3] = 16;
    unknown[4..8].copy_from_slice(&0x0000_0F0Fu32.to_be_bytes());
    unknown[15] = 7;
    p.write_raw(&unknown).expect("write");
    let f = p.expect_pdu();
    assert_eq!(f.command_id(), CommandId::GenericNack);
    assert_eq!(f.command_status(), CommandStatus::ESME_RINVCMDID);
    assert_eq!(f.sequence_number(), 7);
    let c = connect::<R>(addr, "good", BindType::Transceiver);
    assert!(c
        .send(&submit("still here"))
        .expect("submit")
        .status()
        .is_ok());
    c.unbind().expect("unbind");
}

/// A bind_transceiver written by hand (the library's encoder refuses over-long fields).
fn raw_bind(system_id: &[u8], password: &[u8], seq: u32) -> Vec<u8> {
    let mut body = Vec::new();
    for s in [system_id, password, b"".as_slice()] {
        body.extend_from_slice(s);
        body.push(0);
    }
    body.extend_from_slice(&[0x34, 0, 0, 0]);
    let mut pdu = ((16 + body.len()) as u32).to_be_bytes().to_vec();
    pdu.extend_from_slice(&CommandId::BindTransceiver.to_u32().to_be_bytes());
    pdu.extend_from_slice(&[0, 0, 0, 0]);
    pdu.extend_from_slice(&seq.to_be_bytes());
    pdu.extend_from_slice(&body);
    pdu
}

/// Deployed ESMEs send fields longer than SMPP 3.4 allows: by default (lenient parsing) a
/// 16-character `system_id` with a 9-character password binds, and a `submit_sm` with a
/// 21-digit `source_addr` is answered `ESME_ROK`; a server with strict parsing refuses the
/// same bind with the field's status (`ESME_RINVSYSID`).
pub fn over_long_fields_accepted_leniently<R: Runtime>() {
    let (system_id, password) = (b"legacy-esme-0001", b"password9");
    let accounts = Accounts::standard().with("legacy-esme-0001", "password9");
    let server = R::start_server(
        server_config(),
        accounts.clone(),
        HandlerPolicy::message_id(),
    );
    let mut p = RawPeer::connect(server.local_addr());
    p.write_raw(&raw_bind(system_id, password, 1))
        .expect("write");
    let resp = p.expect_pdu();
    assert_eq!(resp.command_id(), CommandId::BindTransceiverResp);
    assert_eq!(resp.command_status(), CommandStatus::ESME_ROK, "{resp:?}");
    assert_eq!(
        server
            .sessions()
            .first()
            .map(|s| s.account.clone())
            .as_deref(),
        Some("legacy-esme-0001")
    );
    let mut body = vec![0u8, 1, 1];
    body.extend_from_slice(&[b'4'; 21]);
    body.extend_from_slice(b"\0\x01\x01447700900123\0\0\0\0\0\0\0\0\0\0\x02hi");
    let mut submit = ((16 + body.len()) as u32).to_be_bytes().to_vec();
    submit.extend_from_slice(&CommandId::SubmitSm.to_u32().to_be_bytes());
    submit.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 2]);
    submit.extend_from_slice(&body);
    p.write_raw(&submit).expect("write");
    let resp = p.expect_request();
    assert_eq!(resp.command_id(), CommandId::SubmitSmResp);
    assert_eq!(resp.command_status(), CommandStatus::ESME_ROK, "{resp:?}");
    assert_eq!(resp.sequence_number(), 2);
    p.close();
    server.shutdown(T);

    let mut strict = server_config();
    strict.session.parse = smpp_core::pdu::ParseOptions::strict();
    let server = R::start_server(strict, accounts, HandlerPolicy::message_id());
    let mut p = RawPeer::connect(server.local_addr());
    p.write_raw(&raw_bind(system_id, password, 1))
        .expect("write");
    let resp = p.expect_pdu();
    assert_eq!(resp.command_id(), CommandId::BindTransceiverResp);
    assert_eq!(
        resp.command_status(),
        CommandStatus::ESME_RINVSYSID,
        "{resp:?}"
    );
    assert!(server.sessions().is_empty());
    server.shutdown(T);
}

/// `command_length` 0xFFFFFFFF is refused from the header alone: `generic_nack`
/// `ESME_RINVCMDLEN`, then close.
pub fn huge_command_length<R: Runtime>() {
    let server = start::<R>(server_config());
    let mut p = RawPeer::connect(server.local_addr());
    let mut h = [0u8; 16];
    h[..4].copy_from_slice(&u32::MAX.to_be_bytes());
    h[4..8].copy_from_slice(&CommandId::BindTransceiver.to_u32().to_be_bytes());
    h[12..].copy_from_slice(&1u32.to_be_bytes());
    p.write_raw(&h).expect("write");
    let pdus = p.expect_closed(T, 1);
    assert_eq!(pdus.len(), 1, "a generic_nack before the close");
    assert_eq!(pdus[0].command_id(), CommandId::GenericNack);
    assert_eq!(pdus[0].command_status(), CommandStatus::ESME_RINVCMDLEN);
    settles_to(&server, 0);
}

/// 200 hostile connections (garbage, half headers, idle) while a good client binds,
/// submits and gets receipt-style deliveries throughout; afterwards only the good client
/// is left.
pub fn hostile_flood<R: Runtime>(store: StoreKind) {
    let mut config = server_config();
    config.session.bind_timeout = CoreDuration::from_secs(1);
    let Some(server) = start_stored::<R>(config, store) else {
        return;
    };
    let addr = server.local_addr();
    let good = connect::<R>(addr, "good", BindType::Transceiver);
    let round = |i: usize| {
        let r = good.send(&submit("good")).expect("good submit");
        assert_eq!(r.status(), CommandStatus::ESME_ROK);
        assert!(r.message_id().is_some());
        let text = format!("dr{i}");
        let p = server.deliver("good", &receipt(&text)).expect("deliver");
        let got = recv_one(&good);
        assert_eq!(got.text(), text);
        got.respond_ok().expect("respond");
        delivered_on(&server.outcome(p));
    };
    let done = AtomicBool::new(false);
    let hostile = std::thread::scope(|s| {
        let flood = s.spawn(|| {
            let mut peers = Vec::new();
            for i in 0..200usize {
                if i % 20 == 19 {
                    // In waves, so that the good client's rounds run between them.
                    std::thread::sleep(Duration::from_millis(20));
                }
                let mut p = RawPeer::connect(addr);
                let _ = match i % 4 {
                    0 => p.write_raw(&[0xA5; 40]),
                    1 => p.write_raw(&[0, 0, 0, 40, 0, 0]),
                    2 => p.write_raw(b"\x00\x00\x00\x20\x00\x00\x00\x09\x00\x00"),
                    _ => Ok(()),
                };
                peers.push(p);
            }
            done.store(true, Ordering::Relaxed);
            peers
        });
        let mut i = 0;
        while !done.load(Ordering::Relaxed) || i < 5 {
            round(i);
            i += 1;
            assert!(i < 10_000);
        }
        flood.join().expect("flood")
    });
    round(usize::MAX);
    // The server itself closes every hostile connection: garbage at once, half headers
    // and idle ones at the bind timeout (1 s).
    settles_to(&server, 1);
    assert_eq!(server.sessions().len(), 1);
    for mut p in hostile {
        for f in p.expect_closed(T, 1) {
            assert_eq!(f.command_id(), CommandId::GenericNack);
        }
    }
    round(0);
    good.unbind().expect("unbind");
}

/// `max_connections` (4): the excess connection is accepted and closed at once, without a
/// PDU, with a `ConnectionRefused` event; a slot that frees up is usable again.
pub fn max_connections_refuses_excess<R: Runtime>() {
    let mut config = server_config();
    config.max_connections = 4;
    let server = start::<R>(config);
    let addr = server.local_addr();
    let mut open: Vec<RawPeer> = (0..4).map(|_| RawPeer::connect(addr)).collect();
    assert!(wait_until(T, || server.connection_count() == 4));
    let mut excess = RawPeer::connect(addr);
    excess.expect_closed(Duration::from_secs(2), 0);
    match wait_event(&server, T, |e| {
        matches!(e, ServerEvent::ConnectionRefused { .. })
    }) {
        Some(ServerEvent::ConnectionRefused { open, .. }) => assert_eq!(open, 4),
        other => panic!("no ConnectionRefused event: {other:?}"),
    }
    assert_eq!(server.connection_count(), 4);
    open.pop().expect("one").close();
    settles_to(&server, 3);
    let c = connect::<R>(addr, "good", BindType::Transceiver);
    assert!(c.send(&submit("in")).expect("submit").status().is_ok());
    c.unbind().expect("unbind");
    drop(open);
}

// ----- the suite --------------------------------------------------------------------------

// ----- a client that does not read ------------------------------------------------------

/// An ESME with `auto_respond` whose application never takes its requests: `Incoming` holds
/// at most `peer_window` (16) of the SMSC's 6 000 `deliver_sm`; the client stops reading
/// (the SMSC gets far fewer answers than it sent, and no more while the application does
/// not read) instead of growing; nothing is lost: once the application reads, every request
/// arrives in order, `Incoming` never above its bound, and the SMSC gets all the answers.
pub fn incoming_bounded_when_not_read<R: Runtime>() {
    const N: u32 = 6_000;
    const WINDOW: usize = 16;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let addr = listener.local_addr().expect("address");
    let answers = std::sync::Arc::new(AtomicUsize::new(0));
    let smsc = {
        let answers = answers.clone();
        std::thread::spawn(move || {
            let mut p = RawPeer::accept(&listener);
            let bind = p.expect_pdu();
            assert_eq!(bind.command_id(), CommandId::BindTransceiver);
            p.respond(&bind, CommandStatus::ESME_ROK);
            // All 6 000 at once, from a thread of their own (the writes block once the
            // client stops reading).
            let mut w = p.writer();
            let writer = std::thread::spawn(move || {
                use std::io::Write;
                let mut all = Vec::new();
                for seq in 1..=N {
                    let text = format!("m{seq:05}");
                    let pdu = smpp_core::pdu::Pdu::new(seq, receipt(&text));
                    let mut out = vec![0u8; pdu.encoded_len()];
                    pdu.encode(&mut out).expect("encode");
                    all.extend_from_slice(&out);
                }
                w.write_all(&all).expect("write the deliver_sm");
            });
            let mut next = 1;
            while next <= N {
                match p.read(Duration::from_secs(30)) {
                    RawRead::Pdu(f) => {
                        assert_eq!(f.command_id(), CommandId::DeliverSmResp);
                        assert_eq!(f.sequence_number(), next, "answers in order");
                        assert_eq!(f.command_status(), CommandStatus::ESME_ROK);
                        answers.fetch_add(1, Ordering::Relaxed);
                        next += 1;
                    }
                    other => panic!("after {} answers: {other:?}", next - 1),
                }
            }
            writer.join().expect("writer");
            p
        })
    };
    let mut config = client_config("acme", BindType::Transceiver);
    config.session.auto_respond = true;
    config.session.peer_window = WINDOW;
    let c = R::connect(addr, config).expect("bind to the raw SMSC");
    assert!(
        wait_until(T, || c.incoming_len() == WINDOW),
        "Incoming filled up to {WINDOW}: {}",
        c.incoming_len()
    );
    // The application does not read: nothing grows, and once the answers to what was
    // read are out, the client reads (and so answers) no more.
    let mut last = answers.load(Ordering::Relaxed);
    let mut quiet_since = Instant::now();
    let deadline = Instant::now() + T;
    while quiet_since.elapsed() < Duration::from_millis(200) {
        assert!(
            Instant::now() < deadline,
            "the answers never stopped: {last}"
        );
        assert_eq!(c.incoming_len(), WINDOW, "Incoming stays at its bound");
        std::thread::sleep(Duration::from_millis(10));
        let now = answers.load(Ordering::Relaxed);
        if now != last {
            (last, quiet_since) = (now, Instant::now());
        }
    }
    for _ in 0..30 {
        assert_eq!(c.incoming_len(), WINDOW, "Incoming stays at its bound");
        std::thread::sleep(Duration::from_millis(10));
    }
    let still = answers.load(Ordering::Relaxed);
    assert_eq!(still, last, "the client read nothing more while stalled");
    // What was answered is what the client read before stopping: the requests in the queue
    // and those of the last read held behind it (at most one read: 128 KiB, about 2 400
    // of these 54-octet PDUs), far from all 6 000.
    assert!(
        still <= WINDOW + 2_500 && (still as u32) < N,
        "{still} of {N} answered while the application did not read"
    );
    // The application reads: all of them, in order, Incoming never above its bound.
    for seq in 1..=N {
        let r = c
            .recv(T)
            .unwrap_or_else(|| panic!("request {seq} of {N} not received"));
        assert_eq!(r.frame.sequence_number(), seq, "in order");
        assert_eq!(r.text(), format!("m{seq:05}"));
        assert!(c.incoming_len() <= WINDOW, "{}", c.incoming_len());
        r.respond_ok().expect("auto-responded: nothing to answer");
    }
    let p = smsc.join().expect("the raw SMSC");
    assert_eq!(answers.load(Ordering::Relaxed), N as usize);
    assert_eq!(c.incoming_len(), 0);
    p.close();
}

// ----- TLS --------------------------------------------------------------------------------

/// A TLS SMSC presenting `id`'s certificate.
fn start_tls<R: Runtime>(id: &crate::pki::Identity) -> R::Server {
    R::start_tls_server(
        server_config(),
        Accounts::standard(),
        HandlerPolicy::message_id(),
        id.server_config(),
    )
}

/// Binds over TLS as `acme`, submits once and unbinds; panics on any failure.
fn tls_round<R: Runtime>(addr: &str, tls: crate::TlsClientConfig) {
    let c = R::connect_tls(addr, client_config("acme", BindType::Transceiver), tls)
        .unwrap_or_else(|e| panic!("TLS bind to {addr}: {e}"));
    let r = c.send(&submit("over TLS")).expect("submit over TLS");
    assert_eq!(r.status(), CommandStatus::ESME_ROK);
    assert!(r.message_id().is_some());
    c.unbind().expect("unbind");
}

/// The text of the TLS failure of a bind that must fail.
fn tls_refused<R: Runtime>(addr: &str, tls: crate::TlsClientConfig) -> String {
    match R::connect_tls(addr, client_config("acme", BindType::Transceiver), tls) {
        Err(Failure::Tls(msg)) => msg,
        Err(e) => panic!("expected a TLS failure, got {e:?}"),
        Ok(_) => panic!("expected a TLS failure, got a bound client"),
    }
}

/// A self-signed server certificate marked `CA:TRUE` (as `openssl req -x509` makes it),
/// given to the client as its CA certificate, is accepted by exact match (pinned): by IP
/// address, by DNS name, and even under a name the certificate does not carry. webpki
/// alone refuses it (`CaUsedAsEndEntity`).
pub fn tls_pinned_self_signed_certificate<R: Runtime>() {
    let id = crate::pki::self_signed_ca_true("localhost");
    let server = start_tls::<R>(&id);
    let port = server.local_addr().port();
    let ca = || crate::TlsClientConfig::ca_pem(id.cert_pem.as_bytes()).expect("the PEM");
    tls_round::<R>(&format!("127.0.0.1:{port}"), ca());
    tls_round::<R>(&format!("localhost:{port}"), ca());
    tls_round::<R>(
        &format!("127.0.0.1:{port}"),
        ca().with_server_name("not-in-the-certificate.example"),
    );
    assert_eq!(bind_ids(&server).len(), 0, "every TLS client unbound");
    server.shutdown(T);
}

/// A different self-signed certificate than the one given as CA is refused, the error
/// naming both SHA-256 digests; the server goes on.
pub fn tls_other_self_signed_certificate_is_refused<R: Runtime>() {
    let id = crate::pki::self_signed_ca_true("localhost");
    let other = crate::pki::self_signed_ca_true("localhost");
    let server = start_tls::<R>(&id);
    let addr = format!("127.0.0.1:{}", server.local_addr().port());
    let start = Instant::now();
    let tls = crate::TlsClientConfig::ca_pem(other.cert_pem.as_bytes()).expect("the PEM");
    let msg = tls_refused::<R>(&addr, tls);
    assert!(start.elapsed() < T, "refused after {:?}", start.elapsed());
    assert!(msg.contains("not trusted"), "{msg}");
    assert!(msg.contains(&format!("(SHA-256 {})", id.sha256())), "{msg}");
    assert!(
        msg.contains(&format!(
            "not the certificate of the CA PEM (SHA-256 {})",
            other.sha256()
        )),
        "{msg}"
    );
    let tls = crate::TlsClientConfig::ca_pem(id.cert_pem.as_bytes()).expect("the PEM");
    tls_round::<R>(&addr, tls);
    server.shutdown(T);
}

/// A SHA-256 pin of the server's certificate is accepted (alone, and added to a CA that
/// does not fit); a wrong pin is refused naming the pin expected and the one found.
pub fn tls_sha256_pin<R: Runtime>() {
    let id = crate::pki::self_signed_ca_true("localhost");
    let other = crate::pki::self_signed_ca_true("localhost");
    let server = start_tls::<R>(&id);
    let addr = format!("127.0.0.1:{}", server.local_addr().port());
    let pinned = crate::TlsClientConfig::pinned_sha256([id.sha256()]).expect("a pin");
    tls_round::<R>(&addr, pinned.with_server_name("any-name.example"));
    let ca_and_pin = crate::TlsClientConfig::ca_pem(other.cert_pem.as_bytes())
        .expect("the PEM")
        .with_pinned_sha256(id.sha256())
        .expect("a pin on a CA configuration");
    tls_round::<R>(&addr, ca_and_pin);
    let wrong = crate::TlsClientConfig::pinned_sha256([other.sha256()]).expect("a pin");
    let msg = tls_refused::<R>(&addr, wrong);
    assert!(
        msg.contains(&format!(
            "does not have the pinned SHA-256 {}",
            other.sha256()
        )),
        "{msg}"
    );
    assert!(msg.contains(&format!("(SHA-256 {})", id.sha256())), "{msg}");
    server.shutdown(T);
}

/// A certificate issued by the CA given is verified as before pinning existed: accepted
/// for its names, refused for another name and by another CA.
pub fn tls_ca_issued_certificate<R: Runtime>() {
    let (ca, id) = crate::pki::ca_and_server("conformance CA");
    let (other_ca, _) = crate::pki::ca_and_server("another CA");
    let server = start_tls::<R>(&id);
    let port = server.local_addr().port();
    let tls = || crate::TlsClientConfig::ca_pem(ca.cert_pem.as_bytes()).expect("the PEM");
    tls_round::<R>(&format!("127.0.0.1:{port}"), tls());
    tls_round::<R>(&format!("localhost:{port}"), tls());
    let addr = format!("127.0.0.1:{port}");
    let msg = tls_refused::<R>(&addr, tls().with_server_name("smsc.example.com"));
    assert!(msg.contains("not valid for name"), "{msg}");
    let other = crate::TlsClientConfig::ca_pem(other_ca.cert_pem.as_bytes()).expect("the PEM");
    let msg = tls_refused::<R>(&addr, other);
    assert!(msg.contains("UnknownIssuer"), "{msg}");
    server.shutdown(T);
}

/// One `#[test]` per scenario of [`suite`](crate::suite) for the runtime `$rt`:
/// `smpp_conformance::conformance_suite!(smpp_conformance::SmolRuntime);`
#[macro_export]
macro_rules! conformance_suite {
    ($rt:ty) => {
        $crate::conformance_suite!(@tests $rt;
            bind_each_type,
            bind_wrong_password,
            bind_twice_is_refused,
            submit_before_bind,
            bind_limit_per_account,
            panicking_authenticator,
            panicking_handler,
            window_of_64_pipelined,
            slow_handler,
            enquire_link_answered,
            inactivity_timeout_closes,
            bind_timeout_closes,
            peer_unbind_is_answered,
            garbage_is_refused,
            over_long_fields_accepted_leniently,
            huge_command_length,
            max_connections_refuses_excess,
            nagle_peer_smsc,
            nagle_peer_esme,
            mismatched_responses_are_errors,
            throttled_requests_are_retried,
            incoming_bounded_when_not_read,
            tls_pinned_self_signed_certificate,
            tls_other_self_signed_certificate_is_refused,
            tls_sha256_pin,
            tls_ca_issued_certificate,
        );
        $crate::delivery_store_suite!(@tests $rt; $crate::StoreKind::None);
    };
    (@tests $rt:ty; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::suite::$name::<$rt>();
            }
        )*
    };
}

/// The delivery scenarios of [`suite`](crate::suite) for the runtime `$rt` with a delivery
/// store, one `#[test]` each in a module named after the store (`embedded::…`,
/// `redis::…`); [`conformance_suite!`] runs them without one:
/// `smpp_conformance::delivery_store_suite!(smpp_conformance::SmolRuntime, redis);`
///
/// Every scenario in which the SMSC delivers is here but two, left out on purpose:
/// `nagle_peer_esme` measures receipt rates against a Nagle peer for `BENCHMARKS.md`
/// (the store's cost is measured there on its own, and its scenario would only be
/// slower with no other assertion), and `incoming_bounded_when_not_read`, whose
/// `deliver_sm` come from a raw SMSC, not from the endpoint's queue.
#[macro_export]
macro_rules! delivery_store_suite {
    ($rt:ty, embedded) => {
        mod embedded {
            $crate::delivery_store_suite!(@tests $rt; $crate::StoreKind::Embedded);
            $crate::delivery_store_suite!(@only_stored $rt; $crate::StoreKind::Embedded);
        }
    };
    ($rt:ty, redis) => {
        mod redis {
            $crate::delivery_store_suite!(@tests $rt; $crate::StoreKind::Redis);
            $crate::delivery_store_suite!(@only_stored $rt; $crate::StoreKind::Redis);
        }
    };
    // What only a store can do: keep messages across a restart.
    (@only_stored $rt:ty; $store:expr) => {
        $crate::delivery_store_suite!(@each $rt; $store;
            kept_messages_first_after_restart,
        );
    };
    (@tests $rt:ty; $store:expr) => {
        $crate::delivery_store_suite!(@each $rt; $store;
            round_robin_over_receivers,
            transmitter_gets_no_deliveries,
            queued_until_receiver_binds,
            delivery_fails_over_on_timeout,
            delivery_fails_over_when_client_ignores,
            delivery_retries_temporary_error,
            delivery_survives_dropped_link,
            delivery_permanent_error_is_refused,
            delivery_queue_full,
            outbind_delivers_queued,
            outbind_retries_until_listening,
            shutdown_drains,
            shutdown_gives_up_in_flight,
            hostile_flood,
        );
    };
    (@each $rt:ty; $store:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::suite::$name::<$rt>($store);
            }
        )*
    };
}

// ----- peers built like other implementations ------------------------------------------------

/// An SMSC that keeps Nagle's algorithm on and writes one PDU per call (as many deployed
/// servers do) answers every request of a window-1 and of a pipelined client, all `ESME_ROK`.
/// The time taken is printed: with delayed acknowledgements on our side meeting Nagle on
/// theirs each exchange would wait for the peer's delayed-ACK timer; `BENCHMARKS.md` records
/// the rates.
pub fn nagle_peer_smsc<R: Runtime>() {
    use crate::peers::{PeerAnswer, PeerSmsc};
    let peer = PeerSmsc::start(PeerAnswer::Ok, false);
    for window in [1usize, 16] {
        let mut config = client_config("acme", BindType::Transceiver);
        config.session.window = window;
        let c = R::connect(peer.addr(), config).expect("bind to the peer");
        let texts: Vec<String> = (0..window).map(|i| format!("msg {i}")).collect();
        let bodies: Vec<Body<'_>> = texts.iter().map(|t| submit(t)).collect();
        let rounds = 400 / window;
        let start = Instant::now();
        for _ in 0..rounds {
            for r in c.send_all(&bodies) {
                assert_eq!(r.expect("a response").status(), CommandStatus::ESME_ROK);
            }
        }
        let took = start.elapsed();
        eprintln!(
            "{:?} client, window {window}: {} submit_sm against a Nagle peer in {took:?}",
            R::KIND,
            rounds * window
        );
        c.unbind().expect("unbind");
    }
    assert_eq!(peer.stats().accepted.load(Ordering::Relaxed), 800);
}

/// A window-1 ESME that keeps Nagle's algorithm on and writes one PDU per call, asking for
/// receipts: after each `submit_sm` the server delivers a receipt, the ESME answers it and
/// sends its next `submit_sm` at once (two small writes in a row, the pattern that meets
/// delayed acknowledgements). Every message is answered and every receipt arrives. The
/// rates with and without receipts are printed; `BENCHMARKS.md` records them.
pub fn nagle_peer_esme<R: Runtime>() {
    use crate::peers::nagle_esme;
    let policy = HandlerPolicy::message_id();
    let answered = policy.answered.clone();
    let server = R::start_server(server_config(), Accounts::standard(), policy);
    let addr = server.local_addr();
    let plain = nagle_esme(addr, "acme", PASSWORD, 200, false).expect("without receipts");
    assert_eq!((plain.accepted, plain.receipts), (200, 0));
    let stop = AtomicBool::new(false);
    // Every submit_sm of the first run was answered before it returned.
    let base = answered.load(Ordering::Relaxed);
    let with = std::thread::scope(|s| {
        let deliverer = s.spawn(|| {
            let mut delivered = base;
            while !stop.load(Ordering::Relaxed) && delivered - base < 200 {
                // A bind of its own ("beta"): the receipts cannot go to the first run's
                // connection while it closes.
                if answered.load(Ordering::Relaxed) > delivered
                    && server
                        .deliver("beta", &receipt("id:m1 stat:DELIVRD"))
                        .is_ok()
                {
                    delivered += 1;
                } else {
                    std::thread::yield_now();
                }
            }
        });
        let run = nagle_esme(addr, "beta", PASSWORD, 200, true);
        stop.store(true, Ordering::Relaxed);
        let _ = deliverer.join();
        run
    })
    .expect("with receipts");
    assert_eq!((with.accepted, with.receipts), (200, 200));
    eprintln!(
        "{:?} server, Nagle ESME window 1: {:.0} msg/s without receipts, {:.0} msg/s with",
        R::KIND,
        200.0 / plain.elapsed.as_secs_f64(),
        200.0 / with.elapsed.as_secs_f64()
    );
}

/// A response whose command id does not answer the request is that request's error, naming
/// both ids; a bind answered that way fails.
pub fn mismatched_responses_are_errors<R: Runtime>() {
    use crate::peers::{PeerAnswer, PeerSmsc};
    let peer = PeerSmsc::start(PeerAnswer::WrongSubmitResponse, false);
    let c = R::connect(peer.addr(), client_config("acme", BindType::Transceiver)).expect("bind");
    match c.send(&submit("hello")) {
        Err(Failure::MismatchedResponse { request, response }) => {
            assert_eq!(request, CommandId::SubmitSm);
            assert_eq!(response, CommandId::CancelSmResp);
        }
        other => panic!("{other:?}"),
    }
    c.unbind().expect("unbind");
    let peer = PeerSmsc::start(PeerAnswer::WrongBindResponse, false);
    match R::connect(peer.addr(), client_config("acme", BindType::Transceiver)) {
        Err(Failure::MismatchedResponse { request, response }) => {
            assert_eq!(request, CommandId::BindTransceiver);
            assert_eq!(response, CommandId::EnquireLinkResp);
        }
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("a bind answered with enquire_link_resp counts as bound"),
    }
}

/// Against an SMSC that accepts 50 submit_sm per second and throttles the rest, a client
/// with `throttle_retries` gets every message accepted: throttled requests are sent again
/// by the session after one pause per episode.
pub fn throttled_requests_are_retried<R: Runtime>() {
    use crate::peers::{PeerAnswer, PeerSmsc};
    let peer = PeerSmsc::start(PeerAnswer::Throttle { per_second: 50 }, false);
    let mut config = client_config("acme", BindType::Transceiver);
    config.session.window = 10;
    config.session.throttle_retries = 20;
    config.session.throttle_backoff = CoreDuration::from_millis(100);
    config.session.max_throttle_backoff = CoreDuration::from_millis(800);
    config.session.response_timeout = CoreDuration::from_secs(10);
    let c = R::connect(peer.addr(), config).expect("bind");
    let texts: Vec<String> = (0..10).map(|i| format!("msg {i}")).collect();
    let bodies: Vec<Body<'_>> = texts.iter().map(|t| submit(t)).collect();
    for _ in 0..12 {
        for r in c.send_all(&bodies) {
            assert_eq!(r.expect("a response").status(), CommandStatus::ESME_ROK);
        }
    }
    let stats = peer.stats();
    assert_eq!(stats.accepted.load(Ordering::Relaxed), 120);
    assert!(
        stats.throttled.load(Ordering::Relaxed) > 0,
        "the peer throttled: the retry path ran"
    );
    c.unbind().expect("unbind");
}
