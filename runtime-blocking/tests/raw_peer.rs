//! The client against hand-driven raw peers, and over user-supplied streams.

mod support;

use smpp_blocking::core::pdu::{
    Bind, BindResp, Body, CommandId, CommandStatus, Header, MessageIdResp, Outbind, Pdu, TlvValue,
};
use smpp_blocking::core::session::{BindType, CloseReason};
use smpp_blocking::{Client, Error, LinkState};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;
use support::*;

const T: Duration = Duration::from_secs(3);

#[test]
fn a_peer_that_disappears_mid_window_fails_every_pending_ticket() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (submitted, all_submitted) = std::sync::mpsc::channel::<()>();
    let peer = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let bind = read_pdu(&mut s).unwrap();
        let h = Header::parse(&bind).unwrap();
        assert_eq!(h.command_id, CommandId::BindTransceiver);
        let resp = Body::BindTransceiverResp(BindResp {
            system_id: b"raw",
            ..BindResp::EMPTY
        });
        write_pdu(&mut s, &Pdu::new(h.sequence_number, resp));
        // Read a few submits, answer none, vanish.
        for _ in 0..3 {
            let p = read_pdu(&mut s).unwrap();
            assert_eq!(Header::parse(&p).unwrap().command_id, CommandId::SubmitSm);
        }
        all_submitted.recv().unwrap();
        drop(s);
    });
    let mut cfg = client_config("user");
    cfg.session.window = 10;
    cfg.session.response_timeout = smpp_blocking::core::Duration::from_secs(10);
    let (client, incoming) = Client::connect(addr, cfg).unwrap();
    let tickets: Vec<_> = (0..10)
        .map(|i| client.submit(&submit(format!("{i}").as_bytes())).unwrap())
        .collect();
    submitted.send(()).unwrap();
    peer.join().unwrap();
    for t in tickets {
        match t.wait_timeout(T) {
            Some(Err(Error::ConnectionLost(r))) => {
                assert!(
                    matches!(r, CloseReason::PeerClosed | CloseReason::UnexpectedEof),
                    "{r:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
    // The link state follows right after the tickets fail.
    assert!(wait_for(T, || client.state()
        == LinkState::Closed(Some(CloseReason::PeerClosed))));
    assert!(incoming.recv().is_none());
    match client.send(&submit(b"x")) {
        Err(Error::ConnectionLost(CloseReason::PeerClosed)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_peer_that_never_answers_the_bind() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let _bind = read_pdu(&mut s).unwrap();
        std::thread::sleep(Duration::from_millis(600));
    });
    let mut cfg = client_config("user");
    cfg.session.bind_timeout = smpp_blocking::core::Duration::from_millis(200);
    match Client::connect(addr, cfg) {
        Err(Error::BindFailed(None)) => {}
        other => panic!("{other:?}"),
    }
    peer.join().unwrap();
}

#[test]
fn connect_refused_is_an_io_error() {
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    match Client::connect(addr, client_config("user")) {
        Err(Error::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused),
        other => panic!("{other:?}"),
    }
}

#[test]
fn outbind_then_bind_receiver() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let smsc = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        let outbind = Body::Outbind(Outbind {
            system_id: b"smsc",
            password: b"pw",
        });
        write_pdu(&mut s, &Pdu::new(1, outbind));
        let bind = read_pdu(&mut s).unwrap();
        let pdu = Pdu::parse(&bind).unwrap();
        let Body::BindReceiver(b) = pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(b.system_id, b"user");
        assert_eq!(b.password, PASSWORD.as_bytes());
        let resp = Body::BindReceiverResp(BindResp {
            system_id: b"smsc",
            ..BindResp::EMPTY
        });
        write_pdu(&mut s, &Pdu::new(pdu.sequence_number, resp));
        write_pdu(&mut s, &Pdu::new(2, deliver(b"over outbind")));
        let answer = read_pdu(&mut s).unwrap();
        let h = Header::parse(&answer).unwrap();
        assert_eq!(h.command_id, CommandId::DeliverSmResp);
        assert_eq!(h.sequence_number, 2);
        h.command_status
    });
    let (client, incoming) = Client::accept_outbind(&listener, client_config("user")).unwrap();
    assert_eq!(client.state(), LinkState::Bound(BindType::Receiver));
    let req = incoming.recv_timeout(T).unwrap();
    assert_eq!(text_of(&req.frame), b"over outbind");
    req.respond(
        CommandStatus::ESME_ROK,
        &Body::DeliverSmResp(MessageIdResp::EMPTY),
    )
    .unwrap();
    assert_eq!(smsc.join().unwrap(), CommandStatus::ESME_ROK);
}

#[test]
fn outbind_that_never_comes_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut cfg = client_config("user");
    cfg.connect_timeout = Duration::from_millis(200);
    match Client::accept_outbind(&listener, cfg) {
        Err(Error::ConnectTimeout) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn bind_over_a_user_supplied_stream() {
    let server = start_server(server_config());
    let stream = TcpStream::connect(server.local_addr()).unwrap();
    let (client, _incoming) = Client::bind_stream(stream, client_config("user")).unwrap();
    let r = client.send(&submit(b"over my stream")).unwrap();
    assert_eq!(r.status(), CommandStatus::ESME_ROK);
    client.unbind().unwrap();
}

#[test]
fn raw_bind_gets_a_bind_resp_with_the_interface_version() {
    let mut sc = server_config();
    sc.system_id = "test-smsc".into();
    let server = start_server(sc);
    let mut s = TcpStream::connect(server.local_addr()).unwrap();
    let bind = Bind::new("user", PASSWORD);
    write_pdu(&mut s, &Pdu::new(7, Body::BindTransmitter(bind)));
    let resp = read_pdu(&mut s).unwrap();
    let pdu = Pdu::parse(&resp).unwrap();
    assert_eq!(pdu.sequence_number, 7);
    assert_eq!(pdu.command_status, CommandStatus::ESME_ROK);
    let Body::BindTransmitterResp(r) = pdu.body else {
        panic!("{pdu:?}")
    };
    assert_eq!(r.system_id, b"test-smsc");
    let version = r
        .tlvs
        .get(smpp_blocking::core::pdu::TlvTag::SC_INTERFACE_VERSION);
    assert!(
        matches!(
            version,
            Some(TlvValue::U8(0x34)) | Some(TlvValue::Octets([0x34]))
        ),
        "{version:?}"
    );
    // Once bound, a submit is answered by the handler.
    write_pdu(&mut s, &Pdu::new(8, submit(b"raw")));
    let resp = read_pdu(&mut s).unwrap();
    let pdu = Pdu::parse(&resp).unwrap();
    assert_eq!(pdu.sequence_number, 8);
    let Body::SubmitSmResp(r) = pdu.body else {
        panic!("{pdu:?}")
    };
    assert_eq!(r.message_id, b"m8");
}
