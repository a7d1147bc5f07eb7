//! Shared harness for the session tests: an in-memory ESME/SMSC pair (quinn-style) with
//! simulated time, latency, chunking, dead directions, and checks every scenario must pass.
#![allow(dead_code)]

use smpp_core::codec::{frame, Framing};
use smpp_core::pdu::{
    Address, Bind, Body, Header, MessageIdResp, QuerySmResp, SubmitMultiResp, SubmitSm,
};
use smpp_core::session::{BindType, CloseReason, SessionConfig, SessionError, State, Storage};
use smpp_core::{CommandId, CommandStatus, Duration, Instant, Pdu};

/// The storage every session test runs on: the heap with `alloc` (the default build), and
/// fixed capacities without it (`cargo test -p smpp-core --no-default-features`), so the
/// same scenarios check both.
#[cfg(feature = "alloc")]
pub type Store = smpp_core::session::Heap;
/// The storage every session test runs on: the heap with `alloc` (the default build), and
/// fixed capacities without it (`cargo test -p smpp-core --no-default-features`), so the
/// same scenarios check both. Window 128, PDUs up to 4 KiB, 16 events.
#[cfg(not(feature = "alloc"))]
pub type Store = smpp_core::session::Fixed<128, 4096, 16, 16384, 16384, 32768, 64>;

/// The session under test.
pub type Session = smpp_core::session::Session<Store>;
/// Its events.
pub type Event = smpp_core::session::Event<<Store as Storage>::Buf>;
/// Its frames.
pub type Frame = smpp_core::Frame<<Store as Storage>::Buf>;

/// A new session on the test storage.
pub fn new_session(config: SessionConfig, now: Instant) -> Session {
    Session::new_in(config, now)
}

/// The default `max_pdu_len` as the test storage applies it (fixed storage caps it).
pub fn effective_max_pdu_len() -> u32 {
    new_session(SessionConfig::esme(), Instant::ZERO)
        .config()
        .max_pdu_len
}

/// A frame of the test storage's buffer holding `bytes`.
pub fn frame_of(bytes: &[u8]) -> Frame {
    #[cfg(feature = "alloc")]
    let buf = bytes::Bytes::copy_from_slice(bytes);
    #[cfg(not(feature = "alloc"))]
    let buf = heapless::Vec::from_slice(bytes).expect("frame fits the test storage");
    Frame::from_buf(buf).expect("frame")
}

/// All of a session's pending output, marked written (like `take_transmit`, for any
/// storage).
pub fn take_output(s: &mut Session) -> Option<Vec<u8>> {
    let out = s.poll_transmit()?.to_vec();
    s.advance_transmit(out.len());
    Some(out)
}
use std::collections::VecDeque;

/// One end of the pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Esme,
    Smsc,
}

pub const SIDES: [Side; 2] = [Side::Esme, Side::Smsc];

impl Side {
    pub fn peer(self) -> Side {
        match self {
            Side::Esme => Side::Smsc,
            Side::Smsc => Side::Esme,
        }
    }

    pub fn idx(self) -> usize {
        match self {
            Side::Esme => 0,
            Side::Smsc => 1,
        }
    }
}

/// How the bytes one side writes are cut before they reach the other.
#[derive(Clone, Debug)]
pub enum Chunking {
    /// Each `take_transmit` buffer travels whole.
    Whole,
    /// Chunks of this many octets (the last one shorter).
    Fixed(usize),
    /// Chunk sizes taken in turn from the list (each at least 1).
    Sizes(Vec<usize>),
    /// Pseudo-random sizes in `1..=max` from the pair's generator.
    Random { max: usize },
}

/// A small deterministic generator (splitmix64).
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

#[derive(Clone, Debug)]
enum Payload {
    Bytes(Vec<u8>),
    Eof,
}

/// One PDU seen on the wire.
#[derive(Clone, Debug)]
pub struct Wire {
    /// When it left (departures) or arrived completely (arrivals).
    pub at: Instant,
    /// The side that wrote it.
    pub from: Side,
    pub header: Header,
}

