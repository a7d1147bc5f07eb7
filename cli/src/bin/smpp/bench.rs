//! `smpp bench [options]`: a submit_sm load generator against any SMSC.

use crate::cli;
use crate::link::{Error, Incoming, Link, Pending};
use crate::opts::{self, Connection, Runtime};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use smpp_cli::message::MessageView;
use smpp_cli::stats::{BenchReport, Counts, Latencies, ReceiptReport, ReceiptTracker};
use smpp_core::client::Response;
use smpp_core::pdu::{Address, Body, CommandId, RegisteredDelivery, SubmitSm, Tlv, TlvTag, Tlvs};
use smpp_core::session::BindType;
use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The subcommand's description under `--help`.
pub const ABOUT: &str = "\
A submit_sm load generator.

Opens K binds, shares N submit_sm between them and keeps up to W requests in
flight on each (pipelined), optionally limited to R messages per second in
all. Shows a progress bar on standard error when it is a terminal, then
prints the throughput (answered messages per second, from the first request
to the last response), the errors by status, the requests left without an
answer by reason, and the latency from sending a request to reading its
response (p50, p99, max, in ms). With --runtime smol each bind is a task of
smpp-smol's client; with --runtime blocking each bind is a thread keeping up
to W tickets of smpp-blocking's client in flight; with --runtime tokio each
bind is a task of smpp-tokio's client on a multi-thread tokio runtime (2
workers).

With --receipts every submit_sm asks for a delivery receipt
(registered_delivery 1), each bind answers every deliver_sm ESME_ROK as it
reads it, and a receipt coming back on any bind is matched to its message by
message id (its receipted_message_id TLV, else the id: of its text; case and
leading zeros ignored). After the last response the bench waits up to
--receipt-timeout for the receipts still missing, then reports how many came
of how many expected (one per message answered ESME_ROK) and the latency from
sending a message to receiving its receipt (p50, p99, max). Receipts the SMSC
gives to other binds of the account count as missing; receipts for no message
of this run (left from an earlier one, duplicates) as unmatched.";

/// The text after the options under `--help`.
pub const AFTER_HELP: &str = "\
JSON fields (--json):
  msgs_per_sec          answered / elapsed_s
  attempted             messages asked for (--count)
  sent                  submit_sm actually written for the SMSC (a throttled
                        message sent again counts each time)
  answered              submit_sm answered, whatever the status
  ok                    answered ESME_ROK
  errors                answered with an error status (ok + errors = answered)
  errors_by_status      {STATUS: count} of those
  failed                not answered: timed out, link lost, or never sent
                        (answered + failed = attempted)
  failed_by_kind        {KIND: count} of those (timeout, connection lost: ...)
  p50_ms, p99_ms, max_ms
                        latency from writing a request to reading its response
  elapsed_s             from the first request to the last response
  binds, window, size   the options used
  receipts_requested    true with --receipts (the receipt fields are 0 without)
  receipts              receipts received and matched, each message once
  receipts_expected     one per message answered ESME_ROK
  receipts_missing      expected and not received within --receipt-timeout
  receipts_unmatched    receipts for no message of this run
  receipt_p50_ms, receipt_p99_ms, receipt_max_ms
                        latency from sending a message to receiving its receipt

Durations: 3 (seconds), 500ms, 3s, 2m. --system-id and --password default to
the environment variables SMPP_SYSTEM_ID and SMPP_PASSWORD when set (the
command line wins).

Exit status: 0 when every message was answered ESME_ROK (and, with --receipts,
every receipt came), 1 when any failed or a receipt is missing (after printing
the results) or a bind failed, 2 on a usage error.

Examples:
  $ smpp bench --binds 4 --window 256 --count 500000 --json
  $ smpp bench --binds 2 --count 10000 --receipts --receipt-timeout 10s
  $ smpp bench --rate 100 --count 6000 --response-timeout 5s";

/// `smpp bench`'s arguments.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Number of binds, 1 to 1000.
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = opts::ranged(1..=MAX_BINDS),
          allow_hyphen_values = true)]
    binds: usize,
    /// Bind type.
    #[arg(long, value_name = "tx|trx", default_value = "trx",
          value_parser = opts::bind_type(&[BindType::Transmitter, BindType::Transceiver]))]
    bind: BindType,
    /// Requests in flight per bind, 1 to 100000.
    #[arg(long, value_name = "W", default_value_t = 64,
          value_parser = opts::ranged(1..=opts::MAX_WINDOW), allow_hyphen_values = true)]
    window: usize,
    /// Messages in all.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = opts::parsed::<u64>(),
          allow_hyphen_values = true)]
    count: u64,
    /// At most R messages per second in all, R at least 0.001 (default: as fast as the
    /// SMSC answers).
    #[arg(long, value_name = "R", value_parser = rate(), allow_hyphen_values = true)]
    rate: Option<f64>,
    /// Octets of text per message, 0 to 65535 (above 254 the text goes in a
    /// message_payload TLV).
    #[arg(long, value_name = "BYTES", default_value_t = 60, value_parser = opts::ranged(0..=65_535usize),
          allow_hyphen_values = true)]
    size: usize,
    /// Ask for a delivery receipt of every message and wait for them (needs --bind trx).
    #[arg(long)]
    receipts: bool,
    /// With --receipts, how long to wait after the last response for the receipts still
    /// missing (0: not at all).
    #[arg(long, value_name = "D", default_value = "5s", value_parser = opts::duration(),
          allow_hyphen_values = true)]
    receipt_timeout: Duration,
    /// Also print the results as one JSON object on the last line (fields below).
    #[arg(long)]
    json: bool,
    /// The connection options (last, so that they are listed after the command's own).
    #[command(flatten)]
    conn: Connection,
}

