//! Where a session keeps its buffers and queues: on the heap ([`Heap`], with the `alloc`
//! feature), or in capacities fixed at compile time ([`Fixed`], which allocates nothing and
//! needs no `alloc`).
//!
//! A [`Session`](super::Session) is generic over its [`Storage`]; `Session` alone means
//! `Session<Heap>`, which is the session as it always was. `Session<Fixed<...>>` keeps
//! every buffer inline, sized by const generics, and caps the configuration to them (see
//! [`Fixed`] for each limit and what happens when it is reached).
//!
//! The container traits below ([`ByteBuffer`], [`RxBuffer`], [`TxBuffer`], [`Fifo`], [`List`],
//! [`SlotTable`]) are the operations the session needs from its containers; they are
//! implemented for the heap containers (`BytesMut`, `VecDeque`, `Vec`) and the `heapless`
//! ones. [`Storage`] itself is sealed: its two implementations are [`Heap`] and [`Fixed`].

use super::config::SessionConfig;
use super::event::Event;
use crate::pdu::{CommandId, Pdu};
use crate::time::Instant;
use crate::wire::EncodeError;
use core::fmt;

mod sealed {
    pub trait Sealed {}
}

/// The containers of one session. Implemented by [`Heap`] and [`Fixed`] only.
pub trait Storage: sealed::Sealed {
    /// The buffer of each received [`Frame`](crate::Frame) an event carries.
    type Buf: AsRef<[u8]> + Clone + fmt::Debug + PartialEq + Eq;
    /// The receive buffer.
    type Rx: RxBuffer<Self::Buf>;
    /// The transmit buffer.
    type Tx: TxBuffer;
    /// The event queue.
    type Events: Fifo<Event<Self::Buf>>;
    /// The peer's requests awaiting the application's answer (sequence number, command).
    type Requests: List<(u32, CommandId)>;
    /// Sequence numbers of our requests queued behind the rate limit or a throttle answer.
    type Queued: List<u32>;
    /// Sequence numbers of timed-out requests, to recognise their late responses.
    type Late: List<u32>;
    /// The window's table of outstanding requests and the copies of queued requests.
    type Slots: SlotTable;
    /// How many timed-out sequence numbers are remembered.
    const LATE_MEMORY: usize;
    /// Octets of the transmit buffer that application commands leave free, so that the
    /// session's own PDUs (enquire_link, unbind, the answers it writes while processing
    /// input) always fit. 0 for an unbounded buffer.
    const TX_RESERVE: usize;
    /// Caps `config` to the capacities (window, peer window, PDU length).
    fn limit(config: &mut SessionConfig);
}

/// A byte buffer: what the receive and transmit buffers share.
pub trait ByteBuffer: Default {
    /// The octets held.
    fn bytes(&self) -> &[u8];
    /// How many more octets fit (`usize::MAX` when unbounded).
    fn spare(&self) -> usize;
    /// Appends `data`, or returns false (storing nothing) when it does not fit.
    fn push(&mut self, data: &[u8]) -> bool;
}

/// A receive buffer: octets from the peer, whole PDUs taken from its front.
pub trait RxBuffer<B>: ByteBuffer {
    /// Removes the first `n` octets (`n` at most [`ByteBuffer::bytes`]' length) as a frame
    /// buffer.
    fn take(&mut self, n: usize) -> B;
    /// Drops the first `n` octets (at most all of them).
    fn discard(&mut self, n: usize);
    /// Empties the buffer and gives its memory back.
    fn release(&mut self);
}

