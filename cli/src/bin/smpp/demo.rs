//! `smpp demo`: a complete exchange with an in-process SMSC simulator.

use crate::cli;
use crate::opts;
use clap::Args;
use smpp_cli::message::{address, coding_name, prepare, MessageView, Split, TextEncoding};
use smpp_cli::sim::{SimConfig, Simulator};
use smpp_core::pdu::{Body, RegisteredDelivery};
use smpp_smol::{Client, ClientConfig};
use std::process::ExitCode;
use std::time::Duration;

/// The subcommand's description under `--help`.
pub const ABOUT: &str = "\
Watch an SMPP exchange, with nothing else to set up.

Starts the SMSC simulator inside this process on 127.0.0.1 (a free port),
binds to it as a transceiver, submits a long Unicode text (accents and emoji:
UCS2, split into several parts with a concatenation header) asking for
delivery receipts, waits for the receipt of every part, unbinds and stops.
Each step is printed as it happens.";

/// The text after the options under `--help`.
pub const AFTER_HELP: &str = "\
Exit status: 0 when every part was accepted and receipted, 1 otherwise, 2 on a
usage error.

Examples:
  $ smpp demo
  $ smpp demo --trace";

/// `smpp demo`'s arguments.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Also print every PDU (decoded summary and hex) to standard error.
    #[arg(long)]
    trace: bool,
}

const NAME: &str = "smpp demo";

/// The demo's message: about 200 characters, accents and emoji, so UCS2 in 4 parts.
const TEXT: &str = "Bonjour ! Ça va ? Grüße aus München 🍺, saludos desde España 🌞 \
and greetings from the SMPP demo 👋. This text is long and written in Unicode, so it \
travels as UCS2 in several parts that the phone puts back together. Voilà ✅";

const FROM: &str = "SMPPDemo";
const TO: &str = "+447700900123";

/// Runs the subcommand.
pub fn run(args: DemoArgs) -> ExitCode {
    let trace = args.trace;
    let result = smol::block_on(async {
        let timer = async {
            async_io::Timer::after(Duration::from_secs(20)).await;
            Err("timed out".to_string())
        };
        futures_lite::future::or(demo(trace), timer).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{NAME}: {e}");
            ExitCode::from(cli::EXIT_FAILED)
        }
    }
}

async fn demo(trace: bool) -> Result<(), String> {
    let sim = Simulator::start(SimConfig {
        listen: "127.0.0.1:0".into(),
        receipt_delay: Duration::from_millis(50),
        trace: if trace {
            opts::stderr_trace()
        } else {
            Default::default()
        },
        ..SimConfig::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let addr = sim.local_addr();
    println!("SMSC simulator listening on {addr} (inside this process)");
    let result = exchange(addr, trace).await;
    sim.shutdown(Duration::from_secs(2)).await;
    if result.is_ok() {
        println!("done: the simulator stopped");
    }
    result
}

async fn exchange(addr: std::net::SocketAddr, trace: bool) -> Result<(), String> {
    let mut config = ClientConfig::new("smppclient1", "password");
    if trace {
        config.trace = opts::stderr_trace();
    }
    println!("-> bind_transceiver system_id=smppclient1 password=********");
    let (client, incoming) = Client::connect(addr, config)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "<- bind_transceiver_resp ESME_ROK: bound as transceiver (state {})",
        client.state()
    );

    let out = prepare(TEXT, TextEncoding::Auto, Split::Udh, 42).map_err(|e| e.to_string())?;
    let total = out.parts.len();
    println!();
    println!(
        "message from {FROM} to {TO}: {} characters, {}, {total} parts with a concatenation UDH (reference {})",
        TEXT.chars().count(),
        coding_name(out.encoding.data_coding()),
        out.reference
    );
    println!("  {TEXT:?}");
    println!();

    let mut pending = Vec::with_capacity(total);
    for i in 0..total {
        let tlvs = out.tlvs(i);
        let sm = out.submit_sm(
            i,
            &tlvs,
            address(FROM),
            address(TO),
            RegisteredDelivery::ON_SUCCESS_OR_FAILURE,
        );
        let body = Body::SubmitSm(sm);
        let text = MessageView::from_body(&body)
            .map(|v| v.text())
            .unwrap_or_default();
        println!(
            "-> submit_sm part {}/{total}: {} octets, esm_class 0x{:02X} (UDHI), registered_delivery 1: {text:?}",
            i + 1,
            sm.short_message.len(),
            sm.esm_class.0
        );
        pending.push(
            client
                .send_pipelined(&body)
                .await
                .map_err(|e| format!("part {}: {e}", i + 1))?,
        );
    }
    let mut ids = Vec::with_capacity(total);
    for (i, f) in pending.into_iter().enumerate() {
        let r = f.await.map_err(|e| format!("part {}: {e}", i + 1))?;
        if !r.status().is_ok() {
            return Err(format!("part {} rejected: {}", i + 1, r.status()));
        }
        let id = r.message_id().unwrap_or_default();
        println!(
            "<- submit_sm_resp part {}/{total}: ESME_ROK message_id={id}",
            i + 1
        );
        ids.push(Some(id));
    }
    println!();

    let mut received = 0;
    while received < total {
        let req = incoming
            .recv()
            .await
            .map_err(|_| "the connection closed before every receipt arrived".to_string())?;
        let line = match req.pdu() {
            Ok(pdu) => match MessageView::from_body(&pdu.body) {
                Some(v) if v.is_receipt() => {
                    let r = v.receipt();
                    match ids
                        .iter()
                        .position(|id| id.as_deref().is_some_and(|id| r.is_for(id)))
                    {
                        Some(k) => {
                            ids[k] = None;
                            received += 1;
                            format!(
                                "<- deliver_sm delivery receipt for part {}/{total}: {r}",
                                k + 1
                            )
                        }
                        None => format!("<- deliver_sm delivery receipt for another message: {r}"),
                    }
                }
                Some(v) => format!("<- deliver_sm message: {:?}", v.text()),
                None => format!("<- {}", pdu.command_id()),
            },
            Err(e) => format!("<- undecodable request: {e}"),
        };
        println!("{line}");
        req.respond_ok().map_err(|e| e.to_string())?;
        println!("-> deliver_sm_resp ESME_ROK");
    }
    println!();
    println!("-> unbind");
    client.unbind().await.map_err(|e| e.to_string())?;
    println!("<- unbind_resp: {total} parts submitted, {received} receipts received");
    println!("   state {}", client.state());
    Ok(())
}
