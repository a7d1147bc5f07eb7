//! Delivery receipts in the SMPP 3.4 Appendix B text form:
//!
//! ```text
//! id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...
//! ```
//!
//! [`parse_receipt`] is tolerant of what SMSCs really send: keys in any case (`Id:`, `ID:`),
//! `submit date` spelled `submit_date`, `Submit Date` or `submitdate`, `stat`/`status`,
//! `err`/`error`, spaces around the colon, missing fields and fields in another order. A key is
//! recognised where it is not preceded by a letter or `_` and is followed (after optional
//! spaces) by `:`. Each value runs to the next key and is trimmed of whitespace and NULs;
//! `text:` runs to the end of the input, so it may contain spaces and colons. Values are
//! borrowed from the input; input that is not UTF-8 never panics: a value is cut at its first
//! invalid UTF-8 sequence. Parsing fails only when none of the keys is present.
//!
//! [`Receipt`] keeps every field as the raw text slice and offers typed helpers
//! ([`Receipt::state`], [`Receipt::done_time`], [`Receipt::id_hex`], ...). [`ReceiptDate`] is a
//! validated `YYMMDDhhmm[ss]` date. With `alloc`, [`ReceiptFields`] is an owned, typed receipt
//! that formats the standard form, and [`reconcile`] merges a text receipt with the
//! authoritative TLV values.

use core::fmt;

#[cfg(feature = "alloc")]
use alloc::string::String;

use super::state::MessageState;

/// A field of a text receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReceiptField {
    /// `id:`, the message id.
    Id,
    /// `sub:`, number of messages originally submitted.
    Sub,
    /// `dlvrd:`, number of messages delivered.
    Dlvrd,
    /// `submit date:`.
    SubmitDate,
    /// `done date:`.
    DoneDate,
    /// `stat:`, the final state.
    Stat,
    /// `err:`, a network or SMSC error code.
    Err,
    /// `text:`, the start of the original message.
    Text,
}

impl ReceiptField {
    /// The key as written in the standard form (without the colon).
    pub const fn key(self) -> &'static str {
        match self {
            ReceiptField::Id => "id",
            ReceiptField::Sub => "sub",
            ReceiptField::Dlvrd => "dlvrd",
            ReceiptField::SubmitDate => "submit date",
            ReceiptField::DoneDate => "done date",
            ReceiptField::Stat => "stat",
            ReceiptField::Err => "err",
            ReceiptField::Text => "text",
        }
    }
}

/// Why a receipt or a receipt date could not be parsed or converted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The input contains none of the receipt keys.
    NotAReceipt,
    /// A date is not 10 or 12 digits or not a valid date and time.
    InvalidDate,
    /// A field needed for the conversion is missing.
    MissingField(ReceiptField),
    /// A field's value cannot be interpreted.
    InvalidField(ReceiptField),
}

impl fmt::Display for ReceiptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReceiptError::NotAReceipt => f.write_str("text is not a delivery receipt"),
            ReceiptError::InvalidDate => f.write_str("invalid receipt date"),
            ReceiptError::MissingField(field) => {
                write!(f, "receipt field `{}` is missing", field.key())
            }
            ReceiptError::InvalidField(field) => {
                write!(f, "receipt field `{}` has an invalid value", field.key())
            }
        }
    }
}

impl core::error::Error for ReceiptError {}

/// A receipt date, `YYMMDDhhmm` with optional seconds, validated on construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReceiptDate {
    year: u8,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: Option<u8>,
}