/// A transmit buffer: encoded PDUs waiting to be written to the peer.
pub trait TxBuffer: ByteBuffer {
    /// Appends the encoding of `pdu`. [`EncodeError::BufferTooSmall`] when it does not
    /// fit; nothing is appended on any error.
    fn encode(&mut self, pdu: &Pdu<'_>) -> Result<usize, EncodeError>;
    /// Drops the first `n` octets (written to the peer).
    fn advance(&mut self, n: usize);
    /// Overwrites the four octets at `at` with `value`, big-endian (nothing when they are
    /// not all held): how a PDU's `command_length` is corrected after TLVs were appended.
    fn patch_u32(&mut self, at: usize, value: u32);
}

/// A first-in first-out queue.
pub trait Fifo<T>: Default {
    /// Appends `item`, or gives it back when the queue is full.
    fn push_back(&mut self, item: T) -> Result<(), T>;
    /// Removes the oldest item.
    fn pop_front(&mut self) -> Option<T>;
    /// Items held.
    fn len(&self) -> usize;
    /// True when empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// How many more items fit (`usize::MAX` when unbounded).
    fn room(&self) -> usize;
    /// Removes every item.
    fn clear(&mut self);
}

/// An ordered list with insertion and removal anywhere (small lists: linear operations).
pub trait List<T>: Default {
    /// Items held.
    fn len(&self) -> usize;
    /// True when empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The item at `index`.
    fn get(&self, index: usize) -> Option<&T>;
    /// Appends `item`, or gives it back when the list is full.
    fn push_back(&mut self, item: T) -> Result<(), T>;
    /// Inserts `item` at `index` (at most the length), or gives it back when full.
    fn insert(&mut self, index: usize, item: T) -> Result<(), T>;
    /// Removes the item at `index`.
    fn remove(&mut self, index: usize) -> Option<T>;
    /// Removes every item.
    fn clear(&mut self);
    /// The index of the first item `pred` accepts.
    fn position(&self, mut pred: impl FnMut(&T) -> bool) -> Option<usize> {
        (0..self.len()).find(|&i| self.get(i).is_some_and(&mut pred))
    }
}

/// One entry of the window's table: an outstanding request (or a free entry).
#[derive(Clone, Copy, Debug)]
pub struct Slot {
    /// 0 when free.
    pub(crate) seq: u32,
    pub(crate) command_id: CommandId,
    /// `None` while queued (not yet on the wire).
    pub(crate) sent_at: Option<Instant>,
    /// Times the session sent it again after a throttle answer.
    pub(crate) retries: u32,
}

impl Slot {
    pub(crate) const FREE: Slot = Slot {
        seq: 0,
        command_id: CommandId::GenericNack,
        sent_at: None,
        retries: 0,
    };
}

/// The window's table (indexed by `sequence_number & mask`, a power of two in length) and
/// the encoded copies of requests that are queued or may be sent again.
pub trait SlotTable {
    /// A table for a window of `window` requests: the table and the largest length it may
    /// grow to (a power of two above `window`).
    fn for_window(window: usize) -> (Self, usize)
    where
        Self: Sized;
    /// The entries in use (a power of two).
    fn slots(&self) -> &[Slot];
    /// The entries in use, mutably.
    fn slots_mut(&mut self) -> &mut [Slot];
    /// Re-lays the table out at `len` entries (a power of two, at most the largest length),
    /// keeping every request and its copy at `seq & (len - 1)`.
    fn grow(&mut self, len: usize);
    /// Keeps `pdu` as the copy of request `seq` (at table index `index`); false when it does
    /// not fit.
    fn store_copy(&mut self, index: usize, seq: u32, pdu: &[u8]) -> bool;
    /// Encodes `pdu` as the copy of request `seq`; [`EncodeError::BufferTooSmall`] when
    /// it does not fit.
    fn encode_copy(&mut self, index: usize, seq: u32, pdu: &Pdu<'_>) -> Result<(), EncodeError>;
    /// The copy of request `seq` (empty when none is kept).
    fn copy(&self, index: usize, seq: u32) -> &[u8];
    /// Forgets the copy of request `seq`.
    fn drop_copy(&mut self, index: usize, seq: u32);
}

// ----- the heap ------------------------------------------------------------------------------

#[cfg(feature = "alloc")]
pub use heap::{Heap, HeapSlots};

#[cfg(feature = "alloc")]
mod heap {
    use super::*;
    use alloc::collections::VecDeque;
    use alloc::vec::Vec;
    use bytes::{Buf, Bytes, BytesMut};

