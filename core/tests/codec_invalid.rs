//! Invalid input, field by field: hand-built octets that break each limit must fail to parse
//! with the right typed error and `command_status`; invalid values must be refused by the
//! encoder; and no input at all may make the codec panic.
#![cfg(feature = "alloc")]

use bytes::BytesMut;
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use smpp_core::codec::{frame, Framing};
use smpp_core::pdu::{
    lenient_warning, Address, AlertNotification, Bind, BindResp, Body, CancelSm, DataSm,
    DestAddress, List, MessageIdResp, Outbind, ParseOptions, QuerySm, QuerySmResp, ReplaceSm,
    SubmitMulti, SubmitMultiResp, SubmitSm, Tlv, TlvTag, Tlvs, UnsuccessSme,
    DEFAULT_MAX_COMMAND_LENGTH, HEADER_LEN,
};
use smpp_core::pdu::{BroadcastSm, CancelBroadcastSm, QueryBroadcastSm, QueryBroadcastSmResp};
use smpp_core::{CommandId, CommandStatus, DecodeError, EncodeError, Field, Frame, Pdu};

type S = CommandStatus;

// ---------------------------------------------------------------------------------------
// Building octets by hand
// ---------------------------------------------------------------------------------------

/// A whole PDU with a correct `command_length`.
fn pdu(id: u32, status: u32, seq: u32, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(16 + body.len());
    v.extend_from_slice(&(16 + body.len() as u32).to_be_bytes());
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(&status.to_be_bytes());
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(body);
    v
}

/// `n` copies of an ASCII letter: a string value without NUL.
fn s(n: usize) -> Vec<u8> {
    (0..n).map(|i| b'a' + (i % 26) as u8).collect()
}

/// Body octets, field by field.
#[derive(Default, Clone)]
struct B(Vec<u8>);

