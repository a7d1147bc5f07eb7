//! A blocking script with `smpp-blocking`: connect, bind as a transceiver, send one
//! `submit_sm` asking for a delivery receipt (`registered_delivery` 1), wait for the receipt
//! (`deliver_sm`), print both, unbind.
//!
//! ```text
//! blocking_send [ADDR] [SYSTEM_ID] [PASSWORD] [DESTINATION] [TEXT]
//! ```
//!
//! Defaults: `127.0.0.1:2775 smppclient1 password 447700900123 "Hello from smpp-blocking"`,
//! for example against an SMSC simulator listening on port 2775:
//!
//! ```text
//! cargo run -p smpp-examples --bin blocking_send
//! cargo run -p smpp-examples --bin blocking_send -- smsc.example:2775 acme s3cret 447700900123 Hi
//! ```
//!
//! Set `SMPP_TRACE=1` to print every PDU (passwords redacted) on stderr. Waits up to 60 s for
//! the receipt (`SMPP_RECEIPT_TIMEOUT` in seconds to change it). Exit status: 0 when the
//! receipt arrived, 1 otherwise.

use smpp_blocking::core::message::{ids_match, parse_receipt};
use smpp_blocking::core::pdu::{Address, Body, RegisteredDelivery, SubmitSm};
use smpp_blocking::core::CommandId;
use smpp_blocking::{Client, ClientConfig, Trace};
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("usage: blocking_send [ADDR] [SYSTEM_ID] [PASSWORD] [DESTINATION] [TEXT]");
        return ExitCode::SUCCESS;
    }
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let addr = arg(0, "127.0.0.1:2775");
    let system_id = arg(1, "smppclient1");
    let password = arg(2, "password");
    let destination = arg(3, "447700900123");
    let text = arg(4, "Hello from smpp-blocking");
    match run(&addr, &system_id, &password, &destination, &text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("blocking_send: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(
    addr: &str,
    system_id: &str,
    password: &str,
    destination: &str,
    text: &str,
) -> Result<(), String> {
    let mut config = ClientConfig::new(system_id, password);
    if std::env::var_os("SMPP_TRACE").is_some() {
        config.trace = Trace::callback(|ev| eprintln!("{ev}"));
    }
    let (client, incoming) =
        Client::connect(addr, config).map_err(|e| format!("connect to {addr}: {e}"))?;
    println!("bound to {addr} as {system_id}: {:?}", client.state());

    let response = client
        .send(&Body::SubmitSm(SubmitSm {
            source: Address::alphanumeric("smpp-rs"),
            destination: Address::international(destination),
            registered_delivery: RegisteredDelivery::ON_SUCCESS_OR_FAILURE,
            short_message: text.as_bytes(),
            ..Default::default()
        }))
        .map_err(|e| format!("submit_sm: {e}"))?;
    let status = response.status();
    let message_id = response.message_id().unwrap_or_default();
    println!(
        "submit_sm_resp: status={status:?} message_id={message_id} rtt={:?}",
        response.rtt
    );
    if !status.is_ok() {
        let _ = client.unbind();
        return Err(format!("submit_sm refused: {status:?}"));
    }

    let wait = std::env::var("SMPP_RECEIPT_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::from_secs(60), Duration::from_secs);
    let deadline = Instant::now() + wait;
    let mut found = false;
    while !found {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(req) = incoming.recv_timeout(left) else {
            break;
        };
        if req.frame.command_id() == CommandId::DeliverSm {
            if let Ok(pdu) = req.pdu() {
                if let Body::DeliverSm(d) = pdu.body {
                    let payload = d.payload();
                    if d.esm_class.is_delivery_receipt() {
                        let receipt = parse_receipt(payload).ok();
                        let rid = d
                            .tlvs
                            .receipted_message_id()
                            .map(|b| String::from_utf8_lossy(b).into_owned())
                            .or_else(|| receipt.and_then(|r| r.id).map(str::to_string));
                        println!(
                            "delivery receipt: {} (receipted id {rid:?})",
                            String::from_utf8_lossy(payload)
                        );
                        found = rid.is_some_and(|r| ids_match(&r, &message_id));
                    } else {
                        println!("deliver_sm: {}", String::from_utf8_lossy(payload));
                    }
                }
            }
        }
        req.respond_ok().map_err(|e| format!("answer: {e}"))?;
    }
    client.unbind().map_err(|e| format!("unbind: {e}"))?;
    println!("unbound");
    if found {
        Ok(())
    } else {
        Err(format!("no receipt for {message_id} within {wait:?}"))
    }
}