/// The in-memory pair.
pub struct Pair {
    pub esme: Box<Session>,
    pub smsc: Box<Session>,
    pub now: Instant,
    /// One-way latency added to every chunk.
    pub latency: Duration,
    /// Extra random latency in `0..=jitter` per chunk (order is kept, as on TCP).
    pub jitter: Duration,
    pub chunking: Chunking,
    pub rng: Rng,
    chunk_turn: usize,
    /// In-transit chunks, by destination side; each queue is in delivery order.
    transit: [VecDeque<(Instant, Payload)>; 2],
    pub esme_events: Vec<Event>,
    pub smsc_events: Vec<Event>,
    /// When each event was collected (parallel to the event lists).
    pub esme_event_at: Vec<Instant>,
    pub smsc_event_at: Vec<Instant>,
    /// Drop everything (bytes and EOF) travelling to the ESME / to the SMSC.
    pub drop_to_esme: bool,
    pub drop_to_smsc: bool,
    /// Like a driver: once a session is closed and its output flushed, the peer reads EOF.
    pub auto_eof: bool,
    eof_sent: [bool; 2],
    /// Answer every request the application side receives with this status.
    pub auto_answer: [Option<CommandStatus>; 2],
    /// Requests received by each side that the harness has not answered (seq, command).
    pub pending: [VecDeque<(u32, CommandId)>; 2],
    /// Requests each side's application sent through [`Pair::send`] (seq, command).
    pub sent: [Vec<(u32, CommandId)>; 2],
    /// PDUs as they left each session.
    pub departures: Vec<Wire>,
    /// PDUs as they were completely delivered to each session.
    pub arrivals: Vec<Wire>,
    tx_reasm: [Vec<u8>; 2],
    rx_reasm: [Vec<u8>; 2],
    /// Check every event list when dropped (unless the test is already failing).
    pub check_on_drop: bool,
}

/// A driver that never wants to spin: this many no-progress wake-ups in a row is a bug.
const MAX_IDLE_WAKEUPS: u32 = 3;

impl Pair {
    pub fn new(esme: SessionConfig, smsc: SessionConfig) -> Pair {
        let now = Instant::ZERO;
        Pair {
            esme: Box::new(new_session(esme, now)),
            smsc: Box::new(new_session(smsc, now)),
            now,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            chunking: Chunking::Whole,
            rng: Rng(0x5eed),
            chunk_turn: 0,
            transit: [VecDeque::new(), VecDeque::new()],
            esme_events: Vec::new(),
            smsc_events: Vec::new(),
            esme_event_at: Vec::new(),
            smsc_event_at: Vec::new(),
            drop_to_esme: false,
            drop_to_smsc: false,
            auto_eof: true,
            eof_sent: [false; 2],
            auto_answer: [None; 2],
            pending: [VecDeque::new(), VecDeque::new()],
            sent: [Vec::new(), Vec::new()],
            departures: Vec::new(),
            arrivals: Vec::new(),
            tx_reasm: [Vec::new(), Vec::new()],
            rx_reasm: [Vec::new(), Vec::new()],
            check_on_drop: true,
        }
    }

    /// Default ESME and SMSC configurations.
    pub fn default_pair() -> Pair {
        Pair::new(SessionConfig::esme(), SessionConfig::smsc())
    }

    /// A default pair already bound as `bind_type`.
    pub fn bound(bind_type: BindType) -> Pair {
        let mut p = Pair::default_pair();
        p.bind(bind_type);
        p
    }

    /// A pair with the given configs already bound as `bind_type`.
    pub fn bound_with(esme: SessionConfig, smsc: SessionConfig, bind_type: BindType) -> Pair {
        let mut p = Pair::new(esme, smsc);
        p.bind(bind_type);
        p
    }

    // ----- access ----------------------------------------------------------------------

    pub fn session(&self, side: Side) -> &Session {
        match side {
            Side::Esme => &self.esme,
            Side::Smsc => &self.smsc,
        }
    }

    pub fn session_mut(&mut self, side: Side) -> &mut Session {
        match side {
            Side::Esme => &mut self.esme,
            Side::Smsc => &mut self.smsc,
        }
    }

