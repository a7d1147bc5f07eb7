//! The server against hostile peers, over real TCP: garbage, huge lengths, slowloris,
//! protocol abuse, connection floods, password guessing, and a thousand of them in a row.
//! After each, a well-behaved client still binds and submits, and the server's resources
//! come back to what the good clients use.

//!
//! The raw hostile peers use blocking `std::net` sockets on the test's threads; the server
//! runs on smol's executor threads.

mod common;

use common::{auth, esme as client_config, handler, smsc as server_config, PASSWORD};
use smpp_smol::core::pdu::{
    Address, Bind, Body, CommandId, CommandStatus, Header, Pdu, SubmitSm, Tlv, TlvTag, Tlvs,
};
use smpp_smol::core::session::CloseReason;
use smpp_smol::core::Duration as CoreDuration;
use smpp_smol::{
    BindRequest, Client, FailedBindPolicy, Password, Server, ServerConfig, ServerEvent, Trace,
};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

fn start_server(config: ServerConfig) -> Server {
    smol::block_on(Server::bind("127.0.0.1:0", config, auth, handler)).expect("server")
}

fn submit(text: &'static [u8]) -> Body<'static> {
    Body::SubmitSm(SubmitSm {
        source: Address::alphanumeric("Test"),
        destination: Address::international("447700900123"),
        short_message: text,
        ..Default::default()
    })
}

/// Polls `f` until it holds or `timeout` passes.
fn wait_for(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The tests of this file run one at a time (timings and the RSS measurement must not be
/// disturbed by the others).
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

const T: Duration = Duration::from_secs(5);

// ----- raw peer helpers -------------------------------------------------------------------

fn raw(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(T)).unwrap();
    s.set_write_timeout(Some(T)).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

fn encode(pdu: &Pdu<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; pdu.encoded_len()];
    pdu.encode(&mut buf).expect("encode");
    buf
}

fn header(len: u32, id: u32, seq: u32) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[..4].copy_from_slice(&len.to_be_bytes());
    h[4..8].copy_from_slice(&id.to_be_bytes());
    h[12..].copy_from_slice(&seq.to_be_bytes());
    h
}

fn bind_pdu(seq: u32, system_id: &str, password: &str) -> Vec<u8> {
    encode(&Pdu::new(
        seq,
        Body::BindTransceiver(Bind::new(system_id, password)),
    ))
}

fn submit_pdu(seq: u32) -> Vec<u8> {
    encode(&Pdu::new(seq, submit(b"hello")))
}

/// The next PDU, or `None` at the end of the stream (EOF or reset).
fn next_pdu(s: &mut TcpStream) -> Option<(Header, Vec<u8>)> {
    let mut len = [0u8; 4];
    match s.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if is_end(&e) => return None,
        Err(e) => panic!("read: {e}"),
    }
    let n = u32::from_be_bytes(len) as usize;
    assert!((16..=4096).contains(&n), "odd PDU length {n}");
    let mut pdu = vec![0u8; n];
    pdu[..4].copy_from_slice(&len);
    match s.read_exact(&mut pdu[4..]) {
        Ok(()) => {}
        Err(e) if is_end(&e) => return None,
        Err(e) => panic!("read: {e}"),
    }
    Some((Header::parse(&pdu).unwrap(), pdu))
}

fn is_end(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::UnexpectedEof
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
    )
}

fn expect_pdu(s: &mut TcpStream) -> Header {
    next_pdu(s).expect("a PDU, not the end of the stream").0
}

/// The server closes: the stream ends (after nothing more than `allowed` PDUs).
fn expect_closed(s: &mut TcpStream, allowed: usize) {
    for _ in 0..=allowed {
        if next_pdu(s).is_none() {
            return;
        }
    }
    panic!("the server sent more than {allowed} PDUs and did not close");
}

