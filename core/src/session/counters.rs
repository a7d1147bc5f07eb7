//! Monitoring counters kept by a session.

use crate::pdu::{CommandId, CommandStatus};
use crate::time::Duration;

/// Number of distinct per-command slots: the 27 SMPP 3.4 ids, the 6 SMPP 5.0 ids and one
/// for unknown ids.
const SLOTS: usize = 34;
/// Distinct error statuses tracked individually; further ones count under `other`.
const STATUS_SLOTS: usize = 16;

#[inline]
fn slot(id: CommandId) -> usize {
    id.index()
}

/// The command id of a slot (`Unknown(0)` for the last).
#[inline]
fn id_at(i: usize) -> CommandId {
    CommandId::ALL
        .iter()
        .chain(CommandId::SMPP_5_0)
        .nth(i)
        .copied()
        .unwrap_or(CommandId::Unknown(0))
}

/// Counts of one direction's PDUs by command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerCommand([u64; SLOTS]);

impl Default for PerCommand {
    #[inline]
    fn default() -> PerCommand {
        PerCommand([0; SLOTS])
    }
}

impl PerCommand {
    #[inline]
    pub(crate) fn add(&mut self, id: CommandId) {
        if let Some(c) = self.0.get_mut(slot(id)) {
            *c += 1;
        }
    }

    /// How many PDUs of this command.
    #[inline]
    pub fn get(&self, id: CommandId) -> u64 {
        self.0.get(slot(id)).copied().unwrap_or(0)
    }

    /// Total over all commands.
    #[inline]
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Non-zero counts, by command (unknown ids under `CommandId::Unknown(0)`).
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = (CommandId, u64)> + '_ {
        self.0
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (id_at(i), *n))
    }
}

/// Error statuses seen in responses received, by status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusCounts {
    entries: [(u32, u64); STATUS_SLOTS],
    used: usize,
    other: u64,
}

impl StatusCounts {
    #[inline]
    pub(crate) fn add(&mut self, status: CommandStatus) {
        let used = self.entries.get_mut(..self.used).unwrap_or(&mut []);
        if let Some(e) = used.iter_mut().find(|e| e.0 == status.0) {
            e.1 += 1;
        } else if let Some(e) = self.entries.get_mut(self.used) {
            *e = (status.0, 1);
            self.used += 1;
        } else {
            self.other += 1;
        }
    }

    /// How many responses had this status.
    #[inline]
    pub fn get(&self, status: CommandStatus) -> u64 {
        self.iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| n)
    }

    /// Each status seen with its count, in order of first appearance.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = (CommandStatus, u64)> + '_ {
        self.entries
            .iter()
            .take(self.used)
            .map(|(s, n)| (CommandStatus(*s), *n))
    }

    /// Errors whose status arrived after the table was full.
    #[inline]
    pub fn other(&self) -> u64 {
        self.other
    }
}

/// Counters for monitoring a session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests sent, by command.
    pub requests_sent: PerCommand,
    /// Requests received, by command.
    pub requests_received: PerCommand,
    /// Responses sent, by command.
    pub responses_sent: PerCommand,
    /// Responses received, by command.
    pub responses_received: PerCommand,
    /// Error statuses in responses received.
    pub errors_received: StatusCounts,
    /// Error statuses in responses sent.
    pub errors_sent: StatusCounts,
    /// Requests that timed out.
    pub response_timeouts: u64,
    /// Responses that matched nothing (late ones included).
    pub unmatched_responses: u64,
    /// Responses whose `command_id` did not answer the request of their sequence number.
    pub mismatched_responses: u64,
    /// Throttled requests the session sent again (`SessionConfig::throttle_retries`).
    pub throttle_retries: u64,
    /// PDUs from the peer that failed to decode.
    pub invalid_pdus: u64,
    /// Times the peer throttled us.
    pub throttled: u64,
    /// Sum of round-trip times of matched responses.
    pub rtt_sum: Duration,
    /// Largest round-trip time.
    pub rtt_max: Duration,
}
