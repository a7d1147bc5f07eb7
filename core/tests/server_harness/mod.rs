//! Shared harness for the endpoint tests: one sans-IO [`Endpoint`] and any number of ESME
//! [`Session`]s connected to it in memory, with simulated time. Each ESME answers the
//! `deliver_sm`s it receives as its [`Behaviour`] script says; the harness plays the
//! driver (moves octets both ways, feeds EOF, removes closed connections) and the
//! application (authenticates binds, records events and delivery outcomes).
#![allow(dead_code)]

use smpp_core::pdu::{Address, Bind, Body, DeliverSm, MessageIdResp};
use smpp_core::server::{
    BindId, BindRequest, ConnEvent, Connect, DeliverError, DeliveryId, DeliveryOutcome, Endpoint,
    Refused, ServerConfig, ServerEvent,
};
use smpp_core::session::{BindType, Event, Session, SessionConfig, State};
use smpp_core::{CommandId, CommandStatus, Duration, Frame, Instant};
use std::collections::{BTreeMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// How an ESME answers one `deliver_sm` it receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// `deliver_sm_resp` with `ESME_ROK`.
    Ok,
    /// `deliver_sm_resp` with this (error) status.
    Status(CommandStatus),
    /// `generic_nack` with this status.
    Nack(CommandStatus),
    /// Never answers it.
    Silent,
    /// Answers `ESME_ROK` after this long (maybe after the endpoint gave up waiting).
    Late(Duration),
    /// Drops the connection on receiving it (nothing more of its output is written); binds
    /// again on a new connection after `rebind_after`, if given.
    Drop { rebind_after: Option<Duration> },
}

/// One `deliver_sm` (or `data_sm`) as an ESME received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub at: Instant,
    /// The endpoint's id for the connection it came on.
    pub conn: BindId,
    pub text: Vec<u8>,
    /// How the ESME answered it.
    pub answer: Behaviour,
}

/// One simulated ESME.
pub struct Esme {
    pub session: Session,
    /// The endpoint's id of the current connection (`None`: not connected).
    pub conn: Option<BindId>,
    /// Every connection it had, oldest first.
    pub conns: Vec<BindId>,
    pub peer: SocketAddr,
    pub account: String,
    pub password: String,
    pub bind_type: BindType,
    /// Behaviour once the script is spent.
    pub default: Behaviour,
    /// Behaviours used in turn, one per `deliver_sm`, before `default`.
    pub script: VecDeque<Behaviour>,
    pub received: Vec<Received>,
    pub events: Vec<(Instant, Event)>,
    /// Requests received and never answered (sequence numbers).
    pub unanswered: Vec<u32>,
    /// When to connect and bind again after a drop.
    pub rebind_at: Option<Instant>,
    /// Answer `outbind` with a `bind_receiver` at once.
    pub bind_on_outbind: bool,
    /// Connect and bind again this long after any connection of it ended.
    pub rebind_on_close: Option<Duration>,
    /// `Late` answers due (when, sequence number) on the current connection.
    pub delayed: Vec<(Instant, u32)>,
    eof_sent: bool,
}

impl Esme {
    /// The texts received, in order.
    pub fn texts(&self) -> Vec<String> {
        self.received
            .iter()
            .map(|r| String::from_utf8_lossy(&r.text).into_owned())
            .collect()
    }

    pub fn is_bound(&self) -> bool {
        matches!(self.session.state(), State::Bound(_))
    }

    fn next_behaviour(&mut self) -> Behaviour {
        self.script.pop_front().unwrap_or(self.default)
    }
}

/// The application's authenticator.
pub type AuthFn = Box<dyn FnMut(&BindRequest) -> Result<(), CommandStatus>>;

/// The endpoint, its ESMEs, the clock and what was observed.
pub struct Harness {
    pub ep: Endpoint,
    pub esmes: Vec<Esme>,
    pub now: Instant,
    pub esme_config: SessionConfig,
    /// Every endpoint event, with when it was polled.
    pub events: Vec<(Instant, ServerEvent)>,
    /// Every `ServerEvent::Delivery` outcome per delivery (exactly one is expected).
    pub outcomes: BTreeMap<DeliveryId, Vec<DeliveryOutcome>>,
    /// The text of every accepted delivery.
    pub texts: BTreeMap<DeliveryId, String>,
    /// Decides binds unless `manual_auth`.
    pub auth: AuthFn,
    /// Keep `ConnEvent::Authenticate` in `auth_requests` instead of deciding.
    pub manual_auth: bool,
    pub auth_requests: Vec<(BindId, BindRequest)>,
    /// `ConnEvent::Request`s from bound ESMEs, left for the test to answer.
    pub requests: Vec<(BindId, Frame)>,
    /// Connections `poll_wake` named.
    pub woken: Vec<BindId>,
    next_peer: u32,
}

