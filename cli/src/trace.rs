//! `--trace` on standard error: every PDU (decoded summary and hex, password redacted) and
//! every session state change, with the SMPP 3.4 state names (`OPEN`, `BOUND_TX`,
//! `BOUND_RX`, `BOUND_TRX`, `CLOSED`, plus the transient `BINDING`, `OUTBOUND` and
//! `UNBINDING`), per peer.
//!
//! ```
//! use smpp_cli::trace::StateTrace;
//! use smpp_core::pdu::{Bind, Body, Pdu};
//! use smpp_core::trace::Direction;
//!
//! let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
//! let sink = lines.clone();
//! let states = StateTrace::new(move |line| sink.lock().unwrap().push(line.to_string()));
//! let bind = Pdu::new(1, Body::BindTransmitter(Bind::new("acme", "secret")));
//! let mut buf = vec![0; bind.encoded_len()];
//! bind.encode(&mut buf).unwrap();
//! states.pdu(Direction::Out, None, &buf);
//! states.closed(None, "bind timed out");
//! let lines = lines.lock().unwrap();
//! assert!(lines[0].starts_with("- -> bind_transmitter seq=1"));
//! assert_eq!(lines[1], "- state OPEN -> BINDING (transmitter) (bind_transmitter seq=1)");
//! assert_eq!(lines[2], "- state BINDING (transmitter) -> CLOSED (bind timed out)");
//! ```

use smpp_core::session::{Observer, State};
use smpp_core::trace::{Direction, Trace, TraceEvent};
use std::collections::HashMap;
use std::fmt::Display;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// Links followed at most at once; beyond, the closed ones are forgotten, then all (a peer
/// that connects and vanishes without a word must not grow memory without bound).
const MAX_LINKS: usize = 65_536;

type Sink = dyn Fn(&dyn Display) + Send + Sync;

/// A PDU trace that also reports each link's state changes. Cheap to clone: clones share
/// the links followed.
#[derive(Clone)]
pub struct StateTrace {
    links: Arc<Mutex<HashMap<Option<SocketAddr>, Observer>>>,
    sink: Arc<Sink>,
}

impl StateTrace {
    /// A trace whose lines go to `sink` (one call per line, without a newline).
    pub fn new(sink: impl Fn(&dyn Display) + Send + Sync + 'static) -> StateTrace {
        StateTrace {
            links: Arc::default(),
            sink: Arc::new(sink),
        }
    }

    /// Lines on standard error, each prefixed with `trace: `.
    pub fn stderr() -> StateTrace {
        StateTrace::new(|line| eprintln!("trace: {line}"))
    }

    /// The runtimes' [`Trace`] setting that feeds this trace.
    pub fn trace(&self) -> Trace {
        let this = self.clone();
        Trace::callback(move |ev: &TraceEvent<'_>| this.pdu(ev.direction, ev.peer, ev.pdu))
    }

    /// One PDU to or from `peer`: its line, then the state change it causes, if any.
    pub fn pdu(&self, direction: Direction, peer: Option<SocketAddr>, pdu: &[u8]) {
        let ev = TraceEvent {
            direction,
            peer,
            pdu,
        };
        (self.sink)(&ev);
        let transition = {
            let mut links = self.links();
            if links.len() >= MAX_LINKS && !links.contains_key(&peer) {
                links.retain(|_, o| o.state() != State::Closed);
                if links.len() >= MAX_LINKS {
                    links.clear();
                }
            }
            links.entry(peer).or_default().observe(pdu)
        };
        if let Some(t) = transition {
            (self.sink)(&format_args!("{} state {t}", Peer(peer)));
        }
    }

    /// The connection to `peer` ended, for `reason`: reports the change to `CLOSED` from
    /// wherever the link was (nothing when an `unbind_resp` already closed it), and forgets
    /// the link.
    pub fn closed(&self, peer: Option<SocketAddr>, reason: impl Display) {
        let from = self.links().remove(&peer).unwrap_or_default().state();
        if from != State::Closed {
            (self.sink)(&format_args!(
                "{} state {from} -> {} ({reason})",
                Peer(peer),
                State::Closed
            ));
        }
    }

    fn links(&self) -> MutexGuard<'_, HashMap<Option<SocketAddr>, Observer>> {
        self.links.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for StateTrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateTrace")
            .field("links", &self.links().len())
            .finish_non_exhaustive()
    }
}

/// A peer address, `-` when unknown (as in PDU lines).
struct Peer(Option<SocketAddr>);

impl Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(p) => write!(f, "{p}"),
            None => f.write_str("-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smpp_core::pdu::{Bind, BindResp, Body, Pdu};

    fn wire(pdu: &Pdu<'_>) -> Vec<u8> {
        let mut buf = vec![0; pdu.encoded_len()];
        pdu.encode(&mut buf).unwrap();
        buf
    }

    fn collecting() -> (StateTrace, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let t = StateTrace::new(move |l| sink.lock().unwrap().push(l.to_string()));
        (t, lines)
    }

    #[test]
    fn each_peer_has_its_own_state_and_closed_links_are_forgotten() {
        let (t, lines) = collecting();
        let a: SocketAddr = "127.0.0.1:1000".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:2000".parse().unwrap();
        let bind = wire(&Pdu::new(1, Body::BindReceiver(Bind::new("u", "p"))));
        let resp = wire(&Pdu::new(1, Body::BindReceiverResp(BindResp::default())));
        t.pdu(Direction::In, Some(a), &bind);
        t.pdu(Direction::In, Some(b), &bind);
        t.pdu(Direction::Out, Some(a), &resp);
        t.pdu(Direction::In, Some(a), &wire(&Pdu::new(2, Body::Unbind)));
        t.pdu(
            Direction::Out,
            Some(a),
            &wire(&Pdu::new(2, Body::UnbindResp)),
        );
        t.closed(Some(a), "peer unbound");
        t.closed(Some(b), "bind timed out");
        let states: Vec<String> = lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(" state "))
            .cloned()
            .collect();
        assert_eq!(
            states,
            [
                "127.0.0.1:1000 state OPEN -> BINDING (receiver) (bind_receiver seq=1)",
                "127.0.0.1:2000 state OPEN -> BINDING (receiver) (bind_receiver seq=1)",
                "127.0.0.1:1000 state BINDING (receiver) -> BOUND_RX (bind_receiver_resp seq=1 ESME_ROK (0x00000000))",
                "127.0.0.1:1000 state BOUND_RX -> UNBINDING (receiver) (unbind seq=2)",
                "127.0.0.1:1000 state UNBINDING (receiver) -> CLOSED (unbind_resp seq=2 ESME_ROK (0x00000000))",
                "127.0.0.1:2000 state BINDING (receiver) -> CLOSED (bind timed out)",
            ]
        );
        assert!(t.links().is_empty());
    }

    #[test]
    fn the_links_followed_are_bounded() {
        let (t, _lines) = collecting();
        let bind = wire(&Pdu::new(1, Body::BindReceiver(Bind::new("u", "p"))));
        for port in 0..(MAX_LINKS as u32 + 10) {
            let peer =
                SocketAddr::from(([10, (port >> 16) as u8, (port >> 8) as u8, port as u8], 1));
            t.pdu(Direction::In, Some(peer), &bind);
        }
        assert!(t.links().len() <= MAX_LINKS);
    }
}
