//! Over-long C-octet strings (a 9-character password, a `system_id` or `system_type` longer
//! than SMPP 3.4 allows, a long `source_addr`, ...) whose NUL is still inside the PDU:
//! accepted by the default (lenient) parse with a lenient warning naming the field,
//! refused by the strict parse with `TooLong` naming the field, and never encoded.
//! Properties over random fields, lengths and neighbouring values (quickcheck).
#![cfg(feature = "alloc")]

use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use smpp_core::pdu::{lenient_warning, Address, Bind, Body, ParseOptions, SubmitSm};
use smpp_core::{DecodeError, EncodeError, Field, Frame, Pdu};

/// The C-octet strings of the bodies under test, with their maximum (NUL included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    SystemId,
    Password,
    SystemType,
    AddressRange,
    ServiceType,
    SourceAddr,
    DestinationAddr,
}

const ALL: [Which; 7] = [
    Which::SystemId,
    Which::Password,
    Which::SystemType,
    Which::AddressRange,
    Which::ServiceType,
    Which::SourceAddr,
    Which::DestinationAddr,
];

impl Which {
    fn field(self) -> Field {
        match self {
            Which::SystemId => Field::SystemId,
            Which::Password => Field::Password,
            Which::SystemType => Field::SystemType,
            Which::AddressRange => Field::AddressRange,
            Which::ServiceType => Field::ServiceType,
            Which::SourceAddr => Field::SourceAddr,
            Which::DestinationAddr => Field::DestinationAddr,
        }
    }

    /// The specification's maximum size including the NUL.
    fn max(self) -> usize {
        match self {
            Which::SystemId => 16,
            Which::Password => 9,
            Which::SystemType => 13,
            Which::AddressRange => 41,
            Which::ServiceType => 6,
            Which::SourceAddr | Which::DestinationAddr => 21,
        }
    }

    fn is_bind(self) -> bool {
        matches!(
            self,
            Which::SystemId | Which::Password | Which::SystemType | Which::AddressRange
        )
    }
}

/// Printable octets of `len` (never NUL).
fn text(g: &mut Gen, len: usize) -> Vec<u8> {
    (0..len).map(|_| b'!' + u8::arbitrary(g) % 94).collect()
}

/// A random valid value for `w`, shorter than its maximum.
fn valid(g: &mut Gen, w: Which) -> Vec<u8> {
    let len = usize::arbitrary(g) % w.max();
    text(g, len)
}

/// A bind or submit_sm/deliver_sm body whose field `which` is `over` octets too long (1 to
/// 40 beyond the maximum), every other field valid and random.
#[derive(Clone, Debug)]
struct OverLong {
    which: Which,
    command_id: u32,
    values: Vec<Vec<u8>>,
    numbers: Vec<u8>,
    short_message: Vec<u8>,
}

impl Arbitrary for OverLong {
    fn arbitrary(g: &mut Gen) -> OverLong {
        let which = *g.choose(&ALL).unwrap();
        let command_id = if which.is_bind() {
            *g.choose(&[0x01u32, 0x02, 0x09]).unwrap()
        } else {
            *g.choose(&[0x04u32, 0x05]).unwrap()
        };
        let fields: &[Which] = if which.is_bind() {
            &ALL[..4]
        } else {
            &ALL[4..]
        };
        let values = fields
            .iter()
            .map(|&f| {
                if f == which {
                    let extra = 1 + usize::arbitrary(g) % 40;
                    text(g, f.max() - 1 + extra)
                } else {
                    valid(g, f)
                }
            })
            .collect();
        let numbers = (0..12).map(|_| u8::arbitrary(g)).collect();
        let sm_len = usize::arbitrary(g) % 100;
        OverLong {
            which,
            command_id,
            values,
            numbers,
            short_message: (0..sm_len).map(|_| u8::arbitrary(g)).collect(),
        }
    }
}

impl OverLong {
    /// The value of the over-long field.
    fn over(&self) -> &[u8] {
        let fields: &[Which] = if self.which.is_bind() {
            &ALL[..4]
        } else {
            &ALL[4..]
        };
        let i = fields.iter().position(|&w| w == self.which).unwrap();
        &self.values[i]
    }

