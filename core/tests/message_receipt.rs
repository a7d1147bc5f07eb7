//! Delivery receipts: golden parse, tolerant variants, format → parse identity, no panics.
#![cfg(feature = "alloc")]

use quickcheck::{Arbitrary, Gen, QuickCheck};
use smpp_core::message::{
    parse_receipt, reconcile, MessageState, Receipt, ReceiptDate, ReceiptError, ReceiptFields,
    ValueSource,
};

#[test]
fn golden_receipt() {
    let r = parse_receipt(
        b"id:6f1d2a sub:001 dlvrd:001 submit date:2611212300 done date:2611212301 stat:DELIVRD err:000 text:Hello world",
    )
    .unwrap();
    assert_eq!(
        r,
        Receipt {
            id: Some("6f1d2a"),
            sub: Some("001"),
            dlvrd: Some("001"),
            submit_date: Some("2611212300"),
            done_date: Some("2611212301"),
            stat: Some("DELIVRD"),
            err: Some("000"),
            text: Some("Hello world"),
        }
    );
    assert_eq!(r.submitted(), Some(1));
    assert_eq!(r.delivered(), Some(1));
    assert_eq!(r.state(), Some(MessageState::Delivered));
    assert_eq!(
        r.submit_time(),
        ReceiptDate::new(26, 11, 21, 23, 0, None).ok()
    );
    assert_eq!(
        r.done_time(),
        ReceiptDate::new(26, 11, 21, 23, 1, None).ok()
    );
    assert_eq!(r.error_code(), Some(0));
    assert_eq!(r.id_hex(), Some(0x6f1d2a));
    let f = ReceiptFields::from_receipt(&r).unwrap();
    assert_eq!(f.stat, MessageState::Delivered);
    assert_eq!(
        f.to_string(),
        "id:6f1d2a sub:001 dlvrd:001 submit date:2611212300 done date:2611212301 stat:DELIVRD err:000 text:Hello world"
    );
}

/// Input, expected id, done date, state and text.
type Variant<'a> = (
    &'a [u8],
    Option<&'a str>,
    Option<&'a str>,
    Option<MessageState>,
    Option<&'a str>,
);

#[test]
fn real_world_variants() {
    let cases: &[Variant] = &[
        (
            b"ID:0123456789 SUB:001 DLVRD:001 SUBMIT DATE:1402281530 DONE DATE:1402281531 STAT:UNDELIV ERR:001 TEXT:none",
            Some("0123456789"),
            Some("1402281531"),
            Some(MessageState::Undeliverable),
            Some("none"),
        ),
        (
            b"Id: abc123  Sub: 1  Dlvrd: 0  Submit_Date: 140228153012  Done_Date: 140228153109  Stat: EXPIRED  Err: 0",
            Some("abc123"),
            Some("140228153109"),
            Some(MessageState::Expired),
            None,
        ),
        (
            b"id:42 submitdate:1402281530 donedate:1402281531 stat:delivered text:x: y:z  ",
            Some("42"),
            Some("1402281531"),
            Some(MessageState::Delivered),
            Some("x: y:z"),
        ),
        (
            b"stat:REJECTD id:7",
            Some("7"),
            None,
            Some(MessageState::Rejected),
            None,
        ),
        (
            b"id:9 stat:SOMETHING_NEW\0\0",
            Some("9"),
            None,
            None,
            None,
        ),
    ];
    for &(input, id, done, state, text) in cases {
        let r = parse_receipt(input).unwrap();
        assert_eq!(r.id, id, "{:?}", String::from_utf8_lossy(input));
        assert_eq!(r.done_date, done);
        assert_eq!(r.state(), state);
        assert_eq!(r.text, text);
    }
    let r = parse_receipt(b"id:9 stat:SOMETHING_NEW").unwrap();
    assert_eq!(r.stat, Some("SOMETHING_NEW"));
    let r = parse_receipt(b"Id: abc123  Sub: 1 Submit Date: 140228153012").unwrap();
    assert_eq!(r.submit_time().unwrap().second(), Some(12));
    assert_eq!(
        parse_receipt(b"just a normal message"),
        Err(ReceiptError::NotAReceipt)
    );
}

#[test]
fn reconcile_with_tlvs() {
    let r = parse_receipt(b"id:1234 stat:DELIVRD err:000").unwrap();
    let info = reconcile(Some(r), Some(b"4D2\0"), Some(2), None);
    assert_eq!(info.message_id, Some("4D2"));
    assert_eq!(info.message_id_source, Some(ValueSource::Tlv));
    assert_eq!(info.ids_agree, Some(true)); // 0x4D2 == 1234
    assert_eq!(info.state, Some(MessageState::Delivered));
    let info = reconcile(Some(r), Some(b"999"), Some(8), Some([3, 0x00, 0x0B]));
    assert_eq!(info.ids_agree, Some(false));
    assert_eq!(info.state, Some(MessageState::Rejected));
    assert_eq!(
        info.network_error.map(|n| (n.network_type, n.error_code)),
        Some((3, 11))
    );
    let info = reconcile(None, Some(b"abc"), Some(42), None);
    assert_eq!(info.message_id, Some("abc"));
    assert_eq!(info.state, Some(MessageState::Other(42)));
}