    pub fn events(&self, side: Side) -> &[Event] {
        match side {
            Side::Esme => &self.esme_events,
            Side::Smsc => &self.smsc_events,
        }
    }

    pub fn event_times(&self, side: Side) -> &[Instant] {
        match side {
            Side::Esme => &self.esme_event_at,
            Side::Smsc => &self.smsc_event_at,
        }
    }

    fn dropped(&self, to: Side) -> bool {
        match to {
            Side::Esme => self.drop_to_esme,
            Side::Smsc => self.drop_to_smsc,
        }
    }

    /// The close reason, once the side emitted `Closed`.
    pub fn closed_reason(&self, side: Side) -> Option<CloseReason> {
        self.events(side).iter().find_map(|e| match e {
            Event::Closed { reason } => Some(*reason),
            _ => None,
        })
    }

    /// When the side emitted `Closed`.
    pub fn closed_at(&self, side: Side) -> Option<Instant> {
        let i = self
            .events(side)
            .iter()
            .position(|e| matches!(e, Event::Closed { .. }))?;
        self.event_times(side).get(i).copied()
    }

    /// Nothing in transit in either direction.
    pub fn transit_empty(&self) -> bool {
        self.transit.iter().all(VecDeque::is_empty)
    }

    // ----- moving bytes and time ---------------------------------------------------------

    fn next_chunk_len(&mut self, remaining: usize) -> usize {
        let n = match &self.chunking {
            Chunking::Whole => remaining,
            Chunking::Fixed(n) => *n,
            Chunking::Sizes(v) => {
                let n = v
                    .get(self.chunk_turn % v.len().max(1))
                    .copied()
                    .unwrap_or(1);
                self.chunk_turn += 1;
                n
            }
            Chunking::Random { max } => {
                let max = (*max).max(1) as u64;
                1 + self.rng.below(max) as usize
            }
        };
        n.clamp(1, remaining.max(1))
    }

    fn deliver_time(&mut self, to: Side) -> Instant {
        let jitter = match self.jitter.as_millis() {
            0 => 0,
            j => self.rng.below(j + 1),
        };
        let at = self.now + self.latency + Duration::from_millis(jitter);
        // Keep stream order: never before what is already queued.
        match self.transit[to.idx()].back() {
            Some((last, _)) if *last > at => *last,
            _ => at,
        }
    }