/// The password every harness ESME uses unless told otherwise.
pub const PASSWORD: &str = "secret";

/// A server configuration for tests: 5 s response timeout, outbind retries without jitter.
pub fn test_config() -> ServerConfig {
    let mut c = ServerConfig::default();
    c.session.response_timeout = Duration::from_secs(5);
    c.outbind_retry.jitter = false;
    c
}

pub fn addr(a: u8, b: u8, c: u8, d: u8, port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(a, b, c, d)), port)
}

/// A `deliver_sm` carrying `text`.
pub fn deliver_sm(text: &str) -> Body<'_> {
    Body::DeliverSm(DeliverSm {
        source: Address::international("447700900123"),
        short_message: text.as_bytes(),
        ..Default::default()
    })
}

fn short_message(frame: &Frame) -> Option<Vec<u8>> {
    match frame.pdu().ok()?.body {
        Body::DeliverSm(sm) => Some(sm.short_message.to_vec()),
        Body::DataSm(_) => Some(Vec::new()),
        _ => None,
    }
}

impl Harness {
    pub fn new(config: ServerConfig) -> Harness {
        Harness {
            ep: Endpoint::new(config, Instant::ZERO),
            esmes: Vec::new(),
            now: Instant::ZERO,
            esme_config: SessionConfig::esme(),
            events: Vec::new(),
            outcomes: BTreeMap::new(),
            texts: BTreeMap::new(),
            auth: Box::new(|req: &BindRequest| {
                if req.password == PASSWORD {
                    Ok(())
                } else {
                    Err(CommandStatus::ESME_RINVPASWD)
                }
            }),
            manual_auth: false,
            auth_requests: Vec::new(),
            requests: Vec::new(),
            woken: Vec::new(),
            next_peer: 0,
        }
    }

    /// A fresh peer address, one IP address per ESME.
    pub fn fresh_peer(&mut self) -> SocketAddr {
        let n = self.next_peer;
        self.next_peer += 1;
        addr(10, 1, (n / 250) as u8, (n % 250 + 1) as u8, 40_000)
    }

    // ----- ESMEs -----------------------------------------------------------------------------

    /// Opens a connection for a new ESME (not bound yet); its index.
    pub fn connect(
        &mut self,
        account: &str,
        password: &str,
        bind_type: BindType,
        peer: SocketAddr,
    ) -> Result<usize, Refused> {
        let conn = self.ep.accept(self.now, peer)?;
        self.esmes.push(Esme {
            session: Session::new(self.esme_config.clone(), self.now),
            conn: Some(conn),
            conns: vec![conn],
            peer,
            account: account.into(),
            password: password.into(),
            bind_type,
            default: Behaviour::Ok,
            script: VecDeque::new(),
            received: Vec::new(),
            events: Vec::new(),
            unanswered: Vec::new(),
            rebind_at: None,
            bind_on_outbind: false,
            rebind_on_close: None,
            delayed: Vec::new(),
            eof_sent: false,
        });
        Ok(self.esmes.len() - 1)
    }

    /// Sends the ESME's bind (no step).
    pub fn bind(&mut self, i: usize) {
        let now = self.now;
        let e = &mut self.esmes[i];
        let bind = Bind::new(&e.account, &e.password);
        e.session
            .bind(now, e.bind_type, &bind)
            .expect("bind can be sent");
    }

    /// Connects, binds and steps; the ESME's index (bound unless refused).
    pub fn add_from(
        &mut self,
        account: &str,
        password: &str,
        bind_type: BindType,
        peer: SocketAddr,
    ) -> usize {
        let i = self
            .connect(account, password, bind_type, peer)
            .expect("accepted");
        self.bind(i);
        self.step();
        i
    }

    /// A new ESME from its own address, bound with the right password.
    pub fn add(&mut self, account: &str, bind_type: BindType) -> usize {
        self.add_with(account, bind_type, Behaviour::Ok)
    }

