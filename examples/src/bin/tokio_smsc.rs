//! A small SMSC on tokio (`smpp_tokio::Server`).
//!
//! Accepts any account whose password is the fixed one, answers every `submit_sm` with a
//! message id and, when the submit asks for it (`registered_delivery`), sends the account a
//! delivery receipt (`deliver_sm`) with `Server::deliver`: round robin over the account's
//! receiver binds, or stored until one binds.
//!
//! ```text
//! cargo run -p smpp-examples --bin tokio_smsc -- [LISTEN_ADDR] [PASSWORD] [SECONDS]
//! cargo run -p smpp-examples --bin tokio_smsc -- --self-test
//! ```
//!
//! Defaults: `127.0.0.1:2775`, password `secret`, run until killed. With `SECONDS`, shuts
//! down gracefully (unbinding every ESME) after that long. Try it with `tokio_esme` or
//! `smol_esme`. `--self-test` serves 127.0.0.1:0, runs a tokio ESME against it (submit,
//! receipt, unbind) and exits 0 when the receipt arrived.

use smpp_core::message::{MessageState, ReceiptDate, ReceiptFields};
use smpp_core::pdu::{Address, Body, DeliverSm, EsmClass, Npi, Tlv, TlvTag, Tlvs, Ton};
use smpp_core::pdu::{RegisteredDelivery, SubmitSm};
use smpp_core::{CommandStatus, Frame};
use smpp_tokio::{
    BindRequest, Client, ClientConfig, DeliveryOutcome, Reply, RequestContext, Server,
    ServerConfig, ServerEvent,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What a receipt needs from its submit_sm.
struct ReceiptJob {
    account: String,
    message_id: String,
    /// The submit's source and destination (ton, npi, address).
    source: (u8, u8, String),
    destination: (u8, u8, String),
    submitted: ReceiptDate,
}

/// The current UTC time as a receipt date.
fn now_date() -> ReceiptDate {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    ReceiptDate::new(
        (year % 100) as u8,
        month,
        day,
        (rem / 3600) as u8,
        (rem % 3600 / 60) as u8,
        None,
    )
    .expect("a valid date")
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--self-test") {
        let server = start("127.0.0.1:0", "secret".into()).await;
        match self_test(&server).await {
            Ok(()) => println!("self-test passed"),
            Err(e) => {
                eprintln!("self-test failed: {e}");
                std::process::exit(1);
            }
        }
        server.shutdown(Duration::from_secs(2)).await;
        return;
    }
    let listen = args
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:2775".into());
    let password = args.get(1).cloned().unwrap_or_else(|| "secret".into());
    let run_for: Option<u64> = args.get(2).and_then(|s| s.parse().ok());
    let server = start(&listen, password).await;
    match run_for {
        Some(secs) => {
            tokio::time::sleep(Duration::from_secs(secs)).await;
            println!("shutting down");
            server.shutdown(Duration::from_secs(5)).await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// A tokio ESME against the SMSC: submit asking for a receipt, wait for it, unbind.
async fn self_test(server: &Server) -> Result<(), String> {
    let config = ClientConfig::new("demo", "secret");
    let (client, mut incoming) = Client::connect(server.local_addr(), config)
        .await
        .map_err(|e| e.to_string())?;
    let body = Body::SubmitSm(SubmitSm {
        destination: Address::international("447700900123"),
        registered_delivery: RegisteredDelivery(1),
        short_message: b"self-test",
        ..Default::default()
    });
    let r = client.send(&body).await.map_err(|e| e.to_string())?;
    let id = r.message_id().unwrap_or_default();
    println!("submitted: message_id={id}");
    let req = tokio::time::timeout(Duration::from_secs(5), incoming.recv())
        .await
        .map_err(|_| "no receipt within 5 s".to_string())?
        .ok_or("the client closed")?;
    let is_receipt = matches!(req.pdu().map(|p| p.body),
        Ok(Body::DeliverSm(m)) if m.esm_class.is_delivery_receipt());
    req.respond_ok().map_err(|e| e.to_string())?;
    client.unbind().await.map_err(|e| e.to_string())?;
    if is_receipt {
        Ok(())
    } else {
        Err("the request was not a receipt".into())
    }
}

/// Listens on `listen` and runs the SMSC's tasks (events printed, receipts sent).
async fn start(listen: &str, password: String) -> Arc<Server> {
    {
        let (jobs_tx, jobs_rx) = tokio::sync::mpsc::unbounded_channel::<ReceiptJob>();
        let next_id = AtomicU64::new(1);

        let authenticate = move |req: &BindRequest| {
            if req.password.as_str() == password {
                Ok(())
            } else {
                Err(CommandStatus::ESME_RINVPASWD)
            }
        };
        let handle = move |ctx: &RequestContext, req: &Frame| {
            let message_id = format!("{:010}", next_id.fetch_add(1, Ordering::Relaxed));
            if let Ok(pdu) = req.pdu() {
                if let Body::SubmitSm(m) = pdu.body {
                    if m.registered_delivery.wants_receipt(true) {
                        let addr = |a: Address<'_>| {
                            (
                                a.ton.0,
                                a.npi.0,
                                String::from_utf8_lossy(a.addr).into_owned(),
                            )
                        };
                        let _ = jobs_tx.send(ReceiptJob {
                            account: ctx.account.clone(),
                            message_id: message_id.clone(),
                            source: addr(m.source),
                            destination: addr(m.destination),
                            submitted: now_date(),
                        });
                    }
                }
            }
            Reply::ok_message_id(&message_id)
        };

        let server = match Server::bind(listen, ServerConfig::default(), authenticate, handle).await
        {
            Ok(s) => Arc::new(s),
            Err(e) => {
                eprintln!("cannot listen on {listen}: {e}");
                std::process::exit(1);
            }
        };
        println!("SMSC listening on {}", server.local_addr());

        let mut events = server.events();
        tokio::spawn(async move {
            while let Some(ev) = events.recv().await {
                match ev {
                    ServerEvent::Bound {
                        bind_id,
                        account,
                        bind_type,
                        peer,
                    } => println!("bound {bind_id:?}: {account} as {bind_type} from {peer}"),
                    ServerEvent::BindRejected {
                        system_id,
                        peer,
                        status,
                    } => println!("rejected bind of {system_id} from {peer}: {status}"),
                    ServerEvent::Closed { bind_id, reason } => {
                        println!("closed {bind_id:?}: {reason}")
                    }
                    ServerEvent::Queued { account, .. } => println!("receipt queued for {account}"),
                    ServerEvent::Overflow { account } => {
                        println!("store full: receipt for {account} refused")
                    }
                    other => println!("{other:?}"),
                }
            }
        });

        // Sends the receipts, one task so that they go out in submission order.
        let receipts = server.clone();
        let mut jobs_rx = jobs_rx;
        tokio::spawn(async move {
            while let Some(job) = jobs_rx.recv().await {
                let mut text = String::new();
                let fields = ReceiptFields {
                    id: job.message_id.clone(),
                    sub: 1,
                    dlvrd: 1,
                    submit_date: job.submitted,
                    done_date: now_date(),
                    stat: MessageState::Delivered,
                    err: 0,
                    text: String::new(),
                };
                let _ = fields.write_to(&mut text);
                let tlvs = [
                    Tlv::cstr(TlvTag::RECEIPTED_MESSAGE_ID, job.message_id.as_bytes()),
                    Tlv::u8(TlvTag::MESSAGE_STATE, 2),
                ];
                // The receipt travels back: from the message's destination to its source.
                let body = Body::DeliverSm(DeliverSm {
                    source: Address::new(
                        Ton(job.destination.0),
                        Npi(job.destination.1),
                        job.destination.2.as_bytes(),
                    ),
                    destination: Address::new(
                        Ton(job.source.0),
                        Npi(job.source.1),
                        job.source.2.as_bytes(),
                    ),
                    esm_class: EsmClass(0x04),
                    short_message: text.as_bytes(),
                    tlvs: Tlvs::from_slice(&tlvs),
                    ..Default::default()
                });
                // Accepted into the server's queue at once; the outcome follows (delivered
                // at least once, refused for good, or given up), without holding this loop.
                match receipts.deliver(&job.account, &body) {
                    Ok(delivery) => {
                        let id = job.message_id.clone();
                        tokio::spawn(async move {
                            match delivery.await {
                                Ok(DeliveryOutcome::Delivered { attempts, .. }) => {
                                    println!("receipt {id} delivered (attempts: {attempts})")
                                }
                                Ok(other) => println!("receipt {id} not delivered: {other:?}"),
                                Err(e) => println!("receipt {id}: {e}"),
                            }
                        });
                    }
                    Err(e) => println!("receipt {} refused: {e}", job.message_id),
                }
            }
        });

        server
    }
}