const NAME: &str = "smpp bench";

/// The most binds (`--binds`).
const MAX_BINDS: usize = 1000;
/// The lowest `--rate`: one message every 1000 s.
const MIN_RATE: f64 = 0.001;
/// Room reserved up front for per-message records; beyond it they grow as needed (so that
/// a huge `--count` or `--window` costs nothing before it is used).
const PREALLOCATE: usize = 1 << 16;

/// `--rate`: a finite number of messages per second of at least [`MIN_RATE`].
fn rate() -> opts::Named<f64> {
    opts::named(|name, text| {
        let r: f64 = text
            .parse()
            .map_err(|e| format!("invalid value {text:?} for {name}: {e}"))?;
        // NaN fails every comparison.
        if r.is_finite() && r >= MIN_RATE {
            Ok(r)
        } else {
            Err(format!(
                "{name} must be a number of messages per second of at least {MIN_RATE} \
                 (one every 1000 s), not {text}"
            ))
        }
    })
}

/// Runs the subcommand.
pub fn run(a: BenchArgs) -> ExitCode {
    if a.receipts && a.bind == BindType::Transmitter {
        return cli::conflict(
            "bench",
            "--receipts needs --bind trx: a transmitter bind receives no receipts",
        );
    }
    let o = a;
    let report = match smol::block_on(bench(&o)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{NAME}: {e}");
            return ExitCode::from(cli::EXIT_FAILED);
        }
    };
    for line in report.lines() {
        println!("{line}");
    }
    if o.json {
        println!("{}", report.to_json());
    }
    if report.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(cli::EXIT_FAILED)
    }
}

/// What one bind's pump measured.
struct PumpResult {
    latencies: Latencies,
    /// Error statuses of answered requests.
    errors: Counts,
    /// Requests without an answer, by kind.
    failures: Counts,
    answered: u64,
    ok: u64,
    last_response: Instant,
}

