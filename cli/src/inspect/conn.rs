//! One connection's state, turned into its report at its close.

use super::framing::{Framer, Item};
use super::report::*;
use super::{Direction, PduSeen, Shared};
use crate::capture::{ConnId, ConnKey, Side};
use crate::message::MessageView;
use crate::stats::Latencies;
use smpp_core::pdu::{Body, CommandId, CommandStatus, Header, Pdu};
use smpp_core::session::{Observer, State};
use std::collections::BTreeMap;
use std::time::Duration;

/// Requests tracked per connection.
pub const MAX_OUTSTANDING: usize = 100_000;
const LIST_CAP: usize = 20;

fn idx(s: Side) -> usize {
    match s {
        Side::AtoB => 0,
        Side::BtoA => 1,
    }
}
fn other(i: usize) -> usize {
    1 - i
}
fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}
/// Milliseconds, to the microsecond (no binary noise such as 0.17200000000000001 in JSON).
pub(crate) fn msf(d: Duration) -> f64 {
    (d.as_nanos() as f64 / 1000.0).round() / 1000.0
}

#[derive(Default)]
struct Run {
    cur: Option<Episode>,
    eps: Episodes,
}
impl Run {
    fn hit(&mut self, dir: &'static str, ts: Duration, status: CommandStatus) {
        match &mut self.cur {
            Some(e) => {
                e.end = secs(ts);
                e.count += 1;
            }
            None => {
                self.cur = Some(Episode {
                    direction: dir,
                    start: secs(ts),
                    end: secs(ts),
                    count: 1,
                    status: status_name(status),
                })
            }
        }
    }
    fn stop(&mut self) {
        if let Some(e) = self.cur.take() {
            self.eps.total += 1;
            if self.eps.list.len() < LIST_CAP {
                self.eps.list.push(e);
            }
        }
    }
}

pub(crate) fn status_name(s: CommandStatus) -> String {
    s.name()
        .map_or_else(|| format!("0x{:08x}", s.0), str::to_string)
}
fn command_name(id: CommandId) -> String {
    id.name()
        .map_or_else(|| format!("0x{:08x}", id.to_u32()), str::to_string)
}

struct Outstanding {
    id: CommandId,
    ts: Duration,
    frame: u64,
}

pub(crate) struct Conn {
    id: ConnId,
    key: ConnKey,
    syn: bool,
    opened: Duration,
    pub(crate) smpp: Option<bool>,
    pub(crate) pending: [Vec<u8>; 2],
    pending_meta: [(Duration, u64); 2],
    pub(crate) tried: [Option<bool>; 2],
    framers: [Framer; 2],
    st: State_,
}

struct State_ {
    observer: Observer,
    bind_side: Option<usize>,
    port_esme: Option<usize>,
    bind: Option<(BindReport, u32, Duration)>,
    pdus: u64,
    commands: [BTreeMap<u32, u64>; 2],
    statuses: BTreeMap<u32, u64>,
    outstanding: [super::IntMap<u32, Outstanding>; 2],
    overflow: u64,
    max_window: [u64; 2],
    latency: BTreeMap<(usize, u32), (Latencies, Duration)>,
    throttle: [Run; 2],
    errors: [Run; 2],
    enquire: (u64, Option<Duration>, Duration, Duration),
    last_pdu: Option<Duration>,
    idle: Option<(Duration, Duration)>,
    unbind: Option<(usize, Duration, u64)>,
    decode_errors: DecodeErrors,
    receipts: u64,
}

impl Conn {
    pub(crate) fn new(
        id: ConnId,
        key: ConnKey,
        ts: Duration,
        syn: bool,
        ports: &[u16],
        heuristic: bool,
    ) -> Conn {
        let (pa, pb) = (ports.contains(&key.a.port()), ports.contains(&key.b.port()));
        let port_esme = match (pa, pb) {
            (false, true) => Some(0),
            (true, false) => Some(1),
            _ => None,
        };
        let smpp = if pa || pb {
            Some(true)
        } else if heuristic {
            None
        } else {
            Some(false)
        };
        Conn {
            id,
            key,
            syn,
            opened: ts,
            smpp,
            pending: [Vec::new(), Vec::new()],
            pending_meta: [(ts, 0); 2],
            tried: [None; 2],
            framers: [Framer::new(syn), Framer::new(syn)],
            st: State_ {
                observer: Observer::new(),
                bind_side: None,
                port_esme,
                bind: None,
                pdus: 0,
                commands: Default::default(),
                statuses: BTreeMap::new(),
                outstanding: Default::default(),
                overflow: 0,
                max_window: [0; 2],
                latency: BTreeMap::new(),
                throttle: Default::default(),
                errors: Default::default(),
                enquire: (0, None, Duration::ZERO, Duration::ZERO),
                last_pdu: None,
                idle: None,
                unbind: None,
                decode_errors: DecodeErrors::default(),
                receipts: 0,
            },
        }
    }