fn bind_raw(addr: SocketAddr, system_id: &str) -> TcpStream {
    let mut s = raw(addr);
    s.write_all(&bind_pdu(1, system_id, PASSWORD)).unwrap();
    let h = expect_pdu(&mut s);
    assert_eq!(h.command_id, CommandId::BindTransceiverResp);
    assert_eq!(h.command_status, CommandStatus::ESME_ROK);
    s
}

/// A well-behaved client binds, submits and unbinds.
fn good_client_works(addr: SocketAddr) {
    smol::block_on(async {
        let (client, _incoming) = Client::connect(addr, client_config("good"))
            .await
            .expect("good bind");
        let r = client
            .send(&submit(b"still here"))
            .await
            .expect("good submit");
        assert_eq!(r.status(), CommandStatus::ESME_ROK);
        assert!(r.message_id().is_some());
        client.unbind().await.expect("unbind");
    })
}

/// Waits until only `n` connections are left, all of them bound.
fn settles_to(server: &Server, n: usize) {
    assert!(
        wait_for(T, || server.connection_count() == n
            && server.sessions().len() == n),
        "connections {} sessions {} (want {n})",
        server.connection_count(),
        server.sessions().len()
    );
}

fn config() -> ServerConfig {
    let mut c = server_config();
    // The server defaults for what these tests are about.
    let d = ServerConfig::default();
    c.session.max_pdu_len = d.session.max_pdu_len;
    c
}

// ----- the defaults -------------------------------------------------------------------------

#[test]
fn the_defaults_are_safe() {
    let d = ServerConfig::default();
    assert_eq!(d.session.max_pdu_len, 4096);
    assert_eq!(d.session.bind_timeout, CoreDuration::from_secs(10));
    assert_eq!(
        d.session.inactivity_timeout,
        Some(CoreDuration::from_secs(120))
    );
    assert_eq!(d.session.peer_window, 64);
    assert_eq!(d.max_connections, 1000);
    assert_eq!(d.failed_binds, FailedBindPolicy::default());
    assert_eq!(d.failed_binds.threshold, 3);
    assert_eq!(d.failed_binds.window, CoreDuration::from_secs(60));
    assert_eq!(d.failed_binds.delay, CoreDuration::from_secs(1));
    assert_eq!(d.failed_binds.max_addresses, 10_000);
}

// ----- one scenario each ----------------------------------------------------------------------

#[test]
fn garbage_is_answered_with_a_generic_nack_at_most_and_closed() {
    let _g = serial();
    let server = start_server(config());
    let addr = server.local_addr();
    let mut seed = 0x1234_5678_u32;
    let random: Vec<u8> = (0..300)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 16) as u8
        })
        .collect();
    let inputs: [&[u8]; 4] = [
        b"GET / HTTP/1.1\r\nHost: smsc\r\n\r\n",
        &random,
        &[0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        &[0, 0, 0, 3],
    ];
    for input in inputs {
        let started = Instant::now();
        let mut s = raw(addr);
        s.write_all(input).unwrap();
        match next_pdu(&mut s) {
            None => {}
            Some((h, _)) => {
                assert_eq!(h.command_id, CommandId::GenericNack);
                assert!(!h.command_status.is_ok());
                expect_closed(&mut s, 0);
            }
        }
        assert!(started.elapsed() < Duration::from_secs(1));
        good_client_works(addr);
    }
    settles_to(&server, 0);
}

