//! Text codecs: golden vectors and properties (public API only).
#![cfg(feature = "alloc")]

use quickcheck::{Arbitrary, Gen, QuickCheck};
use smpp_core::message::{
    ascii, choose_auto, decode, decode_lossy, encode, encode_lossy, gsm7, latin1, ucs2, Decoded,
    Encoding, TextError,
};

fn below(g: &mut Gen, n: usize) -> usize {
    (u32::arbitrary(g) as usize) % n
}

/// Every character of the GSM default alphabet and its extension table.
fn gsm_charset() -> Vec<char> {
    let mut v: Vec<char> = (0u8..0x80)
        .filter(|&c| c != gsm7::ESCAPE)
        .map(gsm7::decode_basic)
        .collect();
    v.extend(['\u{0C}', '^', '{', '}', '\\', '[', '~', ']', '|', '€']);
    v
}

/// A string drawn from the GSM charset.
#[derive(Clone, Debug)]
struct GsmText(String);

impl Arbitrary for GsmText {
    fn arbitrary(g: &mut Gen) -> Self {
        let set = gsm_charset();
        let len = below(g, 400);
        GsmText((0..len).map(|_| *g.choose(&set).unwrap()).collect())
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        let chars: Vec<char> = self.0.chars().collect();
        Box::new(chars.shrink().map(|c| GsmText(c.into_iter().collect())))
    }
}

/// A string of Latin-1 characters.
#[derive(Clone, Debug)]
struct Latin1Text(String);

impl Arbitrary for Latin1Text {
    fn arbitrary(g: &mut Gen) -> Self {
        let len = below(g, 300);
        Latin1Text((0..len).map(|_| char::from(u8::arbitrary(g))).collect())
    }
}

/// Arbitrary Unicode with a good share of astral characters (emoji).
#[derive(Clone, Debug)]
struct UnicodeText(String);

impl Arbitrary for UnicodeText {
    fn arbitrary(g: &mut Gen) -> Self {
        let len = below(g, 300);
        let s = (0..len)
            .map(|_| match below(g, 4) {
                0 => char::from_u32(0x1F300 + below(g, 0x300) as u32).unwrap_or('x'),
                1 => char::from_u32(u32::arbitrary(g) % 0x11_0000).unwrap_or('\u{FFFD}'),
                _ => char::arbitrary(g),
            })
            .collect();
        UnicodeText(s)
    }
}

fn qc() -> QuickCheck {
    QuickCheck::new().tests(300)
}

#[test]
fn golden_gsm() {
    assert_eq!(gsm7::encode_unpacked("€").unwrap(), [0x1B, 0x65]);
    assert_eq!(gsm7::encode_unpacked("^").unwrap(), [0x1B, 0x14]);
    assert_eq!(gsm7::encode_unpacked("@").unwrap(), [0x00]);
    assert_eq!(gsm7::encode_unpacked("$£").unwrap(), [0x02, 0x01]);
    assert_eq!(
        gsm7::encode_unpacked("{}\\[~]|\u{0C}").unwrap(),
        [
            0x1B, 0x28, 0x1B, 0x29, 0x1B, 0x2F, 0x1B, 0x3C, 0x1B, 0x3D, 0x1B, 0x3E, 0x1B, 0x40,
            0x1B, 0x0A
        ]
    );
    assert_eq!(
        gsm7::encode_unpacked("ΔΦΓΛΩΠΨΣΘΞ").unwrap(),
        [0x10, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A]
    );
    assert_eq!(
        gsm7::encode_unpacked("¤¥èéùìòÇØøÅå_ÆæßÉÄÖÑÜ§¿äöñüà¡").unwrap(),
        [
            0x24, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0B, 0x0C, 0x0E, 0x0F, 0x11, 0x1C,
            0x1D, 0x1E, 0x1F, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F, 0x60, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F,
            0x40
        ]
    );
    assert_eq!(
        gsm7::encode_unpacked("Hello world").unwrap(),
        b"Hello world"
    );
    assert_eq!(
        encode("Hello world", Encoding::Gsm7).unwrap(),
        b"Hello world"
    );
    assert_eq!(
        gsm7::encode_packed("hellohello", 0).unwrap(),
        [0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37]
    );
    assert_eq!(
        encode("hellohello", Encoding::Gsm7Packed).unwrap(),
        [0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37]
    );
    assert_eq!(
        gsm7::decode_packed(
            &[0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37],
            0,
            10
        )
        .unwrap(),
        "hellohello"
    );
    assert_eq!(gsm7::septet_len("€uro^"), Some(7));
    assert_eq!(gsm7::septet_len("ç"), None);
    assert_eq!(
        gsm7::decode_unpacked(&[0x1B, 0x65, 0x00, 0x02]).unwrap(),
        "€@$"
    );
}

