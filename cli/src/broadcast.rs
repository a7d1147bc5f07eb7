//! The values of `smpp send --broadcast` (SMPP 5.0 section 4.8.4): areas
//! (`broadcast_area_identifier`), the content type (`broadcast_content_type`) and the
//! repetition interval (`broadcast_frequency_interval`), read from the command line and
//! written back for output.
//!
//! ```
//! use smpp_cli::broadcast::{frequency, Area, ContentType};
//! use std::time::Duration;
//!
//! let area: Area = "name:Zone1".parse().unwrap();
//! assert_eq!(area.value(), b"\x00Zone1");
//! assert_eq!(area.to_string(), "name:Zone1");
//! let ct: ContentType = "gsm:0x0001".parse().unwrap();
//! assert_eq!(ct.0.to_bytes(), [1, 0x00, 0x01]);
//! let f = frequency(Duration::from_secs(120)).unwrap();
//! assert_eq!((f.unit, f.value), (0x09, 2)); // 2 minutes
//! ```

use crate::hex;
use smpp_core::pdu::{BroadcastContentType, BroadcastFrequencyInterval};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Area format 0x00: an alias or name the SMSC knows.
pub const FORMAT_NAME: u8 = 0x00;
/// Area format 0x01: an ellipsoid arc (3GPP TS 23.032).
pub const FORMAT_ELLIPSOID_ARC: u8 = 0x01;
/// Area format 0x02: a polygon (3GPP TS 23.032).
pub const FORMAT_POLYGON: u8 = 0x02;
/// The most octets a `broadcast_area_identifier` value holds (format octet included).
pub const MAX_AREA_LEN: usize = 100;

/// Network type 0: generic.
pub const NETWORK_GENERIC: u8 = 0;
/// Network type 1: GSM (3GPP TS 23.041).
pub const NETWORK_GSM: u8 = 1;
/// Network type 2: TDMA (IS-824, ANSI-41).
pub const NETWORK_TDMA: u8 = 2;
/// Network type 3: CDMA (IS-824, IS-637).
pub const NETWORK_CDMA: u8 = 3;

/// Frequency unit 0x00: as frequently as possible.
pub const UNIT_ASAP: u8 = 0x00;
/// Frequency unit 0x08: seconds.
pub const UNIT_SECONDS: u8 = 0x08;
/// Frequency unit 0x09: minutes.
pub const UNIT_MINUTES: u8 = 0x09;
/// Frequency unit 0x0A: hours.
pub const UNIT_HOURS: u8 = 0x0A;
/// Frequency unit 0x0B: days.
pub const UNIT_DAYS: u8 = 0x0B;
/// Frequency unit 0x0C: weeks.
pub const UNIT_WEEKS: u8 = 0x0C;
/// Frequency unit 0x0D: months.
pub const UNIT_MONTHS: u8 = 0x0D;
/// Frequency unit 0x0E: years.
pub const UNIT_YEARS: u8 = 0x0E;

/// One `broadcast_area_identifier` value: the format octet, then the area.
///
/// Written `name:TEXT` (format 0x00, the text's octets), `arc:HEX` (0x01, the ellipsoid
/// arc's octets in hex), `polygon:HEX` (0x02) or `raw:HEX` (the whole value, format octet
/// first, for the reserved formats). At most [`MAX_AREA_LEN`] octets in all, and an area
/// after the format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Area(Vec<u8>);

impl Area {
    /// The area from a received value (format octet first); `None` when empty.
    pub fn from_value(value: &[u8]) -> Option<Area> {
        (!value.is_empty()).then(|| Area(value.to_vec()))
    }

    /// The TLV value.
    pub fn value(&self) -> &[u8] {
        &self.0
    }
}

impl FromStr for Area {
    type Err = String;

