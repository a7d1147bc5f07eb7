//! Load-test statistics: latency percentiles, errors by kind, delivery receipts matched to
//! their messages ([`ReceiptTracker`]), and the report of `smpp bench` (human lines and
//! one JSON object).
//!
//! ```
//! use smpp_cli::stats::Latencies;
//! use std::time::Duration;
//!
//! let mut l = Latencies::default();
//! for ms in 1..=100 {
//!     l.record(Duration::from_millis(ms));
//! }
//! let s = l.summary();
//! // Three significant digits: each within 0.1 % (an HdrHistogram).
//! assert!((s.p50_ms - 50.0).abs() <= 0.05 && (s.p99_ms - 99.0).abs() <= 0.099);
//! assert!((s.max_ms - 100.0).abs() <= 0.1 && s.count == 100);
//! ```

use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Latency samples: an [`hdrhistogram::Histogram`] of microseconds with three significant
/// digits (each percentile within 0.1 %), which grows to the largest sample. Recording is
/// a few arithmetic operations and no allocation (but when a sample is larger than all
/// before), whatever the number of samples.
#[derive(Clone, Debug)]
pub struct Latencies {
    micros: Histogram<u64>,
}

impl Default for Latencies {
    fn default() -> Latencies {
        Latencies {
            micros: Histogram::new(3).expect("3 significant digits are supported"),
        }
    }
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
    /// Adds one sample.
    pub fn record(&mut self, d: Duration) {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        // It grows to any sample (`saturating_record` would clamp to its current range).
        if self.micros.record(micros).is_err() {
            self.micros.saturating_record(micros);
        }
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: Latencies) {
        self.micros
            .add(other.micros)
            .expect("an auto-resizing histogram takes any other");
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        usize::try_from(self.micros.len()).unwrap_or(usize::MAX)
    }

    /// True without samples.
    pub fn is_empty(&self) -> bool {
        self.micros.is_empty()
    }

    /// The median, 99th percentile and largest sample (each the highest value of its
    /// histogram bucket: at most 0.1 % above the sample).
    pub fn summary(&self) -> LatencySummary {
        let ms = |us: u64| us as f64 / 1000.0;
        LatencySummary {
            count: self.len(),
            p50_ms: ms(self.micros.value_at_quantile(0.5)),
            p99_ms: ms(self.micros.value_at_quantile(0.99)),
            max_ms: ms(self.micros.max()),
        }
    }
}

/// Counts by kind (an error status name, `timeout`, `connection lost`, ...), sorted by name;
/// as JSON, an object `{kind: count}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
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
    /// The delivery receipts, when they were asked for.
    pub receipts: Option<ReceiptReport>,
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

    /// True when every attempted message was answered `ESME_ROK` (and, when receipts were
    /// asked for, every receipt arrived).
    pub fn all_ok(&self) -> bool {
        self.ok == self.attempted
            && self.errors.total() == 0
            && self.failures.total() == 0
            && self.receipts.is_none_or(|r| r.missing() == 0)
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
        if let Some(r) = &self.receipts {
            out.push(format!(
                "receipts: {} of {} received ({} missing after waiting up to {:.3} s, {} unmatched)",
                r.received,
                r.expected,
                r.missing(),
                r.timeout.as_secs_f64(),
                r.unmatched
            ));
            out.push(format!(
                "receipt latency ms: p50 {:.3}  p99 {:.3}  max {:.3}",
                r.latency.p50_ms, r.latency.p99_ms, r.latency.max_ms
            ));
        }
        out
    }

    /// The report as one JSON object on one line ([`BenchJson`], printed by
    /// [`crate::json`]).
    pub fn to_json(&self) -> String {
        crate::json::to_string(&self.json())
    }

    /// The fields of the JSON report.
    pub fn json(&self) -> BenchJson<'_> {
        let round3 = |x: f64| (x * 1000.0).round() / 1000.0;
        // Without receipts asked for, their fields are there as zeros.
        let r = self.receipts.unwrap_or_default();
        BenchJson {
            msgs_per_sec: self.msgs_per_sec().round(),
            attempted: self.attempted,
            sent: self.sent,
            answered: self.answered,
            ok: self.ok,
            errors: self.errors.total(),
            errors_by_status: &self.errors,
            failed: self.failures.total(),
            failed_by_kind: &self.failures,
            p50_ms: round3(self.latency.p50_ms),
            p99_ms: round3(self.latency.p99_ms),
            max_ms: round3(self.latency.max_ms),
            elapsed_s: round3(self.elapsed.as_secs_f64()),
            binds: self.binds,
            window: self.window,
            size: self.size,
            receipts_requested: self.receipts.is_some(),
            receipts: r.received,
            receipts_expected: r.expected,
            receipts_missing: r.missing(),
            receipts_unmatched: r.unmatched,
            receipt_p50_ms: round3(r.latency.p50_ms),
            receipt_p99_ms: round3(r.latency.p99_ms),
            receipt_max_ms: round3(r.latency.max_ms),
        }
    }
}

