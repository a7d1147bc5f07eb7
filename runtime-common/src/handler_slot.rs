//! Running a server's request handler without an allocation per request, for the async
//! runtimes.
//!
//! A handler's future is polled once in place, and moved to a task of its own only when it
//! is not ready (so a slow handler never holds up its connection). A future that is not
//! `Unpin` cannot move once polled, so it must be polled where it will stay: a
//! [`HandlerSlot`] is one pinned place per connection, allocated once and reused by every
//! request whose handler completes at once. When one does not, the whole place goes to
//! the task as a [`Running`] future (no further allocation beyond the task itself) and the
//! connection allocates a new place for its next request.
//!
//! Panics in the handler's future become an `ESME_RSYSERR` reply, on the first poll and
//! on later ones.

use smpp_core::server::Reply;
use smpp_core::CommandStatus;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The reply when a handler panicked.
fn panicked() -> Reply {
    log::error!("smpp: the request handler panicked; answering ESME_RSYSERR");
    Reply::error(CommandStatus::ESME_RSYSERR)
}

/// One pinned place for handler futures of type `F`, reused from request to request.
pub struct HandlerSlot<F> {
    place: Option<Pin<Box<Option<F>>>>,
}

/// What [`HandlerSlot::poll`] gives.
pub enum Polled<F> {
    /// The handler completed at once (the slot is free again).
    Ready(Reply),
    /// It did not: the future, still in its place, to be run to completion on a task.
    Pending(Running<F>),
}

impl<F> Default for HandlerSlot<F> {
    fn default() -> Self {
        HandlerSlot { place: None }
    }
}

impl<F: Future<Output = Reply>> HandlerSlot<F> {
    /// An empty slot (its place is allocated at the first request).
    pub fn new() -> HandlerSlot<F> {
        HandlerSlot::default()
    }

    /// Puts `fut` (not polled yet) in the slot's place and polls it once with `cx`.
    pub fn poll(&mut self, fut: F, cx: &mut Context<'_>) -> Polled<F> {
        let place = self.place.get_or_insert_with(|| Box::pin(None));
        place.as_mut().set(Some(fut));
        let polled = catch_unwind(AssertUnwindSafe(|| match place.as_mut().as_pin_mut() {
            Some(f) => f.poll(cx),
            None => Poll::Ready(panicked()),
        }));
        match polled {
            Ok(Poll::Ready(reply)) => {
                self.clear();
                Polled::Ready(reply)
            }
            Ok(Poll::Pending) => match self.place.take() {
                Some(place) => Polled::Pending(Running(place)),
                None => Polled::Ready(panicked()),
            },
            Err(_) => {
                // The future may be left in any state: dropped with its place (a new one
                // is allocated next time).
                let place = self.place.take();
                let _ = catch_unwind(AssertUnwindSafe(move || drop(place)));
                Polled::Ready(panicked())
            }
        }
    }

    /// Drops the finished future, keeping the place.
    fn clear(&mut self) {
        if let Some(place) = &mut self.place {
            if catch_unwind(AssertUnwindSafe(|| place.as_mut().set(None))).is_err() {
                log::error!("smpp: dropping a request handler's future panicked");
                self.place = None;
            }
        }
    }

    /// True when the slot holds a place to reuse (for tests).
    pub fn has_place(&self) -> bool {
        self.place.is_some()
    }
}

/// A handler future that did not complete at once, in the place it was first polled in;
/// polling it runs it to its reply (a panic answering `ESME_RSYSERR`).
pub struct Running<F>(Pin<Box<Option<F>>>);

impl<F: Future<Output = Reply>> Future for Running<F> {
    type Output = Reply;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Reply> {
        let place = &mut self.get_mut().0;
        let polled = catch_unwind(AssertUnwindSafe(|| match place.as_mut().as_pin_mut() {
            Some(f) => f.poll(cx),
            None => Poll::Ready(Reply::error(CommandStatus::ESME_RSYSERR)),
        }));
        match polled {
            Ok(Poll::Ready(reply)) => {
                let _ = catch_unwind(AssertUnwindSafe(|| place.as_mut().set(None)));
                Poll::Ready(reply)
            }
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => {
                let _ = catch_unwind(AssertUnwindSafe(|| place.as_mut().set(None)));
                Poll::Ready(panicked())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{HandlerSlot, Polled};
    use smpp_core::server::Reply;
    use smpp_core::CommandStatus;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Ready after `pending` polls (waking itself each time); panics instead when `panic`.
    fn handler(pending: usize, panic: bool) -> impl Future<Output = Reply> {
        let mut left = pending;
        std::future::poll_fn(move |cx| {
            if left == 0 {
                if panic {
                    panic!("the handler panics (on purpose)");
                }
                return Poll::Ready(Reply::ok_message_id("m"));
            }
            left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        })
    }

    fn status(r: &Reply) -> CommandStatus {
        r.status()
    }

    #[test]
    fn ready_at_once_reuses_the_place() {
        let waker = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
        let mut cx = Context::from_waker(&waker);
        let mut slot = HandlerSlot::new();
        assert!(!slot.has_place());
        let mut first = None;
        for _ in 0..3 {
            match slot.poll(handler(0, false), &mut cx) {
                Polled::Ready(r) => assert_eq!(status(&r), CommandStatus::ESME_ROK),
                Polled::Pending(_) => panic!("ready at once"),
            }
            // The same place every time: no allocation per request.
            let at = slot.place.as_ref().map(|p| &**p as *const _ as usize);
            assert!(at.is_some());
            assert_eq!(*first.get_or_insert(at), at);
        }
    }

    #[test]
    fn pending_moves_the_place_to_the_task() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let mut slot = HandlerSlot::new();
        let Polled::Pending(mut running) = slot.poll(handler(2, false), &mut cx) else {
            panic!("pending")
        };
        assert!(!slot.has_place(), "the place went with the future");
        assert!(Pin::new(&mut running).poll(&mut cx).is_pending());
        match Pin::new(&mut running).poll(&mut cx) {
            Poll::Ready(r) => assert_eq!(status(&r), CommandStatus::ESME_ROK),
            Poll::Pending => panic!("ready on the third poll"),
        }
        assert_eq!(count.0.load(Ordering::Relaxed), 2);
        // The next request gets a new place.
        assert!(matches!(
            slot.poll(handler(0, false), &mut cx),
            Polled::Ready(_)
        ));
        assert!(slot.has_place());
    }

    #[test]
    fn panics_answer_syserr() {
        let waker = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
        let mut cx = Context::from_waker(&waker);
        let mut slot = HandlerSlot::new();
        match slot.poll(handler(0, true), &mut cx) {
            Polled::Ready(r) => assert_eq!(status(&r), CommandStatus::ESME_RSYSERR),
            Polled::Pending(_) => panic!("a panic is an answer"),
        }
        // Still usable.
        assert!(matches!(
            slot.poll(handler(0, false), &mut cx),
            Polled::Ready(r) if r.status() == CommandStatus::ESME_ROK
        ));
        let Polled::Pending(mut running) = slot.poll(handler(1, true), &mut cx) else {
            panic!("pending")
        };
        match Pin::new(&mut running).poll(&mut cx) {
            Poll::Ready(r) => assert_eq!(status(&r), CommandStatus::ESME_RSYSERR),
            Poll::Pending => panic!("a later panic is an answer too"),
        }
    }
}