    fn from_str(s: &str) -> Result<Area, String> {
        let (kind, rest) = s.split_once(':').ok_or_else(|| {
            format!("{s:?}: expected FORMAT:AREA (name:TEXT, arc:HEX, polygon:HEX or raw:HEX)")
        })?;
        let hex = |t: &str| hex::decode(t).map_err(|e| format!("{s:?}: {e}"));
        let value = match kind.to_ascii_lowercase().as_str() {
            "name" | "alias" => [&[FORMAT_NAME][..], rest.as_bytes()].concat(),
            "arc" | "ellipsoid-arc" => [vec![FORMAT_ELLIPSOID_ARC], hex(rest)?].concat(),
            "polygon" => [vec![FORMAT_POLYGON], hex(rest)?].concat(),
            "raw" => hex(rest)?,
            other => {
                return Err(format!(
                    "{s:?}: unknown area format {other:?} (name, arc, polygon or raw)"
                ))
            }
        };
        if value.len() < 2 {
            return Err(format!("{s:?}: the area is empty"));
        }
        if value.len() > MAX_AREA_LEN {
            return Err(format!(
                "{s:?}: {} octets, more than the {MAX_AREA_LEN} a broadcast_area_identifier holds",
                value.len()
            ));
        }
        Ok(Area(value))
    }
}

impl fmt::Display for Area {
    /// The form [`Area::from_str`] reads: `name:` for a printable name, else `arc:`,
    /// `polygon:` or `raw:` with hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (format, area) = self.0.split_first().unwrap_or((&0, &[]));
        match *format {
            FORMAT_NAME => match std::str::from_utf8(area) {
                Ok(name) if name.chars().all(|c| !c.is_control()) => write!(f, "name:{name}"),
                _ => write!(f, "raw:{}", hex::encode(&self.0)),
            },
            FORMAT_ELLIPSOID_ARC => write!(f, "arc:{}", hex::encode(area)),
            FORMAT_POLYGON => write!(f, "polygon:{}", hex::encode(area)),
            _ => write!(f, "raw:{}", hex::encode(&self.0)),
        }
    }
}

/// A `broadcast_content_type`, written `NETWORK:TYPE`: NETWORK `generic`, `gsm`, `tdma`,
/// `cdma` or a number 0..=255, TYPE a number 0..=65535 (decimal or `0x` hex), the service
/// (0x0000 index, 0x0001 emergency broadcasts, 0x0002 IRDB download, 0x0010 news flashes,
/// ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentType(pub BroadcastContentType);

fn number<T: TryFrom<u32>>(t: &str) -> Option<T> {
    let t = t.trim();
    let v = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16).ok()?,
        None => t.parse().ok()?,
    };
    T::try_from(v).ok()
}

impl FromStr for ContentType {
    type Err = String;

    fn from_str(s: &str) -> Result<ContentType, String> {
        let (net, ty) = s
            .split_once(':')
            .ok_or_else(|| format!("{s:?}: expected NETWORK:TYPE, e.g. gsm:0x0000"))?;
        let network_type = match net.trim().to_ascii_lowercase().as_str() {
            "generic" => NETWORK_GENERIC,
            "gsm" => NETWORK_GSM,
            "tdma" => NETWORK_TDMA,
            "cdma" => NETWORK_CDMA,
            other => number(other).ok_or_else(|| {
                format!("{s:?}: network type {other:?} is not generic, gsm, tdma, cdma or 0..=255")
            })?,
        };
        let content_type = number(ty)
            .ok_or_else(|| format!("{s:?}: content type {ty:?} is not a number 0..=65535"))?;
        Ok(ContentType(BroadcastContentType {
            network_type,
            content_type,
        }))
    }
}

/// The `broadcast_frequency_interval` for a repetition every `d`: 0 is "as frequently as
/// possible" (unit 0x00); otherwise the largest of weeks, days, hours, minutes and seconds
/// that gives `d` exactly with a value up to 65535. Fails for fractions of a second and
/// for intervals no unit gives exactly.
pub fn frequency(d: Duration) -> Result<BroadcastFrequencyInterval, String> {
    if d.is_zero() {
        return Ok(BroadcastFrequencyInterval {
            unit: UNIT_ASAP,
            value: 0,
        });
    }
    if d.subsec_nanos() != 0 {
        return Err("the broadcast frequency interval counts whole seconds".into());
    }
    let secs = d.as_secs();
    const UNITS: [(u8, u64); 5] = [
        (UNIT_WEEKS, 604_800),
        (UNIT_DAYS, 86_400),
        (UNIT_HOURS, 3_600),
        (UNIT_MINUTES, 60),
        (UNIT_SECONDS, 1),
    ];
    UNITS
        .iter()
        .filter(|(_, len)| secs.is_multiple_of(*len))
        .find_map(|&(unit, len)| {
            let value = u16::try_from(secs / len).ok()?;
            Some(BroadcastFrequencyInterval { unit, value })
        })
        .ok_or_else(|| format!("{secs} s is not a whole number (up to 65535) of one time unit"))
}

