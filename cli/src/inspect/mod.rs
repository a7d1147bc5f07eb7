//! SMPP sessions rebuilt from a packet capture: the analysis behind `smpp inspect`.
//!
//! The capture reader ([`crate::capture`]) turns packets into [`StreamEvent`]s: a TCP
//! connection's opening, each direction's in-order octets, gaps and the close. An
//! [`Analyzer`] takes them in order: it decides which connections carry SMPP (a port in
//! [`InspectOptions::ports`], or a plausible PDU header at the start of a direction), cuts
//! each direction into PDUs (resynchronising on a plausible header when the stream's start
//! was not captured or after a gap), follows the SMPP 3.4 state with
//! [`smpp_core::session::Observer`], pairs requests with responses by sequence number and
//! delivery receipts with submits by message id, and turns each connection into a
//! [`ConnReport`] when it closes. Memory is bounded: state exists only per open connection
//! and per outstanding request (capped), receipts awaited are capped capture-wide.
//!
//! ```
//! use smpp_cli::capture::{ConnId, ConnKey, Side, StreamEvent};
//! use smpp_cli::inspect::{Analyzer, InspectOptions};
//! use smpp_core::pdu::{Body, Pdu};
//! use std::time::Duration;
//!
//! fn wire(pdu: &Pdu<'_>) -> Vec<u8> {
//!     let mut buf = vec![0; pdu.encoded_len()];
//!     pdu.encode(&mut buf).unwrap();
//!     buf
//! }
//! let conn = ConnId(1);
//! let key = ConnKey { a: "10.0.0.1:40000".parse().unwrap(), b: "10.0.0.2:2775".parse().unwrap() };
//! let ms = Duration::from_millis;
//! let mut an = Analyzer::new(InspectOptions::default());
//! an.event(StreamEvent::Open { conn, key, ts: ms(0), frame: 1, syn: true });
//! an.event(StreamEvent::Data { conn, side: Side::AtoB, ts: ms(10), frame: 4,
//!     bytes: wire(&Pdu::new(1, Body::EnquireLink)) });
//! an.event(StreamEvent::Data { conn, side: Side::BtoA, ts: ms(12), frame: 5,
//!     bytes: wire(&Pdu::new(1, Body::EnquireLinkResp)) });
//! an.event(StreamEvent::Close { conn, ts: ms(20), frame: 6, reset: false, end_of_capture: false });
//! let report = an.finish(ms(20));
//! let c = &report.connections[0];
//! assert_eq!((c.pdus, c.close.how), (2, "fin"));
//! assert_eq!(c.latency[0].command, "enquire_link");
//! assert_eq!(c.latency[0].latency.max_ms, 2.0);
//! ```

mod conn;
pub mod framing;
pub mod report;

pub use conn::MAX_OUTSTANDING;
pub use report::*;

use crate::capture::{ConnId, StreamEvent};
use crate::stats::Latencies;
use conn::Conn;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

/// Message ids of accepted submits awaiting a receipt, capture-wide.
pub const MAX_PENDING_RECEIPTS: usize = 1_000_000;

/// What the analyzer looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectOptions {
    /// Ports that mark a connection as SMPP (either endpoint); the SMSC is on them.
    pub ports: Vec<u16>,
    /// Also take connections whose first octets look like an SMPP header.
    pub heuristic: bool,
}

impl Default for InspectOptions {
    fn default() -> Self {
        InspectOptions {
            ports: vec![2775, 3550],
            heuristic: true,
        }
    }
}

/// The direction of a PDU relative to the session's roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the ESME to the SMSC.
    EsmeToSmsc,
    /// From the SMSC to the ESME.
    SmscToEsme,
}

impl Direction {
    fn of(side: usize, esme: usize) -> Direction {
        if side == esme {
            Direction::EsmeToSmsc
        } else {
            Direction::SmscToEsme
        }
    }

    /// `esme->smsc` or `smsc->esme`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::EsmeToSmsc => "esme->smsc",
            Direction::SmscToEsme => "smsc->esme",
        }
    }
}

/// One PDU as the analyzer saw it (for `--pdus`).
#[derive(Clone, Copy, Debug)]
pub struct PduSeen<'a> {
    /// Timestamp of the packet that carried it (since the Unix epoch).
    pub ts: Duration,
    /// The connection.
    pub conn: ConnId,
    /// Its direction.
    pub direction: Direction,
    /// The frame of its first octet.
    pub frame: u64,
    /// Its offset in its direction's stream.
    pub offset: u64,
    /// Its octets.
    pub bytes: &'a [u8],
}