#[test]
fn gsm_escape_decoding_rules() {
    // Unknown extension code: the basic-table character.
    assert_eq!(gsm7::decode_unpacked(&[0x1B, 0x41]).unwrap(), "A");
    // 1B 1B and a trailing lone escape: a space.
    assert_eq!(gsm7::decode_unpacked(&[0x1B, 0x1B, 0x41]).unwrap(), " A");
    assert_eq!(gsm7::decode_unpacked(&[0x41, 0x1B]).unwrap(), "A ");
}

#[test]
fn golden_ucs2() {
    assert_eq!(ucs2::encode("\u{1F600}"), [0xD8, 0x3D, 0xDE, 0x00]);
    assert_eq!(
        encode("\u{1F600}", Encoding::Ucs2).unwrap(),
        [0xD8, 0x3D, 0xDE, 0x00]
    );
    assert_eq!(
        decode(8, &[0xD8, 0x3D, 0xDE, 0x00]).unwrap(),
        Decoded::Text("😀".into())
    );
    assert_eq!(decode(8, &[0x00]), Err(TextError::OddLength { len: 1 }));
    assert!(matches!(
        decode(8, &[0xDC, 0x00]),
        Err(TextError::UnpairedSurrogate {
            unit: 0xDC00,
            offset: 0
        })
    ));
    assert_eq!(
        decode_lossy(8, &[0xDC, 0x00, 0x00, 0x41]).as_text(),
        Some("\u{FFFD}A")
    );
}

#[test]
fn unrepresentable_names_char_and_position() {
    let e = encode("Hello 😀 world", Encoding::Gsm7).unwrap_err();
    assert_eq!(
        e,
        TextError::Unrepresentable {
            character: '😀',
            char_index: 6,
            byte_offset: 6,
            encoding: Encoding::Gsm7
        }
    );
    let msg = e.to_string();
    assert!(msg.contains("position 6"), "{msg}");
    assert!(msg.contains("U+1F600"), "{msg}");
    let e = encode("ab€c", Encoding::Latin1).unwrap_err();
    assert!(matches!(
        e,
        TextError::Unrepresentable {
            character: '€',
            char_index: 2,
            byte_offset: 2,
            ..
        }
    ));
    let e = encode("éa\u{100}", Encoding::Ascii).unwrap_err();
    assert!(matches!(
        e,
        TextError::Unrepresentable {
            character: 'é',
            char_index: 0,
            byte_offset: 0,
            ..
        }
    ));
    assert!(matches!(
        encode("xxç", Encoding::Gsm7Packed),
        Err(TextError::Unrepresentable { char_index: 2, .. })
    ));
}

#[test]
fn lossy_replacement() {
    assert_eq!(
        encode_lossy("a😀b€", Encoding::Gsm7),
        [0x61, 0x3F, 0x62, 0x1B, 0x65]
    );
    assert_eq!(encode_lossy("a😀b", Encoding::Latin1), b"a?b");
    assert_eq!(encode_lossy("aéb", Encoding::Ascii), b"a?b");
    assert_eq!(encode_lossy("aé", Encoding::Ucs2), [0, 0x61, 0, 0xE9]);
    assert_eq!(
        gsm7::decode_packed(&encode_lossy("ça", Encoding::Gsm7Packed), 0, 2).unwrap(),
        "?a"
    );
    assert_eq!(decode_lossy(0, &[0x41, 0xFF]).as_text(), Some("A\u{FFFD}"));
    assert_eq!(decode_lossy(1, &[0x41, 0xFF]).as_text(), Some("A\u{FFFD}"));
}