    fn push_transit(&mut self, to: Side, bytes: Vec<u8>) {
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let n = self.next_chunk_len(rest.len());
            let (chunk, tail) = rest.split_at(n);
            let at = self.deliver_time(to);
            self.transit[to.idx()].push_back((at, Payload::Bytes(chunk.to_vec())));
            rest = tail;
        }
    }

    fn record(log: &mut Vec<Wire>, buf: &mut Vec<u8>, data: &[u8], at: Instant, from: Side) {
        buf.extend_from_slice(data);
        while let Ok(Framing::Complete(n)) = frame(buf, u32::MAX) {
            if let Some(header) = Header::parse(buf) {
                log.push(Wire { at, from, header });
            }
            buf.drain(..n);
        }
    }

    /// Collects one side's events (and remembers requests to answer).
    fn collect(&mut self, side: Side) -> bool {
        let mut moved = false;
        while let Some(e) = self.session_mut(side).poll_event() {
            moved = true;
            if let Event::Request {
                frame,
                auto_responded: false,
            } = &e
            {
                if frame.command_id().response().is_some() {
                    self.pending[side.idx()]
                        .push_back((frame.sequence_number(), frame.command_id()));
                }
            }
            let now = self.now;
            match side {
                Side::Esme => {
                    self.esme_events.push(e);
                    self.esme_event_at.push(now);
                }
                Side::Smsc => {
                    self.smsc_events.push(e);
                    self.smsc_event_at.push(now);
                }
            }
        }
        moved
    }

    /// One round: outputs into transit, due chunks delivered, events collected, automatic
    /// answers given. True when anything moved.
    pub fn step(&mut self) -> bool {
        let mut moved = false;
        for side in SIDES {
            while let Some(bytes) = take_output(self.session_mut(side)) {
                moved = true;
                let now = self.now;
                Self::record(
                    &mut self.departures,
                    &mut self.tx_reasm[side.idx()],
                    &bytes,
                    now,
                    side,
                );
                if !self.dropped(side.peer()) {
                    self.push_transit(side.peer(), bytes);
                }
            }
            if self.auto_eof && self.session(side).is_closed() && !self.eof_sent[side.idx()] {
                self.eof_sent[side.idx()] = true;
                moved = true;
                if !self.dropped(side.peer()) {
                    let at = self.deliver_time(side.peer());
                    self.transit[side.peer().idx()].push_back((at, Payload::Eof));
                }
            }
        }
        for side in SIDES {
            while self.transit[side.idx()]
                .front()
                .is_some_and(|(at, _)| *at <= self.now)
            {
                let Some((_, payload)) = self.transit[side.idx()].pop_front() else {
                    break;
                };
                moved = true;
                let now = self.now;
                match payload {
                    Payload::Bytes(b) => {
                        Self::record(
                            &mut self.arrivals,
                            &mut self.rx_reasm[side.idx()],
                            &b,
                            now,
                            side.peer(),
                        );
                        self.session_mut(side).handle_input(now, &b);
                    }
                    Payload::Eof => self.session_mut(side).handle_eof(now),
                }
            }
        }
        for side in SIDES {
            moved |= self.collect(side);
        }
        for side in SIDES {
            if let Some(status) = self.auto_answer[side.idx()] {
                moved |= self.answer_all(side, status) > 0;
            }
        }
        moved
    }

    /// Steps until nothing moves at the current time, firing timers that are due.
    pub fn drive(&mut self) {
        let mut idle = 0;
        for _ in 0..100_000 {
            if self.step() {
                idle = 0;
                continue;
            }
            let now = self.now;
            let mut fired = false;
            for side in SIDES {
                if self
                    .session_mut(side)
                    .poll_timeout()
                    .is_some_and(|t| t <= now)
                {
                    self.session_mut(side).handle_timeout(now);
                    fired = true;
                }
            }
            if !fired {
                return;
            }
            if self.step() {
                idle = 0;
            } else {
                idle += 1;
                if idle > MAX_IDLE_WAKEUPS {
                    let (te, ts) = (self.esme.poll_timeout(), self.smsc.poll_timeout());
                    panic!(
                        "timer spin at {now:?}: poll_timeout stays due without progress \
                         (esme {:?} {te:?}, smsc {:?} {ts:?})",
                        self.esme, self.smsc
                    );
                }
            }
        }
        panic!("drive did not settle");
    }

    /// The earliest thing that will happen: a session deadline or a delivery.
    pub fn next_wakeup(&mut self) -> Option<Instant> {
        let mut next = [self.esme.poll_timeout(), self.smsc.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        for q in &self.transit {
            if let Some((at, _)) = q.front() {
                next = Some(next.map_or(*at, |n| n.min(*at)));
            }
        }
        next
    }

    /// Advances simulated time by `d`, jumping from deadline to deadline; at each one both
    /// sessions get `handle_timeout(now)` and the pair is driven.
    pub fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        self.advance_to(target);
    }

    pub fn advance_to(&mut self, target: Instant) {
        self.drive();
        let mut stuck = 0;
        for _ in 0..1_000_000 {
            match self.next_wakeup() {
                Some(t) if t <= target => {
                    if t > self.now {
                        self.now = t;
                        stuck = 0;
                    } else {
                        stuck += 1;
                        assert!(
                            stuck <= MAX_IDLE_WAKEUPS,
                            "a deadline stays due at {t:?} after driving: {:?} {:?}",
                            self.esme,
                            self.smsc
                        );
                    }
                    let now = self.now;
                    self.esme.handle_timeout(now);
                    self.smsc.handle_timeout(now);
                    self.drive();
                }
                _ => {
                    if target > self.now {
                        self.now = target;
                    }
                    let now = self.now;
                    self.esme.handle_timeout(now);
                    self.smsc.handle_timeout(now);
                    self.drive();
                    return;
                }
            }
        }
        panic!(
            "advance_to({target:?}) did not finish: stuck at {:?}",
            self.now
        );
    }

    /// Runs until nothing is in transit or waiting to be written (timers fire on the way).
    pub fn settle(&mut self) {
        for _ in 0..100_000 {
            self.drive();
            let next = self
                .transit
                .iter()
                .filter_map(|q| q.front().map(|x| x.0))
                .min();
            match next {
                None => return,
                Some(t) => self.advance_to(t),
            }
        }
        panic!("settle did not finish");
    }

    // ----- application actions -----------------------------------------------------------

    /// ESME binds; the SMSC application accepts with system_id "smsc". Asserts success.
    pub fn bind(&mut self, bind_type: BindType) -> u32 {
        let now = self.now;
        let seq = self
            .esme
            .bind(now, bind_type, &Bind::new("esme", "secret"))
            .expect("bind");
        assert_eq!(self.esme.state(), State::Binding(bind_type));
        self.settle();
        let req = self.smsc_events.iter().rev().find_map(|e| match e {
            Event::BindRequest { bind_type, frame } => Some((*bind_type, frame.clone())),
            _ => None,
        });
        let (bt, frame) = req.expect("SMSC got a BindRequest");
        assert_eq!(bt, bind_type);
        assert_eq!(frame.sequence_number(), seq);
        let now = self.now;
        self.smsc
            .accept_bind(now, b"smsc", Some(0x34))
            .expect("accept_bind");
        self.settle();
        assert!(
            self.esme_events
                .iter()
                .any(|e| matches!(e, Event::Bound { bind_type: b, .. } if *b == bind_type)),
            "ESME got Bound: {:?}",
            self.esme_events
        );
        assert_eq!(self.esme.state(), State::Bound(bind_type));
        assert_eq!(self.smsc.state(), State::Bound(bind_type));
        seq
    }

    /// `send` through the harness, remembering the sequence number for outcome checks.
    pub fn send(&mut self, side: Side, body: &Body<'_>) -> Result<u32, SessionError> {
        let now = self.now;
        let r = self.session_mut(side).send(now, body);
        if let Ok(seq) = r {
            self.sent[side.idx()].push((seq, body.command_id()));
        }
        r
    }

    /// Answers the oldest pending request of `side` with `status`. Returns its seq.
    pub fn answer_one(&mut self, side: Side, status: CommandStatus) -> Option<u32> {
        let (seq, id) = self.pending[side.idx()].pop_front()?;
        let body = if status.is_ok() {
            ok_response(id)
        } else {
            Body::error_response_for(id).unwrap_or(Body::GenericNack)
        };
        let now = self.now;
        match self.session_mut(side).respond(now, seq, status, &body) {
            Ok(()) => {}
            // The session closed (or answered it itself): nothing left to answer.
            Err(SessionError::Closed) => {}
            Err(e) => panic!("respond({seq}) on {side:?}: {e}"),
        }
        Some(seq)
    }

    /// Answers every pending request of `side`; returns how many.
    pub fn answer_all(&mut self, side: Side, status: CommandStatus) -> usize {
        let mut n = 0;
        while self.answer_one(side, status).is_some() {
            n += 1;
        }
        n
    }

    /// Feeds raw octets to one session (bypassing the link) and returns what it wrote back.
    pub fn inject(&mut self, side: Side, bytes: &[u8]) -> Vec<Frame> {
        self.drive();
        let now = self.now;
        let s = self.session_mut(side);
        s.handle_input(now, bytes);
        let mut out = Vec::new();
        while let Some(b) = take_output(s) {
            out.extend_from_slice(&b);
        }
        self.collect(side);
        parse_frames(&out)
    }

    /// The session on `side` reads EOF now.
    pub fn eof(&mut self, side: Side) {
        let now = self.now;
        self.session_mut(side).handle_eof(now);
        self.drive();
    }

    // ----- checks ------------------------------------------------------------------------

    /// The outcome events of request `seq` sent by `side`.
    pub fn outcomes(&self, side: Side, seq: u32) -> Vec<&Event> {
        self.events(side)
            .iter()
            .filter(|e| outcome_seq(e) == Some(seq))
            .collect()
    }

    /// Every invariant of the event lists: `Closed` at most once and last (exactly once for a
    /// closed session); each request sent has at most one outcome (exactly one once closed).
    pub fn check(&self) {
        for side in SIDES {
            let events = self.events(side);
            assert_closed_once_last(events, side);
            if self.session(side).is_closed() {
                assert!(
                    matches!(events.last(), Some(Event::Closed { .. })),
                    "{side:?} is closed but its last event is {:?}",
                    events.last()
                );
            }
            for (seq, id) in &self.sent[side.idx()] {
                let n = self.outcomes(side, *seq).len();
                assert!(
                    n <= 1,
                    "{side:?} request {id} seq {seq}: {n} outcomes: {events:?}"
                );
                if self.session(side).is_closed() {
                    assert_eq!(
                        n, 1,
                        "{side:?} request {id} seq {seq} has no outcome though closed: {events:?}"
                    );
                }
            }
        }
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        if self.check_on_drop && !std::thread::panicking() {
            self.check();
        }
    }
}

