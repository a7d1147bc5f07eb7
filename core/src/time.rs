//! Time as an input: the core never reads a clock.
//!
//! [`Instant`] counts milliseconds since an epoch the driver picks (for example the moment a
//! runtime adapter started). Tests start at [`Instant::ZERO`] and move time forward by hand,
//! which makes every timer deterministic.

use core::fmt;
use core::ops::{Add, AddAssign, Sub};

/// A span of time with millisecond resolution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration(0);
    /// The largest representable span; used for "never".
    pub const MAX: Duration = Duration(u64::MAX);

    /// A span of `ms` milliseconds.
    #[inline]
    pub const fn from_millis(ms: u64) -> Duration {
        Duration(ms)
    }

    /// A span of `s` seconds (saturating).
    #[inline]
    pub const fn from_secs(s: u64) -> Duration {
        Duration(s.saturating_mul(1000))
    }

    /// The span in whole milliseconds.
    #[inline]
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// `self * n`, saturating at [`Duration::MAX`].
    #[inline]
    pub const fn saturating_mul(self, n: u64) -> Duration {
        Duration(self.0.saturating_mul(n))
    }

    /// `self + other`, saturating at [`Duration::MAX`].
    #[inline]
    pub const fn saturating_add(self, other: Duration) -> Duration {
        Duration(self.0.saturating_add(other.0))
    }

    /// `self - other`, or zero when `other` is larger.
    #[inline]
    pub const fn saturating_sub(self, other: Duration) -> Duration {
        Duration(self.0.saturating_sub(other.0))
    }
}

impl fmt::Display for Duration {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

impl From<core::time::Duration> for Duration {
    #[inline]
    fn from(d: core::time::Duration) -> Duration {
        Duration(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

impl From<Duration> for core::time::Duration {
    #[inline]
    fn from(d: Duration) -> core::time::Duration {
        core::time::Duration::from_millis(d.0)
    }
}

/// A point in time: milliseconds since the driver's epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// The epoch.
    pub const ZERO: Instant = Instant(0);
    /// A point that is never reached; used for "no deadline".
    pub const FAR_FUTURE: Instant = Instant(u64::MAX);

    /// The instant `ms` milliseconds after the epoch.
    #[inline]
    pub const fn from_millis(ms: u64) -> Instant {
        Instant(ms)
    }

    /// The instant `elapsed` after the epoch, rounded up to the next millisecond: a driver
    /// that reads its clock as `epoch.elapsed()` passes it here, so that a deadline the
    /// core computes from it (`now + d`) is never earlier than `d` after the real moment,
    /// and a timer set for a deadline `t` finds `now >= t` when it fires.
    ///
    /// ```
    /// use smpp_core::Instant;
    /// let t = Instant::from_elapsed(core::time::Duration::from_micros(1_500));
    /// assert_eq!(t.as_millis(), 2);
    /// assert_eq!(Instant::from_elapsed(core::time::Duration::from_millis(7)).as_millis(), 7);
    /// ```
    #[inline]
    pub const fn from_elapsed(elapsed: core::time::Duration) -> Instant {
        let ms = elapsed.as_secs().saturating_mul(1000);
        let sub = elapsed.subsec_nanos();
        let sub_ms = (sub / 1_000_000) as u64 + (sub % 1_000_000 != 0) as u64;
        Instant(ms.saturating_add(sub_ms))
    }

    /// Milliseconds since the epoch.
    #[inline]
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    #[inline]
    pub const fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }

    /// `self + d`, saturating at [`Instant::FAR_FUTURE`].
    #[inline]
    pub const fn saturating_add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    #[inline]
    fn add(self, d: Duration) -> Instant {
        self.saturating_add(d)
    }
}

impl AddAssign<Duration> for Instant {
    #[inline]
    fn add_assign(&mut self, d: Duration) {
        *self = self.saturating_add(d);
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    #[inline]
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        let t = Instant::from_millis(10);
        assert_eq!((t + Duration::from_secs(2)).as_millis(), 2010);
        assert_eq!(
            Instant::FAR_FUTURE + Duration::from_millis(1),
            Instant::FAR_FUTURE
        );
        assert_eq!(t - Instant::from_millis(20), Duration::ZERO);
        assert_eq!(Duration::from_secs(u64::MAX), Duration::MAX);
        let std: core::time::Duration = Duration::from_millis(1500).into();
        assert_eq!(std.as_millis(), 1500);
    }
}