#[test]
fn a_huge_command_length_is_refused_from_the_header_alone() {
    let _g = serial();
    let server = start_server(config());
    let addr = server.local_addr();
    // The whole header announcing 4 GiB, then nothing: answered and closed at once (the
    // server waits for no body).
    let started = Instant::now();
    let mut s = raw(addr);
    s.write_all(&header(0xFFFF_FFFF, 0x0000_0004, 7)).unwrap();
    let h = expect_pdu(&mut s);
    assert_eq!(h.command_id, CommandId::GenericNack);
    assert_eq!(h.command_status, CommandStatus::ESME_RINVCMDLEN);
    assert_eq!(h.sequence_number, 7);
    expect_closed(&mut s, 0);
    assert!(started.elapsed() < Duration::from_secs(1));
    // Only the length word: refused as soon as it is there.
    let mut s = raw(addr);
    s.write_all(&0xFFFF_FFFF_u32.to_be_bytes()).unwrap();
    let h = expect_pdu(&mut s);
    assert_eq!(h.command_id, CommandId::GenericNack);
    assert_eq!(h.command_status, CommandStatus::ESME_RINVCMDLEN);
    expect_closed(&mut s, 0);
    // One octet over the default max_pdu_len, body streaming in: refused before the body.
    let mut s = raw(addr);
    s.write_all(&header(4097, 0x0000_0004, 8)).unwrap();
    let h = expect_pdu(&mut s);
    assert_eq!(h.command_status, CommandStatus::ESME_RINVCMDLEN);
    let _ = s.write_all(&[0u8; 4081]);
    expect_closed(&mut s, 0);
    assert!(started.elapsed() < Duration::from_secs(2));
    good_client_works(addr);
    settles_to(&server, 0);
}

#[test]
fn a_full_submit_sm_with_tlvs_fits_the_default_max_pdu_len() {
    let _g = serial();
    let server = start_server(config());
    let (client, _incoming) =
        smol::block_on(Client::connect(server.local_addr(), client_config("u"))).unwrap();
    let text = [b'x'; 254];
    let tlvs = [
        Tlv::u16(TlvTag::USER_MESSAGE_REFERENCE, 42),
        Tlv::u16(TlvTag::SAR_MSG_REF_NUM, 7),
        Tlv::u8(TlvTag::SAR_TOTAL_SEGMENTS, 2),
        Tlv::u8(TlvTag::SAR_SEGMENT_SEQNUM, 1),
        Tlv::u8(TlvTag::PRIVACY_INDICATOR, 1),
        Tlv::octets(TlvTag::SOURCE_SUBADDRESS, &[0xA0; 23]),
    ];
    let body = Body::SubmitSm(SubmitSm {
        service_type: b"CMT",
        source: Address::international("447700900001"),
        destination: Address::international("447700900123"),
        schedule_delivery_time: b"000000000100000R",
        validity_period: b"000001000000000R",
        short_message: &text,
        tlvs: Tlvs::from_slice(&tlvs),
        ..Default::default()
    });
    assert!(Pdu::new(1, body).encoded_len() < 4096);
    let r = smol::block_on(client.send(&body)).unwrap();
    assert_eq!(r.status(), CommandStatus::ESME_ROK);
    smol::block_on(client.unbind()).unwrap();
}

