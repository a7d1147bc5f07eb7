//! Golden vectors: every line of `tests/data/basic.jsonl` (SMPP 3.4) and
//! `tests/data/smpp50.jsonl` (SMPP 5.0) is checked against the codec.
//!
//! - `valid`: parses, re-encodes byte for byte (`encode`, `encode_to`, `encoded_len`,
//!   `validate`, `Frame`), and every listed field matches the parsed PDU.
//! - `incomplete`: `frame()` asks for more octets.
//! - `invalid`: `frame()` or `Pdu::parse` rejects it with the listed `command_status`.
#![cfg(feature = "alloc")]

use bytes::{Bytes, BytesMut};
use serde_json::Value;
use smpp_core::codec::{frame, Framing};
use smpp_core::pdu::{Body, Header, ParseOptions, TlvKind, TlvTag, DEFAULT_MAX_COMMAND_LENGTH};
use smpp_core::{CommandStatus, DecodeError, Field, Frame, Pdu};
use std::collections::BTreeMap;

struct Vector {
    line: usize,
    name: String,
    bytes: Vec<u8>,
    expect: String,
    fields: serde_json::Map<String, Value>,
}

fn load() -> Vec<Vector> {
    let mut all = load_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/basic.jsonl"
    ));
    all.extend(load_5_0());
    all
}

fn load_5_0() -> Vec<Vector> {
    load_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/smpp50.jsonl"
    ))
}

fn load_file(path: &str) -> Vec<Vector> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{path}:{}: {e}", i + 1));
        let s = |k: &str| {
            v[k].as_str()
                .unwrap_or_else(|| panic!("{path}:{}: missing string {k:?}", i + 1))
                .to_string()
        };
        out.push(Vector {
            line: i + 1,
            name: s("name"),
            bytes: unhex(&s("hex")),
            expect: s("expect"),
            fields: v["fields"].as_object().cloned().unwrap_or_default(),
        });
    }
    out
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length: {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_else(|_| panic!("bad hex {s}")))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// A field value as the vectors describe it.
#[derive(Debug, PartialEq)]
enum V {
    Num(u64),
    Bytes(Vec<u8>),
    Tlvs(Vec<(u16, Vec<u8>)>),
}

