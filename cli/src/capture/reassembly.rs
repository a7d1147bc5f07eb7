//! TCP reassembly: segments of every connection to in-order bytes per direction.

use super::packet::TcpSeg;
use super::{ConnId, ConnKey, Side, StreamEvent};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

/// Memory bounds of the reassembler.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Out-of-order octets held per direction; beyond, the first hole is declared a Gap.
    pub max_pending: usize,
    /// Open connections; beyond, the oldest (by ConnId) is closed.
    pub max_conns: usize,
    /// Closed 4-tuples remembered (so late segments of a closed connection open nothing).
    pub max_closed: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_pending: 1 << 20,
            max_conns: 65_536,
            max_closed: 65_536,
        }
    }
}

type Tuple = (SocketAddr, SocketAddr);

/// Where an event happens.
#[derive(Clone, Copy)]
pub(crate) struct At {
    pub ts: Duration,
    pub frame: u64,
}

#[derive(Default)]
struct Dir {
    started: bool,
    isn: Option<u32>,
    /// The sequence number of `next_off`.
    next_seq: u32,
    /// Stream offset of the next in-order octet.
    next_off: u64,
    pending: BTreeMap<u64, Vec<u8>>,
    pending_bytes: usize,
    fin_off: Option<u64>,
}

impl Dir {
    fn start(&mut self, seq: u32) {
        self.started = true;
        self.next_seq = seq;
    }

    /// The stream offset of `seq` (within 2 GiB of the next expected octet; wrap-around safe).
    fn offset(&self, seq: u32) -> i64 {
        self.next_off as i64 + i64::from(seq.wrapping_sub(self.next_seq) as i32)
    }

    fn advance(&mut self, n: u64) {
        self.next_off += n;
        self.next_seq = self.next_seq.wrapping_add(n as u32);
    }

    fn complete(&self) -> bool {
        self.fin_off.is_some_and(|f| self.next_off >= f)
    }

    /// Takes the pending octets that now follow in order into `out`.
    fn drain_in_order(&mut self, out: &mut Vec<u8>) {
        while let Some(entry) = self.pending.first_entry() {
            let k = *entry.key();
            if k > self.next_off {
                break;
            }
            let v = entry.remove();
            self.pending_bytes -= v.len();
            let end = k + v.len() as u64;
            if end > self.next_off {
                let skip = (self.next_off - k) as usize;
                out.extend_from_slice(&v[skip..]);
                self.advance(end - self.next_off);
            }
        }
    }

    /// Holds `[off, off+len)` minus what is already held (the first copy wins).
    fn hold(&mut self, off: u64, data: &[u8]) {
        let end = off + data.len() as u64;
        let mut cursor = off;
        let mut pieces: Vec<(u64, u64)> = Vec::new();
        if let Some((&k, v)) = self.pending.range(..off).next_back() {
            cursor = cursor.max(k + v.len() as u64);
        }
        for (&k, v) in self.pending.range(off..end) {
            if k > cursor {
                pieces.push((cursor, k));
            }
            cursor = cursor.max(k + v.len() as u64);
        }
        if cursor < end {
            pieces.push((cursor, end));
        }
        for (s, e) in pieces {
            let slice = &data[(s - off) as usize..(e - off) as usize];
            self.pending_bytes += slice.len();
            self.pending.insert(s, slice.to_vec());
        }
    }
}

struct Conn {
    id: ConnId,
    key: ConnKey,
    closed: bool,
    dirs: [Dir; 2],
}

/// The reassembler: feed it segments in capture order, then [`Reassembler::finish`].
pub(crate) struct Reassembler {
    conns: HashMap<Tuple, Conn>,
    open: BTreeMap<ConnId, Tuple>,
    closed: VecDeque<(Tuple, ConnId)>,
    next_id: u64,
    limits: Limits,
}

