//! Reassembling concatenated messages from their parts.
//!
//! A [`Reassembler`] collects parts keyed by (source address, destination address, reference,
//! total). Parts may arrive in any order; a repeated sequence number is reported as
//! [`PushOutcome::Duplicate`] and ignored (the first copy wins). When every part is present the
//! payloads are concatenated in sequence order and returned as an [`Assembled`] message; the
//! caller decodes it with the message's `data_coding` ([`Assembled::decode`]), or with
//! [`Assembled::decode_gsm_packed`] for packed GSM where every part carries its own fill bits.
//!
//! Memory is bounded by [`ReassemblyConfig`]: at most `max_pending_messages` incomplete
//! messages (the oldest is evicted to make room), at most `max_parts_bytes` octets of buffered
//! payload and address (oldest messages are evicted to make room), and every incomplete message
//! expires `max_age` after its first part arrived. Addresses longer than [`MAX_ADDRESS_LEN`]
//! octets are rejected. Nothing is dropped silently: every eviction and expiry queues a
//! [`ReassemblyEvent::Dropped`] for [`Reassembler::poll_event`]. The event queue is bounded too
//! (`max_pending_messages`, at least 16, entries); drop events that do not fit are counted and
//! reported by one [`ReassemblyEvent::Unreported`].
//!
//! Time is an input: pass `now` to [`Reassembler::push`] and call
//! [`Reassembler::handle_timeout`] when [`Reassembler::next_deadline`] is reached.
//!
//! A message is forgotten once complete, so a late duplicate of an already completed message
//! starts a new incomplete message that later expires (and is reported).

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::coding::{self, Decoded};
use super::error::TextError;
use super::gsm7;
use super::udh::{self, UdhError};
use crate::time::{Duration, Instant};

/// Longest source or destination address accepted, in octets (SMPP addresses are at most 65).
pub const MAX_ADDRESS_LEN: usize = 65;

const MIN_EVENT_QUEUE: usize = 16;

/// Limits for a [`Reassembler`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReassemblyConfig {
    /// Most incomplete messages kept at once (0 is treated as 1).
    pub max_pending_messages: usize,
    /// How long an incomplete message is kept after its first part arrived.
    pub max_age: Duration,
    /// Most octets (payloads plus addresses) buffered across all incomplete messages.
    pub max_parts_bytes: usize,
}

impl Default for ReassemblyConfig {
    /// 1024 messages, 10 minutes, 1 MiB.
    fn default() -> Self {
        ReassemblyConfig {
            max_pending_messages: 1024,
            max_age: Duration::from_secs(600),
            max_parts_bytes: 1 << 20,
        }
    }
}

/// Identifies one concatenated message.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReassemblyKey {
    /// Source address octets.
    pub source: Vec<u8>,
    /// Destination address octets.
    pub destination: Vec<u8>,
    /// The concatenation reference (an 8-bit reference is widened).
    pub reference: u16,
    /// Number of parts.
    pub total: u8,
}

impl ReassemblyKey {
    fn weight(&self) -> usize {
        self.source.len() + self.destination.len()
    }
}

/// One received part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartInput<'a> {
    /// Source address octets.
    pub source: &'a [u8],
    /// Destination address octets.
    pub destination: &'a [u8],
    /// The concatenation reference.
    pub reference: u16,
    /// Number of parts.
    pub total: u8,
    /// This part's sequence number, from 1.
    pub seq: u8,
    /// The part's payload, without UDH.
    pub payload: &'a [u8],
    /// Fill bits before packed GSM text in this part (only used by
    /// [`Assembled::decode_gsm_packed`]).
    pub fill_bits: u8,
}

/// Why a UDH-bearing `short_message` could not become a [`PartInput`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PartInputError {
    /// The header is malformed.
    Udh(UdhError),
    /// The header has no concatenation element.
    NotConcatenated,
}

impl fmt::Display for PartInputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartInputError::Udh(e) => write!(f, "bad user data header: {}", e),
            PartInputError::NotConcatenated => {
                f.write_str("user data header has no concatenation element")
            }
        }
    }
}

impl core::error::Error for PartInputError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            PartInputError::Udh(e) => Some(e),
            PartInputError::NotConcatenated => None,
        }
    }
}

