//! Splitting and reassembly: boundaries, air-interface limits, and split → reassemble
//! identity for every method and encoding with shuffled and duplicated parts.
#![cfg(feature = "alloc")]

use quickcheck::{Arbitrary, Gen, QuickCheck};
use smpp_core::message::{
    chunk_text, concat, count_parts, decode, gsm7, split, split_binary, udh, Decoded, Encoding,
    PartInput, PushOutcome, Reassembler, ReassemblyConfig, SplitError, SplitMethod, TextError,
};
use smpp_core::time::Instant;

const ENCODINGS: [Encoding; 6] = [
    Encoding::Gsm7,
    Encoding::Gsm7Packed,
    Encoding::Ucs2,
    Encoding::Latin1,
    Encoding::Ascii,
    Encoding::Binary,
];

const METHODS: [SplitMethod; 4] = [
    SplitMethod::Udh8 { reference: 0xA7 },
    SplitMethod::Udh16 { reference: 0xBEEF },
    SplitMethod::Sar { reference: 0x1234 },
    SplitMethod::Payload,
];

fn below(g: &mut Gen, n: usize) -> usize {
    (u32::arbitrary(g) as usize) % n
}

/// Characters representable in `enc`, weighted towards the awkward ones.
fn random_char(g: &mut Gen, enc: Encoding) -> char {
    const GSM_SPECIAL: [char; 8] = ['€', '^', '{', '\r', '\\', '|', '@', 'Ω'];
    const WIDE: [char; 6] = ['😀', '𝄞', '€', 'ж', '中', '\u{10FFFF}'];
    match enc {
        Encoding::Gsm7 | Encoding::Gsm7Packed => match below(g, 3) {
            0 => *g.choose(&GSM_SPECIAL).unwrap(),
            _ => {
                let code = below(g, 128) as u8;
                if code == gsm7::ESCAPE {
                    'a'
                } else {
                    gsm7::decode_basic(code)
                }
            }
        },
        Encoding::Ucs2 | Encoding::Binary => match below(g, 3) {
            0 => *g.choose(&WIDE).unwrap(),
            1 => char::from_u32(u32::arbitrary(g) % 0x11_0000).unwrap_or('x'),
            _ => char::arbitrary(g),
        },
        Encoding::Latin1 => char::from(u8::arbitrary(g)),
        Encoding::Ascii => char::from(u8::arbitrary(g) & 0x7F),
    }
}

/// The awkward character to place at a boundary.
fn special(g: &mut Gen, enc: Encoding) -> char {
    match enc {
        Encoding::Gsm7 | Encoding::Gsm7Packed => *g.choose(&['€', '^', '\r', '~']).unwrap(),
        Encoding::Ucs2 | Encoding::Binary => *g.choose(&['😀', '𝄞', '€', 'é']).unwrap(),
        Encoding::Latin1 => *g.choose(&['ÿ', 'é', '\r']).unwrap(),
        Encoding::Ascii => *g.choose(&['~', '\r']).unwrap(),
    }
}

/// Interesting offsets: around every capacity and a few multiples.
const POSITIONS: [usize; 22] = [
    0, 65, 66, 67, 68, 69, 70, 71, 132, 133, 134, 135, 139, 140, 151, 152, 153, 154, 159, 160, 305,
    306,
];

#[derive(Clone, Debug)]
struct Case {
    encoding: Encoding,
    method: SplitMethod,
    text: String,
    seed: u64,
}