/// The JSON report of `smpp bench --json`, its keys in this order: counts, latencies in
/// milliseconds rounded to microseconds, the run's settings, the receipts (zeros when none
/// were asked for).
#[derive(Clone, Debug, Serialize)]
#[allow(missing_docs)]
pub struct BenchJson<'a> {
    pub msgs_per_sec: f64,
    pub attempted: u64,
    pub sent: u64,
    pub answered: u64,
    pub ok: u64,
    pub errors: u64,
    pub errors_by_status: &'a Counts,
    pub failed: u64,
    pub failed_by_kind: &'a Counts,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub elapsed_s: f64,
    pub binds: usize,
    pub window: usize,
    pub size: usize,
    pub receipts_requested: bool,
    pub receipts: u64,
    pub receipts_expected: u64,
    pub receipts_missing: u64,
    pub receipts_unmatched: u64,
    pub receipt_p50_ms: f64,
    pub receipt_p99_ms: f64,
    pub receipt_max_ms: f64,
}

/// `NAME: TOTAL` or `NAME: TOTAL (kind: n, ...)`.
fn counts_line(name: &str, counts: &Counts) -> String {
    if counts.total() == 0 {
        return format!("{name}: 0");
    }
    let list: Vec<String> = counts.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    format!("{name}: {} ({})", counts.total(), list.join(", "))
}

/// What came of the delivery receipts a load test asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReceiptReport {
    /// Receipts expected: one per message answered `ESME_ROK`.
    pub expected: u64,
    /// Receipts received and matched to a message of this run (each message once).
    pub received: u64,
    /// Receipts that matched no message of this run (another's, a duplicate, no id).
    pub unmatched: u64,
    /// How long the run waited for the last receipts after the last response, at most.
    pub timeout: Duration,
    /// Latencies from sending a message to receiving its receipt.
    pub latency: LatencySummary,
}

impl ReceiptReport {
    /// Receipts expected and not received (within the timeout).
    pub fn missing(&self) -> u64 {
        self.expected.saturating_sub(self.received)
    }
}

/// Matches delivery receipts to the messages they report on, by message id, whichever of
/// the two is seen first (a receipt can overtake its message's response on another bind),
/// and times each pair from the message's sending to the receipt's arrival.
///
/// Ids compare as [`id_key`] spells them (case, surrounding blanks and leading zeros
/// ignored), in constant time.
///
/// ```
/// use smpp_cli::stats::ReceiptTracker;
/// use std::time::{Duration, Instant};
///
/// let t0 = Instant::now();
/// let mut t = ReceiptTracker::new();
/// t.accepted(Some("0000000a"), t0);
/// t.receipt(Some("B"), t0 + Duration::from_millis(4)); // a receipt first,
/// t.accepted(Some("b"), t0 + Duration::from_millis(1)); // then its response
/// t.receipt(Some("A"), t0 + Duration::from_millis(7));
/// t.receipt(Some("zz"), t0);
/// let r = t.report(Duration::from_secs(1));
/// assert_eq!((r.expected, r.received, r.unmatched, r.missing()), (2, 2, 1, 0));
/// assert!((r.latency.max_ms - 7.0).abs() <= 0.007);
/// ```
#[derive(Debug, Default)]
pub struct ReceiptTracker {
    /// Accepted messages waiting for their receipt: when each was sent.
    waiting: IdMap,
    /// Receipts waiting for their message's response: when each arrived.
    early: IdMap,
    expected: u64,
    matched: u64,
    without_id: u64,
    latencies: Latencies,
}

impl ReceiptTracker {
    /// Nothing expected yet.
    pub fn new() -> ReceiptTracker {
        ReceiptTracker::default()
    }

    /// A message sent at `sent` was accepted with `message_id`: one more receipt is
    /// expected (one that can never match when the id is missing or empty).
    pub fn accepted(&mut self, message_id: Option<&str>, sent: Instant) {
        self.expected += 1;
        let Some(id) = message_id.filter(|id| !id.trim().is_empty()) else {
            return;
        };
        match self.early.take(id) {
            Some(arrived) => self.pair(sent, arrived),
            None => self.waiting.insert(id, sent),
        }
    }