    /// Octets while the heuristic has not decided; `true` when decided SMPP now.
    pub(crate) fn hold(&mut self, side: Side, ts: Duration, frame: u64, bytes: &[u8]) {
        let i = idx(side);
        if self.pending[i].is_empty() {
            self.pending_meta[i] = (ts, frame);
        }
        if self.pending[i].len() < super::framing::MAX_LEN as usize * 2 {
            self.pending[i].extend_from_slice(bytes);
        }
        if self.tried[i].is_none() && self.pending[i].len() >= 16 {
            let ok = super::framing::plausible_header(&self.pending[i]).is_some();
            self.tried[i] = Some(ok);
            if ok {
                self.smpp = Some(true);
            } else if self.tried[other(i)] == Some(false) {
                self.smpp = Some(false);
            }
        }
    }

    /// Feeds what was held once the connection is known to be SMPP.
    pub(crate) fn release(&mut self, sh: &mut Shared) {
        for i in 0..2 {
            let data = std::mem::take(&mut self.pending[i]);
            if !data.is_empty() {
                let (ts, frame) = self.pending_meta[i];
                let side = if i == 0 { Side::AtoB } else { Side::BtoA };
                self.data(side, ts, frame, &data, sh);
            }
        }
    }

    pub(crate) fn data(
        &mut self,
        side: Side,
        ts: Duration,
        frame: u64,
        bytes: &[u8],
        sh: &mut Shared,
    ) {
        let i = idx(side);
        let (framers, st, id) = (&mut self.framers, &mut self.st, self.id);
        framers[i].push(bytes, frame, &mut |item| st.item(item, i, ts, id, sh));
    }

    pub(crate) fn gap(&mut self, side: Side, len: u64) {
        self.framers[idx(side)].gap(len);
    }

    fn finish_framers(&mut self, ts: Duration, sh: &mut Shared) -> [u64; 2] {
        let mut left = [0u64; 2];
        for (i, l) in left.iter_mut().enumerate() {
            let (framers, st, id) = (&mut self.framers, &mut self.st, self.id);
            *l = framers[i].finish(&mut |item| st.item(item, i, ts, id, sh)) as u64;
        }
        left
    }

