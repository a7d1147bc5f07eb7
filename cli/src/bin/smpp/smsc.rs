//! `smpp smsc [options]`: an SMSC simulator (`smpp_cli::sim`).

use crate::cli;
use crate::opts::{self, Runtime};
use clap::Args;
use smpp_cli::control::ControlPlane;
use smpp_cli::duration::format_duration;
use smpp_cli::profile::Profile;
use smpp_cli::sim::{Account, SimConfig, Simulator, TlsListen, TlsPem};
use smpp_core::session::{CommandSet, Inactivity};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The subcommand's description under `--help`.
pub const ABOUT: &str = "\
An SMSC simulator for testing ESMEs.

Accepts binds of the configured accounts (anything else: ESME_RBINDFAIL),
answers submit_sm, data_sm and submit_multi with unique message ids, and sends
a delivery receipt (deliver_sm, esm_class 0x04, standard receipt text, TLVs
receipted_message_id and message_state) for every message whose
registered_delivery asks for one (source and destination swapped; the text
is IA5 when it is ASCII, else UCS2). Receipts go round robin to the account's
receiver and transceiver binds, and wait in a bounded queue while none is
bound. Delivery is at least once: a receipt is retried until a bind answers
ESME_ROK or a permanent error, or its retry budget is spent. Other message
commands (query_sm, replace_sm, cancel_sm, or whatever --supported leaves
out) are answered generic_nack ESME_RINVCMDID.
Ctrl-C (SIGINT) or SIGTERM unbinds every session and exits.

Prints \"listening on ADDR\" to standard error once ready (and \"listening
(TLS) on ADDR\" with --tls-cert, \"control plane on http://ADDR/\" with --http).

With --http, a control plane: GET /api/sessions, DELETE /api/sessions/ID
(?abort=true), GET /api/messages?account=&since=&limit=, POST /api/mo,
POST /api/receipts, GET /api/store, GET /metrics (Prometheus), and a
dashboard at /.";

/// The text after the options under `--help`.
pub const AFTER_HELP: &str = "\
Profiles (--profile NAME; any option given explicitly overrides the profile):
  ecall  the eCall SMSC: only bind_*, submit_sm, deliver_sm, enquire_link and
         unbind are served (submit_multi, data_sm, query_sm, replace_sm and
         cancel_sm: generic_nack ESME_RINVCMDID), sessions idle 60s (any PDU
         counts) are closed, bind responses carry system_id eCallSmpp

Durations: 3 (seconds), 500ms, 3s, 2m.

Exit status: 0 after a clean shutdown, 1 when it cannot start, 2 on a usage
error.

Examples:
  $ smpp smsc --receipt-delay-ms 200 --mo-on-bind 'Welcome!' --jsonl sim.jsonl
  $ smpp smsc --listen 0.0.0.0:2775 --account acme:secret --reject-rate 0.1
  $ smpp smsc --profile ecall --inactivity-timeout 5m
  $ smpp smsc --supported submit_sm,enquire_link --no-interface-version-tlv
  $ smpp smsc --version 5.0
  $ smpp smsc --http --hold-receipts
  $ curl -s localhost:8775/api/sessions";

