//! Outbind targets: ESMEs the SMSC connects out to, sends `outbind` for an account, and
//! keeps connecting to (with back-off) while they are not listening or after the link
//! ended.

use super::registry::BindId;
use crate::reconnect::ReconnectPolicy;
use crate::time::{Duration, Instant};
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use core::fmt;
use core::net::SocketAddr;

/// Identifies one outbind target within an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OutbindId(pub u64);

impl fmt::Display for OutbindId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "outbind#{}", self.0)
    }
}

/// A connection the driver must open ([`Endpoint::poll_connect`](super::Endpoint::poll_connect)),
/// then report with [`Endpoint::outbind_connected`](super::Endpoint::outbind_connected) or
/// [`Endpoint::outbind_failed`](super::Endpoint::outbind_failed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Connect {
    /// The target.
    pub id: OutbindId,
    /// Where to connect.
    pub addr: SocketAddr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TargetState {
    /// Waiting for the next attempt.
    Waiting(Instant),
    /// Handed to the driver (a [`Connect`] is out).
    Connecting,
    /// Connected on this connection.
    Connected(BindId),
}

#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) addr: SocketAddr,
    pub(crate) system_id: String,
    pub(crate) password: String,
    /// Failed attempts in a row (reset by a successful bind).
    pub(crate) failures: u32,
    pub(crate) state: TargetState,
}

/// Every outbind target, their timers and the connections due.
#[derive(Debug)]
pub(crate) struct Targets {
    policy: ReconnectPolicy,
    targets: BTreeMap<OutbindId, Target>,
    timers: BTreeSet<(Instant, OutbindId)>,
    due: VecDeque<Connect>,
    next_id: u64,
    rng: crate::reconnect::Jitter,
}

impl Targets {
    pub(crate) fn new(policy: ReconnectPolicy, seed: u64) -> Targets {
        Targets {
            policy,
            targets: BTreeMap::new(),
            timers: BTreeSet::new(),
            due: VecDeque::new(),
            next_id: 1,
            rng: crate::reconnect::Jitter::new(seed),
        }
    }

    /// A new target, connected to at once.
    pub(crate) fn add(&mut self, addr: SocketAddr, system_id: &str, password: &str) -> OutbindId {
        let id = OutbindId(self.next_id);
        self.next_id += 1;
        self.targets.insert(
            id,
            Target {
                addr,
                system_id: system_id.into(),
                password: password.into(),
                failures: 0,
                state: TargetState::Connecting,
            },
        );
        self.due.push_back(Connect { id, addr });
        id
    }

    pub(crate) fn get(&self, id: OutbindId) -> Option<&Target> {
        self.targets.get(&id)
    }

    pub(crate) fn remove(&mut self, id: OutbindId) -> Option<Target> {
        self.due.retain(|c| c.id != id);
        self.targets.remove(&id)
    }

    pub(crate) fn ids(&self) -> impl Iterator<Item = OutbindId> + '_ {
        self.targets.keys().copied()
    }

    pub(crate) fn poll_connect(&mut self) -> Option<Connect> {
        self.due.pop_front()
    }

    pub(crate) fn connected(&mut self, id: OutbindId, conn: BindId) -> bool {
        match self.targets.get_mut(&id) {
            Some(t) if t.state == TargetState::Connecting => {
                t.state = TargetState::Connected(conn);
                true
            }
            _ => false,
        }
    }

    /// The bind on the target's connection succeeded.
    pub(crate) fn bound(&mut self, id: OutbindId) {
        if let Some(t) = self.targets.get_mut(&id) {
            t.failures = 0;
        }
    }

    /// An attempt failed or the connection ended: the wait before the next, or `None`
    /// when the policy gives up (the target is then removed).
    pub(crate) fn failed(
        &mut self,
        now: Instant,
        id: OutbindId,
    ) -> Option<(SocketAddr, u32, Option<Duration>)> {
        let random = self.rng.next_u64();
        let t = self.targets.get_mut(&id)?;
        t.failures = t.failures.saturating_add(1);
        let attempt = t.failures;
        let addr = t.addr;
        match self.policy.delay(attempt, random) {
            Some(d) => {
                t.state = TargetState::Waiting(now + d);
                self.timers.insert((now + d, id));
                Some((addr, attempt, Some(d)))
            }
            None => {
                self.targets.remove(&id);
                Some((addr, attempt, None))
            }
        }
    }

    pub(crate) fn next_timer(&self) -> Option<Instant> {
        self.timers.first().map(|(t, _)| *t)
    }

    /// Moves the targets whose wait is over to the connections due.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        while let Some((t, id)) = self.timers.first().copied() {
            if t > now {
                break;
            }
            self.timers.pop_first();
            if let Some(target) = self.targets.get_mut(&id) {
                if target.state == TargetState::Waiting(t) {
                    target.state = TargetState::Connecting;
                    self.due.push_back(Connect {
                        id,
                        addr: target.addr,
                    });
                }
            }
        }
    }
}