impl Arbitrary for Case {
    fn arbitrary(g: &mut Gen) -> Self {
        let encoding = *g.choose(&ENCODINGS).unwrap();
        let method = match below(g, 4) {
            0 => SplitMethod::Udh8 {
                reference: u8::arbitrary(g),
            },
            1 => SplitMethod::Udh16 {
                reference: u16::arbitrary(g),
            },
            2 => SplitMethod::Sar {
                reference: u16::arbitrary(g),
            },
            _ => SplitMethod::Payload,
        };
        let mut text = String::new();
        match below(g, 3) {
            0 => {
                let len = below(g, 800);
                text.extend((0..len).map(|_| random_char(g, encoding)));
            }
            _ => {
                // Filler up to an interesting position, then an awkward character, possibly
                // repeated at further boundaries.
                for _ in 0..1 + below(g, 3) {
                    let filler = *g.choose(&['a', 'b', '\r']).unwrap();
                    let pos = *g.choose(&POSITIONS).unwrap();
                    text.extend(std::iter::repeat_n(filler, pos));
                    text.push(special(g, encoding));
                }
                let tail = below(g, 40);
                text.extend((0..tail).map(|_| random_char(g, encoding)));
            }
        }
        Case {
            encoding,
            method,
            text,
            seed: u64::arbitrary(g),
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        // Shrink by dropping characters only, keeping the text encodable.
        let me = self.clone();
        let chars: Vec<char> = self.text.chars().collect();
        Box::new(
            chars
                .shrink()
                .map(move |c| Case {
                    text: c.into_iter().collect(),
                    ..me.clone()
                })
                .filter(|c| {
                    !matches!(
                        chunk_text(&c.text, c.encoding, c.method),
                        Err(SplitError::Text(_))
                    )
                }),
        )
    }
}

/// A small deterministic generator for shuffling.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0 | 1;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Decodes what arrived for `encoding`.
fn decode_text(encoding: Encoding, data: &[u8]) -> Result<String, TextError> {
    match decode(encoding.data_coding(), data)? {
        Decoded::Text(t) => Ok(t),
        Decoded::Binary(b) => Ok(String::from_utf8(b.to_vec()).expect("binary parts were UTF-8")),
    }
}

/// Checks every structural property of `split` and the round trip through the reassembler.
/// Returns a description of the first failure.
fn check(case: &Case) -> Result<(), String> {
    let Case {
        encoding,
        method,
        ref text,
        seed,
    } = *case;
    let parts = match split(text, encoding, method) {
        Ok(p) => p,
        Err(SplitError::TooManyParts { parts }) if parts > 255 => return Ok(()),
        Err(e) => return Err(format!("split failed: {e}")),
    };
    let chunks = chunk_text(text, encoding, method).map_err(|e| e.to_string())?;
    if chunks.concat() != *text {
        return Err("chunks do not concatenate to the text".into());
    }
    if chunks.len() != parts.len() {
        return Err("chunk count differs from part count".into());
    }
    if count_parts(text, encoding, method) != Ok(parts.len()) {
        return Err("count_parts disagrees".into());
    }
    let n = parts.len();
    if n == 0 || (matches!(method, SplitMethod::Payload) && n != 1) {
        return Err(format!("{n} parts"));
    }
    let cap = concat::capacity(encoding, method);
    for (i, part) in parts.iter().enumerate() {
        if part.data_coding != encoding.data_coding() {
            return Err("wrong data_coding".into());
        }
        let udh_method = matches!(method, SplitMethod::Udh8 { .. } | SplitMethod::Udh16 { .. });
        if part.udhi != (n > 1 && udh_method) {
            return Err(format!("part {i}: udhi {}", part.udhi));
        }
        match (method, part.sar) {
            (SplitMethod::Sar { reference }, Some(s)) if n > 1 => {
                if (s.ref_num, s.total as usize, s.seq as usize) != (reference, n, i + 1) {
                    return Err(format!("part {i}: SAR {s:?}"));
                }
            }
            (_, None) if !(n > 1 && matches!(method, SplitMethod::Sar { .. })) => {}
            (_, sar) => return Err(format!("part {i}: unexpected SAR {sar:?}")),
        }
        let (udh_len, payload) = if part.udhi {
            let (h, p) = udh::parse(&part.short_message).map_err(|e| e.to_string())?;
            let c = h.concat().ok_or("no concat IE")?;
            let expected_ref = match method {
                SplitMethod::Udh8 { reference } => u16::from(reference),
                SplitMethod::Udh16 { reference } => reference,
                _ => unreachable!(),
            };
            if (c.reference, c.total as usize, c.seq as usize) != (expected_ref, n, i + 1) {
                return Err(format!("part {i}: concat {c:?}"));
            }
            (h.len(), p)
        } else {
            (0, &part.short_message[..])
        };
        if matches!(method, SplitMethod::Payload) {
            if part.short_message.len() > concat::MAX_PAYLOAD_OCTETS {
                return Err("payload too large".into());
            }
            continue;
        }
        // Air-interface limit: 140 octets with GSM text packed, UDH included.
        let bits = match encoding {
            Encoding::Gsm7 => {
                let fill = gsm7::fill_bits_after_udh(udh_len) as usize;
                if udh_len > 0 {
                    udh_len * 8 + fill + payload.len() * 7
                } else {
                    payload.len() * 7
                }
            }
            _ => part.short_message.len() * 8,
        };
        if bits > 140 * 8 {
            return Err(format!("part {i} needs {bits} bits"));
        }
        let units = match encoding {
            Encoding::Gsm7 => payload.len(),
            Encoding::Ucs2 => payload.len() / 2,
            Encoding::Gsm7Packed => 0,
            _ => payload.len(),
        };
        let limit = if n == 1 { cap.single } else { cap.per_part };
        if units > limit {
            return Err(format!("part {i} has {units} units, limit {limit}"));
        }
    }

    // Receive.
    let received = if n == 1 {
        let sm = &parts[0].short_message;
        if encoding == Encoding::Gsm7Packed {
            gsm7::decode_packed_auto(sm, 0).map_err(|e| e.to_string())?
        } else {
            decode_text(encoding, sm).map_err(|e| e.to_string())?
        }
    } else {
        let mut rng = XorShift(seed);
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, rng.below(i + 1));
        }
        // Duplicates of random parts, inserted anywhere before the part that completes the
        // message (a copy arriving after completion would start a new message; that case is
        // covered in message_reassembly.rs).
        let dups = rng.below(4);
        let last = order[n - 1];
        for _ in 0..dups {
            let which = order[rng.below(n - 1)];
            let at = rng.below(order.len());
            order.insert(at, which);
        }
        debug_assert_eq!(*order.last().unwrap(), last);
        let mut r = Reassembler::new(ReassemblyConfig::default());
        let mut seen = vec![false; n];
        let mut complete = None;
        for (step, &i) in order.iter().enumerate() {
            let part = &parts[i];
            let input = match part.sar {
                Some(s) => PartInput::from_sar(
                    b"447700900001",
                    b"12345",
                    s.ref_num,
                    s.total,
                    s.seq,
                    &part.short_message,
                ),
                None => {
                    PartInput::from_short_message(b"447700900001", b"12345", &part.short_message)
                        .map_err(|e| e.to_string())?
                }
            };
            let outcome = r.push(Instant::from_millis(step as u64), input);
            let first = !seen[i];
            seen[i] = true;
            let all = seen.iter().all(|&s| s);
            match outcome {
                PushOutcome::Duplicate { .. } if !first => {}
                PushOutcome::Pending { .. } if first && !all => {}
                PushOutcome::Complete(m) if first && all => complete = Some(m),
                other => return Err(format!("step {step} (part {i}): {other:?}")),
            }
        }
        let m = complete.ok_or("never completed")?;
        if m.part_count() != n || r.pending_messages() != 0 {
            return Err("reassembler state".into());
        }
        if r.poll_event().is_some() {
            return Err("unexpected event".into());
        }
        if encoding == Encoding::Gsm7Packed {
            m.decode_gsm_packed().map_err(|e| e.to_string())?
        } else {
            decode_text(encoding, m.data()).map_err(|e| e.to_string())?
        }
    };
    let ok = received == *text
        || (encoding == Encoding::Gsm7Packed
            && text.ends_with('\r')
            && received == format!("{text}\r"));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "round trip mismatch: sent {} chars, got {} chars",
            text.chars().count(),
            received.chars().count()
        ))
    }
}

