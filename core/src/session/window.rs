//! The window of our outstanding requests: sequence number allocation (1..=0x7FFFFFFF,
//! wrapping) and O(1) matching of responses.
//!
//! Slots are indexed by `sequence_number & mask` with a table larger than the requests
//! outstanding (on the heap at least twice as large), so a collision (an old request still
//! outstanding where a new number would land) is rare and simply skipped. The heap table
//! starts small and doubles as requests pile up, up to twice the window: an idle session
//! with a large window costs a few slots, not the whole table. A fixed table has the largest
//! power of two up to twice `WINDOW` from the start. Requests leave the window in any order; the oldest one (whose response
//! deadline is the earliest, since every request has the same timeout) is found by an
//! amortised O(1) scan.

use crate::pdu::CommandId;
use crate::time::Instant;

/// The largest sequence number; the next one after it is 1.
pub const MAX_SEQUENCE: u32 = 0x7FFF_FFFF;

/// The sequence number after `seq`.
pub const fn next_sequence(seq: u32) -> u32 {
    if seq >= MAX_SEQUENCE {
        1
    } else {
        seq + 1
    }
}

pub(crate) use super::storage::Slot;
use super::storage::SlotTable;

pub(crate) struct Window<T> {
    table: T,
    /// With copies kept (throttle retries on): each request's encoding stays in the table
    /// until its response. Queued requests always have theirs.
    keep_pdus: bool,
    mask: u32,
    /// The largest table (a power of two above the window).
    max_cap: usize,
    max: usize,
    count: usize,
    next_seq: u32,
    oldest: u32,
}