    pub(crate) fn report(
        mut self,
        ts: Duration,
        frame: u64,
        how: &'static str,
        sh: &mut Shared,
    ) -> ConnReport {
        let left = self.finish_framers(ts, sh);
        let st = &mut self.st;
        let (esme, esme_by) = match (st.bind_side, st.port_esme) {
            (Some(e), _) => (e, "bind"),
            (None, Some(e)) => (e, "port"),
            _ => (0, "first"),
        };
        let dir = |i: usize| Direction::of(i, esme).as_str();
        let by_dir = |v: [u64; 2]| Windows {
            esme_to_smsc: v[esme],
            smsc_to_esme: v[other(esme)],
        };
        let addr = |i: usize| if i == 0 { self.key.a } else { self.key.b };
        let state = match st.observer.state() {
            State::Closed => State::Closed.to_string(),
            other => format!("{other} at close"),
        };
        let mut commands = Vec::new();
        for i in [esme, other(esme)] {
            for (&c, &n) in &st.commands[i] {
                commands.push(CommandCount {
                    direction: dir(i),
                    command: command_name(CommandId::from_u32(c)),
                    count: n,
                });
            }
        }
        let statuses = st
            .statuses
            .iter()
            .map(|(&c, &n)| StatusCount {
                status: status_name(CommandStatus(c)),
                code: c,
                count: n,
            })
            .collect();
        let mut pend: Vec<(usize, &Outstanding, u32)> = st
            .outstanding
            .iter()
            .enumerate()
            .flat_map(|(i, m)| m.iter().map(move |(s, o)| (i, o, *s)))
            .collect();
        pend.sort_by_key(|(_, o, s)| (o.ts, *s));
        let unanswered = Unanswered {
            total: pend.len() as u64 + st.overflow,
            overflow: st.overflow,
            oldest: pend
                .iter()
                .take(LIST_CAP)
                .map(|(i, o, s)| Pending {
                    direction: dir(*i),
                    command: command_name(o.id),
                    seq: *s,
                    frame: o.frame,
                    age_ms: msf(ts.saturating_sub(o.ts)),
                })
                .collect(),
        };
        let latency = st
            .latency
            .iter()
            .map(|((i, c), (l, max))| {
                let s = l.summary();
                LatencyRow {
                    direction: dir(*i),
                    command: command_name(CommandId::from_u32(*c)),
                    latency: Latency {
                        count: s.count as u64,
                        p50_ms: s.p50_ms,
                        p99_ms: s.p99_ms,
                        max_ms: msf(*max),
                    },
                }
            })
            .collect();
        for r in st.throttle.iter_mut().chain(st.errors.iter_mut()) {
            r.stop();
        }
        let merge = |a: &Episodes, b: &Episodes| {
            let mut list: Vec<Episode> = a.list.iter().chain(&b.list).cloned().collect();
            list.sort_by(|x, y| x.start.total_cmp(&y.start));
            list.truncate(LIST_CAP);
            Episodes {
                total: a.total + b.total,
                list,
            }
        };
        let (n, _, sum, max) = st.enquire;
        let enquire_link = EnquireLinks {
            count: n,
            mean_interval_ms: (n > 1).then(|| msf(sum) / (n - 1) as f64),
            max_interval_ms: (n > 1).then(|| msf(max)),
        };
        let f = &self.framers;
        ConnReport {
            conn: self.id.0,
            esme: addr(esme).to_string(),
            smsc: addr(other(esme)).to_string(),
            esme_by,
            syn: self.syn,
            opened: secs(self.opened),
            state,
            bind: st.bind.take().map(|b| b.0),
            pdus: st.pdus,
            commands,
            statuses,
            unanswered,
            latency,
            max_window: by_dir(st.max_window),
            throttling: merge(&st.throttle[0].eps, &st.throttle[1].eps),
            errors: merge(&st.errors[0].eps, &st.errors[1].eps),
            enquire_link,
            longest_idle: st.idle.map(|(s, d)| Idle {
                start: secs(s),
                ms: msf(d),
            }),
            unbind: st.unbind.map(|(i, at, frame)| UnbindReport {
                by: if i == esme { "esme" } else { "smsc" },
                at: secs(at),
                frame,
            }),
            close: CloseReport {
                how,
                at: secs(ts),
                frame,
                partial_octets: by_dir(left),
            },
            decode_errors: std::mem::take(&mut st.decode_errors),
            skipped_octets: by_dir([f[0].skipped, f[1].skipped]),
            gaps: Gaps {
                count: f[0].gaps + f[1].gaps,
                octets: f[0].gap_octets + f[1].gap_octets,
                resyncs: f[0].resyncs + f[1].resyncs,
            },
            receipts: st.receipts,
        }
    }

    pub(crate) fn esme_side(&self) -> usize {
        self.st.bind_side.or(self.st.port_esme).unwrap_or(0)
    }
}

impl State_ {
    fn item(&mut self, item: Item<'_>, i: usize, ts: Duration, conn: ConnId, sh: &mut Shared) {
        match item {
            Item::BadLength {
                offset,
                frame,
                error,
            } => self.decode_error(i, frame, offset, error),
            Item::Pdu {
                bytes,
                offset,
                frame,
            } => self.pdu(bytes, offset, frame, i, ts, conn, sh),
        }
    }

