//! `smpp34`'s `SmppClient` with the crate's default timers and buffer size. Its
//! `window_size` is passed the cell's window; the load loop keeps that many requests in
//! flight itself (each `submit_sm` is an awaited call on the bound `SMSC` handle).

use super::pipeline::{pipeline, Load};
use crate::counters::Counters;
use crate::error::Error;
use crate::message::{self, PASSWORD};
use crate::task::Spawned;
use async_trait::async_trait;
use smpp34::client::{SmppClient, SmppClientListener, BIND_TYPE, SMSC};
use smpp34::{deliver_sm, deliver_sm_resp, SmppConnectionInformation};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// How long a bind may take.
const BIND_WAIT: Duration = Duration::from_secs(5);
/// How long an unbind may take.
const UNBIND_WAIT: Duration = Duration::from_secs(2);

/// One bind: the client (its session task) and the handle requests go through.
struct Bind {
    client: SmppClient,
    smsc: Arc<SMSC>,
}

/// The binds of one cell.
pub struct Binds(Vec<Bind>);

impl Binds {
    /// Connects and binds `binds` transceivers, one account each; `deliver_sm` are
    /// answered `ESME_ROK` by the listener, which counts receipts.
    pub async fn connect(
        addr: SocketAddr,
        binds: usize,
        window: usize,
        counters: &Arc<Counters>,
    ) -> Result<Binds, Error> {
        let mut out = Vec::with_capacity(binds);
        for i in 0..binds {
            let fail = |reason: String| Error::Bind {
                bind: i + 1,
                reason,
            };
            let (tx, rx) = oneshot::channel();
            let listener = Arc::new(Listener {
                counters: counters.clone(),
                bound: Mutex::new(Some(tx)),
            });
            let mut client = SmppClient::new(
                addr.ip().to_string(),
                addr.port(),
                false,
                BIND_TYPE::TRX,
                message::system_id(i),
                PASSWORD.into(),
                String::new(),
                0,
                0,
                String::new(),
                listener,
                window.max(1),
            );
            client.start().await;
            let smsc = match tokio::time::timeout(BIND_WAIT, rx).await {
                Ok(Ok(smsc)) => smsc,
                Ok(Err(_)) => {
                    client.stop().await;
                    return Err(fail("the session ended before it was bound".into()));
                }
                Err(_) => {
                    client.stop().await;
                    return Err(fail(format!("not bound within {BIND_WAIT:?}")));
                }
            };
            out.push(Bind {
                client,
                smsc: Arc::new(smsc),
            });
        }
        Ok(Binds(out))
    }

    /// Starts one load task per bind (on tokio), `counts[i]` messages on bind `i`.
    pub fn start(&self, counts: &[u64], load: Load, counters: &Arc<Counters>) -> Vec<Spawned> {
        self.0
            .iter()
            .zip(counts)
            .map(|(b, &n)| {
                let (smsc, counters) = (b.smsc.clone(), counters.clone());
                Spawned::Tokio(tokio::spawn(async move {
                    run(&smsc, n, load, &counters).await;
                }))
            })
            .collect()
    }

    /// Unbinds each bind (`graceful`, within a time limit) and stops its session.
    pub async fn close(self, graceful: bool) {
        for mut b in self.0 {
            if graceful {
                let _ = tokio::time::timeout(UNBIND_WAIT, b.smsc.send_unbind()).await;
            }
            b.client.stop().await;
        }
    }
}

/// The client's callbacks.
struct Listener {
    counters: Arc<Counters>,
    /// Hands the bound session's handle to `connect`.
    bound: Mutex<Option<oneshot::Sender<SMSC>>>,
}

#[async_trait]
impl SmppClientListener for Listener {
    async fn on_deliver_sm(
        &self,
        deliver_sm: deliver_sm,
        _c: &SmppConnectionInformation,
        _session_id: &String,
    ) -> deliver_sm_resp {
        let receipt = message::is_receipt(deliver_sm.esm_class);
        let resp = deliver_sm.accept();
        if receipt {
            self.counters.receipt();
        }
        resp
    }

    async fn on_smsc_bound(&self, smsc: SMSC, _session_id: &String) {
        let tx = self.bound.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(tx) = tx {
            let _ = tx.send(smsc);
        }
    }
}

/// The load of one bind: `count` messages.
async fn run(smsc: &SMSC, count: u64, load: Load, counters: &Counters) {
    let text = message::text();
    let rd = message::registered_delivery(load.receipts);
    let text = &text;
    let send = || async move {
        let resp = smsc
            .submit_sm()
            .source_addr_ton(message::TON)
            .source_addr_npi(message::NPI)
            .source_addr(message::SOURCE)
            .dest_addr_ton(message::TON)
            .dest_addr_npi(message::NPI)
            .destination_addr(message::DESTINATION)
            .registered_delivery(rd)
            .short_message(text.clone())
            .send()
            .await
            .map_err(|e| format!("{e:?}"))?;
        if resp.is_success() {
            Ok(())
        } else {
            Err(format!("{:?}", resp.get_error()))
        }
    };
    pipeline(count, load, send, counters).await;
}
