//! The client's threads end with it: after `unbind`, after the last handle is dropped, and
//! after a reconnect. One test alone in its binary, so that no other client's threads are
//! counted.
#![cfg(target_os = "linux")]

mod support;

use smpp_blocking::core::pdu::{BindResp, Body, CommandId, Header, Pdu};
use smpp_blocking::core::reconnect::ReconnectPolicy;
use smpp_blocking::core::session::BindType;
use smpp_blocking::{Client, LinkState};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;
use support::*;

const T: Duration = Duration::from_secs(5);

/// The names of this process's threads that the client started.
fn client_threads() -> Vec<String> {
    let mut names = Vec::new();
    for t in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        if let Ok(name) = std::fs::read_to_string(t.path().join("comm")) {
            if name.starts_with("smpp-") {
                names.push(name.trim().to_string());
            }
        }
    }
    names.sort();
    names
}

/// A raw SMSC on one connection: answers the bind and unbinds, reads until the end; with
/// `vanish`, closes right after the bind.
fn serve(mut s: TcpStream, vanish: bool) {
    let read = |s: &mut TcpStream| -> Option<Vec<u8>> {
        let mut len = [0u8; 4];
        s.read_exact(&mut len).ok()?;
        let mut pdu = vec![0u8; u32::from_be_bytes(len) as usize];
        pdu[..4].copy_from_slice(&len);
        s.read_exact(&mut pdu[4..]).ok()?;
        Some(pdu)
    };
    let write = |s: &mut TcpStream, pdu: Pdu<'_>| {
        let mut buf = vec![0u8; pdu.encoded_len()];
        pdu.encode(&mut buf).unwrap();
        let _ = s.write_all(&buf);
    };
    while let Some(p) = read(&mut s) {
        let h = Header::parse(&p).unwrap();
        match h.command_id {
            CommandId::BindTransceiver => {
                let resp = Body::BindTransceiverResp(BindResp {
                    system_id: b"raw",
                    ..BindResp::EMPTY
                });
                write(&mut s, Pdu::new(h.sequence_number, resp));
                if vanish {
                    return;
                }
            }
            CommandId::Unbind => write(&mut s, Pdu::new(h.sequence_number, Body::UnbindResp)),
            _ => {}
        }
    }
}

#[test]
fn the_clients_threads_end_with_it() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // The first three connections stay; the fourth vanishes after its bind; the rest stay.
    std::thread::Builder::new()
        .name("peer-accept".into())
        .spawn(move || {
            for (i, s) in listener.incoming().enumerate() {
                let s = s.unwrap();
                std::thread::Builder::new()
                    .name("peer".into())
                    .spawn(move || serve(s, i == 3))
                    .unwrap();
            }
        })
        .unwrap();
    assert_eq!(client_threads(), Vec::<String>::new());
    let bound = ["smpp-read", "smpp-timer", "smpp-write"];

    // Unbind.
    let (client, _incoming) = Client::connect(addr, client_config("user")).unwrap();
    // A new thread names itself once it runs: wait for the names, not only the threads.
    assert!(
        wait_for(T, || client_threads() == bound),
        "{:?}",
        client_threads()
    );
    client.unbind().unwrap();
    assert!(
        wait_for(T, || client_threads().is_empty()),
        "{:?}",
        client_threads()
    );

    // The last handle dropped (unbinds in the background).
    let (client, incoming) = Client::connect(addr, client_config("user")).unwrap();
    let clone = client.clone();
    drop(client);
    // A new thread names itself once it runs: wait for the names, not only the threads.
    assert!(
        wait_for(T, || client_threads() == bound),
        "{:?}",
        client_threads()
    );
    drop(clone);
    assert!(incoming.recv_timeout(T).is_err());
    assert!(
        wait_for(T, || client_threads().is_empty()),
        "{:?}",
        client_threads()
    );

    // Abort.
    let (client, _incoming) = Client::connect(addr, client_config("user")).unwrap();
    client.abort();
    assert!(
        wait_for(T, || client_threads().is_empty()),
        "{:?}",
        client_threads()
    );
    drop(client);

    // A reconnect: the lost connection's threads end, the new one's start.
    let mut cfg = client_config("user");
    cfg.reconnect = Some(ReconnectPolicy {
        initial_delay: smpp_blocking::core::Duration::from_millis(20),
        max_delay: smpp_blocking::core::Duration::from_millis(50),
        multiplier: 2,
        jitter: false,
        max_attempts: None,
    });
    let (client, _incoming) = Client::connect(addr, cfg).unwrap();
    let states = client.state_changes();
    loop {
        match states.recv_timeout(T).unwrap() {
            LinkState::Bound(BindType::Transceiver) => break,
            LinkState::Closed(r) => panic!("closed: {r:?}"),
            _ => {}
        }
    }
    assert!(
        wait_for(T, || client_threads() == bound),
        "{:?}",
        client_threads()
    );
    assert!(client.send(&submit(b"x")).is_err()); // the raw peer answers no submit
    client.unbind().unwrap();
    assert!(
        wait_for(T, || client_threads().is_empty()),
        "{:?}",
        client_threads()
    );
}