/// Maps a parsed PDU to (specification field name -> value).
fn fields_of(pdu: &Pdu<'_>) -> BTreeMap<&'static str, V> {
    let mut m = BTreeMap::new();
    let num = |m: &mut BTreeMap<_, _>, k: &'static str, v: u64| {
        m.insert(k, V::Num(v));
    };
    let bytes = |m: &mut BTreeMap<_, _>, k: &'static str, v: &[u8]| {
        m.insert(k, V::Bytes(v.to_vec()));
    };
    let tlvs = |m: &mut BTreeMap<_, _>, t: &smpp_core::pdu::Tlvs<'_>| {
        let list = t
            .iter()
            .map(|tlv| {
                let mut v = Vec::new();
                tlv.value.with_bytes(|a, b| {
                    v.extend_from_slice(a);
                    v.extend_from_slice(b);
                });
                (tlv.tag.0, v)
            })
            .collect();
        m.insert("tlvs", V::Tlvs(list));
    };
    num(&mut m, "command_id", pdu.command_id().to_u32().into());
    num(&mut m, "command_status", pdu.command_status.0.into());
    num(&mut m, "sequence_number", pdu.sequence_number.into());
    match &pdu.body {
        Body::BindReceiver(b) | Body::BindTransmitter(b) | Body::BindTransceiver(b) => {
            bytes(&mut m, "system_id", b.system_id);
            bytes(&mut m, "password", b.password);
            bytes(&mut m, "system_type", b.system_type);
            num(&mut m, "interface_version", b.interface_version.into());
            num(&mut m, "addr_ton", b.addr_ton.0.into());
            num(&mut m, "addr_npi", b.addr_npi.0.into());
            bytes(&mut m, "address_range", b.address_range);
        }
        Body::BindReceiverResp(b) | Body::BindTransmitterResp(b) | Body::BindTransceiverResp(b) => {
            bytes(&mut m, "system_id", b.system_id);
            tlvs(&mut m, &b.tlvs);
        }
        Body::Outbind(b) => {
            bytes(&mut m, "system_id", b.system_id);
            bytes(&mut m, "password", b.password);
        }
        Body::SubmitSm(b) | Body::DeliverSm(b) => {
            bytes(&mut m, "service_type", b.service_type);
            num(&mut m, "source_addr_ton", b.source.ton.0.into());
            num(&mut m, "source_addr_npi", b.source.npi.0.into());
            bytes(&mut m, "source_addr", b.source.addr);
            num(&mut m, "dest_addr_ton", b.destination.ton.0.into());
            num(&mut m, "dest_addr_npi", b.destination.npi.0.into());
            bytes(&mut m, "destination_addr", b.destination.addr);
            num(&mut m, "esm_class", b.esm_class.0.into());
            num(&mut m, "protocol_id", b.protocol_id.into());
            num(&mut m, "priority_flag", b.priority_flag.into());
            bytes(&mut m, "schedule_delivery_time", b.schedule_delivery_time);
            bytes(&mut m, "validity_period", b.validity_period);
            num(
                &mut m,
                "registered_delivery",
                b.registered_delivery.0.into(),
            );
            num(
                &mut m,
                "replace_if_present_flag",
                b.replace_if_present_flag.into(),
            );
            num(&mut m, "data_coding", b.data_coding.0.into());
            num(&mut m, "sm_default_msg_id", b.sm_default_msg_id.into());
            num(&mut m, "sm_length", b.short_message.len() as u64);
            bytes(&mut m, "short_message", b.short_message);
            tlvs(&mut m, &b.tlvs);
        }
        Body::SubmitSmResp(b)
        | Body::DeliverSmResp(b)
        | Body::DataSmResp(b)
        | Body::BroadcastSmResp(b) => {
            bytes(&mut m, "message_id", b.message_id);
            tlvs(&mut m, &b.tlvs);
        }
        Body::BroadcastSm(b) => {
            bytes(&mut m, "service_type", b.service_type);
            num(&mut m, "source_addr_ton", b.source.ton.0.into());
            num(&mut m, "source_addr_npi", b.source.npi.0.into());
            bytes(&mut m, "source_addr", b.source.addr);
            bytes(&mut m, "message_id", b.message_id);
            num(&mut m, "priority_flag", b.priority_flag.into());
            bytes(&mut m, "schedule_delivery_time", b.schedule_delivery_time);
            bytes(&mut m, "validity_period", b.validity_period);
            num(
                &mut m,
                "replace_if_present_flag",
                b.replace_if_present_flag.into(),
            );
            num(&mut m, "data_coding", b.data_coding.0.into());
            num(&mut m, "sm_default_msg_id", b.sm_default_msg_id.into());
            tlvs(&mut m, &b.tlvs);
        }
        Body::QueryBroadcastSm(b) => {
            bytes(&mut m, "message_id", b.message_id);
            num(&mut m, "source_addr_ton", b.source.ton.0.into());
            num(&mut m, "source_addr_npi", b.source.npi.0.into());
            bytes(&mut m, "source_addr", b.source.addr);
            tlvs(&mut m, &b.tlvs);
        }
        Body::QueryBroadcastSmResp(b) => {
            bytes(&mut m, "message_id", b.message_id);
            tlvs(&mut m, &b.tlvs);
        }
        Body::CancelBroadcastSm(b) => {
            bytes(&mut m, "service_type", b.service_type);
            bytes(&mut m, "message_id", b.message_id);
            num(&mut m, "source_addr_ton", b.source.ton.0.into());
            num(&mut m, "source_addr_npi", b.source.npi.0.into());
            bytes(&mut m, "source_addr", b.source.addr);
            tlvs(&mut m, &b.tlvs);
        }
        Body::DataSm(b) => {
            bytes(&mut m, "service_type", b.service_type);
            num(&mut m, "source_addr_ton", b.source.ton.0.into());
            num(&mut m, "source_addr_npi", b.source.npi.0.into());
            bytes(&mut m, "source_addr", b.source.addr);
            num(&mut m, "dest_addr_ton", b.destination.ton.0.into());
            num(&mut m, "dest_addr_npi", b.destination.npi.0.into());
            bytes(&mut m, "destination_addr", b.destination.addr);
            num(&mut m, "esm_class", b.esm_class.0.into());
            num(
                &mut m,
                "registered_delivery",
                b.registered_delivery.0.into(),
            );
            num(&mut m, "data_coding", b.data_coding.0.into());
            tlvs(&mut m, &b.tlvs);
        }
        Body::SubmitMulti(b) => {
            bytes(&mut m, "service_type", b.service_type);
            num(&mut m, "source_addr_ton", b.source.ton.0.into());
            num(&mut m, "source_addr_npi", b.source.npi.0.into());
            bytes(&mut m, "source_addr", b.source.addr);
            num(&mut m, "number_of_dests", b.dest_addresses.len() as u64);
            num(&mut m, "esm_class", b.esm_class.0.into());
            num(&mut m, "protocol_id", b.protocol_id.into());
            num(&mut m, "priority_flag", b.priority_flag.into());
            bytes(&mut m, "schedule_delivery_time", b.schedule_delivery_time);
            bytes(&mut m, "validity_period", b.validity_period);
            num(
                &mut m,
                "registered_delivery",
                b.registered_delivery.0.into(),
            );
            num(
                &mut m,
                "replace_if_present_flag",
                b.replace_if_present_flag.into(),
            );
            num(&mut m, "data_coding", b.data_coding.0.into());
            num(&mut m, "sm_default_msg_id", b.sm_default_msg_id.into());
            num(&mut m, "sm_length", b.short_message.len() as u64);
            bytes(&mut m, "short_message", b.short_message);
            tlvs(&mut m, &b.tlvs);
        }
        Body::SubmitMultiResp(b) => {
            bytes(&mut m, "message_id", b.message_id);
            num(&mut m, "no_unsuccess", b.unsuccess_smes.len() as u64);
            tlvs(&mut m, &b.tlvs);
        }
        Body::QuerySm(b) => {
            bytes(&mut m, "message_id", b.message_id);
            num(&mut m, "source_addr_ton", b.source.ton.0.into());
            num(&mut m, "source_addr_npi", b.source.npi.0.into());
            bytes(&mut m, "source_addr", b.source.addr);
        }
        Body::QuerySmResp(b) => {
            bytes(&mut m, "message_id", b.message_id);
            bytes(&mut m, "final_date", b.final_date);
            num(&mut m, "message_state", b.message_state.into());
            num(&mut m, "error_code", b.error_code.into());
        }
        Body::CancelSm(b) => {
            bytes(&mut m, "service_type", b.service_type);
            bytes(&mut m, "message_id", b.message_id);
            num(&mut m, "source_addr_ton", b.source.ton.0.into());
            num(&mut m, "source_addr_npi", b.source.npi.0.into());
            bytes(&mut m, "source_addr", b.source.addr);
            num(&mut m, "dest_addr_ton", b.destination.ton.0.into());
            num(&mut m, "dest_addr_npi", b.destination.npi.0.into());
            bytes(&mut m, "destination_addr", b.destination.addr);
        }
        Body::ReplaceSm(b) => {
            bytes(&mut m, "message_id", b.message_id);
            num(&mut m, "source_addr_ton", b.source.ton.0.into());
            num(&mut m, "source_addr_npi", b.source.npi.0.into());
            bytes(&mut m, "source_addr", b.source.addr);
            bytes(&mut m, "schedule_delivery_time", b.schedule_delivery_time);
            bytes(&mut m, "validity_period", b.validity_period);
            num(
                &mut m,
                "registered_delivery",
                b.registered_delivery.0.into(),
            );
            num(&mut m, "sm_default_msg_id", b.sm_default_msg_id.into());
            num(&mut m, "sm_length", b.short_message.len() as u64);
            bytes(&mut m, "short_message", b.short_message);
        }
        Body::AlertNotification(b) => {
            num(&mut m, "source_addr_ton", b.source.ton.0.into());
            num(&mut m, "source_addr_npi", b.source.npi.0.into());
            bytes(&mut m, "source_addr", b.source.addr);
            num(&mut m, "esme_addr_ton", b.esme.ton.0.into());
            num(&mut m, "esme_addr_npi", b.esme.npi.0.into());
            bytes(&mut m, "esme_addr", b.esme.addr);
            tlvs(&mut m, &b.tlvs);
        }
        Body::GenericNack
        | Body::Unbind
        | Body::UnbindResp
        | Body::EnquireLink
        | Body::EnquireLinkResp
        | Body::CancelSmResp
        | Body::ReplaceSmResp
        | Body::CancelBroadcastSmResp => {}
        other => panic!("body not mapped by this test: {other:?}"),
    }
    m
}

