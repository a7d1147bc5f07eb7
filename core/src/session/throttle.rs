//! Outgoing rate control: a token bucket driven by `now`, and the reaction to a peer's
//! `ESME_RTHROTTLED` / `ESME_RMSGQFUL`.
//!
//! A throttle answer starts an *episode*: sending pauses for the back-off. Answers to
//! requests that were already on the wire when the episode began belong to it and do not
//! pause again (a pipelined burst of throttle answers is one episode, one pause). When the
//! pause ends one request goes out alone (the probe). If the probe is throttled too, a new
//! episode starts with twice the back-off; if it succeeds, the number of requests allowed on
//! the wire grows by one per success from that point on (doubling every round trip) until it
//! reaches the window, which ends the episode.

use crate::time::{Duration, Instant};

/// Token bucket counting milli-tokens so that rates below 1000/s stay exact, plus the
/// throttle episode state.
#[derive(Clone, Debug)]
pub(crate) struct Throttle {
    rate: Option<u64>,
    burst: u64,
    tokens: u64,
    refilled_at: Instant,
    paused_until: Option<Instant>,
    /// When the current episode's pause began (`None`: no episode).
    episode_start: Option<Instant>,
    /// While an episode ramps back up: requests allowed on the wire at once.
    ramp: Option<usize>,
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
            episode_start: None,
            ramp: None,
            backoff,
            base_backoff: backoff,
            max_backoff,
        }
    }

    #[inline]
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

    /// When sending may next happen (`None`: now), by the clock alone (pause and rate).
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

    /// True when one more request may go on the wire now, with `on_wire` already there.
    #[inline]
    pub(crate) fn may_send(&mut self, now: Instant, on_wire: usize) -> bool {
        self.ramp.is_none_or(|cap| on_wire < cap) && self.blocked_until(now).is_none()
    }

    /// Takes a token for one request (call after `may_send` returned true).
    #[inline]
    pub(crate) fn consume(&mut self) {
        if self.rate.is_some() {
            self.tokens = self.tokens.saturating_sub(1000);
        }
    }

    /// The peer throttled a request written at `sent_at`. Returns when sending resumes if
    /// this answer starts a new episode, `None` if it belongs to the current one.
    #[inline]
    pub(crate) fn throttled(&mut self, now: Instant, sent_at: Option<Instant>) -> Option<Instant> {
        if let Some(start) = self.episode_start {
            if sent_at.is_none_or(|s| s <= start) {
                return None;
            }
        }
        let until = now + self.backoff;
        self.paused_until = Some(until);
        self.episode_start = Some(now);
        self.ramp = Some(1);
        self.backoff = self.backoff.saturating_mul(2).min(self.max_backoff);
        Some(until)
    }

    /// A request written at `sent_at` succeeded; `window` is the most requests allowed out.
    /// Successes of requests sent after the episode began end the back-off and widen the
    /// ramp; the episode ends when the ramp reaches the window.
    pub(crate) fn succeeded(&mut self, sent_at: Option<Instant>, window: usize) {
        match self.episode_start {
            None => self.backoff = self.base_backoff,
            Some(start) if sent_at.is_some_and(|s| s > start) => {
                self.backoff = self.base_backoff;
                let cap = self.ramp.unwrap_or(window).saturating_add(1);
                if cap >= window {
                    self.ramp = None;
                    self.episode_start = None;
                } else {
                    self.ramp = Some(cap);
                }
            }
            Some(_) => {}
        }
    }

    /// Requests allowed on the wire while an episode ramps back up (`None`: the window).
    #[inline]
    pub(crate) fn ramp(&self) -> Option<usize> {
        self.ramp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Instant {
        Instant::from_millis(n)
    }

    #[test]
    fn bucket_limits_rate() {
        let mut t = Throttle::new(
            Some(10),
            1,
            Duration::from_secs(1),
            Duration::from_secs(4),
            ms(0),
        );
        assert_eq!(t.blocked_until(ms(0)), None);
        t.consume();
        assert_eq!(t.blocked_until(ms(0)), Some(ms(100)));
        assert_eq!(t.blocked_until(ms(100)), None);
    }

    #[test]
    fn a_burst_of_throttle_answers_is_one_episode() {
        let mut t = Throttle::new(
            None,
            1,
            Duration::from_secs(1),
            Duration::from_secs(4),
            ms(0),
        );
        // Ten requests on the wire at 0..10 ms; all answered throttled from 20 ms on.
        assert_eq!(t.throttled(ms(20), Some(ms(0))), Some(ms(1020)));
        for i in 1..10 {
            assert_eq!(t.throttled(ms(20 + i), Some(ms(i))), None, "same episode");
        }
        assert!(!t.may_send(ms(500), 0), "paused");
        assert!(t.may_send(ms(1020), 0), "the probe");
        assert!(!t.may_send(ms(1020), 1), "one probe at a time");
        // The probe is throttled too: a new episode, twice the pause.
        assert_eq!(t.throttled(ms(1030), Some(ms(1020))), Some(ms(3030)));
        // The next probe succeeds: the ramp widens by one per success.
        t.succeeded(Some(ms(3030)), 4);
        assert_eq!(t.ramp(), Some(2));
        assert!(t.may_send(ms(3040), 1));
        assert!(!t.may_send(ms(3040), 2));
        t.succeeded(Some(ms(3040)), 4);
        assert_eq!(t.ramp(), Some(3));
        t.succeeded(Some(ms(3041)), 4);
        assert_eq!(t.ramp(), None, "back to the window: episode over");
        // The back-off is back to its base for the next episode.
        assert_eq!(t.throttled(ms(5000), Some(ms(4999))), Some(ms(6000)));
    }

    #[test]
    fn successes_from_before_the_episode_do_not_end_it() {
        let mut t = Throttle::new(
            None,
            1,
            Duration::from_secs(1),
            Duration::from_secs(8),
            ms(0),
        );
        assert_eq!(t.throttled(ms(10), Some(ms(1))), Some(ms(1010)));
        t.succeeded(Some(ms(2)), 8);
        assert_eq!(t.ramp(), Some(1));
        // The probe is throttled: the back-off doubled (the old success did not reset it).
        assert_eq!(t.throttled(ms(1020), Some(ms(1010))), Some(ms(3020)));
        assert_eq!(t.throttled(ms(3030), Some(ms(3020))), Some(ms(7030)));
        assert_eq!(t.throttled(ms(7040), Some(ms(7030))), Some(ms(15040)));
        assert_eq!(
            t.throttled(ms(15050), Some(ms(15040))),
            Some(ms(23050)),
            "capped at the maximum"
        );
    }
}
