//! The simulator's Prometheus metrics ([`SimMetrics`]), kept with `prometheus-client` and
//! encoded in the text exposition format for the control plane's `GET /metrics`.
//!
//! PDUs are counted from the server's trace callback ([`SimMetrics::observe_pdu`]): it reads
//! the 16-octet header only, bumps an atomic counter and, for latencies, keeps the time a
//! sampled request went by until its response comes back the other way (every request of
//! a session's first 256 sequence numbers, then one in 64). The rest comes from the server's
//! events (binds, refusals, retries, give-ups) and, at scrape time, its queue (store depth).

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use smpp_core::trace::Direction;
use smpp_core::{CommandId, CommandStatus};
use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Labels of one label (`account`, `direction`, `status`).
type One = [(&'static str, Cow<'static, str>); 1];
/// Labels of two (`account`, `bind_type`).
type Two = [(&'static str, Cow<'static, str>); 2];
/// Labels of three (`direction`, `command`, `status`).
type Three = [(&'static str, Cow<'static, str>); 3];

/// Requests waiting for their response, for the latency histograms; beyond this many
/// (responses that never came) the table is cleared rather than grown.
const MAX_OPEN_REQUESTS: usize = 100_000;

/// The registry, and how much of each fast count it was given.
struct Registered {
    registry: Registry,
    synced: Vec<u64>,
}

/// Slots of the fast counts per direction: command ids `0x000`..`0x1FF`, requests then
/// responses (`0x80000000` set).
const FAST_SLOTS: usize = 0x400;

/// The fast-count slot of a command id, when it has one.
fn fast_slot(id: u32) -> Option<usize> {
    if id & !0x8000_01FF != 0 {
        return None;
    }
    let low = (id & 0x1FF) as usize;
    Some(if id & 0x8000_0000 != 0 {
        0x200 + low
    } else {
        low
    })
}

/// Whether the latency of the request (and response) with this sequence number is measured:
/// all of a session's first 256, then one in 64, so the cost stays small under load.
fn sampled(sequence_number: u32) -> bool {
    sequence_number < 256 || sequence_number.is_multiple_of(64)
}

/// A request waiting for its response: its peer, sequence number, and whether the peer
/// sent it.
type OpenKey = (Option<SocketAddr>, u32, bool);

/// The simulator's metrics: updated by the SMPP side (atomic counters, a short lock for
/// latencies), read by [`SimMetrics::encode`].
pub struct SimMetrics {
    registry: Mutex<Registered>,
    /// `ESME_ROK` PDUs of the known commands, by direction and [`fast_slot`], moved into
    /// `pdus` at scrape time.
    ok: Box<[AtomicU64]>,
    binds: Family<Two, Gauge>,
    pdus: Family<Three, Counter>,
    latency: Family<One, Histogram, fn() -> Histogram>,
    store_depth: Gauge,
    store_pending: Family<One, Gauge>,
    delivered: Counter,
    retried: Counter,
    given_up: Counter,
    refused: Counter,
    failed_binds: Family<One, Counter>,
    /// Requests seen and not answered yet: (peer, sequence number, who asked) → when.
    open: Mutex<HashMap<OpenKey, Instant>>,
}

fn latency_histogram() -> Histogram {
    // 50 µs to about 1.6 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

fn label(s: &'static str) -> Cow<'static, str> {
    Cow::Borrowed(s)
}

/// A command's name (`submit_sm`, ...), or its id in hex.
pub(crate) fn command_label(id: CommandId) -> Cow<'static, str> {
    match id.name() {
        Some(n) => Cow::Borrowed(n),
        None => Cow::Owned(format!("0x{:08x}", id.to_u32())),
    }
}

/// A status's name (`ESME_ROK`, ...), or its value in hex.
pub(crate) fn status_label(s: CommandStatus) -> Cow<'static, str> {
    match s.name() {
        Some(n) => Cow::Borrowed(n),
        None => Cow::Owned(format!("0x{:08X}", s.0)),
    }
}

impl Default for SimMetrics {
    fn default() -> Self {
        SimMetrics::new()
    }
}

impl std::fmt::Debug for SimMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SimMetrics")
    }
}