#[test]
fn auto_and_data_coding() {
    assert_eq!(choose_auto("Price: 5€ [ok]"), Encoding::Gsm7);
    assert_eq!(choose_auto("Price: 5€ 😀"), Encoding::Ucs2);
    for (enc, dc) in [
        (Encoding::Gsm7, 0x00),
        (Encoding::Gsm7Packed, 0x00),
        (Encoding::Ucs2, 0x08),
        (Encoding::Latin1, 0x03),
        (Encoding::Ascii, 0x01),
        (Encoding::Binary, 0x04),
    ] {
        assert_eq!(enc.data_coding(), dc);
    }
    assert_eq!(
        decode(0x02, b"\x00\xFF").unwrap(),
        Decoded::Binary(b"\x00\xFF")
    );
    assert_eq!(
        decode(0xF6, b"\x00\xFF").unwrap(),
        Decoded::Binary(b"\x00\xFF")
    );
    assert_eq!(decode(0xF1, b"\x00").unwrap().as_text(), Some("@"));
    assert_eq!(decode(0xC8, b"\x00").unwrap().as_text(), Some("@"));
    assert_eq!(decode(0xE1, b"\x00\x41").unwrap().as_text(), Some("A"));
    assert_eq!(decode(0x18, b"\x00\x41").unwrap().as_text(), Some("A"));
    assert_eq!(
        decode(0x38, b"\x00\x41").unwrap().as_binary(),
        Some(&b"\x00\x41"[..])
    );
    assert_eq!(
        decode(0x05, b"\x82\xA0").unwrap().as_binary(),
        Some(&b"\x82\xA0"[..])
    );
}

#[test]
fn prop_gsm_unpacked_round_trip() {
    fn prop(t: GsmText) -> bool {
        let bytes = gsm7::encode_unpacked(&t.0).unwrap();
        bytes.len() == gsm7::septet_len(&t.0).unwrap()
            && bytes.iter().all(|&b| b < 0x80)
            && gsm7::decode_unpacked(&bytes).unwrap() == t.0
            && decode(0, &bytes).unwrap() == Decoded::Text(t.0.clone())
            && choose_auto(&t.0) == Encoding::Gsm7
    }
    qc().quickcheck(prop as fn(GsmText) -> bool);
}

#[test]
fn prop_gsm_packed_round_trip() {
    fn prop(t: GsmText, fill: u8) -> bool {
        let fill = fill % 7;
        let n = gsm7::septet_len(&t.0).unwrap();
        let packed = gsm7::encode_packed(&t.0, fill).unwrap();
        let exact = gsm7::decode_packed(&packed, fill, n).unwrap() == t.0;
        // Inferring the count follows the <CR> rules: only a trailing <CR> on an octet
        // boundary comes back doubled.
        let doubled = t.0.ends_with('\r') && (n * 7 + fill as usize) % 8 == 0;
        let expected = if doubled {
            format!("{}\r", t.0)
        } else {
            t.0.clone()
        };
        exact && gsm7::decode_packed_auto(&packed, fill).unwrap() == expected
    }
    qc().quickcheck(prop as fn(GsmText, u8) -> bool);
}

/// Independent bit-by-bit reference for packing (LSB first, after `fill` bits).
fn reference_pack(septets: &[u8], fill: u8) -> Vec<u8> {
    if septets.is_empty() {
        return Vec::new();
    }
    let bits = fill as usize + septets.len() * 7;
    let len = bits.div_ceil(8);
    let mut out = vec![0u8; len];
    let mut set = |bit: usize, v: bool| {
        if v {
            out[bit / 8] |= 1 << (bit % 8);
        }
    };
    for (i, &s) in septets.iter().enumerate() {
        for j in 0..7 {
            set(fill as usize + i * 7 + j, s >> j & 1 == 1);
        }
    }
    if len * 8 - bits == 7 {
        for j in 0..7 {
            set(bits + j, 0x0D >> j & 1 == 1);
        }
    }
    out
}

#[test]
fn prop_pack_unpack_any_fill() {
    fn prop(septets: Vec<u8>, fill: u8) -> bool {
        let septets: Vec<u8> = septets.into_iter().map(|s| s & 0x7F).collect();
        let fill = fill % 7;
        let packed = gsm7::pack(&septets, fill).unwrap();
        packed == reference_pack(&septets, fill)
            && packed.len() == gsm7::packed_len(septets.len(), fill)
            && gsm7::unpack(&packed, fill, septets.len()).unwrap() == septets
    }
    qc().quickcheck(prop as fn(Vec<u8>, u8) -> bool);
    // Septets after a UDH: the text starts at the next septet boundary.
    let udh = [0x05, 0x00, 0x03, 0x01, 0x02, 0x01];
    let fill = gsm7::fill_bits_after_udh(udh.len());
    assert_eq!(fill, 1);
    let mut ud = udh.to_vec();
    ud.extend(gsm7::encode_packed("Hi", fill).unwrap());
    // Whole user data read as septets from bit 0: 7 septets of UDH (49 bits incl. fill).
    let all = gsm7::unpack(&ud, 0, 9).unwrap();
    assert_eq!(&all[7..], &[0x48, 0x69]);
    assert_eq!(
        gsm7::pack(&[1], 7),
        Err(TextError::InvalidFillBits { fill_bits: 7 })
    );
}

