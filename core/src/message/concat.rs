//! Splitting long text into message parts.
//!
//! A text that fits one message (160 GSM septets, 70 UTF-16 code units or 140 octets) is sent
//! as one part with no UDH and no SAR values, whatever the method. Otherwise it is cut into
//! parts of at most:
//!
//! | encoding                      | [`SplitMethod::Udh8`] | [`SplitMethod::Udh16`] | [`SplitMethod::Sar`] |
//! |-------------------------------|------|------|-----|
//! | GSM 7-bit (septets)           | 153  | 152  | 160 |
//! | UCS2 (UTF-16 code units)      | 67   | 66   | 70  |
//! | Latin-1 / ASCII / binary      | 134  | 133  | 140 |
//!
//! so every part fits the 140-octet air-interface user data once GSM text is packed, UDH
//! included. Cuts fall between characters: a GSM escape pair or a UTF-16 surrogate pair is
//! never split. At most 255 parts are produced ([`SplitError::TooManyParts`]).
//! [`SplitMethod::Payload`] yields one part meant for the `message_payload` TLV, bounded at
//! 65 535 octets (the TLV length field's limit).
//!
//! For [`Encoding::Gsm7Packed`] the TS 23.038 `<CR>` rules apply: a part other than the last is
//! never ended with a `<CR>` that finishes exactly on an octet boundary (the `<CR>` moves to the
//! next part, since a receiver would take it for padding), and a last part that ends that way
//! gets a second `<CR>` (which the receiver displays; this is the one case where packed output
//! does not decode to exactly the input).

use core::fmt;

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use super::coding::Encoding;
use super::error::TextError;
use super::gsm7;
#[cfg(feature = "alloc")]
use super::{ascii, latin1, ucs2};

/// The most parts a concatenated message can have.
pub const MAX_PARTS: usize = 255;

/// The most octets [`SplitMethod::Payload`] accepts (the `message_payload` length limit).
pub const MAX_PAYLOAD_OCTETS: usize = 65_535;

/// How a long message is carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SplitMethod {
    /// A concatenation UDH with an 8-bit reference (IEI 0x00) in each part.
    Udh8 {
        /// The reference shared by the parts (the caller keeps a counter).
        reference: u8,
    },
    /// A concatenation UDH with a 16-bit reference (IEI 0x08) in each part.
    Udh16 {
        /// The reference shared by the parts.
        reference: u16,
    },
    /// SAR TLVs (`sar_msg_ref_num`, `sar_total_segments`, `sar_segment_seqnum`); no UDH.
    Sar {
        /// The reference shared by the parts.
        reference: u16,
    },
    /// One part carrying the whole text, for the `message_payload` TLV.
    Payload,
}

/// SAR values for one part; the caller puts them in the SAR TLVs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sar {
    /// `sar_msg_ref_num`.
    pub ref_num: u16,
    /// `sar_total_segments`.
    pub total: u8,
    /// `sar_segment_seqnum`, from 1.
    pub seq: u8,
}

/// One part of a split message.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Part {
    /// The octets to send: the UDH (for the UDH methods) followed by the encoded text. For
    /// [`SplitMethod::Payload`] these octets go in the `message_payload` TLV instead.
    pub short_message: Vec<u8>,
    /// `true` when `short_message` starts with a UDH: set the UDHI bit (0x40) in `esm_class`.
    pub udhi: bool,
    /// SAR values, for [`SplitMethod::Sar`] when there is more than one part.
    pub sar: Option<Sar>,
    /// The `data_coding` value for the encoding used.
    pub data_coding: u8,
}

/// Per-message capacity in the encoding's units (GSM septets, UTF-16 code units, octets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Capacity {
    /// Capacity of a message sent as a single part.
    pub single: usize,
    /// Capacity of each part when the message is split.
    pub per_part: usize,
}