/// A JSON number, or a string holding a `0x` hex number.
fn json_num(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => u64::from_str_radix(s.strip_prefix("0x")?, 16).ok(),
        _ => None,
    }
}

/// Converts an expected JSON value into the form of the parsed field it is compared with.
fn expected_as(actual: &V, v: &Value, ctx: &str) -> V {
    match actual {
        V::Num(_) => V::Num(json_num(v).unwrap_or_else(|| panic!("{ctx}: not a number: {v}"))),
        V::Bytes(_) => V::Bytes(
            v.as_str()
                .unwrap_or_else(|| panic!("{ctx}: not a string: {v}"))
                .as_bytes()
                .to_vec(),
        ),
        V::Tlvs(_) => V::Tlvs(
            v.as_array()
                .unwrap_or_else(|| panic!("{ctx}: not an array: {v}"))
                .iter()
                .map(|t| {
                    let tag = json_num(&t["tag"]).unwrap_or_else(|| panic!("{ctx}: tag {t}"));
                    let value = unhex(t["value"].as_str().unwrap_or_else(|| panic!("{ctx}: {t}")));
                    (u16::try_from(tag).unwrap(), value)
                })
                .collect(),
        ),
    }
}

/// TLV values are hex, except that the vectors write a C-octet string TLV
/// (`receipted_message_id`) as its text followed by `00` for the NUL: `"6f1d2a00"` is the
/// seven octets `6f1d2a\0`. Both readings are accepted for C-octet string tags only.
fn check_tlvs(got: &[(u16, Vec<u8>)], want: &[(u16, Vec<u8>)], ctx: &str) {
    assert_eq!(got.len(), want.len(), "{ctx}: {got:?} vs {want:?}");
    for ((gt, gv), (wt, wv)) in got.iter().zip(want) {
        assert_eq!(gt, wt, "{ctx}: tag");
        if gv == wv {
            continue;
        }
        let is_cstr = matches!(TlvTag(*gt).kind(), Some(TlvKind::CStr(_)));
        let as_text = |v: &[u8]| {
            // Undo the hex decoding to recover the JSON string.
            let s = hex(v).to_lowercase();
            s.strip_suffix("00").map(|t| [t.as_bytes(), &[0]].concat())
        };
        assert!(
            is_cstr && as_text(wv).as_deref() == Some(&gv[..]),
            "{ctx}: tag 0x{gt:04X}: got {} ({:?}), expected {}",
            hex(gv),
            String::from_utf8_lossy(gv),
            hex(wv)
        );
    }
}

