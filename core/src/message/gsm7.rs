//! The GSM 03.38 default alphabet (3GPP TS 23.038 §6.2.1) and its extension table.
//!
//! * **Unpacked** septets are one septet per octet (high bit clear): what most SMSCs expect in
//!   `short_message` with `data_coding` 0.
//! * **Packed** septets are the air-interface form: seven bits per character, least significant
//!   bit first. A *fill-bit* offset (0..=6) shifts the first septet so that it starts on a septet
//!   boundary after a user data header (TS 23.040 §9.2.3.24); see [`fill_bits_after_udh`].
//!
//! Decoding choices:
//!
//! * An escape (0x1B) followed by a code that the extension table does not define decodes as the
//!   basic-table character for that code (TS 23.038 §6.2.1.1). `1B 1B` (reserved for a further
//!   extension table) decodes as a space, as the specification asks.
//! * A trailing lone escape decodes as a space, for the same reason.
//! * Packed decoding takes an explicit septet count ([`decode_packed`]). When the count must be
//!   inferred from the octet length ([`packed_septet_count`], [`decode_packed_auto`]), a final
//!   `<CR>` occupying exactly the last seven bits is treated as padding and dropped
//!   (TS 23.038 §6.1.2.3.1). Zero padding from non-conforming senders decodes as a trailing `@`
//!   that is kept, because it cannot be told apart from a genuine `@`.
//! * Packing ([`pack`], [`encode_packed`]) pads seven spare bits with `<CR>`, and
//!   [`encode_packed`] adds a second `<CR>` when the text itself ends with `<CR>` on an octet
//!   boundary, as the same clause requires.

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};

use super::coding::Encoding;
use super::error::TextError;

/// The escape septet that selects the extension table for the following septet.
pub const ESCAPE: u8 = 0x1B;

/// `<CR>`, used as padding in packed form.
pub const CR: u8 = 0x0D;

/// The basic table: index = septet value. Entry 0x1B is the escape and never decodes to itself;
/// it holds a space, which is what a reserved escape displays as.
const BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', ' ', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The extension table entries (code after the escape, character).
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// How one character is written in the default alphabet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GsmChar {
    /// A single septet from the basic table.
    Basic(u8),
    /// The escape septet followed by this extension-table code.
    Extended(u8),
}

impl GsmChar {
    /// Number of septets the character occupies (1 or 2).
    pub const fn septets(self) -> usize {
        match self {
            GsmChar::Basic(_) => 1,
            GsmChar::Extended(_) => 2,
        }
    }
}

/// Looks a character up in the basic and extension tables.
pub const fn encode_char(c: char) -> Option<GsmChar> {
    use GsmChar::{Basic, Extended};
    let code = match c {
        'A'..='Z' | 'a'..='z' | '0'..='9' => c as u8,
        ' ' | '!' | '"' | '#' | '%' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | '-' | '.'
        | '/' | ':' | ';' | '<' | '=' | '>' | '?' => c as u8,
        '@' => 0x00,
        '£' => 0x01,
        '$' => 0x02,
        '¥' => 0x03,
        'è' => 0x04,
        'é' => 0x05,
        'ù' => 0x06,
        'ì' => 0x07,
        'ò' => 0x08,
        'Ç' => 0x09,
        '\n' => 0x0A,
        'Ø' => 0x0B,
        'ø' => 0x0C,
        '\r' => 0x0D,
        'Å' => 0x0E,
        'å' => 0x0F,
        'Δ' => 0x10,
        '_' => 0x11,
        'Φ' => 0x12,
        'Γ' => 0x13,
        'Λ' => 0x14,
        'Ω' => 0x15,
        'Π' => 0x16,
        'Ψ' => 0x17,
        'Σ' => 0x18,
        'Θ' => 0x19,
        'Ξ' => 0x1A,
        'Æ' => 0x1C,
        'æ' => 0x1D,
        'ß' => 0x1E,
        'É' => 0x1F,
        '¤' => 0x24,
        '¡' => 0x40,
        'Ä' => 0x5B,
        'Ö' => 0x5C,
        'Ñ' => 0x5D,
        'Ü' => 0x5E,
        '§' => 0x5F,
        '¿' => 0x60,
        'ä' => 0x7B,
        'ö' => 0x7C,
        'ñ' => 0x7D,
        'ü' => 0x7E,
        'à' => 0x7F,
        '\u{0C}' => return Some(Extended(0x0A)),
        '^' => return Some(Extended(0x14)),
        '{' => return Some(Extended(0x28)),
        '}' => return Some(Extended(0x29)),
        '\\' => return Some(Extended(0x2F)),
        '[' => return Some(Extended(0x3C)),
        '~' => return Some(Extended(0x3D)),
        ']' => return Some(Extended(0x3E)),
        '|' => return Some(Extended(0x40)),
        '€' => return Some(Extended(0x65)),
        _ => return None,
    };
    Some(Basic(code))
}