/// The capacities [`split`] uses for `encoding` and `method`.
pub const fn capacity(encoding: Encoding, method: SplitMethod) -> Capacity {
    let (single, udh8, udh16) = match encoding {
        Encoding::Gsm7 | Encoding::Gsm7Packed => (160, 153, 152),
        Encoding::Ucs2 => (70, 67, 66),
        Encoding::Latin1 | Encoding::Ascii | Encoding::Binary => (140, 134, 133),
    };
    let per_part = match method {
        SplitMethod::Udh8 { .. } => udh8,
        SplitMethod::Udh16 { .. } => udh16,
        SplitMethod::Sar { .. } => single,
        SplitMethod::Payload => {
            let units = match encoding {
                Encoding::Gsm7 => MAX_PAYLOAD_OCTETS,
                Encoding::Gsm7Packed => MAX_PAYLOAD_OCTETS * 8 / 7,
                Encoding::Ucs2 => MAX_PAYLOAD_OCTETS / 2,
                _ => MAX_PAYLOAD_OCTETS,
            };
            return Capacity {
                single: units,
                per_part: units,
            };
        }
    };
    Capacity { single, per_part }
}

/// Fill bits in front of packed text in a part of a multi-part message.
const fn multipart_fill(method: SplitMethod) -> u8 {
    match method {
        SplitMethod::Udh8 { .. } => gsm7::fill_bits_after_udh(6),
        SplitMethod::Udh16 { .. } => gsm7::fill_bits_after_udh(7),
        SplitMethod::Sar { .. } | SplitMethod::Payload => 0,
    }
}

/// Why a text could not be split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SplitError {
    /// The text cannot be encoded (strict mode).
    Text(TextError),
    /// More than [`MAX_PARTS`] parts would be needed.
    TooManyParts {
        /// The number of parts the text needs.
        parts: usize,
    },
    /// The encoded text exceeds [`MAX_PAYLOAD_OCTETS`] ([`SplitMethod::Payload`]).
    PayloadTooLarge {
        /// Encoded length in octets.
        octets: usize,
        /// The limit.
        max: usize,
    },
}

impl From<TextError> for SplitError {
    fn from(e: TextError) -> SplitError {
        SplitError::Text(e)
    }
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::Text(e) => write!(f, "cannot encode text: {}", e),
            SplitError::TooManyParts { parts } => write!(
                f,
                "message needs {} parts, more than the {} allowed",
                parts, MAX_PARTS
            ),
            SplitError::PayloadTooLarge { octets, max } => write!(
                f,
                "encoded message is {} octets, more than the {} a payload can carry",
                octets, max
            ),
        }
    }
}

impl core::error::Error for SplitError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            SplitError::Text(e) => Some(e),
            _ => None,
        }
    }
}

/// Cost of one character in the encoding's units; `None` when it cannot be represented (and
/// `lossy` is off). Lossy replacement is `?`, one unit.
fn char_cost(c: char, encoding: Encoding, lossy: bool) -> Option<usize> {
    let cost = match encoding {
        Encoding::Gsm7 | Encoding::Gsm7Packed => gsm7::encode_char(c).map(gsm7::GsmChar::septets),
        Encoding::Ucs2 => Some(c.len_utf16()),
        Encoding::Latin1 => (u32::from(c) <= 0xFF).then_some(1),
        Encoding::Ascii => c.is_ascii().then_some(1),
        Encoding::Binary => Some(c.len_utf8()),
    };
    match cost {
        None if lossy => Some(1),
        other => other,
    }
}

/// Encoded octets for `units` units (packed GSM after `fill_bits`).
const fn encoded_octets(encoding: Encoding, units: usize, fill_bits: u8) -> usize {
    match encoding {
        Encoding::Gsm7Packed => gsm7::packed_len(units, fill_bits),
        Encoding::Ucs2 => units.saturating_mul(2),
        _ => units,
    }
}

/// A planned part: its text, its cost, and whether a second `<CR>` must be appended.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
struct Chunk<'t> {
    text: &'t str,
    extra_cr: bool,
}

/// `true` when packed text of `cost` septets that ends with `<CR>` would have that `<CR>`
/// read as padding.
fn cr_ambiguous(packed: bool, last: Option<char>, cost: usize, fill: u8) -> bool {
    packed && last == Some('\r') && gsm7::ends_on_boundary(cost, fill)
}

