//! User data header parsing and building.
#![cfg(feature = "alloc")]

use quickcheck::{Arbitrary, Gen, QuickCheck};
use smpp_core::message::udh::{self, Concat, InformationElement, UdhError};

#[test]
fn golden_concat_8bit() {
    let sm = hex("0500032A020150617274206F6E6520");
    let (h, payload) = udh::parse(&sm).unwrap();
    assert_eq!(payload, b"Part one ");
    assert_eq!(
        h.concat(),
        Some(Concat {
            reference: 42,
            total: 2,
            seq: 1,
            wide_reference: false
        })
    );
    assert_eq!(h.as_bytes(), &sm[..6]);
    assert_eq!(
        h.elements().collect::<Vec<_>>(),
        [InformationElement::Concat8 {
            reference: 42,
            total: 2,
            seq: 1
        }]
    );
}

#[test]
fn golden_16bit_and_ports() {
    let sm = hex("0C080412340302050415B315B3FF");
    let (h, payload) = udh::parse(&sm).unwrap();
    assert_eq!(payload, [0xFF]);
    assert_eq!(
        h.elements().collect::<Vec<_>>(),
        [
            InformationElement::Concat16 {
                reference: 0x1234,
                total: 3,
                seq: 2
            },
            InformationElement::Ports16 {
                destination: 5555,
                source: 5555
            }
        ]
    );
    assert_eq!(h.ports(), Some((5555, 5555)));
    // 13 octets = 104 bits = 14 septets + 6 bits: one fill bit.
    assert_eq!(h.fill_bits(), 1);
    let built = udh::build_udh(&h.elements().collect::<Vec<_>>()).unwrap();
    assert_eq!(built, &sm[..13]);
    let sm = hex("0404020B84");
    let (h, _) = udh::parse(&sm).unwrap();
    assert_eq!(h.ports(), Some((0x0B, 0x84)));
}

#[test]
fn malformed_headers_are_typed_errors() {
    assert_eq!(udh::parse(&[]), Err(UdhError::Empty));
    assert_eq!(
        udh::parse(&hex("0600032A0201")),
        Err(UdhError::HeaderTooLong {
            udhl: 6,
            available: 5
        })
    );
    assert_eq!(
        udh::parse(&hex("0400032A02")),
        Err(UdhError::TruncatedElement { offset: 0 })
    );
    assert_eq!(
        udh::parse(&hex("05000200010001")),
        Err(UdhError::BadElementLength { iei: 0, len: 2 })
    );
    assert_eq!(
        udh::parse(&hex("050803010203")),
        Err(UdhError::BadElementLength { iei: 8, len: 3 })
    );
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A list of elements that fits a header.
#[derive(Clone, Debug)]
struct Elements(Vec<(u8, Vec<u8>)>);

impl Arbitrary for Elements {
    fn arbitrary(g: &mut Gen) -> Self {
        let mut v = Vec::new();
        let mut room = 255usize;
        for _ in 0..(u8::arbitrary(g) % 8) {
            let iei = u8::arbitrary(g);
            let len = match iei {
                0x00 => 3,
                0x08 | 0x05 => 4,
                0x04 => 2,
                _ => (u8::arbitrary(g) % 40) as usize,
            };
            if len + 2 > room {
                break;
            }
            room -= len + 2;
            v.push((iei, (0..len).map(|_| u8::arbitrary(g)).collect()));
        }
        Elements(v)
    }
}

#[test]
fn prop_parse_build_round_trip() {
    fn prop(els: Elements, payload: Vec<u8>) -> bool {
        let mut header = vec![0u8];
        for (iei, data) in &els.0 {
            header.push(*iei);
            header.push(data.len() as u8);
            header.extend_from_slice(data);
        }
        header[0] = (header.len() - 1) as u8;
        let mut sm = header.clone();
        sm.extend_from_slice(&payload);
        let (h, rest) = udh::parse(&sm).unwrap();
        let ies: Vec<_> = h.elements().collect();
        rest == &payload[..]
            && h.len() == header.len()
            && ies.len() == els.0.len()
            && ies
                .iter()
                .zip(&els.0)
                .all(|(ie, (iei, _))| ie.iei() == *iei)
            && udh::build_udh(&ies).unwrap() == header
            && udh::udh_len(&ies) == header.len()
    }
    QuickCheck::new()
        .tests(500)
        .quickcheck(prop as fn(Elements, Vec<u8>) -> bool);
}

#[test]
fn prop_parse_never_panics() {
    fn prop(mut bytes: Vec<u8>, plausible: bool) -> bool {
        // Half the time make the UDHL fit, so element parsing gets exercised too.
        if plausible && !bytes.is_empty() {
            let room = (bytes.len() - 1) as u8;
            bytes[0] = bytes[0].min(room);
        }
        match udh::parse(&bytes) {
            Ok((h, rest)) => {
                // What parses re-builds identically, and header + payload is the input.
                let ies: Vec<_> = h.elements().collect();
                h.len() + rest.len() == bytes.len() && udh::build_udh(&ies).unwrap() == h.as_bytes()
            }
            Err(_) => true,
        }
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(Vec<u8>, bool) -> bool);
}
