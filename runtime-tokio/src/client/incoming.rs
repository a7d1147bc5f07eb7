//! [`Incoming`]: the client's requests from the SMSC, a bounded queue
//! ([`smpp_runtime::IncomingQueue`]) read asynchronously.

use crate::IncomingRequest;
use smpp_runtime::incoming_queue::TryRecv;
use smpp_runtime::IncomingQueue;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::mpsc::error::TryRecvError;

/// Requests from the SMSC (`deliver_sm`, `data_sm`, `alert_notification`, ...), in arrival
/// order, over every connection of the client: `incoming.recv().await` gives `None` when
/// the client closed for good (and every request was taken).
///
/// # Bounded: what happens when the application does not take requests
///
/// Requests that wait for the application's answer are bounded by the session's
/// `peer_window` (beyond it the session answers `ESME_RTHROTTLED`). Requests the session
/// answered already (`auto_respond`) or that have no answer (`alert_notification`) are held
/// here up to `peer_window` as well ([`Incoming::capacity`]); when that many wait, the
/// client **stops reading from the connection** until the application takes one (TCP
/// backpressure on the SMSC, which then stops sending). Nothing is lost or answered on the
/// application's behalf meanwhile, but nothing else is read either (responses to the
/// client's own requests, `enquire_link`): a client that does not want the SMSC's requests
/// should drop its `Incoming` — requests then are answered `ESME_RX_T_APPN` (those that need
/// an answer) or dropped (auto-responded ones). The requests of the read that filled the
/// queue wait behind it in order (at most one read's worth), so [`Incoming::len`] never
/// exceeds `2 × peer_window`.
pub struct Incoming {
    queue: Arc<IncomingQueue<IncomingRequest>>,
}

impl Incoming {
    pub(crate) fn new(queue: Arc<IncomingQueue<IncomingRequest>>) -> Incoming {
        Incoming { queue }
    }

    /// The next request; `None` once the client is closed for good and every request was
    /// taken.
    pub async fn recv(&mut self) -> Option<IncomingRequest> {
        std::future::poll_fn(|cx| self.queue.poll_recv(cx)).await
    }

    /// The next request if one is waiting (`Disconnected`: the client is over and every
    /// request was taken).
    pub fn try_recv(&mut self) -> Result<IncomingRequest, TryRecvError> {
        self.queue.try_recv().map_err(|e| match e {
            TryRecv::Empty => TryRecvError::Empty,
            TryRecv::Closed => TryRecvError::Disconnected,
        })
    }

    /// Polls for the next request (for hand-written futures and streams).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<IncomingRequest>> {
        self.queue.poll_recv(cx)
    }

    /// Requests waiting to be taken.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when none is waiting.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// How many requests that need no answer from the application may wait before the
    /// client stops reading (the session's `peer_window`).
    pub fn capacity(&self) -> usize {
        self.queue.capacity()
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        self.queue.drop_receiver();
    }
}

impl fmt::Debug for Incoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("len", &self.queue.len())
            .field("capacity", &self.queue.capacity())
            .finish()
    }
}
