//! `smpp smsc [options]`: an SMSC simulator (`smpp_cli::sim`).

use crate::cli;
use crate::opts::{self, Item, Parser, UsageError};
use smpp_cli::duration::format_duration;
use smpp_cli::sim::{Account, SimConfig, Simulator, TlsListen, TlsPem};
use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

/// The subcommand's `--help`.
pub const HELP: &str = "\
smpp smsc: an SMSC simulator for testing ESMEs

Usage: smpp smsc [options]

Accepts binds of the configured accounts (anything else: ESME_RBINDFAIL),
answers submit_sm, data_sm and submit_multi with unique message ids, and sends
a delivery receipt (deliver_sm, esm_class 0x04, standard receipt text, TLVs
receipted_message_id and message_state) for every message whose
registered_delivery asks for one (source and destination swapped; the text
is IA5 when it is ASCII, else UCS2). Receipts go round robin to the account's
receiver and transceiver binds, and wait in a bounded queue while none is
bound. Delivery is at least once: a receipt is retried until a bind answers
ESME_ROK or a permanent error, or its retry budget is spent.
Ctrl-C (SIGINT) or SIGTERM unbinds every session and exits.

Options:
  --listen ADDR            address to listen on (default 127.0.0.1:2775; port
                           0 picks a free port)
  --runtime RT             the server library: smol (smpp-smol, async; the
                           default), blocking (smpp-blocking, threads) or
                           tokio (smpp-tokio, on a 2-worker tokio runtime);
                           the simulator behaves the same on each
  --tls-cert FILE          PEM certificate chain (leaf first) for a TLS
                           (SMPPS) listener beside the plain one; needs
                           --tls-key
  --tls-key FILE           PEM private key of --tls-cert
  --tls-listen ADDR        address of the TLS listener (default
                           127.0.0.1:3550); the same accounts, routing and
                           receipt store serve both listeners
  --account ID:PASSWORD    an accepted account; repeatable; giving any
                           replaces the default smppclient1:password
  --system-id ID           system_id in bind responses (default smpp-sim)
  --receipt-delay-ms N     delay before each delivery receipt (default 0)
  --mo-on-bind TEXT        send TEXT as an MO deliver_sm to every new receiver
                           or transceiver bind, from 447700900999 to the
                           bind's address_range (or 12345); repeatable, sent
                           in order
  --echo NUMBER            a message to NUMBER comes back to the sender's
                           account as an MO from NUMBER with the same text
                           (a long message once all its parts arrived)
  --reject-rate P          answer the fraction P (0..1) of submissions with
                           ESME_RSUBMITFAIL (deterministic pseudo-random)
  --throttle-rate N        answer submissions beyond N per second and bind
                           with ESME_RTHROTTLED
  --bind-timeout D         time from connect to bind (default 30s; more than 0)
  --inactivity-timeout D   close sessions idle this long (default 2m; 0: never)
  --inactivity-counts any|messages
                           what resets that timer: any PDU received (default)
                           or only messages (submit_sm, deliver_sm, data_sm,
                           submit_multi, either way): an ESME that only sends
                           enquire_link times out
  --response-timeout D     how long to wait for the answer to a receipt or MO
                           before it is retried (default 60s; more than 0);
                           unanswered, refused-for-now (ESME_RX_T_APPN,
                           ESME_RTHROTTLED, ESME_RMSGQFUL, generic_nack) and
                           lost deliveries go back to the queue in order, on
                           another bind at once or the same one after a
                           back-off
  --outbind HOST:PORT=ACCOUNT
                           connect out to an ESME listening at HOST:PORT, send
                           outbind for ACCOUNT (one of --account) and serve
                           its bind_receiver; retried with back-off while it
                           is not listening; repeatable
  --window N               session window and peer window, 1 to 100000
                           (default 512; keep it at least the clients'
                           windows)
  --trace                  print every PDU to standard error
  --jsonl FILE             write one JSON object per line to FILE for every
                           bind (accepted or rejected), unbind and close,
                           submitted message or part (with its decoded text),
                           long message once reassembled, receipt and MO sent
  -h, --help               show this help

Durations: 3 (seconds), 500ms, 3s, 2m.

Prints \"listening on ADDR\" to standard error once ready (and \"listening
(TLS) on ADDR\" with --tls-cert).

Exit status: 0 after a clean shutdown, 1 when it cannot start, 2 on a usage
error.

Example:
  $ smpp smsc --receipt-delay-ms 200 --mo-on-bind 'Welcome!' --jsonl sim.jsonl
";

const NAME: &str = "smpp smsc";