#[test]
fn prop_ucs2_round_trip() {
    fn prop(t: UnicodeText) -> bool {
        let bytes = ucs2::encode(&t.0);
        bytes.len() == 2 * ucs2::utf16_len(&t.0)
            && ucs2::decode(&bytes).unwrap() == t.0
            && ucs2::decode_lossy(&bytes) == t.0
            && decode(8, &bytes).unwrap() == Decoded::Text(t.0.clone())
    }
    qc().quickcheck(prop as fn(UnicodeText) -> bool);
}

#[test]
fn prop_latin1_and_ascii_round_trip() {
    fn prop(t: Latin1Text) -> bool {
        let bytes = latin1::encode(&t.0).unwrap();
        let latin_ok = bytes.len() == t.0.chars().count()
            && latin1::decode(&bytes) == t.0
            && decode(3, &bytes).unwrap() == Decoded::Text(t.0.clone());
        let ascii_text: String = t.0.chars().filter(char::is_ascii).collect();
        let a = ascii::encode(&ascii_text).unwrap();
        latin_ok
            && a == ascii_text.as_bytes()
            && ascii::decode(&a).unwrap() == ascii_text
            && decode(1, &a).unwrap() == Decoded::Text(ascii_text.clone())
    }
    qc().quickcheck(prop as fn(Latin1Text) -> bool);
}

#[test]
fn prop_strict_decoders_are_exact_inverses() {
    // Whatever strict decoding accepts, encoding gives back the same octets.
    fn prop(bytes: Vec<u8>) -> bool {
        let ucs = match ucs2::decode(&bytes) {
            Ok(s) => ucs2::encode(&s) == bytes,
            Err(_) => true,
        };
        let asc = match ascii::decode(&bytes) {
            Ok(s) => ascii::encode(&s).unwrap() == bytes,
            Err(_) => bytes.iter().any(|&b| b > 0x7F),
        };
        let lat = latin1::encode(&latin1::decode(&bytes)).unwrap() == bytes;
        ucs && asc && lat
    }
    qc().quickcheck(prop as fn(Vec<u8>) -> bool);
}

#[test]
fn prop_decoders_never_panic() {
    fn prop(bytes: Vec<u8>, fill: u8, count: usize, dc: u8) -> bool {
        let _ = gsm7::decode_unpacked(&bytes);
        let lossy = gsm7::decode_unpacked_lossy(&bytes);
        let _ = gsm7::decode_packed(&bytes, fill, count % 1000);
        let _ = gsm7::decode_packed_auto(&bytes, fill);
        let _ = gsm7::packed_septet_count(&bytes, fill);
        let _ = gsm7::unpack(&bytes, fill % 7, gsm7::max_septets(bytes.len(), fill % 7));
        let _ = ucs2::decode(&bytes);
        let _ = ascii::decode(&bytes);
        let _ = decode(dc, &bytes);
        let l = decode_lossy(dc, &bytes);
        let ucs_lossy = ucs2::decode_lossy(&bytes);
        // Lossy decoding never fails and produces one character per unit of input at most.
        lossy.chars().count() <= bytes.len()
            && ucs_lossy.chars().count() <= bytes.len().div_ceil(2)
            && match l {
                Decoded::Text(t) => t.chars().count() <= bytes.len(),
                Decoded::Binary(b) => b == &bytes[..],
            }
    }
    qc().quickcheck(prop as fn(Vec<u8>, u8, usize, u8) -> bool);
}

#[test]
fn prop_encoders_never_panic() {
    fn prop(t: String, fill: u8) -> bool {
        for enc in [
            Encoding::Gsm7,
            Encoding::Gsm7Packed,
            Encoding::Ucs2,
            Encoding::Latin1,
            Encoding::Ascii,
            Encoding::Binary,
        ] {
            let strict = encode(&t, enc);
            let lossy = encode_lossy(&t, enc);
            if let Ok(s) = strict {
                if s != lossy {
                    return false;
                }
            }
        }
        let _ = gsm7::encode_packed(&t, fill);
        let mut buf = [0u8; 16];
        let _ = gsm7::encode_unpacked_into(&t, &mut buf);
        let _ = ucs2::encode_into(&t, &mut buf);
        let _ = latin1::encode_into(&t, &mut buf);
        let _ = ascii::encode_into(&t, &mut buf);
        true
    }
    qc().quickcheck(prop as fn(String, u8) -> bool);
}
