//! `smpp listen [options]`: bind as a receiver and print every incoming message and
//! delivery receipt.

use crate::cli;
use crate::link::Request;
use crate::opts::{self, Connection};
use clap::Args;
use smpp_cli::duration::format_duration;
use smpp_cli::message::{address_text, coding_name, decode_text, Assembler, MessageView};
use smpp_core::message::{PushOutcome, ReassemblyEvent};
use smpp_core::session::BindType;
use std::process::ExitCode;
use std::time::Duration;

/// The subcommand's description under `--help`.
pub const ABOUT: &str = "\
Receive messages and delivery receipts from an SMSC.

Binds and prints every incoming deliver_sm or data_sm on its own line, and
answers each with ESME_ROK:
  message from 447700900999 to 12345 (GSM7): \"Hello\"
  message from 447700900999 to 12345 (UCS2, 3 parts): \"...\"
  receipt from 447700900123 to Shop: id=0000000001 stat=DELIVRD err=000 ...
Parts of a long message (UDH or SAR) are put back together and printed once,
when the last one arrived. --runtime blocking does the same through
smpp-blocking's client (threads) instead of smpp-smol's, --runtime tokio
through smpp-tokio's (on a tokio runtime).";

/// The text after the options under `--help`.
pub const AFTER_HELP: &str = "\
Durations: 3 (seconds), 500ms, 3s, 2m. Ctrl-C unbinds and exits.
--system-id and --password default to the environment variables SMPP_SYSTEM_ID
and SMPP_PASSWORD when set (the command line wins).

Exit status: 0 when --count messages arrived (or, without --count, on Ctrl-C or
at the --timeout), 1 when the bind failed, the link closed early or the
--timeout expired before --count messages, 2 on a usage error.

Examples:
  $ smpp listen --count 1 --timeout 1m
  $ smpp listen --bind trx --address-range '447*' --enquire-link 15s
  $ smpp listen --outbind-listen 127.0.0.1:2776";

/// `smpp listen`'s arguments.
#[derive(Args, Debug)]
pub struct ListenArgs {
    /// Bind as receiver or transceiver.
    #[arg(long, value_name = "rx|trx", default_value = "rx",
          value_parser = opts::bind_type(&[BindType::Receiver, BindType::Transceiver]))]
    bind: BindType,
    /// Instead of connecting, listen on ADDR and wait for the SMSC to connect and send
    /// outbind (within the bind timeout), then bind as a receiver (--bind is ignored).
    #[arg(long, value_name = "ADDR")]
    outbind_listen: Option<String>,
    /// Exit after N messages (receipts included; a long message counts once).
    #[arg(long, value_name = "N", value_parser = opts::parsed::<u64>(), allow_hyphen_values = true)]
    count: Option<u64>,
    /// Stop after D, more than 0 (with --count: failing when fewer than N arrived).
    #[arg(long, value_name = "D", value_parser = opts::nonzero_duration(), allow_hyphen_values = true)]
    timeout: Option<Duration>,
    /// The connection options (last, so that they are listed after the command's own).
    #[command(flatten)]
    conn: Connection,
}

impl ListenArgs {
    /// The connection options.
    #[cfg(test)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

const NAME: &str = "smpp listen";

/// Runs the subcommand.
pub fn run(a: ListenArgs) -> ExitCode {
    let o = a;
    match smol::block_on(listen(&o)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{NAME}: {e}");
            ExitCode::from(cli::EXIT_FAILED)
        }
    }
}

enum Next {
    Request(Option<Request>),
    Timeout,
    Interrupted,
}

