//! A small ESME on smol (`smpp_smol::Client`).
//!
//! Connects, binds as transceiver, sends `COUNT` `submit_sm` pipelined (all outstanding at
//! once, up to the window), asking for delivery receipts; prints each message id, then the
//! receipts and mobile-originated messages arriving on `Incoming` (answering each), and
//! unbinds once every receipt came or after a few seconds.
//!
//! ```text
//! cargo run -p smpp-examples --bin smol_esme -- [ADDR] [SYSTEM_ID] [PASSWORD] [COUNT]
//! ```
//!
//! Defaults: `127.0.0.1:2775`, `demo`, `secret`, 10 messages. Start `smol_smsc` first.

use smpp_core::message::parse_receipt;
use smpp_core::pdu::{Address, Body, RegisteredDelivery, SubmitSm};
use smpp_smol::{Client, ClientConfig};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:2775".into());
    let system_id = args.get(1).cloned().unwrap_or_else(|| "demo".into());
    let password = args.get(2).cloned().unwrap_or_else(|| "secret".into());
    let count: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);

    let result = smol::block_on(async {
        let mut config = ClientConfig::new(&system_id, &password);
        config.session.window = 64;
        let (client, incoming) = Client::connect(addr.as_str(), config).await?;
        println!("bound to {addr} as {system_id}: {:?}", client.state());

        // Print what the SMSC sends us, answering each request.
        let (receipts_tx, receipts_rx) = smol::channel::unbounded::<()>();
        let printer = smol::spawn(async move {
            while let Ok(req) = incoming.recv().await {
                match req.pdu().map(|p| p.body) {
                    Ok(Body::DeliverSm(m)) if m.esm_class.is_delivery_receipt() => {
                        match parse_receipt(m.short_message) {
                            Ok(r) => println!(
                                "receipt: id={} stat={}",
                                r.id.unwrap_or("?"),
                                r.stat.unwrap_or("?")
                            ),
                            Err(_) => {
                                println!("receipt: {}", String::from_utf8_lossy(m.short_message))
                            }
                        }
                        let _ = receipts_tx.try_send(());
                    }
                    Ok(Body::DeliverSm(m)) => println!(
                        "MO from {}: {}",
                        String::from_utf8_lossy(m.source.addr),
                        String::from_utf8_lossy(m.short_message)
                    ),
                    Ok(other) => println!("request: {:?}", other.command_id()),
                    Err(e) => println!("undecodable request: {e}"),
                }
                if let Err(e) = req.respond_ok() {
                    println!("could not answer: {e}");
                }
            }
        });

        let started = Instant::now();
        let mut pending = Vec::with_capacity(count);
        for i in 0..count {
            let text = format!("Hello #{i}");
            let body = Body::SubmitSm(SubmitSm {
                source: Address::alphanumeric("smol"),
                destination: Address::international("447700900123"),
                registered_delivery: RegisteredDelivery(1),
                short_message: text.as_bytes(),
                ..Default::default()
            });
            // Waits only when the window is full; the response comes later.
            pending.push(client.send_pipelined(&body).await?);
        }
        for (i, f) in pending.into_iter().enumerate() {
            match f.await {
                Ok(r) => println!(
                    "#{i}: {} message_id={}",
                    r.status(),
                    r.message_id().unwrap_or_default()
                ),
                Err(e) => println!("#{i}: failed: {e}"),
            }
        }
        println!("{count} submitted in {:?}", started.elapsed());

        // Wait for the receipts (or give up after 5 s).
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut got = 0;
        while got < count {
            let left = deadline.saturating_duration_since(Instant::now());
            let next = within(receipts_rx.recv(), left).await;
            match next {
                Some(Ok(())) => got += 1,
                _ => break,
            }
        }
        println!("{got} of {count} receipts received");
        client.unbind().await?;
        printer.await;
        println!("unbound: {:?}", client.state());
        Ok::<(), smpp_smol::Error>(())
    });
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// `fut`'s output, or `None` after `timeout`.
async fn within<F: std::future::Future>(fut: F, timeout: Duration) -> Option<F::Output> {
    smol::future::or(async { Some(fut.await) }, async {
        smol::Timer::after(timeout).await;
        None
    })
    .await
}