/// The sequence number an event is the outcome of (Response, ResponseTimeout, RequestFailed).
pub fn outcome_seq(e: &Event) -> Option<u32> {
    match e {
        Event::Response { frame, .. } => Some(frame.sequence_number()),
        Event::ResponseTimeout {
            sequence_number, ..
        }
        | Event::RequestFailed {
            sequence_number, ..
        }
        | Event::MismatchedResponse {
            sequence_number, ..
        } => Some(*sequence_number),
        _ => None,
    }
}

/// `Closed` appears at most once and, when it does, last.
pub fn assert_closed_once_last(events: &[Event], who: impl std::fmt::Debug) {
    let closed: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e, Event::Closed { .. }))
        .map(|(i, _)| i)
        .collect();
    assert!(
        closed.len() <= 1,
        "{who:?}: Closed {} times: {events:?}",
        closed.len()
    );
    if let Some(i) = closed.first() {
        assert_eq!(
            *i,
            events.len() - 1,
            "{who:?}: Closed is not last: {events:?}"
        );
    }
}

/// The OK response for a request.
pub fn ok_response(id: CommandId) -> Body<'static> {
    match id {
        CommandId::SubmitSm => Body::SubmitSmResp(MessageIdResp::new(b"msg-1")),
        CommandId::DataSm => Body::DataSmResp(MessageIdResp::new(b"msg-1")),
        CommandId::DeliverSm => Body::DeliverSmResp(MessageIdResp::EMPTY),
        CommandId::SubmitMulti => Body::SubmitMultiResp(SubmitMultiResp {
            message_id: b"msg-1",
            ..SubmitMultiResp::EMPTY
        }),
        CommandId::QuerySm => Body::QuerySmResp(QuerySmResp {
            message_id: b"msg-1",
            final_date: b"",
            message_state: 2,
            error_code: 0,
        }),
        CommandId::CancelSm => Body::CancelSmResp,
        CommandId::ReplaceSm => Body::ReplaceSmResp,
        CommandId::EnquireLink => Body::EnquireLinkResp,
        CommandId::Unbind => Body::UnbindResp,
        _ => Body::GenericNack,
    }
}

