//! `rusmppc`'s `Client` with the crate's default connection settings, except that it
//! binds with interface version 3.4 (and its check for 5.0 turned off, which speaking
//! 3.4 needs). Each `submit_sm` is an awaited call; the event stream delivers the
//! server's requests, and each `deliver_sm` is answered with `deliver_sm_resp`.

use super::pipeline::{pipeline, Load};
use crate::counters::Counters;
use crate::error::Error;
use crate::message::{self, PASSWORD};
use crate::task::Spawned;
use futures_util::StreamExt;
use rusmpp::pdus::{BindTransceiver, DeliverSmResp, SubmitSm};
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{InterfaceVersion, Npi, RegisteredDelivery, Ton};
use rusmpp::Pdu;
use rusmppc::{Client, ConnectionBuilder, Event};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// How long unbinding and closing may take.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// One bind: the client handle and the task answering the server's requests.
struct Bind {
    client: Client,
    events: tokio::task::JoinHandle<()>,
}

/// The binds of one cell.
pub struct Binds(Vec<Bind>);

impl Binds {
    /// Connects and binds `binds` transceivers, one account each.
    pub async fn connect(
        addr: SocketAddr,
        binds: usize,
        counters: &Arc<Counters>,
    ) -> Result<Binds, Error> {
        let mut out = Vec::with_capacity(binds);
        for i in 0..binds {
            let fail = |reason: String| Error::Bind {
                bind: i + 1,
                reason,
            };
            let (client, events) = ConnectionBuilder::new()
                .disable_interface_version_check()
                .connect(format!("smpp://{addr}"))
                .await
                .map_err(|e| fail(e.to_string()))?;
            let events = tokio::spawn(answer(client.clone(), events, counters.clone()));
            let bind = BindTransceiver::builder()
                .system_id(
                    COctetString::from_str(&message::system_id(i))
                        .map_err(|e| fail(e.to_string()))?,
                )
                .password(COctetString::from_str(PASSWORD).map_err(|e| fail(e.to_string()))?)
                .system_type(COctetString::empty())
                .interface_version(InterfaceVersion::Smpp3_4)
                .addr_ton(Ton::Unknown)
                .addr_npi(Npi::Unknown)
                .address_range(COctetString::empty())
                .build();
            if let Err(e) = client.bind_transceiver(bind).await {
                events.abort();
                let _ = tokio::time::timeout(CLOSE_WAIT, client.close()).await;
                return Err(fail(e.to_string()));
            }
            out.push(Bind { client, events });
        }
        Ok(Binds(out))
    }

    /// Starts one load task per bind (on tokio), `counts[i]` messages on bind `i`.
    pub fn start(&self, counts: &[u64], load: Load, counters: &Arc<Counters>) -> Vec<Spawned> {
        self.0
            .iter()
            .zip(counts)
            .map(|(b, &n)| {
                let (client, counters) = (b.client.clone(), counters.clone());
                Spawned::Tokio(tokio::spawn(async move {
                    run(&client, n, load, &counters).await;
                }))
            })
            .collect()
    }

    /// Unbinds each bind (`graceful`) and closes its connection, each step within a time
    /// limit.
    pub async fn close(self, graceful: bool) {
        for b in self.0 {
            if graceful {
                let _ = tokio::time::timeout(CLOSE_WAIT, b.client.unbind()).await;
            }
            let _ = tokio::time::timeout(CLOSE_WAIT, b.client.close_and_wait()).await;
            b.events.abort();
        }
    }
}

/// Answers every `deliver_sm` with `deliver_sm_resp` `ESME_ROK`, counting receipts.
async fn answer(
    client: Client,
    mut events: impl futures_util::Stream<Item = Event> + Unpin,
    counters: Arc<Counters>,
) {
    while let Some(event) = events.next().await {
        let Event::Incoming(command) = event else {
            continue;
        };
        let receipt = match command.pdu() {
            Some(Pdu::DeliverSm(d)) => message::is_receipt(u8::from(d.esm_class)),
            _ => continue,
        };
        let answered = client
            .deliver_sm_resp(command.sequence_number(), DeliverSmResp::default())
            .await;
        if answered.is_ok() && receipt {
            counters.receipt();
        }
    }
}

/// The load of one bind: `count` messages.
async fn run(client: &Client, count: u64, load: Load, counters: &Counters) {
    let submit = match submit_sm(load.receipts) {
        Ok(s) => s,
        Err(e) => {
            for _ in 0..count {
                counters.error(|| e.clone());
            }
            return;
        }
    };
    let submit = &submit;
    let send = || async move {
        client
            .submit_sm(submit.clone())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    pipeline(count, load, send, counters).await;
}

/// The cell's `submit_sm`.
fn submit_sm(receipts: bool) -> Result<SubmitSm, String> {
    let addr = |a: &str| COctetString::from_str(a).map_err(|e| e.to_string());
    Ok(SubmitSm::builder()
        .source_addr_ton(Ton::International)
        .source_addr_npi(Npi::Isdn)
        .source_addr(addr(message::SOURCE)?)
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(addr(message::DESTINATION)?)
        .registered_delivery(RegisteredDelivery::from(message::registered_delivery(
            receipts,
        )))
        .short_message(OctetString::from_vec(message::text()).map_err(|e| e.to_string())?)
        .build())
}