/// The `short_message` of a parsed message body.
fn short_message<'a>(pdu: &Pdu<'a>) -> &'a [u8] {
    match pdu.body {
        Body::SubmitSm(b) | Body::DeliverSm(b) => b.short_message,
        Body::SubmitMulti(b) => b.short_message,
        Body::ReplaceSm(b) => b.short_message,
        _ => panic!("no short_message in {:?}", pdu.command_id()),
    }
}

/// Checks every entry of `fields` against the parsed PDU; returns how many were compared.
fn check_fields(vec: &Vector, pdu: &Pdu<'_>) -> usize {
    let actual = fields_of(pdu);
    let mut checked = 0;
    for (key, want) in &vec.fields {
        let ctx = format!("line {} ({}), field {key}", vec.line, vec.name);
        match key.as_str() {
            // Free text for people.
            "note" => continue,
            // A delivery receipt: every `key:value` is in the text (keys use spaces).
            "receipt" => {
                let text = String::from_utf8_lossy(short_message(pdu)).into_owned();
                for (k, v) in want.as_object().unwrap_or_else(|| panic!("{ctx}: {want}")) {
                    let item = format!("{}:{}", k.replace('_', " "), v.as_str().unwrap());
                    assert!(text.contains(&item), "{ctx}: {item:?} not in {text:?}");
                }
            }
            // A concatenation UDH (IEI 0x00, 8-bit reference) at the start of short_message.
            "udh" => {
                let sm = short_message(pdu);
                let n = |k: &str| json_num(&want[k]).unwrap_or_else(|| panic!("{ctx}: {k}"));
                assert_eq!(n("iei"), 0, "{ctx}: only IEI 0 is interpreted here");
                let expected = [5, 0, 3, n("ref") as u8, n("total") as u8, n("seq") as u8];
                assert_eq!(sm.get(..6), Some(&expected[..]), "{ctx}");
            }
            // The user text after the UDH.
            "text" => {
                let sm = short_message(pdu);
                let udhl = usize::from(*sm.first().unwrap_or_else(|| panic!("{ctx}")));
                let text = sm.get(udhl + 1..).unwrap_or_else(|| panic!("{ctx}"));
                assert_eq!(text, want.as_str().unwrap().as_bytes(), "{ctx}");
            }
            _ => {
                let got = actual
                    .get(key.as_str())
                    .unwrap_or_else(|| panic!("{ctx}: no such field in {:?}", pdu.body));
                let expected = expected_as(got, want, &ctx);
                if let (V::Tlvs(g), V::Tlvs(e)) = (got, &expected) {
                    check_tlvs(g, e, &ctx);
                } else {
                    assert_eq!(got, &expected, "{ctx}");
                }
            }
        }
        checked += 1;
    }
    checked
}