    /// A receipt for `message_id` arrived at `at`. True when it matched a message accepted
    /// before; false when it is kept until its message's response is recorded (or for
    /// ever: it then counts as unmatched).
    pub fn receipt(&mut self, message_id: Option<&str>, at: Instant) -> bool {
        let Some(id) = message_id.filter(|id| !id.trim().is_empty()) else {
            self.without_id += 1;
            return false;
        };
        match self.waiting.take(id) {
            Some(sent) => {
                self.pair(sent, at);
                true
            }
            None => {
                self.early.insert(id, at);
                false
            }
        }
    }

    fn pair(&mut self, sent: Instant, arrived: Instant) {
        self.matched += 1;
        self.latencies
            .record(arrived.saturating_duration_since(sent));
    }

    /// Receipts expected so far.
    pub fn expected(&self) -> u64 {
        self.expected
    }

    /// Receipts matched so far.
    pub fn received(&self) -> u64 {
        self.matched
    }

    /// True when every expected receipt was matched.
    pub fn complete(&self) -> bool {
        self.matched >= self.expected
    }

    /// The outcome so far, for a run that waited at most `timeout` for the last receipts.
    pub fn report(&mut self, timeout: Duration) -> ReceiptReport {
        ReceiptReport {
            expected: self.expected,
            received: self.matched,
            unmatched: self.without_id + self.early.len() as u64,
            timeout,
            latency: self.latencies.summary(),
        }
    }
}

/// Instants by message id, the ids compared as [`id_key`] spells them.
#[derive(Debug, Default)]
struct IdMap {
    by_id: HashMap<String, VecDeque<Instant>>,
    len: usize,
}

/// A message id as receipts are matched on it: without surrounding blanks, in lower case,
/// without leading zeros (`0000000A1f` and `a1f` are one id). Ids are not compared across
/// bases: among thousands of digit-only ids, `10` read as hex would be another message's
/// `16`.
pub fn id_key(id: &str) -> String {
    let id = id.trim();
    let digits = id.trim_start_matches('0');
    let id = if digits.is_empty() && !id.is_empty() {
        "0"
    } else {
        digits
    };
    id.to_ascii_lowercase()
}

impl IdMap {
    fn len(&self) -> usize {
        self.len
    }

    fn insert(&mut self, id: &str, at: Instant) {
        self.by_id.entry(id_key(id)).or_default().push_back(at);
        self.len += 1;
    }

    /// Takes the oldest instant of `id`.
    fn take(&mut self, id: &str) -> Option<Instant> {
        let key = id_key(id);
        let queue = self.by_id.get_mut(&key)?;
        let at = queue.pop_front()?;
        if queue.is_empty() {
            self.by_id.remove(&key);
        }
        self.len -= 1;
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `a` is `b` within HdrHistogram's three significant digits.
    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= b * 0.001
    }

    #[test]
    fn percentiles_and_merge() {
        let l = Latencies::default();
        assert_eq!(l.summary(), LatencySummary::default());
        assert!(l.is_empty());
        let mut l = Latencies::default();
        l.record(Duration::from_micros(1500));
        l.record(Duration::from_micros(500));
        let mut other = Latencies::default();
        other.record(Duration::from_secs(1));
        l.merge(other);
        let s = l.summary();
        assert_eq!((l.len(), s.count, s.p50_ms), (3, 3, 1.5));
        assert!(close(s.max_ms, 1000.0), "{s:?}");
        assert!(close(s.p99_ms, 1000.0), "{s:?}");
        // Samples of an hour and more are kept.
        l.record(Duration::from_secs(7200));
        assert!(close(l.summary().max_ms, 7_200_000.0));
        let mut many = Latencies::default();
        for us in 1..=10_000 {
            many.record(Duration::from_micros(us));
        }
        let s = many.summary();
        assert!(close(s.p50_ms, 5.0) && close(s.p99_ms, 9.9) && close(s.max_ms, 10.0));
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
            receipts: None,
        };
        assert_eq!(r.msgs_per_sec(), 196.0);
        assert!(!r.all_ok());
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
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
        let v: serde_json::Value = serde_json::from_str(&ok.to_json()).unwrap();
        assert_eq!(v["receipts_requested"], false);
        assert_eq!(v["receipts_expected"], 0);