async fn bench(o: &BenchArgs) -> Result<BenchReport, String> {
    let tracker = o
        .receipts
        .then(|| Arc::new(Mutex::new(ReceiptTracker::new())));
    // A message per matched receipt, for the wait for the last ones.
    let (matched_tx, matched_rx) = smol::channel::unbounded::<()>();
    let mut clients = Vec::with_capacity(o.binds);
    let mut readers = Vec::new();
    for i in 0..o.binds {
        let mut config = o.conn.client_config();
        config.bind_type = o.bind;
        config.session.window = o.window;
        // With receipts: the session answers each deliver_sm ESME_ROK as it reads it, so a
        // burst of receipts is never refused for the window of requests the application
        // has not answered yet (64 by default), and the reader only counts.
        config.session.auto_respond = o.receipts;
        let (client, incoming) = o
            .conn
            .connect(config)
            .await
            .map_err(|e| format!("bind {} of {}: {e} ({})", i + 1, o.binds, o.conn.connect))?;
        match &tracker {
            // Receipts come on any of the binds, whichever sent the message.
            Some(t) => readers.push(smol::spawn(read_receipts(
                incoming,
                t.clone(),
                matched_tx.clone(),
            ))),
            // Requests from the SMSC (receipts we did not ask for, MO) are answered
            // ESME_RX_T_APPN when the receiver drops them.
            None => drop(incoming),
        }
        clients.push(client);
    }

    let progress = progress_bar(o.count);

    let payload: Arc<Vec<u8>> = Arc::new(
        b"The quick brown fox jumps over the lazy dog 0123456789. "
            .iter()
            .copied()
            .cycle()
            .take(o.size)
            .collect(),
    );
    let start = Instant::now();
    let per = o.count / o.binds as u64;
    let extra = o.count % o.binds as u64;
    let tasks: Vec<smol::Task<PumpResult>> = clients
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let n = per + u64::from((i as u64) < extra);
            let rate = o.rate.map(|r| r / o.binds as f64);
            let work = pump(
                c.clone(),
                n,
                o.window,
                payload.clone(),
                rate,
                start,
                progress.clone(),
                tracker.clone(),
            );
            match o.conn.runtime {
                Runtime::Smol => Ok(smol::spawn(work)),
                Runtime::Tokio => {
                    // One tokio task per bind, on the runtime the clients were made on.
                    let task = smpp_cli::runtime::tokio_handle().spawn(work);
                    Ok(smol::spawn(async move {
                        task.await.expect("a bench task panicked")
                    }))
                }
                Runtime::Blocking => {
                    // One thread per bind: a submit that waits for a free slot
                    // in the window blocks only that bind.
                    let thread = std::thread::Builder::new()
                        .name(format!("bench-bind-{}", i + 1))
                        .spawn(move || smol::block_on(work))
                        .map_err(|e| format!("cannot start a thread for bind {}: {e}", i + 1))?;
                    Ok(smol::unblock(move || {
                        thread.join().expect("a bench thread panicked")
                    }))
                }
            }
        })
        .collect::<Result<_, String>>()?;
    let mut latencies = Latencies::default();
    let mut errors = Counts::default();
    let mut failures = Counts::default();
    let mut answered = 0;
    let mut ok = 0;
    let mut end = start;
    for t in tasks {
        let r = t.await;
        latencies.merge(r.latencies);
        errors.merge(&r.errors);
        failures.merge(&r.failures);
        answered += r.answered;
        ok += r.ok;
        end = end.max(r.last_response);
    }
    progress.finish();
    let receipts = match &tracker {
        Some(t) => Some(wait_for_receipts(t, &matched_rx, end, o.receipt_timeout).await),
        None => None,
    };
    // Read before the unbind: what each connection wrote.
    let sent = clients
        .iter()
        .map(|c| c.requests_sent(CommandId::SubmitSm))
        .sum();
    for c in &clients {
        let _ = c.unbind().await;
    }
    // Their links are closed: they are done, or stopped here.
    drop(readers);
    Ok(BenchReport {
        binds: o.binds,
        window: o.window,
        attempted: o.count,
        sent,
        answered,
        ok,
        errors,
        failures,
        elapsed: end.saturating_duration_since(start),
        latency: latencies.summary(),
        size: o.size,
        receipts,
    })
}

/// Gives each delivery receipt of one bind to the tracker, timed as it arrived (one
/// message on `matched` per receipt that matched), and answers `ESME_ROK` whatever the
/// session did not answer already.
async fn read_receipts(
    incoming: Incoming,
    tracker: Arc<Mutex<ReceiptTracker>>,
    matched: smol::channel::Sender<()>,
) {
    while let Some(req) = incoming.recv().await {
        let at = Instant::now();
        let id = match req.pdu() {
            Ok(pdu) => MessageView::from_body(&pdu.body)
                .filter(|v| v.is_receipt())
                .map(|v| v.receipted_id()),
            Err(e) => {
                log::debug!("undecodable request from the SMSC: {e}");
                None
            }
        };
        if let Some(id) = id {
            if lock(&tracker).receipt(id.as_deref(), at) {
                let _ = matched.try_send(());
            }
        }
        if let Err(e) = req.respond_ok() {
            log::debug!("cannot answer the SMSC: {e}");
        }
    }
}

/// Waits until every expected receipt matched, or `timeout` after `last_response`; the
/// receipts as they stand then.
async fn wait_for_receipts(
    tracker: &Mutex<ReceiptTracker>,
    matched: &smol::channel::Receiver<()>,
    last_response: Instant,
    timeout: Duration,
) -> ReceiptReport {
    // A deadline beyond what the clock can hold is none.
    let deadline = last_response.checked_add(timeout);
    while !lock(tracker).complete() {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let tick = async {
            let _ = matched.recv().await;
        };
        let expire = async {
            match deadline {
                Some(d) => {
                    async_io::Timer::at(d).await;
                }
                None => futures_lite::future::pending().await,
            }
        };
        futures_lite::future::or(tick, expire).await;
    }
    lock(tracker).report(timeout)
}

/// Locks the tracker (a panic elsewhere while it was held leaves it usable).
fn lock(tracker: &Mutex<ReceiptTracker>) -> std::sync::MutexGuard<'_, ReceiptTracker> {
    tracker.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sends `n` messages on one bind, keeping up to `window` in flight; with a `tracker`,
