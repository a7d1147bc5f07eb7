//! The report of `smpp inspect`: serde for `--json`, a table for people.

use serde::Serialize;
use std::fmt::{self, Write as _};

/// Everything learnt from a capture.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// SMPP connections, in the order they closed (then those open at the end).
    pub connections: Vec<ConnReport>,
    /// TCP connections that were not SMPP.
    pub ignored_connections: u64,
    /// Delivery receipts matched to submits across the whole capture.
    pub receipts: ReceiptStats,
}

/// Receipts matched to `submit_sm_resp` message ids.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ReceiptStats {
    /// Message ids from accepted submits.
    pub submits_accepted: u64,
    /// Receipts seen.
    pub receipts: u64,
    /// Receipts whose id matched an accepted submit.
    pub matched: u64,
    /// Receipts for no known submit.
    pub unmatched_receipts: u64,
    /// Accepted submits without a receipt by the end (evicted ones included).
    pub submits_without_receipt: u64,
    /// Pending ids dropped (the oldest) to bound memory.
    pub evicted: u64,
    /// Delay from submit_sm to its receipt.
    pub delay: Option<Latency>,
    /// Receipts by final state (`DELIVRD`, `UNDELIV`, ...; `unknown` without one).
    pub stats: Vec<Count>,
}

/// A name and how often.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The name.
    pub name: String,
    /// The count.
    pub count: u64,
}

/// Latency percentiles in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Samples.
    pub count: u64,
    /// Median (HdrHistogram, within 0.1 %).
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest (exact).
    pub max_ms: f64,
}

/// One SMPP connection.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ConnReport {
    /// The capture reader's connection number.
    pub conn: u64,
    /// The ESME's address.
    pub esme: String,
    /// The SMSC's address.
    pub smsc: String,
    /// How the ESME side was chosen: `bind`, `port` or `first`.
    pub esme_by: &'static str,
    /// The TCP handshake was captured.
    pub syn: bool,
    /// First packet (seconds since the Unix epoch).
    pub opened: f64,
    /// The session's state at the end (SMPP 3.4 names).
    pub state: String,
    /// The bind.
    pub bind: Option<BindReport>,
    /// PDUs seen.
    pub pdus: u64,
    /// PDUs per command and direction.
    pub commands: Vec<CommandCount>,
    /// Responses per status.
    pub statuses: Vec<StatusCount>,
    /// Requests without a response at the end.
    pub unanswered: Unanswered,
    /// Response latency per command and direction of the request.
    pub latency: Vec<LatencyRow>,
    /// Largest number of requests awaiting a response, per direction.
    pub max_window: Windows,
    /// Runs of ESME_RTHROTTLED / ESME_RMSGQFUL answers.
    pub throttling: Episodes,
    /// Runs of non-OK answers.
    pub errors: Episodes,
    /// enquire_link cadence.
    pub enquire_link: EnquireLinks,
    /// The longest time without any PDU.
    pub longest_idle: Option<Idle>,
    /// Who unbound, when.
    pub unbind: Option<UnbindReport>,
    /// How the connection ended.
    pub close: CloseReport,
    /// PDUs that did not decode.
    pub decode_errors: DecodeErrors,
    /// Octets passed over while resynchronising (per direction).
    pub skipped_octets: Windows,
    /// Gaps in the capture (count, octets lost).
    pub gaps: Gaps,
    /// Delivery receipts received on this connection.
    pub receipts: u64,
}

/// The bind of a connection.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BindReport {
    /// `bind_transmitter`, `bind_receiver` or `bind_transceiver`.
    pub command: String,
    /// The ESME's `system_id`.
    pub system_id: String,
    /// The SMSC's `system_id` in the response.
    pub smsc_system_id: Option<String>,
    /// The request's time (seconds since the Unix epoch).
    pub at: f64,
    /// The response's status (`null` while unanswered).
    pub status: Option<String>,
    /// Time to the response.
    pub latency_ms: Option<f64>,
}

/// A count per command and direction.
#[derive(Clone, Debug, Serialize)]
pub struct CommandCount {
    /// `esme->smsc` or `smsc->esme`.
    pub direction: &'static str,
    /// The command name.
    pub command: String,
    /// PDUs.
    pub count: u64,
}

/// A count per status.
#[derive(Clone, Debug, Serialize)]
pub struct StatusCount {
    /// The status name (or hex).
    pub status: String,
    /// Its value.
    pub code: u32,
    /// Responses.
    pub count: u64,
}

