//! A small SMSC on smol (`smpp_smol::Server`).
//!
//! Accepts any account whose password is the fixed one, answers every `submit_sm` with a
//! message id and, when the submit asks for it (`registered_delivery`), sends the account a
//! delivery receipt (`deliver_sm`) with `Server::deliver`: round robin over the account's
//! receiver binds, or stored until one binds.
//!
//! ```text
//! cargo run -p smpp-examples --bin smol_smsc -- [LISTEN_ADDR] [PASSWORD] [SECONDS]
//! ```
//!
//! Defaults: `127.0.0.1:2775`, password `secret`, run until killed. With `SECONDS`, shuts
//! down gracefully (unbinding every ESME) after that long. Try it with `smol_esme`.

use smpp_core::message::{MessageState, ReceiptDate, ReceiptFields};
use smpp_core::pdu::{Address, Body, DeliverSm, EsmClass, Npi, Tlv, TlvTag, Tlvs, Ton};
use smpp_core::{CommandStatus, Frame};
use smpp_smol::{
    BindRequest, DeliveryOutcome, Reply, RequestContext, Server, ServerConfig, ServerEvent,
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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let listen = args
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:2775".into());
    let password = args.get(1).cloned().unwrap_or_else(|| "secret".into());
    let run_for: Option<u64> = args.get(2).and_then(|s| s.parse().ok());

    smol::block_on(async {
        let (jobs_tx, jobs_rx) = smol::channel::unbounded::<ReceiptJob>();
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
                        let _ = jobs_tx.try_send(ReceiptJob {
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

        let server = match Server::bind(
            listen.as_str(),
            ServerConfig::default(),
            authenticate,
            handle,
        )
        .await
        {
            Ok(s) => Arc::new(s),
            Err(e) => {
                eprintln!("cannot listen on {listen}: {e}");
                std::process::exit(1);
            }
        };
        println!("SMSC listening on {}", server.local_addr());

        let events = server.events();
        smol::spawn(async move {
            while let Ok(ev) = events.recv().await {
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
        })
        .detach();

        // Sends the receipts, one task so that they go out in submission order.
        let receipts = server.clone();
        smol::spawn(async move {
            while let Ok(job) = jobs_rx.recv().await {
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
                        smol::spawn(async move {
                            match delivery.await {
                                Ok(DeliveryOutcome::Delivered { attempts, .. }) => {
                                    println!("receipt {id} delivered (attempts: {attempts})")
                                }
                                Ok(other) => println!("receipt {id} not delivered: {other:?}"),
                                Err(e) => println!("receipt {id}: {e}"),
                            }
                        })
                        .detach();
                    }
                    Err(e) => println!("receipt {} refused: {e}", job.message_id),
                }
            }
        })
        .detach();

        match run_for {
            Some(secs) => {
                smol::Timer::after(Duration::from_secs(secs)).await;
                println!("shutting down");
                server.shutdown(Duration::from_secs(5)).await;
            }
            None => smol::future::pending::<()>().await,
        }
    });
}