    /// The frame, built by hand (the encoder would refuse it).
    fn frame(&self) -> Vec<u8> {
        let n = &self.numbers;
        let v = &self.values;
        let mut body = Vec::new();
        let cs = |b: &mut Vec<u8>, s: &[u8]| {
            b.extend_from_slice(s);
            b.push(0);
        };
        if self.which.is_bind() {
            cs(&mut body, &v[0]);
            cs(&mut body, &v[1]);
            cs(&mut body, &v[2]);
            body.extend_from_slice(&[n[0], n[1], n[2]]); // interface_version, ton, npi
            cs(&mut body, &v[3]);
        } else {
            cs(&mut body, &v[0]); // service_type
            body.extend_from_slice(&[n[0], n[1]]);
            cs(&mut body, &v[1]); // source_addr
            body.extend_from_slice(&[n[2], n[3]]);
            cs(&mut body, &v[2]); // destination_addr
                                  // esm_class, protocol_id, priority_flag (0..=3 is not checked on receive)
            body.extend_from_slice(&[n[4], n[5], n[6] % 4]);
            body.extend_from_slice(&[0, 0]); // schedule_delivery_time, validity_period
            body.extend_from_slice(&[n[7], n[8], n[9], n[10]]);
            body.push(self.short_message.len() as u8);
            body.extend_from_slice(&self.short_message);
        }
        let mut f = ((16 + body.len()) as u32).to_be_bytes().to_vec();
        f.extend_from_slice(&self.command_id.to_be_bytes());
        f.extend_from_slice(&[0, 0, 0, 0]);
        f.extend_from_slice(&u32::from(n[11]).to_be_bytes());
        f.extend_from_slice(&body);
        f
    }
}

/// `body` with the over-long field cut to its maximum (`max - 1` octets and the NUL).
fn cut<'a>(body: Body<'a>, which: Which) -> Body<'a> {
    let keep = which.max() - 1;
    let c = |s: &'a [u8]| &s[..keep.min(s.len())];
    let bind = |b: Bind<'a>| match which {
        Which::SystemId => Bind {
            system_id: c(b.system_id),
            ..b
        },
        Which::Password => Bind {
            password: c(b.password),
            ..b
        },
        Which::SystemType => Bind {
            system_type: c(b.system_type),
            ..b
        },
        _ => Bind {
            address_range: c(b.address_range),
            ..b
        },
    };
    let sm = |m: SubmitSm<'a>| match which {
        Which::ServiceType => SubmitSm {
            service_type: c(m.service_type),
            ..m
        },
        Which::SourceAddr => SubmitSm {
            source: Address {
                addr: c(m.source.addr),
                ..m.source
            },
            ..m
        },
        _ => SubmitSm {
            destination: Address {
                addr: c(m.destination.addr),
                ..m.destination
            },
            ..m
        },
    };
    match body {
        Body::BindReceiver(b) => Body::BindReceiver(bind(b)),
        Body::BindTransmitter(b) => Body::BindTransmitter(bind(b)),
        Body::BindTransceiver(b) => Body::BindTransceiver(bind(b)),
        Body::SubmitSm(m) => Body::SubmitSm(sm(m)),
        Body::DeliverSm(m) => Body::DeliverSm(sm(m)),
        other => panic!("unexpected body {other:?}"),
    }
}

/// The over-long field's value in a parsed body.
fn value<'a>(body: &Body<'a>, which: Which) -> &'a [u8] {
    match (body, which) {
        (Body::BindReceiver(b) | Body::BindTransmitter(b) | Body::BindTransceiver(b), w) => match w
        {
            Which::SystemId => b.system_id,
            Which::Password => b.password,
            Which::SystemType => b.system_type,
            _ => b.address_range,
        },
        (Body::SubmitSm(m) | Body::DeliverSm(m), w) => match w {
            Which::ServiceType => m.service_type,
            Which::SourceAddr => m.source.addr,
            _ => m.destination.addr,
        },
        other => panic!("unexpected body {other:?}"),
    }
}