impl<T: SlotTable> Window<T> {
    #[inline]
    pub(crate) fn new(max: usize, first_seq: u32, keep_pdus: bool) -> Window<T> {
        let max = max.max(1);
        let (table, max_cap) = T::for_window(max);
        let cap = table.slots().len().max(1);
        let first = if first_seq == 0 || first_seq > MAX_SEQUENCE {
            1
        } else {
            first_seq
        };
        Window {
            table,
            keep_pdus,
            mask: (cap - 1) as u32,
            max_cap,
            max,
            count: 0,
            next_seq: first,
            oldest: first,
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    #[inline]
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    #[inline]
    pub(crate) fn is_full(&self) -> bool {
        self.count >= self.max
    }

    #[inline]
    fn index(&self, seq: u32) -> usize {
        (seq & self.mask) as usize
    }

    #[inline]
    fn slot(&self, seq: u32) -> Option<&Slot> {
        self.table.slots().get(self.index(seq))
    }

    #[inline]
    fn slot_mut(&mut self, seq: u32) -> Option<&mut Slot> {
        let i = self.index(seq);
        self.table.slots_mut().get_mut(i)
    }

    /// The next sequence number whose slot is free, without occupying it (for requests that
    /// live outside the window: bind, unbind, automatic enquire_link).
    #[inline]
    pub(crate) fn take_untracked(&mut self) -> u32 {
        loop {
            let s = self.next_seq;
            self.next_seq = next_sequence(s);
            if self.slot(s).is_some_and(|sl| sl.seq == 0) {
                return s;
            }
        }
    }

    /// The sequence number the next [`Window::insert`] will use.
    #[inline]
    pub(crate) fn peek_seq(&self) -> u32 {
        let mut s = self.next_seq;
        while self.slot(s).is_some_and(|sl| sl.seq != 0) {
            s = next_sequence(s);
        }
        s
    }

    /// Doubles the table while it would be more than half full after one more request.
    /// Two requests in distinct slots stay distinct under the wider mask.
    #[inline]
    pub(crate) fn reserve_one(&mut self) {
        loop {
            let len = self.table.slots().len();
            if (self.count + 1) * 2 <= len || len >= self.max_cap {
                return;
            }
            self.table.grow(len * 2);
            self.mask = (self.table.slots().len().max(1) - 1) as u32;
            if self.table.slots().len() == len {
                return;
            }
        }
    }

    /// Occupies the slot of `seq` (from [`Window::peek_seq`], called after
    /// [`Window::reserve_one`]).
    #[inline]
    pub(crate) fn insert(&mut self, seq: u32, command_id: CommandId, sent_at: Option<Instant>) {
        if self.count == 0 {
            self.oldest = seq;
        }
        self.next_seq = next_sequence(seq);
        if let Some(sl) = self.slot_mut(seq) {
            *sl = Slot {
                seq,
                command_id,
                sent_at,
                retries: 0,
            };
        }
        self.count += 1;
    }

    #[inline]
    pub(crate) fn mark_sent(&mut self, seq: u32, now: Instant) {
        if let Some(sl) = self.slot_mut(seq) {
            if sl.seq == seq {
                sl.sent_at = Some(now);
            }
        }
    }

    /// True when the window keeps a copy of each request (throttle retries on).
    #[inline]
    pub(crate) fn keeps_pdus(&self) -> bool {
        self.keep_pdus
    }

    /// Keeps a copy of request `seq`'s encoding; false when it does not fit.
    #[inline]
    pub(crate) fn store_pdu(&mut self, seq: u32, pdu: &[u8]) -> bool {
        let i = self.index(seq);
        self.table.store_copy(i, seq, pdu)
    }

    /// Encodes request `seq` as its copy (a queued request).
    #[inline]
    pub(crate) fn encode_pdu(
        &mut self,
        seq: u32,
        pdu: &crate::pdu::Pdu<'_>,
    ) -> Result<(), crate::wire::EncodeError> {
        let i = self.index(seq);
        self.table.encode_copy(i, seq, pdu)
    }

    /// Forgets request `seq`'s copy.
    #[inline]
    pub(crate) fn drop_pdu(&mut self, seq: u32) {
        let i = self.index(seq);
        self.table.drop_copy(i, seq);
    }

    /// The outstanding request `seq`, if any.
    #[inline]
    pub(crate) fn get(&self, seq: u32) -> Option<Slot> {
        self.slot(seq)
            .filter(|sl| sl.seq == seq && seq != 0)
            .copied()
    }

    /// Request `seq`'s kept encoding (empty when none is kept).
    #[inline]
    pub(crate) fn pdu(&self, seq: u32) -> &[u8] {
        match self.get(seq) {
            Some(_) => self.table.copy(self.index(seq), seq),
            None => &[],
        }
    }

    /// Puts request `seq` back to queued (off the wire) for one more try.
    #[inline]
    pub(crate) fn unsend(&mut self, seq: u32) {
        if let Some(sl) = self.slot_mut(seq) {
            if sl.seq == seq {
                sl.sent_at = None;
                sl.retries += 1;
            }
        }
    }

    /// Removes the request `seq` if it is outstanding (and its copy).
    #[inline]
    pub(crate) fn remove(&mut self, seq: u32) -> Option<Slot> {
        let i = self.index(seq);
        let sl = self.table.slots_mut().get_mut(i)?;
        if sl.seq != seq || seq == 0 {
            return None;
        }
        let taken = *sl;
        *sl = Slot::FREE;
        self.count -= 1;
        self.table.drop_copy(i, seq);
        Some(taken)
    }

    /// The oldest outstanding request.
    #[inline]
    pub(crate) fn oldest(&mut self) -> Option<Slot> {
        if self.count == 0 {
            self.oldest = self.next_seq;
            return None;
        }
        while self.oldest != self.next_seq {
            if let Some(sl) = self.slot(self.oldest) {
                if sl.seq == self.oldest {
                    return Some(*sl);
                }
            }
            self.oldest = next_sequence(self.oldest);
        }
        None
    }

    /// Removes the oldest outstanding request.
    #[inline]
    pub(crate) fn pop_oldest(&mut self) -> Option<Slot> {
        let o = self.oldest()?;
        self.remove(o.seq)
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use crate::session::storage::{Fixed, HeapSlots, Storage};

    type HeapWindow = Window<HeapSlots>;
    type FixedWindow = Window<<Fixed<2> as Storage>::Slots>;

    #[test]
    fn table_grows_with_the_requests_and_keeps_them() {
        let mut w = HeapWindow::new(100, 1, false);
        assert_eq!(w.table.slots().len(), 8);
        let mut seqs = Vec::new();
        for _ in 0..100 {
            w.reserve_one();
            let s = w.peek_seq();
            w.insert(s, CommandId::SubmitSm, None);
            seqs.push(s);
        }
        assert!(w.is_full());
        assert_eq!(w.table.slots().len(), 256);
        for s in &seqs {
            assert_eq!(w.remove(*s).map(|sl| sl.seq), Some(*s));
        }
        assert_eq!(w.len(), 0);
    }

    #[test]
    fn allocation_wraps_and_skips_busy_slots() {
        wraps_and_skips(HeapWindow::new(2, MAX_SEQUENCE, true));
        wraps_and_skips(FixedWindow::new(2, MAX_SEQUENCE, true));
    }

    fn wraps_and_skips<T: SlotTable>(mut w: Window<T>) {
        w.reserve_one();
        let a = w.peek_seq();
        assert_eq!(a, MAX_SEQUENCE);
        w.insert(a, CommandId::SubmitSm, None);
        w.reserve_one();
        let b = w.peek_seq();
        assert_eq!(b, 1);
        w.insert(b, CommandId::SubmitSm, None);
        assert!(w.is_full());
        assert!(w.remove(b).is_some());
        assert!(w.remove(b).is_none());
        // cap is 4: seq 2,3 free, then 4 collides with nothing; keep `a` outstanding and
        // cycle many numbers through the other slot.
        for _ in 0..10 {
            w.reserve_one();
            let s = w.peek_seq();
            assert_ne!(s & 3, a & 3, "never lands on the busy slot");
            w.insert(s, CommandId::SubmitSm, None);
            assert_eq!(w.oldest().map(|o| o.seq), Some(a));
            w.remove(s);
        }
        assert!(w.pop_oldest().is_some());
        assert!(w.pop_oldest().is_none());
        assert_eq!(w.len(), 0);
    }
}