/// Requests without a response.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Unanswered {
    /// All of them.
    pub total: u64,
    /// Requests not tracked because the limit was reached.
    pub overflow: u64,
    /// The oldest ones (capped).
    pub oldest: Vec<Pending>,
}

/// One request without a response.
#[derive(Clone, Debug, Serialize)]
pub struct Pending {
    /// Direction of the request.
    pub direction: &'static str,
    /// The command.
    pub command: String,
    /// Sequence number.
    pub seq: u32,
    /// Frame of the request.
    pub frame: u64,
    /// Time from the request to the end of the capture (or the close).
    pub age_ms: f64,
}

/// Response latency of one command in one direction.
#[derive(Clone, Debug, Serialize)]
pub struct LatencyRow {
    /// Direction of the request.
    pub direction: &'static str,
    /// The request's command.
    pub command: String,
    /// The percentiles.
    #[serde(flatten)]
    pub latency: Latency,
}

/// A number per direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Windows {
    /// ESME to SMSC.
    pub esme_to_smsc: u64,
    /// SMSC to ESME.
    pub smsc_to_esme: u64,
}

/// Runs of answers.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Episodes {
    /// All runs.
    pub total: u64,
    /// The first ones (capped).
    pub list: Vec<Episode>,
}

/// One run of answers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Episode {
    /// Direction of the answers.
    pub direction: &'static str,
    /// First answer (seconds since the Unix epoch).
    pub start: f64,
    /// Last answer.
    pub end: f64,
    /// Answers in the run.
    pub count: u64,
    /// The first answer's status.
    pub status: String,
}

/// enquire_link cadence.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct EnquireLinks {
    /// enquire_link requests.
    pub count: u64,
    /// Mean interval between consecutive ones.
    pub mean_interval_ms: Option<f64>,
    /// Largest interval.
    pub max_interval_ms: Option<f64>,
}

/// A time without PDUs.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Idle {
    /// Its start (seconds since the Unix epoch).
    pub start: f64,
    /// Its length.
    pub ms: f64,
}

/// An unbind.
#[derive(Clone, Debug, Serialize)]
pub struct UnbindReport {
    /// `esme` or `smsc`.
    pub by: &'static str,
    /// When (seconds since the Unix epoch).
    pub at: f64,
    /// Frame.
    pub frame: u64,
}

/// The connection's end.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CloseReport {
    /// `fin`, `rst` or `end of capture`.
    pub how: &'static str,
    /// When (seconds since the Unix epoch).
    pub at: f64,
    /// Frame.
    pub frame: u64,
    /// Octets of a partial PDU left per direction.
    pub partial_octets: Windows,
}

/// PDUs that did not decode.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DecodeErrors {
    /// All of them.
    pub total: u64,
    /// The first ones (capped).
    pub list: Vec<DecodeErrorReport>,
}

/// One PDU that did not decode.
#[derive(Clone, Debug, Serialize)]
pub struct DecodeErrorReport {
    /// Direction.
    pub direction: &'static str,
    /// Frame of its first octet.
    pub frame: u64,
    /// Stream offset.
    pub offset: u64,
    /// The codec's error.
    pub error: String,
}

/// Gaps in the capture.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Gaps {
    /// Gaps.
    pub count: u64,
    /// Octets lost.
    pub octets: u64,
    /// Times framing resynchronised (stream start unknown, gaps, bad lengths).
    pub resyncs: u64,
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.3} ms"))
}

impl fmt::Display for Report {
    /// One block per connection, aligned columns.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for c in &self.connections {
            c.write(&mut out)?;
            out.push('\n');
        }
        let r = &self.receipts;
        let _ = writeln!(
            out,
            "{} SMPP connection(s), {} other TCP connection(s) ignored",
            self.connections.len(),
            self.ignored_connections
        );
        if r.submits_accepted > 0 || r.receipts > 0 {
            let _ = writeln!(
                out,
                "receipts: {} matched of {} accepted submits, {} without receipt, {} unmatched receipts",
                r.matched, r.submits_accepted, r.submits_without_receipt, r.unmatched_receipts
            );
            if let Some(d) = r.delay {
                let _ = writeln!(
                    out,
                    "  delay   p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
                    d.p50_ms, d.p99_ms, d.max_ms
                );
            }
            for s in &r.stats {
                let _ = writeln!(out, "  {:<10} {:>8}", s.name, s.count);
            }
        }
        f.write_str(&out)
    }
}

