//! Load-test statistics: latency percentiles, errors by kind, and the report of
//! `smpp bench` (human lines and one JSON object).
//!
//! ```
//! use smpp_examples::stats::Latencies;
//! use std::time::Duration;
//!
//! let mut l = Latencies::default();
//! for ms in 1..=100 {
//!     l.record(Duration::from_millis(ms));
//! }
//! let s = l.summary();
//! assert_eq!((s.p50_ms, s.p99_ms, s.max_ms), (50.0, 99.0, 100.0));
//! ```

use crate::json::{Object, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// Latency samples in microseconds.
#[derive(Clone, Debug, Default)]
pub struct Latencies {
    micros: Vec<u32>,
}

/// Percentiles of a set of latencies, in milliseconds (0 when there are no samples).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatencySummary {
    /// Number of samples.
    pub count: usize,
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

impl Latencies {
    /// Room for `n` samples.
    pub fn with_capacity(n: usize) -> Latencies {
        Latencies {
            micros: Vec::with_capacity(n),
        }
    }

    /// Adds one sample (saturating at about 71 minutes).
    pub fn record(&mut self, d: Duration) {
        self.micros
            .push(u32::try_from(d.as_micros()).unwrap_or(u32::MAX));
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: Latencies) {
        self.micros.extend(other.micros);
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.micros.len()
    }

    /// True without samples.
    pub fn is_empty(&self) -> bool {
        self.micros.is_empty()
    }

    /// The nearest-rank percentiles.
    pub fn summary(&mut self) -> LatencySummary {
        self.micros.sort_unstable();
        let ms = |us: u32| f64::from(us) / 1000.0;
        LatencySummary {
            count: self.micros.len(),
            p50_ms: ms(percentile(&self.micros, 50.0)),
            p99_ms: ms(percentile(&self.micros, 99.0)),
            max_ms: ms(self.micros.last().copied().unwrap_or(0)),
        }
    }
}

/// The nearest-rank `p`th percentile of sorted samples (0 for none).
pub fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let i = rank.clamp(1, sorted.len()) - 1;
    sorted.get(i).copied().unwrap_or(0)
}

/// Counts by kind (an error status name, `timeout`, `connection lost`, ...), sorted by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts(BTreeMap<String, u64>);

impl Counts {
    /// Adds one of `kind`.
    pub fn add(&mut self, kind: &str) {
        self.add_n(kind, 1);
    }

    /// Adds `n` of `kind`.
    pub fn add_n(&mut self, kind: &str, n: u64) {
        if n == 0 {
            return;
        }
        match self.0.get_mut(kind) {
            Some(c) => *c += n,
            None => {
                self.0.insert(kind.to_string(), n);
            }
        }
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Counts) {
        for (k, n) in &other.0 {
            self.add_n(k, *n);
        }
    }

    /// The sum of the counts.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    /// The counts by kind.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.0.iter().map(|(k, n)| (k.as_str(), *n))
    }

    /// As a JSON object `{kind: count}`.
    pub fn to_json(&self) -> Object {
        let mut o = Object::new();
        for (k, n) in self.iter() {
            o.insert(k, n);
        }
        o
    }
}

/// The outcome of a load test.
///
/// Every attempted message ends in one of three ways: answered `ESME_ROK` (`ok`), answered
/// with an error status (`errors`), or not answered at all (`failures`: timed out, the link
/// was lost, or it could not be sent), so `ok + errors.total() == answered` and
/// `answered + failures.total() == attempted`.
#[derive(Clone, Debug, Default)]
pub struct BenchReport {
    /// Number of binds.
    pub binds: usize,
    /// Window per bind.
    pub window: usize,
    /// Messages attempted.
    pub attempted: u64,
    /// Requests actually sent (written for the SMSC).
    pub sent: u64,
    /// Requests answered (any status).
    pub answered: u64,
    /// Requests answered `ESME_ROK`.
    pub ok: u64,
    /// Requests answered with an error status, by status name.
    pub errors: Counts,
    /// Requests without an answer, by kind (`timeout`, `connection lost: ...`, a local
    /// error).
    pub failures: Counts,
    /// From the first request to the last response.
    pub elapsed: Duration,
    /// Send-to-response latencies.
    pub latency: LatencySummary,
    /// Octets per message.
    pub size: usize,
}

