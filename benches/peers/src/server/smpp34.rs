//! `smpp34`'s `SmppServer` with a minimal listener: binds with the bench password are
//! accepted, every `submit_sm` is answered `ESME_ROK` with a message id, and when
//! `registered_delivery` asks for a final receipt a `deliver_sm` receipt (the same text
//! and TLVs as the simulator's) goes back on the bind that submitted. The server's
//! sockets are left as the crate sets them up (it does not set `TCP_NODELAY`).

use crate::error::Error;
use crate::message::{receipt_text, PASSWORD};
use async_trait::async_trait;
use smpp34::server::ESME;
use smpp34::{
    bind_transceiver, bind_transceiver_resp, bind_transmitter, bind_transmitter_resp, submit_sm,
    submit_sm_resp, SmppConnectionInformation, SmppError, SmppServer, SmppServerListener, Tlv,
    TlvTag,
};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// `message_state` DELIVERED.
const DELIVERED: u8 = 2;
/// `esm_class` of a delivery receipt.
const RECEIPT: u8 = 0x04;
/// `data_coding` 1: IA5 (ASCII), as the simulator marks its receipts.
const IA5: u8 = 1;

/// A running `smpp34` server.
pub struct Smpp34 {
    server: SmppServer,
    listener: Arc<Listener>,
    addr: SocketAddr,
}

impl Smpp34 {
    /// Listens on `port` of 127.0.0.1 with the crate's default timers and buffer size.
    /// The crate takes a port, not a listener: for port 0 a free one is picked first.
    pub async fn start(port: u16) -> Result<Smpp34, Error> {
        let port = match port {
            0 => std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| Error::Listen(format!("no free port: {e}")))?
                .port(),
            p => p,
        };
        let listener = Arc::new(Listener::default());
        let mut server = SmppServer::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port, listener.clone());
        server.start().await;
        if !server.is_alive() {
            return Err(Error::Listen(format!(
                "smpp34 could not listen on port {port}"
            )));
        }
        Ok(Smpp34 {
            server,
            listener,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and drops the session handles (the sessions end with their
    /// clients).
    pub async fn stop(mut self) {
        self.server.stop().await;
        self.listener.sessions().clear();
    }
}

/// The server's callbacks.
#[derive(Default)]
struct Listener {
    next_id: AtomicU64,
    /// The bound sessions by session id, to send receipts on.
    sessions: Mutex<HashMap<String, Arc<ESME>>>,
}

impl Listener {
    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<ESME>>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What a receipt needs from its `submit_sm`.
struct Submitted {
    message_id: String,
    source: (u8, u8, String),
    destination: (u8, u8, String),
}

/// Sends the receipt of one message on `esme`; a refused or unanswered receipt is not
/// retried (the client then misses it, which the cell shows).
async fn send_receipt(esme: Arc<ESME>, m: Submitted) {
    let date = smpp_cli::sim::receipt_date_now();
    let text = receipt_text(&m.message_id, date);
    let mut id = m.message_id.into_bytes();
    id.push(0);
    let _ = esme
        .deliver_sm()
        .source_addr_ton(m.destination.0)
        .source_addr_npi(m.destination.1)
        .source_addr(m.destination.2)
        .dest_addr_ton(m.source.0)
        .dest_addr_npi(m.source.1)
        .destination_addr(m.source.2)
        .esm_class(RECEIPT)
        .data_coding(IA5)
        .short_message(text.into_bytes())
        .tlvs([
            Tlv::from_tag(TlvTag::ReceiptedMessageId, id),
            Tlv::from_u8(TlvTag::MessageStateTlv, DELIVERED),
        ])
        .send()
        .await;
}

#[async_trait]
impl SmppServerListener for Listener {
    async fn on_bind_transmitter(
        &self,
        req: bind_transmitter,
        _c: &SmppConnectionInformation,
        _session_id: &String,
    ) -> bind_transmitter_resp {
        if req.password == PASSWORD {
            req.accept("smpp34".into(), Some(0x34))
        } else {
            req.reject(SmppError::ESME_RINVPASWD)
        }
    }

    async fn on_bind_transceiver(
        &self,
        req: bind_transceiver,
        _c: &SmppConnectionInformation,
        _session_id: &String,
    ) -> bind_transceiver_resp {
        if req.password == PASSWORD {
            req.accept("smpp34".into(), Some(0x34))
        } else {
            req.reject(SmppError::ESME_RINVPASWD)
        }
    }

    async fn on_submit_sm(
        &self,
        req: submit_sm,
        _c: &SmppConnectionInformation,
        session_id: &String,
    ) -> submit_sm_resp {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let message_id = format!("{n:010x}");
        if req.registered_delivery & 0x03 == 1 {
            let esme = self.sessions().get(session_id).cloned();
            if let Some(esme) = esme.filter(|e| e.can_receive) {
                let m = Submitted {
                    message_id: message_id.clone(),
                    source: (
                        req.source_addr_ton,
                        req.source_addr_npi,
                        req.source_addr.clone(),
                    ),
                    destination: (
                        req.dest_addr_ton,
                        req.dest_addr_npi,
                        req.destination_addr.clone(),
                    ),
                };
                tokio::spawn(send_receipt(esme, m));
            }
        }
        req.accept(message_id)
    }

    async fn on_esme_bound(&self, esme: ESME, session_id: &String) {
        self.sessions().insert(session_id.clone(), Arc::new(esme));
    }

    async fn on_esme_unbound(&self, session_id: &String) {
        self.sessions().remove(session_id);
    }
}