impl B {
    /// A C-octet string: the value, then its NUL.
    fn cs(mut self, v: &[u8]) -> B {
        self.0.extend_from_slice(v);
        self.0.push(0);
        self
    }
    fn u8(mut self, v: u8) -> B {
        self.0.push(v);
        self
    }
    fn u32(mut self, v: u32) -> B {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn raw(mut self, v: &[u8]) -> B {
        self.0.extend_from_slice(v);
        self
    }
    fn tlv(self, tag: u16, v: &[u8]) -> B {
        self.raw(&tag.to_be_bytes())
            .raw(&(v.len() as u16).to_be_bytes())
            .raw(v)
    }
}

/// The fields of `submit_sm` / `deliver_sm`, as raw values.
#[derive(Clone)]
struct Sm {
    service_type: Vec<u8>,
    source: Vec<u8>,
    destination: Vec<u8>,
    schedule: Vec<u8>,
    validity: Vec<u8>,
    /// `None`: the length of `short_message`.
    sm_length: Option<u8>,
    short_message: Vec<u8>,
    tlvs: Vec<u8>,
}

impl Default for Sm {
    fn default() -> Sm {
        Sm {
            service_type: b"CMT".to_vec(),
            source: b"Sender".to_vec(),
            destination: b"447700900123".to_vec(),
            schedule: Vec::new(),
            validity: b"000001000000000R".to_vec(),
            sm_length: None,
            short_message: b"Hello".to_vec(),
            tlvs: Vec::new(),
        }
    }
}

impl Sm {
    fn body(&self) -> Vec<u8> {
        let sm_len = self.sm_length.unwrap_or(self.short_message.len() as u8);
        B::default()
            .cs(&self.service_type)
            .u8(5)
            .u8(0)
            .cs(&self.source)
            .u8(1)
            .u8(1)
            .cs(&self.destination)
            .u8(0) // esm_class
            .u8(0) // protocol_id
            .u8(0) // priority_flag
            .cs(&self.schedule)
            .cs(&self.validity)
            .u8(1) // registered_delivery
            .u8(0) // replace_if_present_flag
            .u8(0) // data_coding
            .u8(0) // sm_default_msg_id
            .u8(sm_len)
            .raw(&self.short_message)
            .raw(&self.tlvs)
            .0
    }
    fn submit(&self) -> Vec<u8> {
        pdu(0x04, 0, 1, &self.body())
    }
    fn deliver(&self) -> Vec<u8> {
        pdu(0x05, 0, 1, &self.body())
    }
}

fn bind(id: u32, system_id: &[u8], password: &[u8], system_type: &[u8], range: &[u8]) -> Vec<u8> {
    let body = B::default()
        .cs(system_id)
        .cs(password)
        .cs(system_type)
        .u8(0x34)
        .u8(1)
        .u8(1)
        .cs(range);
    pdu(id, 0, 1, &body.0)
}

fn data_sm(service_type: &[u8], source: &[u8], destination: &[u8]) -> Vec<u8> {
    let body = B::default()
        .cs(service_type)
        .u8(1)
        .u8(1)
        .cs(source)
        .u8(1)
        .u8(1)
        .cs(destination)
        .u8(0)
        .u8(1)
        .u8(0)
        .tlv(0x0424, b"payload");
    pdu(0x103, 0, 1, &body.0)
}

/// `submit_multi` with the given destination entries (already encoded) and count.
fn submit_multi(count: u8, dests: &[u8], schedule: &[u8], sm_length: u8, sm: &[u8]) -> Vec<u8> {
    let body = B::default()
        .cs(b"")
        .u8(5)
        .u8(0)
        .cs(b"Sender")
        .u8(count)
        .raw(dests)
        .u8(0)
        .u8(0)
        .u8(0)
        .cs(schedule)
        .cs(b"")
        .u8(0)
        .u8(0)
        .u8(0)
        .u8(0)
        .u8(sm_length)
        .raw(sm);
    pdu(0x21, 0, 1, &body.0)
}

fn sme_dest(addr: &[u8]) -> Vec<u8> {
    B::default().u8(1).u8(1).u8(1).cs(addr).0
}

fn dl_dest(name: &[u8]) -> Vec<u8> {
    B::default().u8(2).cs(name).0
}

fn submit_multi_resp(message_id: &[u8], count: u8, entries: &[u8]) -> Vec<u8> {
    let body = B::default().cs(message_id).u8(count).raw(entries);
    pdu(0x8000_0021, 0, 1, &body.0)
}

fn unsuccess(addr: &[u8], status: u32) -> Vec<u8> {
    B::default().u8(1).u8(1).cs(addr).u32(status).0
}

fn query_sm(message_id: &[u8], source: &[u8]) -> Vec<u8> {
    let body = B::default().cs(message_id).u8(1).u8(1).cs(source);
    pdu(0x03, 0, 1, &body.0)
}

fn query_sm_resp(message_id: &[u8], final_date: &[u8]) -> Vec<u8> {
    let body = B::default().cs(message_id).cs(final_date).u8(2).u8(0);
    pdu(0x8000_0003, 0, 1, &body.0)
}

fn cancel_sm(service_type: &[u8], message_id: &[u8], source: &[u8], dest: &[u8]) -> Vec<u8> {
    let body = B::default()
        .cs(service_type)
        .cs(message_id)
        .u8(1)
        .u8(1)
        .cs(source)
        .u8(1)
        .u8(1)
        .cs(dest);
    pdu(0x08, 0, 1, &body.0)
}

fn replace_sm(
    message_id: &[u8],
    source: &[u8],
    schedule: &[u8],
    sm_length: u8,
    sm: &[u8],
) -> Vec<u8> {
    let body = B::default()
        .cs(message_id)
        .u8(1)
        .u8(1)
        .cs(source)
        .cs(schedule)
        .cs(b"")
        .u8(0)
        .u8(0)
        .u8(sm_length)
        .raw(sm);
    pdu(0x07, 0, 1, &body.0)
}

fn alert(source: &[u8], esme: &[u8]) -> Vec<u8> {
    let body = B::default().u8(1).u8(1).cs(source).u8(1).u8(1).cs(esme);
    pdu(0x102, 0, 1, &body.0)
}

fn message_id_resp(id: u32, status: u32, message_id: &[u8]) -> Vec<u8> {
    pdu(id, status, 1, &B::default().cs(message_id).0)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The parse error for these octets, checked to agree with the status and field it implies.
fn parse_err(bytes: &[u8], opts: &ParseOptions) -> DecodeError {
    match Pdu::parse_with(bytes, opts) {
        Ok(p) => panic!("expected an error for {}, parsed {p:?}", hex(bytes)),
        Err(e) => e,
    }
}

/// One decode case: `bad` must fail with `err` / `status`; `good` (the same PDU one octet
/// inside the limit) must parse with both the default and the strict options. A C-octet
/// string too long for its field (`err` is `TooLong`) whose NUL is still inside the PDU
/// fails only strictly: the default options accept it with a lenient warning naming the
/// field, and encoding the result fails on that field.
struct Case {
    what: &'static str,
    good: Vec<u8>,
    bad: Vec<u8>,
    err: DecodeError,
    status: CommandStatus,
}

fn check_cases(cases: &[Case]) {
    for c in cases {
        for opts in [ParseOptions::default(), ParseOptions::strict()] {
            if let Err(e) = Pdu::parse_with(&c.good, &opts) {
                panic!(
                    "{}: the valid neighbour failed: {e:?} {}",
                    c.what,
                    hex(&c.good)
                );
            }
            if opts != ParseOptions::strict() && over_long_in_bounds(c) {
                check_lenient_over_long(c);
                continue;
            }
            let e = parse_err(&c.bad, &opts);
            assert_eq!(e, c.err, "{}: {}", c.what, hex(&c.bad));
            assert_eq!(e.status(), c.status, "{}", c.what);
            if let Some(f) = e.field() {
                if matches!(
                    e,
                    DecodeError::TooLong { .. } | DecodeError::InvalidValue { .. }
                ) {
                    assert_eq!(f.invalid_status(), c.status, "{}", c.what);
                }
            }
            // Framing alone does not look at bodies: the frame is complete.
            assert_eq!(
                frame(&c.bad, DEFAULT_MAX_COMMAND_LENGTH),
                Ok(Framing::Complete(c.bad.len())),
                "{}",
                c.what
            );
        }
    }
}

/// True when `c` is an over-long C-octet string (every such case has its NUL inside the
/// PDU, so only a strict parse refuses it) — except the time fields, whose format is fixed
/// (empty or 16 characters) whatever the options.
fn over_long_in_bounds(c: &Case) -> bool {
    match c.err {
        DecodeError::TooLong { field, .. } => !matches!(
            field,
            Field::ScheduleDeliveryTime | Field::ValidityPeriod | Field::FinalDate
        ),
        _ => false,
    }
}

/// The default options accept `c.bad` with a lenient warning that is `c.err` (the field and
/// its maximum), the strict ones refuse it with that error, and the PDU parsed cannot be
/// encoded (encoding stays strict: the same field).
fn check_lenient_over_long(c: &Case) {
    let DecodeError::TooLong { field, max } = c.err else {
        unreachable!("only over-long cases")
    };
    let p = Pdu::parse(&c.bad).unwrap_or_else(|e| panic!("{}: lenient parse: {e:?}", c.what));
    assert_eq!(
        lenient_warning(&c.bad, &ParseOptions::default()),
        Some(c.err),
        "{}",
        c.what
    );
    assert_eq!(
        Frame::new(c.bad.clone().into()).unwrap().lenient_warning(),
        Some(c.err),
        "{}",
        c.what
    );
    assert_eq!(
        Pdu::parse_with(&c.bad, &ParseOptions::strict()),
        Err(c.err),
        "{}",
        c.what
    );
    assert_eq!(
        p.validate(),
        Err(EncodeError::TooLong { field, max }),
        "{}",
        c.what
    );
    let mut out = vec![0u8; p.encoded_len()];
    assert_eq!(
        p.encode(&mut out),
        Err(EncodeError::TooLong { field, max }),
        "{}",
        c.what
    );
}

fn too_long(field: Field, max: usize) -> DecodeError {
    DecodeError::TooLong { field, max }
}

fn invalid(field: Field) -> DecodeError {
    DecodeError::InvalidValue { field }
}

// ---------------------------------------------------------------------------------------
// Decode: every field limit
// ---------------------------------------------------------------------------------------

#[test]
fn decode_bind_limits() {
    let ok = |id| bind(id, &s(15), &s(8), &s(12), &s(40));
    let cases = [
        Case {
            what: "bind_transmitter system_id 16",
            good: ok(0x02),
            bad: bind(0x02, &s(16), b"pw", b"", b""),
            err: too_long(Field::SystemId, 16),
            status: S::ESME_RINVSYSID,
        },
        Case {
            what: "bind_receiver password 9",
            good: ok(0x01),
            bad: bind(0x01, b"id", &s(9), b"", b""),
            err: too_long(Field::Password, 9),
            status: S::ESME_RINVPASWD,
        },
        Case {
            what: "bind_transceiver system_type 13",
            good: ok(0x09),
            bad: bind(0x09, b"id", b"pw", &s(13), b""),
            err: too_long(Field::SystemType, 13),
            status: S::ESME_RINVSYSTYP,
        },
        Case {
            what: "bind_transmitter address_range 41",
            good: ok(0x02),
            bad: bind(0x02, b"id", b"pw", b"", &s(41)),
            err: too_long(Field::AddressRange, 41),
            status: S::ESME_RBINDFAIL,
        },
        Case {
            what: "outbind system_id 16",
            good: pdu(0x0B, 0, 1, &B::default().cs(&s(15)).cs(&s(8)).0),
            bad: pdu(0x0B, 0, 1, &B::default().cs(&s(16)).cs(b"pw").0),
            err: too_long(Field::SystemId, 16),
            status: S::ESME_RINVSYSID,
        },
        Case {
            what: "outbind password 9",
            good: pdu(0x0B, 0, 1, &B::default().cs(b"id").cs(&s(8)).0),
            bad: pdu(0x0B, 0, 1, &B::default().cs(b"id").cs(&s(9)).0),
            err: too_long(Field::Password, 9),
            status: S::ESME_RINVPASWD,
        },
        Case {
            what: "bind_transceiver_resp system_id 16",
            good: pdu(0x8000_0009, 0, 1, &B::default().cs(&s(15)).0),
            bad: pdu(0x8000_0009, 0, 1, &B::default().cs(&s(16)).0),
            err: too_long(Field::SystemId, 16),
            status: S::ESME_RINVSYSID,
        },
    ];
    check_cases(&cases);
    // 16 characters is too long even when the PDU ends right there (no NUL at all).
    let bare = pdu(0x02, 0, 1, &s(16));
    assert_eq!(
        parse_err(&bare, &ParseOptions::default()),
        too_long(Field::SystemId, 16)
    );
}

#[test]
fn decode_message_limits() {
    let sm = Sm::default;
    let cases = [
        Case {
            what: "submit_sm service_type 6",
            good: Sm {
                service_type: s(5),
                ..sm()
            }
            .submit(),
            bad: Sm {
                service_type: s(6),
                ..sm()
            }
            .submit(),
            err: too_long(Field::ServiceType, 6),
            status: S::ESME_RINVSERTYP,
        },
        Case {
            what: "submit_sm source_addr 21",
            good: Sm {
                source: s(20),
                ..sm()
            }
            .submit(),
            bad: Sm {
                source: s(21),
                ..sm()
            }
            .submit(),
            err: too_long(Field::SourceAddr, 21),
            status: S::ESME_RINVSRCADR,
        },
        Case {
            what: "deliver_sm source_addr 21",
            good: Sm {
                source: s(20),
                ..sm()
            }
            .deliver(),
            bad: Sm {
                source: s(21),
                ..sm()
            }
            .deliver(),
            err: too_long(Field::SourceAddr, 21),
            status: S::ESME_RINVSRCADR,
        },
        Case {
            what: "submit_sm destination_addr 21",
            good: Sm {
                destination: s(20),
                ..sm()
            }
            .submit(),
            bad: Sm {
                destination: s(21),
                ..sm()
            }
            .submit(),
            err: too_long(Field::DestinationAddr, 21),
            status: S::ESME_RINVDSTADR,
        },
        Case {
            what: "submit_sm schedule_delivery_time of 5 characters",
            good: Sm {
                schedule: b"261121230000004+".to_vec(),
                ..sm()
            }
            .submit(),
            bad: Sm {
                schedule: b"26112".to_vec(),
                ..sm()
            }
            .submit(),
            err: invalid(Field::ScheduleDeliveryTime),
            status: S::ESME_RINVSCHED,
        },
        Case {
            what: "submit_sm schedule_delivery_time of 15 characters",
            good: Sm {
                schedule: s(16),
                ..sm()
            }
            .submit(),
            bad: Sm {
                schedule: s(15),
                ..sm()
            }
            .submit(),
            err: invalid(Field::ScheduleDeliveryTime),
            status: S::ESME_RINVSCHED,
        },
        Case {
            what: "submit_sm schedule_delivery_time of 17 characters",
            good: Sm {
                schedule: s(16),
                ..sm()
            }
            .submit(),
            bad: Sm {
                schedule: s(17),
                ..sm()
            }
            .submit(),
            err: too_long(Field::ScheduleDeliveryTime, 17),
            status: S::ESME_RINVSCHED,
        },
        Case {
            what: "submit_sm validity_period of 5 characters",
            good: Sm {
                validity: s(16),
                ..sm()
            }
            .submit(),
            bad: Sm {
                validity: b"00000".to_vec(),
                ..sm()
            }
            .submit(),
            err: invalid(Field::ValidityPeriod),
            status: S::ESME_RINVEXPIRY,
        },
        Case {
            what: "submit_sm sm_length 255",
            good: Sm {
                short_message: vec![0x41; 254],
                ..sm()
            }
            .submit(),
            bad: Sm {
                sm_length: Some(255),
                short_message: vec![0x41; 255],
                ..sm()
            }
            .submit(),
            err: invalid(Field::SmLength),
            status: S::ESME_RINVMSGLEN,
        },
        Case {
            what: "submit_sm sm_length past the end of the body",
            good: Sm {
                sm_length: Some(5),
                ..sm()
            }
            .submit(),
            bad: Sm {
                sm_length: Some(6),
                ..sm()
            }
            .submit(),
            err: DecodeError::Truncated {
                field: Field::ShortMessage,
            },
            status: S::ESME_RINVCMDLEN,
        },
        Case {
            what: "data_sm source_addr 65",
            good: data_sm(b"", &s(64), b"1"),
            bad: data_sm(b"", &s(65), b"1"),
            err: too_long(Field::SourceAddr, 65),
            status: S::ESME_RINVSRCADR,
        },
        Case {
            what: "data_sm destination_addr 65",
            good: data_sm(b"", b"1", &s(64)),
            bad: data_sm(b"", b"1", &s(65)),
            err: too_long(Field::DestinationAddr, 65),
            status: S::ESME_RINVDSTADR,
        },
        Case {
            what: "data_sm service_type 6",
            good: data_sm(&s(5), b"1", b"2"),
            bad: data_sm(&s(6), b"1", b"2"),
            err: too_long(Field::ServiceType, 6),
            status: S::ESME_RINVSERTYP,
        },
        Case {
            what: "alert_notification source_addr 65",
            good: alert(&s(64), &s(64)),
            bad: alert(&s(65), b"esme"),
            err: too_long(Field::SourceAddr, 65),
            status: S::ESME_RINVSRCADR,
        },
        Case {
            what: "alert_notification esme_addr 65",
            good: alert(b"1", &s(64)),
            bad: alert(b"1", &s(65)),
            err: too_long(Field::EsmeAddr, 65),
            status: S::ESME_RINVDSTADR,
        },
    ];
    check_cases(&cases);
}

#[test]
fn decode_message_id_limits() {
    let mut cases = Vec::new();
    for (what, id) in [
        ("submit_sm_resp message_id 65", 0x8000_0004),
        ("deliver_sm_resp message_id 65", 0x8000_0005),
        ("data_sm_resp message_id 65", 0x8000_0103),
    ] {
        cases.push(Case {
            what,
            good: message_id_resp(id, 0, &s(64)),
            bad: message_id_resp(id, 0, &s(65)),
            err: too_long(Field::MessageId, 65),
            status: S::ESME_RINVMSGID,
        });
    }
    let more = [
        Case {
            what: "submit_multi_resp message_id 65",
            good: submit_multi_resp(&s(64), 0, &[]),
            bad: submit_multi_resp(&s(65), 0, &[]),
            err: too_long(Field::MessageId, 65),
            status: S::ESME_RINVMSGID,
        },
        Case {
            what: "query_sm message_id 65",
            good: query_sm(&s(64), &s(20)),
            bad: query_sm(&s(65), b"1"),
            err: too_long(Field::MessageId, 65),
            status: S::ESME_RINVMSGID,
        },
        Case {
            what: "query_sm source_addr 21",
            good: query_sm(b"1", &s(20)),
            bad: query_sm(b"1", &s(21)),
            err: too_long(Field::SourceAddr, 21),
            status: S::ESME_RINVSRCADR,
        },
        Case {
            what: "query_sm_resp message_id 65",
            good: query_sm_resp(&s(64), b""),
            bad: query_sm_resp(&s(65), b""),
            err: too_long(Field::MessageId, 65),
            status: S::ESME_RINVMSGID,
        },
        Case {
            what: "query_sm_resp final_date of 5 characters",
            good: query_sm_resp(b"1", b"261121230000004+"),
            bad: query_sm_resp(b"1", b"26112"),
            err: invalid(Field::FinalDate),
            status: Field::FinalDate.invalid_status(),
        },
        Case {
            what: "cancel_sm service_type 6",
            good: cancel_sm(&s(5), &s(64), &s(20), &s(20)),
            bad: cancel_sm(&s(6), b"1", b"2", b"3"),
            err: too_long(Field::ServiceType, 6),
            status: S::ESME_RINVSERTYP,
        },
        Case {
            what: "cancel_sm message_id 65",
            good: cancel_sm(b"", &s(64), b"2", b"3"),
            bad: cancel_sm(b"", &s(65), b"2", b"3"),
            err: too_long(Field::MessageId, 65),
            status: S::ESME_RINVMSGID,
        },
        Case {
            what: "cancel_sm source_addr 21",
            good: cancel_sm(b"", b"1", &s(20), b"3"),
            bad: cancel_sm(b"", b"1", &s(21), b"3"),
            err: too_long(Field::SourceAddr, 21),
            status: S::ESME_RINVSRCADR,
        },
        Case {
            what: "cancel_sm destination_addr 21",
            good: cancel_sm(b"", b"1", b"2", &s(20)),
            bad: cancel_sm(b"", b"1", b"2", &s(21)),
            err: too_long(Field::DestinationAddr, 21),
            status: S::ESME_RINVDSTADR,
        },
        Case {
            what: "replace_sm message_id 65",
            good: replace_sm(&s(64), &s(20), b"", 2, b"hi"),
            bad: replace_sm(&s(65), b"1", b"", 2, b"hi"),
            err: too_long(Field::MessageId, 65),
            status: S::ESME_RINVMSGID,
        },
        Case {
            what: "replace_sm source_addr 21",
            good: replace_sm(b"1", &s(20), b"", 2, b"hi"),
            bad: replace_sm(b"1", &s(21), b"", 2, b"hi"),
            err: too_long(Field::SourceAddr, 21),
            status: S::ESME_RINVSRCADR,
        },
        Case {
            what: "replace_sm schedule_delivery_time of 5 characters",
            good: replace_sm(b"1", b"2", &s(16), 2, b"hi"),
            bad: replace_sm(b"1", b"2", &s(5), 2, b"hi"),
            err: invalid(Field::ScheduleDeliveryTime),
            status: S::ESME_RINVSCHED,
        },
        Case {
            what: "replace_sm sm_length 255",
            good: replace_sm(b"1", b"2", b"", 254, &[7; 254]),
            bad: replace_sm(b"1", b"2", b"", 255, &[7; 255]),
            err: invalid(Field::SmLength),
            status: S::ESME_RINVMSGLEN,
        },
    ];
    cases.extend(more);
    check_cases(&cases);
    // A message_id without NUL that is longer than the limit is too long even under the
    // lenient "missing final NUL" quirk.
    let bare = pdu(0x8000_0004, 0, 1, &s(65));
    assert_eq!(
        parse_err(&bare, &ParseOptions::default()),
        too_long(Field::MessageId, 65)
    );
}

#[test]
fn decode_submit_multi_limits() {
    let two = [sme_dest(b"447700900123"), dl_dest(b"friends")].concat();
    let good = || submit_multi(2, &two, b"", 2, b"hi");
    let dests_254: Vec<u8> = (0..254).flat_map(|_| sme_dest(b"1")).collect();
    let dests_255: Vec<u8> = (0..255).flat_map(|_| sme_dest(b"1")).collect();
    let uns = |n: usize| -> Vec<u8> { (0..n).flat_map(|_| unsuccess(b"1", 0x0B)).collect() };
    let cases = [
        Case {
            what: "submit_multi dest_flag 3",
            good: good(),
            bad: submit_multi(1, &B::default().u8(3).u8(1).u8(1).cs(b"1").0, b"", 0, b""),
            err: invalid(Field::DestFlag),
            status: S::ESME_RINVDESTFLAG,
        },
        Case {
            what: "submit_multi dest_flag 0",
            good: good(),
            bad: submit_multi(1, &B::default().u8(0).cs(b"1").0, b"", 0, b""),
            err: invalid(Field::DestFlag),
            status: S::ESME_RINVDESTFLAG,
        },
        Case {
            what: "submit_multi number_of_dests 255",
            good: submit_multi(254, &dests_254, b"", 0, b""),
            bad: submit_multi(255, &dests_255, b"", 0, b""),
            err: invalid(Field::NumberOfDests),
            status: S::ESME_RINVNUMDESTS,
        },
        Case {
            what: "submit_multi destination_addr 21",
            good: submit_multi(1, &sme_dest(&s(20)), b"", 0, b""),
            bad: submit_multi(1, &sme_dest(&s(21)), b"", 0, b""),
            err: too_long(Field::DestinationAddr, 21),
            status: S::ESME_RINVDSTADR,
        },
        Case {
            what: "submit_multi dl_name 21",
            good: submit_multi(1, &dl_dest(&s(20)), b"", 0, b""),
            bad: submit_multi(1, &dl_dest(&s(21)), b"", 0, b""),
            err: too_long(Field::DlName, 21),
            status: S::ESME_RINVDLNAME,
        },
        Case {
            what: "submit_multi schedule_delivery_time of 5 characters",
            good: submit_multi(2, &two, &s(16), 2, b"hi"),
            bad: submit_multi(2, &two, &s(5), 2, b"hi"),
            err: invalid(Field::ScheduleDeliveryTime),
            status: S::ESME_RINVSCHED,
        },
        Case {
            what: "submit_multi sm_length 255",
            good: submit_multi(2, &two, b"", 254, &[1; 254]),
            bad: submit_multi(2, &two, b"", 255, &[1; 255]),
            err: invalid(Field::SmLength),
            status: S::ESME_RINVMSGLEN,
        },
        Case {
            what: "submit_multi number_of_dests larger than the entries",
            good: good(),
            // Three entries announced, two present: the third reads the esm_class octets as
            // dest_flag 0.
            bad: submit_multi(3, &two, b"", 2, b"hi"),
            err: invalid(Field::DestFlag),
            status: S::ESME_RINVDESTFLAG,
        },
        Case {
            what: "submit_multi_resp no_unsuccess 255",
            good: submit_multi_resp(b"id", 254, &uns(254)),
            bad: submit_multi_resp(b"id", 255, &uns(255)),
            err: invalid(Field::NoUnsuccess),
            status: Field::NoUnsuccess.invalid_status(),
        },
        Case {
            what: "submit_multi_resp unsuccess destination_addr 21",
            good: submit_multi_resp(b"id", 1, &unsuccess(&s(20), 1)),
            bad: submit_multi_resp(b"id", 1, &unsuccess(&s(21), 1)),
            err: too_long(Field::DestinationAddr, 21),
            status: S::ESME_RINVDSTADR,
        },
        Case {
            what: "submit_multi_resp error_status_code cut",
            good: submit_multi_resp(b"id", 1, &unsuccess(b"1", 1)),
            bad: submit_multi_resp(b"id", 1, &unsuccess(b"1", 1)[..5]),
            err: DecodeError::Truncated {
                field: Field::ErrorStatusCode,
            },
            status: S::ESME_RINVCMDLEN,
        },
    ];
    check_cases(&cases);
}

#[test]
fn decode_tlv_stream_errors() {
    let with_tlvs = |t: &[u8]| {
        Sm {
            tlvs: t.to_vec(),
            ..Sm::default()
        }
        .submit()
    };
    let good = with_tlvs(&B::default().tlv(0x0427, &[2]).0);
    let cases = [
        Case {
            what: "TLV header cut after the tag",
            good: good.clone(),
            bad: with_tlvs(&[0x04, 0x24, 0x00]),
            err: DecodeError::TlvTruncated {
                tag: TlvTag::MESSAGE_PAYLOAD,
            },
            status: S::ESME_RINVOPTPARSTREAM,
        },
        Case {
            what: "TLV header of one octet",
            good: good.clone(),
            bad: with_tlvs(&[0x04]),
            err: DecodeError::TlvTruncated { tag: TlvTag(0) },
            status: S::ESME_RINVOPTPARSTREAM,
        },
        Case {
            what: "TLV value cut",
            good: good.clone(),
            bad: with_tlvs(&[0x04, 0x27, 0x00, 0x02, 0x01]),
            err: DecodeError::TlvTruncated {
                tag: TlvTag::MESSAGE_STATE,
            },
            status: S::ESME_RINVOPTPARSTREAM,
        },
        Case {
            what: "second TLV cut",
            good: good.clone(),
            bad: with_tlvs(
                &B::default()
                    .tlv(0x0427, &[2])
                    .raw(&[0x14, 0x00, 0x00, 0x09, 1])
                    .0,
            ),
            err: DecodeError::TlvTruncated {
                tag: TlvTag(0x1400),
            },
            status: S::ESME_RINVOPTPARSTREAM,
        },
        Case {
            what: "bind_receiver_resp TLV cut",
            good: pdu(
                0x8000_0001,
                0,
                1,
                &B::default().cs(b"SMSC").tlv(0x0210, &[0x34]).0,
            ),
            bad: pdu(
                0x8000_0001,
                0,
                1,
                &B::default().cs(b"SMSC").raw(&[0x02, 0x10, 0, 1]).0,
            ),
            err: DecodeError::TlvTruncated {
                tag: TlvTag::SC_INTERFACE_VERSION,
            },
            status: S::ESME_RINVOPTPARSTREAM,
        },
    ];
    check_cases(&cases);
}

#[test]
fn decode_strict_tlv_length() {
    let bytes = Sm {
        tlvs: B::default().tlv(0x0427, &[0, 2]).0,
        ..Sm::default()
    }
    .submit();
    // Kept by default; the typed accessor declines the malformed value.
    let p = Pdu::parse(&bytes).unwrap();
    let Body::SubmitSm(sm) = p.body else {
        panic!("{p:?}")
    };
    assert_eq!(sm.tlvs.len(), 1);
    assert_eq!(sm.tlvs.message_state(), None);
    let e = parse_err(&bytes, &ParseOptions::strict());
    assert_eq!(
        e,
        DecodeError::TlvLength {
            tag: TlvTag::MESSAGE_STATE,
            len: 2
        }
    );
    assert_eq!(e.status(), S::ESME_RINVPARLEN);
    assert_eq!(e.field(), Some(Field::Tlvs));
    // Only the length rule is switched on: the rest of strict mode stays lenient.
    let only = ParseOptions {
        strict_tlv_lengths: true,
        ..ParseOptions::default()
    };
    assert_eq!(parse_err(&bytes, &only), e);
    // Unknown and vendor tags have no length rule.
    let vendor = Sm {
        tlvs: B::default().tlv(0x1400, &[0; 3]).tlv(0x7777, &[]).0,
        ..Sm::default()
    }
    .submit();
    assert!(Pdu::parse_with(&vendor, &ParseOptions::strict()).is_ok());
    // A too-long C-octet string TLV (receipted_message_id holds at most 65 octets).
    let long_id = Sm {
        tlvs: B::default().tlv(0x001E, &[b'x'; 66]).0,
        ..Sm::default()
    }
    .deliver();
    assert!(Pdu::parse(&long_id).is_ok());
    assert_eq!(
        parse_err(&long_id, &ParseOptions::strict()),
        DecodeError::TlvLength {
            tag: TlvTag::RECEIPTED_MESSAGE_ID,
            len: 66
        }
    );
}

#[test]
fn decode_trailing_bytes() {
    let cases: Vec<(u32, CommandId, Vec<u8>)> = vec![
        (0x15, CommandId::EnquireLink, vec![]),
        (0x8000_0015, CommandId::EnquireLinkResp, vec![]),
        (0x8000_0000, CommandId::GenericNack, vec![]),
        (0x06, CommandId::Unbind, vec![]),
        (0x8000_0006, CommandId::UnbindResp, vec![]),
        (0x8000_0008, CommandId::CancelSmResp, vec![]),
        (0x8000_0007, CommandId::ReplaceSmResp, vec![]),
        (0x0B, CommandId::Outbind, B::default().cs(b"id").cs(b"pw").0),
        (
            0x02,
            CommandId::BindTransmitter,
            bind(0x02, b"a", b"b", b"", b"")[16..].to_vec(),
        ),
        (
            0x03,
            CommandId::QuerySm,
            query_sm(b"1", b"2")[16..].to_vec(),
        ),
        (
            0x8000_0003,
            CommandId::QuerySmResp,
            query_sm_resp(b"1", b"")[16..].to_vec(),
        ),
        (
            0x08,
            CommandId::CancelSm,
            cancel_sm(b"", b"1", b"2", b"3")[16..].to_vec(),
        ),
        (
            0x07,
            CommandId::ReplaceSm,
            replace_sm(b"1", b"2", b"", 0, b"")[16..].to_vec(),
        ),
    ];
    for (id, command_id, body) in cases {
        let good = pdu(id, 0, 1, &body);
        assert!(Pdu::parse(&good).is_ok(), "{command_id:?}");
        for extra in [1usize, 4, 5] {
            let bad = pdu(id, 0, 1, &[&body[..], &vec![0u8; extra]].concat());
            let e = parse_err(&bad, &ParseOptions::default());
            assert_eq!(
                e,
                DecodeError::TrailingBytes { command_id, extra },
                "{command_id:?}"
            );
            assert_eq!(e.status(), S::ESME_RINVCMDLEN);
            assert!(!e.needs_generic_nack());
        }
    }
}

#[test]
fn decode_header_errors() {
    // Unknown command ids: generic_nack with ESME_RINVCMDID.
    for id in [0x99u32, 0x8000_0099, 0x0A, 0x104, 0x8000_000B, 0xFFFF_FFFF] {
        for body in [&[][..], &[1, 2, 3][..]] {
            let bytes = pdu(id, 0, 11, body);
            let e = parse_err(&bytes, &ParseOptions::default());
            assert_eq!(e, DecodeError::UnknownCommandId { command_id: id });
            assert_eq!(e.status(), S::ESME_RINVCMDID);
            assert_eq!(e.field(), Some(Field::CommandId));
            assert!(e.needs_generic_nack());
            assert_eq!(frame(&bytes, 1024), Ok(Framing::Complete(bytes.len())));
        }
    }

    // command_length below the header.
    for len in [0u32, 8, 15] {
        let mut bytes = pdu(0x15, 0, 1, &[]);
        bytes[..4].copy_from_slice(&len.to_be_bytes());
        let want = DecodeError::CommandLengthTooSmall {
            command_length: len,
        };
        assert_eq!(parse_err(&bytes, &ParseOptions::default()), want);
        assert_eq!(frame(&bytes, 1024), Err(want));
        // The length word alone is enough for framing to reject it.
        assert_eq!(frame(&bytes[..4], 1024), Err(want));
        assert_eq!(want.status(), S::ESME_RINVCMDLEN);
        assert!(want.needs_generic_nack());
    }

    // command_length disagrees with the octets given.
    let mut short = pdu(0x15, 0, 1, &[]);
    short[..4].copy_from_slice(&20u32.to_be_bytes());
    let e = parse_err(&short, &ParseOptions::default());
    assert_eq!(
        e,
        DecodeError::CommandLengthMismatch {
            command_length: 20,
            available: 16
        }
    );
    assert_eq!(e.status(), S::ESME_RINVCMDLEN);
    assert!(e.needs_generic_nack());
    assert_eq!(frame(&short, 1024), Ok(Framing::Partial { needed: 4 }));
    let mut long = pdu(0x15, 0, 1, &[0]);
    long[..4].copy_from_slice(&16u32.to_be_bytes());
    assert_eq!(
        parse_err(&long, &ParseOptions::default()),
        DecodeError::CommandLengthMismatch {
            command_length: 16,
            available: 17
        }
    );
    assert_eq!(frame(&long, 1024), Ok(Framing::Complete(16)));

    // command_length above the maximum.
    let bytes = pdu(0x04, 0, 1, &Sm::default().body());
    let len = bytes.len() as u32;
    let opts = ParseOptions {
        max_command_length: len - 1,
        ..ParseOptions::default()
    };
    let want = DecodeError::CommandLengthTooLarge {
        command_length: len,
        max: len - 1,
    };
    assert_eq!(parse_err(&bytes, &opts), want);
    assert_eq!(frame(&bytes, len - 1), Err(want));
    assert_eq!(frame(&bytes[..4], len - 1), Err(want));
    assert_eq!(want.status(), S::ESME_RINVCMDLEN);
    assert!(want.needs_generic_nack());
    assert!(Pdu::parse_with(
        &bytes,
        &ParseOptions {
            max_command_length: len,
            ..opts
        }
    )
    .is_ok());
    // The default maximum.
    let mut huge = vec![0u8; 16];
    huge[..4].copy_from_slice(&(DEFAULT_MAX_COMMAND_LENGTH + 1).to_be_bytes());
    huge[4..8].copy_from_slice(&4u32.to_be_bytes());
    let want = DecodeError::CommandLengthTooLarge {
        command_length: DEFAULT_MAX_COMMAND_LENGTH + 1,
        max: DEFAULT_MAX_COMMAND_LENGTH,
    };
    assert_eq!(frame(&huge, DEFAULT_MAX_COMMAND_LENGTH), Err(want));
    assert_eq!(Pdu::parse(&huge), Err(want));

    // Fewer than 16 octets handed to the parser.
    assert_eq!(
        Pdu::parse(&[0, 0, 0, 16, 0, 0]),
        Err(DecodeError::Truncated {
            field: Field::CommandLength
        })
    );
    assert_eq!(Pdu::parse(&[]).unwrap_err().status(), S::ESME_RINVCMDLEN);
}

#[test]
fn decode_strict_only_rejections() {
    let strict = ParseOptions::strict();
    // An empty response body with ESME_ROK: accepted by default, rejected strictly.
    let empty_ok = [
        (0x8000_0004u32, Field::MessageId),
        (0x8000_0103, Field::MessageId),
        (0x8000_0021, Field::MessageId),
        (0x8000_0003, Field::MessageId),
        (0x8000_0005, Field::MessageId),
        (0x8000_0001, Field::SystemId),
        (0x8000_0002, Field::SystemId),
        (0x8000_0009, Field::SystemId),
    ];
    for (id, field) in empty_ok {
        let bytes = pdu(id, 0, 1, &[]);
        let p = Pdu::parse(&bytes).unwrap_or_else(|e| panic!("{id:#x}: {e:?}"));
        let expected = Body::error_response_for(CommandId::from_u32(id & 0x7FFF_FFFF)).unwrap();
        assert_eq!(p.body, expected);
        let e = parse_err(&bytes, &strict);
        assert_eq!(e, DecodeError::Truncated { field }, "{id:#x}");
        let only = ParseOptions {
            allow_empty_response_body: false,
            ..ParseOptions::default()
        };
        assert_eq!(parse_err(&bytes, &only), e);
    }

    // The last message_id without its NUL: accepted by default, rejected strictly.
    for id in [0x8000_0004u32, 0x8000_0005, 0x8000_0103] {
        let bytes = pdu(id, 0, 1, b"abc");
        let p = Pdu::parse(&bytes).unwrap();
        let (Body::SubmitSmResp(r) | Body::DeliverSmResp(r) | Body::DataSmResp(r)) = p.body else {
            panic!("{p:?}")
        };
        assert_eq!(r.message_id, b"abc");
        assert_eq!(
            parse_err(&bytes, &strict),
            DecodeError::Truncated {
                field: Field::MessageId
            }
        );
        // Re-encoding adds the NUL.
        let mut out = vec![0u8; p.encoded_len()];
        p.encode(&mut out).unwrap();
        assert_eq!(out, pdu(id, 0, 1, b"abc\0"));
    }
    // ...but not for a message_id followed by more fields (submit_multi_resp).
    let bytes = pdu(0x8000_0021, 0, 1, b"abc");
    assert_eq!(
        parse_err(&bytes, &ParseOptions::default()),
        DecodeError::Truncated {
            field: Field::MessageId
        }
    );

    // Both short_message and message_payload.
    let both = Sm {
        tlvs: B::default().tlv(0x0424, b"payload").0,
        ..Sm::default()
    };
    for bytes in [both.submit(), both.deliver()] {
        assert!(Pdu::parse(&bytes).is_ok());
        let e = parse_err(&bytes, &strict);
        assert_eq!(e, DecodeError::BothPayloads);
        assert_eq!(e.status(), S::ESME_RINVOPTPARAMVAL);
    }
    let multi = {
        let mut v = submit_multi(1, &sme_dest(b"1"), b"", 2, b"hi");
        v.extend_from_slice(&B::default().tlv(0x0424, b"x").0);
        let len = v.len() as u32;
        v[..4].copy_from_slice(&len.to_be_bytes());
        v
    };
    assert!(Pdu::parse(&multi).is_ok());
    assert_eq!(parse_err(&multi, &strict), DecodeError::BothPayloads);
    // Either one alone is fine.
    let payload_only = Sm {
        short_message: vec![],
        tlvs: B::default().tlv(0x0424, b"payload").0,
        ..Sm::default()
    };
    let payload_bytes = payload_only.submit();
    let p = Pdu::parse_with(&payload_bytes, &strict).unwrap();
    let Body::SubmitSm(sm) = p.body else { panic!() };
    assert_eq!(sm.payload(), b"payload");
}

/// Cutting a valid body anywhere in its mandatory part names the field that was cut.
#[test]
fn decode_every_truncation_names_the_field() {
    use Field as F;
    let sm = Sm::default();
    // (field, octets on the wire) in order.
    let layout: Vec<(Field, usize)> = vec![
        (F::ServiceType, sm.service_type.len() + 1),
        (F::SourceAddrTon, 1),
        (F::SourceAddrNpi, 1),
        (F::SourceAddr, sm.source.len() + 1),
        (F::DestAddrTon, 1),
        (F::DestAddrNpi, 1),
        (F::DestinationAddr, sm.destination.len() + 1),
        (F::EsmClass, 1),
        (F::ProtocolId, 1),
        (F::PriorityFlag, 1),
        (F::ScheduleDeliveryTime, 1),
        (F::ValidityPeriod, sm.validity.len() + 1),
        (F::RegisteredDelivery, 1),
        (F::ReplaceIfPresentFlag, 1),
        (F::DataCoding, 1),
        (F::SmDefaultMsgId, 1),
        (F::SmLength, 1),
        (F::ShortMessage, sm.short_message.len()),
    ];
    let body = sm.body();
    assert_eq!(layout.iter().map(|l| l.1).sum::<usize>(), body.len());
    let mut at = 0;
    for (field, n) in layout {
        for cut in at..at + n {
            let bytes = pdu(0x04, 0, 1, &body[..cut]);
            let e = parse_err(&bytes, &ParseOptions::default());
            assert_eq!(e, DecodeError::Truncated { field }, "cut at {cut}");
            assert_eq!(e.status(), S::ESME_RINVCMDLEN);
        }
        at += n;
    }
    assert!(Pdu::parse(&pdu(0x04, 0, 1, &body)).is_ok());

    // Cuts inside the TLV part.
    let tlvs = B::default()
        .tlv(0x0204, &[0, 7])
        .tlv(0x020A, &[0x1F, 0x90])
        .0;
    let full = [&body[..], &tlvs[..]].concat();
    for cut in 1..tlvs.len() {
        let bytes = pdu(0x04, 0, 1, &full[..body.len() + cut]);
        let r = Pdu::parse(&bytes);
        // [02 04 00 02 00 07] [02 0A 00 02 1F 90]: a cut after one octet of a TLV cannot
        // name the tag (0); otherwise the cut TLV is named.
        let tag = match cut {
            6 => {
                assert!(r.is_ok(), "a cut between TLVs is a shorter valid PDU");
                continue;
            }
            1 | 7 => TlvTag(0),
            2..=5 => TlvTag::USER_MESSAGE_REFERENCE,
            _ => TlvTag::SOURCE_PORT,
        };
        assert_eq!(r, Err(DecodeError::TlvTruncated { tag }), "cut {cut}");
        assert_eq!(r.unwrap_err().status(), S::ESME_RINVOPTPARSTREAM);
    }
}

// ---------------------------------------------------------------------------------------
// Lenient quirks
// ---------------------------------------------------------------------------------------

#[test]
fn lenient_high_sequence_numbers() {
    for seq in [0x8000_0000u32, 0xFFFF_FFFF, 0x7FFF_FFFF] {
        let bytes = pdu(0x15, 0, seq, &[]);
        let p = Pdu::parse_with(&bytes, &ParseOptions::strict()).unwrap();
        assert_eq!(p.sequence_number, seq);
        let mut out = [0u8; 16];
        assert_eq!(p.encode(&mut out), Ok(16));
        assert_eq!(&out[..], &bytes[..]);
        let sm = Sm::default().body();
        let bytes = pdu(0x04, 0, seq, &sm);
        let p = Pdu::parse(&bytes).unwrap();
        let mut out = vec![0u8; bytes.len()];
        p.encode(&mut out).unwrap();
        assert_eq!(out, bytes);
    }
}

#[test]
fn lenient_error_responses_without_body() {
    for id in CommandId::ALL
        .iter()
        .chain(CommandId::SMPP_5_0)
        .filter(|i| i.is_response())
    {
        let bytes = pdu(id.to_u32(), S::ESME_RTHROTTLED.0, 43, &[]);
        for opts in [ParseOptions::default(), ParseOptions::strict()] {
            let p = Pdu::parse_with(&bytes, &opts).unwrap_or_else(|e| panic!("{id:?}: {e:?}"));
            assert_eq!(p.command_id(), *id);
            assert_eq!(p.command_status, S::ESME_RTHROTTLED);
            assert_eq!(p.sequence_number, 43);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Encode: invalid values are refused, and nothing is written
// ---------------------------------------------------------------------------------------

static DESTS_255: [DestAddress<'static>; 255] =
    [DestAddress::Sme(Address::international("1")); 255];
static UNSUCCESS_255: [UnsuccessSme<'static>; 255] = [UnsuccessSme {
    address: Address::international("1"),
    error_status_code: CommandStatus::ESME_RINVDSTADR,
}; 255];

/// Checks that every encoding route refuses `p` with `want` and writes nothing.
fn check_encode_err(what: &str, p: &Pdu<'_>, want: EncodeError) {
    assert_eq!(p.validate(), Err(want), "{what}: validate");
    let mut buf = vec![0x5Au8; 70_000];
    assert_eq!(p.encode(&mut buf), Err(want), "{what}: encode");
    let mut bm = BytesMut::from(&b"keep"[..]);
    assert_eq!(p.encode_to(&mut bm), Err(want), "{what}: encode_to");
    assert_eq!(
        &bm[..],
        b"keep",
        "{what}: encode_to must leave the buffer untouched"
    );
    let mut arr = [0x5Au8; 512];
    {
        let mut slice: &mut [u8] = &mut arr[..];
        assert_eq!(
            p.encode_to(&mut slice),
            Err(want),
            "{what}: encode_to slice"
        );
    }
    assert!(arr.iter().all(|&b| b == 0x5A), "{what}: slice untouched");
    assert_eq!(Frame::encode(p).unwrap_err(), want, "{what}: Frame::encode");
    // encoded_len never fails or panics, even for invalid PDUs.
    assert!(p.encoded_len() >= HEADER_LEN);
    if let Some(f) = want.field() {
        assert_eq!(want.status(), f.invalid_status(), "{what}");
    }
}

#[test]
fn encode_too_long_fields() {
    let a = |n: usize| s(n);
    let (s15, s16, s8, s9, s12, s13, s40, s41) =
        (a(15), a(16), a(8), a(9), a(12), a(13), a(40), a(41));
    let (s5, s6, s20, s21, s64, s65) = (a(5), a(6), a(20), a(21), a(64), a(65));
    let addr = |v: &[u8]| {
        Address::new(Default::default(), Default::default(), v)
            .addr
            .to_vec()
    };
    let _ = addr;
    let too = |field, max| EncodeError::TooLong { field, max };
    let bt =
        |system_id: &'static [u8], password: &'static [u8], st: &'static [u8], r: &'static [u8]| {
            Body::BindTransmitter(Bind {
                system_id,
                password,
                system_type: st,
                address_range: r,
                ..Bind::default()
            })
        };
    // Leak the test strings so bodies can be built in one table.
    let l = |v: &Vec<u8>| -> &'static [u8] { Box::leak(v.clone().into_boxed_slice()) };
    let ad = |v: &Vec<u8>| Address::new(Default::default(), Default::default(), l(v));
    let cases: Vec<(&str, Body<'static>, Body<'static>, EncodeError)> = vec![
        (
            "system_id",
            bt(l(&s15), b"", b"", b""),
            bt(l(&s16), b"", b"", b""),
            too(Field::SystemId, 16),
        ),
        (
            "password",
            bt(b"", l(&s8), b"", b""),
            bt(b"", l(&s9), b"", b""),
            too(Field::Password, 9),
        ),
        (
            "system_type",
            bt(b"", b"", l(&s12), b""),
            bt(b"", b"", l(&s13), b""),
            too(Field::SystemType, 13),
        ),
        (
            "address_range",
            bt(b"", b"", b"", l(&s40)),
            bt(b"", b"", b"", l(&s41)),
            too(Field::AddressRange, 41),
        ),
        (
            "bind_resp system_id",
            Body::BindReceiverResp(BindResp {
                system_id: l(&s15),
                tlvs: Tlvs::EMPTY,
            }),
            Body::BindReceiverResp(BindResp {
                system_id: l(&s16),
                tlvs: Tlvs::EMPTY,
            }),
            too(Field::SystemId, 16),
        ),
        (
            "outbind password",
            Body::Outbind(Outbind {
                system_id: l(&s15),
                password: l(&s8),
            }),
            Body::Outbind(Outbind {
                system_id: b"x",
                password: l(&s9),
            }),
            too(Field::Password, 9),
        ),
        (
            "submit_sm service_type",
            Body::SubmitSm(SubmitSm {
                service_type: l(&s5),
                ..Default::default()
            }),
            Body::SubmitSm(SubmitSm {
                service_type: l(&s6),
                ..Default::default()
            }),
            too(Field::ServiceType, 6),
        ),
        (
            "submit_sm source_addr",
            Body::SubmitSm(SubmitSm {
                source: ad(&s20),
                ..Default::default()
            }),
            Body::SubmitSm(SubmitSm {
                source: ad(&s21),
                ..Default::default()
            }),
            too(Field::SourceAddr, 21),
        ),
        (
            "deliver_sm destination_addr",
            Body::DeliverSm(SubmitSm {
                destination: ad(&s20),
                ..Default::default()
            }),
            Body::DeliverSm(SubmitSm {
                destination: ad(&s21),
                ..Default::default()
            }),
            too(Field::DestinationAddr, 21),
        ),
        (
            "data_sm source_addr",
            Body::DataSm(DataSm {
                source: ad(&s64),
                ..Default::default()
            }),
            Body::DataSm(DataSm {
                source: ad(&s65),
                ..Default::default()
            }),
            too(Field::SourceAddr, 65),
        ),
        (
            "data_sm destination_addr",
            Body::DataSm(DataSm {
                destination: ad(&s64),
                ..Default::default()
            }),
            Body::DataSm(DataSm {
                destination: ad(&s65),
                ..Default::default()
            }),
            too(Field::DestinationAddr, 65),
        ),
        (
            "submit_sm_resp message_id",
            Body::SubmitSmResp(MessageIdResp::new(l(&s64))),
            Body::SubmitSmResp(MessageIdResp::new(l(&s65))),
            too(Field::MessageId, 65),
        ),
        (
            "submit_multi dest address",
            Body::SubmitMulti(SubmitMulti {
                dest_addresses: List::from_slice(Box::leak(Box::new([DestAddress::Sme(ad(&s20))]))),
                ..Default::default()
            }),
            Body::SubmitMulti(SubmitMulti {
                dest_addresses: List::from_slice(Box::leak(Box::new([DestAddress::Sme(ad(&s21))]))),
                ..Default::default()
            }),
            too(Field::DestinationAddr, 21),
        ),
        (
            "submit_multi dl_name",
            Body::SubmitMulti(SubmitMulti {
                dest_addresses: List::from_slice(Box::leak(Box::new([
                    DestAddress::DistributionList(l(&s20)),
                ]))),
                ..Default::default()
            }),
            Body::SubmitMulti(SubmitMulti {
                dest_addresses: List::from_slice(Box::leak(Box::new([
                    DestAddress::DistributionList(l(&s21)),
                ]))),
                ..Default::default()
            }),
            too(Field::DlName, 21),
        ),
        (
            "submit_multi_resp unsuccess address",
            Body::SubmitMultiResp(SubmitMultiResp {
                unsuccess_smes: List::from_slice(Box::leak(Box::new([UnsuccessSme {
                    address: ad(&s20),
                    error_status_code: CommandStatus(1),
                }]))),
                ..Default::default()
            }),
            Body::SubmitMultiResp(SubmitMultiResp {
                unsuccess_smes: List::from_slice(Box::leak(Box::new([UnsuccessSme {
                    address: ad(&s21),
                    error_status_code: CommandStatus(1),
                }]))),
                ..Default::default()
            }),
            too(Field::DestinationAddr, 21),
        ),
        (
            "submit_multi_resp message_id",
            Body::SubmitMultiResp(SubmitMultiResp {
                message_id: l(&s64),
                ..Default::default()
            }),
            Body::SubmitMultiResp(SubmitMultiResp {
                message_id: l(&s65),
                ..Default::default()
            }),
            too(Field::MessageId, 65),
        ),
        (
            "query_sm message_id",
            Body::QuerySm(QuerySm {
                message_id: l(&s64),
                ..Default::default()
            }),
            Body::QuerySm(QuerySm {
                message_id: l(&s65),
                ..Default::default()
            }),
            too(Field::MessageId, 65),
        ),
        (
            "query_sm_resp message_id",
            Body::QuerySmResp(QuerySmResp {
                message_id: l(&s64),
                ..Default::default()
            }),
            Body::QuerySmResp(QuerySmResp {
                message_id: l(&s65),
                ..Default::default()
            }),
            too(Field::MessageId, 65),
        ),
        (
            "cancel_sm service_type",
            Body::CancelSm(CancelSm {
                service_type: l(&s5),
                ..Default::default()
            }),
            Body::CancelSm(CancelSm {
                service_type: l(&s6),
                ..Default::default()
            }),
            too(Field::ServiceType, 6),
        ),
        (
            "cancel_sm destination_addr",
            Body::CancelSm(CancelSm {
                destination: ad(&s20),
                ..Default::default()
            }),
            Body::CancelSm(CancelSm {
                destination: ad(&s21),
                ..Default::default()
            }),
            too(Field::DestinationAddr, 21),
        ),
        (
            "replace_sm source_addr",
            Body::ReplaceSm(ReplaceSm {
                source: ad(&s20),
                ..Default::default()
            }),
            Body::ReplaceSm(ReplaceSm {
                source: ad(&s21),
                ..Default::default()
            }),
            too(Field::SourceAddr, 21),
        ),
        (
            "alert_notification esme_addr",
            Body::AlertNotification(AlertNotification {
                esme: ad(&s64),
                ..Default::default()
            }),
            Body::AlertNotification(AlertNotification {
                esme: ad(&s65),
                ..Default::default()
            }),
            too(Field::EsmeAddr, 65),
        ),
        (
            "alert_notification source_addr",
            Body::AlertNotification(AlertNotification {
                source: ad(&s64),
                ..Default::default()
            }),
            Body::AlertNotification(AlertNotification {
                source: ad(&s65),
                ..Default::default()
            }),
            too(Field::SourceAddr, 65),
        ),
    ];
    for (what, good, bad, want) in cases {
        let ok = Pdu::new(1, good);
        let n = ok.validate().unwrap_or_else(|e| panic!("{what}: {e:?}"));
        let mut buf = vec![0u8; n];
        assert_eq!(ok.encode(&mut buf), Ok(n), "{what}");
        assert_eq!(Pdu::parse(&buf), Ok(ok), "{what}");
        check_encode_err(what, &Pdu::new(1, bad), want);
    }
}

#[test]
fn encode_embedded_nul_and_bad_values() {
    let nul16 = b"2611212300\x000004+";
    let cases: Vec<(&str, Body<'_>, EncodeError)> = vec![
        (
            "system_id with NUL",
            Body::BindTransceiver(Bind::new("ab\0c", "pw")),
            EncodeError::EmbeddedNul {
                field: Field::SystemId,
            },
        ),
        (
            "password with NUL",
            Body::BindTransceiver(Bind::new("ab", "p\0w")),
            EncodeError::EmbeddedNul {
                field: Field::Password,
            },
        ),
        (
            "source_addr with NUL",
            Body::SubmitSm(SubmitSm {
                source: Address::international("44\x007"),
                ..Default::default()
            }),
            EncodeError::EmbeddedNul {
                field: Field::SourceAddr,
            },
        ),
        (
            "message_id with NUL",
            Body::SubmitSmResp(MessageIdResp::new(b"\0")),
            EncodeError::EmbeddedNul {
                field: Field::MessageId,
            },
        ),
        (
            "dl_name with NUL",
            Body::SubmitMulti(SubmitMulti {
                dest_addresses: List::from_slice(&[DestAddress::DistributionList(b"a\0")]),
                ..Default::default()
            }),
            EncodeError::EmbeddedNul {
                field: Field::DlName,
            },
        ),
        (
            "16-character schedule_delivery_time with NUL",
            Body::SubmitSm(SubmitSm {
                schedule_delivery_time: nul16,
                ..Default::default()
            }),
            EncodeError::EmbeddedNul {
                field: Field::ScheduleDeliveryTime,
            },
        ),
        (
            "schedule_delivery_time of 5 characters",
            Body::SubmitSm(SubmitSm {
                schedule_delivery_time: b"26112",
                ..Default::default()
            }),
            EncodeError::InvalidValue {
                field: Field::ScheduleDeliveryTime,
            },
        ),
        (
            "schedule_delivery_time of 17 characters",
            Body::SubmitMulti(SubmitMulti {
                schedule_delivery_time: b"261121230000004+1",
                ..Default::default()
            }),
            EncodeError::InvalidValue {
                field: Field::ScheduleDeliveryTime,
            },
        ),
        (
            "validity_period of 5 characters",
            Body::ReplaceSm(ReplaceSm {
                validity_period: b"00000",
                ..Default::default()
            }),
            EncodeError::InvalidValue {
                field: Field::ValidityPeriod,
            },
        ),
        (
            "final_date of 5 characters",
            Body::QuerySmResp(QuerySmResp {
                final_date: b"00000",
                ..Default::default()
            }),
            EncodeError::InvalidValue {
                field: Field::FinalDate,
            },
        ),
        (
            "short_message of 255 octets",
            Body::SubmitSm(SubmitSm {
                short_message: &[0x41; 255],
                ..Default::default()
            }),
            EncodeError::TooLong {
                field: Field::ShortMessage,
                max: 255,
            },
        ),
        (
            "replace_sm short_message of 255 octets",
            Body::ReplaceSm(ReplaceSm {
                short_message: &[0x41; 255],
                ..Default::default()
            }),
            EncodeError::TooLong {
                field: Field::ShortMessage,
                max: 255,
            },
        ),
        (
            "submit_multi short_message of 255 octets",
            Body::SubmitMulti(SubmitMulti {
                short_message: &[0x41; 255],
                ..Default::default()
            }),
            EncodeError::TooLong {
                field: Field::ShortMessage,
                max: 255,
            },
        ),
        (
            "255 destinations",
            Body::SubmitMulti(SubmitMulti {
                dest_addresses: List::from_slice(&DESTS_255),
                ..Default::default()
            }),
            EncodeError::TooManyEntries {
                field: Field::NumberOfDests,
            },
        ),
        (
            "255 unsuccessful SMEs",
            Body::SubmitMultiResp(SubmitMultiResp {
                unsuccess_smes: List::from_slice(&UNSUCCESS_255),
                ..Default::default()
            }),
            EncodeError::TooManyEntries {
                field: Field::NoUnsuccess,
            },
        ),
    ];
    for (what, body, want) in cases {
        check_encode_err(what, &Pdu::new(1, body), want);
    }
    // The limits themselves are fine.
    let ok = [
        Body::SubmitSm(SubmitSm {
            short_message: &[0x41; 254],
            ..Default::default()
        }),
        Body::SubmitMulti(SubmitMulti {
            dest_addresses: List::from_slice(&DESTS_255[..254]),
            ..Default::default()
        }),
        Body::SubmitMultiResp(SubmitMultiResp {
            unsuccess_smes: List::from_slice(&UNSUCCESS_255[..254]),
            ..Default::default()
        }),
    ];
    for body in ok {
        let p = Pdu::new(1, body);
        let n = p.validate().unwrap();
        let mut buf = vec![0u8; n];
        p.encode(&mut buf).unwrap();
        assert_eq!(Pdu::parse(&buf), Ok(p));
    }
}

#[test]
fn encode_bad_tlvs() {
    let long_id = [b'x'; 65];
    let big = vec![0u8; 65_536];
    let cases: Vec<(&str, Tlv<'_>, TlvTag)> = vec![
        (
            "message_state of 2 octets",
            Tlv::octets(TlvTag::MESSAGE_STATE, &[1, 2]),
            TlvTag::MESSAGE_STATE,
        ),
        (
            "message_state as u16",
            Tlv::u16(TlvTag::MESSAGE_STATE, 1),
            TlvTag::MESSAGE_STATE,
        ),
        (
            "user_message_reference as u8",
            Tlv::u8(TlvTag::USER_MESSAGE_REFERENCE, 1),
            TlvTag::USER_MESSAGE_REFERENCE,
        ),
        (
            "qos_time_to_live as u16",
            Tlv::u16(TlvTag::QOS_TIME_TO_LIVE, 1),
            TlvTag::QOS_TIME_TO_LIVE,
        ),
        (
            "receipted_message_id of 65 + NUL",
            Tlv::cstr(TlvTag::RECEIPTED_MESSAGE_ID, &long_id),
            TlvTag::RECEIPTED_MESSAGE_ID,
        ),
        (
            "network_error_code of 2",
            Tlv::octets(TlvTag::NETWORK_ERROR_CODE, &[3, 0]),
            TlvTag::NETWORK_ERROR_CODE,
        ),
        (
            // SMPP 3.4 defines it empty, SMPP 5.0 with a 1-octet value: 2 is neither.
            "alert_on_message_delivery with a 2-octet value",
            Tlv::u16(TlvTag::ALERT_ON_MESSAGE_DELIVERY, 0),
            TlvTag::ALERT_ON_MESSAGE_DELIVERY,
        ),
        (
            "callback_num of 3",
            Tlv::octets(TlvTag::CALLBACK_NUM, &[1, 1, 1]),
            TlvTag::CALLBACK_NUM,
        ),
        (
            "message_payload of 65536",
            Tlv::octets(TlvTag::MESSAGE_PAYLOAD, &big),
            TlvTag::MESSAGE_PAYLOAD,
        ),
        (
            "vendor tag of 65536",
            Tlv::octets(TlvTag(0x1500), &big),
            TlvTag(0x1500),
        ),
        (
            "unknown tag C-string of 65535 + NUL",
            Tlv::cstr(TlvTag(0x7000), &big[..65_535]),
            TlvTag(0x7000),
        ),
    ];
    for (what, tlv, tag) in cases {
        let list = [Tlv::u8(TlvTag::MESSAGE_STATE, 2), tlv];
        let body = Body::DeliverSm(SubmitSm {
            tlvs: Tlvs::from_slice(&list),
            ..Default::default()
        });
        check_encode_err(what, &Pdu::new(1, body), EncodeError::TlvTooLong { tag });
        let body = Body::DataSmResp(MessageIdResp {
            message_id: b"1",
            tlvs: Tlvs::from_slice(&list[1..]),
        });
        check_encode_err(what, &Pdu::new(1, body), EncodeError::TlvTooLong { tag });
    }
    // The largest values allowed are fine.
    let ok = [
        Tlv::octets(TlvTag(0x1500), &big[..65_535]),
        Tlv::cstr(TlvTag::RECEIPTED_MESSAGE_ID, &long_id[..64]),
        Tlv::octets(TlvTag::ALERT_ON_MESSAGE_DELIVERY, &[]),
    ];
    let p = Pdu::new(
        1,
        Body::DataSm(DataSm {
            tlvs: Tlvs::from_slice(&ok),
            ..Default::default()
        }),
    );
    let n = p.validate().unwrap();
    let mut buf = vec![0u8; n];
    p.encode(&mut buf).unwrap();
    let opts = ParseOptions {
        max_command_length: u32::MAX,
        ..ParseOptions::strict()
    };
    assert_eq!(Pdu::parse_with(&buf, &opts), Ok(p));
}

#[test]
fn encode_buffer_too_small() {
    let p = Pdu::new(
        1,
        Body::SubmitSm(SubmitSm {
            source: Address::alphanumeric("Sender"),
            destination: Address::international("447700900123"),
            short_message: b"Hello",
            ..Default::default()
        }),
    );
    let n = p.encoded_len();
    for size in [0, 1, 15, 16, n - 1] {
        let mut buf = vec![0u8; size];
        assert_eq!(
            p.encode(&mut buf),
            Err(EncodeError::BufferTooSmall { needed: n })
        );
        let mut arr = vec![0x77u8; size];
        let mut slice: &mut [u8] = &mut arr[..];
        assert_eq!(
            p.encode_to(&mut slice),
            Err(EncodeError::BufferTooSmall { needed: n })
        );
        assert!(arr.iter().all(|&b| b == 0x77), "untouched");
    }
    let mut exact = vec![0u8; n];
    assert_eq!(p.encode(&mut exact), Ok(n));
    let e = EncodeError::BufferTooSmall { needed: n };
    assert_eq!(e.field(), None);
    assert_eq!(e.status(), S::ESME_RSYSERR);
    // An invalid field is reported before the buffer size.
    let bad = Pdu::new(
        1,
        Body::SubmitSm(SubmitSm {
            short_message: &[0; 255],
            ..Default::default()
        }),
    );
    let mut tiny = [0u8; 4];
    let mut slice: &mut [u8] = &mut tiny[..];
    assert_eq!(
        bad.encode_to(&mut slice),
        Err(EncodeError::TooLong {
            field: Field::ShortMessage,
            max: 255
        })
    );
}

// ---------------------------------------------------------------------------------------
// Robustness: nothing panics, and whatever parses re-encodes consistently
// ---------------------------------------------------------------------------------------

/// Everything a receiver does with untrusted octets. Panics only on a real inconsistency.
fn receive(bytes: &[u8]) {
    let strict = ParseOptions::strict();
    let f = frame(bytes, DEFAULT_MAX_COMMAND_LENGTH);
    let lenient = Pdu::parse(bytes);
    let strict_r = Pdu::parse_with(bytes, &strict);
    // The framer and the parser agree on the header.
    match f {
        Err(e) => {
            if bytes.len() >= HEADER_LEN {
                assert_eq!(lenient, Err(e));
            }
        }
        Ok(Framing::Partial { needed }) => {
            assert!(needed > 0);
            assert!(lenient.is_err());
        }
        Ok(Framing::Complete(n)) => {
            assert!(n >= HEADER_LEN && n <= bytes.len());
            if n < bytes.len() {
                assert!(matches!(
                    lenient,
                    Err(DecodeError::CommandLengthMismatch { .. })
                ));
            }
        }
    }
    // Strict accepts a subset of what the default accepts, with the same result.
    if let Ok(p) = strict_r {
        assert_eq!(lenient, Ok(p));
    }
    if let Err(e) = lenient {
        // Status and field are always available.
        let _ = (e.status(), e.field(), e.needs_generic_nack(), e.to_string());
        assert!(e.status().name().is_some(), "{e:?}");
    }
    if let Ok(p) = lenient {
        let n = p.encoded_len();
        let mut out = vec![0u8; n];
        // An over-long C-octet string is accepted leniently but never sent: encoding the
        // PDU fails naming the field the lenient warning names (the first over-long one).
        if let Some(DecodeError::TooLong { field, max }) =
            lenient_warning(bytes, &ParseOptions::default())
        {
            assert_eq!(
                p.encode(&mut out),
                Err(EncodeError::TooLong { field, max }),
                "{}",
                hex(bytes)
            );
            assert!(strict_r.is_err());
            return;
        }
        // Otherwise re-encoding what was received always works and parses back to the same
        // PDU.
        assert_eq!(p.encode(&mut out), Ok(n), "{p:?}");
        let again = Pdu::parse_with(
            &out,
            &ParseOptions {
                max_command_length: u32::MAX,
                ..ParseOptions::default()
            },
        );
        assert_eq!(again, Ok(p), "{}", hex(bytes));
        // Walking TLVs and lists never fails.
        let _ = format!("{p:?}");
    }
    if let Ok(p) = strict_r {
        // A strictly valid frame is canonical: it re-encodes to the same octets, except an
        // error response with an all-empty body, which is re-encoded without its body.
        let mut out = vec![0u8; p.encoded_len()];
        p.encode(&mut out).unwrap();
        if out.len() != bytes.len() {
            // An error response: either its all-empty body was sent and is now left out, or
            // it came without a body and gets its canonical one (deliver_sm_resp's NULL
            // message_id).
            assert!(!p.command_status.is_ok(), "{}", hex(bytes));
            assert!(
                out.len() == HEADER_LEN || bytes.len() == HEADER_LEN,
                "{}",
                hex(bytes)
            );
            assert_eq!(out[4..HEADER_LEN], bytes[4..HEADER_LEN]);
            let canonical = Pdu::parse(&out).unwrap();
            assert_eq!(canonical, p);
        } else {
            assert_eq!(hex(&out), hex(bytes));
        }
    }
}

/// A small deterministic generator for the bulk tests.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

static SAMPLE_TLVS: [Tlv<'static>; 3] = [
    Tlv::u16(TlvTag::USER_MESSAGE_REFERENCE, 7),
    Tlv::cstr(TlvTag::RECEIPTED_MESSAGE_ID, b"6f1d2a"),
    Tlv::octets(TlvTag(0x1400), b"vendor"),
];
static SAMPLE_BROADCAST_TLVS: [Tlv<'static>; 5] = [
    Tlv::octets(TlvTag::BROADCAST_AREA_IDENTIFIER, b"\x00Dublin"),
    Tlv::octets(TlvTag::BROADCAST_CONTENT_TYPE, &[1, 0, 0x10]),
    Tlv::u16(TlvTag::BROADCAST_REP_NUM, 3),
    Tlv::octets(TlvTag::BROADCAST_FREQUENCY_INTERVAL, &[9, 0, 5]),
    Tlv::octets(TlvTag::MESSAGE_PAYLOAD, b"Storm warning"),
];
static SAMPLE_QUERY_BROADCAST_TLVS: [Tlv<'static>; 3] = [
    Tlv::u8(TlvTag::MESSAGE_STATE, 1),
    Tlv::octets(TlvTag::BROADCAST_AREA_IDENTIFIER, b"\x00Dublin"),
    Tlv::u8(TlvTag::BROADCAST_AREA_SUCCESS, 80),
];
static SAMPLE_DESTS: [DestAddress<'static>; 2] = [
    DestAddress::Sme(Address::international("447700900123")),
    DestAddress::DistributionList(b"friends"),
];
static SAMPLE_UNSUCCESS: [UnsuccessSme<'static>; 1] = [UnsuccessSme {
    address: Address::international("447700900999"),
    error_status_code: CommandStatus::ESME_RINVDSTADR,
}];

/// One populated PDU of every kind.
fn samples() -> Vec<Pdu<'static>> {
    let tlvs = Tlvs::from_slice(&SAMPLE_TLVS);
    let sm = SubmitSm {
        service_type: b"CMT",
        source: Address::alphanumeric("Sender"),
        destination: Address::international("447700900123"),
        validity_period: b"000001000000000R",
        short_message: b"Hello world",
        tlvs,
        ..Default::default()
    };
    let bodies = vec![
        Body::GenericNack,
        Body::BindReceiver(Bind::new("user", "secret")),
        Body::BindReceiverResp(BindResp {
            system_id: b"SMSC",
            tlvs,
        }),
        Body::BindTransmitter(Bind {
            system_type: b"VMA",
            address_range: b"^44",
            ..Bind::new("u", "p")
        }),
        Body::BindTransmitterResp(BindResp {
            system_id: b"SMSC",
            tlvs: Tlvs::EMPTY,
        }),
        Body::BindTransceiver(Bind::new("user", "secret")),
        Body::BindTransceiverResp(BindResp {
            system_id: b"SMSC",
            tlvs,
        }),
        Body::Outbind(Outbind {
            system_id: b"SMSC",
            password: b"pw",
        }),
        Body::Unbind,
        Body::UnbindResp,
        Body::EnquireLink,
        Body::EnquireLinkResp,
        Body::SubmitSm(sm),
        Body::SubmitSmResp(MessageIdResp::new(b"6f1d2a")),
        Body::DeliverSm(SubmitSm {
            schedule_delivery_time: b"",
            validity_period: b"",
            ..sm
        }),
        Body::DeliverSmResp(MessageIdResp::new(b"")),
        Body::DataSm(DataSm {
            source: Address::alphanumeric("Sender"),
            destination: Address::international("447700900123"),
            tlvs,
            ..Default::default()
        }),
        Body::DataSmResp(MessageIdResp {
            message_id: b"77",
            tlvs,
        }),
        Body::SubmitMulti(SubmitMulti {
            source: Address::alphanumeric("Sender"),
            dest_addresses: List::from_slice(&SAMPLE_DESTS),
            short_message: b"Hi all",
            tlvs,
            ..Default::default()
        }),
        Body::SubmitMultiResp(SubmitMultiResp {
            message_id: b"m1",
            unsuccess_smes: List::from_slice(&SAMPLE_UNSUCCESS),
            tlvs: Tlvs::EMPTY,
        }),
        Body::QuerySm(QuerySm {
            message_id: b"6f1d2a",
            source: Address::alphanumeric("Sender"),
        }),
        Body::QuerySmResp(QuerySmResp {
            message_id: b"6f1d2a",
            final_date: b"261121230100004+",
            message_state: 2,
            error_code: 0,
        }),
        Body::CancelSm(CancelSm {
            message_id: b"6f1d2a",
            ..Default::default()
        }),
        Body::CancelSmResp,
        Body::ReplaceSm(ReplaceSm {
            message_id: b"6f1d2a",
            short_message: b"new",
            ..Default::default()
        }),
        Body::ReplaceSmResp,
        Body::AlertNotification(AlertNotification {
            source: Address::international("447700900123"),
            esme: Address::alphanumeric("App"),
            tlvs: Tlvs::from_slice(&SAMPLE_TLVS[..1]),
        }),
        Body::BroadcastSm(BroadcastSm {
            source: Address::alphanumeric("Alerts"),
            validity_period: b"000001000000000R",
            tlvs: Tlvs::from_slice(&SAMPLE_BROADCAST_TLVS),
            ..Default::default()
        }),
        Body::BroadcastSmResp(MessageIdResp::new(b"bc0001")),
        Body::QueryBroadcastSm(QueryBroadcastSm {
            message_id: b"bc0001",
            source: Address::alphanumeric("Alerts"),
            tlvs: Tlvs::from_slice(&SAMPLE_TLVS[..1]),
        }),
        Body::QueryBroadcastSmResp(QueryBroadcastSmResp {
            message_id: b"bc0001",
            tlvs: Tlvs::from_slice(&SAMPLE_QUERY_BROADCAST_TLVS),
        }),
        Body::CancelBroadcastSm(CancelBroadcastSm {
            message_id: b"bc0001",
            source: Address::alphanumeric("Alerts"),
            ..Default::default()
        }),
        Body::CancelBroadcastSmResp,
    ];
    assert_eq!(
        bodies.len(),
        CommandId::ALL.len() + CommandId::SMPP_5_0.len()
    );
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, b)| Pdu::new(i as u32 + 1, b))
        .collect()
}

fn encode_vec(p: &Pdu<'_>) -> Vec<u8> {
    let mut v = vec![0u8; p.encoded_len()];
    p.encode(&mut v).unwrap();
    v
}

#[test]
fn prop_arbitrary_bytes_never_panic() {
    fn prop(bytes: Vec<u8>) -> TestResult {
        receive(&bytes);
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(5000)
        .quickcheck(prop as fn(Vec<u8>) -> TestResult);
}

/// A valid header for a known command with a matching `command_length`, then arbitrary body
/// octets (sometimes a mutated valid body).
#[derive(Clone, Debug)]
struct HeaderedBody {
    bytes: Vec<u8>,
}

impl Arbitrary for HeaderedBody {
    fn arbitrary(g: &mut Gen) -> HeaderedBody {
        let all: Vec<CommandId> = CommandId::ALL
            .iter()
            .chain(CommandId::SMPP_5_0)
            .copied()
            .collect();
        let id = *g.choose(&all).unwrap();
        let status = if bool::arbitrary(g) {
            0
        } else {
            u32::arbitrary(g)
        };
        let body: Vec<u8> = if bool::arbitrary(g) {
            let n = usize::arbitrary(g) % 300;
            (0..n).map(|_| u8::arbitrary(g)).collect()
        } else {
            // A real body of the same command with a few octets changed or cut.
            let sample = samples()
                .into_iter()
                .find(|p| p.command_id() == id)
                .unwrap();
            let mut b = encode_vec(&sample)[HEADER_LEN..].to_vec();
            for _ in 0..1 + usize::arbitrary(g) % 3 {
                if b.is_empty() {
                    break;
                }
                let i = usize::arbitrary(g) % b.len();
                match u8::arbitrary(g) % 4 {
                    0 => b[i] = u8::arbitrary(g),
                    1 => b[i] = 0,
                    2 => b.truncate(i),
                    _ => b.insert(i, u8::arbitrary(g)),
                }
            }
            b
        };
        HeaderedBody {
            bytes: pdu(id.to_u32(), status, u32::arbitrary(g), &body),
        }
    }
}

#[test]
fn prop_valid_header_arbitrary_body_never_panics() {
    fn prop(h: HeaderedBody) -> TestResult {
        receive(&h.bytes);
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(5000)
        .quickcheck(prop as fn(HeaderedBody) -> TestResult);
}

#[test]
fn bulk_random_and_mutated_inputs_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Pure noise of every small length.
    for _ in 0..5000 {
        let n = rng.below(80);
        receive(&rng.bytes(n));
    }
    // Valid headers for every command (and some unknown ones) over random bodies.
    let mut ids: Vec<u32> = CommandId::ALL
        .iter()
        .chain(CommandId::SMPP_5_0)
        .map(|i| i.to_u32())
        .collect();
    ids.extend([0x0A, 0x8000_0099, 0x0000_0104]);
    for &id in &ids {
        for _ in 0..300 {
            let n = rng.below(120);
            let status = if rng.below(2) == 0 {
                0
            } else {
                rng.next() as u32
            };
            receive(&pdu(id, status, rng.next() as u32, &rng.bytes(n)));
        }
    }
    // Every sample with single-octet mutations at every position, and every truncation.
    let mut parsed = 0;
    for p in samples() {
        let good = encode_vec(&p);
        receive(&good);
        for i in 0..good.len() {
            for v in [0x00, 0xFF, good[i] ^ 0x01, rng.next() as u8] {
                let mut m = good.clone();
                m[i] = v;
                receive(&m);
                if i >= HEADER_LEN {
                    parsed += usize::from(Pdu::parse(&m).is_ok());
                }
            }
            // Cut the body here, with a consistent command_length.
            let cut = pdu(
                p.command_id().to_u32(),
                p.command_status.0,
                p.sequence_number,
                &good[HEADER_LEN..i.max(HEADER_LEN)],
            );
            receive(&cut);
        }
    }
    // The mutations reach the body decoders rather than stopping at the header.
    assert!(parsed > 500, "{parsed}");
}

#[test]
fn invalid_golden_vectors_never_panic() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/basic.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let hexs = v["hex"].as_str().unwrap();
        let bytes: Vec<u8> = (0..hexs.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hexs[i..i + 2], 16).unwrap())
            .collect();
        receive(&bytes);
        if v["expect"] != "valid" {
            n += 1;
            // Every prefix and every extension of the broken vectors too.
            for cut in 0..bytes.len() {
                receive(&bytes[..cut]);
            }
            for extra in 1..40u8 {
                let mut b = bytes.clone();
                b.extend((0..extra).map(|i| i.wrapping_mul(37)));
                receive(&b);
            }
        }
    }
    assert!(n >= 4);
}

