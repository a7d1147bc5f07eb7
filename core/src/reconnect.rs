//! Reconnect back-off: exponential delays with optional jitter, computed from an attempt
//! number and a random value the driver supplies (the core has no randomness of its own).

use crate::time::Duration;

/// How a client reconnects after losing its link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Delay before the first attempt.
    pub initial_delay: Duration,
    /// Upper bound of the delay.
    pub max_delay: Duration,
    /// Factor applied to the delay after each failed attempt (at least 1).
    pub multiplier: u32,
    /// Spread each delay uniformly over `[delay / 2, delay]` so that many clients do not
    /// reconnect in step.
    pub jitter: bool,
    /// Give up after this many attempts (`None`: never).
    pub max_attempts: Option<u32>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            multiplier: 2,
            jitter: true,
            max_attempts: None,
        }
    }
}

impl ReconnectPolicy {
    /// The delay before attempt `attempt` (1 for the first), or `None` once attempts are
    /// exhausted. `random` is any random 64-bit value (used only with jitter).
    pub fn delay(&self, attempt: u32, random: u64) -> Option<Duration> {
        if attempt == 0 || self.max_attempts.is_some_and(|m| attempt > m) {
            return None;
        }
        let factor = u64::from(self.multiplier.max(1)).saturating_pow(attempt - 1);
        let base = self
            .initial_delay
            .saturating_mul(factor)
            .min(self.max_delay)
            .as_millis();
        let ms = if self.jitter && base > 0 {
            let half = base / 2;
            half + random % (base - half + 1)
        } else {
            base
        };
        Some(Duration::from_millis(ms))
    }
}

/// Random values for jitter, from a seed the driver passes in (xorshift64: not for
/// anything secret). Both endpoints draw their back-off jitter from one.
#[derive(Clone, Copy, Debug)]
pub struct Jitter(u64);

impl Jitter {
    /// A generator from `seed` (any value; zero is mapped to a valid state).
    pub const fn new(seed: u64) -> Jitter {
        Jitter(seed | 1)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_capped_and_jittered() {
        let p = ReconnectPolicy {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            multiplier: 2,
            jitter: false,
            max_attempts: Some(6),
        };
        let d: std::vec::Vec<u64> = (1..=6)
            .map(|a| p.delay(a, 0).unwrap().as_millis())
            .collect();
        assert_eq!(d, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(p.delay(7, 0), None);
        assert_eq!(p.delay(0, 0), None);
        let j = ReconnectPolicy { jitter: true, ..p };
        for r in [0u64, 1, 99, 12345, u64::MAX] {
            let v = j.delay(3, r).unwrap().as_millis();
            assert!((200..=400).contains(&v), "{v}");
        }
    }
}
