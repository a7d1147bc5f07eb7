//! Session properties (quickcheck):
//! 1. any chunking of the byte streams, with any latency and jitter, yields the same events
//!    as delivering every write whole and at once;
//! 2. `in_flight` never exceeds the window under random operation sequences;
//! 3. every request sent gets exactly one outcome by the time both sessions are closed, and
//!    `Closed` comes exactly once, last.

mod common;

use common::*;
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use smpp_core::pdu::{Address, Body, DataSm, Tlv, TlvTag, Tlvs};
use smpp_core::session::{BindType, SessionConfig, SessionError};
use smpp_core::{CommandId, CommandStatus};

fn pick<T: Copy>(g: &mut Gen, items: &[T]) -> T {
    *g.choose(items).expect("non-empty")
}

fn upto(g: &mut Gen, n: u64) -> u64 {
    u64::arbitrary(g) % (n + 1)
}

const BIND_TYPES: [BindType; 3] = [
    BindType::Transmitter,
    BindType::Receiver,
    BindType::Transceiver,
];

const ANSWERS: [CommandStatus; 4] = [
    CommandStatus::ESME_ROK,
    CommandStatus::ESME_ROK,
    CommandStatus::ESME_RTHROTTLED,
    CommandStatus::ESME_RINVDSTADR,
];

static PAYLOAD: [Tlv<'static>; 1] = [Tlv::octets(TlvTag::MESSAGE_PAYLOAD, b"payload via data_sm")];

fn data_sm() -> Body<'static> {
    Body::DataSm(DataSm {
        source: Address::alphanumeric("Sender"),
        destination: Address::international("447700900123"),
        tlvs: Tlvs::from_slice(&PAYLOAD),
        ..Default::default()
    })
}

// ---------------------------------------------------------------------------------------
// Property 1: chunking and latency do not change what happens.
// ---------------------------------------------------------------------------------------

/// One phase of a script: the actions happen at one instant, then the pair settles.
///
/// A phase carries either application traffic or enquire_links, never both: the session
/// answers enquire_link (and `auto_respond` requests) inside `handle_input`, while the
/// application answers after it, so how the input was cut legitimately changes how the two
/// kinds of answers interleave on the wire.
#[derive(Clone, Debug)]
struct Phase {
    enquire_only: bool,
    submits: u8,
    data_sms: u8,
    delivers: u8,
    esme_enquire: bool,
    smsc_enquire: bool,
    esme_answers: CommandStatus,
    smsc_answers: CommandStatus,
}

#[derive(Clone, Debug)]
struct Script {
    bind: BindType,
    smsc_auto_respond: bool,
    phases: Vec<Phase>,
    smsc_unbinds: bool,
}