    /// A new ESME from its own address with a default behaviour (in force from its first
    /// delivery), bound with the right password.
    pub fn add_with(&mut self, account: &str, bind_type: BindType, default: Behaviour) -> usize {
        let peer = self.fresh_peer();
        let i = self
            .connect(account, PASSWORD, bind_type, peer)
            .expect("accepted");
        self.esmes[i].default = default;
        self.bind(i);
        self.step();
        assert!(
            self.esmes[i].is_bound(),
            "{account} {bind_type} did not bind: {:?}",
            self.esmes[i].events
        );
        i
    }

    /// A new ESME that answers its deliveries as `script` says, then `Ok`.
    pub fn add_scripted(
        &mut self,
        account: &str,
        bind_type: BindType,
        script: impl IntoIterator<Item = Behaviour>,
    ) -> usize {
        let peer = self.fresh_peer();
        let i = self
            .connect(account, PASSWORD, bind_type, peer)
            .expect("accepted");
        self.esmes[i].script = script.into_iter().collect();
        self.bind(i);
        self.step();
        i
    }

    /// A receiver with a default behaviour.
    pub fn add_receiver(&mut self, account: &str, default: Behaviour) -> usize {
        self.add_with(account, BindType::Receiver, default)
    }

    /// The driver connected to an outbind target: a new ESME on that connection.
    pub fn attach_outbind(
        &mut self,
        connect: Connect,
        account: &str,
        password: &str,
    ) -> Result<usize, Refused> {
        let conn = self
            .ep
            .outbind_connected(self.now, connect.id, connect.addr)?;
        self.esmes.push(Esme {
            session: Session::new(self.esme_config.clone(), self.now),
            conn: Some(conn),
            conns: vec![conn],
            peer: connect.addr,
            account: account.into(),
            password: password.into(),
            bind_type: BindType::Receiver,
            default: Behaviour::Ok,
            script: VecDeque::new(),
            received: Vec::new(),
            events: Vec::new(),
            unanswered: Vec::new(),
            rebind_at: None,
            bind_on_outbind: false,
            rebind_on_close: None,
            delayed: Vec::new(),
            eof_sent: false,
        });
        Ok(self.esmes.len() - 1)
    }

    /// Drops ESME `i`'s connection now: endpoint EOF and ESME abort.
    pub fn drop_link(&mut self, i: usize) {
        let now = self.now;
        let e = &mut self.esmes[i];
        e.session.abort(now);
        let _ = e.session.take_transmit();
        if let Some(conn) = e.conn {
            if !e.eof_sent {
                e.eof_sent = true;
                self.ep.handle_eof(now, conn);
            }
        }
    }

    fn reconnect(&mut self, i: usize) {
        let now = self.now;
        let Ok(conn) = self.ep.accept(now, self.esmes[i].peer) else {
            self.esmes[i].rebind_at = None;
            return;
        };
        let e = &mut self.esmes[i];
        e.session = Session::new(self.esme_config.clone(), now);
        e.conn = Some(conn);
        e.conns.push(conn);
        e.eof_sent = false;
        e.rebind_at = None;
        e.delayed.clear();
        self.bind(i);
    }

    // ----- deliveries ------------------------------------------------------------------------

    /// `deliver` of a `deliver_sm` carrying `text` (no step).
    pub fn deliver(&mut self, account: &str, text: &str) -> Result<DeliveryId, DeliverError> {
        let r = self.ep.deliver(self.now, account, &deliver_sm(text));
        if let Ok(id) = r {
            assert!(self.texts.insert(id, text.into()).is_none(), "id reused");
        }
        r
    }

    /// The single outcome of `id` (panics when there is none or more than one).
    pub fn outcome(&self, id: DeliveryId) -> &DeliveryOutcome {
        match self.outcomes.get(&id).map(Vec::as_slice) {
            Some([o]) => o,
            other => panic!("{id}: expected exactly one outcome, got {other:?}"),
        }
    }

    /// True when every accepted delivery has at least one outcome.
    pub fn all_done(&self) -> bool {
        self.texts.keys().all(|id| self.outcomes.contains_key(id))
    }

    /// The endpoint events matching `f`.
    pub fn events_where(&self, f: impl Fn(&ServerEvent) -> bool) -> Vec<ServerEvent> {
        self.events
            .iter()
            .filter(|(_, e)| f(e))
            .map(|(_, e)| e.clone())
            .collect()
    }