async fn listen(o: &ListenArgs) -> Result<(), String> {
    let mut interrupts = opts::Interrupts::catch();
    // A deadline beyond what the clock can hold is none.
    let deadline = o
        .timeout
        .and_then(|t| std::time::Instant::now().checked_add(t));
    let mut config = o.conn.client_config();
    config.bind_type = o.bind;
    if let Some(t) = o.timeout {
        config.connect_timeout = config.connect_timeout.min(t);
    }
    if let Some(addr) = &o.outbind_listen {
        eprintln!("{NAME}: waiting for outbind on {addr}");
    }
    let connect = async {
        match &o.outbind_listen {
            Some(addr) => crate::link::Link::listen_outbind(&o.conn, addr, config).await,
            None => o.conn.connect(config).await,
        }
        .map_err(|e| e.to_string())
    };
    let timer = async {
        match deadline {
            Some(d) => async_io::Timer::at(d).await,
            None => futures_lite::future::pending().await,
        };
        Err("connect timed out".to_string())
    };
    let (client, incoming) = futures_lite::future::or(connect, timer)
        .await
        .map_err(|e| format!("{e} ({})", o.conn.connect))?;
    let (peer, bind) = match &o.outbind_listen {
        Some(_) => ("the SMSC that sent outbind", BindType::Receiver),
        None => (o.conn.connect.as_str(), o.bind),
    };
    eprintln!(
        "{NAME}: bound to {peer} as {} ({bind}, {} runtime): state {}",
        o.conn.system_id,
        o.conn.runtime,
        client.state()
    );

    let mut assembler = Assembler::new();
    let mut received = 0u64;
    let result = loop {
        if o.count.is_some_and(|n| received >= n) {
            break Ok(());
        }
        let next = futures_lite::future::or(
            async { Next::Request(incoming.recv().await) },
            futures_lite::future::or(
                async {
                    match deadline {
                        Some(d) => async_io::Timer::at(d).await,
                        None => futures_lite::future::pending().await,
                    };
                    Next::Timeout
                },
                async {
                    interrupts.wait().await;
                    Next::Interrupted
                },
            ),
        )
        .await;
        match next {
            Next::Request(Some(req)) => {
                received += show(&req, &mut assembler);
                if let Err(e) = req.respond_ok() {
                    eprintln!("{NAME}: cannot answer the SMSC: {e}");
                }
            }
            Next::Request(None) => {
                break Err(format!(
                    "the connection closed: state {} ({} message{} received)",
                    client.state(),
                    received,
                    if received == 1 { "" } else { "s" }
                ))
            }
            Next::Timeout => {
                break match o.count {
                    Some(n) => Err(format!(
                        "timed out after {}: received {received} of {n} messages",
                        o.timeout.map(format_duration).unwrap_or_default()
                    )),
                    None => Ok(()),
                };
            }
            Next::Interrupted => break Ok(()),
        }
    };
    let _ = client.unbind().await;
    if result.is_ok() {
        eprintln!("{NAME}: state {}", client.state());
    }
    result
}

/// Prints one incoming request; returns how many messages it completed (0 or 1).
fn show(req: &Request, assembler: &mut Assembler) -> u64 {
    let pdu = match req.pdu() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{NAME}: undecodable request: {e}");
            return 0;
        }
    };
    let Some(view) = MessageView::from_body(&pdu.body) else {
        eprintln!(
            "{NAME}: {} from the SMSC",
            pdu.command_id().name().unwrap_or("unknown request")
        );
        return 0;
    };
    let from = address_text(&view.source);
    let to = address_text(&view.destination);
    if view.is_receipt() {
        println!("receipt from {from} to {to}: {}", view.receipt());
        return 1;
    }
    let coding = coding_name(view.data_coding);
    let Some(part) = view.part_input() else {
        println!("message from {from} to {to} ({coding}): {:?}", view.text());
        return 1;
    };
    let outcome = assembler.push(part);
    for ev in assembler.events() {
        if let ReassemblyEvent::Dropped {
            key,
            parts_received,
            total,
            reason,
        } = ev
        {
            eprintln!(
                "{NAME}: dropped an incomplete message from {} ({parts_received} of {total} parts, {reason:?})",
                String::from_utf8_lossy(&key.source)
            );
        }
    }
    match outcome {
        PushOutcome::Complete(a) => {
            let text = decode_text(view.data_coding, a.data());
            println!(
                "message from {from} to {to} ({coding}, {} parts): {text:?}",
                a.part_count()
            );
            1
        }
        PushOutcome::Pending { .. } => 0,
        PushOutcome::Duplicate { seq } => {
            eprintln!("{NAME}: duplicate part {seq} from {from} ignored");
            0
        }
        PushOutcome::Rejected(e) => {
            eprintln!("{NAME}: invalid part from {from}: {e}");
            0
        }
    }
}
