//! Session tests: the limits of fixed-capacity storage (`session::Fixed`), each reached on
//! purpose: what the session does then (backpressure, a typed error, a protocol answer),
//! and that nothing is lost. They run in every build: `Fixed` needs no `alloc`.

mod common;

use common::{encode, ms, quiet_esme, quiet_smsc, raw, submit};
use smpp_core::codec::{frame, DecodeError, Framing};
use smpp_core::pdu::{Bind, Body, MessageIdResp};
use smpp_core::session::{
    BindType, CloseReason, Event, Fixed, Session, SessionConfig, SessionError, State, Storage,
};
use smpp_core::{CommandId, CommandStatus, Instant, Pdu};

/// Window 4, PDUs up to 512 octets, 2 events, 1 KiB buffers, 512 octets of queue copies,
/// 2 late sequence numbers.
type Tiny = Fixed<4, 512, 2, 1024, 1024, 512, 2>;

type Ev<S> = Event<<S as Storage>::Buf>;

fn new<S: Storage>(config: SessionConfig) -> Session<S> {
    Session::new_in(config, Instant::ZERO)
}

/// Everything the session wrote, marked written.
fn output<S: Storage>(s: &mut Session<S>) -> Vec<u8> {
    let out = s.poll_transmit().map(<[u8]>::to_vec).unwrap_or_default();
    s.advance_transmit(out.len());
    out
}

/// The (command, status, sequence number) of each PDU in `bytes`.
fn headers(mut bytes: &[u8]) -> Vec<(CommandId, CommandStatus, u32)> {
    let mut out = Vec::new();
    while let Ok(Framing::Complete(n)) = frame(bytes, u32::MAX) {
        let h = smpp_core::pdu::Header::parse(bytes).unwrap();
        out.push((h.command_id, h.command_status, h.sequence_number));
        bytes = &bytes[n..];
    }
    assert!(bytes.is_empty(), "a broken stream");
    out
}

fn events<S: Storage>(s: &mut Session<S>) -> Vec<Ev<S>> {
    core::iter::from_fn(|| s.poll_event()).collect()
}

/// An SMSC session bound as a transceiver by raw input.
fn bound_smsc<S: Storage>(config: SessionConfig) -> Session<S> {
    let now = Instant::ZERO;
    let mut s = new::<S>(config);
    s.handle_input(
        now,
        &encode(&Pdu::new(1, Body::BindTransceiver(Bind::new("esme", "pw")))),
    );
    assert!(matches!(
        events(&mut s).as_slice(),
        [Event::BindRequest { .. }]
    ));
    s.accept_bind(now, b"smsc", None).unwrap();
    output(&mut s);
    s
}

/// An ESME session bound as a transceiver by a raw response.
fn bound_esme<S: Storage>(config: SessionConfig) -> Session<S> {
    let now = Instant::ZERO;
    let mut s = new::<S>(config);
    let seq = s
        .bind(now, BindType::Transceiver, &Bind::new("esme", "pw"))
        .unwrap();
    output(&mut s);
    s.handle_input(
        now,
        &raw(16 + 5, 0x8000_0009, 0, seq, &[b's', b'm', b's', b'c', 0]),
    );
    assert!(matches!(events(&mut s).as_slice(), [Event::Bound { .. }]));
    s
}

fn submit_pdu(seq: u32) -> Vec<u8> {
    encode(&Pdu::new(seq, submit()))
}

fn submit_resp(seq: u32, status: CommandStatus) -> Vec<u8> {
    encode(&Pdu::with_status(
        seq,
        status,
        Body::SubmitSmResp(MessageIdResp::new(b"m")),
    ))
}

