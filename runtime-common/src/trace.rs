//! PDU traces: through the `log` facade or a user callback, passwords redacted. The
//! setting and the event ([`Trace`], [`TraceEvent`]) live in [`smpp_core::trace`] and are
//! re-exported here; this module adds how the runtimes emit them.

use smpp_core::trace::Direction;
pub use smpp_core::trace::{Trace, TraceEvent, TraceFn};
use std::net::SocketAddr;

/// How the runtimes emit the PDUs of a [`Trace`] setting: the `log` facade (target
/// `smpp::trace`, level debug) or the callback, whose panics are caught and logged.
pub trait TraceExt {
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
            Trace::Callback(cb) => {
                let call = std::panic::AssertUnwindSafe(|| cb(&ev));
                if std::panic::catch_unwind(call).is_err() {
                    log::error!("smpp: the trace callback panicked");
                }
            }
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

/// Reassembles received octets into PDUs for tracing (only needed while tracing is on).
#[derive(Default)]
pub struct TraceRx {
    buf: Vec<u8>,
}

impl TraceRx {
    /// Adds received octets and emits every PDU they complete ([`Direction::In`]); a
    /// stream that cannot be framed is reported as it is, without reassembly.
    pub fn feed(&mut self, trace: &Trace, peer: Option<SocketAddr>, mut data: &[u8]) {
        // First the PDU begun in an earlier read, taking from `data` only what it lacks.
        while !self.buf.is_empty() && !data.is_empty() {
            let want = match self.buf.first_chunk::<4>() {
                None => 4,
                Some(_) => match pdu_len(&self.buf) {
                    Some(n) => n,
                    None => {
                        // Not framable: report what there is and resynchronise on nothing.
                        self.buf.extend_from_slice(data);
                        trace.emit(Direction::In, peer, &self.buf);
                        self.buf.clear();
                        return;
                    }
                },
            };
            let (head, rest) = data.split_at(want.saturating_sub(self.buf.len()).min(data.len()));
            self.buf.extend_from_slice(head);
            data = rest;
            if want > 4 && self.buf.len() >= want {
                trace.emit(Direction::In, peer, &self.buf);
                self.buf.clear();
            }
        }
        if !self.buf.is_empty() {
            return;
        }
        // Then whole PDUs straight from `data`: only a partial one at the end is copied.
        while data.len() >= 4 {
            match pdu_len(data) {
                Some(n) if n <= data.len() => {
                    let (pdu, rest) = data.split_at(n);
                    trace.emit(Direction::In, peer, pdu);
                    data = rest;
                }
                Some(_) => break,
                None => {
                    trace.emit(Direction::In, peer, data);
                    return;
                }
            }
        }
        self.buf.extend_from_slice(data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smpp_core::pdu::{Bind, Body, Pdu};
    use std::sync::{Arc, Mutex};

    fn encode(pdu: &Pdu<'_>) -> Vec<u8> {
        let mut buf = vec![0u8; pdu.encoded_len()];
        pdu.encode(&mut buf).unwrap();
        buf
    }

    fn collecting() -> (Trace, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let l = lines.clone();
        let t = Trace::callback(move |ev| l.lock().unwrap().push(ev.to_string()));
        (t, lines)
    }

    #[test]
    fn rx_reassembles_split_pdus_and_redacts() {
        let (trace, lines) = collecting();
        let mut stream = encode(&Pdu::new(
            1,
            Body::BindTransceiver(Bind::new("u", "hunter2")),
        ));
        stream.extend(encode(&Pdu::new(2, Body::EnquireLink)));
        stream.extend(encode(&Pdu::new(3, Body::Unbind)));
        let mut rx = TraceRx::default();
        for chunk in stream.chunks(7) {
            rx.feed(&trace, None, chunk);
        }
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].starts_with("- <- bind_transceiver seq=1 system_id=u password=***"));
        assert!(lines[1].starts_with("- <- enquire_link seq=2 | "));
        assert!(lines[2].starts_with("- <- unbind seq=3 | "));
        assert!(!lines[0].contains("hunter2"));
        assert!(!lines[0].contains("68756e74657232"));
    }

    #[test]
    fn rx_takes_whole_pdus_and_split_ones_in_any_chunking() {
        let mut stream = Vec::new();
        for seq in 1..=5 {
            stream.extend(encode(&Pdu::new(seq, Body::EnquireLink)));
        }
        for size in [1, 3, 4, 5, 16, 17, 31, 32, 33, 80] {
            let (trace, lines) = collecting();
            let mut rx = TraceRx::default();
            for chunk in stream.chunks(size) {
                rx.feed(&trace, None, chunk);
            }
            let lines = lines.lock().unwrap();
            let seqs: Vec<String> = (1..=5)
                .map(|s| format!("- <- enquire_link seq={s} |"))
                .collect();
            assert_eq!(lines.len(), 5, "chunks of {size}: {lines:?}");
            for (l, want) in lines.iter().zip(&seqs) {
                assert!(l.starts_with(want.as_str()), "chunks of {size}: {l}");
            }
        }
    }

    #[test]
    fn emit_all_splits_output_into_pdus() {
        let (trace, lines) = collecting();
        let mut out = encode(&Pdu::new(5, Body::EnquireLink));
        out.extend(encode(&Pdu::new(6, Body::EnquireLinkResp)));
        let peer: SocketAddr = "127.0.0.1:2775".parse().unwrap();
        trace.emit_all(Direction::Out, Some(peer), &out);
        let lines = lines.lock().unwrap();
        assert_eq!(
            *lines,
            [
                "127.0.0.1:2775 -> enquire_link seq=5 | 00000010000000150000000000000005",
                "127.0.0.1:2775 -> enquire_link_resp seq=6 status=ESME_ROK (0x00000000) \
                 | 00000010800000150000000000000006",
            ]
        );
    }

    #[test]
    fn a_panicking_callback_is_contained() {
        let trace = Trace::callback(|_| panic!("boom"));
        assert!(trace.enabled());
        trace.emit(
            Direction::In,
            None,
            &encode(&Pdu::new(1, Body::EnquireLink)),
        );
    }
}