    /// The heap storage (needs `alloc`): buffers and queues grow as needed, within the
    /// configuration's bounds. The default storage of [`Session`](crate::session::Session).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Heap;

    impl sealed::Sealed for Heap {}

    impl Storage for Heap {
        type Buf = Bytes;
        type Rx = BytesMut;
        type Tx = BytesMut;
        type Events = VecDeque<Event>;
        type Requests = VecDeque<(u32, CommandId)>;
        type Queued = VecDeque<u32>;
        type Late = VecDeque<u32>;
        type Slots = HeapSlots;
        const LATE_MEMORY: usize = 64;
        const TX_RESERVE: usize = 0;
        #[inline]
        fn limit(_config: &mut SessionConfig) {}
    }

    impl ByteBuffer for BytesMut {
        #[inline]
        fn bytes(&self) -> &[u8] {
            self
        }
        #[inline]
        fn spare(&self) -> usize {
            usize::MAX
        }
        #[inline]
        fn push(&mut self, data: &[u8]) -> bool {
            self.extend_from_slice(data);
            true
        }
    }

    impl RxBuffer<Bytes> for BytesMut {
        #[inline]
        fn take(&mut self, n: usize) -> Bytes {
            self.split_to(n.min(self.len())).freeze()
        }
        #[inline]
        fn discard(&mut self, n: usize) {
            Buf::advance(self, n.min(self.len()));
        }
        #[inline]
        fn release(&mut self) {
            *self = BytesMut::new();
        }
    }

    impl TxBuffer for BytesMut {
        #[inline]
        fn encode(&mut self, pdu: &Pdu<'_>) -> Result<usize, EncodeError> {
            pdu.encode_to(self)
        }
        #[inline]
        fn advance(&mut self, n: usize) {
            Buf::advance(self, n.min(self.len()));
        }
        #[inline]
        fn patch_u32(&mut self, at: usize, value: u32) {
            if let Some(out) = self.get_mut(at..at.saturating_add(4)) {
                out.copy_from_slice(&value.to_be_bytes());
            }
        }
    }

    impl<T> Fifo<T> for VecDeque<T> {
        #[inline]
        fn push_back(&mut self, item: T) -> Result<(), T> {
            VecDeque::push_back(self, item);
            Ok(())
        }
        #[inline]
        fn pop_front(&mut self) -> Option<T> {
            VecDeque::pop_front(self)
        }
        #[inline]
        fn len(&self) -> usize {
            VecDeque::len(self)
        }
        #[inline]
        fn room(&self) -> usize {
            usize::MAX
        }
        #[inline]
        fn clear(&mut self) {
            VecDeque::clear(self)
        }
    }

    impl<T> List<T> for VecDeque<T> {
        #[inline]
        fn len(&self) -> usize {
            VecDeque::len(self)
        }
        #[inline]
        fn get(&self, index: usize) -> Option<&T> {
            VecDeque::get(self, index)
        }
        #[inline]
        fn push_back(&mut self, item: T) -> Result<(), T> {
            VecDeque::push_back(self, item);
            Ok(())
        }
        #[inline]
        fn insert(&mut self, index: usize, item: T) -> Result<(), T> {
            VecDeque::insert(self, index.min(VecDeque::len(self)), item);
            Ok(())
        }
        #[inline]
        fn remove(&mut self, index: usize) -> Option<T> {
            VecDeque::remove(self, index)
        }
        #[inline]
        fn clear(&mut self) {
            VecDeque::clear(self)
        }
        #[inline]
        fn position(&self, pred: impl FnMut(&T) -> bool) -> Option<usize> {
            self.iter().position(pred)
        }
    }

    /// Slots of a new heap window's table (it grows on demand up to twice the window).
    const INITIAL_SLOTS: usize = 8;

    /// The heap window table: starts small and doubles as requests pile up, up to twice
    /// the window, so an idle session with a large window costs a few entries. Each entry
    /// has its own copy buffer, reused by the entry's later requests.
    #[derive(Debug)]
    pub struct HeapSlots {
        slots: Vec<Slot>,
        copies: Vec<Vec<u8>>,
    }

