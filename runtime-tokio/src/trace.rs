//! PDU traces: through the `log` facade or a user callback, passwords redacted. The
//! setting and the event ([`Trace`], [`TraceEvent`]) live in [`smpp_core::trace`].

use smpp_core::trace::Direction;
pub use smpp_core::trace::{Trace, TraceEvent, TraceFn};
use std::net::SocketAddr;

/// How this adapter emits the PDUs of a [`Trace`] setting (the `log` facade or the
/// callback).
pub(crate) trait TraceExt {
    /// True when PDUs must be reported at all.
    fn enabled(&self) -> bool;
    /// Reports one PDU.
    fn emit(&self, direction: Direction, peer: Option<SocketAddr>, pdu: &[u8]);
    /// Reports every whole PDU in `bytes` (output of the session: whole PDUs only).
    fn emit_all(&self, direction: Direction, peer: Option<SocketAddr>, bytes: &[u8]);
}

impl TraceExt for Trace {
    fn enabled(&self) -> bool {
        match self {
            Trace::Off => false,
            Trace::Log => log::log_enabled!(target: "smpp::trace", log::Level::Debug),
            Trace::Callback(_) => true,
        }
    }

    fn emit(&self, direction: Direction, peer: Option<SocketAddr>, pdu: &[u8]) {
        let ev = TraceEvent {
            direction,
            peer,
            pdu,
        };
        match self {
            Trace::Off => {}
            Trace::Log => log::debug!(target: "smpp::trace", "{ev}"),
            Trace::Callback(cb) => cb(&ev),
        }
    }

    fn emit_all(&self, direction: Direction, peer: Option<SocketAddr>, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = pdu_len(rest).unwrap_or(rest.len()).min(rest.len());
            let (pdu, tail) = rest.split_at(n);
            self.emit(direction, peer, pdu);
            rest = tail;
        }
    }
}

/// The `command_length` of the PDU at the start of `bytes`, when sane.
fn pdu_len(bytes: &[u8]) -> Option<usize> {
    let len = bytes
        .first_chunk::<4>()
        .map(|b| u32::from_be_bytes(*b) as usize)?;
    (16..=(1 << 20)).contains(&len).then_some(len)
}

/// Reassembles received octets into PDUs for tracing.
#[derive(Default)]
pub(crate) struct TraceRx {
    buf: Vec<u8>,
}

impl TraceRx {
    pub(crate) fn feed(&mut self, trace: &Trace, peer: Option<SocketAddr>, data: &[u8]) {
        self.buf.extend_from_slice(data);
        let mut start = 0;
        while self.buf.len() - start >= 4 {
            let Some(rest) = self.buf.get(start..) else {
                break;
            };
            match pdu_len(rest) {
                Some(n) if n <= rest.len() => {
                    trace.emit(Direction::In, peer, rest.get(..n).unwrap_or(rest));
                    start += n;
                }
                Some(_) => break,
                None => {
                    // Not framable: report what there is and resynchronise on nothing.
                    trace.emit(Direction::In, peer, rest);
                    start = self.buf.len();
                }
            }
        }
        self.buf.drain(..start);
    }
}
