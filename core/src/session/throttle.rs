//! Outgoing rate control: a token bucket driven by `now`, and the pause that follows a peer's
//! `ESME_RTHROTTLED` / `ESME_RMSGQFUL`.

use crate::time::{Duration, Instant};

/// Token bucket counting milli-tokens so that rates below 1000/s stay exact.
#[derive(Clone, Debug)]
pub(crate) struct Throttle {
    rate: Option<u64>,
    burst: u64,
    tokens: u64,
    refilled_at: Instant,
    paused_until: Option<Instant>,
    backoff: Duration,
    base_backoff: Duration,
    max_backoff: Duration,
}

impl Throttle {
    pub(crate) fn new(
        rate: Option<u32>,
        burst: u32,
        backoff: Duration,
        max_backoff: Duration,
        now: Instant,
    ) -> Throttle {
        let burst = u64::from(burst.max(1)) * 1000;
        Throttle {
            rate: rate.filter(|r| *r > 0).map(u64::from),
            burst,
            tokens: burst,
            refilled_at: now,
            paused_until: None,
            backoff,
            base_backoff: backoff,
            max_backoff,
        }
    }

    fn refill(&mut self, now: Instant) {
        if let Some(rate) = self.rate {
            let elapsed = now.saturating_duration_since(self.refilled_at).as_millis();
            self.tokens = self
                .tokens
                .saturating_add(elapsed.saturating_mul(rate))
                .min(self.burst);
            self.refilled_at = now;
        }
    }

    /// When sending may next happen (`None`: now).
    pub(crate) fn blocked_until(&mut self, now: Instant) -> Option<Instant> {
        if let Some(p) = self.paused_until {
            if now < p {
                return Some(p);
            }
            self.paused_until = None;
        }
        let rate = self.rate?;
        self.refill(now);
        if self.tokens >= 1000 {
            None
        } else {
            let missing = 1000 - self.tokens;
            Some(now + Duration::from_millis(missing.div_ceil(rate)))
        }
    }

    /// Takes a token for one request (call after `blocked_until` returned `None`).
    pub(crate) fn consume(&mut self) {
        if self.rate.is_some() {
            self.tokens = self.tokens.saturating_sub(1000);
        }
    }

    /// The peer throttled us: pause, doubling the back-off each consecutive time.
    pub(crate) fn pause(&mut self, now: Instant) -> Instant {
        let until = now + self.backoff;
        self.paused_until = Some(until);
        self.backoff = self.backoff.saturating_mul(2).min(self.max_backoff);
        until
    }

    /// A successful response: the back-off returns to its base.
    pub(crate) fn reset_backoff(&mut self) {
        self.backoff = self.base_backoff;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_limits_rate() {
        let t0 = Instant::ZERO;
        let mut t = Throttle::new(
            Some(10),
            1,
            Duration::from_secs(1),
            Duration::from_secs(4),
            t0,
        );
        assert_eq!(t.blocked_until(t0), None);
        t.consume();
        assert_eq!(t.blocked_until(t0), Some(Instant::from_millis(100)));
        assert_eq!(t.blocked_until(Instant::from_millis(100)), None);
        let p = t.pause(Instant::from_millis(100));
        assert_eq!(p, Instant::from_millis(1100));
        assert_eq!(t.blocked_until(Instant::from_millis(500)), Some(p));
        assert_eq!(
            t.pause(Instant::from_millis(1100)),
            Instant::from_millis(3100)
        );
        assert_eq!(
            t.pause(Instant::from_millis(3100)),
            Instant::from_millis(7100)
        );
        t.reset_backoff();
        assert_eq!(
            t.pause(Instant::from_millis(7100)),
            Instant::from_millis(8100)
        );
    }
}
