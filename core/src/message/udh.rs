//! The user data header (TS 23.040 §9.2.3.24) at the start of a `short_message` whose
//! `esm_class` has the UDHI bit (0x40) set.
//!
//! [`parse`] validates the whole header up front (so iteration cannot fail) and returns the
//! payload after it. Concatenation (IEI 0x00 and 0x08) and application port addressing
//! (IEI 0x04 and 0x05) are typed; every other element is kept byte for byte as
//! [`InformationElement::Other`], so [`write_udh`] / [`build_udh`] re-emit a parsed header
//! identically. A known element with the wrong length is an error.

use core::fmt;

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

/// IEI: concatenated short message, 8-bit reference.
pub const IEI_CONCAT_8: u8 = 0x00;
/// IEI: application port addressing, 8-bit ports.
pub const IEI_PORTS_8: u8 = 0x04;
/// IEI: application port addressing, 16-bit ports.
pub const IEI_PORTS_16: u8 = 0x05;
/// IEI: concatenated short message, 16-bit reference.
pub const IEI_CONCAT_16: u8 = 0x08;

/// One information element of a user data header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InformationElement<'a> {
    /// IEI 0x00: concatenation with an 8-bit reference.
    Concat8 {
        /// Reference number shared by all parts.
        reference: u8,
        /// Number of parts.
        total: u8,
        /// This part's sequence number, from 1.
        seq: u8,
    },
    /// IEI 0x08: concatenation with a 16-bit reference.
    Concat16 {
        /// Reference number shared by all parts.
        reference: u16,
        /// Number of parts.
        total: u8,
        /// This part's sequence number, from 1.
        seq: u8,
    },
    /// IEI 0x04: application port addressing with 8-bit ports.
    Ports8 {
        /// Destination port.
        destination: u8,
        /// Originator port.
        source: u8,
    },
    /// IEI 0x05: application port addressing with 16-bit ports.
    Ports16 {
        /// Destination port.
        destination: u16,
        /// Originator port.
        source: u16,
    },
    /// Any other element, kept as is.
    Other {
        /// The element identifier.
        iei: u8,
        /// The element data (at most 255 octets).
        data: &'a [u8],
    },
}

impl InformationElement<'_> {
    /// The element identifier.
    pub const fn iei(&self) -> u8 {
        match self {
            InformationElement::Concat8 { .. } => IEI_CONCAT_8,
            InformationElement::Concat16 { .. } => IEI_CONCAT_16,
            InformationElement::Ports8 { .. } => IEI_PORTS_8,
            InformationElement::Ports16 { .. } => IEI_PORTS_16,
            InformationElement::Other { iei, .. } => *iei,
        }
    }

    /// Octets the element takes in a header (IEI, length and data).
    pub const fn encoded_len(&self) -> usize {
        2 + match self {
            InformationElement::Concat8 { .. } => 3,
            InformationElement::Concat16 { .. } => 4,
            InformationElement::Ports8 { .. } => 2,
            InformationElement::Ports16 { .. } => 4,
            InformationElement::Other { data, .. } => data.len(),
        }
    }

    /// The concatenation information, if this is a concatenation element.
    pub const fn concat(&self) -> Option<Concat> {
        match *self {
            InformationElement::Concat8 {
                reference,
                total,
                seq,
            } => Some(Concat {
                reference: reference as u16,
                total,
                seq,
                wide_reference: false,
            }),
            InformationElement::Concat16 {
                reference,
                total,
                seq,
            } => Some(Concat {
                reference,
                total,
                seq,
                wide_reference: true,
            }),
            _ => None,
        }
    }
}

/// Concatenation information from either concatenation element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Concat {
    /// Reference number (an 8-bit reference is widened).
    pub reference: u16,
    /// Number of parts.
    pub total: u8,
    /// This part's sequence number, from 1.
    pub seq: u8,
    /// `true` when it came from IEI 0x08 (16-bit reference).
    pub wide_reference: bool,
}

