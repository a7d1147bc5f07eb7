//! `smpp send --to NUMBER [options] TEXT`: submit one message, optionally waiting for its
//! delivery receipts.

use crate::cli;
use crate::link::{Incoming, Link};
use crate::opts::{self, Connection, Item, Parser, UsageError};
use smpp_cli::duration::format_duration;
use smpp_cli::message::{
    address, address_text, coding_name, prepare, random_u64, MessageView, Outgoing, Split,
    TextEncoding,
};
use smpp_core::pdu::{Body, RegisteredDelivery};
use smpp_core::session::BindType;
use std::cell::RefCell;
use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

/// The subcommand's `--help`.
pub fn help() -> String {
    format!(
        "\
smpp send: submit a text message, optionally waiting for its delivery receipts

Usage: smpp send --to NUMBER [--from SENDER] [options] TEXT

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
runtime).

Options:
  --to NUMBER           destination address (required)
  --from SENDER         source address (default: empty, the SMSC's choice)
{conn}  --bind tx|trx         bind as transmitter or transceiver (default trx)
  --encoding ENC        auto, gsm7, ucs2 or latin1 (default auto: GSM 7-bit when
                        every character is in the GSM alphabet, else UCS2)
  --split METHOD        how a long text travels: udh (concatenation header,
                        default), sar (SAR TLVs) or payload (one submit_sm with
                        a message_payload TLV)
  --wait-receipt        ask for delivery receipts and wait for them (needs trx)
  --timeout D           give up after D in all (default 30s; more than 0)
  -h, --help            show this help

Durations: 3 (seconds), 500ms, 3s, 2m.

Exit status: 0 when every part was accepted (and, with --wait-receipt, reported
DELIVRD), 1 otherwise (bind failed, part rejected, timeout, ...), 2 on a usage
error (including a text the chosen encoding cannot carry).

Example:
  $ smpp send --to +447700900123 --from Shop --wait-receipt 'Your order shipped'
",
        conn = opts::CONNECTION_HELP
    )
}

const NAME: &str = "smpp send";

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

fn parse(args: impl Iterator<Item = OsString>) -> Result<Option<Options>, UsageError> {
    let mut conn = Connection::default();
    let mut to = None;
    let mut from = String::new();
    let mut bind = BindType::Transceiver;
    let mut encoding = TextEncoding::Auto;
    let mut split = Split::Udh;
    let mut wait_receipt = false;
    let mut timeout = Duration::from_secs(30);
    let mut words = Vec::new();
    let mut p = Parser::new(args);
    while let Some(item) = p.next_item()? {
        let name = match item {
            Item::Opt(name) => name,
            Item::Positional(word) => {
                words.push(word);
                continue;
            }
        };
        if conn.take(&name, &mut p)? {
            continue;
        }
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--to" => to = Some(p.value()?),
            "--from" => from = p.value()?,
            "--bind" => {
                bind =
                    opts::bind_type(&p.value()?, &[BindType::Transmitter, BindType::Transceiver])?;
            }
            "--encoding" => encoding = p.parse()?,
            "--split" => split = p.parse()?,
            "--wait-receipt" => wait_receipt = true,
            "--timeout" => timeout = p.nonzero_duration()?,
            other => return Err(opts::unknown(other)),
        }
    }
    let to = to.ok_or_else(|| UsageError("--to NUMBER is required".into()))?;
    if words.is_empty() {
        return Err(UsageError("the message TEXT is missing".into()));
    }
    if wait_receipt && bind == BindType::Transmitter {
        return Err(UsageError(
            "--wait-receipt needs --bind trx: a transmitter bind receives no receipts".into(),
        ));
    }
    for (what, a) in [("--to", &to), ("--from", &from)] {
        if address(a).addr.len() > 20 {
            return Err(UsageError(format!(
                "{what} {a:?} is longer than the 20 characters SMPP allows"
            )));
        }
    }
    Ok(Some(Options {
        conn,
        to,
        from,
        bind,
        encoding,
        split,
        wait_receipt,
        timeout,
        text: words.join(" "),
    }))
}

/// Runs the subcommand with the arguments that follow `send`.
pub fn run(args: impl Iterator<Item = OsString>) -> ExitCode {
    let o = match parse(args) {
        Ok(Some(o)) => o,
        Ok(None) => return cli::print_help(&help()),
        Err(UsageError(e)) => return cli::usage_error(NAME, e),
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
    config.session.response_timeout = o.timeout.into();
    config.session.window = config.session.window.max(out.parts.len().min(64));
    let (client, incoming) = o
        .conn
        .connect(config)
        .await
        .map_err(|e| format!("{e} ({})", o.conn.connect))?;
    let result = submit_and_wait(o, out, phase, &client, &incoming).await;
    *phase.borrow_mut() = "unbinding".into();
    let _ = client.unbind().await;
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
