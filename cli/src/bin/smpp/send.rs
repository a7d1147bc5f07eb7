//! `smpp send --to NUMBER [options] TEXT`: submit one message, optionally waiting for its
//! delivery receipts.

use crate::cli;
use crate::link::{Incoming, Link};
use crate::opts::{self, Connection};
use clap::Args;
use smpp_cli::duration::format_duration;
use smpp_cli::message::{
    address, address_text, coding_name, prepare, random_u64, MessageView, Outgoing, Split,
    TextEncoding,
};
use smpp_core::pdu::{Body, RegisteredDelivery};
use smpp_core::session::BindType;
use std::cell::RefCell;
use std::process::ExitCode;
use std::time::Duration;

/// The subcommand's description under `--help`.
pub const ABOUT: &str = "\
Submit a text message, optionally waiting for its delivery receipts.

Binds, encodes TEXT, splits it when it does not fit one message, submits every
part (pipelined) and prints each part's message id:
  part 1/3 message_id=0000000001
With --wait-receipt, also waits for one delivery receipt per part (matched by
the receipted_message_id TLV or the receipt text's id) and prints its fields:
  receipt 1/3 id=0000000001 stat=DELIVRD err=000 sub=001 dlvrd=001 ...
Several TEXT arguments are joined with spaces. Numbers (digits, optional +)
are sent as international (TON 1, NPI 1), anything else as alphanumeric.
--runtime blocking does the same through smpp-blocking's client (threads)
instead of smpp-smol's, --runtime tokio through smpp-tokio's (on a tokio
runtime).";

/// The text after the options under `--help`.
pub const AFTER_HELP: &str = "\
Durations: 3 (seconds), 500ms, 3s, 2m. --system-id and --password default to
the environment variables SMPP_SYSTEM_ID and SMPP_PASSWORD when set (the
command line wins).

Exit status: 0 when every part was accepted (and, with --wait-receipt, reported
DELIVRD), 1 otherwise (bind failed, part rejected, timeout, ...), 2 on a usage
error (including a text the chosen encoding cannot carry).

Examples:
  $ smpp send --to +447700900123 --from Shop --wait-receipt 'Your order shipped'
  $ SMPP_PASSWORD=secret smpp send --connect smsc.example:2775 --system-id acme \\
      --system-type VMA --addr-ton 1 --addr-npi 1 --to 447700900123 Hello
  $ smpp send --tls --connect smsc.example:3550 --enquire-link 10s --to 1 'Hi'";

/// `smpp send`'s arguments.
#[derive(Args, Debug)]
pub struct SendArgs {
    /// Destination address.
    #[arg(long, value_name = "NUMBER", value_parser = address_arg())]
    to: String,
    /// Source address (default: empty, the SMSC's choice).
    #[arg(long, value_name = "SENDER", default_value = "", hide_default_value = true,
          value_parser = address_arg())]
    from: String,
    /// Bind as transmitter or transceiver.
    #[arg(long, value_name = "tx|trx", default_value = "trx",
          value_parser = opts::bind_type(&[BindType::Transmitter, BindType::Transceiver]))]
    bind: BindType,
    /// auto, gsm7, ucs2 or latin1 (auto: GSM 7-bit when every character is in the GSM
    /// alphabet, else UCS2).
    #[arg(long, value_name = "ENC", default_value = "auto", value_parser = opts::parsed::<TextEncoding>())]
    encoding: TextEncoding,
    /// How a long text travels: udh (concatenation header), sar (SAR TLVs) or payload
    /// (one submit_sm with a message_payload TLV).
    #[arg(long, value_name = "METHOD", default_value = "udh", value_parser = opts::parsed::<Split>())]
    split: Split,
    /// Ask for delivery receipts and wait for them (needs --bind trx).
    #[arg(long)]
    wait_receipt: bool,
    /// Give up after D in all (more than 0); also the bind and response timeouts unless
    /// --response-timeout is given.
    #[arg(long, value_name = "D", default_value = "30s", value_parser = opts::nonzero_duration(),
          allow_hyphen_values = true)]
    timeout: Duration,
    /// The message text (several words are joined with spaces).
    #[arg(value_name = "TEXT", required = true)]
    text: Vec<String>,
    /// The connection options (last, so that they are listed after the command's own).
    #[command(flatten)]
    conn: Connection,
}