/// `smpp smsc`'s arguments. Options that a `--profile` sets are `Option`s: given, they
/// override it.
#[derive(Args, Debug)]
pub struct SmscArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:2775")]
    listen: String,
    /// The server library: smol (smpp-smol, async; the default), blocking (smpp-blocking,
    /// threads) or tokio (smpp-tokio, on a 2-worker tokio runtime); the simulator behaves
    /// the same on each.
    #[arg(long, value_name = "RT", default_value = "smol", value_parser = opts::parsed::<Runtime>())]
    runtime: Runtime,
    /// Apply an SMSC profile (ecall; see Profiles below) before the other options.
    #[arg(long, value_name = "NAME", value_parser = opts::parsed::<Profile>())]
    profile: Option<Profile>,
    /// PEM certificate chain (leaf first) for a TLS (SMPPS) listener beside the plain one;
    /// needs --tls-key.
    #[arg(long, value_name = "FILE")]
    tls_cert: Option<String>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE")]
    tls_key: Option<String>,
    /// Address of the TLS listener (default 127.0.0.1:3550); the same accounts, routing and
    /// receipt store serve both listeners.
    #[arg(long, value_name = "ADDR")]
    tls_listen: Option<String>,
    /// An accepted account; repeatable; giving any replaces the default
    /// smppclient1:password.
    #[arg(long, value_name = "ID:PASSWORD", value_parser = account())]
    account: Vec<Account>,
    /// system_id in bind responses (default smpp-sim).
    #[arg(long, value_name = "ID")]
    system_id: Option<String>,
    /// Bind responses without the sc_interface_version TLV (by default they carry it,
    /// 0x34).
    #[arg(long)]
    no_interface_version_tlv: bool,
    /// The highest SMPP version served: 3.4 (the default) or 5.0. With 5.0, sessions bound
    /// with interface_version 0x50 get sc_interface_version 0x50, may send broadcast_sm,
    /// query_broadcast_sm and cancel_broadcast_sm (the simulator keeps each broadcast's
    /// state), and every answer on them carries congestion_state from the server's load;
    /// 3.4 binds are answered 0x34 and served as 3.4.
    #[arg(long = "version", value_name = "3.4|5.0", value_parser = smpp_version())]
    smpp_version: Option<smpp_core::session::SmppVersion>,
    /// The requests served, comma-separated (case-insensitive), e.g.
    /// submit_sm,deliver_sm,enquire_link. A message command (submit_sm, submit_multi,
    /// data_sm, query_sm, cancel_sm, replace_sm; with --version 5.0 also broadcast_sm,
    /// query_broadcast_sm, cancel_broadcast_sm) not listed is answered generic_nack
    /// ESME_RINVCMDID; binds, unbind and enquire_link are always served (default
    /// submit_sm,data_sm,submit_multi, and the three broadcast requests with 5.0).
    #[arg(long, value_name = "CMD,...", value_parser = opts::commands())]
    supported: Option<CommandSet>,
    /// Delay before each delivery receipt, in milliseconds (default 0).
    #[arg(long, value_name = "N", value_parser = opts::parsed::<u64>(), allow_hyphen_values = true)]
    receipt_delay_ms: Option<u64>,
    /// Send TEXT as an MO deliver_sm to every new receiver or transceiver bind, from
    /// 447700900999 to the bind's address_range (or 12345); repeatable, sent in order.
    #[arg(long, value_name = "TEXT")]
    mo_on_bind: Vec<String>,
    /// A message to NUMBER comes back to the sender's account as an MO from NUMBER with the
    /// same text (a long message once all its parts arrived).
    #[arg(long, value_name = "NUMBER")]
    echo: Option<String>,
    /// Answer the fraction P (0..1) of submissions with ESME_RSUBMITFAIL (deterministic
    /// pseudo-random).
    #[arg(long, value_name = "P", value_parser = opts::ranged(0.0..=1.0f64), allow_hyphen_values = true)]
    reject_rate: Option<f64>,
    /// Answer submissions beyond N per second and bind with ESME_RTHROTTLED.
    #[arg(long, value_name = "N", value_parser = opts::parsed::<u32>(), allow_hyphen_values = true)]
    throttle_rate: Option<u32>,
    /// Time from connect to bind (default 30s; more than 0).
    #[arg(long, value_name = "D", value_parser = opts::nonzero_duration(), allow_hyphen_values = true)]
    bind_timeout: Option<Duration>,
    /// Close sessions idle this long (default 2m; 0: never).
    #[arg(long, value_name = "D", value_parser = opts::duration(), allow_hyphen_values = true)]
    inactivity_timeout: Option<Duration>,
    /// What resets that timer: any PDU received (default) or only messages (submit_sm,
    /// deliver_sm, data_sm, submit_multi, either way): an ESME that only sends
    /// enquire_link times out.
    #[arg(long, value_name = "any|messages", value_parser = opts::inactivity())]
    inactivity_counts: Option<Inactivity>,
    /// Send enquire_link on a session after D without receiving anything (default 60s;
    /// 0: never).
    #[arg(long, value_name = "D", value_parser = opts::duration(), allow_hyphen_values = true)]
    enquire_link: Option<Duration>,
    /// How long to wait for the answer to a receipt or MO before it is retried (default
    /// 60s; more than 0); unanswered, refused-for-now (ESME_RX_T_APPN, ESME_RTHROTTLED,
    /// ESME_RMSGQFUL, generic_nack) and lost deliveries go back to the queue in order, on
    /// another bind at once or the same one after a back-off.
    #[arg(long, value_name = "D", value_parser = opts::nonzero_duration(), allow_hyphen_values = true)]
    response_timeout: Option<Duration>,
    /// Connect out to an ESME listening at HOST:PORT, send outbind for ACCOUNT (one of
    /// --account) and serve its bind_receiver; retried with back-off while it is not
    /// listening; repeatable.
    #[arg(long, value_name = "HOST:PORT=ACCOUNT", value_parser = outbind())]
    outbind: Vec<(SocketAddr, String)>,
    /// Session window and peer window, 1 to 100000 (default 512; keep it at least the
    /// clients' windows).
    #[arg(long, value_name = "N", value_parser = opts::ranged(1..=opts::MAX_WINDOW), allow_hyphen_values = true)]
    window: Option<usize>,
    /// Print every PDU to standard error.
    #[arg(long)]
    trace: bool,
    /// Write one JSON object per line to FILE for every bind (accepted or rejected), unbind
    /// and close, submitted message or part (with its decoded text), long message once
    /// reassembled, receipt and MO sent.
    #[arg(long, value_name = "FILE")]
    jsonl: Option<PathBuf>,
    /// Serve the control plane over HTTP on ADDR (default 127.0.0.1:8775 when given without
    /// a value): a JSON API under /api/ (sessions, unbind, submitted messages, MO
    /// injection, forced receipts, the store), Prometheus metrics at /metrics and a
    /// dashboard at /. Off by default.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = smpp_cli::control::DEFAULT_HTTP_ADDR)]
    http: Option<String>,
    /// How many submitted messages (parts) the control plane keeps for GET /api/messages
    /// and POST /api/receipts (default 1000; the oldest go first).
    #[arg(long, value_name = "N", value_parser = opts::ranged(1..=1_000_000usize), allow_hyphen_values = true)]
    message_log: Option<usize>,
    /// Hold the delivery receipts that submissions ask for: none is sent until one is
    /// forced with POST /api/receipts (needs --http).
    #[arg(long)]
    hold_receipts: bool,
    /// Keep pending deliveries (receipts and MO waiting for a receiver) in a store, so
    /// that they survive a restart and a crash: a file PATH (an embedded database,
    /// created if missing), or redis://HOST:PORT[/DB] (Redis Streams shared by every
    /// node on that Redis: a receipt reaches the account's receiver on whichever node it
    /// is bound; options ?claim_after=30s&poll=100ms&retry_for=5s&prefix=smpp). Without it
    /// they are kept in memory only. While the store fails, submissions that ask for a
    /// receipt are answered ESME_RSYSERR (ESME_RMSGQFUL when it is full).
    #[arg(long, value_name = "PATH|URL")]
    store: Option<String>,
}

