//! Durations on the command line: `3` (seconds), `500ms`, `3s`, `2m`, `1h`, `1.5s`,
//! `1m 30s`, read and written by [`humantime`].
//!
//! ```
//! use smpp_cli::duration::{format_duration, parse_duration};
//! use std::time::Duration;
//!
//! assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
//! assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
//! assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
//! assert_eq!(parse_duration("1h 30min"), Ok(Duration::from_secs(5400)));
//! assert_eq!(format_duration(Duration::from_millis(1500)), "1s 500ms");
//! ```

use std::fmt;
use std::time::Duration;

/// Why a duration did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationError {
    input: String,
    reason: String,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid duration {:?} ({}): expected a number with an optional unit ms, s, m \
             or h (e.g. 500ms, 3s, 2m, 1h 30m; a bare number is seconds)",
            self.input, self.reason
        )
    }
}

impl std::error::Error for DurationError {}

/// The units a command-line duration may have: [`humantime`]'s, from nanoseconds to hours
/// (days and beyond make no sense for the tool's timeouts and delays, and `3y` is more
/// likely a typo than three years).
const UNITS: &[&str] = &[
    "nanos", "nsec", "ns", "usec", "us", "µs", "millis", "msec", "ms", "seconds", "second", "secs",
    "sec", "s", "minutes", "minute", "min", "mins", "m", "hours", "hour", "hr", "hrs", "h",
];

/// Parses a duration: what [`humantime::parse_duration`] reads (`500ms`, `1.5s`, `2m`,
/// `1h 30m`, units up to hours), a bare non-negative decimal number (`3`, `2.5`: seconds),
/// a decimal point without a digit on one side (`.5m`, `2.`), and whole milliseconds up to
/// `u64::MAX` (`18446744073709551615ms`). Surrounding whitespace is ignored; the result is
/// rounded to whole milliseconds.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let err = |reason: String| DurationError {
        input: text.to_string(),
        reason,
    };
    let s = text.trim();
    // Whole milliseconds, up to u64::MAX (humantime stops at 2^64 ns, 584 years, in the
    // sub-second units): what "for ever" is spelled as.
    let whole_ms = s
        .strip_suffix("ms")
        .map(str::trim_end)
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if let Some(ms) = whole_ms.and_then(|n| n.parse().ok()) {
        return Ok(Duration::from_millis(ms));
    }
    if let Some(unit) = s
        .split(|c: char| !c.is_alphabetic())
        .find(|u| !u.is_empty() && !UNITS.contains(u))
    {
        return Err(err(format!("unknown unit {unit:?}")));
    }
    // humantime wants a digit on both sides of a decimal point and a unit after each number.
    let mut normal = String::with_capacity(s.len() + 2);
    for (i, c) in s.char_indices() {
        if c == '.' {
            let digit_before = normal.ends_with(|p: char| p.is_ascii_digit());
            let digit_after = s[i + 1..].starts_with(|n: char| n.is_ascii_digit());
            match (digit_before, digit_after) {
                (false, true) => normal.push('0'),
                (true, false) => continue,
                _ => {}
            }
        }
        normal.push(c);
    }
    if !normal.is_empty() && normal.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        normal.push('s');
    }
    let exact = humantime::parse_duration(&normal).map_err(|e| err(e.to_string()))?;
    let ms = (exact.as_nanos() + 500_000) / 1_000_000;
    let ms = u64::try_from(ms).map_err(|_| err("too long".into()))?;
    Ok(Duration::from_millis(ms))
}

/// Formats a duration, rounded to whole milliseconds, as [`humantime::format_duration`]
/// does (`500ms`, `3s`, `1s 500ms`, `2m`), which [`parse_duration`] reads back.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 >= 500_000);
    let ms = u64::try_from(ms).unwrap_or(u64::MAX);
    humantime::format_duration(Duration::from_millis(ms)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_numbers_are_seconds() {
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration(" 30 "), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
    }

    #[test]
    fn units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("3sec"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("2mins"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("10 s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("0ms"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("1m 30s"), Ok(Duration::from_secs(90)));
    }

    #[test]
    fn fractions_round_to_milliseconds() {
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration(".5m"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2."), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("2.s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.0004s"), Ok(Duration::from_millis(1000)));
        assert_eq!(parse_duration("1.0005s"), Ok(Duration::from_millis(1001)));
        assert_eq!(parse_duration("1500us"), Ok(Duration::from_millis(2)));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            " ",
            "s",
            "ms",
            "-1",
            "1x",
            "1.2.3",
            "abc",
            "1 2",
            "3sec!",
            ".",
            "1e3",
            "+1",
            "+1ms",
            "3y",
            "2d",
            "1.0000000001s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} must not parse");
        }
        let e = parse_duration("3y").unwrap_err();
        assert!(e.to_string().starts_with("invalid duration \"3y\""), "{e}");
        assert!(parse_duration("99999999999999999999999h").is_err());
        assert!(parse_duration("18446744073709551616ms").is_err());
        assert!(parse_duration("18446744073709552s").is_err());
    }

    #[test]
    fn the_longest_is_u64_max_milliseconds() {
        let longest = Duration::from_millis(u64::MAX);
        assert_eq!(parse_duration("18446744073709551615ms"), Ok(longest));
        assert_eq!(
            parse_duration("18446744073709551s"),
            Ok(Duration::from_secs(18_446_744_073_709_551))
        );
    }

    #[test]
    fn formats_round_trip() {
        for (d, text) in [
            (Duration::from_millis(500), "500ms"),
            (Duration::from_secs(3), "3s"),
            (Duration::from_secs(120), "2m"),
            (Duration::from_millis(1500), "1s 500ms"),
            (Duration::from_millis(1001), "1s 1ms"),
            (Duration::from_secs(5400), "1h 30m"),
            (Duration::ZERO, "0s"),
        ] {
            assert_eq!(format_duration(d), text);
            assert_eq!(parse_duration(text), Ok(d));
        }
        assert_eq!(format_duration(Duration::from_micros(2_999_600)), "3s");
    }
}