        let mut with = BenchReport {
            receipts: Some(ReceiptReport {
                expected: 3,
                received: 2,
                unmatched: 1,
                timeout: Duration::from_millis(1500),
                latency: LatencySummary {
                    count: 2,
                    p50_ms: 1.0,
                    p99_ms: 2.5,
                    max_ms: 2.5,
                },
            }),
            ..ok
        };
        assert!(!with.all_ok(), "a receipt is missing");
        let lines = with.lines();
        assert_eq!(
            lines[3],
            "receipts: 2 of 3 received (1 missing after waiting up to 1.500 s, 1 unmatched)"
        );
        assert_eq!(
            lines[4],
            "receipt latency ms: p50 1.000  p99 2.500  max 2.500"
        );
        let v: serde_json::Value = serde_json::from_str(&with.to_json()).unwrap();
        assert_eq!(v["receipts_requested"], true);
        assert_eq!(v["receipts"], 2);
        assert_eq!(v["receipts_expected"], 3);
        assert_eq!(v["receipts_missing"], 1);
        assert_eq!(v["receipts_unmatched"], 1);
        assert_eq!(v["receipt_p99_ms"], 2.5);
        if let Some(r) = &mut with.receipts {
            r.received = 3;
        }
        assert!(with.all_ok());
    }

    fn at(ms: u64) -> Instant {
        static T0: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        *T0.get_or_init(Instant::now) + Duration::from_millis(ms)
    }

    #[test]
    fn receipts_match_in_either_order_and_are_timed() {
        let mut t = ReceiptTracker::new();
        t.accepted(Some("0000000001"), at(0));
        t.accepted(Some("0000000002"), at(1));
        assert!(t.receipt(Some("0000000002"), at(11)), "response first");
        assert!(!t.receipt(Some("0000000003"), at(5)), "receipt first: kept");
        t.accepted(Some("0000000003"), at(2));
        assert_eq!((t.expected(), t.received()), (3, 2));
        assert!(!t.complete());
        assert!(t.receipt(Some("0000000001"), at(20)));
        assert!(t.complete());
        let r = t.report(Duration::from_secs(5));
        assert_eq!(
            (r.expected, r.received, r.missing(), r.unmatched),
            (3, 3, 0, 0)
        );
        assert_eq!(r.latency.count, 3);
        assert!(close(r.latency.p50_ms, 10.0), "{:?}", r.latency);
        assert!(close(r.latency.max_ms, 20.0), "{:?}", r.latency);
        assert_eq!(r.timeout, Duration::from_secs(5));
    }

    #[test]
    fn duplicates_strangers_and_missing_ids_are_unmatched() {
        let mut t = ReceiptTracker::new();
        t.accepted(Some("a"), at(0));
        t.accepted(None, at(0));
        t.accepted(Some("  "), at(0));
        assert!(t.receipt(Some("a"), at(1)));
        assert!(!t.receipt(Some("a"), at(2)), "a duplicate matches nothing");
        assert!(!t.receipt(Some("stranger"), at(3)));
        assert!(!t.receipt(None, at(4)));
        assert!(!t.receipt(Some(""), at(4)));
        let r = t.report(Duration::ZERO);
        assert_eq!((r.expected, r.received, r.missing()), (3, 1, 2));
        assert_eq!(r.unmatched, 4);
        assert!(r.received <= r.expected);
    }

    #[test]
    fn ids_match_ignoring_case_blanks_and_leading_zeros_only() {
        assert_eq!(id_key(" 0000000A1f "), "a1f");
        assert_eq!(id_key("000"), "0");
        assert_eq!(id_key(""), "");
        let mut t = ReceiptTracker::new();
        t.accepted(Some("AbC1"), at(0));
        assert!(t.receipt(Some(" abc1 "), at(1)));
        t.accepted(Some("0000000a"), at(0));
        assert!(t.receipt(Some("A"), at(2)));
        // Not across bases: 0x0a is 10, but "10" is another message's id.
        t.accepted(Some("0000000b"), at(0));
        assert!(!t.receipt(Some("11"), at(3)));
        t.accepted(Some("10"), at(0));
        t.accepted(Some("16"), at(5));
        assert!(t.receipt(Some("16"), at(6)));
        assert!(t.receipt(Some("0010"), at(9)));
        let r = t.report(Duration::ZERO);
        assert_eq!((r.expected, r.received, r.unmatched), (5, 4, 1));
        assert_eq!(r.missing(), 1, "0000000b");
        assert!(close(r.latency.max_ms, 9.0), "{:?}", r.latency);
        assert_eq!(t.waiting.len(), 1);
        assert_eq!(t.early.len(), 1);
    }
}