impl Arbitrary for Script {
    fn arbitrary(g: &mut Gen) -> Script {
        let n = upto(g, 6) as usize;
        Script {
            bind: pick(g, &BIND_TYPES),
            smsc_auto_respond: bool::arbitrary(g),
            phases: (0..n)
                .map(|_| Phase {
                    enquire_only: upto(g, 3) == 0,
                    submits: upto(g, 4) as u8,
                    data_sms: upto(g, 1) as u8,
                    delivers: upto(g, 3) as u8,
                    esme_enquire: bool::arbitrary(g),
                    smsc_enquire: bool::arbitrary(g),
                    esme_answers: pick(g, &ANSWERS),
                    smsc_answers: pick(g, &ANSWERS),
                })
                .collect(),
            smsc_unbinds: bool::arbitrary(g),
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Script>> {
        let s = self.clone();
        let n = self.phases.len();
        Box::new((0..n).rev().map(move |i| {
            let mut t = s.clone();
            t.phases.remove(i);
            t
        }))
    }
}

#[derive(Clone, Debug)]
struct Link {
    chunk_sizes: Vec<usize>,
    random_max: Option<usize>,
    latency_ms: u64,
    jitter_ms: u64,
}

impl Arbitrary for Link {
    fn arbitrary(g: &mut Gen) -> Link {
        let n = 1 + upto(g, 8) as usize;
        Link {
            chunk_sizes: (0..n).map(|_| 1 + upto(g, 40) as usize).collect(),
            random_max: bool::arbitrary(g).then(|| 1 + upto(g, 30) as usize),
            latency_ms: pick(g, &[0, 0, 1, 7, 50, 300]),
            jitter_ms: pick(g, &[0, 0, 3, 40]),
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Link>> {
        // Only strictly smaller candidates (sizes stay >= 1), so shrinking terminates.
        let s = self.clone();
        Box::new(
            self.chunk_sizes
                .shrink()
                .filter(|v| !v.is_empty() && v.iter().all(|n| *n >= 1))
                .map(move |v| Link {
                    chunk_sizes: v,
                    ..s.clone()
                }),
        )
    }
}

fn script_configs(auto: bool) -> (SessionConfig, SessionConfig) {
    let common = |c: SessionConfig| SessionConfig {
        window: 16,
        response_timeout: secs(600),
        enquire_link_interval: None,
        inactivity_timeout: None,
        throttle_backoff: secs(1),
        max_throttle_backoff: secs(1),
        ..c
    };
    (
        common(SessionConfig::esme()),
        SessionConfig {
            auto_respond: auto,
            ..common(SessionConfig::smsc())
        },
    )
}

/// Runs the script; returns each side's event summaries.
fn run_script(s: &Script, link: Option<&Link>) -> (Vec<Summary>, Vec<Summary>) {
    let (esme, smsc) = script_configs(s.smsc_auto_respond);
    let mut p = Pair::new(esme, smsc);
    if let Some(l) = link {
        p.chunking = match l.random_max {
            Some(max) => Chunking::Random { max },
            None => Chunking::Sizes(l.chunk_sizes.clone()),
        };
        p.latency = ms(l.latency_ms);
        p.jitter = ms(l.jitter_ms);
        p.rng = Rng(l.chunk_sizes.iter().map(|n| *n as u64).sum());
    }
    p.bind(s.bind);
    for ph in &s.phases {
        p.auto_answer = [Some(ph.esme_answers), Some(ph.smsc_answers)];
        if ph.enquire_only {
            if ph.esme_enquire {
                p.send(Side::Esme, &Body::EnquireLink).unwrap();
            }
            if ph.smsc_enquire {
                p.send(Side::Smsc, &Body::EnquireLink).unwrap();
            }
        } else {
            for _ in 0..ph.submits {
                let _ = p.send(Side::Esme, &submit());
            }
            for _ in 0..ph.data_sms {
                let _ = p.send(Side::Esme, &data_sm());
            }
            for _ in 0..ph.delivers {
                let _ = p.send(Side::Smsc, &deliver());
            }
        }
        p.settle();
        p.advance(secs(3));
        p.settle();
        // Throttled requests go out again one probe at a time, at a pace set by the link's
        // latency: let every phase finish before the next begins.
        for _ in 0..600 {
            if p.esme.in_flight() == 0 && p.smsc.in_flight() == 0 {
                break;
            }
            p.advance(secs(1));
            p.settle();
        }
    }
    let now = p.now;
    let unbinder = if s.smsc_unbinds {
        Side::Smsc
    } else {
        Side::Esme
    };
    p.session_mut(unbinder).unbind(now).unwrap();
    p.settle();
    p.advance(secs(5));
    p.settle();
    assert!(
        p.esme.is_closed() && p.smsc.is_closed(),
        "{:?} {:?}",
        p.esme,
        p.smsc
    );
    p.check();
    // How many throttle episodes a burst of throttle answers makes depends on when the
    // answers arrive relative to the probes (the latency), and so does how the peer's
    // requests interleave with our outcomes while a throttled side probes. Every throttle
    // answer is still counted, each stream keeps its order, and every outcome is the same.
    let summaries = |events: &[Event], throttled: u64| {
        let (requests, mut v): (Vec<Summary>, Vec<Summary>) = events
            .iter()
            .filter(|e| !matches!(e, Event::Throttled { .. }))
            .map(summarize)
            .partition(|s| s.0 == "Request");
        v.extend(requests);
        v.push(("throttle answers", None, None, None, throttled.to_string()));
        v.push((
            "throttle episodes",
            None,
            None,
            None,
            (events.iter().any(|e| matches!(e, Event::Throttled { .. })) == (throttled > 0))
                .to_string(),
        ));
        v
    };
    (
        summaries(&p.esme_events, p.esme.counters().throttled),
        summaries(&p.smsc_events, p.smsc.counters().throttled),
    )
}

fn chunking_does_not_matter(s: Script, link: Link) -> TestResult {
    let whole = run_script(&s, None);
    let cut = run_script(&s, Some(&link));
    if whole != cut {
        eprintln!("whole ESME: {:?}\ncut ESME:   {:?}", whole.0, cut.0);
        eprintln!("whole SMSC: {:?}\ncut SMSC:   {:?}", whole.1, cut.1);
        return TestResult::failed();
    }
    TestResult::passed()
}

#[test]
fn prop_any_chunking_and_latency_yield_the_same_events() {
    QuickCheck::new()
        .tests(300)
        .quickcheck(chunking_does_not_matter as fn(Script, Link) -> TestResult);
}

#[test]
fn byte_at_a_time_matches_whole_for_a_busy_script() {
    let script = Script {
        bind: BindType::Transceiver,
        smsc_auto_respond: false,
        phases: (0..8)
            .map(|i| Phase {
                enquire_only: i % 3 == 2,
                submits: 4,
                data_sms: 1,
                delivers: 3,
                esme_enquire: true,
                smsc_enquire: i % 2 == 0,
                esme_answers: ANSWERS[i % 4],
                smsc_answers: ANSWERS[(i + 1) % 4],
            })
            .collect(),
        smsc_unbinds: false,
    };
    let whole = run_script(&script, None);
    for link in [
        Link {
            chunk_sizes: vec![1],
            random_max: None,
            latency_ms: 0,
            jitter_ms: 0,
        },
        Link {
            chunk_sizes: vec![1, 15, 16, 17, 2],
            random_max: None,
            latency_ms: 120,
            jitter_ms: 40,
        },
    ] {
        assert_eq!(run_script(&script, Some(&link)), whole, "{link:?}");
    }
    // And the script did what it says.
    assert!(whole.0.iter().filter(|s| s.0 == "Response").count() >= 20);
    assert!(whole
        .0
        .iter()
        .any(|s| s.0 == "throttle answers" && s.4 != "0"));
}

// ---------------------------------------------------------------------------------------
// Properties 2 and 3: random operation sequences.
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Cfg {
    bind: BindType,
    windows: [usize; 2],
    peer_windows: [usize; 2],
    response_timeout_ms: u64,
    enquire_ms: [Option<u64>; 2],
    inactivity_ms: Option<u64>,
    drain_ms: u64,
    unbind_ms: u64,
    rate: Option<u32>,
    burst: u32,
    backoff_ms: u64,
    throttle_retries: u32,
    messages_only: bool,
    auto_respond: bool,
    latency_ms: u64,
    chunk_max: usize,
    seed: u64,
}

impl Arbitrary for Cfg {
    fn arbitrary(g: &mut Gen) -> Cfg {
        let opt = |g: &mut Gen, lo: u64, hi: u64| {
            bool::arbitrary(g).then(|| lo + u64::arbitrary(g) % (hi - lo + 1))
        };
        Cfg {
            bind: pick(g, &BIND_TYPES),
            windows: [1 + upto(g, 5) as usize, 1 + upto(g, 5) as usize],
            peer_windows: [1 + upto(g, 5) as usize, 1 + upto(g, 5) as usize],
            response_timeout_ms: 500 + upto(g, 10_000),
            enquire_ms: [opt(g, 1_000, 20_000), opt(g, 1_000, 20_000)],
            inactivity_ms: opt(g, 5_000, 60_000),
            drain_ms: upto(g, 5_000),
            unbind_ms: 100 + upto(g, 5_000),
            rate: bool::arbitrary(g).then(|| 1 + upto(g, 50) as u32),
            burst: 1 + upto(g, 3) as u32,
            backoff_ms: 50 + upto(g, 2_000),
            throttle_retries: pick(g, &[0, 0, 1, 3]),
            messages_only: bool::arbitrary(g),
            auto_respond: bool::arbitrary(g),
            latency_ms: pick(g, &[0, 0, 1, 30, 400]),
            chunk_max: pick(g, &[0, 1, 5, 64]),
            seed: u64::arbitrary(g),
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// Send this many requests (submit_sm / deliver_sm by role, or data_sm).
    Send(Side, u8, bool),
    Enquire(Side),
    /// Answer up to this many pending requests with a status (or generic_nack).
    Answer(Side, u8, CommandStatus, bool),
    /// Leave everything unanswered for a while.
    Advance(u64),
    Unbind(Side),
    /// Kill or revive the direction towards a side.
    Drop(Side, bool),
    Abort(Side),
    Eof(Side),
}

impl Arbitrary for Op {
    fn arbitrary(g: &mut Gen) -> Op {
        let side = pick(g, &[Side::Esme, Side::Smsc]);
        match upto(g, 199) {
            0..=69 => Op::Send(side, 1 + upto(g, 4) as u8, upto(g, 4) == 0),
            70..=79 => Op::Enquire(side),
            80..=129 => Op::Answer(
                side,
                1 + upto(g, 4) as u8,
                pick(
                    g,
                    &[
                        CommandStatus::ESME_ROK,
                        CommandStatus::ESME_ROK,
                        CommandStatus::ESME_RTHROTTLED,
                        CommandStatus::ESME_RMSGQFUL,
                        CommandStatus::ESME_RSYSERR,
                    ],
                ),
                upto(g, 6) == 0,
            ),
            130..=179 => Op::Advance(pick(g, &[1, 10, 100, 500, 1_000, 5_000, 20_000, 60_000])),
            180 | 181 => Op::Unbind(side),
            182..=187 => Op::Drop(side, upto(g, 2) == 0),
            188 => Op::Abort(side),
            189 => Op::Eof(side),
            _ => Op::Send(side, 1 + upto(g, 4) as u8, false),
        }
    }
}

#[derive(Clone, Debug)]
enum Finish {
    Abort(Side),
    AbortBoth,
    Eof(Side),
    EofBoth,
}

impl Arbitrary for Finish {
    fn arbitrary(g: &mut Gen) -> Finish {
        match upto(g, 5) {
            0 => Finish::Abort(Side::Esme),
            1 => Finish::Abort(Side::Smsc),
            2 => Finish::AbortBoth,
            3 => Finish::Eof(Side::Esme),
            4 => Finish::Eof(Side::Smsc),
            _ => Finish::EofBoth,
        }
    }
}

fn build(cfg: &Cfg) -> Pair {
    let side_cfg = |base: SessionConfig, i: usize| SessionConfig {
        window: cfg.windows[i],
        peer_window: cfg.peer_windows[i],
        response_timeout: ms(cfg.response_timeout_ms),
        enquire_link_interval: cfg.enquire_ms[i].map(ms),
        drain_timeout: ms(cfg.drain_ms),
        unbind_timeout: ms(cfg.unbind_ms),
        max_send_rate: cfg.rate,
        send_burst: cfg.burst,
        throttle_backoff: ms(cfg.backoff_ms),
        max_throttle_backoff: ms(cfg.backoff_ms * 4),
        throttle_retries: cfg.throttle_retries,
        inactivity: if cfg.messages_only {
            smpp_core::session::Inactivity::Messages
        } else {
            smpp_core::session::Inactivity::AnyPdu
        },
        bind_timeout: secs(60),
        ..base
    };
    let esme = side_cfg(SessionConfig::esme(), 0);
    let smsc = SessionConfig {
        inactivity_timeout: cfg.inactivity_ms.map(ms),
        auto_respond: cfg.auto_respond,
        ..side_cfg(SessionConfig::smsc(), 1)
    };
    let mut p = Pair::new(esme, smsc);
    p.latency = ms(cfg.latency_ms);
    p.chunking = match cfg.chunk_max {
        0 => Chunking::Whole,
        n => Chunking::Random { max: n },
    };
    p.rng = Rng(cfg.seed);
    p
}

/// Invariants that hold after every operation.
fn check_now(p: &Pair, cfg: &Cfg) {
    for side in SIDES {
        let s = p.session(side);
        assert!(
            s.in_flight() <= cfg.windows[side.idx()],
            "{side:?} in_flight {} > window {}",
            s.in_flight(),
            cfg.windows[side.idx()]
        );
        assert!(s.unanswered() <= cfg.peer_windows[side.idx()]);
        if s.is_closed() {
            assert_eq!(s.in_flight(), 0);
            assert_eq!(s.unanswered(), 0);
        }
    }
    p.check();
    // Nothing but responses follows a side's unbind on the wire.
    for side in SIDES {
        let mut unbound = false;
        for w in p.departures.iter().filter(|w| w.from == side) {
            if unbound {
                assert!(
                    w.header.command_id.is_response(),
                    "{side:?} wrote {} after its unbind",
                    w.header.command_id
                );
            }
            unbound |= w.header.command_id == CommandId::Unbind;
        }
    }
}

fn apply(p: &mut Pair, op: &Op, cfg: &Cfg) {
    let now = p.now;
    match op {
        Op::Send(side, n, data) => {
            let body = match (side, data) {
                (_, true) => data_sm(),
                (Side::Esme, false) => submit(),
                (Side::Smsc, false) => deliver(),
            };
            for _ in 0..*n {
                match p.send(*side, &body) {
                    Ok(_) => {}
                    Err(SessionError::WindowFull { window }) => {
                        assert_eq!(window, cfg.windows[side.idx()]);
                        assert!(p.session(*side).is_window_full());
                    }
                    Err(
                        SessionError::Closed
                        | SessionError::InvalidState { .. }
                        | SessionError::NotAllowedInBind { .. },
                    ) => {}
                    Err(e) => panic!("send: {e}"),
                }
            }
        }
        Op::Enquire(side) => match p.send(*side, &Body::EnquireLink) {
            Ok(_)
            | Err(
                SessionError::WindowFull { .. }
                | SessionError::Closed
                | SessionError::InvalidState { .. },
            ) => {}
            Err(e) => panic!("enquire: {e}"),
        },
        Op::Answer(side, n, status, nack) => {
            for _ in 0..*n {
                let Some((seq, id)) = p.pending[side.idx()].pop_front() else {
                    break;
                };
                let body = if *nack {
                    Body::GenericNack
                } else if status.is_ok() {
                    ok_response(id)
                } else {
                    Body::error_response_for(id).unwrap_or(Body::GenericNack)
                };
                match p.session_mut(*side).respond(now, seq, *status, &body) {
                    Ok(()) | Err(SessionError::Closed) => {}
                    Err(e) => panic!("respond {seq} {id}: {e}"),
                }
            }
        }
        Op::Advance(d) => p.advance(ms(*d)),
        Op::Unbind(side) => match p.session_mut(*side).unbind(now) {
            Ok(()) | Err(SessionError::Closed | SessionError::InvalidState { .. }) => {}
            Err(e) => panic!("unbind: {e}"),
        },
        Op::Drop(side, on) => match side {
            Side::Esme => p.drop_to_esme = *on,
            Side::Smsc => p.drop_to_smsc = *on,
        },
        Op::Abort(side) => p.session_mut(*side).abort(now),
        Op::Eof(side) => p.eof(*side),
    }
    p.drive();
}

fn run_ops(cfg: &Cfg, ops: &[Op], finish: &Finish) {
    let mut p = build(cfg);
    p.check_on_drop = false;
    p.bind(cfg.bind);
    check_now(&p, cfg);
    for op in ops {
        apply(&mut p, op, cfg);
        check_now(&p, cfg);
    }
    // Finish: abort or EOF, then let everything settle.
    let now = p.now;
    match finish {
        Finish::Abort(s) => p.session_mut(*s).abort(now),
        Finish::AbortBoth => {
            p.esme.abort(now);
            p.smsc.abort(now);
        }
        Finish::Eof(s) => p.session_mut(*s).handle_eof(now),
        Finish::EofBoth => {
            p.esme.handle_eof(now);
            p.smsc.handle_eof(now);
        }
    }
    p.settle();
    check_now(&p, cfg);
    // A dead direction delivers no EOF: the driver of that side closes after its own timers
    // or, at the latest, when the application gives up.
    p.advance(secs(120));
    for side in SIDES {
        if !p.session(side).is_closed() {
            p.eof(side);
        }
    }
    p.settle();
    assert!(p.esme.is_closed() && p.smsc.is_closed());
    check_now(&p, cfg);
    for side in SIDES {
        assert_eq!(
            p.events(side)
                .iter()
                .filter(|e| matches!(e, Event::Closed { .. }))
                .count(),
            1
        );
        assert!(matches!(p.events(side).last(), Some(Event::Closed { .. })));
        for (seq, id) in &p.sent[side.idx()] {
            assert_eq!(p.outcomes(side, *seq).len(), 1, "{side:?} {id} {seq}");
        }
        assert!(p.session_mut(side).poll_timeout().is_none());
    }
}

fn window_never_exceeded(cfg: Cfg, ops: Vec<Op>) -> bool {
    // Property 2: checked after every operation inside run_ops; the finish is irrelevant.
    run_ops(&cfg, &ops, &Finish::AbortBoth);
    true
}

fn exactly_one_outcome(cfg: Cfg, ops: Vec<Op>, finish: Finish) -> bool {
    run_ops(&cfg, &ops, &finish);
    true
}

#[test]
fn prop_in_flight_never_exceeds_the_window() {
    QuickCheck::new()
        .tests(1_000)
        .quickcheck(window_never_exceeded as fn(Cfg, Vec<Op>) -> bool);
}

#[test]
fn prop_every_request_gets_exactly_one_outcome() {
    QuickCheck::new()
        .tests(1_000)
        .quickcheck(exactly_one_outcome as fn(Cfg, Vec<Op>, Finish) -> bool);
}