    fn decode_error(&mut self, i: usize, frame: u64, offset: u64, error: String) {
        let d = &mut self.decode_errors;
        d.total += 1;
        if d.list.len() < LIST_CAP {
            let esme = self.bind_side.or(self.port_esme).unwrap_or(0);
            d.list.push(DecodeErrorReport {
                direction: Direction::of(i, esme).as_str(),
                frame,
                offset,
                error,
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn pdu(
        &mut self,
        bytes: &[u8],
        offset: u64,
        frame: u64,
        i: usize,
        ts: Duration,
        conn: ConnId,
        sh: &mut Shared,
    ) {
        let Some(h) = Header::parse(bytes) else {
            return;
        };
        if h.command_id.is_bind() && self.bind_side.is_none() {
            self.bind_side = Some(i);
        }
        let esme = self.bind_side.or(self.port_esme).unwrap_or(0);
        if let Some(sink) = sh.pdu_sink.as_mut() {
            sink(&PduSeen {
                ts,
                conn,
                direction: Direction::of(i, esme),
                frame,
                offset,
                bytes,
            });
        }
        self.pdus += 1;
        *self.commands[i].entry(h.command_id.to_u32()).or_insert(0) += 1;
        if let Some(last) = self.last_pdu {
            let d = ts.saturating_sub(last);
            if self.idle.is_none_or(|(_, m)| d > m) {
                self.idle = Some((last, d));
            }
        }
        self.last_pdu = Some(ts.max(self.last_pdu.unwrap_or_default()));
        self.observer.observe(bytes);
        let id = h.command_id;
        let seq = h.sequence_number;
        // Bodies are parsed for what the report needs only; others are header-only.
        let needs_body = matches!(
            id,
            CommandId::BindReceiver
                | CommandId::BindTransmitter
                | CommandId::BindTransceiver
                | CommandId::BindReceiverResp
                | CommandId::BindTransmitterResp
                | CommandId::BindTransceiverResp
                | CommandId::SubmitSmResp
                | CommandId::DeliverSm
        ) || matches!(id, CommandId::Unknown(_));
        let mut message_id: Option<u64> = None;
        if needs_body || sh.validate {
            match Pdu::parse(bytes) {
                Ok(pdu) => match &pdu.body {
                    Body::BindReceiver(b) | Body::BindTransmitter(b) | Body::BindTransceiver(b)
                        if self.bind.is_none() =>
                    {
                        self.bind = Some((
                            BindReport {
                                command: command_name(id),
                                system_id: String::from_utf8_lossy(b.system_id).into_owned(),
                                smsc_system_id: None,
                                at: secs(ts),
                                status: None,
                                latency_ms: None,
                            },
                            seq,
                            ts,
                        ));
                    }
                    Body::BindReceiverResp(r)
                    | Body::BindTransmitterResp(r)
                    | Body::BindTransceiverResp(r) => {
                        if let Some((b, s, at)) = &mut self.bind {
                            if *s == seq && b.status.is_none() {
                                b.status = Some(status_name(h.command_status));
                                b.latency_ms = Some(msf(ts.saturating_sub(*at)));
                                b.smsc_system_id =
                                    Some(String::from_utf8_lossy(r.system_id).into_owned());
                            }
                        }
                    }
                    Body::SubmitSmResp(r)
                        if h.command_status.is_ok() && !r.message_id.is_empty() =>
                    {
                        message_id = Some(id_hash(r.message_id));
                    }
                    Body::DeliverSm(_) => {
                        if let Some(v) = MessageView::from_body(&pdu.body) {
                            if v.is_receipt() {
                                self.receipts += 1;
                                let r = v.receipt();
                                let key = r.message_id.as_deref().map(|m| id_hash(m.as_bytes()));
                                let stat = r.state.map_or("unknown", |s| s.receipt_stat());
                                sh.receipt(key, stat, ts);
                            }
                        }
                    }
                    _ => {}
                },
                Err(e) => {
                    self.decode_error(i, frame, offset, e.to_string());
                }
            }
        }
        if id == CommandId::EnquireLink {
            let e = &mut self.enquire;
            e.0 += 1;
            if let Some(prev) = e.1 {
                let d = ts.saturating_sub(prev);
                e.2 += d;
                e.3 = e.3.max(d);
            }
            e.1 = Some(ts);
        }
        if id == CommandId::Unbind && self.unbind.is_none() {
            self.unbind = Some((i, ts, frame));
        }
        if id.is_response() {
            *self.statuses.entry(h.command_status.0).or_insert(0) += 1;
            let req_side = other(i);
            if let Some(o) = self.outstanding[req_side].remove(&seq) {
                let d = ts.saturating_sub(o.ts);
                let (l, max) = self
                    .latency
                    .entry((req_side, o.id.to_u32()))
                    .or_insert_with(|| (Latencies::default(), Duration::ZERO));
                l.record(d);
                *max = (*max).max(d);
                if let (Some(key), CommandId::SubmitSm) = (message_id, o.id) {
                    sh.accepted(key, o.ts);
                }
            } else if let Some(key) = message_id {
                sh.accepted(key, ts);
            }
            let st = h.command_status;
            let d = Direction::of(i, esme).as_str();
            if st == CommandStatus::ESME_RTHROTTLED || st == CommandStatus::ESME_RMSGQFUL {
                self.throttle[i].hit(d, ts, st);
            } else {
                self.throttle[i].stop();
            }
            if st.is_ok() {
                self.errors[i].stop();
            } else {
                self.errors[i].hit(d, ts, st);
            }
        } else if id.response().is_some() {
            let total = self.outstanding[0].len() + self.outstanding[1].len();
            if total >= MAX_OUTSTANDING && !self.outstanding[i].contains_key(&seq) {
                self.overflow += 1;
            } else {
                self.outstanding[i].insert(seq, Outstanding { id, ts, frame });
                self.max_window[i] = self.max_window[i].max(self.outstanding[i].len() as u64);
            }
        }
    }
}

/// A message id as a hash of [`crate::stats::id_key`]'s form (trimmed, lower case, no
/// leading zeros, trailing NULs dropped), without allocating.
pub(crate) fn id_hash(id: &[u8]) -> u64 {
    let end = id.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    let id = id[..end].trim_ascii();
    let start = id.iter().position(|&b| b != b'0');
    let digits = match start {
        Some(s) => &id[s..],
        None if id.is_empty() => id,
        None => b"0",
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in digits {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
