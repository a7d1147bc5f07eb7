//! The client's pump over the ESME endpoint: abort, callbacks, peer address, user streams,
//! requests of the SMSC answered or refused.

mod support;

use smpp_blocking::core::pdu::{
    Address, AlertNotification, BindResp, Body, CommandId, CommandStatus, Header, Pdu,
};
use smpp_blocking::core::session::{CloseReason, SessionError};
use smpp_blocking::{Client, Error, LinkState};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;
use support::*;

const T: Duration = Duration::from_secs(3);

fn read_raw(s: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len)?;
    let n = u32::from_be_bytes(len) as usize;
    let mut pdu = vec![0u8; n];
    pdu[..4].copy_from_slice(&len);
    s.read_exact(&mut pdu[4..])?;
    Ok(pdu)
}

fn write_raw(s: &mut impl Write, pdu: &Pdu<'_>) {
    let mut buf = vec![0u8; pdu.encoded_len()];
    pdu.encode(&mut buf).expect("encode");
    s.write_all(&buf).expect("write");
}

/// Answers the bind on `s` (any bind type) and returns its sequence number.
fn accept_bind(s: &mut (impl Read + Write)) -> u32 {
    let bind = read_raw(s).unwrap();
    let h = Header::parse(&bind).unwrap();
    let resp = BindResp {
        system_id: b"raw",
        ..BindResp::EMPTY
    };
    let body = match h.command_id {
        CommandId::BindTransceiver => Body::BindTransceiverResp(resp),
        CommandId::BindReceiver => Body::BindReceiverResp(resp),
        CommandId::BindTransmitter => Body::BindTransmitterResp(resp),
        other => panic!("{other:?}"),
    };
    write_raw(s, &Pdu::new(h.sequence_number, body));
    h.sequence_number
}

#[test]
fn abort_fails_every_outstanding_request_and_closes_for_good() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        accept_bind(&mut s);
        // Read what comes, answer nothing, until the client goes.
        while read_raw(&mut s).is_ok() {}
    });
    let mut cfg = client_config("user");
    cfg.session.response_timeout = smpp_blocking::core::Duration::from_secs(10);
    let (client, incoming) = Client::connect(addr, cfg).unwrap();
    assert_eq!(client.peer_addr(), Some(addr));
    let tickets: Vec<_> = (0..3)
        .map(|i| client.submit(&submit(format!("{i}").as_bytes())).unwrap())
        .collect();
    let (tx, rx) = std::sync::mpsc::channel();
    let seq = client
        .submit_with(&submit(b"cb"), move |r| tx.send(r).unwrap())
        .unwrap();
    assert!(tickets.iter().all(|t| t.sequence_number() < seq));
    let states = client.state_changes();
    client.abort();
    for t in tickets {
        match t.wait_timeout(T) {
            Some(Err(Error::ConnectionLost(CloseReason::Aborted))) => {}
            other => panic!("{other:?}"),
        }
    }
    match rx.recv_timeout(T).unwrap() {
        Err(Error::ConnectionLost(CloseReason::Aborted)) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        states.recv_timeout(T).unwrap(),
        LinkState::Closed(Some(CloseReason::Aborted))
    );
    assert!(states.recv_timeout(T).is_err(), "the state channel ends");
    assert_eq!(
        client.state(),
        LinkState::Closed(Some(CloseReason::Aborted))
    );
    assert_eq!(client.peer_addr(), None);
    assert!(incoming.recv().is_none());
    assert!(matches!(client.send(&submit(b"x")), Err(Error::Closed)));
    assert!(client.unbind().is_ok());
    peer.join().unwrap();
}

