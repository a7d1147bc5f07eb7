//! What the tests share: an account, a handler, the messages, short timers.
#![allow(dead_code)]

use smpp_tokio::core::pdu::{Address, Body, DeliverSm, EsmClass, SubmitSm};
use smpp_tokio::core::{CommandStatus, Frame};
use smpp_tokio::{BindRequest, ClientConfig, Reply, RequestContext, ServerConfig};
use std::time::Duration;

/// Accepts `secret` for any account.
pub fn auth(req: &BindRequest) -> Result<(), CommandStatus> {
    if req.password == "secret" {
        Ok(())
    } else {
        Err(CommandStatus::ESME_RINVPASWD)
    }
}

/// Answers every request with message id `id-1`.
pub fn handler(_ctx: &RequestContext, _req: &Frame) -> Reply {
    Reply::ok_message_id("id-1")
}

pub fn submit(text: &str) -> Body<'_> {
    Body::SubmitSm(SubmitSm {
        destination: Address::international("447700900123"),
        short_message: text.as_bytes(),
        ..Default::default()
    })
}

/// A delivery-receipt-style `deliver_sm`.
pub fn receipt(text: &str) -> Body<'_> {
    Body::DeliverSm(DeliverSm {
        source: Address::international("447700900123"),
        esm_class: EsmClass(0x04),
        short_message: text.as_bytes(),
        ..Default::default()
    })
}

/// The `short_message` of a `deliver_sm`.
pub fn text_of(frame: &Frame) -> String {
    match frame.pdu().map(|p| p.body) {
        Ok(Body::DeliverSm(m)) => String::from_utf8_lossy(m.short_message).into_owned(),
        _ => String::new(),
    }
}

pub fn server_config() -> ServerConfig {
    let mut c = ServerConfig::default();
    c.session.bind_timeout = Duration::from_secs(3).into();
    c.session.unbind_timeout = Duration::from_secs(1).into();
    c.session.drain_timeout = Duration::from_secs(1).into();
    c
}

pub fn client_config(account: &str) -> ClientConfig {
    let mut c = ClientConfig::new(account, "secret");
    c.session.bind_timeout = Duration::from_secs(3).into();
    c.session.unbind_timeout = Duration::from_secs(1).into();
    c.session.drain_timeout = Duration::from_secs(1).into();
    c.connect_timeout = Duration::from_secs(2);
    c
}

/// A multi-thread runtime of two workers for a test of its own.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Polls `f` every 5 ms for up to 5 s.
pub fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub const WAIT: Duration = Duration::from_secs(5);
