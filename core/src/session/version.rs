//! SMPP versions and their negotiation at bind time, and the SMPP 5.0 `congestion_state`
//! rules (how a peer's reported load narrows the requests we keep on the wire).
//!
//! **Negotiation.** The ESME names the version it speaks in the bind's `interface_version`
//! (0x00..=0x33: 3.3 or earlier, 0x34: 3.4, 0x50: 5.0); the SMSC answers with the
//! `sc_interface_version` TLV of the bind response. A session's *negotiated* version is the
//! lower of the two sides' and of its own [`SessionConfig::max_version`]: an SMSC set for 5.0
//! answers a 0x50 (or higher) bind with 0x50 and a 0x34 bind with 0x34. A bind response
//! without `sc_interface_version` means, by both specifications, an SMSC of SMPP 3.3 or
//! earlier ([`SmppVersion::V3_3`]). Only a session negotiated at 5.0 sends or accepts the
//! 5.0 commands (`broadcast_sm`, `query_broadcast_sm`, `cancel_broadcast_sm`) and the
//! `congestion_state` TLV.
//!
//! **Congestion** (SMPP 5.0 section 4.8.4.13): a peer may put `congestion_state` (0..=100)
//! in any response: 0 idle, 1–29 low load, 30–49 medium, 50–79 high, 80–89 optimum load,
//! 90–99 nearing congestion, 100 congested. [`congestion_cap`] turns the last value received
//! into the number of our requests allowed on the wire: the whole window up to the
//! configured threshold ([`SessionConfig::congestion_threshold`], 90 by default: up to and
//! including optimum load the peer wants what it gets), then proportionally less, down to one
//! request at 100 (a probe: a response is what tells us the load fell again). Requests beyond
//! the cap queue inside the window, in order, and go out as responses report less load.
//!
//! [`SessionConfig::max_version`]: super::SessionConfig::max_version
//! [`SessionConfig::congestion_threshold`]: super::SessionConfig::congestion_threshold

use core::fmt;

/// An SMPP protocol version, as far as this library tells them apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SmppVersion {
    /// SMPP 3.3 or earlier (`interface_version` 0x00..=0x33, or a bind response without
    /// `sc_interface_version`). Served like 3.4 here: no 5.0 commands.
    V3_3,
    /// SMPP 3.4 (0x34; the reserved values 0x35..=0x4F are taken as 3.4 too).
    #[default]
    V3_4,
    /// SMPP 5.0 (0x50; higher values are taken as 5.0, the highest version known).
    V5_0,
}

impl SmppVersion {
    /// The version an `interface_version` (or `sc_interface_version`) octet stands for.
    #[inline]
    pub const fn from_interface_version(v: u8) -> SmppVersion {
        match v {
            0x00..=0x33 => SmppVersion::V3_3,
            0x34..=0x4F => SmppVersion::V3_4,
            _ => SmppVersion::V5_0,
        }
    }

    /// The octet that names this version on the wire (0x33, 0x34 or 0x50).
    #[inline]
    pub const fn interface_version(self) -> u8 {
        match self {
            SmppVersion::V3_3 => 0x33,
            SmppVersion::V3_4 => 0x34,
            SmppVersion::V5_0 => 0x50,
        }
    }

    /// True for SMPP 5.0: the 5.0 commands and `congestion_state` are in use.
    #[inline]
    pub const fn is_5_0(self) -> bool {
        matches!(self, SmppVersion::V5_0)
    }

    /// The lower of two versions.
    #[inline]
    pub const fn min(self, other: SmppVersion) -> SmppVersion {
        if (self as u8) <= (other as u8) {
            self
        } else {
            other
        }
    }
}

impl fmt::Display for SmppVersion {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SmppVersion::V3_3 => "3.3",
            SmppVersion::V3_4 => "3.4",
            SmppVersion::V5_0 => "5.0",
        })
    }
}