/// Plans the chunks, calling `emit` for each (at most [`MAX_PARTS`] of them) and returning the
/// number of parts needed.
fn plan<'t>(
    text: &'t str,
    encoding: Encoding,
    method: SplitMethod,
    lossy: bool,
    mut emit: impl FnMut(Chunk<'t>),
) -> Result<usize, SplitError> {
    let packed = encoding == Encoding::Gsm7Packed;
    let mut total = 0usize;
    for (char_index, (byte_offset, c)) in text.char_indices().enumerate() {
        match char_cost(c, encoding, lossy) {
            Some(n) => total += n,
            None => {
                return Err(SplitError::Text(TextError::Unrepresentable {
                    character: c,
                    char_index,
                    byte_offset,
                    encoding,
                }))
            }
        }
    }
    let cap = capacity(encoding, method);
    let last = text.chars().next_back();
    let whole_ambiguous = cr_ambiguous(packed, last, total, 0);
    if let SplitMethod::Payload = method {
        let units = total + usize::from(whole_ambiguous);
        let octets = encoded_octets(encoding, units, 0);
        if octets > MAX_PAYLOAD_OCTETS {
            return Err(SplitError::PayloadTooLarge {
                octets,
                max: MAX_PAYLOAD_OCTETS,
            });
        }
        emit(Chunk {
            text,
            extra_cr: whole_ambiguous,
        });
        return Ok(1);
    }
    if total <= cap.single && !(whole_ambiguous && total + 1 > cap.single) {
        emit(Chunk {
            text,
            extra_cr: whole_ambiguous,
        });
        return Ok(1);
    }

    let fill = multipart_fill(method);
    let per_part = cap.per_part;
    let mut parts = 0usize;
    let mut start = 0usize;
    while let Some(rest) = text.get(start..).filter(|r| !r.is_empty()) {
        let mut cost = 0usize;
        let mut end = start;
        let mut last: Option<(usize, char)> = None;
        for (i, c) in rest.char_indices() {
            let cc = char_cost(c, encoding, lossy).unwrap_or(1);
            if cost + cc > per_part {
                break;
            }
            cost += cc;
            last = Some((start + i, c));
            end = start + i + c.len_utf8();
        }
        let mut extra_cr = false;
        if let Some((last_start, last_char)) = last {
            if cr_ambiguous(packed, Some(last_char), cost, fill) {
                let is_final = end == text.len();
                if is_final && cost < per_part {
                    extra_cr = true;
                } else if last_start > start {
                    // Leave the <CR> for the next part.
                    end = last_start;
                } else {
                    extra_cr = true;
                }
            }
        }
        if end <= start {
            // Cannot happen (every character costs at most 4 units and capacity is at
            // least 66); guards against an endless loop regardless.
            break;
        }
        parts += 1;
        if parts <= MAX_PARTS {
            if let Some(t) = text.get(start..end) {
                emit(Chunk { text: t, extra_cr });
            }
        }
        start = end;
    }
    if parts > MAX_PARTS {
        return Err(SplitError::TooManyParts { parts });
    }
    Ok(parts)
}

#[cfg(feature = "alloc")]
fn plan_vec<'t>(
    text: &'t str,
    encoding: Encoding,
    method: SplitMethod,
    lossy: bool,
) -> Result<Vec<Chunk<'t>>, SplitError> {
    let mut chunks = Vec::new();
    plan(text, encoding, method, lossy, |c| chunks.push(c))?;
    Ok(chunks)
}

/// Splits `text` into the text of each part, following the rules of [`split`] without encoding
/// anything. Fails on a character the encoding cannot represent.
#[cfg(feature = "alloc")]
pub fn chunk_text(
    text: &str,
    encoding: Encoding,
    method: SplitMethod,
) -> Result<Vec<&str>, SplitError> {
    Ok(plan_vec(text, encoding, method, false)?
        .into_iter()
        .map(|c| c.text)
        .collect())
}

/// [`chunk_text`] counting unrepresentable characters as their `?` replacement.
#[cfg(feature = "alloc")]
pub fn chunk_text_lossy(
    text: &str,
    encoding: Encoding,
    method: SplitMethod,
) -> Result<Vec<&str>, SplitError> {
    Ok(plan_vec(text, encoding, method, true)?
        .into_iter()
        .map(|c| c.text)
        .collect())
}

/// Number of parts [`split`] would produce. Works without `alloc`.
pub fn count_parts(
    text: &str,
    encoding: Encoding,
    method: SplitMethod,
) -> Result<usize, SplitError> {
    plan(text, encoding, method, false, |_| {})
}