fn check_valid(vec: &Vector) {
    let ctx = format!("line {} ({})", vec.line, vec.name);
    let b = &vec.bytes[..];
    assert_eq!(
        frame(b, DEFAULT_MAX_COMMAND_LENGTH),
        Ok(Framing::Complete(b.len())),
        "{ctx}"
    );
    let pdu = Pdu::parse(b).unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
    // The header agrees with the typed PDU.
    let header = Header::parse(b).unwrap();
    assert_eq!(header.command_length as usize, b.len(), "{ctx}");
    assert_eq!(header.command_id, pdu.command_id(), "{ctx}");
    assert_eq!(header.command_status, pdu.command_status, "{ctx}");
    assert_eq!(header.sequence_number, pdu.sequence_number, "{ctx}");

    // Byte-identical re-encoding, by every route.
    assert_eq!(pdu.encoded_len(), b.len(), "{ctx}");
    assert_eq!(pdu.validate(), Ok(b.len()), "{ctx}");
    let mut out = vec![0u8; b.len()];
    assert_eq!(pdu.encode(&mut out), Ok(b.len()), "{ctx}");
    assert_eq!(hex(&out), hex(b), "{ctx}: encode");
    let mut bm = BytesMut::new();
    assert_eq!(pdu.encode_to(&mut bm), Ok(b.len()), "{ctx}");
    assert_eq!(hex(&bm), hex(b), "{ctx}: encode_to");
    let f = Frame::encode(&pdu).unwrap();
    assert_eq!(f.as_bytes(), b, "{ctx}: Frame::encode");
    let f = Frame::new(Bytes::copy_from_slice(b)).unwrap();
    assert_eq!(f.pdu().unwrap(), pdu, "{ctx}: Frame::pdu");

    let n = check_fields(vec, &pdu);
    assert!(n > 0, "{ctx}: no field was checked");
}

