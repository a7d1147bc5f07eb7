//! The endpoints' clock and the seed of their jitter, shared by every client and server
//! of every runtime.

use smpp_core::Instant;

/// Milliseconds since a start, as the core's [`Instant`]; back to `std::time::Instant` for
/// timers.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    epoch: std::time::Instant,
}

impl Clock {
    /// A clock starting now.
    pub fn start() -> Clock {
        Clock {
            epoch: std::time::Instant::now(),
        }
    }

    /// Now, rounded up to the millisecond (so that no deadline fires early).
    pub fn now(&self) -> Instant {
        Instant::from_elapsed(self.epoch.elapsed())
    }

    /// The moment of a core deadline.
    pub fn std_instant(&self, at: Instant) -> Option<std::time::Instant> {
        self.epoch
            .checked_add(std::time::Duration::from_millis(at.as_millis()))
    }
}

/// A random seed for an endpoint's jitter (not for anything secret).
pub fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}