    impl HeapSlots {
        /// Entry `index`'s copy buffer, emptied (the buffers are made on first use).
        fn copy_buf(&mut self, index: usize) -> Option<&mut Vec<u8>> {
            if self.copies.is_empty() {
                self.copies = alloc::vec![Vec::new(); self.slots.len()];
            }
            let buf = self.copies.get_mut(index)?;
            buf.clear();
            Some(buf)
        }
    }

    impl SlotTable for HeapSlots {
        #[inline]
        fn for_window(window: usize) -> (HeapSlots, usize) {
            let max = (window.max(1) * 2).next_power_of_two().max(4);
            let len = max.min(INITIAL_SLOTS);
            let table = HeapSlots {
                slots: alloc::vec![Slot::FREE; len],
                copies: Vec::new(),
            };
            (table, max)
        }
        #[inline]
        fn slots(&self) -> &[Slot] {
            &self.slots
        }
        #[inline]
        fn slots_mut(&mut self) -> &mut [Slot] {
            &mut self.slots
        }
        #[inline]
        fn grow(&mut self, len: usize) {
            let mask = (len - 1) as u32;
            let mut slots = alloc::vec![Slot::FREE; len];
            let mut copies = if self.copies.is_empty() {
                Vec::new()
            } else {
                alloc::vec![Vec::new(); len]
            };
            for (i, sl) in self.slots.iter().enumerate().filter(|(_, sl)| sl.seq != 0) {
                let at = (sl.seq & mask) as usize;
                if let Some(dst) = slots.get_mut(at) {
                    *dst = *sl;
                }
                if let (Some(src), Some(dst)) = (self.copies.get_mut(i), copies.get_mut(at)) {
                    *dst = core::mem::take(src);
                }
            }
            self.slots = slots;
            self.copies = copies;
        }
        #[inline]
        fn store_copy(&mut self, index: usize, _seq: u32, pdu: &[u8]) -> bool {
            match self.copy_buf(index) {
                Some(buf) => {
                    buf.extend_from_slice(pdu);
                    true
                }
                None => false,
            }
        }
        #[inline]
        fn encode_copy(
            &mut self,
            index: usize,
            _seq: u32,
            pdu: &Pdu<'_>,
        ) -> Result<(), EncodeError> {
            let buf = self.copy_buf(index).ok_or(EncodeError::BufferTooSmall {
                needed: pdu.encoded_len(),
            })?;
            pdu.encode_to(buf).map(|_| ())
        }
        #[inline]
        fn copy(&self, index: usize, _seq: u32) -> &[u8] {
            self.copies.get(index).map_or(&[], |b| b.as_slice())
        }
        #[inline]
        fn drop_copy(&mut self, index: usize, _seq: u32) {
            if let Some(buf) = self.copies.get_mut(index) {
                buf.clear();
            }
        }
    }
}

// ----- fixed capacities ----------------------------------------------------------------------

/// Fixed capacities, chosen at compile time; nothing is allocated and `alloc` is not needed.
///
/// | parameter | holds | default | when it is reached |
/// |---|---|---|---|
/// | `WINDOW` | our outstanding requests, and the peer's unanswered ones | 8 | `send` fails with [`SessionError::WindowFull`](super::SessionError::WindowFull); a peer request beyond `peer_window` is answered `ESME_RTHROTTLED`, as always |
/// | `PDU` | the longest PDU received (each event's frame buffer) | 4096 | a longer `command_length` is a protocol error: `generic_nack` `ESME_RINVCMDLEN` and close, as with `max_pdu_len` |
/// | `EVENTS` | events not yet polled (at least 2) | 8 | input and timers wait (no event is dropped) until [`Session::poll_event`](super::Session::poll_event) makes room; `wants_input` turns false once a whole PDU waits |
/// | `RX` | received octets not yet processed (at least `PDU`) | 8192 | read at most [`Session::receive_capacity`](super::Session::receive_capacity) octets; more closes with [`CloseReason::BufferOverflow`](super::CloseReason::BufferOverflow), like the heap's overflow bound |
/// | `TX` | octets not yet written (at least `PDU` + 256) | 8192 | `send`, `respond`, `bind`, ... fail with [`SessionError::TransmitFull`](super::SessionError::TransmitFull) (nothing sent) when their PDU would leave less than 64 octets free; input waits while less than 256 are free |
/// | `QUEUE` | copies of requests queued behind the rate limit or a throttle answer, and of requests kept for throttle retries | 8192 | a queued `send` fails with `TransmitFull`; a request whose retry copy does not fit is not retried (its throttle answer is its outcome) |
/// | `LATE` | timed-out sequence numbers remembered to flag late responses | 16 | the oldest is forgotten (its late response is then reported with `late: false`) |
///
/// The configuration is capped to them: `window` and `peer_window` to `WINDOW`,
/// `max_pdu_len` to `PDU`. The window's table has the largest power of two up to
/// `2 * WINDOW` entries.
///
/// ```
/// use smpp_core::session::{Fixed, Session, SessionConfig};
/// use smpp_core::Instant;
///
/// // Window 4, PDUs up to 1 KiB, 4 events, 2 KiB receive and 2 KiB transmit buffers.
/// type Small = Fixed<4, 1024, 4, 2048, 2048, 2048, 8>;
/// let session: Session<Small> = Session::new_in(SessionConfig::esme(), Instant::ZERO);
/// assert_eq!(session.config().window, 4);
/// assert_eq!(session.config().max_pdu_len, 1024);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fixed<
    const WINDOW: usize = 8,
    const PDU: usize = 4096,
    const EVENTS: usize = 8,
    const RX: usize = 8192,
    const TX: usize = 8192,
    const QUEUE: usize = 8192,
    const LATE: usize = 16,
>;

/// Octets a fixed transmit buffer must have free before input is processed.
pub(crate) const TX_PROCESS_ROOM: usize = 256;

impl<
        const WINDOW: usize,
        const PDU: usize,
        const EVENTS: usize,
        const RX: usize,
        const TX: usize,
        const QUEUE: usize,
        const LATE: usize,
    > sealed::Sealed for Fixed<WINDOW, PDU, EVENTS, RX, TX, QUEUE, LATE>
{
}

impl<
        const WINDOW: usize,
        const PDU: usize,
        const EVENTS: usize,
        const RX: usize,
        const TX: usize,
        const QUEUE: usize,
        const LATE: usize,
    > Storage for Fixed<WINDOW, PDU, EVENTS, RX, TX, QUEUE, LATE>
{
    type Buf = heapless::Vec<u8, PDU>;
    type Rx = heapless::Vec<u8, RX>;
    type Tx = heapless::Vec<u8, TX>;
    type Events = heapless::Deque<Event<heapless::Vec<u8, PDU>>, EVENTS>;
    type Requests = heapless::Vec<(u32, CommandId), WINDOW>;
    type Queued = heapless::Vec<u32, WINDOW>;
    type Late = heapless::Vec<u32, LATE>;
    type Slots = FixedSlots<WINDOW, QUEUE>;
    const LATE_MEMORY: usize = LATE;
    const TX_RESERVE: usize = 64;

    #[inline]
    fn limit(config: &mut SessionConfig) {
        const {
            assert!(WINDOW >= 1, "Fixed: WINDOW must be at least 1");
            assert!(PDU >= 16, "Fixed: PDU must hold a header (16 octets)");
            assert!(EVENTS >= 2, "Fixed: EVENTS must be at least 2");
            assert!(RX >= PDU, "Fixed: RX must hold one PDU");
            assert!(
                TX >= PDU + TX_PROCESS_ROOM,
                "Fixed: TX must be at least PDU + 256"
            );
            assert!(PDU <= u32::MAX as usize && QUEUE <= u32::MAX as usize);
        }
        config.window = config.window.clamp(1, WINDOW);
        config.peer_window = config.peer_window.min(WINDOW);
        config.max_pdu_len = config.max_pdu_len.min(PDU as u32);
    }
}

impl<const N: usize> ByteBuffer for heapless::Vec<u8, N> {
    #[inline]
    fn bytes(&self) -> &[u8] {
        self
    }
    #[inline]
    fn spare(&self) -> usize {
        N - self.len()
    }
    #[inline]
    fn push(&mut self, data: &[u8]) -> bool {
        self.extend_from_slice(data).is_ok()
    }
}

impl<const RX: usize, const PDU: usize> RxBuffer<heapless::Vec<u8, PDU>> for heapless::Vec<u8, RX> {
    #[inline]
    fn take(&mut self, n: usize) -> heapless::Vec<u8, PDU> {
        let n = n.min(self.len());
        let mut out = heapless::Vec::new();
        // The session frames at most `max_pdu_len` (capped to PDU) octets: this fits.
        let _ = out.extend_from_slice(self.as_slice().get(..n.min(PDU)).unwrap_or_default());
        RxBuffer::<heapless::Vec<u8, PDU>>::discard(self, n);
        out
    }
    #[inline]
    fn discard(&mut self, n: usize) {
        let n = n.min(self.len());
        self.copy_within(n.., 0);
        self.truncate(self.len() - n);
    }
    #[inline]
    fn release(&mut self) {
        self.clear();
    }
}

impl<const TX: usize> TxBuffer for heapless::Vec<u8, TX> {
    #[inline]
    fn patch_u32(&mut self, at: usize, value: u32) {
        if let Some(out) = self.get_mut(at..at.saturating_add(4)) {
            out.copy_from_slice(&value.to_be_bytes());
        }
    }
    #[inline]
    fn encode(&mut self, pdu: &Pdu<'_>) -> Result<usize, EncodeError> {
        let start = self.len();
        let needed = pdu.encoded_len();
        if needed > TX - start {
            return Err(EncodeError::BufferTooSmall { needed });
        }
        if self.resize(start + needed, 0).is_err() {
            return Err(EncodeError::BufferTooSmall { needed });
        }
        let written = match self.get_mut(start..) {
            Some(out) => pdu.encode(out),
            None => Err(EncodeError::BufferTooSmall { needed }),
        };
        match written {
            Ok(n) => {
                self.truncate(start + n);
                Ok(n)
            }
            Err(e) => {
                self.truncate(start);
                Err(e)
            }
        }
    }
    #[inline]
    fn advance(&mut self, n: usize) {
        let n = n.min(self.len());
        self.copy_within(n.., 0);
        self.truncate(self.len() - n);
    }
}

impl<T, const N: usize> Fifo<T> for heapless::Deque<T, N> {
    #[inline]
    fn push_back(&mut self, item: T) -> Result<(), T> {
        heapless::Deque::push_back(self, item)
    }
    #[inline]
    fn pop_front(&mut self) -> Option<T> {
        heapless::Deque::pop_front(self)
    }
    #[inline]
    fn len(&self) -> usize {
        heapless::Deque::len(self)
    }
    #[inline]
    fn room(&self) -> usize {
        N - heapless::Deque::len(self)
    }
    #[inline]
    fn clear(&mut self) {
        heapless::Deque::clear(self)
    }
}

impl<T, const N: usize> List<T> for heapless::Vec<T, N> {
    #[inline]
    fn len(&self) -> usize {
        self.as_slice().len()
    }
    #[inline]
    fn get(&self, index: usize) -> Option<&T> {
        self.as_slice().get(index)
    }
    #[inline]
    fn push_back(&mut self, item: T) -> Result<(), T> {
        self.push(item)
    }
    #[inline]
    fn insert(&mut self, index: usize, item: T) -> Result<(), T> {
        let index = index.min(self.as_slice().len());
        heapless::Vec::insert(self, index, item)
    }
    #[inline]
    fn remove(&mut self, index: usize) -> Option<T> {
        (index < self.as_slice().len()).then(|| heapless::Vec::remove(self, index))
    }
    #[inline]
    fn clear(&mut self) {
        heapless::Vec::clear(self)
    }
    #[inline]
    fn position(&self, pred: impl FnMut(&T) -> bool) -> Option<usize> {
        self.iter().position(pred)
    }
}

/// The fixed window table: `2 * WINDOW` entries, of which the largest power of two is in
/// use from the start; and one arena of `QUEUE` octets for the copies of requests, each
/// removed (and the arena compacted) when its request leaves the window.
#[derive(Debug)]
pub struct FixedSlots<const WINDOW: usize, const QUEUE: usize> {
    table: [[Slot; 2]; WINDOW],
    len: usize,
    /// (sequence number, start, length) of each copy in `arena`.
    copies: heapless::Vec<(u32, u32, u32), WINDOW>,
    arena: heapless::Vec<u8, QUEUE>,
}

impl<const WINDOW: usize, const QUEUE: usize> FixedSlots<WINDOW, QUEUE> {
    #[inline]
    fn find(&self, seq: u32) -> Option<usize> {
        self.copies.iter().position(|(s, _, _)| *s == seq)
    }
}

impl<const WINDOW: usize, const QUEUE: usize> SlotTable for FixedSlots<WINDOW, QUEUE> {
    #[inline]
    fn for_window(_window: usize) -> (Self, usize) {
        // The largest power of two not above 2 * WINDOW: above WINDOW, so a free entry
        // always exists while at most WINDOW requests are outstanding.
        let all = (2 * WINDOW).max(2);
        let len = 1usize << (usize::BITS - 1 - all.leading_zeros());
        let table = FixedSlots {
            table: [[Slot::FREE; 2]; WINDOW],
            len,
            copies: heapless::Vec::new(),
            arena: heapless::Vec::new(),
        };
        (table, len)
    }
    #[inline]
    fn slots(&self) -> &[Slot] {
        let all = self.table.as_flattened();
        all.get(..self.len).unwrap_or(all)
    }
    #[inline]
    fn slots_mut(&mut self) -> &mut [Slot] {
        let len = self.len;
        let all = self.table.as_flattened_mut();
        let n = len.min(all.len());
        &mut all[..n]
    }
    #[inline]
    fn grow(&mut self, _len: usize) {}
    #[inline]
    fn store_copy(&mut self, index: usize, seq: u32, pdu: &[u8]) -> bool {
        self.drop_copy(index, seq);
        let start = self.arena.len();
        if self.copies.is_full() || self.arena.extend_from_slice(pdu).is_err() {
            return false;
        }
        let _ = self.copies.push((seq, start as u32, pdu.len() as u32));
        true
    }
    #[inline]
    fn encode_copy(&mut self, index: usize, seq: u32, pdu: &Pdu<'_>) -> Result<(), EncodeError> {
        self.drop_copy(index, seq);
        if self.copies.is_full() {
            return Err(EncodeError::BufferTooSmall {
                needed: pdu.encoded_len(),
            });
        }
        let start = self.arena.len();
        let n = TxBuffer::encode(&mut self.arena, pdu)?;
        let _ = self.copies.push((seq, start as u32, n as u32));
        Ok(())
    }
    #[inline]
    fn copy(&self, _index: usize, seq: u32) -> &[u8] {
        self.find(seq)
            .and_then(|i| self.copies.as_slice().get(i))
            .and_then(|&(_, start, len)| {
                self.arena
                    .as_slice()
                    .get(start as usize..(start + len) as usize)
            })
            .unwrap_or_default()
    }
    #[inline]
    fn drop_copy(&mut self, _index: usize, seq: u32) {
        let Some(i) = self.find(seq) else {
            return;
        };
        let (_, start, len) = self.copies.swap_remove(i);
        let (start, len) = (start as usize, len as usize);
        let end = (start + len).min(self.arena.len());
        self.arena.copy_within(end.., start);
        self.arena.truncate(self.arena.len() - (end - start));
        for entry in self.copies.iter_mut() {
            if entry.1 as usize > start {
                entry.1 -= len as u32;
            }
        }
    }
}