#[test]
fn prop_split_reassemble_identity() {
    fn prop(case: Case) -> bool {
        match check(&case) {
            Ok(()) => true,
            Err(e) => {
                eprintln!("{e}: {:?} {:?}", case.encoding, case.method);
                false
            }
        }
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(Case) -> bool);
}

#[test]
fn every_boundary_position_deterministic() {
    // An awkward character at every offset around the capacities, for every encoding and
    // method.
    let specials: [(Encoding, &[char]); 6] = [
        (Encoding::Gsm7, &['€', '\r']),
        (Encoding::Gsm7Packed, &['€', '\r']),
        (Encoding::Ucs2, &['😀', '€']),
        (Encoding::Latin1, &['é']),
        (Encoding::Ascii, &['~']),
        (Encoding::Binary, &['😀', 'é']),
    ];
    let mut checked = 0;
    for (encoding, chars) in specials {
        for &c in chars {
            for method in METHODS {
                for pos in (60..=165).chain(300..=310) {
                    for tail in [0usize, 1, 80] {
                        let text: String = std::iter::repeat_n('a', pos)
                            .chain([c])
                            .chain(std::iter::repeat_n('b', tail))
                            .collect();
                        let case = Case {
                            encoding,
                            method,
                            text,
                            seed: pos as u64 * 31 + tail as u64,
                        };
                        if let Err(e) = check(&case) {
                            panic!("{encoding:?} {method:?} {c:?} at {pos} (+{tail}): {e}");
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 10_000);
}

#[test]
fn exact_capacities() {
    let a = |n: usize| "a".repeat(n);
    let lens = |v: Vec<&str>| v.iter().map(|s| s.chars().count()).collect::<Vec<_>>();
    let u8m = SplitMethod::Udh8 { reference: 1 };
    let u16m = SplitMethod::Udh16 { reference: 1 };
    let sar = SplitMethod::Sar { reference: 1 };
    for enc in [Encoding::Gsm7, Encoding::Gsm7Packed] {
        assert_eq!(lens(chunk_text(&a(160), enc, u8m).unwrap()), [160]);
        assert_eq!(lens(chunk_text(&a(306), enc, u8m).unwrap()), [153, 153]);
        assert_eq!(lens(chunk_text(&a(307), enc, u8m).unwrap()), [153, 153, 1]);
        assert_eq!(lens(chunk_text(&a(304), enc, u16m).unwrap()), [152, 152]);
        assert_eq!(lens(chunk_text(&a(320), enc, sar).unwrap()), [160, 160]);
    }
    // The euro sign takes two septets: 152 + 2 does not fit in 153.
    let t = format!("{}€", a(152));
    assert_eq!(lens(chunk_text(&t, Encoding::Gsm7, u8m).unwrap()), [153]);
    let t = format!("{}€{}", a(152), a(7));
    assert_eq!(lens(chunk_text(&t, Encoding::Gsm7, u8m).unwrap()), [152, 8]);
    let t = format!("{}€{}", a(151), a(8));
    assert_eq!(lens(chunk_text(&t, Encoding::Gsm7, u8m).unwrap()), [152, 8]);
    let t = format!("{}€{}", a(151), a(7));
    assert_eq!(lens(chunk_text(&t, Encoding::Gsm7, u8m).unwrap()), [159]);
    // UCS2: 67 / 66 code units, emoji counting two.
    assert_eq!(
        lens(chunk_text(&a(71), Encoding::Ucs2, u8m).unwrap()),
        [67, 4]
    );
    assert_eq!(
        lens(chunk_text(&a(71), Encoding::Ucs2, u16m).unwrap()),
        [66, 5]
    );
    assert_eq!(
        lens(chunk_text(&a(71), Encoding::Ucs2, sar).unwrap()),
        [70, 1]
    );
    let t = format!("{}😀{}", a(66), a(10));
    assert_eq!(lens(chunk_text(&t, Encoding::Ucs2, u8m).unwrap()), [66, 11]);
    let t = format!("{}😀{}", a(65), a(10));
    assert_eq!(lens(chunk_text(&t, Encoding::Ucs2, u8m).unwrap()), [66, 10]);
    // 8-bit: 134 / 133 / 140.
    for enc in [Encoding::Latin1, Encoding::Ascii, Encoding::Binary] {
        assert_eq!(lens(chunk_text(&a(141), enc, u8m).unwrap()), [134, 7]);
        assert_eq!(lens(chunk_text(&a(141), enc, u16m).unwrap()), [133, 8]);
        assert_eq!(lens(chunk_text(&a(141), enc, sar).unwrap()), [140, 1]);
    }
    let parts = split(&a(161), Encoding::Gsm7Packed, u8m).unwrap();
    assert_eq!(parts[0].short_message.len(), 140);
    let parts = split(&a(161), Encoding::Gsm7Packed, u16m).unwrap();
    assert_eq!(parts[0].short_message.len(), 140);
    let parts = split(&a(160), Encoding::Gsm7Packed, sar).unwrap();
    assert_eq!(parts[0].short_message.len(), 140);
}

#[test]
fn more_than_255_parts_is_an_error() {
    let limits = [
        (Encoding::Gsm7, SplitMethod::Udh8 { reference: 1 }, 153),
        (Encoding::Gsm7, SplitMethod::Udh16 { reference: 1 }, 152),
        (Encoding::Ucs2, SplitMethod::Udh8 { reference: 1 }, 67),
        (Encoding::Latin1, SplitMethod::Sar { reference: 1 }, 140),
    ];
    for (enc, method, per_part) in limits {
        let ok = "a".repeat(per_part * 255);
        assert_eq!(split(&ok, enc, method).unwrap().len(), 255);
        let too_long = "a".repeat(per_part * 255 + 1);
        assert_eq!(
            split(&too_long, enc, method),
            Err(SplitError::TooManyParts { parts: 256 })
        );
        assert_eq!(
            chunk_text(&too_long, enc, method),
            Err(SplitError::TooManyParts { parts: 256 })
        );
    }
    // The payload method is not limited to 255 parts but to 65 535 octets.
    let big = "a".repeat(65_535);
    assert_eq!(
        split(&big, Encoding::Gsm7, SplitMethod::Payload)
            .unwrap()
            .len(),
        1
    );
    assert!(matches!(
        split(&format!("{big}a"), Encoding::Gsm7, SplitMethod::Payload),
        Err(SplitError::PayloadTooLarge { octets: 65_536, .. })
    ));
}

#[test]
fn binary_split_reassembles() {
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 256) as u8).collect();
    for method in METHODS {
        let parts = split_binary(&data, method).unwrap();
        if let SplitMethod::Payload = method {
            assert_eq!(parts.len(), 1);
            assert_eq!(parts[0].short_message, data);
            continue;
        }
        assert!(parts.iter().all(|p| p.short_message.len() <= 140));
        let mut r = Reassembler::new(ReassemblyConfig::default());
        let mut done = None;
        for p in parts.iter().rev() {
            let input = match p.sar {
                Some(s) => {
                    PartInput::from_sar(b"a", b"b", s.ref_num, s.total, s.seq, &p.short_message)
                }
                None => PartInput::from_short_message(b"a", b"b", &p.short_message).unwrap(),
            };
            if let PushOutcome::Complete(m) = r.push(Instant::ZERO, input) {
                done = Some(m);
            }
        }
        let m = done.unwrap();
        assert_eq!(m.data(), &data[..]);
        assert_eq!(m.decode(4).unwrap(), Decoded::Binary(&data[..]));
    }
}