impl<'a> PartInput<'a> {
    /// A part with no fill bits.
    pub const fn new(
        source: &'a [u8],
        destination: &'a [u8],
        reference: u16,
        total: u8,
        seq: u8,
        payload: &'a [u8],
    ) -> Self {
        PartInput {
            source,
            destination,
            reference,
            total,
            seq,
            payload,
            fill_bits: 0,
        }
    }

    /// A part from a `short_message` that starts with a UDH holding a concatenation element
    /// (8- or 16-bit reference). The payload is what follows the header.
    pub fn from_short_message(
        source: &'a [u8],
        destination: &'a [u8],
        short_message: &'a [u8],
    ) -> Result<Self, PartInputError> {
        let (header, payload) = udh::parse(short_message).map_err(PartInputError::Udh)?;
        let concat = header.concat().ok_or(PartInputError::NotConcatenated)?;
        Ok(PartInput {
            source,
            destination,
            reference: concat.reference,
            total: concat.total,
            seq: concat.seq,
            payload,
            fill_bits: header.fill_bits(),
        })
    }

    /// A part from the SAR TLV values (`sar_msg_ref_num`, `sar_total_segments`,
    /// `sar_segment_seqnum`) and the `short_message`.
    pub const fn from_sar(
        source: &'a [u8],
        destination: &'a [u8],
        ref_num: u16,
        total: u8,
        seq: u8,
        short_message: &'a [u8],
    ) -> Self {
        PartInput::new(source, destination, ref_num, total, seq, short_message)
    }

    fn key(&self) -> ReassemblyKey {
        ReassemblyKey {
            source: self.source.to_vec(),
            destination: self.destination.to_vec(),
            reference: self.reference,
            total: self.total,
        }
    }
}

/// Why a part was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PartError {
    /// The total number of parts is 0.
    TotalZero,
    /// The sequence number is 0.
    SeqZero,
    /// The sequence number is above the total.
    SeqOutOfRange {
        /// The sequence number.
        seq: u8,
        /// The total.
        total: u8,
    },
    /// An address is longer than [`MAX_ADDRESS_LEN`].
    AddressTooLong {
        /// Its length.
        len: usize,
    },
    /// The message cannot fit in `max_parts_bytes` (this part alone, or with the parts already
    /// buffered for the same message; in the latter case the message is dropped with
    /// [`DropReason::TooLarge`]).
    TooLarge {
        /// Octets the message would need.
        octets: usize,
        /// The configured limit.
        limit: usize,
    },
}

impl fmt::Display for PartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartError::TotalZero => f.write_str("part count is zero"),
            PartError::SeqZero => f.write_str("sequence number is zero"),
            PartError::SeqOutOfRange { seq, total } => {
                write!(
                    f,
                    "sequence number {} is above the part count {}",
                    seq, total
                )
            }
            PartError::AddressTooLong { len } => write!(
                f,
                "address of {} octets is longer than {}",
                len, MAX_ADDRESS_LEN
            ),
            PartError::TooLarge { octets, limit } => write!(
                f,
                "message needs {} octets of buffer, more than the {} configured",
                octets, limit
            ),
        }
    }
}

impl core::error::Error for PartError {}

/// A completed message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Assembled {
    /// The message's key.
    pub key: ReassemblyKey,
    data: Vec<u8>,
    /// End offset in `data` and fill bits of each part, in sequence order.
    parts: Vec<(usize, u8)>,
}

impl Assembled {
    /// The payloads concatenated in sequence order.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The concatenated payloads, by value.
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// Number of parts.
    pub fn part_count(&self) -> usize {
        self.parts.len()
    }

    /// Iterates each part's payload in sequence order.
    pub fn parts(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut start = 0usize;
        self.parts.iter().map(move |&(end, _)| {
            let part = self.data.get(start..end).unwrap_or(&[]);
            start = end;
            part
        })
    }