/// Why a header could not be parsed or built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UdhError {
    /// The message is empty, so there is no UDHL octet.
    Empty,
    /// The UDHL says the header is longer than the message.
    HeaderTooLong {
        /// The header length the UDHL octet announces (not counting itself).
        udhl: u8,
        /// Octets actually available after the UDHL octet.
        available: usize,
    },
    /// An element runs past the end of the header.
    TruncatedElement {
        /// Offset of the element's IEI within the header data.
        offset: usize,
    },
    /// A known element has the wrong data length.
    BadElementLength {
        /// The element identifier.
        iei: u8,
        /// The length found.
        len: u8,
    },
    /// The header to build exceeds 255 octets, or an element's data exceeds 255 octets.
    TooLong,
    /// The caller-supplied output buffer is too small.
    BufferTooSmall,
}

impl fmt::Display for UdhError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UdhError::Empty => f.write_str("message is empty: no user data header length"),
            UdhError::HeaderTooLong { udhl, available } => write!(
                f,
                "user data header length {} exceeds the {} octets available",
                udhl, available
            ),
            UdhError::TruncatedElement { offset } => write!(
                f,
                "information element at header offset {} is truncated",
                offset
            ),
            UdhError::BadElementLength { iei, len } => write!(
                f,
                "information element 0x{:02X} has invalid length {}",
                iei, len
            ),
            UdhError::TooLong => f.write_str("user data header would exceed 255 octets"),
            UdhError::BufferTooSmall => f.write_str("output buffer too small"),
        }
    }
}

impl core::error::Error for UdhError {}

/// A parsed, validated user data header borrowing from the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Udh<'a> {
    /// The whole header, UDHL octet included.
    raw: &'a [u8],
}

impl<'a> Udh<'a> {
    /// The header octets, UDHL octet included.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// Length of the header in octets, UDHL octet included.
    pub const fn len(&self) -> usize {
        self.raw.len()
    }

    /// `true` when the header has no elements (UDHL 0).
    pub const fn is_empty(&self) -> bool {
        self.raw.len() <= 1
    }

    /// Iterates the elements in order.
    pub fn elements(&self) -> Elements<'a> {
        Elements {
            data: self.raw.get(1..).unwrap_or(&[]),
            pos: 0,
        }
    }

    /// The first concatenation element, if any.
    pub fn concat(&self) -> Option<Concat> {
        self.elements().find_map(|ie| ie.concat())
    }

    /// The first port addressing element, if any, as (destination, source).
    pub fn ports(&self) -> Option<(u16, u16)> {
        self.elements().find_map(|ie| match ie {
            InformationElement::Ports8 {
                destination,
                source,
            } => Some((u16::from(destination), u16::from(source))),
            InformationElement::Ports16 {
                destination,
                source,
            } => Some((destination, source)),
            _ => None,
        })
    }

    /// Fill bits needed before packed GSM text that follows this header.
    pub const fn fill_bits(&self) -> u8 {
        super::gsm7::fill_bits_after_udh(self.raw.len())
    }
}

/// Iterator over the elements of a [`Udh`].
#[derive(Clone, Debug)]
pub struct Elements<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Elements<'a> {
    type Item = InformationElement<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        // The header was validated by `parse`; `read_element` is still fully checked.
        match read_element(self.data, self.pos) {
            Some(Ok((ie, next))) => {
                self.pos = next;
                Some(ie)
            }
            _ => None,
        }
    }
}