/// asks for a delivery receipt of each and gives the tracker every message id accepted.
#[allow(clippy::too_many_arguments)]
async fn pump(
    client: Link,
    n: u64,
    window: usize,
    payload: Arc<Vec<u8>>,
    rate: Option<f64>,
    start: Instant,
    progress: ProgressBar,
    tracker: Option<Arc<Mutex<ReceiptTracker>>>,
) -> PumpResult {
    let big = payload.len() > 254;
    let tlvs = [Tlv::octets(TlvTag::MESSAGE_PAYLOAD, &payload)];
    let body = Body::SubmitSm(SubmitSm {
        source: Address::international("447700900000"),
        destination: Address::international("447700900123"),
        short_message: if big { &[] } else { &payload },
        tlvs: if big {
            Tlvs::from_slice(&tlvs)
        } else {
            Tlvs::EMPTY
        },
        registered_delivery: if tracker.is_some() {
            RegisteredDelivery::ON_SUCCESS_OR_FAILURE
        } else {
            RegisteredDelivery::NONE
        },
        ..Default::default()
    });
    let tracker = tracker.as_deref();
    let mut r = PumpResult {
        latencies: Latencies::default(),
        errors: Counts::default(),
        failures: Counts::default(),
        answered: 0,
        ok: 0,
        last_response: start,
    };
    let mut pending: VecDeque<(Instant, Pending)> =
        VecDeque::with_capacity(preallocate(n).min(window));
    let mut reported = 0u64;
    let mut i = 0u64;
    while i < n {
        if let Some(rate) = rate {
            // Until the next message is due, take each response as it arrives: a response
            // taken only after the pause would count the rest of the pause as latency.
            match due(start, i, rate) {
                Some(due) => {
                    while let Some((_, f)) = pending.front_mut() {
                        let Some(result) = f.wait_until(due).await else {
                            break;
                        };
                        if let Some((sent, _)) = pending.pop_front() {
                            record(&mut r, tracker, sent, result);
                        }
                    }
                    async_io::Timer::at(due).await;
                }
                // Due beyond what a clock can hold: never.
                None => futures_lite::future::pending::<()>().await,
            }
        }
        // Collect what already arrived, oldest first.
        while let Some(result) = pending.front().and_then(|(_, f)| f.try_get()) {
            if let Some((sent, _)) = pending.pop_front() {
                record(&mut r, tracker, sent, result);
            }
        }
        if pending.len() >= window {
            if let Some((sent, f)) = pending.pop_front() {
                let result = f.wait().await;
                record(&mut r, tracker, sent, result);
            }
        }
        let completed = r.answered + r.failures.total();
        if completed - reported >= 64 {
            progress.inc(completed - reported);
            reported = completed;
        }
        match client.submit(&body).await {
            // Timed from here: the request is in the client's transmit buffer (a wait for a
            // free slot of the window is not latency).
            Ok(f) => pending.push_back((Instant::now(), f)),
            Err(e) => {
                let k = e.kind();
                r.failures.add(&k);
                if e.link_gone() {
                    // The rest cannot be sent either.
                    r.failures.add_n(&k, n - i - 1);
                    break;
                }
            }
        }
        i += 1;
    }
    while let Some((sent, f)) = pending.pop_front() {
        let result = f.wait().await;
        record(&mut r, tracker, sent, result);
    }
    let completed = r.answered + r.failures.total();
    progress.inc(completed.saturating_sub(reported));
    r
}

/// How many records of `n` messages to reserve room for at once.
fn preallocate(n: u64) -> usize {
    usize::try_from(n).map_or(PREALLOCATE, |n| n.min(PREALLOCATE))
}

/// When message `i` of a bind sending `rate` messages per second is due (`None`: later
/// than a clock can hold).
fn due(start: Instant, i: u64, rate: f64) -> Option<Instant> {
    let offset = Duration::try_from_secs_f64(i as f64 / rate).ok()?;
    start.checked_add(offset)
}

/// Counts one response (or failure) of a request sent at `sent`, timed now: call it as
/// soon as the outcome arrived.
fn record(
    r: &mut PumpResult,
    tracker: Option<&Mutex<ReceiptTracker>>,
    sent: Instant,
    result: Result<Response, Error>,
) {
    let now = Instant::now();
    r.last_response = now;
    match result {
        Ok(resp) => {
            r.answered += 1;
            r.latencies.record(now.saturating_duration_since(sent));
            let status = resp.status();
            if status.is_ok() {
                r.ok += 1;
                if let Some(t) = tracker {
                    lock(t).accepted(resp.message_id().as_deref(), sent);
                }
            } else {
                match status.name() {
                    Some(name) => r.errors.add(name),
                    None => r.errors.add(&format!("0x{:08X}", status.0)),
                }
            }
        }
        Err(e) => r.failures.add(&e.kind()),
    }
}

/// A progress bar of `total` messages on standard error, redrawn about ten times a second;
/// hidden when standard error is not a terminal. The pumps add what they completed.
fn progress_bar(total: u64) -> ProgressBar {
    let style = ProgressStyle::with_template("[{bar:30}] {pos}/{len} {percent:>3}% {per_sec:0}")
        .expect("a valid progress template")
        .progress_chars("## ");
    ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(10))
        .with_style(style)
}