const fn days_in_month(year: u8, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        // Two-digit years are taken as 2000..=2099, where every fourth year is a leap year.
        2 if year % 4 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl ReceiptDate {
    /// A date from its parts: two-digit year 0..=99, month 1..=12, a day that exists in that
    /// month (years taken as 2000..=2099), hour 0..=23, minute 0..=59, second 0..=59.
    pub const fn new(
        year: u8,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: Option<u8>,
    ) -> Result<ReceiptDate, ReceiptError> {
        let second_ok = match second {
            Some(s) => s <= 59,
            None => true,
        };
        if year > 99
            || month == 0
            || month > 12
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || !second_ok
        {
            return Err(ReceiptError::InvalidDate);
        }
        Ok(ReceiptDate {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }

    /// Parses `YYMMDDhhmm` or `YYMMDDhhmmss` (surrounding whitespace ignored).
    pub fn parse(s: &str) -> Result<ReceiptDate, ReceiptError> {
        ReceiptDate::parse_bytes(s.trim().as_bytes())
    }

    /// Parses `YYMMDDhhmm` or `YYMMDDhhmmss` from octets.
    pub fn parse_bytes(s: &[u8]) -> Result<ReceiptDate, ReceiptError> {
        if !(s.len() == 10 || s.len() == 12) || !s.iter().all(u8::is_ascii_digit) {
            return Err(ReceiptError::InvalidDate);
        }
        let two = |i: usize| -> u8 {
            let d = |j: usize| s.get(j).map_or(0, |b| b - b'0');
            d(i) * 10 + d(i + 1)
        };
        let second = if s.len() == 12 { Some(two(10)) } else { None };
        ReceiptDate::new(two(0), two(2), two(4), two(6), two(8), second)
    }

    /// The two-digit year.
    pub const fn year(&self) -> u8 {
        self.year
    }

    /// The year taken as 2000..=2099.
    pub const fn full_year(&self) -> u16 {
        2000 + self.year as u16
    }

    /// The month, 1..=12.
    pub const fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub const fn day(&self) -> u8 {
        self.day
    }

    /// The hour, 0..=23.
    pub const fn hour(&self) -> u8 {
        self.hour
    }

    /// The minute, 0..=59.
    pub const fn minute(&self) -> u8 {
        self.minute
    }

    /// The second, when the date had one.
    pub const fn second(&self) -> Option<u8> {
        self.second
    }
}

impl fmt::Display for ReceiptDate {
    /// `YYMMDDhhmm`, followed by `ss` when the date has seconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute
        )?;
        if let Some(s) = self.second {
            write!(f, "{:02}", s)?;
        }
        Ok(())
    }
}

/// A parsed text receipt: raw field values borrowed from the input, plus typed helpers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Receipt<'a> {
    /// `id:` value.
    pub id: Option<&'a str>,
    /// `sub:` value.
    pub sub: Option<&'a str>,
    /// `dlvrd:` value.
    pub dlvrd: Option<&'a str>,
    /// `submit date:` value.
    pub submit_date: Option<&'a str>,
    /// `done date:` value.
    pub done_date: Option<&'a str>,
    /// `stat:` value.
    pub stat: Option<&'a str>,
    /// `err:` value.
    pub err: Option<&'a str>,
    /// `text:` value (everything after the key).
    pub text: Option<&'a str>,
}

fn parse_decimal(s: &str) -> Option<u128> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u128, |acc, b| {
        let d = char::from(b).to_digit(10)?;
        acc.checked_mul(10)?.checked_add(u128::from(d))
    })
}

fn parse_hex(s: &str) -> Option<u128> {
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u128, |acc, b| {
        let d = char::from(b).to_digit(16)?;
        acc.checked_mul(16)?.checked_add(u128::from(d))
    })
}

fn parse_u32(s: Option<&str>) -> Option<u32> {
    parse_decimal(s?).and_then(|v| u32::try_from(v).ok())
}