/// A typical submit_sm.
pub fn submit() -> Body<'static> {
    Body::SubmitSm(SubmitSm {
        source: Address::alphanumeric("Sender"),
        destination: Address::international("447700900123"),
        short_message: b"Hello from the session tests",
        ..Default::default()
    })
}

/// A typical deliver_sm.
pub fn deliver() -> Body<'static> {
    Body::DeliverSm(SubmitSm {
        source: Address::international("447700900123"),
        destination: Address::alphanumeric("Sender"),
        short_message: b"Hello back",
        ..Default::default()
    })
}

/// Encodes a PDU.
pub fn encode(pdu: &Pdu<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; pdu.encoded_len()];
    let n = pdu.encode(&mut buf).expect("encode");
    buf.truncate(n);
    buf
}

/// A raw PDU: header fields as given (`command_length` as given too) followed by `body`.
pub fn raw(command_length: u32, command_id: u32, status: u32, seq: u32, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(16 + body.len());
    for w in [command_length, command_id, status, seq] {
        v.extend_from_slice(&w.to_be_bytes());
    }
    v.extend_from_slice(body);
    v
}

/// A raw PDU with a correct `command_length`.
pub fn raw_pdu(command_id: u32, status: u32, seq: u32, body: &[u8]) -> Vec<u8> {
    raw(16 + body.len() as u32, command_id, status, seq, body)
}