/// Reads the element at `pos`: `None` at the end, else the element and the next offset.
fn read_element(
    data: &[u8],
    pos: usize,
) -> Option<Result<(InformationElement<'_>, usize), UdhError>> {
    let rest = data.get(pos..)?;
    let (&iei, rest) = rest.split_first()?;
    let truncated = UdhError::TruncatedElement { offset: pos };
    let Some((&len, rest)) = rest.split_first() else {
        return Some(Err(truncated));
    };
    let Some(body) = rest.get(..usize::from(len)) else {
        return Some(Err(truncated));
    };
    let bad = UdhError::BadElementLength { iei, len };
    let ie = match (iei, body) {
        (IEI_CONCAT_8, &[reference, total, seq]) => InformationElement::Concat8 {
            reference,
            total,
            seq,
        },
        (IEI_CONCAT_16, &[r0, r1, total, seq]) => InformationElement::Concat16 {
            reference: u16::from_be_bytes([r0, r1]),
            total,
            seq,
        },
        (IEI_PORTS_8, &[destination, source]) => InformationElement::Ports8 {
            destination,
            source,
        },
        (IEI_PORTS_16, &[d0, d1, s0, s1]) => InformationElement::Ports16 {
            destination: u16::from_be_bytes([d0, d1]),
            source: u16::from_be_bytes([s0, s1]),
        },
        (IEI_CONCAT_8 | IEI_CONCAT_16 | IEI_PORTS_8 | IEI_PORTS_16, _) => return Some(Err(bad)),
        (iei, data) => InformationElement::Other { iei, data },
    };
    Some(Ok((ie, pos + 2 + usize::from(len))))
}

/// Parses the header at the start of `short_message`, returning it and the payload after it.
/// Works without `alloc`.
pub fn parse(short_message: &[u8]) -> Result<(Udh<'_>, &[u8]), UdhError> {
    let (&udhl, rest) = short_message.split_first().ok_or(UdhError::Empty)?;
    let header_len = usize::from(udhl);
    if rest.len() < header_len {
        return Err(UdhError::HeaderTooLong {
            udhl,
            available: rest.len(),
        });
    }
    let (data, payload) = rest.split_at(header_len);
    let mut pos = 0;
    while let Some(r) = read_element(data, pos) {
        pos = r?.1;
    }
    let raw = short_message.get(..header_len + 1).ok_or(UdhError::Empty)?;
    Ok((Udh { raw }, payload))
}

