//! Helpers shared by the integration tests: short timeouts, a test server, bodies.
#![allow(dead_code)]

use smpp_smol::core::pdu::{Address, Body, DeliverSm, EsmClass, SubmitSm};
use smpp_smol::core::session::{SessionConfig, SessionError};
use smpp_smol::core::{CommandStatus, Duration as CoreDuration, Frame};
use smpp_smol::{
    BindRequest, Client, ClientConfig, Error, Incoming, Reply, RequestContext, Server, ServerConfig,
};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

pub const PASSWORD: &str = "secret";

/// Runs a test body on smol, failing it if it takes longer than `secs` seconds.
pub fn run_for<F: Future<Output = ()>>(secs: u64, f: F) {
    smol::block_on(futures_lite::future::or(f, async move {
        async_io::Timer::after(Duration::from_secs(secs)).await;
        panic!("test did not finish within {secs} s");
    }))
}

/// Runs a test body with a 20 s bound.
pub fn run<F: Future<Output = ()>>(f: F) {
    run_for(20, f)
}

/// Waits for `cond` to hold, polling every 10 ms, up to `secs` seconds.
pub async fn eventually(secs: u64, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "condition not reached in {secs} s"
        );
        async_io::Timer::after(Duration::from_millis(10)).await;
    }
}

/// Receives one item or panics after `secs` seconds.
pub async fn recv_within<T>(rx: &smol::channel::Receiver<T>, secs: u64) -> T {
    futures_lite::future::or(async { rx.recv().await.expect("channel closed") }, async {
        async_io::Timer::after(Duration::from_secs(secs)).await;
        panic!("nothing received within {secs} s");
    })
    .await
}

/// Receives one incoming request or panics after `secs` seconds.
pub async fn recv_request_within(
    rx: &smpp_smol::Incoming,
    secs: u64,
) -> smpp_smol::IncomingRequest {
    futures_lite::future::or(async { rx.recv().await.expect("incoming closed") }, async {
        async_io::Timer::after(Duration::from_secs(secs)).await;
        panic!("no request received within {secs} s");
    })
    .await
}

pub fn esme_session() -> SessionConfig {
    let mut s = SessionConfig::esme();
    s.bind_timeout = CoreDuration::from_secs(3);
    s.response_timeout = CoreDuration::from_secs(5);
    s.enquire_link_interval = None;
    s.unbind_timeout = CoreDuration::from_secs(2);
    s.drain_timeout = CoreDuration::from_secs(2);
    s
}

pub fn esme(system_id: &str) -> ClientConfig {
    let mut c = ClientConfig::new(system_id, PASSWORD);
    c.session = esme_session();
    c.connect_timeout = Duration::from_secs(2);
    c
}

pub fn smsc() -> ServerConfig {
    let mut c = ServerConfig::default();
    c.session.bind_timeout = CoreDuration::from_secs(3);
    c.session.response_timeout = CoreDuration::from_secs(5);
    c.session.enquire_link_interval = None;
    c.session.inactivity_timeout = None;
    c.session.unbind_timeout = CoreDuration::from_secs(2);
    c.session.drain_timeout = CoreDuration::from_secs(2);
    c
}

/// Accepts `PASSWORD` for any account.
pub fn auth(req: &BindRequest) -> Result<(), CommandStatus> {
    if req.password.as_str() == PASSWORD {
        Ok(())
    } else {
        Err(CommandStatus::ESME_RINVPASWD)
    }
}

/// Answers every request with the message id `id-{sequence number}`.
pub fn handler(_ctx: &RequestContext, req: &Frame) -> Reply {
    Reply::ok_message_id(&format!("id-{}", req.sequence_number()))
}

pub async fn server_with(config: ServerConfig) -> Server {
    Server::bind("127.0.0.1:0", config, auth, handler)
        .await
        .expect("server")
}

pub async fn server() -> Server {
    server_with(smsc()).await
}

pub async fn connect(addr: SocketAddr, config: ClientConfig) -> (Client, Incoming) {
    Client::connect(addr, config).await.expect("connect")
}

pub fn submit(text: &'static str) -> Body<'static> {
    Body::SubmitSm(SubmitSm {
        source: Address::alphanumeric("Test"),
        destination: Address::international("447700900123"),
        short_message: text.as_bytes(),
        ..Default::default()
    })
}

pub fn deliver(text: &str) -> Body<'_> {
    Body::DeliverSm(DeliverSm {
        source: Address::international("447700900123"),
        destination: Address::alphanumeric("Test"),
        esm_class: EsmClass(0x04),
        short_message: text.as_bytes(),
        ..Default::default()
    })
}

/// The short_message of a deliver_sm / submit_sm frame.
pub fn text_of(frame: &Frame) -> String {
    match frame.pdu().expect("parse").body {
        Body::DeliverSm(m) | Body::SubmitSm(m) => String::from_utf8_lossy(m.short_message).into(),
        other => panic!("not a message: {other:?}"),
    }
}

pub fn is_invalid_state(e: &Error) -> bool {
    matches!(e, Error::Session(SessionError::InvalidState { .. }))
}

/// Reads one whole PDU from a raw stream.
pub async fn read_pdu(stream: &mut smol::net::TcpStream) -> Frame {
    use futures_lite::AsyncReadExt;
    let mut header = [0u8; 16];
    stream.read_exact(&mut header).await.unwrap();
    let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let mut pdu = header.to_vec();
    pdu.resize(len, 0);
    stream.read_exact(&mut pdu[16..]).await.unwrap();
    Frame::new(pdu.into()).unwrap()
}