impl<'a> Receipt<'a> {
    /// The raw value of a field.
    pub const fn get(&self, field: ReceiptField) -> Option<&'a str> {
        match field {
            ReceiptField::Id => self.id,
            ReceiptField::Sub => self.sub,
            ReceiptField::Dlvrd => self.dlvrd,
            ReceiptField::SubmitDate => self.submit_date,
            ReceiptField::DoneDate => self.done_date,
            ReceiptField::Stat => self.stat,
            ReceiptField::Err => self.err,
            ReceiptField::Text => self.text,
        }
    }

    fn slot(&mut self, field: ReceiptField) -> &mut Option<&'a str> {
        match field {
            ReceiptField::Id => &mut self.id,
            ReceiptField::Sub => &mut self.sub,
            ReceiptField::Dlvrd => &mut self.dlvrd,
            ReceiptField::SubmitDate => &mut self.submit_date,
            ReceiptField::DoneDate => &mut self.done_date,
            ReceiptField::Stat => &mut self.stat,
            ReceiptField::Err => &mut self.err,
            ReceiptField::Text => &mut self.text,
        }
    }

    /// `sub:` as a number.
    pub fn submitted(&self) -> Option<u32> {
        parse_u32(self.sub)
    }

    /// `dlvrd:` as a number.
    pub fn delivered(&self) -> Option<u32> {
        parse_u32(self.dlvrd)
    }

    /// `err:` as a decimal number.
    pub fn error_code(&self) -> Option<u32> {
        parse_u32(self.err)
    }

    /// `submit date:` as a date, when present and valid.
    pub fn submit_time(&self) -> Option<ReceiptDate> {
        ReceiptDate::parse(self.submit_date?).ok()
    }

    /// `done date:` as a date, when present and valid.
    pub fn done_time(&self) -> Option<ReceiptDate> {
        ReceiptDate::parse(self.done_date?).ok()
    }

    /// `stat:` as a message state, when recognised
    /// ([`MessageState::from_receipt_stat`]); the raw text stays in [`Receipt::stat`].
    pub fn state(&self) -> Option<MessageState> {
        MessageState::from_receipt_stat(self.stat?)
    }

    /// The id read as a decimal number (`None` if it is not one or exceeds 128 bits).
    pub fn id_decimal(&self) -> Option<u128> {
        parse_decimal(self.id?)
    }

    /// The id read as a hexadecimal number, with or without `0x`.
    pub fn id_hex(&self) -> Option<u128> {
        parse_hex(self.id?)
    }

    /// Writes the fields that are present, in the standard order, as `key:value` separated by
    /// single spaces (values as they are, `text` untruncated).
    pub fn write_to<W: fmt::Write + ?Sized>(&self, w: &mut W) -> fmt::Result {
        const ORDER: [ReceiptField; 8] = [
            ReceiptField::Id,
            ReceiptField::Sub,
            ReceiptField::Dlvrd,
            ReceiptField::SubmitDate,
            ReceiptField::DoneDate,
            ReceiptField::Stat,
            ReceiptField::Err,
            ReceiptField::Text,
        ];
        let mut first = true;
        for field in ORDER {
            if let Some(v) = self.get(field) {
                if !first {
                    w.write_char(' ')?;
                }
                first = false;
                w.write_str(field.key())?;
                w.write_char(':')?;
                w.write_str(v)?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Receipt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

const fn is_trim(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0)
}

fn starts_with_ci(input: &[u8], pos: usize, word: &[u8]) -> Option<usize> {
    let end = pos.checked_add(word.len())?;
    let s = input.get(pos..end)?;
    s.eq_ignore_ascii_case(word).then_some(end)
}

/// Matches a key at `pos`, returning the field and the offset just after its colon.
fn match_key(input: &[u8], pos: usize) -> Option<(ReceiptField, usize)> {
    if pos > 0 {
        let prev = *input.get(pos - 1)?;
        if prev.is_ascii_alphabetic() || prev == b'_' {
            return None;
        }
    }
    let first = input.get(pos)?.to_ascii_lowercase();
    let two_words = |a: &[u8], b: &[u8]| -> Option<usize> {
        let mut p = starts_with_ci(input, pos, a)?;
        while matches!(input.get(p), Some(b' ' | b'\t' | b'_' | b'-')) {
            p += 1;
        }
        starts_with_ci(input, p, b)
    };
    let (field, after) = match first {
        b'i' => (ReceiptField::Id, starts_with_ci(input, pos, b"id")?),
        b's' => {
            if let Some(p) = two_words(b"submit", b"date") {
                (ReceiptField::SubmitDate, p)
            } else if let Some(p) = starts_with_ci(input, pos, b"status") {
                (ReceiptField::Stat, p)
            } else if let Some(p) = starts_with_ci(input, pos, b"stat") {
                (ReceiptField::Stat, p)
            } else {
                (ReceiptField::Sub, starts_with_ci(input, pos, b"sub")?)
            }
        }
        b'd' => {
            if let Some(p) = two_words(b"done", b"date") {
                (ReceiptField::DoneDate, p)
            } else {
                (ReceiptField::Dlvrd, starts_with_ci(input, pos, b"dlvrd")?)
            }
        }
        b'e' => {
            if let Some(p) = starts_with_ci(input, pos, b"error") {
                (ReceiptField::Err, p)
            } else {
                (ReceiptField::Err, starts_with_ci(input, pos, b"err")?)
            }
        }
        b't' => (ReceiptField::Text, starts_with_ci(input, pos, b"text")?),
        _ => return None,
    };
    let mut p = after;
    while matches!(input.get(p), Some(b' ' | b'\t')) {
        p += 1;
    }
    (input.get(p) == Some(&b':')).then_some((field, p + 1))
}

/// Trims a value and cuts it at the first invalid UTF-8 sequence.
fn value(raw: &[u8]) -> &str {
    let start = raw.iter().position(|&b| !is_trim(b)).unwrap_or(raw.len());
    let end = raw
        .iter()
        .rposition(|&b| !is_trim(b))
        .map_or(start, |i| i + 1);
    let raw = raw.get(start..end.max(start)).unwrap_or(&[]);
    let s = match core::str::from_utf8(raw) {
        Ok(s) => s,
        Err(e) => {
            let valid = raw.get(..e.valid_up_to()).unwrap_or(&[]);
            core::str::from_utf8(valid).unwrap_or("")
        }
    };
    s.trim_end_matches(['\0', ' ', '\t', '\r', '\n'])
}

/// Parses a text receipt; see the module documentation for the accepted variants.
pub fn parse_receipt<'a>(input: &'a [u8]) -> Result<Receipt<'a>, ReceiptError> {
    let mut receipt = Receipt::default();
    let mut found = false;
    let mut current: Option<(ReceiptField, usize)> = None;
    let mut pos = 0usize;
    let store = |receipt: &mut Receipt<'a>, cur: Option<(ReceiptField, usize)>, end: usize| {
        if let Some((field, start)) = cur {
            let slot = receipt.slot(field);
            if slot.is_none() {
                *slot = Some(value(input.get(start..end).unwrap_or(&[])));
            }
        }
    };
    while pos < input.len() {
        match match_key(input, pos) {
            Some((field, value_start)) => {
                found = true;
                store(&mut receipt, current, pos);
                if field == ReceiptField::Text && receipt.text.is_none() {
                    current = Some((field, value_start));
                    pos = input.len();
                    break;
                }
                current = Some((field, value_start));
                pos = value_start;
            }
            None => pos += 1,
        }
    }
    store(&mut receipt, current, pos.min(input.len()));
    if found {
        Ok(receipt)
    } else {
        Err(ReceiptError::NotAReceipt)
    }
}