    /// Decodes the concatenated payloads according to `data_coding` (see
    /// [`coding::decode`]). Decoding the concatenation (rather than each part) also copes with
    /// senders that cut an escape or surrogate pair between parts.
    pub fn decode(&self, data_coding: u8) -> Result<Decoded<'_>, TextError> {
        coding::decode(data_coding, &self.data)
    }

    /// Decodes parts that carry packed GSM text, each after its own fill bits, inferring each
    /// part's septet count from its length ([`gsm7::decode_packed_auto`]).
    pub fn decode_gsm_packed(&self) -> Result<String, TextError> {
        let mut out = String::new();
        for (part, &(_, fill)) in self.parts().zip(self.parts.iter()) {
            out.push_str(&gsm7::decode_packed_auto(part, fill)?);
        }
        Ok(out)
    }
}

/// What happened to a pushed part.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PushOutcome {
    /// The part completed its message.
    Complete(Assembled),
    /// The part was stored; the message is still incomplete.
    Pending {
        /// Parts received so far.
        received: u8,
        /// Parts expected.
        total: u8,
    },
    /// A part with this sequence number is already buffered; this one was ignored.
    Duplicate {
        /// The sequence number.
        seq: u8,
    },
    /// The part is invalid and was ignored.
    Rejected(PartError),
}

/// Why an incomplete message was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// It was older than `max_age`.
    Expired,
    /// It was the oldest and room was needed for another message.
    Evicted,
    /// It outgrew `max_parts_bytes` on its own.
    TooLarge,
}

/// Something the caller should know about.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReassemblyEvent {
    /// An incomplete message was dropped.
    Dropped {
        /// Its key.
        key: ReassemblyKey,
        /// How many distinct parts had arrived.
        parts_received: u8,
        /// How many parts it has.
        total: u8,
        /// Why it was dropped.
        reason: DropReason,
    },
    /// This many further messages were dropped while the event queue was full.
    Unreported {
        /// How many.
        count: u64,
    },
}

#[derive(Debug)]
struct Pending {
    serial: u64,
    created: Instant,
    /// Received parts sorted by sequence number: (seq, fill bits, payload).
    parts: Vec<(u8, u8, Vec<u8>)>,
    bytes: usize,
}

/// Collects message parts; see the module documentation.
#[derive(Debug)]
pub struct Reassembler {
    config: ReassemblyConfig,
    pending: BTreeMap<ReassemblyKey, Pending>,
    /// Pending keys by arrival serial, oldest first.
    by_age: BTreeMap<u64, ReassemblyKey>,
    next_serial: u64,
    latest: Instant,
    bytes: usize,
    events: VecDeque<ReassemblyEvent>,
    unreported: u64,
}