impl SendArgs {
    /// The connection options.
    #[cfg(test)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

const NAME: &str = "smpp send";

/// An address of at most 20 characters (as sent).
fn address_arg() -> opts::Named<String> {
    opts::named(|name, a| {
        if address(a).addr.len() > 20 {
            Err(format!(
                "{name} {a:?} is longer than the 20 characters SMPP allows"
            ))
        } else {
            Ok(a.to_string())
        }
    })
}

struct Options {
    conn: Connection,
    to: String,
    from: String,
    bind: BindType,
    encoding: TextEncoding,
    split: Split,
    wait_receipt: bool,
    timeout: Duration,
    text: String,
}

/// Runs the subcommand.
pub fn run(a: SendArgs) -> ExitCode {
    if a.wait_receipt && a.bind == BindType::Transmitter {
        return cli::conflict(
            "send",
            "--wait-receipt needs --bind trx: a transmitter bind receives no receipts",
        );
    }
    let o = Options {
        conn: a.conn,
        to: a.to,
        from: a.from,
        bind: a.bind,
        encoding: a.encoding,
        split: a.split,
        wait_receipt: a.wait_receipt,
        timeout: a.timeout,
        text: a.text.join(" "),
    };
    let out = match prepare(&o.text, o.encoding, o.split, random_u64() as u16) {
        Ok(out) => out,
        Err(e) => {
            eprintln!("{NAME}: {e}");
            return ExitCode::from(cli::EXIT_USAGE);
        }
    };
    let phase = RefCell::new(String::from("connecting"));
    let result = smol::block_on(async {
        let work = send(&o, &out, &phase);
        let timer = async {
            async_io::Timer::after(o.timeout).await;
            Err(format!(
                "timed out after {} ({})",
                format_duration(o.timeout),
                phase.borrow()
            ))
        };
        futures_lite::future::or(work, timer).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{NAME}: {e}");
            ExitCode::from(cli::EXIT_FAILED)
        }
    }
}

async fn send(o: &Options, out: &Outgoing, phase: &RefCell<String>) -> Result<(), String> {
    let mut config = o.conn.client_config();
    config.bind_type = o.bind;
    config.connect_timeout = o.timeout;
    config.session.bind_timeout = o.timeout.into();
    if o.conn.timers.response_timeout.is_none() {
        config.session.response_timeout = o.timeout.into();
    }
    config.session.window = config.session.window.max(out.parts.len().min(64));
    let (client, incoming) = o
        .conn
        .connect(config)
        .await
        .map_err(|e| format!("{e} ({})", o.conn.connect))?;
    eprintln!(
        "{NAME}: bound to {} as {}: state {}",
        o.conn.connect,
        o.conn.system_id,
        client.state()
    );
    let result = submit_and_wait(o, out, phase, &client, &incoming).await;
    *phase.borrow_mut() = "unbinding".into();
    let _ = client.unbind().await;
    eprintln!("{NAME}: state {}", client.state());
    result
}

async fn submit_and_wait(
    o: &Options,
    out: &Outgoing,
    phase: &RefCell<String>,
    client: &Link,
    incoming: &Incoming,
) -> Result<(), String> {
    let total = out.parts.len();
    let rd = if o.wait_receipt {
        RegisteredDelivery::ON_SUCCESS_OR_FAILURE
    } else {
        RegisteredDelivery::NONE
    };
    if total > 1 || o.split == Split::Payload {
        eprintln!(
            "{NAME}: {} characters, {}, {total} part{} ({}, reference {})",
            o.text.chars().count(),
            coding_name(out.encoding.data_coding()),
            if total == 1 { "" } else { "s" },
            out.split,
            out.reference
        );
    }
    *phase.borrow_mut() = "submitting".into();
    let mut pending = Vec::with_capacity(total);
    for i in 0..total {
        let tlvs = out.tlvs(i);
        let sm = out.submit_sm(i, &tlvs, address(&o.from), address(&o.to), rd);
        let f = client
            .submit(&Body::SubmitSm(sm))
            .await
            .map_err(|e| format!("part {}/{total}: {e}", i + 1))?;
        pending.push(f);
    }
    *phase.borrow_mut() = "waiting for submit_sm_resp".into();
    let mut ids: Vec<Option<String>> = Vec::with_capacity(total);
    let mut failed = 0;
    for (i, f) in pending.into_iter().enumerate() {
        let n = i + 1;
        match f.wait().await {
            Ok(r) if r.status().is_ok() => {
                let id = r.message_id().unwrap_or_default();
                println!("part {n}/{total} message_id={id}");
                ids.push(Some(id));
            }
            Ok(r) => {
                println!("part {n}/{total} rejected: {}", r.status());
                failed += 1;
                ids.push(None);
            }
            Err(e) => {
                println!("part {n}/{total} failed: {e}");
                failed += 1;
                ids.push(None);
            }
        }
    }
    if failed > 0 {
        return Err(format!("{failed} of {total} parts not accepted"));
    }
    if !o.wait_receipt {
        return Ok(());
    }

    let mut waiting: Vec<(usize, String)> = ids
        .into_iter()
        .enumerate()
        .filter_map(|(i, id)| id.map(|id| (i + 1, id)))
        .collect();
    let mut undelivered = 0;
    while !waiting.is_empty() {
        *phase.borrow_mut() = format!("received {} of {total} receipts", total - waiting.len());
        let req = incoming.recv().await.ok_or_else(|| {
            format!(
                "the connection closed with {} of {total} receipts missing",
                waiting.len()
            )
        })?;
        let pdu = match req.pdu() {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{NAME}: undecodable request from the SMSC: {e}");
                continue;
            }
        };
        match MessageView::from_body(&pdu.body) {
            Some(view) if view.is_receipt() => {
                let r = view.receipt();
                match waiting.iter().position(|(_, id)| r.is_for(id)) {
                    Some(k) => {
                        let (n, _) = waiting.remove(k);
                        println!("receipt {n}/{total} {r}");
                        if !r.delivered() {
                            undelivered += 1;
                        }
                    }
                    None => eprintln!("{NAME}: ignoring a receipt for another message: {r}"),
                }
            }
            Some(view) => println!(
                "message from {} to {}: {:?}",
                address_text(&view.source),
                address_text(&view.destination),
                view.text()
            ),
            None => eprintln!(
                "{NAME}: ignoring {} from the SMSC",
                pdu.command_id().name().unwrap_or("a request")
            ),
        }
        if let Err(e) = req.respond_ok() {
            eprintln!("{NAME}: cannot answer the SMSC: {e}");
        }
    }
    if undelivered > 0 {
        return Err(format!("{undelivered} of {total} parts were not delivered"));
    }
    Ok(())
}