/// `true` when two message ids denote the same message: equal ignoring ASCII case, or equal as
/// numbers when each is read as decimal or hexadecimal (SMSCs often give the id in decimal in
/// the text and in hex in `receipted_message_id`, or the other way round). Numeric matching can
/// in principle equate unrelated ids; compare within one SMSC connection.
pub fn ids_match(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let (da, ha) = (parse_decimal(a), parse_hex(a));
    let (db, hb) = (parse_decimal(b), parse_hex(b));
    let eq = |x: Option<u128>, y: Option<u128>| matches!((x, y), (Some(x), Some(y)) if x == y);
    eq(da, db) || eq(ha, hb) || eq(da, hb) || eq(ha, db)
}

/// The `network_error_code` TLV value: network type and error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NetworkErrorCode {
    /// 1 ANSI-136, 2 IS-95, 3 GSM; other values as sent.
    pub network_type: u8,
    /// The network-specific error code.
    pub error_code: u16,
}

impl NetworkErrorCode {
    /// From the three TLV octets (type, then the code big-endian).
    pub const fn from_bytes(b: [u8; 3]) -> NetworkErrorCode {
        NetworkErrorCode {
            network_type: b[0],
            error_code: u16::from_be_bytes([b[1], b[2]]),
        }
    }

    /// The three TLV octets.
    pub const fn to_bytes(self) -> [u8; 3] {
        let [hi, lo] = self.error_code.to_be_bytes();
        [self.network_type, hi, lo]
    }
}

/// Where a reconciled value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueSource {
    /// A TLV (authoritative).
    Tlv,
    /// The receipt text.
    Text,
}