impl Reassembler {
    /// An empty reassembler.
    pub fn new(config: ReassemblyConfig) -> Self {
        Reassembler {
            config,
            pending: BTreeMap::new(),
            by_age: BTreeMap::new(),
            next_serial: 0,
            latest: Instant::ZERO,
            bytes: 0,
            events: VecDeque::new(),
            unreported: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ReassemblyConfig {
        &self.config
    }

    /// Number of incomplete messages held.
    pub fn pending_messages(&self) -> usize {
        self.pending.len()
    }

    /// Octets (payloads plus addresses) currently buffered.
    pub fn buffered_bytes(&self) -> usize {
        self.bytes
    }

    fn max_pending(&self) -> usize {
        self.config.max_pending_messages.max(1)
    }

    fn event_capacity(&self) -> usize {
        self.config.max_pending_messages.max(MIN_EVENT_QUEUE)
    }

    /// Adds a received part at time `now`. Expired messages are dropped first.
    pub fn push(&mut self, now: Instant, part: PartInput<'_>) -> PushOutcome {
        self.handle_timeout(now);
        if let Err(e) = self.validate(&part) {
            return PushOutcome::Rejected(e);
        }
        if part.total == 1 {
            return PushOutcome::Complete(Assembled {
                key: part.key(),
                data: part.payload.to_vec(),
                parts: alloc::vec![(part.payload.len(), part.fill_bits)],
            });
        }
        let key = part.key();
        if self.pending.contains_key(&key) {
            self.add_to_existing(key, part)
        } else {
            self.add_new(now, key, part)
        }
    }

    fn validate(&self, part: &PartInput<'_>) -> Result<(), PartError> {
        if part.total == 0 {
            return Err(PartError::TotalZero);
        }
        if part.seq == 0 {
            return Err(PartError::SeqZero);
        }
        if part.seq > part.total {
            return Err(PartError::SeqOutOfRange {
                seq: part.seq,
                total: part.total,
            });
        }
        for addr in [part.source, part.destination] {
            if addr.len() > MAX_ADDRESS_LEN {
                return Err(PartError::AddressTooLong { len: addr.len() });
            }
        }
        let octets = part.payload.len() + part.source.len() + part.destination.len();
        if part.total > 1 && octets > self.config.max_parts_bytes {
            return Err(PartError::TooLarge {
                octets,
                limit: self.config.max_parts_bytes,
            });
        }
        Ok(())
    }

    fn add_to_existing(&mut self, key: ReassemblyKey, part: PartInput<'_>) -> PushOutcome {
        let (slot, current) = match self.pending.get(&key) {
            Some(p) => match p.parts.binary_search_by_key(&part.seq, |e| e.0) {
                Ok(_) => return PushOutcome::Duplicate { seq: part.seq },
                Err(slot) => (slot, p.bytes),
            },
            None => return PushOutcome::Rejected(PartError::TotalZero),
        };
        let need = part.payload.len();
        let limit = self.config.max_parts_bytes;
        if current + need > limit {
            self.remove(&key, DropReason::TooLarge);
            return PushOutcome::Rejected(PartError::TooLarge {
                octets: current + need,
                limit,
            });
        }
        while self.bytes + need > limit {
            if !self.evict_oldest_except(&key) {
                break;
            }
        }
        let Some(p) = self.pending.get_mut(&key) else {
            return PushOutcome::Rejected(PartError::TotalZero);
        };
        p.parts
            .insert(slot, (part.seq, part.fill_bits, part.payload.to_vec()));
        p.bytes += need;
        self.bytes += need;
        if p.parts.len() < usize::from(part.total) {
            return PushOutcome::Pending {
                received: p.parts.len() as u8,
                total: part.total,
            };
        }
        match self.take(&key) {
            Some(p) => PushOutcome::Complete(assemble(key, p)),
            None => PushOutcome::Rejected(PartError::TotalZero),
        }
    }

    fn add_new(&mut self, now: Instant, key: ReassemblyKey, part: PartInput<'_>) -> PushOutcome {
        let need = key.weight() + part.payload.len();
        while self.pending.len() >= self.max_pending() {
            if !self.evict_oldest_except(&key) {
                break;
            }
        }
        while self.bytes + need > self.config.max_parts_bytes {
            if !self.evict_oldest_except(&key) {
                break;
            }
        }
        let serial = self.next_serial;
        self.next_serial += 1;
        let created = if now > self.latest { now } else { self.latest };
        self.latest = created;
        self.by_age.insert(serial, key.clone());
        self.pending.insert(
            key,
            Pending {
                serial,
                created,
                parts: alloc::vec![(part.seq, part.fill_bits, part.payload.to_vec())],
                bytes: need,
            },
        );
        self.bytes += need;
        PushOutcome::Pending {
            received: 1,
            total: part.total,
        }
    }

    /// Removes the oldest message other than `keep`; `false` when there is none.
    fn evict_oldest_except(&mut self, keep: &ReassemblyKey) -> bool {
        let victim = self.by_age.values().find(|k| *k != keep).cloned();
        match victim {
            Some(k) => {
                self.remove(&k, DropReason::Evicted);
                true
            }
            None => false,
        }
    }

    fn take(&mut self, key: &ReassemblyKey) -> Option<Pending> {
        let p = self.pending.remove(key)?;
        self.by_age.remove(&p.serial);
        self.bytes = self.bytes.saturating_sub(p.bytes);
        Some(p)
    }

    fn remove(&mut self, key: &ReassemblyKey, reason: DropReason) {
        if let Some(p) = self.take(key) {
            self.report(ReassemblyEvent::Dropped {
                key: key.clone(),
                parts_received: p.parts.len() as u8,
                total: key.total,
                reason,
            });
        }
    }

    fn report(&mut self, event: ReassemblyEvent) {
        if self.events.len() < self.event_capacity() {
            self.events.push_back(event);
        } else {
            self.unreported = self.unreported.saturating_add(1);
        }
    }

    /// When the oldest incomplete message expires, if any (saturating at
    /// [`Instant::FAR_FUTURE`]).
    pub fn next_deadline(&self) -> Option<Instant> {
        let (_, key) = self.by_age.first_key_value()?;
        let p = self.pending.get(key)?;
        Some(p.created + self.config.max_age)
    }

    /// Drops (and reports) every incomplete message whose first part arrived `max_age` or more
    /// before `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((&serial, key)) = self.by_age.first_key_value() {
            match self.pending.get(key) {
                Some(p) if p.created + self.config.max_age > now => break,
                Some(_) => {
                    let key = key.clone();
                    self.remove(&key, DropReason::Expired);
                }
                // Not reachable (the two maps are kept in step); drop the stale index entry.
                None => {
                    self.by_age.remove(&serial);
                }
            }
        }
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<ReassemblyEvent> {
        if let Some(e) = self.events.pop_front() {
            return Some(e);
        }
        if self.unreported > 0 {
            let count = core::mem::take(&mut self.unreported);
            return Some(ReassemblyEvent::Unreported { count });
        }
        None
    }
}

fn assemble(key: ReassemblyKey, p: Pending) -> Assembled {
    let mut data = Vec::with_capacity(p.parts.iter().map(|e| e.2.len()).sum());
    let mut parts = Vec::with_capacity(p.parts.len());
    for (_, fill, payload) in p.parts {
        data.extend_from_slice(&payload);
        parts.push((data.len(), fill));
    }
    Assembled { key, data, parts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(max_pending: usize, max_age_ms: u64, max_bytes: usize) -> ReassemblyConfig {
        ReassemblyConfig {
            max_pending_messages: max_pending,
            max_age: Duration::from_millis(max_age_ms),
            max_parts_bytes: max_bytes,
        }
    }

    fn part<'a>(reference: u16, total: u8, seq: u8, payload: &'a [u8]) -> PartInput<'a> {
        PartInput::new(b"111", b"222", reference, total, seq, payload)
    }