#[test]
fn a_silent_connection_and_a_slowloris_are_closed_at_the_bind_timeout() {
    let _g = serial();
    let mut cfg = config();
    cfg.session.bind_timeout = CoreDuration::from_millis(600);
    let server = start_server(cfg);
    let addr = server.local_addr();

    // Says nothing.
    let started = Instant::now();
    let mut s = raw(addr);
    expect_closed(&mut s, 0);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(550), "{took:?}");
    assert!(took < Duration::from_millis(2000), "{took:?}");

    // One header octet every 100 ms.
    let started = Instant::now();
    let mut s = raw(addr);
    let mut w = s.try_clone().unwrap();
    let dribble = std::thread::spawn(move || {
        let bind = bind_pdu(1, "slow", PASSWORD);
        for b in bind.iter().take(16) {
            if w.write_all(std::slice::from_ref(b)).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    expect_closed(&mut s, 0);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(550), "{took:?}");
    assert!(took < Duration::from_millis(2000), "{took:?}");
    dribble.join().unwrap();
    good_client_works(addr);
    settles_to(&server, 0);
}

#[test]
fn a_second_bind_is_answered_already_bound_and_the_session_goes_on() {
    let _g = serial();
    let server = start_server(config());
    let addr = server.local_addr();
    let mut s = bind_raw(addr, "twice");
    s.write_all(&bind_pdu(2, "twice", PASSWORD)).unwrap();
    let h = expect_pdu(&mut s);
    assert_eq!(h.command_id, CommandId::BindTransceiverResp);
    assert_eq!(h.command_status, CommandStatus::ESME_RALYBND);
    assert_eq!(h.sequence_number, 2);
    s.write_all(&submit_pdu(3)).unwrap();
    let h = expect_pdu(&mut s);
    assert_eq!(h.command_id, CommandId::SubmitSmResp);
    assert_eq!(h.command_status, CommandStatus::ESME_ROK);
    assert_eq!(h.sequence_number, 3);
    assert_eq!(server.sessions().len(), 1);
    drop(s);
    good_client_works(addr);
    settles_to(&server, 0);
}

#[test]
fn submit_sm_before_bind_is_answered_invalid_bind_status() {
    let _g = serial();
    let server = start_server(config());
    let addr = server.local_addr();
    let mut s = raw(addr);
    s.write_all(&submit_pdu(1)).unwrap();
    let h = expect_pdu(&mut s);
    assert_eq!(h.command_id, CommandId::SubmitSmResp);
    assert_eq!(h.command_status, CommandStatus::ESME_RINVBNDSTS);
    assert_eq!(h.sequence_number, 1);
    // Still open: a bind works afterwards.
    s.write_all(&bind_pdu(2, "late", PASSWORD)).unwrap();
    let h = expect_pdu(&mut s);
    assert_eq!(h.command_status, CommandStatus::ESME_ROK);
    drop(s);
    good_client_works(addr);
    settles_to(&server, 0);
}

#[test]
fn an_unknown_command_after_bind_gets_a_generic_nack_and_the_session_goes_on() {
    let _g = serial();
    let server = start_server(config());
    let addr = server.local_addr();
    let mut s = bind_raw(addr, "odd");
    s.write_all(&header(16, 0x0000_0099, 5)).unwrap();
    let h = expect_pdu(&mut s);
    assert_eq!(h.command_id, CommandId::GenericNack);
    assert_eq!(h.command_status, CommandStatus::ESME_RINVCMDID);
    assert_eq!(h.sequence_number, 5);
    s.write_all(&submit_pdu(6)).unwrap();
    let h = expect_pdu(&mut s);
    assert_eq!(h.command_id, CommandId::SubmitSmResp);
    assert_eq!(h.command_status, CommandStatus::ESME_ROK);
    assert_eq!(h.sequence_number, 6);
    drop(s);
    good_client_works(addr);
    settles_to(&server, 0);
}

#[test]
fn requests_beyond_the_peer_window_are_throttled() {
    let _g = serial();
    let mut cfg = config();
    cfg.session.peer_window = 4;
    let server = start_server(cfg);
    let addr = server.local_addr();
    let mut s = bind_raw(addr, "burst");
    // Twenty requests in one segment: the session sees them at once, before the handler
    // answered any.
    let burst: Vec<u8> = (10..30).flat_map(submit_pdu).collect();
    s.write_all(&burst).unwrap();
    let mut ok = 0;
    let mut throttled = 0;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..20 {
        let h = expect_pdu(&mut s);
        assert_eq!(h.command_id, CommandId::SubmitSmResp);
        assert!(seen.insert(h.sequence_number), "answered twice");
        match h.command_status {
            CommandStatus::ESME_ROK => ok += 1,
            CommandStatus::ESME_RTHROTTLED => throttled += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(ok >= 4, "ok {ok}");
    assert!(throttled >= 1, "throttled {throttled}");
    // Still usable.
    s.write_all(&submit_pdu(99)).unwrap();
    assert_eq!(expect_pdu(&mut s).command_status, CommandStatus::ESME_ROK);
    drop(s);
    good_client_works(addr);
    settles_to(&server, 0);
}

#[test]
fn a_silent_bound_session_is_closed_at_the_inactivity_timeout() {
    let _g = serial();
    let mut cfg = config();
    cfg.session.inactivity_timeout = Some(CoreDuration::from_millis(400));
    let server = start_server(cfg);
    let addr = server.local_addr();
    let started = Instant::now();
    let mut s = bind_raw(addr, "idle");
    let h = expect_pdu(&mut s);
    assert_eq!(h.command_id, CommandId::Unbind);
    expect_closed(&mut s, 0);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(350), "{took:?}");
    assert!(took < Duration::from_millis(2500), "{took:?}");
    good_client_works(addr);
    settles_to(&server, 0);
}

#[test]
fn a_peer_that_never_reads_is_closed_and_released() {
    let _g = serial();
    let mut cfg = config();
    cfg.session.inactivity_timeout = Some(CoreDuration::from_millis(1000));
    cfg.session.max_transmit_buffer = 16 * 1024;
    let server = start_server(cfg);
    let addr = server.local_addr();
    let events = server.events();
    // Binds, then floods enquire_link (answered by the session itself) and never reads the
    // answers. Once its output backs up, the server stops reading; the flood stalls; the
    // inactivity timeout closes the session; and the connection is released although its
    // last write can never complete (the socket is shut down under it).
    let mut s = bind_raw(addr, "flood");
    s.set_write_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let chunk: Vec<u8> = (1..=4096)
        .flat_map(|i| header(16, 0x0000_0015, i))
        .collect();
    let started = Instant::now();
    let mut sent = 0usize;
    // Stalled: a write made no progress for the whole write timeout because the server
    // stopped reading (its output to us backed up). A server that kept reading would let
    // the flood run the whole 8 s (no inactivity timeout while input arrives); a write
    // failing otherwise (the connection reset under it) is not that backpressure either.
    let mut stalled = false;
    let mut ended_by = None;
    while started.elapsed() < Duration::from_secs(8) {
        match s.write(&chunk) {
            Ok(n) => sent += n,
            Err(e) => {
                stalled = matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                );
                ended_by = Some(e);
                break;
            }
        }
    }
    let flood = started.elapsed();
    // On a loaded machine the kernel's buffers may still be taking the flood when the
    // inactivity timeout closes the session: the write then fails with a reset instead of
    // stalling. That is the same backpressure (input stopped being read, so nothing reset
    // the timer), told apart from a close for overflow by the server's reason.
    let reason = (!stalled).then(|| {
        let mut reason = None;
        wait_for(Duration::from_secs(6), || {
            while let Ok(ev) = events.try_recv() {
                if let ServerEvent::Closed { reason: r, .. } = ev {
                    reason = Some(r);
                }
            }
            reason.is_some()
        });
        reason
    });
    assert!(
        stalled || reason == Some(Some(CloseReason::InactivityTimeout)),
        "the flood did not stall: {sent} octets in {flood:?}, ended by {ended_by:?}, server \
         close reason {reason:?} (None: the server kept reading for 8 s; a broken pipe or a \
         reset without an inactivity timeout: the server closed the connection instead of \
         ceasing to read)"
    );
    assert!(wait_for(Duration::from_secs(6), || server
        .connection_count()
        == 0));
    let released = started.elapsed() - flood;
    eprintln!(
        "never-reading peer: {sent} octets in {flood:?} (stalled: {stalled}), connection \
         released {released:?} later"
    );
    drop(s);
    good_client_works(addr);
    settles_to(&server, 0);
}

#[test]
fn connections_beyond_max_connections_are_closed_at_once() {
    let _g = serial();
    let mut cfg = config();
    cfg.max_connections = 3;
    let server = start_server(cfg);
    let addr = server.local_addr();
    let mut bound = bind_raw(addr, "first");
    let idle: Vec<TcpStream> = (0..2).map(|_| raw(addr)).collect();
    assert!(wait_for(T, || server.connection_count() == 3));
    for _ in 0..5 {
        let started = Instant::now();
        let mut extra = raw(addr);
        let _ = extra.write_all(&bind_pdu(1, "extra", PASSWORD));
        expect_closed(&mut extra, 0);
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    assert_eq!(server.connection_count(), 3);
    // The connections that were there still work.
    bound.write_all(&submit_pdu(2)).unwrap();
    assert_eq!(
        expect_pdu(&mut bound).command_status,
        CommandStatus::ESME_ROK
    );
    // Room again once one leaves.
    drop(idle);
    assert!(wait_for(T, || server.connection_count() == 1));
    good_client_works(addr);
    drop(bound);
    settles_to(&server, 0);
}

#[test]
fn a_bind_over_the_account_limit_is_refused_with_bindfail_and_closed() {
    let _g = serial();
    let mut cfg = config();
    cfg.limits.max_binds_per_account = Some(1);
    let server = start_server(cfg);
    let addr = server.local_addr();
    let mut first = bind_raw(addr, "acct");
    let mut second = raw(addr);
    second.write_all(&bind_pdu(1, "acct", PASSWORD)).unwrap();
    let h = expect_pdu(&mut second);
    assert_eq!(h.command_id, CommandId::BindTransceiverResp);
    assert_eq!(h.command_status, CommandStatus::ESME_RBINDFAIL);
    expect_closed(&mut second, 0);
    first.write_all(&submit_pdu(2)).unwrap();
    assert_eq!(
        expect_pdu(&mut first).command_status,
        CommandStatus::ESME_ROK
    );
    assert_eq!(server.sessions().len(), 1);
    drop(first);
    good_client_works(addr);
    settles_to(&server, 0);
}

/// Connects, binds with a wrong password, and returns how long the answer took.
fn failed_bind(addr: SocketAddr) -> Duration {
    let started = Instant::now();
    let mut s = raw(addr);
    s.write_all(&bind_pdu(1, "victim", "guess")).unwrap();
    let h = expect_pdu(&mut s);
    let took = started.elapsed();
    assert_eq!(h.command_id, CommandId::BindTransceiverResp);
    assert_eq!(h.command_status, CommandStatus::ESME_RINVPASWD);
    expect_closed(&mut s, 0);
    took
}

#[test]
fn repeated_failed_binds_from_one_address_get_delayed_answers() {
    let _g = serial();
    let mut cfg = config();
    let delay = Duration::from_millis(500);
    cfg.session.bind_timeout = CoreDuration::from_secs(5);
    cfg.failed_binds = FailedBindPolicy {
        threshold: 3,
        window: CoreDuration::from_secs(60),
        delay: delay.into(),
        max_delay: CoreDuration::from_secs(2),
        max_addresses: 100,
    };
    let server = start_server(cfg);
    let addr = server.local_addr();
    let mut times = Vec::new();
    for i in 0..3 {
        let took = failed_bind(addr);
        assert!(took < delay * 4 / 5, "failure {i} took {took:?}");
        times.push(took);
    }
    let took = failed_bind(addr);
    // The runtime's clock counts whole milliseconds: a hold-back may end up to one early.
    let took = took + Duration::from_millis(1);
    assert!(took >= delay, "4th failure took {took:?}");
    times.push(took);
    // The 5th is held back (2 × delay) while a good client from the same address binds,
    // submits and unbinds, promptly.
    let fifth = std::thread::spawn(move || {
        let took = failed_bind(addr);
        (took, Instant::now())
    });
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    good_client_works(addr);
    let good_done = Instant::now();
    let good = good_done - started;
    let (took, fifth_done) = fifth.join().unwrap();
    times.push(took);
    eprintln!("failed binds answered after {times:?}; the good client took {good:?}");
    let took = took + Duration::from_millis(1);
    assert!(took >= delay, "5th failure took {took:?}");
    assert!(took >= 2 * delay, "5th failure took {took:?}");
    assert!(
        good_done < fifth_done,
        "the good client waited for the held-back answer"
    );
    assert!(good < delay, "the good client took {good:?}");
    settles_to(&server, 0);
}

#[test]
fn passwords_stay_out_of_debug_and_traces() {
    let _g = serial();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut cfg = config();
    let l = lines.clone();
    cfg.trace = Trace::callback(move |ev| l.lock().unwrap().push(format!("{ev}")));
    let s2 = seen.clone();
    let server = smol::block_on(Server::bind(
        "127.0.0.1:0",
        cfg,
        move |req: &BindRequest| {
            s2.lock().unwrap().push(format!("{req:?}"));
            if req.password == "Zq9!xk" {
                Ok(())
            } else {
                Err(CommandStatus::ESME_RINVPASWD)
            }
        },
        handler,
    ))
    .unwrap();
    let mut c = client_config("tracer");
    c.password = "Zq9!xk".into();
    assert!(!format!("{c:?}").contains("Zq9!xk"));
    smol::block_on(async {
        let (client, _incoming) = Client::connect(server.local_addr(), c).await.unwrap();
        client.unbind().await.unwrap();
    });
    let hex: String = b"Zq9!xk".iter().map(|b| format!("{b:02x}")).collect();
    let lines = lines.lock().unwrap();
    assert!(lines.iter().any(|l| l.contains("bind_transceiver")));
    for l in lines.iter().chain(seen.lock().unwrap().iter()) {
        assert!(!l.contains("Zq9!xk") && !l.contains(&hex), "{l}");
    }
    assert_eq!(format!("{:?}", Password::new("Zq9!xk")), "***");
    assert!(Password::new("Zq9!xk").matches("Zq9!xk"));
    assert!(Password::new("Zq9!xk") != "Zq9!xK");
}

// ----- a thousand in a row ----------------------------------------------------------------------

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// One hostile connection of kind `i`, checked.
fn hostile(addr: SocketAddr, i: usize) {
    let mut s = raw(addr);
    match i % 10 {
        0 => {
            // Garbage.
            let _ = s.write_all(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage garbage");
            if let Some((h, _)) = next_pdu(&mut s) {
                assert_eq!(h.command_id, CommandId::GenericNack);
                expect_closed(&mut s, 0);
            }
        }
        1 => {
            // 4 GiB announced.
            s.write_all(&header(0xFFFF_FFFF, 4, 1)).unwrap();
            let h = expect_pdu(&mut s);
            assert_eq!(h.command_status, CommandStatus::ESME_RINVCMDLEN);
            expect_closed(&mut s, 0);
        }
        2 => {
            // submit_sm unbound, then leave.
            s.write_all(&submit_pdu(1)).unwrap();
            assert_eq!(
                expect_pdu(&mut s).command_status,
                CommandStatus::ESME_RINVBNDSTS
            );
        }
        3 => {
            // Bind, an unknown command, a submit, leave without unbinding.
            s.write_all(&bind_pdu(1, "h", PASSWORD)).unwrap();
            assert_eq!(expect_pdu(&mut s).command_status, CommandStatus::ESME_ROK);
            s.write_all(&header(16, 0x0000_0777, 2)).unwrap();
            s.write_all(&submit_pdu(3)).unwrap();
            assert_eq!(
                expect_pdu(&mut s).command_status,
                CommandStatus::ESME_RINVCMDID
            );
            assert_eq!(expect_pdu(&mut s).command_status, CommandStatus::ESME_ROK);
        }
        4 => {
            // Bind twice.
            // Both in one segment: the second may be refused before the first is answered.
            let mut both = bind_pdu(1, "h", PASSWORD);
            both.extend(bind_pdu(2, "h", PASSWORD));
            s.write_all(&both).unwrap();
            let mut answers = [expect_pdu(&mut s), expect_pdu(&mut s)];
            answers.sort_by_key(|h| h.sequence_number);
            assert_eq!(answers[0].command_status, CommandStatus::ESME_ROK);
            assert_eq!(answers[1].command_status, CommandStatus::ESME_RALYBND);
        }
        5 => {
            // Wrong password.
            s.write_all(&bind_pdu(1, "h", "nope")).unwrap();
            assert_eq!(
                expect_pdu(&mut s).command_status,
                CommandStatus::ESME_RINVPASWD
            );
            expect_closed(&mut s, 0);
        }
        6 => {
            // Connect and vanish.
        }
        7 => {
            // Half a header, then vanish.
            s.write_all(&bind_pdu(1, "h", PASSWORD)[..7]).unwrap();
        }
        8 => {
            // Too long for max_pdu_len, body streaming in.
            s.write_all(&header(5000, 4, 1)).unwrap();
            let _ = s.write_all(&[0x41; 1000]);
            let h = expect_pdu(&mut s);
            assert_eq!(h.command_status, CommandStatus::ESME_RINVCMDLEN);
            expect_closed(&mut s, 0);
        }
        _ => {
            if i % 100 == 9 {
                // Silent until the bind timeout.
                expect_closed(&mut s, 0);
            } else {
                // Binds, then a truncated PDU, then vanishes.
                s.write_all(&bind_pdu(1, "h", PASSWORD)).unwrap();
                assert_eq!(expect_pdu(&mut s).command_status, CommandStatus::ESME_ROK);
                s.write_all(&submit_pdu(2)[..30]).unwrap();
            }
        }
    }
}

#[test]
fn a_thousand_hostile_connections_leave_the_server_as_it_was() {
    let _g = serial();
    let mut cfg = config();
    cfg.session.bind_timeout = CoreDuration::from_millis(300);
    cfg.max_connections = 64;
    cfg.failed_binds = FailedBindPolicy {
        threshold: 3,
        window: CoreDuration::from_secs(60),
        delay: CoreDuration::from_millis(2),
        max_delay: CoreDuration::from_millis(10),
        max_addresses: 100,
    };
    let server = start_server(cfg);
    let addr = server.local_addr();
    // A good client stays bound throughout.
    let (steady, _incoming) =
        smol::block_on(Client::connect(addr, client_config("steady"))).unwrap();
    // Warm-up (thread stacks, allocator arenas, the failed-bind table).
    for i in 0..100 {
        hostile(addr, i);
    }
    settles_to(&server, 1);
    let before = rss_kib();
    let started = Instant::now();
    const THREADS: usize = 4;
    const EACH: usize = 250;
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            scope.spawn(move || {
                for j in 0..EACH {
                    hostile(addr, t * EACH + j);
                }
            });
        }
        for round in 0..10 {
            std::thread::sleep(Duration::from_millis(150));
            let r = smol::block_on(steady.send(&submit(b"steady"))).expect("steady submit");
            assert_eq!(r.status(), CommandStatus::ESME_ROK, "round {round}");
        }
    });
    let took = started.elapsed();
    good_client_works(addr);
    settles_to(&server, 1);
    let after = rss_kib();
    let growth = after.saturating_sub(before);
    eprintln!(
        "smol: 1000 hostile connections in {took:?}; VmRSS {before} kB -> {after} kB \
         (growth {growth} kB)"
    );
    assert!(growth < 32 * 1024, "RSS grew by {growth} kB");
    let r = smol::block_on(steady.send(&submit(b"after"))).unwrap();
    assert_eq!(r.status(), CommandStatus::ESME_ROK);
    smol::block_on(steady.unbind()).unwrap();
    settles_to(&server, 0);
}
