//! Endpoint delivery properties (quickcheck): whatever the receivers do (answer, fail for a
//! while or for good, never answer, drop their link and bind again) and however deliveries
//! and the passing of time interleave, every accepted delivery ends in exactly one
//! `ServerEvent::Delivery`, the queue ends empty, and a message reported delivered was
//! received by the ESME on that bind (at least once).
#![cfg(feature = "alloc")]

mod server_harness;

use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use server_harness::*;
use smpp_core::server::{DeliveryOutcome, GiveUpReason};
use smpp_core::session::BindType;
use smpp_core::{CommandStatus, Duration, Instant};

fn upto(g: &mut Gen, n: u64) -> u64 {
    u64::arbitrary(g) % (n + 1)
}

/// How a receiver answers one delivery.
#[derive(Clone, Copy, Debug)]
enum Beh {
    Ok,
    /// A temporary error: `ESME_RX_T_APPN`, `ESME_RTHROTTLED`, `ESME_RMSGQFUL` or a
    /// `generic_nack`.
    Temp(u8),
    /// A permanent error: `ESME_RX_P_APPN` or `ESME_RINVDSTADR`.
    Perm(u8),
    NoAnswer,
    /// Answers `ESME_ROK` after this many ms (beyond the 2 s response timeout sometimes).
    Late(u16),
    /// Drops the link; binds again after this many ms.
    DropRebind(u16),
}

impl Arbitrary for Beh {
    fn arbitrary(g: &mut Gen) -> Beh {
        match upto(g, 10) {
            0..=2 => Beh::Ok,
            3 | 4 => Beh::Temp(u8::arbitrary(g) % 4),
            5 => Beh::Perm(u8::arbitrary(g) % 2),
            6 | 7 => Beh::NoAnswer,
            8 => Beh::Late(upto(g, 4_000) as u16),
            _ => Beh::DropRebind(upto(g, 5_000) as u16),
        }
    }
}

impl Beh {
    fn behaviour(self) -> Behaviour {
        match self {
            Beh::Ok => Behaviour::Ok,
            Beh::Temp(0) => Behaviour::Status(CommandStatus::ESME_RX_T_APPN),
            Beh::Temp(1) => Behaviour::Status(CommandStatus::ESME_RTHROTTLED),
            Beh::Temp(2) => Behaviour::Status(CommandStatus::ESME_RMSGQFUL),
            Beh::Temp(_) => Behaviour::Nack(CommandStatus::ESME_RSYSERR),
            Beh::Perm(0) => Behaviour::Status(CommandStatus::ESME_RX_P_APPN),
            Beh::Perm(_) => Behaviour::Status(CommandStatus::ESME_RINVDSTADR),
            Beh::NoAnswer => Behaviour::Silent,
            Beh::Late(ms) => Behaviour::Late(Duration::from_millis(u64::from(ms))),
            Beh::DropRebind(ms) => Behaviour::Drop {
                rebind_after: Some(Duration::from_millis(u64::from(ms))),
            },
        }
    }
}

/// One step of the driver script.
#[derive(Clone, Copy, Debug)]
enum Op {
    /// Deliver this many of the remaining messages now.
    Deliver(u8),
    /// Let this many ms pass.
    Advance(u16),
    /// The server unbinds (or, `true`, aborts) this receiver's link; it binds again later.
    Kick(u8, bool),
}

impl Arbitrary for Op {
    fn arbitrary(g: &mut Gen) -> Op {
        match upto(g, 9) {
            0..=3 => Op::Deliver(1 + (u8::arbitrary(g) % 10)),
            4..=7 => Op::Advance(upto(g, 8_000) as u16),
            _ => Op::Kick(u8::arbitrary(g), bool::arbitrary(g)),
        }
    }
}

#[derive(Clone, Debug)]
struct Scenario {
    /// Per receiver (1..=4): its behaviour per delivery received, then `Ok`.
    receivers: Vec<(bool, Vec<Beh>)>,
    /// Messages to deliver (1..=50).
    messages: usize,
    ops: Vec<Op>,
    max_attempts: u32,
    /// `DeliveryPolicy::max_age` in seconds.
    max_age: Option<u8>,
    /// Shut down after this many ops (then deliveries are refused).
    shutdown_after: Option<usize>,
}