impl SimMetrics {
    /// Every metric, registered under the prefix `smpp`.
    pub fn new() -> SimMetrics {
        let m = SimMetrics {
            registry: Mutex::new(Registered {
                registry: Registry::with_prefix("smpp"),
                synced: vec![0; 2 * FAST_SLOTS],
            }),
            ok: (0..2 * FAST_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            binds: Family::default(),
            pdus: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            store_depth: Gauge::default(),
            store_pending: Family::default(),
            delivered: Counter::default(),
            retried: Counter::default(),
            given_up: Counter::default(),
            refused: Counter::default(),
            failed_binds: Family::default(),
            open: Mutex::new(HashMap::new()),
        };
        {
            let mut reg = super::lock(&m.registry);
            let r = &mut reg.registry;
            r.register(
                "binds",
                "Bound sessions, by account and bind type",
                m.binds.clone(),
            );
            r.register(
                "pdus",
                "PDUs received (direction in) and sent (out), by command and command_status",
                m.pdus.clone(),
            );
            r.register(
                "response_latency_seconds",
                "From a request to its response: inbound, the ESMEs' requests answered by \
                 the simulator; outbound, the simulator's requests answered by the ESMEs",
                m.latency.clone(),
            );
            r.register(
                "store_depth",
                "Deliveries held (waiting or on their way), all accounts",
                m.store_depth.clone(),
            );
            r.register(
                "store_pending",
                "Deliveries held, by account",
                m.store_pending.clone(),
            );
            r.register(
                "deliveries_delivered",
                "Deliveries (receipts, MO) answered ESME_ROK",
                m.delivered.clone(),
            );
            r.register(
                "deliveries_retried",
                "Delivery attempts that failed for now and were queued again",
                m.retried.clone(),
            );
            r.register(
                "deliveries_given_up",
                "Deliveries given up (retry budget spent, expired, shut down)",
                m.given_up.clone(),
            );
            r.register(
                "connections_refused",
                "Connections refused at once (too many open)",
                m.refused.clone(),
            );
            r.register(
                "binds_failed",
                "Binds refused, by the status answered",
                m.failed_binds.clone(),
            );
        }
        m
    }

    /// One PDU that went by (the trace callback): counted by direction, command and
    /// status (an atomic add for a known command answered `ESME_ROK`, the common case); a
    /// sampled request's time is kept until its response, whose latency is recorded.
    pub fn observe_pdu(&self, direction: Direction, peer: Option<SocketAddr>, pdu: &[u8]) {
        // The header's words, read directly: command_id, command_status, sequence_number.
        let word = |i: usize| {
            pdu.get(i..i + 4)
                .and_then(|w| <[u8; 4]>::try_from(w).ok())
                .map(u32::from_be_bytes)
        };
        let (Some(id), Some(status), Some(seq)) = (word(4), word(8), word(12)) else {
            return;
        };
        let incoming = direction == Direction::In;
        match fast_slot(id) {
            Some(slot) if status == 0 => {
                self.ok[usize::from(!incoming) * FAST_SLOTS + slot].fetch_add(1, Ordering::Relaxed);
            }
            _ => {
                self.pdus
                    .get_or_create(&[
                        ("direction", label(if incoming { "in" } else { "out" })),
                        ("command", command_label(CommandId::from_u32(id))),
                        ("status", status_label(CommandStatus(status))),
                    ])
                    .inc();
            }
        }
        if !sampled(seq) {
            return;
        }
        let now = Instant::now();
        // Responses (generic_nack included) have the top bit of command_id set.
        if id & 0x8000_0000 != 0 {
            // A response travels the other way from its request: received, it answers one
            // of ours (outbound); sent, one of the ESME's (inbound).
            let started = super::lock(&self.open).remove(&(peer, seq, !incoming));
            if let Some(t) = started {
                let which = if incoming { "outbound" } else { "inbound" };
                self.latency
                    .get_or_create(&[("direction", label(which))])
                    .observe(now.duration_since(t).as_secs_f64());
            }
        } else {
            let mut open = super::lock(&self.open);
            if open.len() >= MAX_OPEN_REQUESTS {
                open.clear();
            }
            open.insert((peer, seq, incoming), now);
        }
    }

    /// Moves the atomic `ESME_ROK` counts into the PDU family (under the registry lock).
    fn sync_fast_counts(&self, synced: &mut [u64]) {
        for (i, (count, seen)) in self.ok.iter().zip(synced.iter_mut()).enumerate() {
            let now = count.load(Ordering::Relaxed);
            if now == *seen {
                continue;
            }
            let (dir, slot) = (i / FAST_SLOTS, i % FAST_SLOTS);
            let id = CommandId::from_u32(
                (u32::try_from(slot & 0x1FF).unwrap_or(0))
                    | if slot >= 0x200 { 0x8000_0000 } else { 0 },
            );
            self.pdus
                .get_or_create(&[
                    ("direction", label(if dir == 0 { "in" } else { "out" })),
                    ("command", command_label(id)),
                    ("status", label("ESME_ROK")),
                ])
                .inc_by(now - *seen);
            *seen = now;
        }
    }

    /// A bind accepted.
    pub fn bound(&self, account: &str, bind_type: &str) {
        self.binds
            .get_or_create(&bind_labels(account, bind_type))
            .inc();
    }

    /// A bound session ended.
    pub fn unbound(&self, account: &str, bind_type: &str) {
        self.binds
            .get_or_create(&bind_labels(account, bind_type))
            .dec();
    }

    /// A bind refused with `status`.
    pub fn bind_failed(&self, status: CommandStatus) {
        self.failed_binds
            .get_or_create(&[("status", status_label(status))])
            .inc();
    }

    /// `n` connections refused at once.
    pub fn connections_refused(&self, n: u64) {
        self.refused.inc_by(n);
    }

    /// A delivery attempt failed for now.
    pub fn retried(&self) {
        self.retried.inc();
    }

    /// A delivery ended: delivered, or not (`given_up`; a permanent refusal is neither).
    pub fn delivery_ended(&self, delivered: bool, given_up: bool) {
        if delivered {
            self.delivered.inc();
        }
        if given_up {
            self.given_up.inc();
        }
    }

    /// The metrics in the Prometheus text format, with the store depth as `depth` says
    /// now: (account, deliveries held) for every account.
    pub fn encode(&self, depth: &[(String, usize)]) -> String {
        let mut registry = super::lock(&self.registry);
        let Registered { registry, synced } = &mut *registry;
        self.sync_fast_counts(synced);
        let total: usize = depth.iter().map(|(_, n)| n).sum();
        self.store_depth
            .set(i64::try_from(total).unwrap_or(i64::MAX));
        for (account, n) in depth {
            self.store_pending
                .get_or_create(&[("account", Cow::Owned(account.clone()))])
                .set(i64::try_from(*n).unwrap_or(i64::MAX));
        }
        let mut out = String::new();
        if encode(&mut out, registry).is_err() {
            out.clear();
        }
        out
    }
}

fn bind_labels(account: &str, bind_type: &str) -> Two {
    [
        ("account", Cow::Owned(account.to_string())),
        ("bind_type", Cow::Owned(bind_type.to_string())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use smpp_core::pdu::{Body, Pdu};

    fn frame(pdu: &Pdu<'_>) -> Vec<u8> {
        let mut buf = vec![0u8; pdu.encoded_len()];
        pdu.encode(&mut buf).unwrap();
        buf
    }

    #[test]
    fn pdus_and_latencies_are_counted() {
        let m = SimMetrics::new();
        let peer: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let req = frame(&Pdu::new(7, Body::EnquireLink));
        let resp = frame(&Pdu::new(7, Body::EnquireLinkResp));
        m.observe_pdu(Direction::In, Some(peer), &req);
        m.observe_pdu(Direction::Out, Some(peer), &resp);
        m.bound("acme", "transceiver");
        m.bind_failed(CommandStatus::ESME_RBINDFAIL);
        let text = m.encode(&[("acme".into(), 3)]);
        assert!(
            text.contains(
                "smpp_pdus_total{direction=\"in\",command=\"enquire_link\",status=\"ESME_ROK\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("smpp_response_latency_seconds_count{direction=\"inbound\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("smpp_binds{account=\"acme\",bind_type=\"transceiver\"} 1"),
            "{text}"
        );
        assert!(text.contains("smpp_store_depth 3"), "{text}");
        assert!(
            text.contains("smpp_binds_failed_total{status=\"ESME_RBINDFAIL\"} 1"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