fn parse(args: impl Iterator<Item = OsString>) -> Result<Option<SimConfig>, UsageError> {
    let mut config = SimConfig::default();
    let mut accounts = Vec::new();
    let (mut tls_cert, mut tls_key, mut tls_listen) = (None, None, None);
    let mut p = Parser::new(args);
    while let Some(item) = p.next_item()? {
        let name = match item {
            Item::Opt(name) => name,
            Item::Positional(a) => return Err(UsageError(format!("unexpected argument {a:?}"))),
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--listen" => config.listen = p.value()?,
            "--runtime" => config.runtime = p.parse()?,
            "--tls-cert" => tls_cert = Some(p.value()?),
            "--tls-key" => tls_key = Some(p.value()?),
            "--tls-listen" => tls_listen = Some(p.value()?),
            "--account" => {
                accounts.push(Account::parse(&p.value()?).map_err(UsageError)?);
            }
            "--system-id" => config.system_id = p.value()?,
            "--receipt-delay-ms" => {
                config.receipt_delay = Duration::from_millis(p.parse::<u64>()?);
            }
            "--mo-on-bind" => config.mo_on_bind.push(p.value()?),
            "--echo" => config.echo = Some(p.value()?),
            "--reject-rate" => config.reject_rate = p.parse_in(0.0..=1.0)?,
            "--throttle-rate" => config.throttle_rate = Some(p.parse()?),
            "--bind-timeout" => config.bind_timeout = Some(p.nonzero_duration()?),
            "--inactivity-timeout" => {
                let d = p.duration()?;
                config.inactivity_timeout = (!d.is_zero()).then_some(d);
            }
            "--inactivity-counts" => config.inactivity = p.inactivity()?,
            "--window" => config.window = p.parse_in(1..=opts::MAX_WINDOW)?,
            "--response-timeout" => config.response_timeout = Some(p.nonzero_duration()?),
            "--outbind" => {
                let v = p.value()?;
                let (addr, account) = v.rsplit_once('=').ok_or_else(|| {
                    UsageError(format!("--outbind takes HOST:PORT=ACCOUNT, not {v:?}"))
                })?;
                let addr = std::net::ToSocketAddrs::to_socket_addrs(addr)
                    .ok()
                    .and_then(|mut a| a.next())
                    .ok_or_else(|| UsageError(format!("--outbind: cannot resolve {addr:?}")))?;
                config.outbinds.push((addr, account.to_string()));
            }
            "--trace" => config.trace = opts::stderr_trace(),
            "--jsonl" => config.jsonl = Some(p.value()?.into()),
            other => return Err(opts::unknown(other)),
        }
    }
    if !accounts.is_empty() {
        config.accounts = accounts;
    }
    for (addr, account) in &config.outbinds {
        if !config.accounts.iter().any(|a| &a.system_id == account) {
            return Err(UsageError(format!(
                "--outbind {addr}={account}: {account} is not an --account"
            )));
        }
    }
    match (tls_cert, tls_key) {
        (Some(cert), Some(key)) => {
            let pem = TlsPem::from_files(&cert, &key)
                .map_err(|e| UsageError(format!("--tls-cert {cert} / --tls-key {key}: {e}")))?;
            config.tls = Some(TlsListen {
                listen: tls_listen.unwrap_or_else(|| "127.0.0.1:3550".into()),
                pem,
            });
        }
        (None, None) if tls_listen.is_some() => {
            return Err(UsageError(
                "--tls-listen needs --tls-cert and --tls-key".into(),
            ));
        }
        (None, None) => {}
        _ => return Err(UsageError("--tls-cert and --tls-key go together".into())),
    }
    Ok(Some(config))
}

/// Runs the subcommand with the arguments that follow `smsc`.
pub fn run(args: impl Iterator<Item = OsString>) -> ExitCode {
    let config = match parse(args) {
        Ok(Some(c)) => c,
        Ok(None) => return cli::print_help(HELP),
        Err(UsageError(e)) => return cli::usage_error(NAME, e),
    };
    let listen = config.listen.clone();
    smol::block_on(async move {
        let mut interrupts = opts::Interrupts::catch();
        let sim = match Simulator::start(config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{NAME}: {e} ({listen})");
                return ExitCode::from(cli::EXIT_FAILED);
            }
        };
        eprintln!("listening on {}", sim.local_addr());
        if let Some(a) = sim.tls_local_addr() {
            eprintln!("listening (TLS) on {a}");
        }
        let signal = interrupts.wait().await;
        let grace = Duration::from_secs(5);
        eprintln!(
            "{NAME}: {signal:?}: unbinding every session (up to {})",
            format_duration(grace)
        );
        let stats = sim.stats();
        sim.shutdown(grace).await;
        eprintln!(
            "{NAME}: stopped: {} accepted, {} rejected, {} throttled, {} receipts, {} MO",
            stats.accepted, stats.rejected, stats.throttled, stats.receipts, stats.mo
        );
        ExitCode::SUCCESS
    })
}