    #[test]
    fn out_of_order_with_duplicate() {
        let mut r = Reassembler::new(ReassemblyConfig::default());
        let t = Instant::ZERO;
        assert_eq!(
            r.push(t, part(1, 3, 3, b"c")),
            PushOutcome::Pending {
                received: 1,
                total: 3
            }
        );
        assert_eq!(
            r.push(t, part(1, 3, 1, b"a")),
            PushOutcome::Pending {
                received: 2,
                total: 3
            }
        );
        assert_eq!(
            r.push(t, part(1, 3, 1, b"x")),
            PushOutcome::Duplicate { seq: 1 }
        );
        match r.push(t, part(1, 3, 2, b"b")) {
            PushOutcome::Complete(m) => {
                assert_eq!(m.data(), b"abc");
                assert_eq!(m.parts().collect::<Vec<_>>(), [b"a", b"b", b"c"]);
                assert_eq!(m.key.reference, 1);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(r.pending_messages(), 0);
        assert_eq!(r.buffered_bytes(), 0);
        assert_eq!(r.poll_event(), None);
    }

    #[test]
    fn invalid_parts() {
        let mut r = Reassembler::new(ReassemblyConfig::default());
        let t = Instant::ZERO;
        assert_eq!(
            r.push(t, part(1, 0, 1, b"")),
            PushOutcome::Rejected(PartError::TotalZero)
        );
        assert_eq!(
            r.push(t, part(1, 2, 0, b"")),
            PushOutcome::Rejected(PartError::SeqZero)
        );
        assert_eq!(
            r.push(t, part(1, 2, 3, b"")),
            PushOutcome::Rejected(PartError::SeqOutOfRange { seq: 3, total: 2 })
        );
        let long = [b'1'; 66];
        assert_eq!(
            r.push(t, PartInput::new(&long, b"", 1, 2, 1, b"")),
            PushOutcome::Rejected(PartError::AddressTooLong { len: 66 })
        );
        assert_eq!(r.pending_messages(), 0);
    }

    #[test]
    fn eviction_and_expiry_are_reported() {
        let mut r = Reassembler::new(cfg(2, 1000, 10_000));
        r.push(Instant::from_millis(0), part(1, 2, 1, b"a"));
        r.push(Instant::from_millis(10), part(2, 2, 1, b"b"));
        assert_eq!(r.next_deadline(), Some(Instant::from_millis(1000)));
        r.push(Instant::from_millis(20), part(3, 2, 1, b"c"));
        match r.poll_event() {
            Some(ReassemblyEvent::Dropped {
                key,
                parts_received: 1,
                total: 2,
                reason: DropReason::Evicted,
            }) => assert_eq!(key.reference, 1),
            other => panic!("{other:?}"),
        }
        assert_eq!(r.poll_event(), None);
        assert_eq!(r.next_deadline(), Some(Instant::from_millis(1010)));
        r.handle_timeout(Instant::from_millis(1009));
        assert_eq!(r.poll_event(), None);
        r.handle_timeout(Instant::from_millis(1010));
        match r.poll_event() {
            Some(ReassemblyEvent::Dropped {
                key,
                reason: DropReason::Expired,
                ..
            }) => assert_eq!(key.reference, 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(r.pending_messages(), 1);
        assert_eq!(r.next_deadline(), Some(Instant::from_millis(1020)));
    }

    #[test]
    fn byte_budget() {
        // Addresses are 3 + 3 octets.
        let mut r = Reassembler::new(cfg(10, 1000, 20));
        let t = Instant::ZERO;
        r.push(t, part(1, 3, 1, b"aaaa")); // 10
        r.push(t, part(2, 3, 1, b"bbbb")); // 20
        assert_eq!(r.buffered_bytes(), 20);
        // Needs one more octet: message 1 is evicted.
        assert_eq!(
            r.push(t, part(2, 3, 2, b"b")),
            PushOutcome::Pending {
                received: 2,
                total: 3
            }
        );
        assert!(matches!(
            r.poll_event(),
            Some(ReassemblyEvent::Dropped {
                reason: DropReason::Evicted,
                ..
            })
        ));
        assert_eq!(r.buffered_bytes(), 11);
        // Message 2 cannot grow past the budget on its own: it is dropped.
        assert_eq!(
            r.push(t, part(2, 3, 3, &[0; 10])),
            PushOutcome::Rejected(PartError::TooLarge {
                octets: 21,
                limit: 20
            })
        );
        assert!(matches!(
            r.poll_event(),
            Some(ReassemblyEvent::Dropped {
                reason: DropReason::TooLarge,
                parts_received: 2,
                ..
            })
        ));
        assert_eq!(r.buffered_bytes(), 0);
        assert_eq!(
            r.push(t, part(5, 2, 1, &[0; 15])),
            PushOutcome::Rejected(PartError::TooLarge {
                octets: 21,
                limit: 20
            })
        );
    }

    #[test]
    fn event_queue_is_bounded() {
        let mut r = Reassembler::new(cfg(1, 1000, 10_000));
        for i in 0..40u16 {
            r.push(Instant::ZERO, part(i, 2, 1, b"x"));
        }
        let mut dropped = 0;
        let mut unreported = 0;
        while let Some(e) = r.poll_event() {
            match e {
                ReassemblyEvent::Dropped { .. } => dropped += 1,
                ReassemblyEvent::Unreported { count } => unreported += count,
            }
        }
        assert_eq!(dropped, 16);
        assert_eq!(unreported, 39 - 16);
    }

    #[test]
    fn from_udh_and_single_part() {
        let sm = [5, 0, 3, 42, 1, 1, b'h', b'i'];
        let p = PartInput::from_short_message(b"1", b"2", &sm).unwrap();
        assert_eq!((p.reference, p.total, p.seq, p.fill_bits), (42, 1, 1, 1));
        let mut r = Reassembler::new(ReassemblyConfig::default());
        match r.push(Instant::ZERO, p) {
            PushOutcome::Complete(m) => assert_eq!(m.decode(0).unwrap().as_text(), Some("hi")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            PartInput::from_short_message(b"1", b"2", &[2, 0x70, 0, 1]),
            Err(PartInputError::NotConcatenated)
        );
        assert!(matches!(
            PartInput::from_short_message(b"1", b"2", &[9, 0]),
            Err(PartInputError::Udh(_))
        ));
    }
}