// ---------------------------------------------------------------------------------------
// Framing over arbitrary splits
// ---------------------------------------------------------------------------------------

/// Feeds `chunks` of a stream through an accumulate-and-`frame()` loop; returns the frames.
/// `lens` are the lengths of the PDUs in the stream, to check each `needed` exactly.
fn reassemble<'c>(chunks: impl IntoIterator<Item = &'c [u8]>, lens: &[usize]) -> Vec<Vec<u8>> {
    let mut acc: Vec<u8> = Vec::new();
    let mut out: Vec<Vec<u8>> = Vec::new();
    for chunk in chunks {
        acc.extend_from_slice(chunk);
        loop {
            match frame(&acc, DEFAULT_MAX_COMMAND_LENGTH).expect("valid stream") {
                Framing::Complete(n) => {
                    assert_eq!(n, lens[out.len()]);
                    out.push(acc.drain(..n).collect());
                }
                Framing::Partial { needed } => {
                    let next = lens[out.len().min(lens.len() - 1)];
                    let want = if acc.len() < HEADER_LEN {
                        HEADER_LEN - acc.len()
                    } else {
                        next - acc.len()
                    };
                    if out.len() < lens.len() {
                        assert_eq!(
                            needed,
                            want,
                            "after {} frames, {} octets",
                            out.len(),
                            acc.len()
                        );
                    }
                    break;
                }
            }
        }
    }
    assert!(acc.is_empty(), "{} octets left over", acc.len());
    out
}