/// The SMPP 5.0 name of a `congestion_state` value's range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CongestionLevel {
    /// 0.
    Idle,
    /// 1..=29.
    Low,
    /// 30..=49.
    Medium,
    /// 50..=79.
    High,
    /// 80..=89: the peer runs at its optimum.
    Optimum,
    /// 90..=99: nearing congestion.
    NearingCongestion,
    /// 100 (and above, which the specification does not define).
    Congested,
}

impl CongestionLevel {
    /// The range `state` falls in.
    #[inline]
    pub const fn of(state: u8) -> CongestionLevel {
        match state {
            0 => CongestionLevel::Idle,
            1..=29 => CongestionLevel::Low,
            30..=49 => CongestionLevel::Medium,
            50..=79 => CongestionLevel::High,
            80..=89 => CongestionLevel::Optimum,
            90..=99 => CongestionLevel::NearingCongestion,
            _ => CongestionLevel::Congested,
        }
    }
}

/// Requests allowed on the wire for a `window` when the peer last reported `state` and the
/// cap starts at `threshold`: `window` while `state <= threshold`, then
/// `window * (100 - state) / (100 - threshold)`, never below 1 (at 100: one request).
/// `threshold` 100 or more never narrows the window.
#[inline]
pub const fn congestion_cap(window: usize, state: u8, threshold: u8) -> usize {
    if state <= threshold || threshold >= 100 {
        return window;
    }
    let state = if state > 100 { 100 } else { state };
    let span = (100 - threshold) as usize;
    let cap = window.saturating_mul((100 - state) as usize) / span;
    if cap == 0 {
        1
    } else if cap > window {
        window
    } else {
        cap
    }
}

/// Our own load as a `congestion_state`: the fill of the peer window (requests of the peer
/// waiting for an answer out of `peer_window`), 0..=100.
#[inline]
pub const fn load_percent(used: usize, capacity: usize) -> u8 {
    if capacity == 0 {
        return 100;
    }
    let p = used.saturating_mul(100) / capacity;
    if p > 100 {
        100
    } else {
        p as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_the_wire() {
        assert_eq!(SmppVersion::from_interface_version(0), SmppVersion::V3_3);
        assert_eq!(SmppVersion::from_interface_version(0x33), SmppVersion::V3_3);
        assert_eq!(SmppVersion::from_interface_version(0x34), SmppVersion::V3_4);
        assert_eq!(SmppVersion::from_interface_version(0x4F), SmppVersion::V3_4);
        assert_eq!(SmppVersion::from_interface_version(0x50), SmppVersion::V5_0);
        assert_eq!(SmppVersion::from_interface_version(0xFF), SmppVersion::V5_0);
        assert_eq!(SmppVersion::V5_0.min(SmppVersion::V3_4), SmppVersion::V3_4);
        assert_eq!(SmppVersion::V3_3.min(SmppVersion::V5_0), SmppVersion::V3_3);
        assert_eq!(SmppVersion::V5_0.interface_version(), 0x50);
        assert_eq!(SmppVersion::V5_0.to_string(), "5.0");
    }

    #[test]
    fn cap_shrinks_above_the_threshold_and_never_below_one() {
        assert_eq!(congestion_cap(10, 0, 90), 10);
        assert_eq!(congestion_cap(10, 89, 90), 10);
        assert_eq!(congestion_cap(10, 90, 90), 10);
        assert_eq!(congestion_cap(10, 95, 90), 5);
        assert_eq!(congestion_cap(10, 99, 90), 1);
        assert_eq!(congestion_cap(10, 100, 90), 1);
        assert_eq!(congestion_cap(10, 200, 90), 1);
        assert_eq!(congestion_cap(100, 50, 0), 50);
        assert_eq!(congestion_cap(10, 100, 100), 10);
        assert_eq!(CongestionLevel::of(85), CongestionLevel::Optimum);
        assert_eq!(CongestionLevel::of(100), CongestionLevel::Congested);
        assert_eq!(load_percent(3, 4), 75);
        assert_eq!(load_percent(9, 4), 100);
        assert_eq!(load_percent(0, 0), 100);
    }
}
