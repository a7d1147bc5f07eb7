//! An ESME inside an existing tokio application (`smpp_tokio::Client`).
//!
//! A service function, `send_sms`, that any task of a tokio program can call: connect,
//! bind as transceiver, submit one message asking for a delivery receipt, wait for the
//! receipt (answering it), unbind. The client's tasks run on the application's runtime.
//!
//! ```text
//! cargo run -p smpp-examples --bin tokio_esme -- [ADDR] [SYSTEM_ID] [PASSWORD] [TO] [TEXT]
//! cargo run -p smpp-examples --bin tokio_esme -- --self-test
//! ```
//!
//! Defaults: `127.0.0.1:2775`, `demo`, `secret`, `447700900123`, `Hello from tokio`.
//! Start `tokio_smsc` (or `smol_smsc`) first. `--self-test` runs against an in-process
//! tokio SMSC on 127.0.0.1:0 and exits 0 when the receipt came back.

use smpp_core::message::parse_receipt;
use smpp_core::pdu::{Address, Body, DeliverSm, EsmClass, RegisteredDelivery, SubmitSm};
use smpp_core::{CommandStatus, Frame};
use smpp_tokio::{BindRequest, Client, ClientConfig, Error, Reply, RequestContext, Server};
use std::sync::Arc;
use std::time::Duration;

/// Sends `text` to `to` and waits (up to `wait`) for its delivery receipt; returns the
/// message id and the receipt's `stat` (`None` when no receipt came in time).
async fn send_sms(
    addr: &str,
    config: ClientConfig,
    to: &str,
    text: &str,
    wait: Duration,
) -> Result<(String, Option<String>), Error> {
    let (client, mut incoming) = Client::connect(addr, config).await?;
    let body = Body::SubmitSm(SubmitSm {
        source: Address::alphanumeric("tokio"),
        destination: Address::international(to),
        registered_delivery: RegisteredDelivery(1),
        short_message: text.as_bytes(),
        ..Default::default()
    });
    let response = client.send(&body).await?;
    let id = response.message_id().unwrap_or_default();
    println!("submitted: {} message_id={id}", response.status());

    let receipt = tokio::time::timeout(wait, async {
        // Other requests (MO messages, receipts of older messages) are answered and skipped.
        while let Some(req) = incoming.recv().await {
            let stat = match req.pdu().map(|p| p.body) {
                Ok(Body::DeliverSm(m)) if m.esm_class.is_delivery_receipt() => {
                    parse_receipt(m.short_message)
                        .ok()
                        .filter(|r| r.id == Some(id.as_str()))
                        .map(|r| r.stat.unwrap_or("?").to_string())
                }
                _ => None,
            };
            let _ = req.respond_ok();
            if stat.is_some() {
                return stat;
            }
        }
        None
    })
    .await
    .ok()
    .flatten();
    client.unbind().await?;
    Ok((id, receipt))
}

/// An in-process SMSC for `--self-test`: answers with a message id and delivers the
/// receipt through `Server::deliver`.
async fn test_smsc() -> Result<Arc<Server>, Error> {
    let auth = |req: &BindRequest| {
        if req.password == "secret" {
            Ok(())
        } else {
            Err(CommandStatus::ESME_RINVPASWD)
        }
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let handler = move |ctx: &RequestContext, _req: &Frame| {
        let _ = tx.send(ctx.account.clone());
        Reply::ok_message_id("self-1")
    };
    let server = Arc::new(Server::bind("127.0.0.1:0", Default::default(), auth, handler).await?);
    let s = server.clone();
    tokio::spawn(async move {
        while let Some(account) = rx.recv().await {
            let text = b"id:self-1 sub:001 dlvrd:001 submit date:2401010000 done date:2401010000 stat:DELIVRD err:000 text:";
            let body = Body::DeliverSm(DeliverSm {
                esm_class: EsmClass(0x04),
                short_message: text,
                ..Default::default()
            });
            if let Ok(delivery) = s.deliver(&account, &body) {
                println!("receipt outcome: {:?}", delivery.await);
            }
        }
    });
    Ok(server)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let self_test = args.first().map(String::as_str) == Some("--self-test");
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let result = async {
        let (server, addr, system_id, password) = if self_test {
            let server = test_smsc().await?;
            let addr = server.local_addr().to_string();
            (Some(server), addr, "demo".to_string(), "secret".to_string())
        } else {
            (
                None,
                arg(0, "127.0.0.1:2775"),
                arg(1, "demo"),
                arg(2, "secret"),
            )
        };
        let config = ClientConfig::new(&system_id, &password);
        let (to, text) = (arg(3, "447700900123"), arg(4, "Hello from tokio"));
        // As a service call from any task of the application.
        let sent = tokio::spawn(async move {
            send_sms(&addr, config, &to, &text, Duration::from_secs(10)).await
        });
        let (id, stat) = sent.await.expect("the task ran")?;
        println!(
            "message {id}: receipt {}",
            stat.as_deref().unwrap_or("not received")
        );
        if let Some(server) = server {
            server.shutdown(Duration::from_secs(2)).await;
            if stat.as_deref() != Some("DELIVRD") {
                return Err(Error::Closed);
            }
            println!("self-test passed");
        }
        Ok::<(), Error>(())
    }
    .await;
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