#[derive(Clone, Debug)]
struct Fields(ReceiptFields);

fn below(g: &mut Gen, n: u32) -> u32 {
    u32::arbitrary(g) % n
}

fn date(g: &mut Gen) -> ReceiptDate {
    loop {
        let second = if bool::arbitrary(g) {
            Some(below(g, 60) as u8)
        } else {
            None
        };
        if let Ok(d) = ReceiptDate::new(
            below(g, 100) as u8,
            1 + below(g, 12) as u8,
            1 + below(g, 31) as u8,
            below(g, 24) as u8,
            below(g, 60) as u8,
            second,
        ) {
            return d;
        }
    }
}

impl Arbitrary for Fields {
    fn arbitrary(g: &mut Gen) -> Self {
        const ID: &[u8] = b"0123456789abcdefABCDEFxyz";
        let id_len = 1 + below(g, 24) as usize;
        let id = (0..id_len)
            .map(|_| char::from(*g.choose(ID).unwrap()))
            .collect();
        const TEXT: &[&str] = &[
            "a",
            "Z",
            " ",
            ":",
            "id:",
            "stat:",
            "text:",
            "€",
            "😀",
            "é",
            "\t",
            "0",
            "err:1",
            "DONE DATE:",
        ];
        let text_len = below(g, 30) as usize;
        let text = (0..text_len)
            .map(|_| {
                if bool::arbitrary(g) {
                    g.choose(TEXT).unwrap().to_string()
                } else {
                    char::arbitrary(g).to_string()
                }
            })
            .collect();
        let states = [
            MessageState::Enroute,
            MessageState::Delivered,
            MessageState::Expired,
            MessageState::Deleted,
            MessageState::Undeliverable,
            MessageState::Accepted,
            MessageState::Unknown,
            MessageState::Rejected,
        ];
        Fields(ReceiptFields {
            id,
            sub: u32::arbitrary(g),
            dlvrd: u32::arbitrary(g) % 1000,
            submit_date: date(g),
            done_date: date(g),
            stat: *g.choose(&states).unwrap(),
            err: u16::arbitrary(g),
            text,
        })
    }
}

#[test]
fn prop_format_parse_identity() {
    fn prop(f: Fields) -> bool {
        let f = f.0;
        let s = f.to_string();
        let parsed = match parse_receipt(s.as_bytes()) {
            Ok(r) => r,
            Err(_) => return false,
        };
        let back = match ReceiptFields::from_receipt(&parsed) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{s:?}: {e}");
                return false;
            }
        };
        // Only the first 20 characters of the text are written, and the parser trims
        // surrounding whitespace and NULs.
        let first20: String = f.text.chars().take(20).collect();
        let expected_text = first20.trim_matches(['\0', ' ', '\t', '\r', '\n']);
        let expected = ReceiptFields {
            text: expected_text.to_string(),
            ..f.clone()
        };
        if back != expected {
            eprintln!("{s:?}\n{back:?}\n{expected:?}");
        }
        back == expected && parsed.to_string().starts_with(&format!("id:{}", f.id))
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(Fields) -> bool);
}

#[derive(Clone, Debug)]
struct Date(ReceiptDate);

impl Arbitrary for Date {
    fn arbitrary(g: &mut Gen) -> Self {
        Date(date(g))
    }
}

#[test]
fn prop_date_format_parse_identity() {
    fn prop(d: Date) -> bool {
        let s = d.0.to_string();
        s.len() == if d.0.second().is_some() { 12 } else { 10 } && ReceiptDate::parse(&s) == Ok(d.0)
    }
    QuickCheck::new()
        .tests(500)
        .quickcheck(prop as fn(Date) -> bool);
}

#[test]
fn prop_parser_never_panics() {
    fn prop(bytes: Vec<u8>, words: Vec<u8>) -> bool {
        // Mix raw bytes with receipt keys so the interesting paths run.
        const KEYS: &[&[u8]] = &[
            b"id:",
            b"sub:",
            b"dlvrd:",
            b"submit date:",
            b"done_date :",
            b"stat:",
            b"err:",
            b"text:",
            b" ",
            b"ID",
            b":",
            b"\xFF",
            b"\xC3",
            b"Status",
            b"0",
            b"26",
        ];
        let mut input = bytes;
        for w in words {
            input.extend_from_slice(KEYS[w as usize % KEYS.len()]);
        }
        if let Ok(r) = parse_receipt(&input) {
            let _ = r.to_string();
            let _ = (r.submit_time(), r.done_time(), r.state(), r.error_code());
            let _ = (r.id_decimal(), r.id_hex(), r.submitted(), r.delivered());
            let _ = ReceiptFields::from_receipt(&r);
            let _ = reconcile(Some(r), Some(&input), input.first().copied(), None);
            // Every value is a slice of valid UTF-8 with no surrounding whitespace.
            for v in [
                r.id,
                r.sub,
                r.dlvrd,
                r.submit_date,
                r.done_date,
                r.stat,
                r.err,
                r.text,
            ]
            .into_iter()
            .flatten()
            {
                if v.starts_with(' ') || v.ends_with(' ') {
                    return false;
                }
            }
        }
        let _ = ReceiptDate::parse_bytes(&input);
        true
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(Vec<u8>, Vec<u8>) -> bool);
}