fn check_incomplete(vec: &Vector) {
    let ctx = format!("line {} ({})", vec.line, vec.name);
    match frame(&vec.bytes, DEFAULT_MAX_COMMAND_LENGTH) {
        Ok(Framing::Partial { needed }) => {
            assert!(needed > 0, "{ctx}");
            if vec.bytes.len() < 16 {
                assert_eq!(needed, 16 - vec.bytes.len(), "{ctx}");
            }
        }
        other => panic!("{ctx}: expected Partial, got {other:?}"),
    }
    // A parser given an incomplete frame rejects it rather than guessing.
    let err = Pdu::parse(&vec.bytes).unwrap_err();
    assert_eq!(err.status(), CommandStatus::ESME_RINVCMDLEN, "{ctx}");
}

/// The error a receiver reports: `frame()` first, then `Pdu::parse` of the complete frame.
fn receive<'a>(b: &'a [u8], ctx: &str) -> Result<Pdu<'a>, DecodeError> {
    match frame(b, DEFAULT_MAX_COMMAND_LENGTH) {
        Err(e) => {
            // The parser agrees with the framer.
            assert_eq!(Pdu::parse(b).unwrap_err(), e, "{ctx}");
            Err(e)
        }
        Ok(Framing::Complete(n)) => {
            assert_eq!(n, b.len(), "{ctx}: the vector is one whole frame");
            Pdu::parse(b)
        }
        Ok(Framing::Partial { .. }) => panic!("{ctx}: an invalid vector must not be incomplete"),
    }
}

fn check_invalid(vec: &Vector) {
    let ctx = format!("line {} ({})", vec.line, vec.name);
    let b = &vec.bytes[..];
    match vec.fields.get("expected_status").and_then(Value::as_str) {
        Some(expected) => {
            let err = match receive(b, &ctx) {
                Ok(pdu) => panic!("{ctx}: parsed as {pdu:?}, expected {expected}"),
                Err(e) => e,
            };
            let name = expected
                .split_whitespace()
                .find(|w| w.starts_with("ESME_"))
                .unwrap_or_else(|| panic!("{ctx}: no ESME_ name in {expected:?}"));
            assert_eq!(err.status().name(), Some(name), "{ctx}: {err:?}");
            if let Some(code) = expected
                .split_once("(0x")
                .and_then(|(_, r)| r.strip_suffix(')'))
            {
                assert_eq!(
                    err.status().0,
                    u32::from_str_radix(code, 16).unwrap(),
                    "{ctx}"
                );
            }
            if expected.contains("generic_nack") {
                assert!(err.needs_generic_nack(), "{ctx}: {err:?}");
            }
            if let Some(seq) = vec.fields.get("sequence_number").and_then(json_num) {
                // The sequence number is still readable for the generic_nack.
                assert_eq!(u64::from(Header::parse(b).unwrap().sequence_number), seq);
            }
        }
        None => {
            // The C-octet string case: system_id has no NUL before the end of the PDU.
            let note = vec.fields["note"].as_str().unwrap_or_default();
            let field_name = note.split_whitespace().next().unwrap_or_default();
            assert_eq!(field_name, Field::SystemId.name(), "{ctx}: unexpected note");
            let no_quirk = ParseOptions {
                allow_missing_final_nul: false,
                ..ParseOptions::default()
            };
            let is_string_error = |e: &DecodeError| {
                matches!(
                    e,
                    DecodeError::Truncated {
                        field: Field::SystemId
                    } | DecodeError::TooLong {
                        field: Field::SystemId,
                        ..
                    }
                )
            };
            // The missing-final-NUL quirk covers a response's message_id only: a bind
            // response's system_id without its NUL is rejected with every option set.
            for opts in [ParseOptions::default(), no_quirk, ParseOptions::strict()] {
                let e = Pdu::parse_with(b, &opts).unwrap_err();
                assert!(is_string_error(&e), "{ctx}: {e:?}");
            }
            assert!(receive(b, &ctx).is_err(), "{ctx}");
        }
    }
}

#[test]
fn golden_vectors() {
    let vectors = load();
    assert!(
        vectors.len() >= 19 + 15,
        "expected the whole file, got {}",
        vectors.len()
    );
    let mut counts = BTreeMap::new();
    for v in &vectors {
        match v.expect.as_str() {
            "valid" => check_valid(v),
            "incomplete" => check_incomplete(v),
            "invalid" => check_invalid(v),
            other => panic!("line {}: unknown expect {other:?}", v.line),
        }
        *counts.entry(v.expect.clone()).or_insert(0) += 1;
    }
    assert!(counts["valid"] >= 15 && counts["incomplete"] >= 1 && counts["invalid"] >= 3);
}