fn prop_over_long(o: OverLong) -> TestResult {
    let bytes = o.frame();
    let (field, max) = (o.which.field(), o.which.max());
    let too_long = DecodeError::TooLong { field, max };
    // Lenient: accepted, the whole value kept, the warning names the field.
    let p = match Pdu::parse(&bytes) {
        Ok(p) => p,
        Err(e) => return TestResult::error(format!("lenient parse of {o:?}: {e}")),
    };
    if value(&p.body, o.which) != o.over() {
        return TestResult::error(format!("value not kept whole: {p:?}"));
    }
    if lenient_warning(&bytes, &ParseOptions::default()) != Some(too_long) {
        return TestResult::error(format!(
            "warning {:?}",
            lenient_warning(&bytes, &ParseOptions::default())
        ));
    }
    let frame = Frame::new(bytes.clone().into()).unwrap();
    if frame.lenient_warning() != Some(too_long) {
        return TestResult::error("the frame's warning");
    }
    // Strict: refused, naming the field.
    if Pdu::parse_with(&bytes, &ParseOptions::strict()) != Err(too_long) {
        return TestResult::error(format!(
            "strict: {:?}",
            Pdu::parse_with(&bytes, &ParseOptions::strict())
        ));
    }
    // Encoding stays strict.
    let mut out = vec![0u8; p.encoded_len()];
    let refused = EncodeError::TooLong { field, max };
    if p.encode(&mut out) != Err(refused) || p.validate() != Err(refused) {
        return TestResult::error(format!("encoded: {p:?}"));
    }
    // The round trip stays meaningful: with the field cut to its maximum, every other field
    // parsed is exactly what was sent (the string did not desynchronise the parse), the PDU
    // encodes, and it parses back strictly to itself.
    let fixed = Pdu {
        body: cut(p.body, o.which),
        ..p
    };
    let n = fixed.encoded_len();
    let mut out = vec![0u8; n];
    if fixed.encode(&mut out) != Ok(n) {
        return TestResult::error(format!("the cut PDU does not encode: {fixed:?}"));
    }
    let back = Pdu::parse_with(&out, &ParseOptions::strict());
    if back != Ok(fixed) {
        return TestResult::error(format!("round trip: {back:?} != {fixed:?}"));
    }
    // The cut frame is the sent one minus the excess octets.
    let excess = o.over().len() - (max - 1);
    if out.len() + excess != bytes.len()
        || lenient_warning(&out, &ParseOptions::default()).is_some()
    {
        return TestResult::error("the cut frame");
    }
    TestResult::passed()
}

#[test]
fn over_long_strings_lenient_strict_and_encode() {
    QuickCheck::new()
        .tests(2_000)
        .quickcheck(prop_over_long as fn(OverLong) -> TestResult);
}

/// Every field of the property is exercised by name at least once (the property's
/// generator is not silently narrowed).
#[test]
fn each_field_by_hand() {
    let mut g = Gen::new(50);
    for which in ALL {
        let mut o = OverLong::arbitrary(&mut g);
        while o.which != which {
            o = OverLong::arbitrary(&mut g);
        }
        assert!(!prop_over_long(o.clone()).is_failure(), "{o:?}");
        let e = lenient_warning(&o.frame(), &ParseOptions::default()).unwrap();
        assert_eq!(e.field(), Some(which.field()));
        assert!(e.to_string().starts_with(which.field().name()), "{e}");
    }
}

/// The cases of the brief: a 9-character password, a 16-character system_id, a
/// 13-character system_type, a 41-character address_range, a 6-character service_type and
/// a 21-digit source_addr.
#[test]
fn deployed_esme_examples() {
    let bind = |id: &[u8], pw: &[u8], st: &[u8], ar: &[u8]| {
        let mut body = Vec::new();
        for s in [id, pw, st] {
            body.extend_from_slice(s);
            body.push(0);
        }
        body.extend_from_slice(&[0x34, 1, 1]);
        body.extend_from_slice(ar);
        body.push(0);
        let mut f = ((16 + body.len()) as u32).to_be_bytes().to_vec();
        f.extend_from_slice(&[0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 7]);
        f.extend_from_slice(&body);
        f
    };
    for (bytes, field, max) in [
        (bind(b"acme", b"password9", b"", b""), Field::Password, 9),
        (
            bind(b"a-long-system-id", b"pw", b"", b""),
            Field::SystemId,
            16,
        ),
        (
            bind(b"id", b"pw", b"VeryLongType1", b""),
            Field::SystemType,
            13,
        ),
        (
            bind(b"id", b"pw", b"", &[b'1'; 41]),
            Field::AddressRange,
            41,
        ),
    ] {
        let p = Pdu::parse(&bytes).unwrap();
        let Body::BindTransceiver(b) = p.body else {
            panic!("{p:?}")
        };
        assert_eq!(
            b.interface_version, 0x34,
            "the fields after it are in place"
        );
        assert_eq!(
            lenient_warning(&bytes, &ParseOptions::default()),
            Some(DecodeError::TooLong { field, max })
        );
        assert_eq!(
            Pdu::parse_with(&bytes, &ParseOptions::strict()),
            Err(DecodeError::TooLong { field, max })
        );
        assert_eq!(p.validate(), Err(EncodeError::TooLong { field, max }));
    }
    // An over-long string with no NUL anywhere in the PDU is refused either way.
    let mut cut = bind(b"id", b"password9", b"", b"");
    let at = 16 + 3 + 9; // the password's NUL
    cut.truncate(at);
    cut[3] = at as u8;
    for opts in [ParseOptions::default(), ParseOptions::strict()] {
        assert_eq!(
            Pdu::parse_with(&cut, &opts),
            Err(DecodeError::TooLong {
                field: Field::Password,
                max: 9
            })
        );
    }
}
