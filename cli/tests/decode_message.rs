//! `smpp decode` decodes the message inside message PDUs: `text` per `data_coding`, the
//! parsed `udh`, and the parsed delivery `receipt` — checked against the golden vectors that
//! carry those fields.

use serde_json::Value;
use smpp_core::pdu::{Body, DataCoding, DataSm, EsmClass, Pdu, SubmitSm, Tlv, TlvTag, Tlvs};
use std::process::Command;

fn vectors() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/tests/data/basic.jsonl"
    );
    std::fs::read_to_string(path)
        .expect("golden vectors")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("vector JSON"))
        .collect()
}

fn decode(hex: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_smpp"))
        .args(["decode", hex])
        .output()
        .expect("run smpp decode");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn golden_vectors_with_text_udh_and_receipt() {
    let mut checked = 0;
    for v in vectors() {
        let fields = &v["fields"];
        let wants = ["text", "udh", "receipt"];
        if !wants.iter().any(|k| fields.get(k).is_some()) {
            continue;
        }
        let got = decode(v["hex"].as_str().unwrap());
        for key in wants {
            let Some(expected) = fields.get(key) else {
                continue;
            };
            match expected {
                Value::Object(map) => {
                    for (k, want) in map {
                        assert_eq!(&got[key][k], want, "{}: {key}.{k}", v["name"]);
                    }
                }
                want => assert_eq!(&got[key], want, "{}: {key}", v["name"]),
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "the vectors with text/udh/receipt were all checked"
    );
}

fn hex_of(body: Body<'_>) -> String {
    let mut buf = vec![0u8; 512];
    let n = Pdu::new(1, body).encode(&mut buf).expect("valid PDU");
    buf[..n].iter().map(|b| format!("{b:02X}")).collect()
}

#[test]
fn ucs2_text_and_payload_and_binary() {
    let ucs2 = [0x20, 0xAC, 0x27, 0x13]; // "€✓" in UTF-16BE
    let got = decode(&hex_of(Body::SubmitSm(SubmitSm {
        data_coding: DataCoding::UCS2,
        short_message: &ucs2,
        ..Default::default()
    })));
    assert_eq!(got["text"], "€✓");
    assert!(got.get("udh").is_none());
    assert!(got.get("receipt").is_none());

    let binary = decode(&hex_of(Body::SubmitSm(SubmitSm {
        data_coding: DataCoding::OCTET_UNSPECIFIED_2,
        short_message: &[0xFF, 0x00],
        ..Default::default()
    })));
    assert_eq!(binary["text"], Value::Null);

    let payload = [Tlv::octets(TlvTag::MESSAGE_PAYLOAD, b"Hello")];
    let data_sm = decode(&hex_of(Body::DataSm(DataSm {
        tlvs: Tlvs::from_slice(&payload),
        ..Default::default()
    })));
    assert_eq!(data_sm["text"], "Hello");

    // A receipt carried only in TLVs (no text) still yields a receipt object.
    let tlvs = [
        Tlv::cstr(TlvTag::RECEIPTED_MESSAGE_ID, b"abc"),
        Tlv::u8(TlvTag::MESSAGE_STATE, 5),
    ];
    let receipt = decode(&hex_of(Body::DeliverSm(SubmitSm {
        esm_class: EsmClass::DELIVERY_RECEIPT,
        tlvs: Tlvs::from_slice(&tlvs),
        ..Default::default()
    })));
    assert_eq!(receipt["receipt"]["receipted_message_id"], "abc");
    assert_eq!(receipt["receipt"]["message_state"], "UNDELIV");
}