/// Splits and encodes `text`. Fails on a character the encoding cannot represent (the error
/// names it and its position), on more than 255 parts, or on an oversized payload.
#[cfg(feature = "alloc")]
pub fn split(text: &str, encoding: Encoding, method: SplitMethod) -> Result<Vec<Part>, SplitError> {
    split_impl(text, encoding, method, false)
}

/// [`split`] with `?` in place of characters the encoding cannot represent.
#[cfg(feature = "alloc")]
pub fn split_lossy(
    text: &str,
    encoding: Encoding,
    method: SplitMethod,
) -> Result<Vec<Part>, SplitError> {
    split_impl(text, encoding, method, true)
}

#[cfg(feature = "alloc")]
fn split_impl(
    text: &str,
    encoding: Encoding,
    method: SplitMethod,
    lossy: bool,
) -> Result<Vec<Part>, SplitError> {
    let chunks = plan_vec(text, encoding, method, lossy)?;
    let total = chunks.len();
    let mut parts = Vec::with_capacity(total);
    for (i, chunk) in chunks.iter().enumerate() {
        let seq = (i + 1) as u8;
        let header = if total > 1 {
            header_for(method, total as u8, seq)
        } else {
            Vec::new()
        };
        let mut short_message = header;
        let body = encode_chunk(
            chunk,
            encoding,
            lossy,
            gsm7::fill_bits_after_udh(short_message.len()),
        )?;
        short_message.extend_from_slice(&body);
        let sar = match method {
            SplitMethod::Sar { reference } if total > 1 => Some(Sar {
                ref_num: reference,
                total: total as u8,
                seq,
            }),
            _ => None,
        };
        parts.push(Part {
            udhi: total > 1
                && matches!(method, SplitMethod::Udh8 { .. } | SplitMethod::Udh16 { .. }),
            short_message,
            sar,
            data_coding: encoding.data_coding(),
        });
    }
    Ok(parts)
}

#[cfg(feature = "alloc")]
fn header_for(method: SplitMethod, total: u8, seq: u8) -> Vec<u8> {
    match method {
        SplitMethod::Udh8 { reference } => alloc::vec![0x05, 0x00, 0x03, reference, total, seq],
        SplitMethod::Udh16 { reference } => {
            let [hi, lo] = reference.to_be_bytes();
            alloc::vec![0x06, 0x08, 0x04, hi, lo, total, seq]
        }
        SplitMethod::Sar { .. } | SplitMethod::Payload => Vec::new(),
    }
}

#[cfg(feature = "alloc")]
fn encode_chunk(
    chunk: &Chunk<'_>,
    encoding: Encoding,
    lossy: bool,
    fill: u8,
) -> Result<Vec<u8>, TextError> {
    let text = chunk.text;
    match encoding {
        Encoding::Gsm7 | Encoding::Gsm7Packed => {
            let mut septets = if lossy {
                gsm7::encode_unpacked_lossy(text)
            } else {
                gsm7::encode_unpacked(text)?
            };
            if encoding == Encoding::Gsm7 {
                return Ok(septets);
            }
            if chunk.extra_cr {
                septets.push(gsm7::CR);
            }
            gsm7::pack(&septets, fill)
        }
        Encoding::Ucs2 => Ok(ucs2::encode(text)),
        Encoding::Latin1 if lossy => Ok(latin1::encode_lossy(text)),
        Encoding::Latin1 => latin1::encode(text),
        Encoding::Ascii if lossy => Ok(ascii::encode_lossy(text)),
        Encoding::Ascii => ascii::encode(text),
        Encoding::Binary => Ok(text.as_bytes().to_vec()),
    }
}