impl BenchReport {
    /// Answered messages per second over the elapsed time.
    pub fn msgs_per_sec(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.answered as f64 / secs
        } else {
            0.0
        }
    }

    /// True when every attempted message was answered `ESME_ROK`.
    pub fn all_ok(&self) -> bool {
        self.ok == self.attempted && self.errors.total() == 0 && self.failures.total() == 0
    }

    /// The human-readable summary, one line each.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![
            format!(
                "{} msgs/s: {} answered of {} in {:.3} s ({} sent, {} binds, window {}, {} octets)",
                self.msgs_per_sec().round(),
                self.answered,
                self.attempted,
                self.elapsed.as_secs_f64(),
                self.sent,
                self.binds,
                self.window,
                self.size
            ),
            format!(
                "latency ms: p50 {:.3}  p99 {:.3}  max {:.3}",
                self.latency.p50_ms, self.latency.p99_ms, self.latency.max_ms
            ),
            counts_line("errors", &self.errors),
        ];
        if self.failures.total() > 0 {
            out.push(counts_line("no response", &self.failures));
        }
        out
    }

    /// The report as one JSON object.
    pub fn to_json(&self) -> Object {
        let round3 = |x: f64| (x * 1000.0).round() / 1000.0;
        Object::new()
            .with("msgs_per_sec", Value::Float(self.msgs_per_sec().round()))
            .with("attempted", self.attempted)
            .with("sent", self.sent)
            .with("answered", self.answered)
            .with("ok", self.ok)
            .with("errors", self.errors.total())
            .with("errors_by_status", self.errors.to_json())
            .with("failed", self.failures.total())
            .with("failed_by_kind", self.failures.to_json())
            .with("p50_ms", round3(self.latency.p50_ms))
            .with("p99_ms", round3(self.latency.p99_ms))
            .with("max_ms", round3(self.latency.max_ms))
            .with("elapsed_s", round3(self.elapsed.as_secs_f64()))
            .with("binds", self.binds)
            .with("window", self.window)
            .with("size", self.size)
    }
}

/// `NAME: TOTAL` or `NAME: TOTAL (kind: n, ...)`.
fn counts_line(name: &str, counts: &Counts) -> String {
    if counts.total() == 0 {
        return format!("{name}: 0");
    }
    let list: Vec<String> = counts.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    format!("{name}: {} ({})", counts.total(), list.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_nearest_rank() {
        assert_eq!(percentile(&[], 50.0), 0);
        assert_eq!(percentile(&[7], 99.0), 7);
        let v: Vec<u32> = (1..=10).collect();
        assert_eq!(percentile(&v, 50.0), 5);
        assert_eq!(percentile(&v, 99.0), 10);
        assert_eq!(percentile(&v, 0.0), 1);
        let mut l = Latencies::default();
        assert_eq!(l.summary(), LatencySummary::default());
        l.record(Duration::from_micros(1500));
        l.record(Duration::from_micros(500));
        let mut other = Latencies::with_capacity(1);
        other.record(Duration::from_secs(1));
        l.merge(other);
        let s = l.summary();
        assert_eq!((s.count, s.p50_ms, s.max_ms), (3, 1.5, 1000.0));
    }

    #[test]
    fn report_json_parses() {
        let mut errors = Counts::default();
        errors.add("ESME_RTHROTTLED");
        errors.add_n("none", 0);
        let mut merged = Counts::default();
        merged.merge(&errors);
        let mut failures = Counts::default();
        failures.add_n("timeout", 2);
        let r = BenchReport {
            binds: 2,
            window: 64,
            attempted: 100,
            sent: 99,
            answered: 98,
            ok: 97,
            errors: merged,
            failures,
            elapsed: Duration::from_millis(500),
            latency: LatencySummary {
                count: 98,
                p50_ms: 0.1234,
                p99_ms: 2.0,
                max_ms: 3.5,
            },
            size: 60,
        };
        assert_eq!(r.msgs_per_sec(), 196.0);
        assert!(!r.all_ok());
        let v: serde_json::Value = serde_json::from_str(&r.to_json().to_string()).unwrap();
        assert_eq!(v["sent"], 99);
        assert_eq!(v["answered"], 98);
        assert_eq!(v["ok"], 97);
        assert_eq!(v["errors"], 1);
        assert_eq!(v["errors_by_status"]["ESME_RTHROTTLED"], 1);
        assert_eq!(v["failed"], 2);
        assert_eq!(v["failed_by_kind"]["timeout"], 2);
        assert_eq!(v["p50_ms"], 0.123);
        assert_eq!(v["msgs_per_sec"], 196.0);
        assert_eq!(v["binds"], 2);
        let lines = r.lines();
        assert!(lines[0].starts_with("196 msgs/s: 98 answered of 100"));
        assert!(lines[0].contains("(99 sent, 2 binds"), "{}", lines[0]);
        assert_eq!(lines[2], "errors: 1 (ESME_RTHROTTLED: 1)");
        assert_eq!(lines[3], "no response: 2 (timeout: 2)");
        let ok = BenchReport {
            attempted: 3,
            sent: 3,
            answered: 3,
            ok: 3,
            ..BenchReport::default()
        };
        assert!(ok.all_ok());
        assert_eq!(ok.lines().len(), 3);
        assert_eq!(ok.lines()[2], "errors: 0");
    }
}
