//! Durations on the command line: `3` (seconds), `500ms`, `3s`, `2m`, `1h`, `1.5s`.
//!
//! ```
//! use smpp_cli::duration::{format_duration, parse_duration};
//! use std::time::Duration;
//!
//! assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
//! assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
//! assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
//! assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
//! ```

use std::fmt;
use std::time::Duration;

/// Why a duration did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationError {
    input: String,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid duration {:?}: expected a number with an optional unit ms, s, m or h \
             (e.g. 500ms, 3s, 2m; a bare number is seconds)",
            self.input
        )
    }
}

impl std::error::Error for DurationError {}

/// Parses a duration: a non-negative decimal number (`3`, `1.5`) followed by an optional
/// unit, `ms`, `s`, `m` or `h` (no unit: seconds). Surrounding whitespace is ignored; the
/// result is rounded to whole milliseconds.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let err = || DurationError {
        input: text.to_string(),
    };
    let s = text.trim();
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(digits_end);
    let unit_ms: u128 = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1_000,
        "ms" => 1,
        "m" | "min" | "mins" => 60_000,
        "h" => 3_600_000,
        _ => return Err(err()),
    };
    let (whole, frac) = match number.split_once('.') {
        Some((w, f)) => (w, f),
        None => (number, ""),
    };
    if (whole.is_empty() && frac.is_empty())
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 9
    {
        return Err(err());
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| err())?
    };
    // The fraction as nanounits: "5" -> 500_000_000.
    let frac_nano: u128 = if frac.is_empty() {
        0
    } else {
        let padded = format!("{frac:0<9}");
        padded.parse().map_err(|_| err())?
    };
    let ms = whole
        .checked_mul(unit_ms)
        .and_then(|w| w.checked_add((frac_nano * unit_ms + 500_000_000) / 1_000_000_000))
        .ok_or_else(err)?;
    let ms = u64::try_from(ms).map_err(|_| err())?;
    Ok(Duration::from_millis(ms))
}

/// Formats a duration compactly in the form [`parse_duration`] reads: `500ms`, `3s`,
/// `1.5s`, `2m`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1_000 {
        format!("{ms}ms")
    } else if ms % 60_000 == 0 {
        format!("{}m", ms / 60_000)
    } else if ms % 1_000 == 0 {
        format!("{}s", ms / 1_000)
    } else {
        let s = format!("{}.{:03}", ms / 1_000, ms % 1_000);
        format!("{}s", s.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_numbers_are_seconds() {
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration(" 30 "), Ok(Duration::from_secs(30)));
    }

    #[test]
    fn units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("10 s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("0ms"), Ok(Duration::ZERO));
    }

    #[test]
    fn fractions_round_to_milliseconds() {
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration(".5m"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2."), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.0004s"), Ok(Duration::from_millis(1000)));
        assert_eq!(parse_duration("1.0005s"), Ok(Duration::from_millis(1001)));
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
            "1.0000000001s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} must not parse");
        }
        let e = parse_duration("3y").unwrap_err();
        assert!(e.to_string().contains("\"3y\""), "{e}");
        assert!(parse_duration("99999999999999999999999h").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for (d, text) in [
            (Duration::from_millis(500), "500ms"),
            (Duration::from_secs(3), "3s"),
            (Duration::from_secs(120), "2m"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_millis(1001), "1.001s"),
            (Duration::ZERO, "0ms"),
        ] {
            assert_eq!(format_duration(d), text);
            assert_eq!(parse_duration(text), Ok(d));
        }
    }
}
