//! Defences of a server against hostile peers that need memory of their own: the table of
//! failed binds per peer address (which holds back further failed-bind answers), and the
//! rate limit of the log line for refused connections.
//!
//! Time is an input ([`Instant`]): the runtime adapters feed the milliseconds since their
//! server's start, and sleep and log themselves.

use crate::time::{Duration, Instant};
use alloc::collections::BTreeMap;
use core::fmt;
use core::net::{IpAddr, Ipv6Addr, SocketAddr};

/// How failed binds from one peer address slow that address down (the `failed_binds`
/// setting of the runtime adapters' `ServerConfig`).
///
/// A bind refused by the server's authenticator counts as a failure of the
/// peer's IP address (IPv6 addresses count per /64 network). Once an address has more than
/// `threshold` failures, each further failed-bind answer to it is held back before it is
/// sent and the connection closed: `delay` for the first, doubling with each further failure
/// up to `max_delay`. Only that connection waits (a timer of its own); other
/// connections, including successful binds from the same address, are not slowed down.
/// An address's count is forgotten after `window` without a failure from it.
///
/// The table holds at most `max_addresses` addresses: when it is full, expired entries are
/// dropped first, then the entry whose last failure is the oldest.
///
/// A held-back answer still counts against the session's `bind_timeout` (measured from the
/// connection's start): when the bind timer runs out first, the connection is closed
/// without an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailedBindPolicy {
    /// Failures per address answered without delay (default 3).
    pub threshold: u32,
    /// An address's count is forgotten after this long without a new failure (default
    /// 60 s).
    pub window: Duration,
    /// The hold-back of the first delayed answer (default 1 s); `Duration::ZERO` turns the
    /// whole mechanism off.
    pub delay: Duration,
    /// The largest hold-back (default 8 s).
    pub max_delay: Duration,
    /// Most addresses remembered (default 10 000).
    pub max_addresses: usize,
}

impl FailedBindPolicy {
    /// No delays, no table.
    pub const DISABLED: FailedBindPolicy = FailedBindPolicy {
        threshold: u32::MAX,
        window: Duration::ZERO,
        delay: Duration::ZERO,
        max_delay: Duration::ZERO,
        max_addresses: 0,
    };

    /// False when the policy holds nothing back (see [`FailedBindPolicy::DISABLED`]).
    pub fn enabled(&self) -> bool {
        self.delay != Duration::ZERO && self.max_addresses > 0 && self.threshold < u32::MAX
    }

    /// The hold-back for the `count`-th failure within the window.
    pub fn delay_for(&self, count: u32) -> Duration {
        if count <= self.threshold {
            return Duration::ZERO;
        }
        let doublings = (count - self.threshold - 1).min(20);
        self.delay
            .saturating_mul(1u64 << doublings)
            .min(self.max_delay.max(self.delay))
    }
}

impl Default for FailedBindPolicy {
    fn default() -> Self {
        FailedBindPolicy {
            threshold: 3,
            window: Duration::from_secs(60),
            delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
            max_addresses: 10_000,
        }
    }
}

/// The key an address is counted under: IPv4 addresses (also IPv4-mapped IPv6) as they
/// are, IPv6 addresses by their /64 network (one host usually has a whole /64).
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    count: u32,
    last: Instant,
}

/// Failed binds per peer address, bounded in size.
#[derive(Debug)]
pub struct FailedBinds {
    policy: FailedBindPolicy,
    table: BTreeMap<IpAddr, Entry>,
}

impl FailedBinds {
    /// An empty table for `policy`.
    pub fn new(policy: FailedBindPolicy) -> FailedBinds {
        FailedBinds {
            policy,
            table: BTreeMap::new(),
        }
    }

    /// Records a failed bind from `ip` at `now`; returns how long its answer is held back.
    pub fn record(&mut self, ip: IpAddr, now: Instant) -> Duration {
        if !self.policy.enabled() {
            return Duration::ZERO;
        }
        let k = key(ip);
        let window = self.policy.window;
        if !self.table.contains_key(&k) && self.table.len() >= self.policy.max_addresses {
            self.make_room(now);
        }
        let e = self.table.entry(k).or_insert(Entry {
            count: 0,
            last: now,
        });
        if now.saturating_duration_since(e.last) > window {
            e.count = 0;
        }
        e.count = e.count.saturating_add(1);
        e.last = e.last.max(now);
        self.policy.delay_for(e.count)
    }

    /// Drops expired entries, then (still full) the one whose last failure is the oldest.
    fn make_room(&mut self, now: Instant) {
        let window = self.policy.window;
        self.table
            .retain(|_, e| now.saturating_duration_since(e.last) <= window);
        while self.table.len() >= self.policy.max_addresses {
            let oldest = self
                .table
                .iter()
                .min_by_key(|(_, e)| e.last)
                .map(|(k, _)| *k);
            match oldest {
                Some(k) => {
                    self.table.remove(&k);
                }
                None => break,
            }
        }
    }