/// A receiver of every PDU seen.
pub type PduSink = Box<dyn FnMut(&PduSeen<'_>)>;

/// What every connection shares: options, receipts awaited, the PDU sink.
pub(crate) struct Shared {
    pdu_sink: Option<PduSink>,
    /// Parse every PDU (to report decode errors of all commands), not only those whose
    /// body the report needs.
    validate: bool,
    pending: IntMap<u64, Duration>,
    order: VecDeque<u64>,
    receipts: ReceiptStats,
    delay: Latencies,
    delay_max: Duration,
    stats: BTreeMap<&'static str, u64>,
}

impl Shared {
    fn accepted(&mut self, key: u64, at: Duration) {
        self.receipts.submits_accepted += 1;
        self.pending.insert(key, at);
        self.order.push_back(key);
        while self.order.len() > MAX_PENDING_RECEIPTS {
            if let Some(old) = self.order.pop_front() {
                if self.pending.remove(&old).is_some() {
                    self.receipts.evicted += 1;
                }
            }
        }
    }

    fn receipt(&mut self, key: Option<u64>, stat: &'static str, at: Duration) {
        self.receipts.receipts += 1;
        *self.stats.entry(stat).or_insert(0) += 1;
        match key.and_then(|k| self.pending.remove(&k)) {
            Some(sent) => {
                self.receipts.matched += 1;
                let d = at.saturating_sub(sent);
                self.delay.record(d);
                self.delay_max = self.delay_max.max(d);
            }
            None => self.receipts.unmatched_receipts += 1,
        }
    }
}

/// Rebuilds SMPP sessions from [`StreamEvent`]s (see the module docs).
pub struct Analyzer {
    opts: InspectOptions,
    conns: HashMap<ConnId, Conn>,
    shared: Shared,
    done: Vec<ConnReport>,
    ignored: u64,
}

impl Analyzer {
    /// An analyzer.
    pub fn new(opts: InspectOptions) -> Analyzer {
        Analyzer {
            opts,
            conns: HashMap::new(),
            shared: Shared {
                pdu_sink: None,
                validate: true,
                pending: IntMap::default(),
                order: VecDeque::new(),
                receipts: ReceiptStats::default(),
                delay: Latencies::default(),
                delay_max: Duration::ZERO,
                stats: BTreeMap::new(),
            },
            done: Vec::new(),
            ignored: 0,
        }
    }

    /// Calls `sink` with every PDU of an SMPP connection, in capture order.
    pub fn with_pdu_sink(mut self, sink: PduSink) -> Analyzer {
        self.shared.pdu_sink = Some(sink);
        self
    }

    /// Parses only the bodies the report needs (binds, `submit_sm_resp`, `deliver_sm`):
    /// faster, but decode errors of other commands go unseen.
    pub fn headers_only(mut self) -> Analyzer {
        self.shared.validate = false;
        self
    }

    /// Takes the next event.
    pub fn event(&mut self, ev: StreamEvent) {
        match ev {
            StreamEvent::Open {
                conn, key, ts, syn, ..
            } => {
                let c = Conn::new(conn, key, ts, syn, &self.opts.ports, self.opts.heuristic);
                if c.smpp == Some(false) {
                    self.ignored += 1;
                } else {
                    self.conns.insert(conn, c);
                }
            }
            StreamEvent::Data {
                conn,
                side,
                ts,
                frame,
                bytes,
            } => {
                let Some(c) = self.conns.get_mut(&conn) else {
                    return;
                };
                match c.smpp {
                    Some(true) => c.data(side, ts, frame, &bytes, &mut self.shared),
                    Some(false) => {}
                    None => {
                        c.hold(side, ts, frame, &bytes);
                        match c.smpp {
                            Some(true) => c.release(&mut self.shared),
                            Some(false) => {
                                self.conns.remove(&conn);
                                self.ignored += 1;
                            }
                            None => {}
                        }
                    }
                }
            }
            StreamEvent::Gap {
                conn, side, len, ..
            } => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    if c.smpp == Some(true) {
                        c.gap(side, len);
                    } else {
                        // Undecided: what was held no longer starts the stream.
                        c.tried = [Some(false); 2];
                        c.smpp = Some(false);
                        self.conns.remove(&conn);
                        self.ignored += 1;
                    }
                }
            }
            StreamEvent::Close {
                conn,
                ts,
                frame,
                reset,
                end_of_capture,
            } => {
                if let Some(c) = self.conns.remove(&conn) {
                    let how = if end_of_capture {
                        "end of capture"
                    } else if reset {
                        "rst"
                    } else {
                        "fin"
                    };
                    self.close(c, ts, frame, how);
                }
            }
        }
    }

    fn close(&mut self, c: Conn, ts: Duration, frame: u64, how: &'static str) {
        if c.smpp == Some(true) {
            let r = c.report(ts, frame, how, &mut self.shared);
            self.done.push(r);
        } else {
            self.ignored += 1;
        }
    }

    /// The report; connections still open count as ended at `end`.
    pub fn finish(mut self, end: Duration) -> Report {
        let mut open: Vec<ConnId> = self.conns.keys().copied().collect();
        open.sort();
        for id in open {
            if let Some(c) = self.conns.remove(&id) {
                self.close(c, end, 0, "end of capture");
            }
        }
        let sh = &mut self.shared;
        let mut receipts = std::mem::take(&mut sh.receipts);
        receipts.submits_without_receipt = sh.pending.len() as u64 + receipts.evicted;
        if !sh.delay.is_empty() {
            let s = sh.delay.summary();
            receipts.delay = Some(Latency {
                count: s.count as u64,
                p50_ms: s.p50_ms,
                p99_ms: s.p99_ms,
                max_ms: conn::msf(sh.delay_max),
            });
        }
        receipts.stats = sh
            .stats
            .iter()
            .map(|(k, v)| Count {
                name: (*k).to_string(),
                count: *v,
            })
            .collect();
        Report {
            connections: self.done,
            ignored_connections: self.ignored,
            receipts,
        }
    }

    /// The ESME direction of an open connection (`0`: side a), for tests.
    #[doc(hidden)]
    pub fn esme_side(&self, conn: ConnId) -> Option<usize> {
        self.conns.get(&conn).map(Conn::esme_side)
    }
}

/// A fast hasher for integer keys (sequence numbers, message-id hashes): one multiply.
#[derive(Clone, Copy, Default)]
pub(crate) struct IntHasher(u64);

impl std::hash::Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }
}

/// Maps keyed by integers.
pub(crate) type IntMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IntHasher>>;