impl ConnReport {
    fn write(&self, out: &mut String) -> fmt::Result {
        let row = |out: &mut String, k: &str, v: String| {
            let _ = writeln!(out, "  {k:<16}{v}");
        };
        writeln!(
            out,
            "connection {}: ESME {} -> SMSC {} (ESME by {}{})",
            self.conn,
            self.esme,
            self.smsc,
            self.esme_by,
            if self.syn { "" } else { ", joined mid-stream" }
        )?;
        row(out, "state", self.state.clone());
        if let Some(b) = &self.bind {
            row(
                out,
                "bind",
                format!(
                    "{} system_id={} -> {} in {}",
                    b.command,
                    b.system_id,
                    b.status.as_deref().unwrap_or("no response"),
                    ms(b.latency_ms)
                ),
            );
        }
        row(out, "pdus", self.pdus.to_string());
        for c in &self.commands {
            let _ = writeln!(
                out,
                "    {:<12} {:<24}{:>10}",
                c.direction, c.command, c.count
            );
        }
        if !self.statuses.is_empty() {
            row(out, "statuses", String::new());
            for s in &self.statuses {
                let _ = writeln!(out, "    {:<37}{:>10}", s.status, s.count);
            }
        }
        if !self.latency.is_empty() {
            let _ = writeln!(
                out,
                "  {:<35}{:>8} {:>10} {:>10} {:>10}",
                "latency", "count", "p50 ms", "p99 ms", "max ms"
            );
            for l in &self.latency {
                let _ = writeln!(
                    out,
                    "    {:<12} {:<20}{:>8} {:>10.3} {:>10.3} {:>10.3}",
                    l.direction,
                    l.command,
                    l.latency.count,
                    l.latency.p50_ms,
                    l.latency.p99_ms,
                    l.latency.max_ms
                );
            }
        }
        row(
            out,
            "max window",
            format!(
                "esme->smsc {}  smsc->esme {}",
                self.max_window.esme_to_smsc, self.max_window.smsc_to_esme
            ),
        );
        let u = &self.unanswered;
        row(
            out,
            "unanswered",
            format!("{} (untracked overflow {})", u.total, u.overflow),
        );
        for p in &u.oldest {
            let _ = writeln!(
                out,
                "    {:<12} {:<20} seq {:<10} frame {:<8} age {:.3} ms",
                p.direction, p.command, p.seq, p.frame, p.age_ms
            );
        }
        for (name, e) in [
            ("throttling", &self.throttling),
            ("error runs", &self.errors),
        ] {
            if e.total > 0 {
                row(out, name, e.total.to_string());
                for ep in &e.list {
                    let _ = writeln!(
                        out,
                        "    {:<12} {:<20} x{:<6} {:.6} .. {:.6}",
                        ep.direction, ep.status, ep.count, ep.start, ep.end
                    );
                }
            }
        }
        let el = &self.enquire_link;
        row(
            out,
            "enquire_link",
            format!(
                "{}  mean interval {}  max {}",
                el.count,
                ms(el.mean_interval_ms),
                ms(el.max_interval_ms)
            ),
        );
        if let Some(i) = &self.longest_idle {
            row(
                out,
                "longest idle",
                format!("{:.3} ms from {:.6}", i.ms, i.start),
            );
        }
        if let Some(u) = &self.unbind {
            row(
                out,
                "unbind",
                format!("by {} at {:.6} (frame {})", u.by, u.at, u.frame),
            );
        }
        row(
            out,
            "close",
            format!(
                "{} at {:.6} (frame {})",
                self.close.how, self.close.at, self.close.frame
            ),
        );
        if self.receipts > 0 {
            row(out, "receipts", self.receipts.to_string());
        }
        if self.decode_errors.total > 0 {
            row(out, "decode errors", self.decode_errors.total.to_string());
            for e in &self.decode_errors.list {
                let _ = writeln!(
                    out,
                    "    {:<12} frame {:<8} offset {:<10} {}",
                    e.direction, e.frame, e.offset, e.error
                );
            }
        }
        let s = &self.skipped_octets;
        if s.esme_to_smsc + s.smsc_to_esme + self.gaps.count > 0 {
            row(
                out,
                "resync",
                format!(
                    "{} resyncs, skipped esme->smsc {} smsc->esme {} octets; {} gaps ({} octets lost)",
                    self.gaps.resyncs,
                    s.esme_to_smsc,
                    s.smsc_to_esme,
                    self.gaps.count,
                    self.gaps.octets
                ),
            );
        }
        Ok(())
    }
}