const NAME: &str = "smpp smsc";
const SUB: &str = "smsc";

fn smpp_version() -> opts::Named<smpp_core::session::SmppVersion> {
    opts::named(|name, text| match text {
        "3.4" => Ok(smpp_core::session::SmppVersion::V3_4),
        "5.0" | "5" => Ok(smpp_core::session::SmppVersion::V5_0),
        _ => Err(format!("{name} takes 3.4 or 5.0, not {text:?}")),
    })
}

fn account() -> opts::Named<Account> {
    opts::named(|name, text| Account::parse(text).map_err(|e| format!("{name}: {e}")))
}

fn outbind() -> opts::Named<(SocketAddr, String)> {
    opts::named(|name, v| {
        let (addr, account) = v
            .rsplit_once('=')
            .ok_or_else(|| format!("{name} takes HOST:PORT=ACCOUNT, not {v:?}"))?;
        let addr = std::net::ToSocketAddrs::to_socket_addrs(addr)
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| format!("{name}: cannot resolve {addr:?}"))?;
        Ok((addr, account.to_string()))
    })
}

/// The simulator's configuration: the defaults, then the profile, then the options given.
fn config(a: SmscArgs) -> Result<SimConfig, ExitCode> {
    let mut config = SimConfig::default();
    if let Some(p) = a.profile {
        p.apply(&mut config);
    }
    config.listen = a.listen;
    config.runtime = a.runtime;
    if !a.account.is_empty() {
        config.accounts = a.account;
    }
    if let Some(id) = a.system_id {
        config.system_id = id;
    }
    if a.no_interface_version_tlv {
        config.sc_interface_version = None;
    }
    if let Some(s) = a.supported {
        config.supported = Some(s);
    }
    if let Some(v) = a.smpp_version {
        config.version = v;
    }
    if let Some(ms) = a.receipt_delay_ms {
        config.receipt_delay = Duration::from_millis(ms);
    }
    config.mo_on_bind = a.mo_on_bind;
    config.echo = a.echo;
    if let Some(r) = a.reject_rate {
        config.reject_rate = r;
    }
    config.throttle_rate = a.throttle_rate;
    config.bind_timeout = a.bind_timeout.or(config.bind_timeout);
    if let Some(d) = a.inactivity_timeout {
        config.inactivity_timeout = (!d.is_zero()).then_some(d);
    }
    if let Some(i) = a.inactivity_counts {
        config.inactivity = i;
    }
    if let Some(d) = a.enquire_link {
        config.enquire_link = (!d.is_zero()).then_some(d);
    }
    config.response_timeout = a.response_timeout.or(config.response_timeout);
    if let Some(w) = a.window {
        config.window = w;
    }
    if a.trace {
        let states = smpp_cli::trace::StateTrace::stderr();
        config.trace = states.trace();
        config.states = Some(states);
    }
    config.jsonl = a.jsonl;
    if a.http.is_none() && (a.hold_receipts || a.message_log.is_some()) {
        let opt = if a.hold_receipts {
            "--hold-receipts"
        } else {
            "--message-log"
        };
        return Err(cli::conflict(SUB, format_args!("{opt} needs --http")));
    }
    config.observe = a.http.is_some();
    if let Some(n) = a.message_log {
        config.message_log = n;
    }
    config.hold_receipts = a.hold_receipts;
    config.store = a.store;
    config.outbinds = a.outbind;
    for (addr, account) in &config.outbinds {
        if !config.accounts.iter().any(|a| &a.system_id == account) {
            return Err(cli::conflict(
                SUB,
                format_args!("--outbind {addr}={account}: {account} is not an --account"),
            ));
        }
    }
    match (a.tls_cert, a.tls_key) {
        (Some(cert), Some(key)) => {
            let pem = TlsPem::from_files(&cert, &key).map_err(|e| {
                cli::invalid(
                    SUB,
                    format_args!("--tls-cert {cert} / --tls-key {key}: {e}"),
                )
            })?;
            config.tls = Some(TlsListen {
                listen: a.tls_listen.unwrap_or_else(|| "127.0.0.1:3550".into()),
                pem,
            });
        }
        (None, None) if a.tls_listen.is_some() => {
            return Err(cli::conflict(
                SUB,
                "--tls-listen needs --tls-cert and --tls-key",
            ));
        }
        (None, None) => {}
        _ => return Err(cli::conflict(SUB, "--tls-cert and --tls-key go together")),
    }
    Ok(config)
}