#[test]
fn framing_every_split_point() {
    let pdus = samples();
    let frames: Vec<Vec<u8>> = pdus.iter().map(encode_vec).collect();
    let lens: Vec<usize> = frames.iter().map(Vec::len).collect();
    let stream = frames.concat();
    for split in 0..=stream.len() {
        let (a, b) = stream.split_at(split);
        let got = reassemble([a, b], &lens);
        assert_eq!(got, frames, "split at {split}");
    }
    // Two splits, everywhere around the first few frame boundaries.
    let mut edges = vec![0usize];
    for l in &lens[..6] {
        edges.push(edges.last().unwrap() + l);
    }
    for &e1 in &edges {
        for d1 in 0..20 {
            for d2 in 1..20 {
                let s1 = (e1 + d1).min(stream.len());
                let s2 = (s1 + d2).min(stream.len());
                let got = reassemble([&stream[..s1], &stream[s1..s2], &stream[s2..]], &lens);
                assert_eq!(got.len(), frames.len());
            }
        }
    }
    // Octet by octet.
    let got = reassemble(stream.chunks(1), &lens);
    for (bytes, p) in got.iter().zip(&pdus) {
        assert_eq!(Pdu::parse(bytes).as_ref(), Ok(p));
    }
}

#[derive(Clone, Debug)]
struct Chunking {
    order: Vec<usize>,
    sizes: Vec<usize>,
}