/// A receipt's values merged from the TLVs and the text; see [`reconcile`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReceiptInfo<'a> {
    /// The message id: `receipted_message_id` if present and valid, else the text's `id:`.
    pub message_id: Option<&'a str>,
    /// Where `message_id` came from.
    pub message_id_source: Option<ValueSource>,
    /// When both ids are present, whether they match ([`ids_match`]).
    pub ids_agree: Option<bool>,
    /// The state: `message_state` if present, else the text's `stat:` when recognised.
    pub state: Option<MessageState>,
    /// Where `state` came from.
    pub state_source: Option<ValueSource>,
    /// The `network_error_code` TLV, if present.
    pub network_error: Option<NetworkErrorCode>,
    /// The text receipt, for the fields that only it carries (counts, dates, `err:`, text).
    pub text: Option<Receipt<'a>>,
}

/// Merges a parsed text receipt with the receipt TLVs of the same `deliver_sm`, preferring the
/// TLVs. `receipted_message_id` is the raw TLV value (a C-octet string: trailing NULs are
/// ignored); if it is empty or not UTF-8 the text id is used.
pub fn reconcile<'a>(
    text: Option<Receipt<'a>>,
    receipted_message_id: Option<&'a [u8]>,
    message_state: Option<u8>,
    network_error_code: Option<[u8; 3]>,
) -> ReceiptInfo<'a> {
    let tlv_id = receipted_message_id.and_then(|raw| {
        let end = raw.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        core::str::from_utf8(raw.get(..end)?)
            .ok()
            .filter(|s| !s.is_empty())
    });
    let text_id = text.and_then(|r| r.id).filter(|s| !s.is_empty());
    let (message_id, message_id_source) = match (tlv_id, text_id) {
        (Some(id), _) => (Some(id), Some(ValueSource::Tlv)),
        (None, Some(id)) => (Some(id), Some(ValueSource::Text)),
        (None, None) => (None, None),
    };
    let ids_agree = match (tlv_id, text_id) {
        (Some(a), Some(b)) => Some(ids_match(a, b)),
        _ => None,
    };
    let text_state = text.and_then(|r| r.state());
    let (state, state_source) = match (message_state, text_state) {
        (Some(v), _) => (Some(MessageState::from_u8(v)), Some(ValueSource::Tlv)),
        (None, Some(s)) => (Some(s), Some(ValueSource::Text)),
        (None, None) => (None, None),
    };
    ReceiptInfo {
        message_id,
        message_id_source,
        ids_agree,
        state,
        state_source,
        network_error: network_error_code.map(NetworkErrorCode::from_bytes),
        text,
    }
}

/// An owned, typed receipt that formats the standard text form.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReceiptFields {
    /// The message id.
    pub id: String,
    /// Messages submitted.
    pub sub: u32,
    /// Messages delivered.
    pub dlvrd: u32,
    /// Submission date.
    pub submit_date: ReceiptDate,
    /// Completion date.
    pub done_date: ReceiptDate,
    /// Final state. [`MessageState::Other`] is written as `UNKNOWN`.
    pub stat: MessageState,
    /// Error code.
    pub err: u16,
    /// The message text; only its first 20 characters are written.
    pub text: String,
}

#[cfg(feature = "alloc")]
impl ReceiptFields {
    /// Writes `id:{id} sub:{sub:03} dlvrd:{dlvrd:03} submit date:{date} done date:{date}
    /// stat:{STAT} err:{err:03} text:{first 20 characters}`.
    pub fn write_to<W: fmt::Write + ?Sized>(&self, w: &mut W) -> fmt::Result {
        write!(
            w,
            "id:{} sub:{:03} dlvrd:{:03} submit date:{} done date:{} stat:{} err:{:03} text:",
            self.id,
            self.sub,
            self.dlvrd,
            self.submit_date,
            self.done_date,
            self.stat.receipt_stat(),
            self.err
        )?;
        for c in self.text.chars().take(20) {
            w.write_char(c)?;
        }
        Ok(())
    }