#[test]
fn golden_field_mapping_detects_mismatches() {
    // The mapping must not be vacuous: a wrong expected value fails the comparison.
    let vectors = load();
    let v = vectors
        .iter()
        .find(|v| v.fields.contains_key("short_message") && v.expect == "valid")
        .unwrap();
    let pdu = Pdu::parse(&v.bytes).unwrap();
    let mut wrong = Vector {
        line: v.line,
        name: v.name.clone(),
        bytes: v.bytes.clone(),
        expect: v.expect.clone(),
        fields: v.fields.clone(),
    };
    wrong.fields.insert(
        "short_message".into(),
        Value::String("something else".into()),
    );
    let r = std::panic::catch_unwind(|| check_fields(&wrong, &pdu));
    assert!(r.is_err(), "a wrong short_message must be detected");
    let mut unknown = Vector {
        fields: v.fields.clone(),
        ..wrong
    };
    unknown
        .fields
        .insert("no_such_field".into(), Value::from(1));
    let r = std::panic::catch_unwind(|| check_fields(&unknown, &pdu));
    assert!(r.is_err(), "an unmapped field must be reported");
}

#[test]
fn golden_tlvs_through_accessors() {
    let vectors = load();
    let find = |needle: &str| {
        let v = vectors.iter().find(|v| v.name.contains(needle)).unwrap();
        v.bytes.clone()
    };
    let receipt = find("delivery receipt");
    let pdu = Pdu::parse(&receipt).unwrap();
    let Body::DeliverSm(d) = pdu.body else {
        panic!("{pdu:?}")
    };
    assert!(d.esm_class.is_delivery_receipt());
    assert_eq!(d.tlvs.receipted_message_id(), Some(&b"6f1d2a"[..]));
    assert_eq!(d.tlvs.message_state(), Some(2));
    assert_eq!(d.tlvs.len(), 2);
    assert_eq!(pdu.sequence_number, 0x7FFF_FFFF);

    let bind_resp = find("sc_interface_version");
    let pdu = Pdu::parse(&bind_resp).unwrap();
    let Body::BindReceiverResp(r) = pdu.body else {
        panic!("{pdu:?}")
    };
    assert_eq!(r.tlvs.sc_interface_version(), Some(0x34));

    let throttled = find("error with empty body");
    let pdu = Pdu::parse(&throttled).unwrap();
    assert_eq!(pdu.command_status, CommandStatus::ESME_RTHROTTLED);
    assert_eq!(pdu.body, Body::SubmitSmResp(Default::default()));
    // Strict parsing accepts an empty body with an error status too.
    assert_eq!(
        Pdu::parse_with(&throttled, &ParseOptions::strict()).unwrap(),
        pdu
    );
}

#[test]
fn smpp50_vectors_cover_every_5_0_command() {
    let vectors = load_5_0();
    assert!(
        vectors.len() >= 15,
        "expected the whole file, got {}",
        vectors.len()
    );
    let ids: std::collections::BTreeSet<u32> = vectors
        .iter()
        .filter(|v| v.expect == "valid")
        .map(|v| Header::parse(&v.bytes).unwrap().command_id.to_u32())
        .collect();
    for id in smpp_core::pdu::CommandId::SMPP_5_0 {
        assert!(ids.contains(&id.to_u32()), "no valid vector for {id}");
    }
    let invalid = vectors.iter().filter(|v| v.expect == "invalid").count();
    assert!(invalid >= 3, "{invalid}");
}

