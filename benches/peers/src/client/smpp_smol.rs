//! This project's smol client (`smpp_smol::Client`) with its shipped defaults; only the
//! window is set, to the cell's (and `session.peer_window` when asked).

use super::pipeline::{pipeline, Load};
use crate::counters::Counters;
use crate::error::Error;
use crate::message::{self, PASSWORD};
use crate::task::Spawned;
use smpp_core::pdu::{Address, Body, RegisteredDelivery, SubmitSm};
use smpp_smol::{Client, ClientConfig, Incoming};
use std::net::SocketAddr;
use std::sync::Arc;

/// The binds of one cell.
pub struct Binds {
    clients: Vec<Client>,
    readers: Vec<smol::Task<()>>,
}

impl Binds {
    /// Connects and binds `binds` transceivers, one account each, window `window`; each
    /// bind's `deliver_sm` are answered `ESME_ROK` at once and receipts counted.
    /// `peer_window`, when given, replaces the library's `session.peer_window`.
    pub async fn connect(
        addr: SocketAddr,
        binds: usize,
        window: usize,
        peer_window: Option<usize>,
        counters: &Arc<Counters>,
    ) -> Result<Binds, Error> {
        let mut out = Binds {
            clients: Vec::with_capacity(binds),
            readers: Vec::with_capacity(binds),
        };
        for i in 0..binds {
            let mut config = ClientConfig::new(&message::system_id(i), PASSWORD);
            config.session.window = window.max(1);
            if let Some(p) = peer_window {
                config.session.peer_window = p.max(1);
            }
            let (client, incoming) =
                Client::connect(addr, config)
                    .await
                    .map_err(|e| Error::Bind {
                        bind: i + 1,
                        reason: e.to_string(),
                    })?;
            out.clients.push(client);
            out.readers
                .push(smol::spawn(answer(incoming, counters.clone())));
        }
        Ok(out)
    }

    /// Starts one load task per bind (on smol's executor), `counts[i]` messages on bind `i`.
    pub fn start(&self, counts: &[u64], load: Load, counters: &Arc<Counters>) -> Vec<Spawned> {
        self.clients
            .iter()
            .zip(counts)
            .map(|(c, &n)| {
                let (c, counters) = (c.clone(), counters.clone());
                Spawned::Smol(smol::spawn(async move {
                    run(c, n, load, &counters).await;
                }))
            })
            .collect()
    }

    /// Unbinds each bind (`graceful`, each within the session's drain and unbind
    /// timeouts, the caller bounds the whole) or closes them at once.
    pub async fn close(self, graceful: bool) {
        for c in &self.clients {
            if graceful {
                let _ = c.unbind().await;
            } else {
                c.abort();
            }
        }
        for r in self.readers {
            r.cancel().await;
        }
    }
}

/// Answers every request of the server `ESME_ROK`, counting receipts.
async fn answer(incoming: Incoming, counters: Arc<Counters>) {
    while let Ok(req) = incoming.recv().await {
        let receipt = matches!(
            req.pdu().map(|p| p.body),
            Ok(Body::DeliverSm(m)) if m.esm_class.is_delivery_receipt()
        );
        if req.respond_ok().is_ok() && receipt {
            counters.receipt();
        }
    }
}

/// The load of one bind: `count` messages.
async fn run(client: Client, count: u64, load: Load, counters: &Counters) {
    let text = message::text();
    let body = Body::SubmitSm(SubmitSm {
        source: Address::international(message::SOURCE),
        destination: Address::international(message::DESTINATION),
        registered_delivery: RegisteredDelivery(message::registered_delivery(load.receipts)),
        short_message: &text,
        ..Default::default()
    });
    let (client, body) = (&client, &body);
    let send = || async move {
        let response = client
            .send_pipelined(body)
            .await
            .map_err(|e| e.to_string())?
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        if status.is_ok() {
            Ok(())
        } else {
            Err(status.to_string())
        }
    };
    pipeline(count, load, send, counters).await;
}