    /// Converts a parsed receipt. Every field except `text` must be present and valid; a
    /// missing `text` becomes empty.
    pub fn from_receipt(r: &Receipt<'_>) -> Result<ReceiptFields, ReceiptError> {
        use ReceiptError::{InvalidField, MissingField};
        let need = |f: ReceiptField| r.get(f).ok_or(MissingField(f));
        let id = need(ReceiptField::Id)?;
        need(ReceiptField::Sub)?;
        let sub = r.submitted().ok_or(InvalidField(ReceiptField::Sub))?;
        need(ReceiptField::Dlvrd)?;
        let dlvrd = r.delivered().ok_or(InvalidField(ReceiptField::Dlvrd))?;
        let submit_date = ReceiptDate::parse(need(ReceiptField::SubmitDate)?)?;
        let done_date = ReceiptDate::parse(need(ReceiptField::DoneDate)?)?;
        need(ReceiptField::Stat)?;
        let stat = r.state().ok_or(InvalidField(ReceiptField::Stat))?;
        need(ReceiptField::Err)?;
        let err = r
            .error_code()
            .and_then(|e| u16::try_from(e).ok())
            .ok_or(InvalidField(ReceiptField::Err))?;
        Ok(ReceiptFields {
            id: id.into(),
            sub,
            dlvrd,
            submit_date,
            done_date,
            stat,
            err,
            text: r.text.unwrap_or("").into(),
        })
    }
}

#[cfg(feature = "alloc")]
impl fmt::Display for ReceiptFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