/// `true` when the character is in the basic or extension table.
pub const fn is_gsm_char(c: char) -> bool {
    encode_char(c).is_some()
}

/// The basic-table character for a septet (only the low seven bits are used). 0x1B, the
/// escape, maps to a space.
pub const fn decode_basic(septet: u8) -> char {
    BASIC[(septet & 0x7F) as usize]
}

/// The extension-table character for a code that followed an escape, or `None` when the table
/// does not define it.
pub const fn decode_extension(code: u8) -> Option<char> {
    let mut i = 0;
    while i < EXTENSION.len() {
        if EXTENSION[i].0 == code {
            return Some(EXTENSION[i].1);
        }
        i += 1;
    }
    None
}

/// What an escape followed by `code` displays as: the extension character, a space for the
/// reserved `1B 1B`, else the basic-table character for `code` (TS 23.038 §6.2.1.1).
pub const fn decode_escaped(code: u8) -> char {
    match decode_extension(code) {
        Some(c) => c,
        None if code == ESCAPE => ' ',
        None => decode_basic(code),
    }
}

/// Number of septets `text` needs (extension characters count 2), or `None` when some
/// character is not in the default alphabet.
pub fn septet_len(text: &str) -> Option<usize> {
    let mut n = 0usize;
    for c in text.chars() {
        n += encode_char(c)?.septets();
    }
    Some(n)
}

/// The first character that the default alphabet cannot represent, as an error.
pub fn check(text: &str) -> Result<(), TextError> {
    for (char_index, (byte_offset, c)) in text.char_indices().enumerate() {
        if encode_char(c).is_none() {
            return Err(TextError::Unrepresentable {
                character: c,
                char_index,
                byte_offset,
                encoding: Encoding::Gsm7,
            });
        }
    }
    Ok(())
}

/// Iterates the unpacked septets of `text`, replacing unrepresentable characters with `?`
/// when `lossy`, or stopping with an error otherwise.
fn for_each_septet(
    text: &str,
    lossy: bool,
    mut f: impl FnMut(u8) -> Result<(), TextError>,
) -> Result<(), TextError> {
    for (char_index, (byte_offset, c)) in text.char_indices().enumerate() {
        match encode_char(c) {
            Some(GsmChar::Basic(b)) => f(b)?,
            Some(GsmChar::Extended(b)) => {
                f(ESCAPE)?;
                f(b)?;
            }
            None if lossy => f(b'?')?,
            None => {
                return Err(TextError::Unrepresentable {
                    character: c,
                    char_index,
                    byte_offset,
                    encoding: Encoding::Gsm7,
                })
            }
        }
    }
    Ok(())
}

