//! PDU traces: through the `log` facade or a user callback, passwords redacted.

use smpp_core::trace::{redacted_hex, summary, Direction};
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

/// A trace callback.
pub type TraceFn = dyn Fn(&TraceEvent<'_>) + Send + Sync;

/// What to do with PDU traces.
#[derive(Clone, Default)]
pub enum Trace {
    /// No tracing (the default).
    #[default]
    Off,
    /// Through the `log` facade: target `"smpp::trace"`, level `Debug`, one line per PDU:
    /// `"{peer} {dir} {summary} | {redacted_hex}"`.
    Log,
    /// A user callback, called from the connection's task for every PDU in both directions.
    Callback(Arc<TraceFn>),
}

impl fmt::Debug for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trace::Off => f.write_str("Off"),
            Trace::Log => f.write_str("Log"),
            Trace::Callback(_) => f.write_str("Callback(..)"),
        }
    }
}

/// One traced PDU. Its [`Display`](fmt::Display) is the `Trace::Log` line.
pub struct TraceEvent<'a> {
    /// Which way the PDU travelled.
    pub direction: Direction,
    /// The remote address, when the transport has one.
    pub peer: Option<SocketAddr>,
    /// The whole PDU's octets (header included), as on the wire: the password is still
    /// inside; use [`TraceEvent::summary`] and [`TraceEvent::hex`] to print it.
    pub pdu: &'a [u8],
}

impl TraceEvent<'_> {
    /// A one-line decoded summary (command, sequence number, status, key fields; never the
    /// password).
    pub fn summary(&self) -> impl fmt::Display + '_ {
        summary(self.pdu)
    }

    /// The PDU in lowercase hex with the password octets shown as `**`.
    pub fn hex(&self) -> impl fmt::Display + '_ {
        redacted_hex(self.pdu)
    }
}

impl fmt::Display for TraceEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.peer {
            Some(p) => write!(f, "{p}")?,
            None => f.write_str("-")?,
        }
        write!(f, " {} {} | {}", self.direction, self.summary(), self.hex())
    }
}

impl Trace {
    /// A callback trace.
    pub fn callback(f: impl Fn(&TraceEvent<'_>) + Send + Sync + 'static) -> Trace {
        Trace::Callback(Arc::new(f))
    }

    /// True when PDUs must be reported at all.
    pub(crate) fn enabled(&self) -> bool {
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

    /// Reports every whole PDU in `bytes` (output of the session: whole PDUs only).
    pub(crate) fn emit_all(&self, direction: Direction, peer: Option<SocketAddr>, bytes: &[u8]) {
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