#[cfg(feature = "alloc")]
impl TryFrom<&Receipt<'_>> for ReceiptFields {
    type Error = ReceiptError;

    fn try_from(r: &Receipt<'_>) -> Result<ReceiptFields, ReceiptError> {
        ReceiptFields::from_receipt(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden() {
        let r = parse_receipt(
            b"id:6f1d2a sub:001 dlvrd:001 submit date:2611212300 done date:2611212301 stat:DELIVRD err:000 text:Hello world",
        )
        .unwrap();
        assert_eq!(r.id, Some("6f1d2a"));
        assert_eq!(r.sub, Some("001"));
        assert_eq!(r.dlvrd, Some("001"));
        assert_eq!(r.submit_date, Some("2611212300"));
        assert_eq!(r.done_date, Some("2611212301"));
        assert_eq!(r.stat, Some("DELIVRD"));
        assert_eq!(r.err, Some("000"));
        assert_eq!(r.text, Some("Hello world"));
        assert_eq!(r.submitted(), Some(1));
        assert_eq!(r.state(), Some(MessageState::Delivered));
        assert_eq!(r.error_code(), Some(0));
        assert_eq!(r.id_hex(), Some(0x6f1d2a));
        assert_eq!(r.id_decimal(), None);
        let d = r.done_time().unwrap();
        assert_eq!(
            (
                d.full_year(),
                d.month(),
                d.day(),
                d.hour(),
                d.minute(),
                d.second()
            ),
            (2026, 11, 21, 23, 1, None)
        );
    }

    #[test]
    fn variants() {
        let r = parse_receipt(
            b"ID:12345 Sub:1 DLVRD:1 Submit_Date:261121230005 DONE DATE : 2611212301 Status :undeliv Error:12 Text:a: b c ",
        )
        .unwrap();
        assert_eq!(r.id, Some("12345"));
        assert_eq!(r.sub, Some("1"));
        assert_eq!(r.submit_date, Some("261121230005"));
        assert_eq!(r.submit_time().and_then(|d| d.second()), Some(5));
        assert_eq!(r.done_date, Some("2611212301"));
        assert_eq!(r.state(), Some(MessageState::Undeliverable));
        assert_eq!(r.err, Some("12"));
        assert_eq!(r.text, Some("a: b c"));
        assert_eq!(r.id_decimal(), Some(12345));

        // Missing fields, no spaces between numeric fields and keys.
        let r = parse_receipt(b"id:99sub:002 stat:WEIRD").unwrap();
        assert_eq!(r.id, Some("99"));
        assert_eq!(r.sub, Some("002"));
        assert_eq!(r.stat, Some("WEIRD"));
        assert_eq!(r.state(), None);
        assert_eq!(r.dlvrd, None);
        assert_eq!(r.text, None);

        assert_eq!(
            parse_receipt(b"hello world"),
            Err(ReceiptError::NotAReceipt)
        );
        assert_eq!(parse_receipt(b""), Err(ReceiptError::NotAReceipt));
        // "valid:" must not be taken for "id:".
        assert_eq!(parse_receipt(b"valid: yes"), Err(ReceiptError::NotAReceipt));
    }

    #[test]
    fn non_utf8() {
        let r = parse_receipt(b"id:ab\xFFcd stat:DELIVRD text:\xC3").unwrap();
        assert_eq!(r.id, Some("ab"));
        assert_eq!(r.stat, Some("DELIVRD"));
        assert_eq!(r.text, Some(""));
    }

    #[test]
    fn dates() {
        assert!(ReceiptDate::parse("2402291200").is_ok());
        assert_eq!(
            ReceiptDate::parse("2302291200"),
            Err(ReceiptError::InvalidDate)
        );
        assert_eq!(
            ReceiptDate::parse("2613011200"),
            Err(ReceiptError::InvalidDate)
        );
        assert_eq!(
            ReceiptDate::parse("2612012400"),
            Err(ReceiptError::InvalidDate)
        );
        assert_eq!(
            ReceiptDate::parse("261201230060"),
            Err(ReceiptError::InvalidDate)
        );
        assert_eq!(
            ReceiptDate::parse("26120123"),
            Err(ReceiptError::InvalidDate)
        );
        assert_eq!(
            ReceiptDate::parse("26120123ab"),
            Err(ReceiptError::InvalidDate)
        );
        assert_eq!(
            ReceiptDate::new(26, 4, 31, 0, 0, None),
            Err(ReceiptError::InvalidDate)
        );
    }

    #[test]
    fn id_matching() {
        assert!(ids_match("ABC", "abc"));
        assert!(ids_match("255", "ff"));
        assert!(ids_match("0x1F", "31"));
        assert!(ids_match("007", "7"));
        assert!(!ids_match("abc", "abd"));
        assert!(!ids_match("", ""));
    }

    #[test]
    fn reconcile_prefers_tlvs() {
        let r = parse_receipt(b"id:255 stat:DELIVRD err:000").unwrap();
        let info = reconcile(Some(r), Some(b"ff\0"), Some(5), Some([3, 0, 34]));
        assert_eq!(info.message_id, Some("ff"));
        assert_eq!(info.message_id_source, Some(ValueSource::Tlv));
        assert_eq!(info.ids_agree, Some(true));
        assert_eq!(info.state, Some(MessageState::Undeliverable));
        assert_eq!(info.state_source, Some(ValueSource::Tlv));
        assert_eq!(
            info.network_error,
            Some(NetworkErrorCode {
                network_type: 3,
                error_code: 34
            })
        );
        let info = reconcile(Some(r), Some(b"\xFF"), None, None);
        assert_eq!(info.message_id, Some("255"));
        assert_eq!(info.message_id_source, Some(ValueSource::Text));
        assert_eq!(info.state, Some(MessageState::Delivered));
        assert_eq!(info.state_source, Some(ValueSource::Text));
        let info = reconcile(None, None, None, None);
        assert_eq!(info.message_id, None);
        assert_eq!(info.state, None);
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn format_standard() {
        use alloc::string::ToString;
        let f = ReceiptFields {
            id: "6f1d2a".into(),
            sub: 1,
            dlvrd: 1,
            submit_date: ReceiptDate::parse("2611212300").unwrap(),
            done_date: ReceiptDate::parse("2611212301").unwrap(),
            stat: MessageState::Delivered,
            err: 0,
            text: "Hello world, this is longer than twenty".into(),
        };
        let s = f.to_string();
        assert_eq!(
            s,
            "id:6f1d2a sub:001 dlvrd:001 submit date:2611212300 done date:2611212301 stat:DELIVRD err:000 text:Hello world, this is"
        );
        let back = ReceiptFields::from_receipt(&parse_receipt(s.as_bytes()).unwrap()).unwrap();
        assert_eq!(back.text, "Hello world, this is");
        assert_eq!(back.id, f.id);
        assert_eq!(back.done_date, f.done_date);
        let r = parse_receipt(s.as_bytes()).unwrap();
        assert_eq!(r.to_string(), s);
        assert_eq!(
            ReceiptFields::from_receipt(&parse_receipt(b"id:1 sub:x").unwrap()),
            Err(ReceiptError::InvalidField(ReceiptField::Sub))
        );
        assert_eq!(
            ReceiptFields::from_receipt(&parse_receipt(b"sub:1").unwrap()),
            Err(ReceiptError::MissingField(ReceiptField::Id))
        );
    }
}
