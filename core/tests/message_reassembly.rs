//! Reassembly: ordering, duplicates, invalid parts, eviction and expiry events, and bounded
//! memory under arbitrary input.
#![cfg(feature = "alloc")]

use quickcheck::{Arbitrary, Gen, QuickCheck};
use smpp_core::message::{
    split, DropReason, Encoding, PartError, PartInput, PushOutcome, Reassembler, ReassemblyConfig,
    ReassemblyEvent, SplitMethod,
};
use smpp_core::time::{Duration, Instant};

fn config(max_pending: usize, max_age_s: u64, max_bytes: usize) -> ReassemblyConfig {
    ReassemblyConfig {
        max_pending_messages: max_pending,
        max_age: Duration::from_secs(max_age_s),
        max_parts_bytes: max_bytes,
    }
}

fn drain(r: &mut Reassembler) -> Vec<ReassemblyEvent> {
    std::iter::from_fn(|| r.poll_event()).collect()
}

#[test]
fn ucs2_parts_reassemble_in_any_order() {
    let text = "Привет 😀 ".repeat(30);
    let parts = split(&text, Encoding::Ucs2, SplitMethod::Udh16 { reference: 777 }).unwrap();
    assert!(parts.len() > 3);
    let mut r = Reassembler::new(ReassemblyConfig::default());
    let mut out = None;
    for p in parts.iter().rev() {
        let input = PartInput::from_short_message(b"sender", b"me", &p.short_message).unwrap();
        assert_eq!(input.reference, 777);
        match r.push(Instant::ZERO, input) {
            PushOutcome::Complete(m) => out = Some(m),
            PushOutcome::Pending { total, .. } => assert_eq!(total as usize, parts.len()),
            other => panic!("{other:?}"),
        }
    }
    let m = out.unwrap();
    assert_eq!(m.decode(8).unwrap().as_text(), Some(text.as_str()));
}

#[test]
fn duplicates_and_invalid_sequence_numbers() {
    let mut r = Reassembler::new(ReassemblyConfig::default());
    let t = Instant::ZERO;
    let p = |seq, total, data: &'static [u8]| PartInput::new(b"a", b"b", 5, total, seq, data);
    assert!(matches!(
        r.push(t, p(2, 2, b"two")),
        PushOutcome::Pending {
            received: 1,
            total: 2
        }
    ));
    assert_eq!(
        r.push(t, p(2, 2, b"TWO")),
        PushOutcome::Duplicate { seq: 2 }
    );
    assert_eq!(
        r.push(t, p(0, 2, b"x")),
        PushOutcome::Rejected(PartError::SeqZero)
    );
    assert_eq!(
        r.push(t, p(3, 2, b"x")),
        PushOutcome::Rejected(PartError::SeqOutOfRange { seq: 3, total: 2 })
    );
    assert_eq!(
        r.push(t, p(1, 0, b"x")),
        PushOutcome::Rejected(PartError::TotalZero)
    );
    match r.push(t, p(1, 2, b"one")) {
        // The first copy of part 2 won.
        PushOutcome::Complete(m) => assert_eq!(m.data(), b"onetwo"),
        other => panic!("{other:?}"),
    }
    // A copy arriving after completion starts a new message, which expires and is reported.
    assert!(matches!(
        r.push(t, p(2, 2, b"two")),
        PushOutcome::Pending { received: 1, .. }
    ));
    let deadline = r.next_deadline().unwrap();
    r.handle_timeout(deadline);
    assert!(matches!(
        drain(&mut r)[..],
        [ReassemblyEvent::Dropped {
            reason: DropReason::Expired,
            parts_received: 1,
            total: 2,
            ..
        }]
    ));
    assert_eq!(r.next_deadline(), None);
}