    /// Asserts every accepted delivery ended exactly once, and no other outcome exists.
    pub fn assert_each_ended_once(&self) {
        for id in self.texts.keys() {
            let _ = self.outcome(*id);
        }
        for id in self.outcomes.keys() {
            assert!(self.texts.contains_key(id), "outcome for unknown {id}");
        }
    }

    // ----- time ------------------------------------------------------------------------------

    /// The earliest timer of the endpoint, the ESMEs and the pending rebinds.
    pub fn next_timer(&mut self) -> Option<Instant> {
        let mut next = self.ep.poll_timeout();
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n: Instant| n.min(t)));
            }
        };
        for e in &mut self.esmes {
            if e.conn.is_some() && !e.session.is_closed() {
                consider(e.session.poll_timeout());
                consider(e.delayed.iter().map(|(t, _)| *t).min());
            }
            if e.conn.is_none() {
                consider(e.rebind_at);
            }
        }
        next
    }

    /// Runs every timer up to `t`, in order, then sets the clock to `t`.
    pub fn advance_to(&mut self, t: Instant) {
        self.step();
        let mut stuck = 0;
        while let Some(n) = self.next_timer() {
            if n > t {
                break;
            }
            if n <= self.now {
                stuck += 1;
                assert!(stuck < 100, "a timer at {n:?} stays due at {:?}", self.now);
            } else {
                stuck = 0;
                self.now = n;
            }
            self.step();
        }
        if t > self.now {
            self.now = t;
        }
        self.step();
    }

    pub fn advance(&mut self, d: Duration) {
        let t = self.now + d;
        self.advance_to(t);
    }

    /// Advances timer by timer until `done` holds or `limit` is reached; true if it held.
    pub fn run_until(&mut self, limit: Instant, mut done: impl FnMut(&Harness) -> bool) -> bool {
        self.step();
        loop {
            if done(self) {
                return true;
            }
            match self.next_timer() {
                Some(n) if n <= limit => {
                    let n = n.max(self.now + Duration::from_millis(1)).min(limit);
                    self.advance_to(n);
                }
                _ => {
                    self.advance_to(limit);
                    return done(self);
                }
            }
            if self.now >= limit {
                return done(self);
            }
        }
    }

    // ----- the driver ------------------------------------------------------------------------

    /// Moves octets, answers requests, fires due timers and removes closed connections at
    /// the current time until nothing changes.
    pub fn step(&mut self) {
        for _ in 0..10_000 {
            let mut progress = false;
            for i in 0..self.esmes.len() {
                progress |= self.pump(i);
            }
            progress |= self.drain_endpoint();
            progress |= self.fire_timers();
            if !progress {
                return;
            }
        }
        panic!("the simulation does not settle at {:?}", self.now);
    }

    fn fire_timers(&mut self) -> bool {
        let now = self.now;
        let mut fired = false;
        if self.ep.poll_timeout().is_some_and(|t| t <= now) {
            self.ep.handle_timeout(now);
            fired = true;
        }
        for i in 0..self.esmes.len() {
            let e = &mut self.esmes[i];
            if e.conn.is_some()
                && !e.session.is_closed()
                && e.session.poll_timeout().is_some_and(|t| t <= now)
            {
                e.session.handle_timeout(now);
                fired = true;
            }
            if e.delayed.iter().any(|(t, _)| *t <= now) {
                fired = true;
                let (due, later) = e.delayed.drain(..).partition(|(t, _)| *t <= now);
                e.delayed = later;
                for (_, seq) in due {
                    let resp = Body::DeliverSmResp(MessageIdResp::EMPTY);
                    // The session may have closed meanwhile.
                    let _ = e.session.respond(now, seq, CommandStatus::ESME_ROK, &resp);
                }
            }
            if e.conn.is_none() && e.rebind_at.is_some_and(|t| t <= now) {
                self.reconnect(i);
                fired = true;
            }
        }
        fired
    }

    fn drain_endpoint(&mut self) -> bool {
        let mut progress = false;
        while let Some(ev) = self.ep.poll_event() {
            progress = true;
            if let ServerEvent::Delivery { id, outcome, .. } = &ev {
                self.outcomes.entry(*id).or_default().push(outcome.clone());
            }
            self.events.push((self.now, ev));
        }
        while let Some(id) = self.ep.poll_wake() {
            self.woken.push(id);
        }
        progress
    }

    /// One round of driving ESME `i` and its connection.
    fn pump(&mut self, i: usize) -> bool {
        let now = self.now;
        let Some(conn) = self.esmes[i].conn else {
            return false;
        };
        let mut progress = false;
        // Endpoint to ESME.
        if let Some(out) = self.ep.take_transmit(conn) {
            progress = true;
            let e = &mut self.esmes[i];
            if !e.session.is_closed() && !e.eof_sent {
                e.session.handle_input(now, &out);
            }
        }
        // The ESME's application.
        while let Some(ev) = self.esmes[i].session.poll_event() {
            progress = true;
            self.on_esme_event(i, conn, &ev);
            self.esmes[i].events.push((now, ev));
        }
        // ESME to endpoint.
        let e = &mut self.esmes[i];
        if !e.eof_sent {
            if let Some(out) = e.session.take_transmit() {
                progress = true;
                self.ep.handle_input(now, conn, &out);
            }
        }
        // The endpoint's application.
        while let Some(req) = self.ep.poll_request(conn) {
            progress = true;
            match req {
                ConnEvent::Authenticate(r) => {
                    if self.manual_auth {
                        self.auth_requests.push((conn, *r));
                    } else {
                        let verdict = (self.auth)(&r);
                        self.ep.authenticated(now, conn, verdict);
                    }
                }
                ConnEvent::Request { frame, .. } => self.requests.push((conn, frame)),
            }
        }
        // Closing, like a driver: the ESME closed (its output written) -> EOF to the
        // endpoint; the endpoint closed (its output written) -> EOF to the ESME, remove.
        let e = &mut self.esmes[i];
        if e.session.is_closed() && !e.eof_sent {
            e.eof_sent = true;
            self.ep.handle_eof(now, conn);
            progress = true;
        }
        if self.ep.is_closed(conn) && self.ep.poll_transmit(conn).is_none() {
            let e = &mut self.esmes[i];
            e.session.handle_eof(now);
            while let Some(ev) = e.session.poll_event() {
                e.events.push((now, ev));
            }
            e.conn = None;
            if e.rebind_at.is_none() {
                e.rebind_at = e.rebind_on_close.map(|d| now + d);
            }
            self.ep.remove(now, conn);
            progress = true;
        }
        progress
    }

    fn on_esme_event(&mut self, i: usize, conn: BindId, ev: &Event) {
        let now = self.now;
        let e = &mut self.esmes[i];
        match ev {
            Event::Request {
                frame,
                auto_responded: false,
            } => {
                let Some(text) = short_message(frame) else {
                    e.unanswered.push(frame.sequence_number());
                    return;
                };
                if e.session.is_closed() {
                    // Arrived in the same read as a message it dropped the link on.
                    e.received.push(Received {
                        at: now,
                        conn,
                        text,
                        answer: Behaviour::Silent,
                    });
                    return;
                }
                let answer = e.next_behaviour();
                e.received.push(Received {
                    at: now,
                    conn,
                    text,
                    answer,
                });
                let seq = frame.sequence_number();
                let resp = match frame.command_id() {
                    CommandId::DataSm => Body::DataSmResp(MessageIdResp::EMPTY),
                    _ => Body::DeliverSmResp(MessageIdResp::EMPTY),
                };
                match answer {
                    Behaviour::Ok => e
                        .session
                        .respond(now, seq, CommandStatus::ESME_ROK, &resp)
                        .expect("respond"),
                    Behaviour::Status(s) => e.session.respond(now, seq, s, &resp).expect("respond"),
                    Behaviour::Nack(s) => e
                        .session
                        .respond(now, seq, s, &Body::GenericNack)
                        .expect("respond"),
                    Behaviour::Silent => e.unanswered.push(seq),
                    Behaviour::Late(d) => e.delayed.push((now + d, seq)),
                    Behaviour::Drop { rebind_after } => {
                        e.rebind_at = rebind_after.map(|d| now + d);
                        self.drop_link(i);
                    }
                }
            }
            Event::Outbind { .. } if e.bind_on_outbind => {
                let bind = Bind::new(&e.account, &e.password);
                e.session
                    .bind(now, BindType::Receiver, &bind)
                    .expect("bind after outbind");
            }
            _ => {}
        }
    }
}