    /// Addresses currently remembered.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when no address is remembered.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

/// Rate-limits the log line for refused connections to at most one a second (a flood must
/// not flood the log too). The runtime adapters log what [`RefusalLog::refused`] returns.
#[derive(Debug, Default)]
pub struct RefusalLog {
    last: Option<Instant>,
    suppressed: u64,
}

impl RefusalLog {
    /// Records a connection from `peer` refused at `now` because `limit` connections are
    /// open; returns the line to log, or `None` when one was logged less than a second ago.
    pub fn refused(
        &mut self,
        peer: Option<SocketAddr>,
        limit: usize,
        now: Instant,
    ) -> Option<Refusal> {
        if self
            .last
            .is_some_and(|t| now.saturating_duration_since(t) < Duration::from_secs(1))
        {
            self.suppressed += 1;
            return None;
        }
        let line = Refusal {
            peer,
            limit,
            suppressed: self.suppressed,
        };
        self.last = Some(now);
        self.suppressed = 0;
        Some(line)
    }
}

/// The log line for a refused connection (its [`Display`](fmt::Display)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The refused peer, when known.
    pub peer: Option<SocketAddr>,
    /// The connections open (`max_connections`).
    pub limit: usize,
    /// Refusals not logged since the previous line.
    pub suppressed: u64,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("smpp: connection from ")?;
        match self.peer {
            Some(p) => write!(f, "{p}")?,
            None => f.write_str("?")?,
        }
        write!(
            f,
            " refused: {} connections open (max_connections)",
            self.limit
        )?;
        if self.suppressed > 0 {
            write!(
                f,
                "; {} more refused since the last report",
                self.suppressed
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use core::net::Ipv4Addr;

    fn policy() -> FailedBindPolicy {
        FailedBindPolicy {
            threshold: 3,
            window: Duration::from_secs(60),
            delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
            max_addresses: 4,
        }
    }

    fn v4(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, n))
    }

    #[test]
    fn delays_start_after_the_threshold_and_double_up_to_the_max() {
        let mut t = FailedBinds::new(policy());
        let now = Instant::from_millis(5_000);
        let delays: Vec<u64> = (0..9)
            .map(|_| t.record(v4(1), now).as_millis() / 1000)
            .collect();
        assert_eq!(delays, [0, 0, 0, 1, 2, 4, 8, 8, 8]);
        // Another address is not affected.
        assert_eq!(t.record(v4(2), now), Duration::ZERO);
    }

    #[test]
    fn counts_expire_after_the_window() {
        let mut t = FailedBinds::new(policy());
        let now = Instant::from_millis(5_000);
        for _ in 0..5 {
            t.record(v4(1), now);
        }
        let later = now + Duration::from_secs(61);
        assert_eq!(t.record(v4(1), later), Duration::ZERO);
    }

    #[test]
    fn the_table_is_capped_expired_then_oldest_first() {
        let mut t = FailedBinds::new(policy());
        let now = Instant::from_millis(5_000);
        for i in 0..4 {
            t.record(v4(i), now + Duration::from_secs(u64::from(i)));
        }
        assert_eq!(t.len(), 4);
        // Full: the oldest (10.0.0.0) goes.
        t.record(v4(10), now + Duration::from_secs(10));
        assert_eq!(t.len(), 4);
        assert!(!t.table.contains_key(&v4(0)));
        // Much later every entry expired: all go, the new one stays.
        t.record(v4(20), now + Duration::from_secs(1000));
        assert_eq!(t.len(), 1);
        // Many addresses never grow it beyond the cap.
        for i in 0..=255 {
            t.record(v4(i), now + Duration::from_secs(1000));
        }
        assert_eq!(t.len(), 4);
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_v4_as_v4() {
        let mut t = FailedBinds::new(policy());
        let now = Instant::from_millis(5_000);
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        for _ in 0..3 {
            t.record(a, now);
        }
        assert_eq!(t.record(b, now), Duration::from_secs(1));
        let mapped = IpAddr::V6(Ipv4Addr::new(10, 0, 0, 7).to_ipv6_mapped());
        t.record(mapped, now);
        assert!(t.table.contains_key(&v4(7)));
    }

    #[test]
    fn disabled_records_nothing() {
        let mut t = FailedBinds::new(FailedBindPolicy::DISABLED);
        for _ in 0..10 {
            assert_eq!(t.record(v4(1), Instant::from_millis(5_000)), Duration::ZERO);
        }
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn refusals_are_logged_at_most_once_a_second() {
        let mut log = RefusalLog::default();
        let peer: SocketAddr = "10.0.0.1:4000".parse().unwrap();
        let t0 = Instant::from_millis(1_000);
        let first = log.refused(Some(peer), 5, t0).unwrap();
        assert_eq!(
            alloc::format!("{first}"),
            "smpp: connection from 10.0.0.1:4000 refused: 5 connections open (max_connections)"
        );
        assert_eq!(log.refused(None, 5, t0 + Duration::from_millis(500)), None);
        assert_eq!(log.refused(None, 5, t0 + Duration::from_millis(999)), None);
        let next = log.refused(None, 5, t0 + Duration::from_secs(1)).unwrap();
        assert_eq!(
            alloc::format!("{next}"),
            "smpp: connection from ? refused: 5 connections open (max_connections); \
             2 more refused since the last report"
        );
    }
}