impl Arbitrary for Scenario {
    fn arbitrary(g: &mut Gen) -> Scenario {
        let n = 1 + upto(g, 3) as usize;
        let receivers = (0..n)
            .map(|_| {
                let len = upto(g, 8) as usize;
                (
                    bool::arbitrary(g),
                    (0..len).map(|_| Beh::arbitrary(g)).collect(),
                )
            })
            .collect();
        let ops_len = upto(g, 20) as usize;
        Scenario {
            receivers,
            messages: 1 + upto(g, 49) as usize,
            ops: (0..ops_len).map(|_| Op::arbitrary(g)).collect(),
            max_attempts: 1 + upto(g, 5) as u32,
            max_age: if upto(g, 3) == 0 {
                Some(1 + upto(g, 30) as u8)
            } else {
                None
            },
            shutdown_after: if upto(g, 5) == 0 {
                Some(upto(g, ops_len as u64) as usize)
            } else {
                None
            },
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Scenario>> {
        let mut out = Vec::new();
        if self.messages > 1 {
            out.push(Scenario {
                messages: self.messages / 2,
                ..self.clone()
            });
            out.push(Scenario {
                messages: self.messages - 1,
                ..self.clone()
            });
        }
        if self.max_age.is_some() {
            out.push(Scenario {
                max_age: None,
                ..self.clone()
            });
        }
        if self.shutdown_after.is_some() {
            out.push(Scenario {
                shutdown_after: None,
                ..self.clone()
            });
        }
        for ops in self.ops.shrink() {
            out.push(Scenario {
                ops,
                shutdown_after: self.shutdown_after.map(|s| s.min(self.ops.len())),
                ..self.clone()
            });
        }
        if self.receivers.len() > 1 {
            for k in 0..self.receivers.len() {
                let mut r = self.receivers.clone();
                r.remove(k);
                out.push(Scenario {
                    receivers: r,
                    ..self.clone()
                });
            }
        }
        for (k, (trx, script)) in self.receivers.iter().enumerate() {
            for s in script.shrink() {
                let mut r = self.receivers.clone();
                r[k] = (*trx, s);
                out.push(Scenario {
                    receivers: r,
                    ..self.clone()
                });
            }
        }
        Box::new(out.into_iter())
    }
}

fn run(s: Scenario) -> TestResult {
    let mut config = test_config();
    config.session.response_timeout = Duration::from_secs(2);
    config.delivery.max_attempts = s.max_attempts;
    config.delivery.initial_backoff = Duration::from_millis(200);
    config.delivery.max_backoff = Duration::from_secs(2);
    config.delivery.max_age = s.max_age.map(|a| Duration::from_secs(u64::from(a)));
    let mut h = Harness::new(config);
    for (trx, script) in &s.receivers {
        let bind_type = if *trx {
            BindType::Transceiver
        } else {
            BindType::Receiver
        };
        let i = h.add_scripted("acme", bind_type, script.iter().map(|b| b.behaviour()));
        assert!(h.esmes[i].is_bound());
        h.esmes[i].rebind_on_close = Some(Duration::from_secs(1));
    }
    let mut next = 0;
    let mut deliver = |h: &mut Harness, n: usize| {
        for _ in 0..n {
            if next == s.messages {
                break;
            }
            let r = h.deliver("acme", &format!("m{next}"));
            if !h.ep.is_shutting_down() {
                r.expect("room in the queue");
            }
            next += 1;
        }
        h.step();
    };
    for (k, op) in s.ops.iter().enumerate() {
        if s.shutdown_after == Some(k) {
            h.ep.shutdown(h.now);
            h.step();
        }
        match *op {
            Op::Deliver(n) => deliver(&mut h, usize::from(n)),
            Op::Advance(ms) => h.advance(Duration::from_millis(u64::from(ms))),
            Op::Kick(k, abort) => {
                let i = usize::from(k) % h.esmes.len();
                if let Some(c) = h.esmes[i].conn {
                    if abort {
                        h.ep.abort(h.now, c);
                    } else {
                        h.ep.unbind(h.now, c);
                    }
                    h.step();
                }
            }
        }
    }
    if s.shutdown_after == Some(s.ops.len()) {
        h.ep.shutdown(h.now);
        h.step();
    }
    deliver(&mut h, s.messages);
    let limit = h.now + Duration::from_secs(3_600);
    let shutting_down = h.ep.is_shutting_down();
    let settled = h.run_until(limit, |h| {
        h.all_done() && h.ep.queued_total() == 0 && (!shutting_down || h.ep.connection_count() == 0)
    });
    if !settled {
        return TestResult::error(format!(
            "not settled by {limit:?}: {} of {} ended, {} queued, {:?}",
            h.outcomes.len(),
            h.texts.len(),
            h.ep.queued_total(),
            h.ep
        ));
    }
    // Exactly one outcome per accepted delivery, none for anything else.
    for (id, outcomes) in &h.outcomes {
        if !h.texts.contains_key(id) {
            return TestResult::error(format!("outcome for unknown {id}: {outcomes:?}"));
        }
        if outcomes.len() != 1 {
            return TestResult::error(format!("{id}: {} outcomes: {outcomes:?}", outcomes.len()));
        }
    }
    if h.texts.len() != h.outcomes.len() {
        return TestResult::error("an accepted delivery has no outcome");
    }
    if h.ep.queued_total() != 0 {
        return TestResult::error("the queue is not empty");
    }
    for (id, outcomes) in &h.outcomes {
        let text = h.texts[id].as_bytes();
        let received_on = |bind| {
            h.esmes
                .iter()
                .flat_map(|e| &e.received)
                .any(|r| r.conn == bind && r.text == text)
        };
        match &outcomes[0] {
            DeliveryOutcome::Delivered {
                bind_id, attempts, ..
            } => {
                if !received_on(*bind_id) {
                    return TestResult::error(format!("{id} delivered on {bind_id:?} unseen"));
                }
                if *attempts == 0 || *attempts > s.max_attempts {
                    return TestResult::error(format!("{id}: {attempts} attempts"));
                }
            }
            DeliveryOutcome::Refused { bind_id, .. } => {
                if !received_on(*bind_id) {
                    return TestResult::error(format!("{id} refused on {bind_id:?} unseen"));
                }
            }
            DeliveryOutcome::GaveUp {
                reason, attempts, ..
            } => match reason {
                GiveUpReason::RetryBudget(_) if *attempts == s.max_attempts => {}
                GiveUpReason::Shutdown if shutting_down => {}
                GiveUpReason::Expired if s.max_age.is_some() => {}
                other => {
                    return TestResult::error(format!("{id}: gave up {other:?} after {attempts}"))
                }
            },
            DeliveryOutcome::InStore => {
                return TestResult::error(format!("{id}: shared without a store"));
            }
        }
    }
    if h.now > Instant::from_millis(10_000_000) {
        return TestResult::error("ran too long");
    }
    TestResult::passed()
}

#[test]
fn every_delivery_ends_exactly_once() {
    QuickCheck::new()
        .tests(3000)
        .quickcheck(run as fn(Scenario) -> TestResult);
}