#[test]
fn smpp50_tlvs_through_accessors() {
    use smpp_core::pdu::{BroadcastArea, BroadcastContentType, BroadcastFrequencyInterval};
    let vectors = load_5_0();
    let find = |needle: &str| {
        let v = vectors.iter().find(|v| v.name.contains(needle)).unwrap();
        v.bytes.clone()
    };
    let b = find("two areas");
    let pdu = Pdu::parse(&b).unwrap();
    let Body::BroadcastSm(bc) = pdu.body else {
        panic!("{pdu:?}")
    };
    let areas: Vec<_> = bc.tlvs.broadcast_area_identifiers().collect();
    assert_eq!(
        areas,
        [
            BroadcastArea {
                format: 0,
                area: b"Dublin"
            },
            BroadcastArea {
                format: 0,
                area: b"Cork"
            }
        ]
    );
    assert_eq!(
        bc.tlvs.broadcast_content_type(),
        Some(BroadcastContentType {
            network_type: 1,
            content_type: 0x0010
        })
    );
    assert_eq!(bc.tlvs.broadcast_rep_num(), Some(0));
    assert_eq!(
        bc.tlvs.broadcast_frequency_interval(),
        Some(BroadcastFrequencyInterval { unit: 0, value: 0 })
    );
    assert_eq!(bc.tlvs.broadcast_channel_indicator(), Some(1));
    assert_eq!(bc.tlvs.broadcast_message_class(), Some(1));

    let one_bytes = find("one alias area");
    let one = Pdu::parse(&one_bytes).unwrap();
    let Body::BroadcastSm(bc) = one.body else {
        panic!("{one:?}")
    };
    assert_eq!(
        bc.tlvs.broadcast_frequency_interval(),
        Some(BroadcastFrequencyInterval { unit: 9, value: 5 })
    );
    assert_eq!(bc.tlvs.broadcast_rep_num(), Some(3));
    assert_eq!(bc.tlvs.message_payload(), Some(&b"Storm warning"[..]));

    let q_bytes = find("area success");
    let q = Pdu::parse(&q_bytes).unwrap();
    let Body::QueryBroadcastSmResp(r) = q.body else {
        panic!("{q:?}")
    };
    assert_eq!(r.tlvs.message_state(), Some(1));
    assert_eq!(r.tlvs.broadcast_area_success(), Some(80));
    assert_eq!(r.tlvs.broadcast_end_time(), Some(&b"260112130000000+"[..]));

    let f_bytes = find("ESME_RBCASTFAIL");
    let f = Pdu::parse(&f_bytes).unwrap();
    assert_eq!(f.command_status, CommandStatus::ESME_RBCASTFAIL);
    let Body::BroadcastSmResp(r) = f.body else {
        panic!("{f:?}")
    };
    assert_eq!(
        r.tlvs.broadcast_error_status(),
        Some(CommandStatus::ESME_RINVBCASTAREAFMT.0)
    );
    assert_eq!(r.tlvs.broadcast_area_identifier().unwrap().area, b"Cork");

    let c_bytes = find("congestion_state");
    let c = Pdu::parse(&c_bytes).unwrap();
    let Body::SubmitSmResp(r) = c.body else {
        panic!("{c:?}")
    };
    assert_eq!(r.tlvs.congestion_state(), Some(90));

    let d_bytes = find("source_network_id");
    let d = Pdu::parse(&d_bytes).unwrap();
    let Body::DataSm(m) = d.body else {
        panic!("{d:?}")
    };
    assert_eq!(m.tlvs.source_network_id(), Some(&b"net-a"[..]));
    assert_eq!(m.tlvs.source_node_id(), Some(&b"123456"[..]));
    assert_eq!(m.tlvs.billing_identification(), Some((1, &b"ACCT9"[..])));
    let v = m.tlvs.ms_validity_full().unwrap();
    assert_eq!((v.behaviour, v.period), (4, Some((2, 30))));
    assert_eq!(
        m.tlvs.ms_validity(),
        None,
        "the 1-octet accessor refuses the 4-octet form"
    );
    assert_eq!(m.tlvs.alert_on_message_delivery_value(), Some(3));
    assert!(m.tlvs.alert_on_message_delivery());
    // Every vector above is also valid under strict parsing.
    for v in vectors.iter().filter(|v| v.expect == "valid") {
        assert!(
            Pdu::parse_with(&v.bytes, &ParseOptions::strict()).is_ok(),
            "{}",
            v.name
        );
    }
}