/// Octets a header holding `elements` takes, UDHL octet included.
pub fn udh_len(elements: &[InformationElement<'_>]) -> usize {
    1 + elements.iter().map(|ie| ie.encoded_len()).sum::<usize>()
}

/// Writes a header (UDHL octet first) holding `elements` into `out`, returning its length.
/// Works without `alloc`.
pub fn write_udh(elements: &[InformationElement<'_>], out: &mut [u8]) -> Result<usize, UdhError> {
    let total = udh_len(elements);
    if total > 256 {
        return Err(UdhError::TooLong);
    }
    let out = out.get_mut(..total).ok_or(UdhError::BufferTooSmall)?;
    let mut w = Writer { out, pos: 0 };
    w.put(&[(total - 1) as u8]);
    for ie in elements {
        let len = ie.encoded_len() - 2;
        let len = u8::try_from(len).map_err(|_| UdhError::TooLong)?;
        w.put(&[ie.iei(), len]);
        match *ie {
            InformationElement::Concat8 {
                reference,
                total,
                seq,
            } => w.put(&[reference, total, seq]),
            InformationElement::Concat16 {
                reference,
                total,
                seq,
            } => {
                w.put(&reference.to_be_bytes());
                w.put(&[total, seq]);
            }
            InformationElement::Ports8 {
                destination,
                source,
            } => w.put(&[destination, source]),
            InformationElement::Ports16 {
                destination,
                source,
            } => {
                w.put(&destination.to_be_bytes());
                w.put(&source.to_be_bytes());
            }
            InformationElement::Other { data, .. } => w.put(data),
        }
    }
    Ok(total)
}

struct Writer<'b> {
    out: &'b mut [u8],
    pos: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        // `write_udh` sized the buffer exactly; `get_mut` keeps this panic-free regardless.
        if let Some(dst) = self.out.get_mut(self.pos..self.pos + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        self.pos += bytes.len();
    }
}

/// Builds a header (UDHL octet first) holding `elements`.
#[cfg(feature = "alloc")]
pub fn build_udh(elements: &[InformationElement<'_>]) -> Result<Vec<u8>, UdhError> {
    let total = udh_len(elements);
    if total > 256 {
        return Err(UdhError::TooLong);
    }
    let mut out = alloc::vec![0u8; total];
    let n = write_udh(elements, &mut out)?;
    out.truncate(n);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_concat8() {
        let sm = [
            0x05, 0x00, 0x03, 0x2A, 0x02, 0x01, 0x50, 0x61, 0x72, 0x74, 0x20, 0x6F, 0x6E, 0x65,
            0x20,
        ];
        let (udh, payload) = parse(&sm).unwrap();
        assert_eq!(payload, b"Part one ");
        assert_eq!(udh.len(), 6);
        assert_eq!(udh.fill_bits(), 1);
        assert_eq!(
            udh.concat(),
            Some(Concat {
                reference: 42,
                total: 2,
                seq: 1,
                wide_reference: false
            })
        );
        let mut it = udh.elements();
        assert_eq!(
            it.next(),
            Some(InformationElement::Concat8 {
                reference: 42,
                total: 2,
                seq: 1
            })
        );
        assert_eq!(it.next(), None);
    }

    #[test]
    fn mixed_elements_round_trip() {
        let sm = [
            0x11, // UDHL 17
            0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, // ports 16-bit 2948 <- 9200
            0x24, 0x01, 0x01, // national language shift: unknown, kept
            0x08, 0x04, 0x12, 0x34, 0x03, 0x02, // concat 16-bit
            0x70, 0x00, // unknown, empty
            0xAA,
        ];
        let (udh, payload) = parse(&sm).unwrap();
        assert_eq!(payload, &[0xAA]);
        assert_eq!(udh.ports(), Some((2948, 9200)));
        assert_eq!(
            udh.concat().map(|c| (c.reference, c.total, c.seq)),
            Some((0x1234, 3, 2))
        );
        let mut ies = [InformationElement::Other { iei: 0, data: &[] }; 4];
        let mut n = 0;
        for ie in udh.elements() {
            ies[n] = ie;
            n += 1;
        }
        assert_eq!(n, 4);
        assert_eq!(
            ies[1],
            InformationElement::Other {
                iei: 0x24,
                data: &[1]
            }
        );
        let mut out = [0u8; 18];
        assert_eq!(write_udh(&ies, &mut out), Ok(18));
        assert_eq!(&out, &sm[..18]);
        assert_eq!(
            write_udh(&ies, &mut out[..10]),
            Err(UdhError::BufferTooSmall)
        );
    }

    #[test]
    fn malformed() {
        assert_eq!(parse(&[]), Err(UdhError::Empty));
        assert_eq!(
            parse(&[5, 0, 3, 1]),
            Err(UdhError::HeaderTooLong {
                udhl: 5,
                available: 3
            })
        );
        assert_eq!(
            parse(&[3, 0, 3, 1]),
            Err(UdhError::TruncatedElement { offset: 0 })
        );
        assert_eq!(
            parse(&[1, 0x70]),
            Err(UdhError::TruncatedElement { offset: 0 })
        );
        assert_eq!(
            parse(&[4, 0, 2, 1, 1]),
            Err(UdhError::BadElementLength { iei: 0, len: 2 })
        );
        let (udh, payload) = parse(&[0, 9]).unwrap();
        assert!(udh.is_empty());
        assert_eq!(payload, &[9]);
        assert_eq!(udh.elements().count(), 0);
    }

    #[test]
    fn too_long() {
        let big = [0u8; 255];
        let ies = [InformationElement::Other {
            iei: 0x70,
            data: &big,
        }];
        let mut out = [0u8; 300];
        assert_eq!(write_udh(&ies, &mut out), Err(UdhError::TooLong));
        let data = [0u8; 256];
        let ies = [InformationElement::Other {
            iei: 0x70,
            data: &data[..253],
        }];
        assert_eq!(write_udh(&ies, &mut out), Ok(256));
        let ies = [InformationElement::Other {
            iei: 0x70,
            data: &data,
        }];
        assert_eq!(write_udh(&ies, &mut out), Err(UdhError::TooLong));
    }
}