impl Arbitrary for Chunking {
    fn arbitrary(g: &mut Gen) -> Chunking {
        let n = 1 + usize::arbitrary(g) % 12;
        let k = samples().len();
        Chunking {
            order: (0..n).map(|_| usize::arbitrary(g) % k).collect(),
            sizes: (0..1 + usize::arbitrary(g) % 40)
                .map(|_| 1 + usize::arbitrary(g) % 90)
                .collect(),
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Chunking>> {
        // Drop one PDU at a time.
        let s = self.clone();
        let n = if s.order.len() > 1 { s.order.len() } else { 0 };
        Box::new((0..n).map(move |i| {
            let mut c = s.clone();
            c.order.remove(i);
            c
        }))
    }
}

#[test]
fn prop_framing_arbitrary_chunks() {
    fn prop(c: Chunking) -> TestResult {
        let all = samples();
        let pdus: Vec<Pdu<'static>> = c
            .order
            .iter()
            .enumerate()
            .map(|(seq, &i)| Pdu {
                sequence_number: seq as u32,
                ..all[i]
            })
            .collect();
        let frames: Vec<Vec<u8>> = pdus.iter().map(encode_vec).collect();
        let lens: Vec<usize> = frames.iter().map(Vec::len).collect();
        let stream = frames.concat();
        let mut chunks = Vec::new();
        let mut at = 0;
        let mut i = 0;
        while at < stream.len() {
            let n = c.sizes[i % c.sizes.len()].min(stream.len() - at);
            chunks.push(&stream[at..at + n]);
            at += n;
            i += 1;
        }
        let got = reassemble(chunks, &lens);
        let parsed: Vec<Pdu<'_>> = got.iter().map(|b| Pdu::parse(b).unwrap()).collect();
        TestResult::from_bool(parsed == pdus)
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(Chunking) -> TestResult);
}

// ---------------------------------------------------------------------------------------
// SMPP 5.0: the broadcast bodies' field limits, their mandatory TLVs, the 5.0 TLV sizes and
// ranges
// ---------------------------------------------------------------------------------------

/// The four TLVs `broadcast_sm` requires, each valid.
fn broadcast_mandatory() -> Vec<u8> {
    B::default()
        .tlv(0x0606, b"\x00Dublin")
        .tlv(0x0601, &[1, 0, 0x10])
        .tlv(0x0604, &[0, 3])
        .tlv(0x0605, &[9, 0, 5])
        .0
}

/// The three TLVs a successful `query_broadcast_sm_resp` requires, each valid.
fn query_broadcast_mandatory() -> Vec<u8> {
    B::default()
        .tlv(0x0427, &[1])
        .tlv(0x0606, b"\x00Dublin")
        .tlv(0x0608, &[80])
        .0
}

fn broadcast_sm(
    service_type: &[u8],
    source: &[u8],
    message_id: &[u8],
    schedule: &[u8],
    tlvs: &[u8],
) -> Vec<u8> {
    let b = B::default()
        .cs(service_type)
        .u8(1)
        .u8(1)
        .cs(source)
        .cs(message_id)
        .u8(0)
        .cs(schedule)
        .cs(b"")
        .u8(0)
        .u8(0)
        .u8(0)
        .raw(tlvs);
    pdu(0x111, 0, 1, &b.0)
}

fn query_broadcast_sm(message_id: &[u8], source: &[u8]) -> Vec<u8> {
    let b = B::default().cs(message_id).u8(1).u8(1).cs(source);
    pdu(0x112, 0, 2, &b.0)
}

fn query_broadcast_sm_resp(status: u32, message_id: &[u8], tlvs: &[u8]) -> Vec<u8> {
    pdu(
        0x8000_0112,
        status,
        2,
        &B::default().cs(message_id).raw(tlvs).0,
    )
}

fn cancel_broadcast_sm(service_type: &[u8], message_id: &[u8], source: &[u8]) -> Vec<u8> {
    let b = B::default()
        .cs(service_type)
        .cs(message_id)
        .u8(1)
        .u8(1)
        .cs(source);
    pdu(0x113, 0, 3, &b.0)
}

#[test]
fn decode_broadcast_field_limits() {
    let m = broadcast_mandatory();
    let cases = [
        Case {
            what: "broadcast_sm service_type 6",
            good: broadcast_sm(&s(5), b"1", b"", b"", &m),
            bad: broadcast_sm(&s(6), b"1", b"", b"", &m),
            err: too_long(Field::ServiceType, 6),
            status: S::ESME_RINVSERTYP,
        },
        Case {
            what: "broadcast_sm source_addr 21",
            good: broadcast_sm(b"", &s(20), b"", b"", &m),
            bad: broadcast_sm(b"", &s(21), b"", b"", &m),
            err: too_long(Field::SourceAddr, 21),
            status: S::ESME_RINVSRCADR,
        },
        Case {
            what: "broadcast_sm message_id 65",
            good: broadcast_sm(b"", b"1", &s(64), b"", &m),
            bad: broadcast_sm(b"", b"1", &s(65), b"", &m),
            err: too_long(Field::MessageId, 65),
            status: S::ESME_RINVMSGID,
        },
        Case {
            what: "broadcast_sm schedule_delivery_time of 5 characters",
            good: broadcast_sm(b"", b"1", b"", b"261121230000004+", &m),
            bad: broadcast_sm(b"", b"1", b"", b"26112", &m),
            err: invalid(Field::ScheduleDeliveryTime),
            status: S::ESME_RINVSCHED,
        },
        Case {
            what: "broadcast_sm_resp message_id 65",
            good: message_id_resp(0x8000_0111, 0, &s(64)),
            bad: message_id_resp(0x8000_0111, 0, &s(65)),
            err: too_long(Field::MessageId, 65),
            status: S::ESME_RINVMSGID,
        },
        Case {
            what: "query_broadcast_sm message_id 65",
            good: query_broadcast_sm(&s(64), b"1"),
            bad: query_broadcast_sm(&s(65), b"1"),
            err: too_long(Field::MessageId, 65),
            status: S::ESME_RINVMSGID,
        },
        Case {
            what: "query_broadcast_sm source_addr 21",
            good: query_broadcast_sm(b"1", &s(20)),
            bad: query_broadcast_sm(b"1", &s(21)),
            err: too_long(Field::SourceAddr, 21),
            status: S::ESME_RINVSRCADR,
        },
        Case {
            what: "query_broadcast_sm_resp message_id 65",
            good: query_broadcast_sm_resp(0, &s(64), &query_broadcast_mandatory()),
            bad: query_broadcast_sm_resp(0, &s(65), &query_broadcast_mandatory()),
            err: too_long(Field::MessageId, 65),
            status: S::ESME_RINVMSGID,
        },
        Case {
            what: "cancel_broadcast_sm service_type 6",
            good: cancel_broadcast_sm(&s(5), b"1", b"1"),
            bad: cancel_broadcast_sm(&s(6), b"1", b"1"),
            err: too_long(Field::ServiceType, 6),
            status: S::ESME_RINVSERTYP,
        },
        Case {
            what: "cancel_broadcast_sm message_id 65",
            good: cancel_broadcast_sm(b"", &s(64), b"1"),
            bad: cancel_broadcast_sm(b"", &s(65), b"1"),
            err: too_long(Field::MessageId, 65),
            status: S::ESME_RINVMSGID,
        },
        Case {
            what: "cancel_broadcast_sm source_addr 21",
            good: cancel_broadcast_sm(b"", b"1", &s(20)),
            bad: cancel_broadcast_sm(b"", b"1", &s(21)),
            err: too_long(Field::SourceAddr, 21),
            status: S::ESME_RINVSRCADR,
        },
        Case {
            what: "cancel_broadcast_sm_resp with a body",
            good: pdu(0x8000_0113, 0, 3, &[]),
            bad: pdu(0x8000_0113, 0, 3, &[0]),
            err: DecodeError::TrailingBytes {
                command_id: CommandId::CancelBroadcastSmResp,
                extra: 1,
            },
            status: S::ESME_RINVCMDLEN,
        },
    ];
    check_cases(&cases);
}

#[test]
fn decode_broadcast_mandatory_tlvs() {
    // broadcast_sm without each of its four mandatory TLVs in turn.
    let all = [
        (0x0606u16, &b"\x00Dublin"[..]),
        (0x0601, &[1, 0, 0x10]),
        (0x0604, &[0, 3]),
        (0x0605, &[9, 0, 5]),
    ];
    let mut cases = Vec::new();
    for skip in 0..all.len() {
        let tlvs = all
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .fold(B::default(), |b, (_, (t, v))| b.tlv(*t, v))
            .0;
        let what = ["area", "content type", "rep num", "frequency"][skip];
        cases.push(Case {
            what,
            good: broadcast_sm(b"", b"1", b"", b"", &broadcast_mandatory()),
            bad: broadcast_sm(b"", b"1", b"", b"", &tlvs),
            err: DecodeError::MissingTlv {
                command_id: CommandId::BroadcastSm,
                tag: TlvTag(all[skip].0),
            },
            status: S::ESME_RMISSINGOPTPARAM,
        });
    }
    // No TLVs at all: the first mandatory one is named.
    cases.push(Case {
        what: "broadcast_sm without TLVs",
        good: broadcast_sm(b"", b"1", b"", b"", &broadcast_mandatory()),
        bad: broadcast_sm(b"", b"1", b"", b"", &[]),
        err: DecodeError::MissingTlv {
            command_id: CommandId::BroadcastSm,
            tag: TlvTag::BROADCAST_AREA_IDENTIFIER,
        },
        status: S::ESME_RMISSINGOPTPARAM,
    });
    let q = [
        (0x0427u16, &[1u8][..]),
        (0x0606, &b"\x00Dublin"[..]),
        (0x0608, &[80][..]),
    ];
    for skip in 0..q.len() {
        let tlvs = q
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .fold(B::default(), |b, (_, (t, v))| b.tlv(*t, v))
            .0;
        cases.push(Case {
            what: ["message_state", "area", "area success"][skip],
            good: query_broadcast_sm_resp(0, b"bc1", &query_broadcast_mandatory()),
            bad: query_broadcast_sm_resp(0, b"bc1", &tlvs),
            err: DecodeError::MissingTlv {
                command_id: CommandId::QueryBroadcastSmResp,
                tag: TlvTag(q[skip].0),
            },
            status: S::ESME_RMISSINGOPTPARAM,
        });
    }
    check_cases(&cases);
    // An error response needs none of them.
    let err = query_broadcast_sm_resp(S::ESME_RBCASTQUERYFAIL.0, b"bc1", &[]);
    for opts in [ParseOptions::default(), ParseOptions::strict()] {
        let p = Pdu::parse_with(&err, &opts).unwrap();
        assert_eq!(p.command_status, S::ESME_RBCASTQUERYFAIL);
    }
    // The status and the field of the error.
    let e = DecodeError::MissingTlv {
        command_id: CommandId::BroadcastSm,
        tag: TlvTag::BROADCAST_REP_NUM,
    };
    assert_eq!(e.status().0, 0xC3);
    assert_eq!(e.field(), Some(Field::Tlvs));
    assert!(!e.needs_generic_nack());
    assert!(e.to_string().contains("broadcast_rep_num"), "{e}");
}

#[test]
fn decode_smpp50_tlv_sizes_and_ranges() {
    let with = |tag: u16, v: &[u8]| {
        let tlvs = B::default().raw(&broadcast_mandatory()).tlv(tag, v).0;
        broadcast_sm(b"", b"1", b"", b"", &tlvs)
    };
    // (tag, a valid value, an invalid length)
    let sizes: [(u16, &[u8], &[u8]); 12] = [
        (0x0428, &[50], &[0, 50]),
        (0x0601, &[1, 0, 1], &[1, 0]),
        (0x0605, &[9, 0, 1], &[9, 0, 0, 1]),
        (0x0604, &[0, 1], &[1]),
        (0x0606, &[0, b'x'], &[]),
        (0x0607, &[0, 0, 1, 9], &[1, 9]),
        (0x060F, b"123456", b"12345"),
        (0x0612, &[0; 10], &[0; 9]),
        (0x0613, &[0, 0, 0, 0, 44], &[0, 0, 0, 44]),
        (0x1204, &[4, 2, 0, 30], &[4, 2]),
        (0x130C, &[3], &[3, 3]),
        (0x060D, b"net\0", &[b'n'; 66]),
    ];
    for (tag, good, bad) in sizes {
        let what = TlvTag(tag).name().unwrap();
        let ok = with(tag, good);
        for opts in [ParseOptions::default(), ParseOptions::strict()] {
            Pdu::parse_with(&ok, &opts).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        }
        let bytes = with(tag, bad);
        let e = parse_err(&bytes, &ParseOptions::strict());
        assert_eq!(
            e,
            DecodeError::TlvLength {
                tag: TlvTag(tag),
                len: bad.len() as u16
            },
            "{what}"
        );
        assert_eq!(e.status(), S::ESME_RINVPARLEN, "{what}");
        // Leniently the TLV is kept as it came.
        let p = Pdu::parse(&bytes).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        let Body::BroadcastSm(b) = p.body else {
            panic!("{p:?}")
        };
        let last = b.tlvs.iter().filter(|t| t.tag == TlvTag(tag)).last();
        assert_eq!(last.unwrap().value.octets(), Some(bad), "{what}");
    }
    // A 101-octet broadcast_area_identifier breaks the 100-octet limit too.
    let long_area = [0u8; 101];
    assert_eq!(
        parse_err(&with(0x0606, &long_area), &ParseOptions::strict()),
        DecodeError::TlvLength {
            tag: TlvTag::BROADCAST_AREA_IDENTIFIER,
            len: 101
        }
    );
    // Ranges: congestion_state 0..=100, broadcast_area_success 0..=100 or 255.
    for (tag, good, bad) in [
        (0x0428u16, 100u8, 101u8),
        (0x0608, 255, 101),
        (0x0608, 0, 254),
    ] {
        let what = TlvTag(tag).name().unwrap();
        Pdu::parse_with(&with(tag, &[good]), &ParseOptions::strict())
            .unwrap_or_else(|e| panic!("{what} {good}: {e:?}"));
        let bytes = with(tag, &[bad]);
        let e = parse_err(&bytes, &ParseOptions::strict());
        assert_eq!(e, DecodeError::TlvOutOfRange { tag: TlvTag(tag) }, "{what}");
        assert_eq!(e.status(), S::ESME_RINVOPTPARAMVAL);
        let p = Pdu::parse(&bytes).unwrap();
        let Body::BroadcastSm(b) = p.body else {
            panic!("{p:?}")
        };
        assert_eq!(b.tlvs.congestion_state(), None, "{what} {bad}");
        assert_eq!(b.tlvs.broadcast_area_success(), None, "{what} {bad}");
    }
    // The typed accessors refuse wrong sizes rather than misreading them.
    let p_bytes = with(0x0601, &[1, 0]);
    let p = Pdu::parse(&p_bytes).unwrap();
    let Body::BroadcastSm(b) = p.body else {
        panic!("{p:?}")
    };
    // The first broadcast_content_type (the valid mandatory one) is the one read.
    assert_eq!(
        b.tlvs.broadcast_content_type().unwrap().content_type,
        0x0010
    );
}

/// Every encode route refuses `p` with `want` and writes nothing.
fn check_refused(what: &str, p: &Pdu<'_>, want: EncodeError) {
    assert_eq!(p.validate(), Err(want), "{what}: validate");
    let mut buf = vec![0x5Au8; 4096];
    assert_eq!(p.encode(&mut buf), Err(want), "{what}: encode");
    let mut bm = BytesMut::from(&b"keep"[..]);
    assert_eq!(p.encode_to(&mut bm), Err(want), "{what}: encode_to");
    assert_eq!(&bm[..], b"keep", "{what}");
    assert_eq!(Frame::encode(p).unwrap_err(), want, "{what}: Frame::encode");
    assert!(p.encoded_len() >= HEADER_LEN);
}

#[test]
fn encode_broadcast_refusals() {
    let ok_tlvs = SAMPLE_BROADCAST_TLVS;
    let good = BroadcastSm {
        source: Address::alphanumeric("Alerts"),
        tlvs: Tlvs::from_slice(&ok_tlvs),
        ..Default::default()
    };
    assert!(Pdu::new(1, Body::BroadcastSm(good)).validate().is_ok());
    // Each mandatory TLV left out in turn.
    for skip in 0..4 {
        let tlvs: Vec<Tlv<'_>> = ok_tlvs
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, t)| *t)
            .collect();
        let p = Pdu::new(
            1,
            Body::BroadcastSm(BroadcastSm {
                tlvs: Tlvs::from_slice(&tlvs),
                ..good
            }),
        );
        let want = EncodeError::MissingTlv {
            tag: ok_tlvs[skip].tag,
        };
        check_refused("broadcast_sm without a mandatory TLV", &p, want);
        assert_eq!(want.status(), S::ESME_RMISSINGOPTPARAM);
    }
    let long = s(65);
    let long6 = s(6);
    let cases: Vec<(&str, Body<'_>, EncodeError)> = vec![
        (
            "broadcast_sm message_id 65",
            Body::BroadcastSm(BroadcastSm {
                message_id: &long,
                ..good
            }),
            EncodeError::TooLong {
                field: Field::MessageId,
                max: 65,
            },
        ),
        (
            "broadcast_sm service_type 6",
            Body::BroadcastSm(BroadcastSm {
                service_type: &long6,
                ..good
            }),
            EncodeError::TooLong {
                field: Field::ServiceType,
                max: 6,
            },
        ),
        (
            "broadcast_sm validity_period of 3",
            Body::BroadcastSm(BroadcastSm {
                validity_period: b"001",
                ..good
            }),
            EncodeError::InvalidValue {
                field: Field::ValidityPeriod,
            },
        ),
        (
            "query_broadcast_sm message_id 65",
            Body::QueryBroadcastSm(QueryBroadcastSm {
                message_id: &long,
                ..Default::default()
            }),
            EncodeError::TooLong {
                field: Field::MessageId,
                max: 65,
            },
        ),
        (
            "cancel_broadcast_sm service_type 6",
            Body::CancelBroadcastSm(CancelBroadcastSm {
                service_type: &long6,
                ..Default::default()
            }),
            EncodeError::TooLong {
                field: Field::ServiceType,
                max: 6,
            },
        ),
        (
            "broadcast_sm_resp message_id 65",
            Body::BroadcastSmResp(MessageIdResp::new(&long)),
            EncodeError::TooLong {
                field: Field::MessageId,
                max: 65,
            },
        ),
        (
            "query_broadcast_sm_resp without its TLVs",
            Body::QueryBroadcastSmResp(QueryBroadcastSmResp {
                message_id: b"bc1",
                tlvs: Tlvs::EMPTY,
            }),
            EncodeError::MissingTlv {
                tag: TlvTag::MESSAGE_STATE,
            },
        ),
    ];
    for (what, body, want) in cases {
        check_refused(what, &Pdu::new(1, body), want);
    }
    // An error query_broadcast_sm_resp needs no TLVs.
    let p = Pdu::with_status(
        1,
        S::ESME_RBCASTQUERYFAIL,
        Body::QueryBroadcastSmResp(QueryBroadcastSmResp {
            message_id: b"bc1",
            tlvs: Tlvs::EMPTY,
        }),
    );
    assert_eq!(p.validate(), Ok(HEADER_LEN + 4));
}