/// Splits a byte stream into frames (panics on a broken stream).
pub fn parse_frames(mut bytes: &[u8]) -> Vec<Frame> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        match frame(bytes, u32::MAX) {
            Ok(Framing::Complete(n)) => {
                let (f, rest) = bytes.split_at(n);
                out.push(frame_of(f));
                bytes = rest;
            }
            other => panic!("session wrote a broken stream: {other:?}"),
        }
    }
    out
}

/// ESME config with automatic enquire_link off (quiet links for timing tests).
pub fn quiet_esme() -> SessionConfig {
    SessionConfig {
        enquire_link_interval: None,
        ..SessionConfig::esme()
    }
}

/// SMSC config with enquire_link and inactivity off.
pub fn quiet_smsc() -> SessionConfig {
    SessionConfig {
        enquire_link_interval: None,
        inactivity_timeout: None,
        ..SessionConfig::smsc()
    }
}

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

pub fn at_ms(m: u64) -> Instant {
    Instant::from_millis(m)
}

/// The kinds of the events, for messages and loose checks.
pub fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(kind).collect()
}

pub fn kind(e: &Event) -> &'static str {
    match e {
        Event::Bound { .. } => "Bound",
        Event::BindFailed { .. } => "BindFailed",
        Event::Outbind { .. } => "Outbind",
        Event::BindRequest { .. } => "BindRequest",
        Event::Request { .. } => "Request",
        Event::Response { .. } => "Response",
        Event::ResponseTimeout { .. } => "ResponseTimeout",
        Event::RequestFailed { .. } => "RequestFailed",
        Event::UnmatchedResponse { .. } => "UnmatchedResponse",
        Event::MismatchedResponse { .. } => "MismatchedResponse",
        Event::Throttled { .. } => "Throttled",
        Event::InvalidPdu { .. } => "InvalidPdu",
        Event::RejectedRequest { .. } => "RejectedRequest",
        Event::Closed { .. } => "Closed",
        _ => "Other",
    }
}

/// A timing-free summary of an event: kind, command id, sequence number, status, and the
/// close reason where there is one.
pub type Summary = (&'static str, Option<u32>, Option<u32>, Option<u32>, String);

pub fn summarize(e: &Event) -> Summary {
    let f = |fr: &Frame| {
        (
            Some(fr.command_id().to_u32()),
            Some(fr.sequence_number()),
            Some(fr.command_status().0),
        )
    };
    let (id, seq, st) = match e {
        Event::Bound { frame, .. }
        | Event::Outbind { frame }
        | Event::BindRequest { frame, .. }
        | Event::Request { frame, .. }
        | Event::Response { frame, .. }
        | Event::UnmatchedResponse { frame, .. }
        | Event::MismatchedResponse { frame, .. } => f(frame),
        Event::BindFailed { status } => (None, None, status.map(|s| s.0)),
        Event::ResponseTimeout {
            sequence_number,
            request,
        } => (Some(request.to_u32()), Some(*sequence_number), None),
        Event::RequestFailed {
            sequence_number,
            request,
            ..
        } => (Some(request.to_u32()), Some(*sequence_number), None),
        Event::Throttled { status, .. } => (None, None, Some(status.0)),
        Event::InvalidPdu {
            command_id,
            sequence_number,
            ..
        } => (Some(command_id.to_u32()), Some(*sequence_number), None),
        Event::RejectedRequest {
            command_id,
            sequence_number,
            status,
        } => (
            Some(command_id.to_u32()),
            Some(*sequence_number),
            Some(status.0),
        ),
        _ => (None, None, None),
    };
    let reason = match e {
        Event::Closed { reason } | Event::RequestFailed { reason, .. } => format!("{reason:?}"),
        _ => String::new(),
    };
    (kind(e), id, seq, st, reason)
}