/// Runs the subcommand.
pub fn run(args: SmscArgs) -> ExitCode {
    let http = args.http.clone();
    let config = match config(args) {
        Ok(c) => c,
        Err(code) => return code,
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
        let control = match &http {
            Some(addr) => match ControlPlane::new(sim.handle()).serve(addr) {
                Ok(server) => {
                    eprintln!("control plane on http://{}/", server.local_addr());
                    Some(server)
                }
                Err(e) => {
                    eprintln!("{NAME}: cannot serve the control plane on {addr}: {e}");
                    sim.shutdown(Duration::ZERO).await;
                    return ExitCode::from(cli::EXIT_FAILED);
                }
            },
            None => None,
        };
        let signal = interrupts.wait().await;
        let grace = Duration::from_secs(5);
        eprintln!(
            "{NAME}: {signal:?}: unbinding every session (up to {})",
            format_duration(grace)
        );
        let stats = sim.stats();
        if let Some(c) = control {
            smol::unblock(move || c.stop()).await;
        }
        sim.shutdown(grace).await;
        eprintln!(
            "{NAME}: stopped: {} accepted, {} rejected, {} throttled, {} receipts, {} MO",
            stats.accepted, stats.rejected, stats.throttled, stats.receipts, stats.mo
        );
        ExitCode::SUCCESS
    })
}