#[test]
fn encode_smpp50_tlv_refusals() {
    fn resp<'a>(t: &'a [Tlv<'a>]) -> Pdu<'a> {
        Pdu::new(
            1,
            Body::SubmitSmResp(MessageIdResp {
                message_id: b"1",
                tlvs: Tlvs::from_slice(t),
            }),
        )
    }
    for v in [0u8, 50, 100] {
        assert!(resp(&[Tlv::u8(TlvTag::CONGESTION_STATE, v)])
            .validate()
            .is_ok());
    }
    for v in [101u8, 200, 255] {
        let want = EncodeError::TlvOutOfRange {
            tag: TlvTag::CONGESTION_STATE,
        };
        check_refused(
            "congestion_state above 100",
            &resp(&[Tlv::u8(TlvTag::CONGESTION_STATE, v)]),
            want,
        );
        assert_eq!(want.status(), S::ESME_RINVOPTPARAMVAL);
    }
    check_refused(
        "congestion_state as raw octets above 100",
        &resp(&[Tlv::octets(TlvTag::CONGESTION_STATE, &[150])]),
        EncodeError::TlvOutOfRange {
            tag: TlvTag::CONGESTION_STATE,
        },
    );
    check_refused(
        "broadcast_area_success 101",
        &resp(&[Tlv::u8(TlvTag::BROADCAST_AREA_SUCCESS, 101)]),
        EncodeError::TlvOutOfRange {
            tag: TlvTag::BROADCAST_AREA_SUCCESS,
        },
    );
    for (what, t) in [
        (
            "congestion_state of 2 octets",
            Tlv::u16(TlvTag::CONGESTION_STATE, 5),
        ),
        (
            "broadcast_content_type of 2 octets",
            Tlv::octets(TlvTag::BROADCAST_CONTENT_TYPE, &[1, 0]),
        ),
        (
            "broadcast_area_identifier empty",
            Tlv::octets(TlvTag::BROADCAST_AREA_IDENTIFIER, &[]),
        ),
        (
            "dest_node_id of 7",
            Tlv::octets(TlvTag::DEST_NODE_ID, b"1234567"),
        ),
        (
            "ms_validity of 3",
            Tlv::octets(TlvTag::MS_VALIDITY, &[4, 2, 0]),
        ),
        (
            "source_network_id of 65 + NUL",
            Tlv::cstr(TlvTag::SOURCE_NETWORK_ID, &[b'n'; 65]),
        ),
    ] {
        check_refused(what, &resp(&[t]), EncodeError::TlvTooLong { tag: t.tag });
    }
}