/// `broadcast_frequency_interval` as text: `as frequently as possible`, `2 minutes`, ...
pub fn frequency_text(f: BroadcastFrequencyInterval) -> String {
    let unit = match f.unit {
        UNIT_ASAP => return "as frequently as possible".into(),
        UNIT_SECONDS => "seconds",
        UNIT_MINUTES => "minutes",
        UNIT_HOURS => "hours",
        UNIT_DAYS => "days",
        UNIT_WEEKS => "weeks",
        UNIT_MONTHS => "months",
        UNIT_YEARS => "years",
        other => return format!("{} (unit 0x{other:02X})", f.value),
    };
    format!("{} {unit}", f.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_in_every_format_and_back() {
        let a: Area = "name:Zone 1".parse().unwrap();
        assert_eq!(a.value(), b"\x00Zone 1");
        assert_eq!(a.to_string(), "name:Zone 1");
        let a: Area = "arc:0a0B0c".parse().unwrap();
        assert_eq!(a.value(), [1, 0x0a, 0x0b, 0x0c]);
        assert_eq!(a.to_string(), "arc:0a0b0c");
        let a: Area = "POLYGON:0x01020304".parse().unwrap();
        assert_eq!(a.value(), [2, 1, 2, 3, 4]);
        assert_eq!(a.to_string(), "polygon:01020304");
        let a: Area = "raw:07ff".parse().unwrap();
        assert_eq!(a.value(), [7, 0xff]);
        assert_eq!(a.to_string(), "raw:07ff");
        assert_eq!(
            Area::from_value(b"\x00a\nb").unwrap().to_string(),
            "raw:00610a62"
        );
        assert_eq!(Area::from_value(&[]), None);
    }

    #[test]
    fn bad_areas_are_refused() {
        for bad in [
            "Zone1",
            "name:",
            "arc:",
            "arc:xyz",
            "raw:00",
            "circle:01",
            "raw:",
        ] {
            assert!(bad.parse::<Area>().is_err(), "{bad}");
        }
        let long = format!("name:{}", "x".repeat(99));
        assert_eq!(long.parse::<Area>().unwrap().value().len(), 100);
        let longer = format!("name:{}", "x".repeat(100));
        let e = longer.parse::<Area>().unwrap_err();
        assert!(e.contains("101 octets"), "{e}");
    }

    #[test]
    fn content_types() {
        let c = |s: &str| s.parse::<ContentType>().map(|c| c.0.to_bytes());
        assert_eq!(c("gsm:0"), Ok([1, 0, 0]));
        assert_eq!(c("generic:0x0010"), Ok([0, 0, 0x10]));
        assert_eq!(c("CDMA:65535"), Ok([3, 0xff, 0xff]));
        assert_eq!(c("tdma:0x1"), Ok([2, 0, 1]));
        assert_eq!(c("7:258"), Ok([7, 1, 2]));
        for bad in ["gsm", "gsm:65536", "lte:1", "256:1", "gsm:-1", ":1"] {
            assert!(c(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn frequencies_take_the_largest_exact_unit() {
        let f = |secs: u64| frequency(Duration::from_secs(secs)).map(|f| (f.unit, f.value));
        assert_eq!(f(0), Ok((UNIT_ASAP, 0)));
        assert_eq!(f(30), Ok((UNIT_SECONDS, 30)));
        assert_eq!(f(90), Ok((UNIT_SECONDS, 90)));
        assert_eq!(f(120), Ok((UNIT_MINUTES, 2)));
        assert_eq!(f(7_200), Ok((UNIT_HOURS, 2)));
        assert_eq!(f(86_400), Ok((UNIT_DAYS, 1)));
        assert_eq!(f(1_209_600), Ok((UNIT_WEEKS, 2)));
        assert_eq!(f(65_535), Ok((UNIT_SECONDS, 65_535)));
        assert!(f(65_537 * 60).is_err());
        assert!(f(65_537).is_err());
        assert!(frequency(Duration::from_millis(1_500)).is_err());
        assert_eq!(
            frequency_text(frequency(Duration::from_secs(180)).unwrap()),
            "3 minutes"
        );
        assert_eq!(
            frequency_text(BroadcastFrequencyInterval { unit: 0, value: 0 }),
            "as frequently as possible"
        );
    }
}