fn tuple(a: SocketAddr, b: SocketAddr) -> Tuple {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

fn side_index(side: Side) -> usize {
    match side {
        Side::AtoB => 0,
        Side::BtoA => 1,
    }
}

const SIDES: [Side; 2] = [Side::AtoB, Side::BtoA];

/// Emits Data (and Gaps) for everything held in one direction, then a Gap for octets known
/// lost before its FIN.
fn flush<F: FnMut(StreamEvent)>(id: ConnId, side: Side, d: &mut Dir, at: At, sink: &mut F) {
    while let Some((k, v)) = d.pending.pop_first() {
        d.pending_bytes -= v.len();
        if k > d.next_off {
            sink(StreamEvent::Gap {
                conn: id,
                side,
                ts: at.ts,
                frame: at.frame,
                len: k - d.next_off,
            });
            let n = k - d.next_off;
            d.advance(n);
        }
        let end = k + v.len() as u64;
        if end > d.next_off {
            let mut out = v[(d.next_off - k) as usize..].to_vec();
            d.advance(end - d.next_off);
            d.drain_in_order(&mut out);
            sink(StreamEvent::Data {
                conn: id,
                side,
                ts: at.ts,
                frame: at.frame,
                bytes: out,
            });
        }
    }
    if let Some(f) = d.fin_off {
        if f > d.next_off {
            sink(StreamEvent::Gap {
                conn: id,
                side,
                ts: at.ts,
                frame: at.frame,
                len: f - d.next_off,
            });
            let n = f - d.next_off;
            d.advance(n);
        }
    }
}

/// Declares the octets before `upto` lost (a Gap), then emits what held data now follows in
/// order.
fn skip_to<F: FnMut(StreamEvent)>(
    id: ConnId,
    side: Side,
    d: &mut Dir,
    upto: u64,
    at: At,
    sink: &mut F,
) {
    sink(StreamEvent::Gap {
        conn: id,
        side,
        ts: at.ts,
        frame: at.frame,
        len: upto - d.next_off,
    });
    d.advance(upto - d.next_off);
    let mut out = Vec::new();
    d.drain_in_order(&mut out);
    if !out.is_empty() {
        sink(StreamEvent::Data {
            conn: id,
            side,
            ts: at.ts,
            frame: at.frame,
            bytes: out,
        });
    }
}

impl Reassembler {
    pub(crate) fn new(limits: Limits) -> Self {
        Reassembler {
            conns: HashMap::new(),
            open: BTreeMap::new(),
            closed: VecDeque::new(),
            next_id: 0,
            limits,
        }
    }

    fn close<F: FnMut(StreamEvent)>(
        &mut self,
        t: Tuple,
        at: At,
        reset: bool,
        eoc: bool,
        sink: &mut F,
    ) {
        let Some(c) = self.conns.get_mut(&t) else {
            return;
        };
        if c.closed {
            return;
        }
        for side in SIDES {
            flush(c.id, side, &mut c.dirs[side_index(side)], at, sink);
        }
        c.closed = true;
        sink(StreamEvent::Close {
            conn: c.id,
            ts: at.ts,
            frame: at.frame,
            reset,
            end_of_capture: eoc,
        });
        self.open.remove(&c.id);
        let id = c.id;
        if eoc {
            return;
        }
        self.closed.push_back((t, id));
        while self.closed.len() > self.limits.max_closed {
            if let Some((old, old_id)) = self.closed.pop_front() {
                if self
                    .conns
                    .get(&old)
                    .is_some_and(|c| c.closed && c.id == old_id)
                {
                    self.conns.remove(&old);
                }
            }
        }
    }

    fn open_conn<F: FnMut(StreamEvent)>(
        &mut self,
        t: Tuple,
        seg: &TcpSeg<'_>,
        at: At,
        sink: &mut F,
    ) {
        let id = ConnId(self.next_id);
        self.next_id += 1;
        let key = ConnKey {
            a: seg.src,
            b: seg.dst,
        };
        sink(StreamEvent::Open {
            conn: id,
            key,
            ts: at.ts,
            frame: at.frame,
            syn: seg.syn,
        });
        self.conns.insert(
            t,
            Conn {
                id,
                key,
                closed: false,
                dirs: [Dir::default(), Dir::default()],
            },
        );
        self.open.insert(id, t);
        while self.open.len() > self.limits.max_conns {
            let Some((_, &oldest)) = self.open.first_key_value() else {
                break;
            };
            self.close(oldest, at, false, false, sink);
        }
    }

    /// One segment, in capture order.
    pub(crate) fn segment<F: FnMut(StreamEvent)>(
        &mut self,
        seg: &TcpSeg<'_>,
        at: At,
        sink: &mut F,
    ) {
        let t = tuple(seg.src, seg.dst);
        let new_syn = seg.syn && !seg.ack;
        match self.conns.get(&t) {
            None => {
                if seg.rst {
                    return;
                }
                self.open_conn(t, seg, at, sink);
            }
            Some(c) if c.closed => {
                if !new_syn {
                    return; // late segments of a closed connection
                }
                self.open_conn(t, seg, at, sink);
            }
            Some(c) => {
                let side = if seg.src == c.key.a { 0 } else { 1 };
                let d = &c.dirs[side];
                if new_syn && d.started && d.isn != Some(seg.seq) {
                    // A new connection on a 4-tuple that never closed properly.
                    self.close(t, at, false, false, sink);
                    self.open_conn(t, seg, at, sink);
                }
            }
        }
        let limits = self.limits;
        let Some(c) = self.conns.get_mut(&t) else {
            return;
        };
        if seg.rst {
            self.close(t, at, true, false, sink);
            return;
        }
        let side = if seg.src == c.key.a {
            Side::AtoB
        } else {
            Side::BtoA
        };
        let i = side_index(side);
        if seg.syn {
            let d = &mut c.dirs[i];
            if !d.started {
                d.start(seg.seq.wrapping_add(1));
                d.isn = Some(seg.seq);
            }
            if seg.ack && !c.dirs[1 - i].started {
                c.dirs[1 - i].start(seg.ack_no);
            }
        }
        let data_seq = if seg.syn {
            seg.seq.wrapping_add(1)
        } else {
            seg.seq
        };
        let id = c.id;
        if seg.ack && !seg.syn {
            // (First, so that what the hole held back comes before this segment's data.)
            // The peer acknowledged octets this direction's capture never saw: they were
            // lost by the capture, not by the network, and will never come. Declare the
            // hole at once instead of waiting for the close or the out-of-order bound.
            let o = &mut c.dirs[1 - i];
            let acked = o.offset(seg.ack_no);
            let other = SIDES[1 - i];
            while o.started && acked > o.next_off as i64 {
                let Some((&k, _)) = o.pending.first_key_value() else {
                    break;
                };
                let upto = (acked as u64).min(k);
                if upto <= o.next_off {
                    break;
                }
                skip_to(id, other, o, upto, at, sink);
            }
        }
        let d = &mut c.dirs[i];
        if !seg.payload.is_empty() {
            if !d.started {
                d.start(data_seq);
            }
            let off = d.offset(data_seq);
            let end = off + seg.payload.len() as i64;
            let next = d.next_off as i64;
            if end > next {
                let (off, payload) = if off < next {
                    (next, &seg.payload[(next - off) as usize..])
                } else {
                    (off, seg.payload)
                };
                if off == next {
                    let mut out;
                    if d.pending.is_empty() {
                        out = payload.to_vec();
                        d.advance(payload.len() as u64);
                    } else {
                        // Held octets are first copies: merge, then take what is in order.
                        d.hold(off as u64, payload);
                        out = Vec::new();
                        d.drain_in_order(&mut out);
                    }
                    sink(StreamEvent::Data {
                        conn: id,
                        side,
                        ts: at.ts,
                        frame: at.frame,
                        bytes: out,
                    });
                } else {
                    d.hold(off as u64, payload);
                    while d.pending_bytes > limits.max_pending {
                        let Some((&k, _)) = d.pending.first_key_value() else {
                            break;
                        };
                        skip_to(id, side, d, k, at, sink);
                    }
                }
            }
        }
        if seg.fin {
            if !d.started {
                d.start(data_seq);
            }
            if d.fin_off.is_none() {
                let off = d.offset(data_seq) + seg.payload.len() as i64;
                d.fin_off = Some(off.max(0) as u64);
            }
        }
        if c.dirs[0].complete() && c.dirs[1].complete() {
            self.close(t, at, false, false, sink);
        }
    }

    /// The end of the capture: every open connection gets its held data and a Close.
    pub(crate) fn finish<F: FnMut(StreamEvent)>(&mut self, at: At, sink: &mut F) {
        let open: Vec<Tuple> = self.open.values().copied().collect();
        for t in open {
            self.close(t, at, false, true, sink);
        }
    }
}