fn request_seqs<S: Storage>(evs: &[Ev<S>]) -> Vec<u32> {
    evs.iter()
        .filter_map(|e| match e {
            Event::Request { frame, .. } => Some(frame.sequence_number()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_capacities_cap_the_configuration() {
    let s = new::<Tiny>(SessionConfig {
        window: 100,
        peer_window: 64,
        ..SessionConfig::esme()
    });
    assert_eq!(
        (
            s.config().window,
            s.config().peer_window,
            s.config().max_pdu_len
        ),
        (4, 4, 512)
    );
    // Smaller settings stay.
    let s = new::<Tiny>(SessionConfig {
        window: 2,
        peer_window: 1,
        max_pdu_len: 100,
        ..SessionConfig::esme()
    });
    assert_eq!(
        (
            s.config().window,
            s.config().peer_window,
            s.config().max_pdu_len
        ),
        (2, 1, 100)
    );
}

#[test]
fn a_full_event_queue_holds_input_back_and_loses_nothing() {
    let mut s = bound_smsc::<Tiny>(quiet_smsc());
    let mut input = Vec::new();
    for seq in 2..=4 {
        input.extend(submit_pdu(seq));
    }
    s.handle_input(Instant::ZERO, &input);
    // Two events of room: one request is processed, the rest waits.
    assert!(!s.wants_input(), "input waits for the application");
    assert_eq!(s.unanswered(), 1);
    let mut seen = Vec::new();
    while let Some(e) = s.poll_event() {
        seen.push(e);
    }
    assert_eq!(request_seqs::<Tiny>(&seen), [2, 3, 4], "all, in order");
    assert_eq!(s.unanswered(), 3);
    assert!(s.wants_input());
    // They are answered as usual.
    for seq in 2..=4 {
        s.respond(
            Instant::ZERO,
            seq,
            CommandStatus::ESME_ROK,
            &Body::SubmitSmResp(MessageIdResp::new(b"id")),
        )
        .unwrap();
    }
    let answers = headers(&output(&mut s));
    assert_eq!(answers.iter().map(|h| h.2).collect::<Vec<_>>(), [2, 3, 4]);
}

#[test]
fn end_of_stream_waits_for_the_input_held_back() {
    let mut s = bound_smsc::<Tiny>(quiet_smsc());
    let mut input = Vec::new();
    for seq in 2..=4 {
        input.extend(submit_pdu(seq));
    }
    s.handle_input(Instant::ZERO, &input);
    s.handle_eof(Instant::ZERO);
    assert!(!s.is_closed(), "complete PDUs still wait");
    let evs = events(&mut s);
    assert_eq!(request_seqs::<Tiny>(&evs), [2, 3, 4]);
    assert!(matches!(
        evs.last(),
        Some(Event::Closed {
            reason: CloseReason::PeerClosed
        })
    ));
    assert!(s.is_closed());
}

#[test]
fn input_beyond_the_receive_capacity_overflows_and_what_was_processed_is_kept() {
    let mut s = bound_smsc::<Tiny>(quiet_smsc());
    // Nothing is polled: one request is processed, then the buffer fills.
    let one = submit_pdu(2);
    let mut fed = 0;
    let mut seq = 2;
    while s.receive_capacity() >= one.len() {
        s.handle_input(Instant::ZERO, &submit_pdu(seq));
        seq += 1;
        fed += 1;
    }
    assert!(fed > 2 && !s.is_closed());
    let cap = s.receive_capacity();
    s.handle_input(Instant::ZERO, &vec![0u8; cap + 1]);
    assert!(s.is_closed());
    let evs = events(&mut s);
    assert_eq!(
        request_seqs::<Tiny>(&evs),
        [2],
        "the processed request is reported"
    );
    assert!(matches!(
        evs.last(),
        Some(Event::Closed {
            reason: CloseReason::BufferOverflow
        })
    ));
}

#[test]
fn a_pdu_longer_than_the_capacity_is_answered_and_closes() {
    let mut s = bound_smsc::<Tiny>(quiet_smsc());
    s.handle_input(Instant::ZERO, &raw(600, 0x0000_0004, 0, 7, &[]));
    assert_eq!(
        headers(&output(&mut s)),
        [(CommandId::GenericNack, CommandStatus::ESME_RINVCMDLEN, 7)]
    );
    let evs = events(&mut s);
    assert!(
        matches!(
            evs.last(),
            Some(Event::Closed {
                reason: CloseReason::ProtocolError(DecodeError::CommandLengthTooLarge {
                    command_length: 600,
                    max: 512
                })
            })
        ),
        "{evs:?}"
    );
}

#[test]
fn a_full_transmit_buffer_refuses_whole_requests_until_it_drains() {
    // 1 KiB of output, 64 of them kept for the session's own PDUs.
    type S = Fixed<64, 512, 4, 1024, 1024, 512, 2>;
    let mut s = bound_esme::<S>(SessionConfig {
        window: 64,
        ..quiet_esme()
    });
    let len = submit_pdu(1).len();
    let mut sent = 0;
    let err = loop {
        match s.send(Instant::ZERO, &submit()) {
            Ok(_) => sent += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(err, SessionError::TransmitFull { needed: len });
    assert_eq!(sent, (1024 - 64) / len);
    assert_eq!(
        s.in_flight(),
        sent,
        "the refused request is not in the window"
    );
    let out = output(&mut s);
    assert_eq!(out.len(), sent * len, "only whole PDUs were written");
    assert_eq!(headers(&out).len(), sent);
    s.send(Instant::ZERO, &submit()).unwrap();
    // Fill it again: the peer's request waits (less than 256 octets free) and is answered
    // once the output drains.
    while s.send(Instant::ZERO, &submit()).is_ok() {}
    s.handle_input(Instant::ZERO, &encode(&Pdu::new(99, Body::EnquireLink)));
    assert!(!s.wants_input());
    let before = headers(s.poll_transmit().unwrap());
    assert!(before.iter().all(|h| h.0 == CommandId::SubmitSm));
    output(&mut s);
    assert_eq!(
        headers(&output(&mut s)),
        [(CommandId::EnquireLinkResp, CommandStatus::ESME_ROK, 99)]
    );
}

#[test]
fn queued_requests_are_bounded_by_the_copies_and_go_out_in_order() {
    // One request per second: the rest queue, their copies in 512 octets.
    type S = Fixed<32, 512, 8, 2048, 2048, 512, 2>;
    let mut s = bound_esme::<S>(SessionConfig {
        window: 32,
        max_send_rate: Some(1),
        send_burst: 1,
        ..quiet_esme()
    });
    let len = submit_pdu(1).len();
    let mut accepted = Vec::new();
    let err = loop {
        match s.send(Instant::ZERO, &submit()) {
            Ok(seq) => accepted.push(seq),
            Err(e) => break e,
        }
    };
    assert_eq!(err, SessionError::TransmitFull { needed: len });
    assert_eq!(
        accepted.len(),
        1 + 512 / len,
        "one sent, the rest as many as fit"
    );
    let mut wire = headers(&output(&mut s));
    let mut now = Instant::ZERO;
    for _ in 0..accepted.len() + 2 {
        now += ms(1000);
        s.handle_timeout(now);
        wire.extend(headers(&output(&mut s)));
    }
    let seqs: Vec<u32> = wire.iter().map(|h| h.2).collect();
    assert_eq!(seqs, accepted, "each queued request sent once, in order");
}

#[test]
fn closing_with_a_full_window_needs_no_room_for_events() {
    type S = Fixed<4, 512, 2, 1024, 1024, 512, 2>;
    let mut s = bound_esme::<S>(quiet_esme());
    let seqs: Vec<u32> = (0..4)
        .map(|_| s.send(Instant::ZERO, &submit()).unwrap())
        .collect();
    output(&mut s);
    s.abort(Instant::ZERO);
    assert_eq!(s.state(), State::Closed);
    let evs = events(&mut s);
    let failed: Vec<u32> = evs
        .iter()
        .filter_map(|e| match e {
            Event::RequestFailed {
                sequence_number,
                reason: CloseReason::Aborted,
                ..
            } => Some(*sequence_number),
            _ => None,
        })
        .collect();
    assert_eq!(failed, seqs, "every request fails once, oldest first");
    assert_eq!(evs.len(), 5);
    assert!(matches!(
        evs.last(),
        Some(Event::Closed {
            reason: CloseReason::Aborted
        })
    ));
    assert!(s.poll_event().is_none());
}

#[test]
fn timeouts_beyond_the_event_room_wait_for_it() {
    type S = Fixed<8, 512, 2, 1024, 2048, 512, 8>;
    let mut s = bound_esme::<S>(SessionConfig {
        response_timeout: ms(100),
        ..quiet_esme()
    });
    let seqs: Vec<u32> = (0..5)
        .map(|_| s.send(Instant::ZERO, &submit()).unwrap())
        .collect();
    output(&mut s);
    let late = Instant::ZERO + ms(100);
    let mut timed_out = Vec::new();
    for _ in 0..10 {
        let due = s.poll_timeout().expect("a timer runs");
        assert!(due <= late);
        s.handle_timeout(late);
        let evs = events(&mut s);
        assert!(evs.len() <= 2);
        timed_out.extend(evs.iter().filter_map(|e| match e {
            Event::ResponseTimeout {
                sequence_number, ..
            } => Some(*sequence_number),
            _ => None,
        }));
        if timed_out.len() == seqs.len() {
            break;
        }
    }
    assert_eq!(timed_out, seqs, "each reported once, in order");
    assert_eq!(s.in_flight(), 0);
    assert_eq!(s.counters().response_timeouts, 5);
}

#[test]
fn the_late_memory_forgets_the_oldest() {
    type S = Fixed<8, 512, 8, 1024, 1024, 512, 2>;
    let mut s = bound_esme::<S>(SessionConfig {
        response_timeout: ms(100),
        ..quiet_esme()
    });
    let seqs: Vec<u32> = (0..3)
        .map(|_| s.send(Instant::ZERO, &submit()).unwrap())
        .collect();
    output(&mut s);
    s.handle_timeout(Instant::ZERO + ms(100));
    assert_eq!(events(&mut s).len(), 3);
    let mut input = Vec::new();
    for seq in &seqs {
        input.extend(submit_resp(*seq, CommandStatus::ESME_ROK));
    }
    s.handle_input(Instant::ZERO + ms(200), &input);
    let late: Vec<bool> = events(&mut s)
        .iter()
        .filter_map(|e| match e {
            Event::UnmatchedResponse { late, .. } => Some(*late),
            _ => None,
        })
        .collect();
    assert_eq!(late, [false, true, true], "two remembered");
}

#[test]
fn throttle_retry_copies_that_do_not_fit_end_in_the_answer() {
    // Retries on, room for one copy: the second throttled request is not retried.
    let len = submit_pdu(1).len();
    type S = Fixed<8, 512, 8, 2048, 2048, 128, 2>;
    assert!(len * 2 > 128 && len <= 128);
    let mut s = bound_esme::<S>(SessionConfig {
        throttle_retries: 1,
        ..quiet_esme()
    });
    let a = s.send(Instant::ZERO, &submit()).unwrap();
    let b = s.send(Instant::ZERO, &submit()).unwrap();
    output(&mut s);
    let mut input = submit_resp(a, CommandStatus::ESME_RTHROTTLED);
    input.extend(submit_resp(b, CommandStatus::ESME_RTHROTTLED));
    s.handle_input(Instant::ZERO, &input);
    let evs = events(&mut s);
    let answered: Vec<u32> = evs
        .iter()
        .filter_map(|e| match e {
            Event::Response { frame, .. } => Some(frame.sequence_number()),
            _ => None,
        })
        .collect();
    assert_eq!(
        answered,
        [b],
        "b had no copy: its throttle answer is its outcome"
    );
    assert_eq!(s.in_flight(), 1, "a waits to be sent again");
    assert_eq!(s.counters().throttle_retries, 1);
}