#[test]
fn a_full_window_fails_try_send_and_times_out_a_waiting_send() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        accept_bind(&mut s);
        while read_raw(&mut s).is_ok() {}
    });
    let mut cfg = client_config("user");
    cfg.session.window = 2;
    cfg.session.response_timeout = smpp_blocking::core::Duration::from_millis(300);
    let (client, _incoming) = Client::connect(addr, cfg).unwrap();
    let a = client.submit(&submit(b"a")).unwrap();
    let b = client.submit(&submit(b"b")).unwrap();
    match client.try_send(&submit(b"c")) {
        Err(Error::Session(SessionError::WindowFull { window: 2 })) => {}
        other => panic!("{other:?}"),
    }
    // A blocking send waits for a slot, up to the response timeout (the first two time
    // out about then: it either goes out and times out too, or gives up waiting).
    let start = std::time::Instant::now();
    match client.send(&submit(b"d")) {
        Err(Error::Timeout) => {}
        other => panic!("{other:?}"),
    }
    assert!(
        start.elapsed() >= Duration::from_millis(250),
        "{:?}",
        start.elapsed()
    );
    assert!(matches!(a.wait(), Err(Error::Timeout)));
    assert!(matches!(b.wait(), Err(Error::Timeout)));
    assert!(client.counters().response_timeouts >= 2);
    client.abort();
    peer.join().unwrap();
}

#[cfg(unix)]
#[test]
fn bind_stream_over_a_unix_socket_answers_and_refuses_the_smscs_requests() {
    use std::os::unix::net::UnixStream;
    let (ours, mut theirs) = UnixStream::pair().unwrap();
    let peer = std::thread::spawn(move || {
        accept_bind(&mut theirs);
        write_raw(&mut theirs, &Pdu::new(5, deliver(b"dropped")));
        write_raw(&mut theirs, &Pdu::new(6, deliver(b"answered")));
        let alert = Body::AlertNotification(AlertNotification {
            source: Address::international("447700900123"),
            esme: Address::international("447700900999"),
            ..Default::default()
        });
        write_raw(&mut theirs, &Pdu::new(7, alert));
        write_raw(&mut theirs, &Pdu::new(8, Body::EnquireLink));
        let mut answers = Vec::new();
        for _ in 0..3 {
            let p = read_raw(&mut theirs).unwrap();
            let h = Header::parse(&p).unwrap();
            answers.push((h.sequence_number, h.command_id, h.command_status));
        }
        answers.sort_by_key(|a| a.0);
        write_raw(&mut theirs, &Pdu::new(9, Body::Unbind));
        let p = read_raw(&mut theirs).unwrap();
        let h = Header::parse(&p).unwrap();
        assert_eq!(
            (h.sequence_number, h.command_id),
            (9, CommandId::UnbindResp)
        );
        answers
    });
    let (client, incoming) = Client::bind_stream(ours, client_config("user")).unwrap();
    assert_eq!(client.peer_addr(), None);
    let first = incoming.recv_timeout(T).unwrap();
    assert_eq!(text_of(&first.frame), b"dropped");
    drop(first);
    let second = incoming.recv_timeout(T).unwrap();
    assert_eq!(text_of(&second.frame), b"answered");
    assert!(second.needs_response());
    let alert = incoming.recv_timeout(T).unwrap();
    assert_eq!(alert.frame.command_id(), CommandId::AlertNotification);
    assert!(!alert.needs_response());
    alert.respond_ok().unwrap();
    second.respond_ok().unwrap();
    let answers = peer.join().unwrap();
    assert_eq!(
        answers,
        [
            (5, CommandId::DeliverSmResp, CommandStatus::ESME_RX_T_APPN),
            (6, CommandId::DeliverSmResp, CommandStatus::ESME_ROK),
            (8, CommandId::EnquireLinkResp, CommandStatus::ESME_ROK),
        ]
    );
    assert!(wait_for(T, || client.state()
        == LinkState::Closed(Some(CloseReason::PeerUnbound))));
    assert!(incoming.recv().is_none());
    match client.send(&submit(b"x")) {
        Err(Error::ConnectionLost(CloseReason::PeerUnbound)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_answer_after_the_link_is_gone_is_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        accept_bind(&mut s);
        write_raw(&mut s, &Pdu::new(3, deliver(b"late")));
        // Vanish without waiting for the answer.
    });
    let (client, incoming) = Client::connect(addr, client_config("user")).unwrap();
    let req = incoming.recv_timeout(T).unwrap();
    peer.join().unwrap();
    assert!(wait_for(T, || matches!(
        client.state(),
        LinkState::Closed(_)
    )));
    match req.respond_ok() {
        Err(Error::ConnectionLost(CloseReason::PeerClosed)) => {}
        other => panic!("{other:?}"),
    }
    assert!(incoming.recv().is_none());
}