/// Encodes `text` as unpacked septets into `out`, returning the number of octets written.
/// Works without `alloc`.
pub fn encode_unpacked_into(text: &str, out: &mut [u8]) -> Result<usize, TextError> {
    let mut n = 0usize;
    for_each_septet(text, false, |b| {
        let slot = out.get_mut(n).ok_or(TextError::BufferTooSmall)?;
        *slot = b;
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

/// Encodes `text` as unpacked septets (one per octet).
#[cfg(feature = "alloc")]
pub fn encode_unpacked(text: &str) -> Result<Vec<u8>, TextError> {
    let mut out = Vec::with_capacity(text.len());
    for_each_septet(text, false, |b| {
        out.push(b);
        Ok(())
    })?;
    Ok(out)
}

/// Encodes `text` as unpacked septets, writing `?` for characters outside the alphabet.
#[cfg(feature = "alloc")]
pub fn encode_unpacked_lossy(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    // The closure never fails and lossy mode never reports unrepresentable characters.
    let _ = for_each_septet(text, true, |b| {
        out.push(b);
        Ok(())
    });
    out
}

/// Fill bits that put the first septet on a septet boundary after a UDH of `udh_octets` octets
/// (UDHL octet included), per TS 23.040 §9.2.3.24.
pub const fn fill_bits_after_udh(udh_octets: usize) -> u8 {
    let bits = (udh_octets % 7) * 8;
    ((7 - bits % 7) % 7) as u8
}

/// Octets needed to pack `septets` septets after `fill_bits` fill bits (0 for no septets).
pub const fn packed_len(septets: usize, fill_bits: u8) -> usize {
    if septets == 0 {
        0
    } else {
        septets
            .saturating_mul(7)
            .saturating_add(fill_bits as usize)
            .saturating_add(7)
            / 8
    }
}

/// The most septets `octets` octets can hold after `fill_bits` fill bits.
pub const fn max_septets(octets: usize, fill_bits: u8) -> usize {
    octets.saturating_mul(8).saturating_sub(fill_bits as usize) / 7
}

fn check_fill(fill_bits: u8) -> Result<(), TextError> {
    if fill_bits > 6 {
        Err(TextError::InvalidFillBits { fill_bits })
    } else {
        Ok(())
    }
}

/// Packs septets into `out` after `fill_bits` zero bits, least significant bit first, returning
/// the number of octets written ([`packed_len`]). Seven spare bits at the end are filled with
/// `<CR>`. Fails on a septet with the high bit set, fill bits above 6, or a short buffer.
/// Works without `alloc`.
pub fn pack_into(septets: &[u8], fill_bits: u8, out: &mut [u8]) -> Result<usize, TextError> {
    check_fill(fill_bits)?;
    let len = packed_len(septets.len(), fill_bits);
    let out = out.get_mut(..len).ok_or(TextError::BufferTooSmall)?;
    out.fill(0);
    let mut bit = fill_bits as usize;
    for (offset, &s) in septets.iter().enumerate() {
        if s > 0x7F {
            return Err(TextError::InvalidByte {
                value: s,
                offset,
                encoding: Encoding::Gsm7Packed,
            });
        }
        put_septet(out, bit, s);
        bit += 7;
    }
    if !septets.is_empty() && len * 8 - bit == 7 {
        put_septet(out, bit, CR);
    }
    Ok(len)
}

fn put_septet(out: &mut [u8], bit: usize, s: u8) {
    let shifted = u16::from(s) << (bit % 8);
    let [lo, hi] = shifted.to_le_bytes();
    if let Some(b) = out.get_mut(bit / 8) {
        *b |= lo;
    }
    if hi != 0 {
        if let Some(b) = out.get_mut(bit / 8 + 1) {
            *b |= hi;
        }
    }
}

/// Packs septets (see [`pack_into`]).
#[cfg(feature = "alloc")]
pub fn pack(septets: &[u8], fill_bits: u8) -> Result<Vec<u8>, TextError> {
    check_fill(fill_bits)?;
    let mut out = alloc::vec![0u8; packed_len(septets.len(), fill_bits)];
    let n = pack_into(septets, fill_bits, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// The septet at `index` in packed data after `fill_bits` fill bits, or `None` when the data is
/// too short or the fill bits are invalid.
pub fn septet_at(packed: &[u8], fill_bits: u8, index: usize) -> Option<u8> {
    if fill_bits > 6 || index >= max_septets(packed.len(), fill_bits) {
        return None;
    }
    let bit = index * 7 + fill_bits as usize;
    let lo = *packed.get(bit / 8)?;
    let hi = packed.get(bit / 8 + 1).copied().unwrap_or(0);
    let word = u16::from_le_bytes([lo, hi]);
    Some(((word >> (bit % 8)) & 0x7F) as u8)
}

/// An iterator over the septets of packed data; see [`unpacked_septets`].
#[derive(Clone, Debug)]
pub struct PackedSeptets<'a> {
    packed: &'a [u8],
    fill_bits: u8,
    index: usize,
    count: usize,
}

impl Iterator for PackedSeptets<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        if self.index >= self.count {
            return None;
        }
        let s = septet_at(self.packed, self.fill_bits, self.index)?;
        self.index += 1;
        Some(s)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.count - self.index;
        (n, Some(n))
    }
}

/// Iterates `count` septets of packed data after `fill_bits` fill bits. Works without `alloc`.
pub fn unpacked_septets(
    packed: &[u8],
    fill_bits: u8,
    count: usize,
) -> Result<PackedSeptets<'_>, TextError> {
    check_fill(fill_bits)?;
    let available = max_septets(packed.len(), fill_bits);
    if count > available {
        return Err(TextError::NotEnoughSeptets {
            requested: count,
            available,
        });
    }
    Ok(PackedSeptets {
        packed,
        fill_bits,
        index: 0,
        count,
    })
}

/// Unpacks `count` septets (one per octet in the result).
#[cfg(feature = "alloc")]
pub fn unpack(packed: &[u8], fill_bits: u8, count: usize) -> Result<Vec<u8>, TextError> {
    Ok(unpacked_septets(packed, fill_bits, count)?.collect())
}

/// Infers how many septets packed data holds: all that fit, minus a final `<CR>` that sits in
/// the last seven bits exactly (padding per TS 23.038 §6.1.2.3.1).
pub fn packed_septet_count(packed: &[u8], fill_bits: u8) -> usize {
    if fill_bits > 6 {
        return 0;
    }
    let bits = packed
        .len()
        .saturating_mul(8)
        .saturating_sub(fill_bits as usize);
    let n = bits / 7;
    if n > 0 && bits % 7 == 0 && septet_at(packed, fill_bits, n - 1) == Some(CR) {
        n - 1
    } else {
        n
    }
}

/// Decodes septets (one per item) into characters; see [`decode_chars`].
#[derive(Clone, Debug)]
pub struct Gsm7Chars<I> {
    septets: I,
    offset: usize,
    lossy: bool,
}

impl<I: Iterator<Item = u8>> Gsm7Chars<I> {
    fn septet(&mut self, s: u8) -> Result<u8, TextError> {
        let offset = self.offset;
        self.offset += 1;
        if s > 0x7F {
            Err(TextError::InvalidByte {
                value: s,
                offset,
                encoding: Encoding::Gsm7,
            })
        } else {
            Ok(s)
        }
    }
}

impl<I: Iterator<Item = u8>> Iterator for Gsm7Chars<I> {
    type Item = Result<char, TextError>;

    fn next(&mut self) -> Option<Self::Item> {
        let raw = self.septets.next()?;
        let r = match self.septet(raw) {
            Ok(ESCAPE) => match self.septets.next() {
                None => Ok(' '),
                Some(code) => self.septet(code).map(decode_escaped),
            },
            Ok(s) => Ok(decode_basic(s)),
            Err(e) => Err(e),
        };
        Some(match r {
            Err(_) if self.lossy => Ok(char::REPLACEMENT_CHARACTER),
            r => r,
        })
    }
}

/// Decodes a sequence of septets (unpacked, or from [`unpacked_septets`]) into characters.
/// A value above 0x7F yields [`TextError::InvalidByte`]. Works without `alloc`.
pub fn decode_chars<I: IntoIterator<Item = u8>>(septets: I) -> Gsm7Chars<I::IntoIter> {
    Gsm7Chars {
        septets: septets.into_iter(),
        offset: 0,
        lossy: false,
    }
}

/// Like [`decode_chars`], but yields U+FFFD for invalid values instead of an error.
pub fn decode_chars_lossy<I: IntoIterator<Item = u8>>(septets: I) -> Gsm7Chars<I::IntoIter> {
    Gsm7Chars {
        septets: septets.into_iter(),
        offset: 0,
        lossy: true,
    }
}

/// Decodes unpacked septets (one per octet).
#[cfg(feature = "alloc")]
pub fn decode_unpacked(septets: &[u8]) -> Result<String, TextError> {
    decode_chars(septets.iter().copied()).collect()
}

/// Decodes unpacked septets, with U+FFFD for octets that have the high bit set.
#[cfg(feature = "alloc")]
pub fn decode_unpacked_lossy(septets: &[u8]) -> String {
    decode_chars_lossy(septets.iter().copied())
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Encodes `text` in packed form after `fill_bits` fill bits, applying the `<CR>` rules of
/// TS 23.038 §6.1.2.3.1 (see the module documentation).
#[cfg(feature = "alloc")]
pub fn encode_packed(text: &str, fill_bits: u8) -> Result<Vec<u8>, TextError> {
    check_fill(fill_bits)?;
    let septets = encode_unpacked(text)?;
    pack_with_cr_rule(septets, fill_bits)
}

/// [`encode_packed`] with `?` for characters outside the alphabet.
#[cfg(feature = "alloc")]
pub fn encode_packed_lossy(text: &str, fill_bits: u8) -> Result<Vec<u8>, TextError> {
    check_fill(fill_bits)?;
    pack_with_cr_rule(encode_unpacked_lossy(text), fill_bits)
}

/// `true` when `septets` septets after `fill_bits` end exactly on an octet boundary, so a
/// final `<CR>` would be read as padding.
pub(crate) const fn ends_on_boundary(septets: usize, fill_bits: u8) -> bool {
    septets > 0 && (septets * 7 + fill_bits as usize) % 8 == 0
}

#[cfg(feature = "alloc")]
pub(crate) fn pack_with_cr_rule(mut septets: Vec<u8>, fill_bits: u8) -> Result<Vec<u8>, TextError> {
    if septets.last() == Some(&CR) && ends_on_boundary(septets.len(), fill_bits) {
        septets.push(CR);
    }
    pack(&septets, fill_bits)
}

/// Decodes exactly `count` packed septets after `fill_bits` fill bits.
#[cfg(feature = "alloc")]
pub fn decode_packed(packed: &[u8], fill_bits: u8, count: usize) -> Result<String, TextError> {
    decode_chars(unpacked_septets(packed, fill_bits, count)?).collect()
}

/// Decodes packed data, inferring the septet count with [`packed_septet_count`].
#[cfg(feature = "alloc")]
pub fn decode_packed_auto(packed: &[u8], fill_bits: u8) -> Result<String, TextError> {
    check_fill(fill_bits)?;
    decode_packed(packed, fill_bits, packed_septet_count(packed, fill_bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trips() {
        for code in 0u8..0x80 {
            if code == ESCAPE {
                continue;
            }
            assert_eq!(encode_char(decode_basic(code)), Some(GsmChar::Basic(code)));
        }
        for (code, c) in EXTENSION {
            assert_eq!(encode_char(c), Some(GsmChar::Extended(code)));
            assert_eq!(decode_escaped(code), c);
        }
        // Every char the encoder accepts decodes back to itself.
        for u in 0..=0x10FFFFu32 {
            if let Some(c) = char::from_u32(u) {
                match encode_char(c) {
                    Some(GsmChar::Basic(b)) => assert_eq!(decode_basic(b), c),
                    Some(GsmChar::Extended(b)) => assert_eq!(decode_extension(b), Some(c)),
                    None => {}
                }
            }
        }
    }

    #[test]
    fn golden_codes() {
        assert_eq!(encode_char('€'), Some(GsmChar::Extended(0x65)));
        assert_eq!(encode_char('^'), Some(GsmChar::Extended(0x14)));
        assert_eq!(encode_char('@'), Some(GsmChar::Basic(0)));
        assert_eq!(encode_char('$'), Some(GsmChar::Basic(2)));
        assert_eq!(encode_char('£'), Some(GsmChar::Basic(1)));
        assert_eq!(encode_char('Σ'), Some(GsmChar::Basic(0x18)));
        assert_eq!(encode_char('`'), None);
        assert_eq!(encode_char('ç'), None);
        assert_eq!(septet_len("a€^"), Some(5));
        assert_eq!(septet_len("a`"), None);
    }

    #[test]
    fn fill_bits() {
        assert_eq!(fill_bits_after_udh(0), 0);
        assert_eq!(fill_bits_after_udh(6), 1);
        assert_eq!(fill_bits_after_udh(7), 0);
        assert_eq!(fill_bits_after_udh(1), 6);
        assert_eq!(fill_bits_after_udh(2), 5);
    }

    #[test]
    fn escape_fallbacks() {
        let mut it = decode_chars([ESCAPE, b'A', ESCAPE, ESCAPE, b'b', ESCAPE]);
        assert_eq!(it.next(), Some(Ok('A')));
        assert_eq!(it.next(), Some(Ok(' ')));
        assert_eq!(it.next(), Some(Ok('b')));
        assert_eq!(it.next(), Some(Ok(' ')));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn no_alloc_paths() {
        let mut buf = [0u8; 4];
        assert_eq!(encode_unpacked_into("a€", &mut buf), Ok(3));
        assert_eq!(&buf[..3], &[0x61, 0x1B, 0x65]);
        assert_eq!(
            encode_unpacked_into("abcde", &mut buf),
            Err(TextError::BufferTooSmall)
        );
        let mut packed = [0u8; 9];
        let septets = [0x68, 0x65, 0x6C, 0x6C, 0x6F, 0x68, 0x65, 0x6C, 0x6C, 0x6F];
        assert_eq!(pack_into(&septets, 0, &mut packed), Ok(9));
        let back: Option<[u8; 10]> = {
            let mut out = [0u8; 10];
            let it = unpacked_septets(&packed, 0, 10).ok();
            it.map(|it| {
                for (o, s) in out.iter_mut().zip(it) {
                    *o = s;
                }
                out
            })
        };
        assert_eq!(back, Some(septets));
        assert_eq!(
            pack_into(&[0x80], 0, &mut packed),
            Err(TextError::InvalidByte {
                value: 0x80,
                offset: 0,
                encoding: Encoding::Gsm7Packed
            })
        );
        assert_eq!(
            pack_into(&[1], 7, &mut packed),
            Err(TextError::InvalidFillBits { fill_bits: 7 })
        );
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn cr_padding() {
        // Seven septets leave seven spare bits: they are filled with <CR> and dropped on
        // inference.
        let p = encode_packed("abcdefg", 0).unwrap();
        assert_eq!(p.len(), 7);
        assert_eq!(p[6] >> 1, CR);
        assert_eq!(packed_septet_count(&p, 0), 7);
        assert_eq!(decode_packed_auto(&p, 0).unwrap(), "abcdefg");
        // A text ending with <CR> on an octet boundary gets a second <CR>.
        let p = encode_packed("abcdefg\r", 0).unwrap();
        assert_eq!(p.len(), 8);
        assert_eq!(decode_packed(&p, 0, 8).unwrap(), "abcdefg\r");
        assert_eq!(decode_packed_auto(&p, 0).unwrap(), "abcdefg\r\r");
        // Not enough data.
        assert_eq!(
            decode_packed(&p, 0, 10),
            Err(TextError::NotEnoughSeptets {
                requested: 10,
                available: 9
            })
        );
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn packed_golden() {
        assert_eq!(
            encode_packed("hellohello", 0).unwrap(),
            [0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37]
        );
        // With one fill bit (after a 6-octet UDH) the first septet is shifted by one.
        let p = encode_packed("A", 1).unwrap();
        assert_eq!(p, [0x41 << 1]);
        assert_eq!(decode_packed(&p, 1, 1).unwrap(), "A");
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn unpacked_errors() {
        assert_eq!(
            decode_unpacked(&[0x41, 0x90]),
            Err(TextError::InvalidByte {
                value: 0x90,
                offset: 1,
                encoding: Encoding::Gsm7
            })
        );
        assert_eq!(decode_unpacked_lossy(&[0x41, 0x90]), "A\u{FFFD}");
        assert_eq!(encode_unpacked_lossy("a`b"), b"a?b");
        assert_eq!(
            encode_unpacked("ab`"),
            Err(TextError::Unrepresentable {
                character: '`',
                char_index: 2,
                byte_offset: 2,
                encoding: Encoding::Gsm7
            })
        );
    }
}