#[test]
fn eviction_and_expiry_events() {
    let mut r = Reassembler::new(config(3, 60, 1 << 16));
    for i in 0..5u16 {
        let out = r.push(
            Instant::from_millis(u64::from(i) * 1000),
            PartInput::new(b"src", b"dst", i, 4, 1, b"data"),
        );
        assert!(matches!(out, PushOutcome::Pending { .. }));
    }
    assert_eq!(r.pending_messages(), 3);
    let evicted: Vec<u16> = drain(&mut r)
        .into_iter()
        .map(|e| match e {
            ReassemblyEvent::Dropped {
                key,
                reason: DropReason::Evicted,
                parts_received: 1,
                total: 4,
            } => key.reference,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(evicted, [0, 1]);
    // Message 2 arrived at t=2s and expires at t=62s.
    assert_eq!(r.next_deadline(), Some(Instant::from_millis(62_000)));
    r.handle_timeout(Instant::from_millis(61_999));
    assert!(drain(&mut r).is_empty());
    r.handle_timeout(Instant::from_millis(63_500));
    let expired: Vec<u16> = drain(&mut r)
        .into_iter()
        .map(|e| match e {
            ReassemblyEvent::Dropped {
                key,
                reason: DropReason::Expired,
                ..
            } => key.reference,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(expired, [2, 3]);
    assert_eq!(r.pending_messages(), 1);
    // Pushing also expires first.
    r.push(
        Instant::from_millis(200_000),
        PartInput::new(b"src", b"dst", 9, 2, 1, b"x"),
    );
    assert!(matches!(
        drain(&mut r)[..],
        [ReassemblyEvent::Dropped {
            reason: DropReason::Expired,
            ..
        }]
    ));
}

#[derive(Clone, Debug)]
enum Op {
    Push {
        source: u8,
        reference: u16,
        total: u8,
        seq: u8,
        len: u8,
        advance_ms: u16,
        long_address: bool,
    },
    Timeout {
        advance_ms: u16,
    },
}

impl Arbitrary for Op {
    fn arbitrary(g: &mut Gen) -> Self {
        let small = |g: &mut Gen, n: u8| u8::arbitrary(g) % n;
        if small(g, 8) == 0 {
            Op::Timeout {
                advance_ms: u16::arbitrary(g) % 2000,
            }
        } else {
            // Mostly valid parts of small messages, sometimes invalid ones.
            let valid = small(g, 6) != 0;
            let total = if valid { 1 + small(g, 3) } else { small(g, 5) };
            let seq = if valid && total > 0 {
                1 + small(g, total)
            } else {
                small(g, 6)
            };
            Op::Push {
                source: small(g, 2),
                reference: u16::from(small(g, 2)),
                total,
                seq,
                len: u8::arbitrary(g) % 40,
                advance_ms: u16::arbitrary(g) % 300,
                long_address: small(g, 30) == 0,
            }
        }
    }
}

#[test]
fn prop_bounded_and_nothing_dropped_silently() {
    fn prop(ops: Vec<Op>, max_pending: u8, max_age_ms: u16, max_bytes: u16) -> bool {
        let cfg = ReassemblyConfig {
            max_pending_messages: usize::from(max_pending % 10),
            max_age: Duration::from_millis(u64::from(max_age_ms % 3000)),
            max_parts_bytes: usize::from(max_bytes % 1000),
        };
        let mut r = Reassembler::new(cfg);
        let mut now = Instant::ZERO;
        let mut created = 0u64;
        let mut completed_multi = 0u64;
        let mut dropped = 0u64;
        let payload = [0x41u8; 255];
        let long = [b'9'; 70];
        for op in ops {
            match op {
                Op::Push {
                    source,
                    reference,
                    total,
                    seq,
                    len,
                    advance_ms,
                    long_address,
                } => {
                    now += Duration::from_millis(u64::from(advance_ms));
                    let src = [source];
                    let input = PartInput::new(
                        if long_address { &long } else { &src },
                        b"dst",
                        reference,
                        total,
                        seq,
                        &payload[..usize::from(len)],
                    );
                    match r.push(now, input) {
                        PushOutcome::Pending { received: 1, .. } => created += 1,
                        PushOutcome::Complete(m) => {
                            if m.part_count() > 1 {
                                completed_multi += 1;
                            }
                            if m.part_count() != usize::from(total) {
                                return false;
                            }
                        }
                        PushOutcome::Rejected(PartError::SeqZero) if seq != 0 => return false,
                        _ => {}
                    }
                }
                Op::Timeout { advance_ms } => {
                    now += Duration::from_millis(u64::from(advance_ms));
                    r.handle_timeout(now);
                    if let Some(d) = r.next_deadline() {
                        if d <= now {
                            return false;
                        }
                    }
                }
            }
            if r.pending_messages() > cfg.max_pending_messages.max(1)
                || r.buffered_bytes() > cfg.max_parts_bytes
            {
                return false;
            }
            // Drain now and then, not always, so the event queue bound is exercised.
            if created % 3 == 0 {
                for e in drain(&mut r) {
                    dropped += match e {
                        ReassemblyEvent::Dropped { .. } => 1,
                        ReassemblyEvent::Unreported { count } => count,
                    };
                }
            }
        }
        for e in drain(&mut r) {
            dropped += match e {
                ReassemblyEvent::Dropped { .. } => 1,
                ReassemblyEvent::Unreported { count } => count,
            };
        }
        // Every message that was started either completed, was reported dropped, or is
        // still pending.
        created == completed_multi + dropped + r.pending_messages() as u64
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(Vec<Op>, u8, u16, u16) -> bool);
}

#[test]
fn prop_arbitrary_short_messages_never_panic() {
    fn prop(sm: Vec<u8>, sar: (u16, u8, u8), now: u64) -> bool {
        let mut r = Reassembler::new(config(4, 10, 2048));
        if let Ok(p) = PartInput::from_short_message(b"1", b"2", &sm) {
            let _ = r.push(Instant::from_millis(now), p);
        }
        let (reference, total, seq) = sar;
        let _ = r.push(
            Instant::from_millis(now),
            PartInput::from_sar(b"1", b"2", reference, total, seq, &sm),
        );
        if let Some(d) = r.next_deadline() {
            r.handle_timeout(d);
        }
        let _ = drain(&mut r);
        r.pending_messages() == 0
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(Vec<u8>, (u16, u8, u8), u64) -> bool);
}