/// Splits binary data (`data_coding` 0x04) into parts of at most 140 octets (single), 134
/// (8-bit UDH), 133 (16-bit UDH) or 140 (SAR); [`SplitMethod::Payload`] gives one part of up
/// to 65 535 octets.
#[cfg(feature = "alloc")]
pub fn split_binary(data: &[u8], method: SplitMethod) -> Result<Vec<Part>, SplitError> {
    let cap = capacity(Encoding::Binary, method);
    let chunks: Vec<&[u8]> = if let SplitMethod::Payload = method {
        if data.len() > MAX_PAYLOAD_OCTETS {
            return Err(SplitError::PayloadTooLarge {
                octets: data.len(),
                max: MAX_PAYLOAD_OCTETS,
            });
        }
        alloc::vec![data]
    } else if data.len() <= cap.single {
        alloc::vec![data]
    } else {
        let parts = data.len().div_ceil(cap.per_part);
        if parts > MAX_PARTS {
            return Err(SplitError::TooManyParts { parts });
        }
        data.chunks(cap.per_part).collect()
    };
    let total = chunks.len();
    Ok(chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let seq = (i + 1) as u8;
            let mut short_message = if total > 1 {
                header_for(method, total as u8, seq)
            } else {
                Vec::new()
            };
            short_message.extend_from_slice(chunk);
            Part {
                udhi: !short_message.is_empty()
                    && total > 1
                    && matches!(method, SplitMethod::Udh8 { .. } | SplitMethod::Udh16 { .. }),
                short_message,
                sar: match method {
                    SplitMethod::Sar { reference } if total > 1 => Some(Sar {
                        ref_num: reference,
                        total: total as u8,
                        seq,
                    }),
                    _ => None,
                },
                data_coding: Encoding::Binary.data_coding(),
            }
        })
        .collect())
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use alloc::string::String;

    fn repeat(s: &str, n: usize) -> String {
        s.repeat(n)
    }

    #[test]
    fn single_part_when_it_fits() {
        let t = repeat("a", 160);
        let parts = split(&t, Encoding::Gsm7, SplitMethod::Udh8 { reference: 7 }).unwrap();
        assert_eq!(parts.len(), 1);
        assert!(!parts[0].udhi);
        assert_eq!(parts[0].sar, None);
        assert_eq!(parts[0].short_message.len(), 160);
        let t = repeat("ж", 70);
        let parts = split(&t, Encoding::Ucs2, SplitMethod::Sar { reference: 1 }).unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].sar, None);
        assert_eq!(parts[0].data_coding, 8);
    }

    #[test]
    fn gsm_boundaries() {
        let t = repeat("a", 161);
        let c = chunk_text(&t, Encoding::Gsm7, SplitMethod::Udh8 { reference: 1 }).unwrap();
        assert_eq!(c.iter().map(|s| s.len()).collect::<Vec<_>>(), [153, 8]);
        let c = chunk_text(&t, Encoding::Gsm7, SplitMethod::Udh16 { reference: 1 }).unwrap();
        assert_eq!(c.iter().map(|s| s.len()).collect::<Vec<_>>(), [152, 9]);
        let c = chunk_text(&t, Encoding::Gsm7, SplitMethod::Sar { reference: 1 }).unwrap();
        assert_eq!(c.iter().map(|s| s.len()).collect::<Vec<_>>(), [160, 1]);
        // A euro sign at septet 153 would straddle the cut: it moves to the next part.
        let t = alloc::format!("{}€{}", repeat("a", 152), repeat("b", 20));
        let c = chunk_text(&t, Encoding::Gsm7, SplitMethod::Udh8 { reference: 1 }).unwrap();
        assert_eq!(c[0], repeat("a", 152));
        assert!(c[1].starts_with('€'));
    }

    #[test]
    fn ucs2_boundaries() {
        let t = alloc::format!("{}😀{}", repeat("a", 66), repeat("b", 10));
        let c = chunk_text(&t, Encoding::Ucs2, SplitMethod::Udh8 { reference: 1 }).unwrap();
        assert_eq!(c[0], repeat("a", 66));
        assert!(c[1].starts_with('😀'));
        let parts = split(&t, Encoding::Ucs2, SplitMethod::Udh8 { reference: 9 }).unwrap();
        assert_eq!(parts[0].short_message[..6], [5, 0, 3, 9, 2, 1]);
        assert_eq!(parts[1].short_message[..6], [5, 0, 3, 9, 2, 2]);
        assert!(parts.iter().all(|p| p.udhi && p.short_message.len() <= 140));
    }

    #[test]
    fn udh16_and_sar_headers() {
        let t = repeat("x", 300);
        let parts = split(
            &t,
            Encoding::Latin1,
            SplitMethod::Udh16 { reference: 0xABCD },
        )
        .unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2].short_message[..7], [6, 8, 4, 0xAB, 0xCD, 3, 3]);
        assert_eq!(parts[0].short_message.len(), 7 + 133);
        let parts = split(&t, Encoding::Ascii, SplitMethod::Sar { reference: 513 }).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            parts[1].sar,
            Some(Sar {
                ref_num: 513,
                total: 3,
                seq: 2
            })
        );
        assert!(!parts[1].udhi);
        assert_eq!(parts[0].short_message.len(), 140);
    }

    #[test]
    fn too_many_parts() {
        let t = repeat("a", 153 * 255);
        assert_eq!(
            count_parts(&t, Encoding::Gsm7, SplitMethod::Udh8 { reference: 0 }),
            Ok(255)
        );
        let t = repeat("a", 153 * 255 + 1);
        assert_eq!(
            split(&t, Encoding::Gsm7, SplitMethod::Udh8 { reference: 0 }),
            Err(SplitError::TooManyParts { parts: 256 })
        );
        let data = alloc::vec![0u8; 134 * 255 + 1];
        assert_eq!(
            split_binary(&data, SplitMethod::Udh8 { reference: 0 }),
            Err(SplitError::TooManyParts { parts: 256 })
        );
    }

    #[test]
    fn payload_limits() {
        let t = repeat("a", 1000);
        let parts = split(&t, Encoding::Gsm7, SplitMethod::Payload).unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].short_message.len(), 1000);
        assert!(!parts[0].udhi && parts[0].sar.is_none());
        let t = repeat("é", 40_000);
        assert_eq!(
            split(&t, Encoding::Ucs2, SplitMethod::Payload),
            Err(SplitError::PayloadTooLarge {
                octets: 80_000,
                max: MAX_PAYLOAD_OCTETS
            })
        );
        assert_eq!(
            split_binary(&alloc::vec![1u8; 70_000], SplitMethod::Payload),
            Err(SplitError::PayloadTooLarge {
                octets: 70_000,
                max: MAX_PAYLOAD_OCTETS
            })
        );
    }

    #[test]
    fn unrepresentable_and_lossy() {
        assert_eq!(
            split("abc😀", Encoding::Gsm7, SplitMethod::Payload),
            Err(SplitError::Text(TextError::Unrepresentable {
                character: '😀',
                char_index: 3,
                byte_offset: 3,
                encoding: Encoding::Gsm7
            }))
        );
        let parts = split_lossy("abc😀", Encoding::Gsm7, SplitMethod::Payload).unwrap();
        assert_eq!(parts[0].short_message, b"abc?");
        let parts = split_lossy("ÿ€", Encoding::Latin1, SplitMethod::Payload).unwrap();
        assert_eq!(parts[0].short_message, [0xFF, b'?']);
    }

    #[test]
    fn packed_cr_rules() {
        // 160 septets ending with <CR> on an octet boundary cannot be sent as one part.
        let t = alloc::format!("{}\r", repeat("a", 159));
        let parts = split(&t, Encoding::Gsm7Packed, SplitMethod::Udh8 { reference: 1 }).unwrap();
        assert_eq!(parts.len(), 2);
        // A middle part never ends with a <CR> on an octet boundary: with one fill bit, 153
        // septets end exactly on the boundary, so the <CR> moves on.
        let t = alloc::format!("{}\r{}", repeat("a", 152), repeat("b", 10));
        let c = chunk_text(&t, Encoding::Gsm7Packed, SplitMethod::Udh8 { reference: 1 }).unwrap();
        assert_eq!(c[0], repeat("a", 152));
        assert!(c[1].starts_with('\r'));
        let parts = split(&t, Encoding::Gsm7Packed, SplitMethod::Udh8 { reference: 1 }).unwrap();
        assert!(parts.iter().all(|p| p.short_message.len() <= 140));
        // A short text ending on the boundary gets a second <CR>.
        let parts = split(
            "abcdefg\r",
            Encoding::Gsm7Packed,
            SplitMethod::Sar { reference: 1 },
        )
        .unwrap();
        assert_eq!(
            gsm7::decode_packed_auto(&parts[0].short_message, 0).unwrap(),
            "abcdefg\r\r"
        );
    }

    #[test]
    fn binary_split() {
        let data: Vec<u8> = (0..=255u8).collect();
        let parts = split_binary(&data, SplitMethod::Udh8 { reference: 3 }).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].short_message.len(), 140);
        assert_eq!(parts[0].data_coding, 4);
        let joined: Vec<u8> = parts
            .iter()
            .flat_map(|p| p.short_message[6..].to_vec())
            .collect();
        assert_eq!(joined, data);
    }
}
