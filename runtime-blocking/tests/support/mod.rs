//! Shared helpers for the integration tests: fast configs, a test server, PDU builders.
#![allow(dead_code)]

use smpp_blocking::core::pdu::{Address, Body, DeliverSm, SubmitSm};
use smpp_blocking::core::{CommandStatus, Frame};
use smpp_blocking::{BindRequest, ClientConfig, Reply, RequestContext, Server, ServerConfig};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "secret";

/// A client config with short timers.
pub fn client_config(system_id: &str) -> ClientConfig {
    let mut c = ClientConfig::new(system_id, PASSWORD);
    c.session.response_timeout = smpp_blocking::core::Duration::from_millis(500);
    c.session.bind_timeout = smpp_blocking::core::Duration::from_millis(2000);
    c.session.enquire_link_interval = None;
    c.session.unbind_timeout = smpp_blocking::core::Duration::from_millis(500);
    c.session.drain_timeout = smpp_blocking::core::Duration::from_millis(500);
    c.connect_timeout = Duration::from_secs(2);
    c
}

/// A server config with short timers.
pub fn server_config() -> ServerConfig {
    let mut c = ServerConfig::default();
    c.session.response_timeout = smpp_blocking::core::Duration::from_millis(500);
    c.session.bind_timeout = smpp_blocking::core::Duration::from_millis(2000);
    c.session.enquire_link_interval = None;
    c.session.inactivity_timeout = None;
    c.session.unbind_timeout = smpp_blocking::core::Duration::from_millis(500);
    c.session.drain_timeout = smpp_blocking::core::Duration::from_millis(500);
    c.delivery.initial_backoff = smpp_blocking::core::Duration::from_millis(50);
    c.delivery.max_backoff = smpp_blocking::core::Duration::from_millis(200);
    c
}

/// Accepts any account whose password is [`PASSWORD`].
pub fn auth(req: &BindRequest) -> Result<(), CommandStatus> {
    if req.password == PASSWORD {
        Ok(())
    } else {
        Err(CommandStatus::ESME_RINVPASWD)
    }
}

/// Answers every request with message id `m{sequence_number}`.
pub fn handler(_ctx: &RequestContext, req: &Frame) -> Reply {
    Reply::ok_message_id(&format!("m{}", req.sequence_number()))
}

/// A server on 127.0.0.1, any port, with [`auth`] and [`handler`].
pub fn start_server(config: ServerConfig) -> Server {
    Server::bind("127.0.0.1:0", config, auth, handler).expect("server")
}

pub fn submit(text: &[u8]) -> Body<'_> {
    Body::SubmitSm(SubmitSm {
        source: Address::alphanumeric("Test"),
        destination: Address::international("447700900123"),
        short_message: text,
        ..Default::default()
    })
}

pub fn deliver(text: &[u8]) -> Body<'_> {
    Body::DeliverSm(DeliverSm {
        source: Address::international("447700900123"),
        destination: Address::international("447700900999"),
        short_message: text,
        ..Default::default()
    })
}

/// The short message of a submit_sm / deliver_sm frame.
pub fn text_of(frame: &Frame) -> Vec<u8> {
    match frame.pdu().expect("pdu").body {
        Body::SubmitSm(m) | Body::DeliverSm(m) => m.short_message.to_vec(),
        other => panic!("not a message: {other:?}"),
    }
}

/// Polls `f` until it holds or `timeout` passes.
pub fn wait_for(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
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

/// Reads one whole PDU from a raw stream.
pub fn read_pdu(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len)?;
    let n = u32::from_be_bytes(len) as usize;
    let mut pdu = vec![0u8; n];
    pdu[..4].copy_from_slice(&len);
    s.read_exact(&mut pdu[4..])?;
    Ok(pdu)
}

/// Encodes and writes one PDU to a raw stream.
pub fn write_pdu(s: &mut TcpStream, pdu: &smpp_blocking::core::Pdu<'_>) {
    let mut buf = vec![0u8; pdu.encoded_len()];
    pdu.encode(&mut buf).expect("encode");
    s.write_all(&buf).expect("write");
}
