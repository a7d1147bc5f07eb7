//! `smpp decode` end to end: the real binary over the core's golden vectors, stdin mode,
//! concatenated PDUs, mixed good and bad inputs; and the JSON mapping of every body.

use serde_json::Value;
use smpp_cli::decode::{decode_hex, decode_octets};
use smpp_core::pdu::{
    Address, AlertNotification, Bind, BindResp, Body, CancelSm, DataSm, DestAddress, List,
    MessageIdResp, Outbind, ParseOptions, Pdu, QuerySm, QuerySmResp, ReplaceSm, SubmitMulti,
    SubmitMultiResp, SubmitSm, Tlv, TlvKind, TlvTag, Tlvs, UnsuccessSme,
};
use smpp_core::CommandStatus;
use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_smpp");

/// One line of `core/tests/data/basic.jsonl`.
struct Vector {
    name: String,
    hex: String,
    expect: String,
    fields: serde_json::Map<String, Value>,
}

/// The SMPP 3.4 and SMPP 5.0 golden vectors.
fn vectors() -> Vec<Vector> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/data/");
    let text = ["basic.jsonl", "smpp50.jsonl"]
        .iter()
        .map(|f| std::fs::read_to_string(format!("{dir}{f}")).expect("golden vectors"))
        .collect::<Vec<_>>()
        .join("\n");
    let list: Vec<Vector> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("vector line is JSON");
            Vector {
                name: v["name"].as_str().unwrap().to_owned(),
                hex: v["hex"].as_str().unwrap().to_owned(),
                expect: v["expect"].as_str().unwrap().to_owned(),
                fields: v["fields"].as_object().cloned().unwrap_or_default(),
            }
        })
        .collect();
    assert!(list.len() >= 10 + 15, "too few vectors: {}", list.len());
    list
}

/// Runs `smpp` with `args` (and `stdin` when given): every stdout line parsed as JSON, and
/// the exit code.
fn run(args: &[&str], stdin: Option<&str>) -> (Vec<Value>, i32) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run smpp");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).expect("output is UTF-8");
    assert!(stdout.is_ascii(), "output is pure ASCII: {stdout}");
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (lines, out.status.code().expect("exit code"))
}

fn is_error(v: &Value) -> bool {
    v.get("error").is_some()
}

fn parse_hex_number(s: &str) -> u64 {
    let digits = s.strip_prefix("0x").or(s.strip_prefix("0X")).unwrap_or(s);
    u64::from_str_radix(digits, 16).unwrap_or_else(|_| panic!("not hex: {s}"))
}

/// Compares a vector's expected scalar with the decoded one: numbers numerically, `"0x.."`
/// strings numerically (against a number or a hex string), other strings exactly.
fn same_scalar(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Number(e), Value::Number(a)) => e == a,
        (Value::String(e), Value::Number(a)) if e.starts_with("0x") => {
            Some(parse_hex_number(e)) == a.as_u64()
        }
        (Value::String(e), Value::String(a)) if e.starts_with("0x") && a.starts_with("0x") => {
            parse_hex_number(e) == parse_hex_number(a)
        }
        (Value::String(e), Value::String(a)) => e == a,
        _ => false,
    }
}

fn hex_to_bytes(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// TLV values in the vectors are hex, except that a C-octet string TLV
/// (`receipted_message_id`) is written as its text followed by `00` for the NUL: `"6f1d2a00"`
/// stands for the seven octets `6f1d2a\0`. Both readings are accepted for C-octet string tags
/// only.
fn same_tlv_value(tag: u16, expected: &str, actual_hex: &str) -> bool {
    if expected.to_lowercase() == actual_hex {
        return true;
    }
    let is_cstr = matches!(TlvTag(tag).kind(), Some(TlvKind::CStr(_)));
    let as_text = expected.strip_suffix("00").map(|t| {
        let mut v = t.as_bytes().to_vec();
        v.push(0);
        v
    });
    is_cstr && as_text == Some(hex_to_bytes(actual_hex))
}

/// Keys of a vector's `fields` that describe rather than name a PDU field.
const NOT_FIELDS: &[&str] = &[
    "note",
    "receipt",
    "text",
    "udh",
    "needed",
    "expected_status",
];

fn check_valid(v: &Vector, out: &Value) {
    let name = &v.name;
    assert!(!is_error(out), "{name}: {out}");
    assert!(out.get("warning").is_none(), "{name}: {out}");
    assert_eq!(
        out["command_length"].as_u64(),
        Some(v.hex.len() as u64 / 2),
        "{name}"
    );
    let command = out["command"].as_str().expect("command name");
    assert!(!command.is_empty(), "{name}");
    let mut compared = 0;
    for (key, expected) in &v.fields {
        if NOT_FIELDS.contains(&key.as_str()) {
            continue;
        }
        let actual = out
            .get(key)
            .unwrap_or_else(|| panic!("{name}: no key {key} in {out}"));
        if key == "tlvs" {
            let (e, a) = (expected.as_array().unwrap(), actual.as_array().unwrap());
            assert_eq!(e.len(), a.len(), "{name}: tlvs {a:?}");
            for (e, a) in e.iter().zip(a) {
                assert!(same_scalar(&e["tag"], &a["tag"]), "{name}: {e} vs {a}");
                let tag = parse_hex_number(a["tag"].as_str().unwrap()) as u16;
                assert!(
                    same_tlv_value(
                        tag,
                        e["value"].as_str().unwrap(),
                        a["value"].as_str().unwrap()
                    ),
                    "{name}: tag 0x{tag:04X}: expected {e}, got {a}"
                );
                assert_eq!(a["name"].as_str(), TlvTag(tag).name(), "{name}");
            }
        } else {
            assert!(
                same_scalar(expected, actual),
                "{name}: {key}: expected {expected}, got {actual}"
            );
        }
        compared += 1;
    }
    assert!(compared > 0, "{name}: nothing compared");
    // A concatenated-message part: the UDH the vector describes, then the text.
    if let Some(udh) = v.fields.get("udh") {
        let sm = hex_to_bytes(out["short_message"].as_str().unwrap());
        assert_eq!(usize::from(sm[0]), 5, "{name}: UDH length");
        assert_eq!(u64::from(sm[1]), udh["iei"].as_u64().unwrap(), "{name}");
        assert_eq!(u64::from(sm[3]), udh["ref"].as_u64().unwrap(), "{name}");
        assert_eq!(u64::from(sm[4]), udh["total"].as_u64().unwrap(), "{name}");
        assert_eq!(u64::from(sm[5]), udh["seq"].as_u64().unwrap(), "{name}");
        let text = v.fields["text"].as_str().unwrap();
        assert_eq!(&sm[6..], text.as_bytes(), "{name}");
    }
    // A delivery receipt: every `key:value` is in the text (keys use spaces).
    if let Some(receipt) = v.fields.get("receipt").and_then(Value::as_object) {
        let text = out["short_message"].as_str().unwrap();
        for (k, value) in receipt {
            let item = format!("{}:{}", k.replace('_', " "), value.as_str().unwrap());
            assert!(text.contains(&item), "{name}: {item:?} not in {text:?}");
        }
    }
}

const ERROR_KEYS: [&str; 5] = ["error", "status", "status_code", "field", "input"];

fn check_error_object(name: &str, out: &Value) {
    let keys: Vec<&str> = out
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = ERROR_KEYS.to_vec();
    expected.sort_unstable();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected, "{name}: {out}");
    assert!(!out["error"].as_str().unwrap().is_empty(), "{name}");
}

fn check_invalid(v: &Vector, out: &Value) {
    let name = &v.name;
    check_error_object(name, out);
    assert_eq!(
        out["input"].as_str().unwrap(),
        v.hex.to_lowercase(),
        "{name}"
    );
    if let Some(status) = v.fields.get("expected_status").and_then(Value::as_str) {
        let wanted = status
            .split_whitespace()
            .find(|w| w.starts_with("ESME_"))
            .unwrap();
        assert_eq!(out["status"].as_str(), Some(wanted), "{name}: {out}");
        let code = CommandStatus::ALL
            .iter()
            .find(|s| s.name() == Some(wanted))
            .unwrap()
            .0;
        assert_eq!(out["status_code"].as_u64(), Some(u64::from(code)), "{name}");
    }
    if let Some(note) = v.fields.get("note").and_then(Value::as_str) {
        assert!(
            out["error"].as_str().unwrap().contains(note),
            "{name}: {out}"
        );
    }
    if v.expect == "incomplete" {
        let error = out["error"].as_str().unwrap();
        assert!(error.starts_with("incomplete PDU: "), "{name}: {error}");
        assert!(error.ends_with(" more octets needed"), "{name}: {error}");
        assert_eq!(out["status"], "ESME_RINVCMDLEN", "{name}");
        assert_eq!(out["field"], "command_length", "{name}");
    }
}

#[test]
fn every_valid_vector_decodes_to_its_fields() {
    let mut n = 0;
    for v in vectors().iter().filter(|v| v.expect == "valid") {
        let (lines, code) = run(&["decode", &v.hex], None);
        assert_eq!(code, 0, "{}: {lines:?}", v.name);
        assert_eq!(lines.len(), 1, "{}", v.name);
        check_valid(v, &lines[0]);
        // Strict parsing accepts every valid vector too.
        let (strict, code) = run(&["decode", "--strict", &v.hex], None);
        assert_eq!((code, &strict), (0, &lines), "{}", v.name);
        n += 1;
    }
    assert!(n >= 10);
}

#[test]
fn every_invalid_vector_is_an_error_object_and_fails() {
    let mut n = 0;
    for v in vectors().iter().filter(|v| v.expect != "valid") {
        let (lines, code) = run(&["decode", "--strict", &v.hex], None);
        assert_eq!(code, 1, "{}: {lines:?}", v.name);
        assert_eq!(lines.len(), 1, "{}", v.name);
        check_invalid(v, &lines[0]);

        // By default the library's lenient options apply: a quirk the strict parser rejects
        // decodes with a warning that names the same problem; anything else still fails.
        let (lines, code) = run(&["decode", &v.hex], None);
        assert_eq!(lines.len(), 1, "{}", v.name);
        match lines[0].get("warning").and_then(Value::as_str) {
            Some(warning) => {
                assert_eq!(code, 0, "{}", v.name);
                let note = v.fields.get("note").and_then(Value::as_str).unwrap();
                assert!(warning.contains(note), "{}: {warning}", v.name);
            }
            None => {
                assert_eq!(code, 1, "{}", v.name);
                check_invalid(v, &lines[0]);
            }
        }
        n += 1;
    }
    assert!(n >= 3);
}

#[test]
fn lenient_quirks_decode_with_a_warning_and_fail_with_strict() {
    // submit_sm_resp whose message_id "abc" ends without its NUL, as some SMSCs send it.
    let quirky = "00000013800000040000000000000001616263";
    let (lines, code) = run(&["decode", quirky], None);
    assert_eq!(code, 0);
    assert_eq!(lines[0]["message_id"], "abc");
    // `warning` comes last (serde_json may sort keys, so look at the library's object).
    let records = decode_hex(quirky, &ParseOptions::default());
    assert_eq!(records[0].object().keys().last(), Some("warning"));
    assert_eq!(
        lines[0]["warning"],
        "accepted leniently: message_id runs past the end of the PDU"
    );

    let (lines, code) = run(&["decode", "--strict", quirky], None);
    assert_eq!(code, 1);
    check_error_object("strict", &lines[0]);
    assert_eq!(lines[0]["field"], "message_id");
}

#[test]
fn over_long_strings_decode_with_a_warning_and_fail_with_strict() {
    // bind_transceiver "acme" / "password9" (9 characters: one over SMPP 3.4's maximum).
    let bind = "0000002400000009000000000000000161636d650070617373776f726439000034000000";
    let (lines, code) = run(&["decode", bind], None);
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines[0]["system_id"], "acme");
    assert_eq!(lines[0]["interface_version"], "0x34");
    assert_eq!(
        lines[0]["warning"],
        "accepted leniently: password has no terminating NUL within its maximum of 9 octets"
    );
    let (lines, code) = run(&["decode", "--strict", bind], None);
    assert_eq!(code, 1);
    check_error_object("strict", &lines[0]);
    assert_eq!(lines[0]["field"], "password");
    assert_eq!(lines[0]["status"], "ESME_RINVPASWD");

    // submit_sm with a 21-digit source_addr (the maximum is 20).
    let mut body = vec![0u8, 1, 1];
    body.extend_from_slice(&[b'4'; 21]);
    body.extend_from_slice(b"\0\x01\x01447700900123\0\0\0\0\0\0\0\0\0\0\x02hi");
    let mut pdu = ((16 + body.len()) as u32).to_be_bytes().to_vec();
    pdu.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 2]);
    pdu.extend_from_slice(&body);
    let hex: String = pdu.iter().map(|b| format!("{b:02x}")).collect();
    let (lines, code) = run(&["decode", &hex], None);
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines[0]["source_addr"], "4".repeat(21));
    assert_eq!(lines[0]["short_message"], "hi");
    let warning = lines[0]["warning"].as_str().unwrap();
    assert!(warning.contains("source_addr"), "{warning}");
    let (lines, code) = run(&["decode", "--strict", &hex], None);
    assert_eq!(code, 1);
    assert_eq!(lines[0]["field"], "source_addr");
    assert_eq!(lines[0]["status"], "ESME_RINVSRCADR");
}

#[test]
fn incomplete_input_reports_the_missing_octets() {
    let (lines, code) = run(&["decode", "000000100000"], None);
    assert_eq!(code, 1);
    assert_eq!(lines[0]["error"], "incomplete PDU: 10 more octets needed");
    assert_eq!(lines[0]["status_code"], 2);
    // Even the length word is cut: only a lower bound is known.
    let (lines, _) = run(&["decode", "0000"], None);
    assert_eq!(
        lines[0]["error"],
        "incomplete PDU: at least 14 more octets needed"
    );
    // A whole header announcing a longer PDU.
    let (lines, _) = run(&["decode", "0000003E00000004000000000000002A0005"], None);
    assert_eq!(lines[0]["error"], "incomplete PDU: 44 more octets needed");
}

#[test]
fn invalid_hex_is_reported_and_decoding_goes_on() {
    let (lines, code) = run(
        &["decode", "xyz", "abc", "00000010000000150000000000000001"],
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(lines.len(), 3);
    for (line, input) in lines.iter().zip(["xyz", "abc"]) {
        check_error_object(input, line);
        assert!(line["error"].as_str().unwrap().starts_with("invalid hex"));
        assert_eq!(line["status"], Value::Null);
        assert_eq!(line["status_code"], Value::Null);
        assert_eq!(line["field"], Value::Null);
        assert_eq!(line["input"], input);
    }
    assert_eq!(lines[2]["command"], "enquire_link");
}

#[test]
fn stdin_mode_reads_one_input_per_non_empty_line() {
    let all = vectors();
    // Mixed spellings: 0x prefixes, lower case, spaces, CRLF, blank lines.
    let mut input = String::from("\n");
    for (i, v) in all.iter().enumerate() {
        let spelled = match i % 3 {
            0 => v.hex.clone(),
            1 => format!("  0x{} ", v.hex.to_lowercase()),
            _ => {
                let bytes: Vec<&str> = (0..v.hex.len())
                    .step_by(2)
                    .map(|j| &v.hex[j..j + 2])
                    .collect();
                bytes.join(" ")
            }
        };
        input.push_str(&spelled);
        input.push_str(if i % 2 == 0 { "\r\n\n" } else { "\n" });
    }
    let (lines, code) = run(&["decode", "--strict"], Some(&input));
    assert_eq!(lines.len(), all.len());
    assert_eq!(code, 1, "some vectors are invalid");
    for (v, line) in all.iter().zip(&lines) {
        if v.expect == "valid" {
            check_valid(v, line);
        } else {
            check_invalid(v, line);
        }
    }

    // Only valid inputs: exit 0. The last line needs no newline.
    let valid: Vec<&str> = all
        .iter()
        .filter(|v| v.expect == "valid")
        .map(|v| v.hex.as_str())
        .collect();
    let (lines, code) = run(&["decode"], Some(&valid.join("\n")));
    assert_eq!((lines.len(), code), (valid.len(), 0));

    // Nothing at all on stdin: nothing printed, success.
    let (lines, code) = run(&["decode"], Some(""));
    assert_eq!((lines.len(), code), (0, 0));
}

#[test]
fn concatenated_pdus_give_one_object_each_in_order() {
    let valid: Vec<Vector> = vectors()
        .into_iter()
        .filter(|v| v.expect == "valid")
        .collect();
    let joined: String = valid.iter().map(|v| v.hex.as_str()).collect();
    let (lines, code) = run(&["decode", &joined], None);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), valid.len());
    for (v, line) in valid.iter().zip(&lines) {
        check_valid(v, line);
    }

    // A bad PDU after good ones: the good ones print, then one error for the rest.
    let enquire = "00000010000000150000000000000001";
    let unknown = "0000001000000099000000000000000B";
    let input = format!("{enquire}{enquire}{unknown}{enquire}");
    let (lines, code) = run(&["decode", &input], None);
    assert_eq!(code, 1);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["command"], "enquire_link");
    assert_eq!(lines[1]["command"], "enquire_link");
    check_error_object("unknown command", &lines[2]);
    assert_eq!(lines[2]["status"], "ESME_RINVCMDID");
    assert_eq!(lines[2]["field"], "command_id");
    assert_eq!(
        lines[2]["input"],
        format!("{unknown}{enquire}").to_lowercase()
    );

    // A cut PDU at the end.
    let (lines, code) = run(&["decode", &format!("{enquire}0000001000")], None);
    assert_eq!((lines.len(), code), (2, 1));
    assert_eq!(lines[1]["error"], "incomplete PDU: 11 more octets needed");
    assert_eq!(lines[1]["input"], "0000001000");
}

#[test]
fn mixed_valid_and_invalid_inputs_all_print_and_fail() {
    let inputs = [
        "00000010000000150000000000000001",
        "00000008000000150000000000000001",
        "0000001080000004000000580000002B",
        "0000001000000099000000000000000B",
        "00000010800000150000000000000001",
    ];
    let mut args = vec!["decode"];
    args.extend(inputs);
    let (lines, code) = run(&args, None);
    assert_eq!(code, 1);
    assert_eq!(lines.len(), 5);
    let errors: Vec<bool> = lines.iter().map(is_error).collect();
    assert_eq!(errors, [false, true, false, true, false]);
    assert_eq!(lines[2]["command_status_name"], "ESME_RTHROTTLED");
    assert_eq!(lines[4]["command"], "enquire_link_resp");
}

#[test]
fn help_and_usage_errors() {
    for args in [&["--help"][..], &["-h"], &["help"]] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains("decode"));
    }
    for args in [&["decode", "--help"][..], &["help", "decode"]] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: smpp decode"));
    }
    for args in [&[][..], &["frobnicate"], &["decode", "--bogus"]] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(!out.stderr.is_empty());
    }
    // After `--`, a dash is an input (and not hex).
    let (lines, code) = run(&["decode", "--", "--strict"], None);
    assert_eq!(code, 1);
    assert!(lines[0]["error"]
        .as_str()
        .unwrap()
        .starts_with("invalid hex"));
}

fn encode(pdu: &Pdu<'_>) -> Vec<u8> {
    let mut buf = vec![0; pdu.encoded_len()];
    let n = pdu.encode(&mut buf).expect("valid PDU");
    assert_eq!(n, buf.len());
    buf
}

const HEADER: [&str; 6] = [
    "command",
    "command_id",
    "command_length",
    "command_status",
    "command_status_name",
    "sequence_number",
];
const SM: [&str; 19] = [
    "service_type",
    "source_addr_ton",
    "source_addr_npi",
    "source_addr",
    "dest_addr_ton",
    "dest_addr_npi",
    "destination_addr",
    "esm_class",
    "protocol_id",
    "priority_flag",
    "schedule_delivery_time",
    "validity_period",
    "registered_delivery",
    "replace_if_present_flag",
    "data_coding",
    "sm_default_msg_id",
    "sm_length",
    "short_message",
    "tlvs",
];
const BIND: [&str; 7] = [
    "system_id",
    "password",
    "system_type",
    "interface_version",
    "addr_ton",
    "addr_npi",
    "address_range",
];

/// Every body the core knows, with the keys its JSON object must have after the header.
#[test]
fn every_body_maps_every_field_in_wire_order() {
    let src = Address::alphanumeric("Sender");
    let dst = Address::international("447700900123");
    let tlvs = [
        Tlv::octets(TlvTag::MESSAGE_PAYLOAD, b"payload"),
        Tlv::u16(TlvTag(0x1401), 0xBEEF),
    ];
    let dests = [
        DestAddress::Sme(dst),
        DestAddress::DistributionList(b"friends"),
    ];
    let failed = [UnsuccessSme {
        address: dst,
        error_status_code: CommandStatus::ESME_RINVDSTADR,
    }];
    let sm = SubmitSm {
        source: src,
        destination: dst,
        short_message: b"Hi\x00\x01",
        ..Default::default()
    };
    let id = MessageIdResp::new(b"abc123");
    let sc_version = [Tlv::u8(TlvTag::SC_INTERFACE_VERSION, 0x34)];
    let availability = [Tlv::u8(TlvTag::MS_AVAILABILITY_STATUS, 0)];
    let cases: Vec<(Body<'_>, Vec<&str>)> = vec![
        (Body::GenericNack, vec![]),
        (
            Body::BindReceiver(Bind::new("user", "secret")),
            BIND.to_vec(),
        ),
        (
            Body::BindTransmitter(Bind::new("user", "secret")),
            BIND.to_vec(),
        ),
        (
            Body::BindTransceiver(Bind::new("user", "secret")),
            BIND.to_vec(),
        ),
        (
            Body::BindReceiverResp(BindResp {
                system_id: b"SMSC",
                tlvs: Tlvs::from_slice(&sc_version),
            }),
            vec!["system_id", "tlvs"],
        ),
        (
            Body::BindTransmitterResp(BindResp {
                system_id: b"SMSC",
                tlvs: Tlvs::EMPTY,
            }),
            vec!["system_id", "tlvs"],
        ),
        (
            Body::BindTransceiverResp(BindResp {
                system_id: b"SMSC",
                tlvs: Tlvs::EMPTY,
            }),
            vec!["system_id", "tlvs"],
        ),
        (
            Body::Outbind(Outbind {
                system_id: b"SMSC",
                password: b"pw",
            }),
            vec!["system_id", "password"],
        ),
        (Body::Unbind, vec![]),
        (Body::UnbindResp, vec![]),
        (Body::EnquireLink, vec![]),
        (Body::EnquireLinkResp, vec![]),
        (Body::SubmitSm(sm), SM.to_vec()),
        (Body::SubmitSmResp(id), vec!["message_id", "tlvs"]),
        (
            Body::DeliverSm(SubmitSm {
                tlvs: Tlvs::from_slice(&tlvs),
                short_message: b"",
                ..sm
            }),
            SM.to_vec(),
        ),
        (
            Body::DeliverSmResp(MessageIdResp::new(b"")),
            vec!["message_id", "tlvs"],
        ),
        (
            Body::DataSm(DataSm {
                source: src,
                destination: dst,
                tlvs: Tlvs::from_slice(&tlvs),
                ..Default::default()
            }),
            vec![
                "service_type",
                "source_addr_ton",
                "source_addr_npi",
                "source_addr",
                "dest_addr_ton",
                "dest_addr_npi",
                "destination_addr",
                "esm_class",
                "registered_delivery",
                "data_coding",
                "tlvs",
            ],
        ),
        (Body::DataSmResp(id), vec!["message_id", "tlvs"]),
        (
            Body::SubmitMulti(SubmitMulti {
                source: src,
                dest_addresses: List::from_slice(&dests),
                short_message: b"Hello",
                ..Default::default()
            }),
            vec![
                "service_type",
                "source_addr_ton",
                "source_addr_npi",
                "source_addr",
                "number_of_dests",
                "dest_address",
                "esm_class",
                "protocol_id",
                "priority_flag",
                "schedule_delivery_time",
                "validity_period",
                "registered_delivery",
                "replace_if_present_flag",
                "data_coding",
                "sm_default_msg_id",
                "sm_length",
                "short_message",
                "tlvs",
            ],
        ),
        (
            Body::SubmitMultiResp(SubmitMultiResp {
                message_id: b"m1",
                unsuccess_smes: List::from_slice(&failed),
                tlvs: Tlvs::EMPTY,
            }),
            vec!["message_id", "no_unsuccess", "unsuccess_sme", "tlvs"],
        ),
        (
            Body::QuerySm(QuerySm {
                message_id: b"m1",
                source: src,
            }),
            vec![
                "message_id",
                "source_addr_ton",
                "source_addr_npi",
                "source_addr",
            ],
        ),
        (
            Body::QuerySmResp(QuerySmResp {
                message_id: b"m1",
                final_date: b"261121230000000+",
                message_state: 2,
                error_code: 0,
            }),
            vec!["message_id", "final_date", "message_state", "error_code"],
        ),
        (
            Body::CancelSm(CancelSm {
                message_id: b"m1",
                source: src,
                destination: dst,
                ..Default::default()
            }),
            vec![
                "service_type",
                "message_id",
                "source_addr_ton",
                "source_addr_npi",
                "source_addr",
                "dest_addr_ton",
                "dest_addr_npi",
                "destination_addr",
            ],
        ),
        (Body::CancelSmResp, vec![]),
        (
            Body::ReplaceSm(ReplaceSm {
                message_id: b"m1",
                source: src,
                short_message: b"New text",
                ..Default::default()
            }),
            vec![
                "message_id",
                "source_addr_ton",
                "source_addr_npi",
                "source_addr",
                "schedule_delivery_time",
                "validity_period",
                "registered_delivery",
                "sm_default_msg_id",
                "sm_length",
                "short_message",
            ],
        ),
        (Body::ReplaceSmResp, vec![]),
        (
            Body::AlertNotification(AlertNotification {
                source: dst,
                esme: src,
                tlvs: Tlvs::from_slice(&availability),
            }),
            vec![
                "source_addr_ton",
                "source_addr_npi",
                "source_addr",
                "esme_addr_ton",
                "esme_addr_npi",
                "esme_addr",
                "tlvs",
            ],
        ),
    ];

    let mut all_bytes = Vec::new();
    let mut all_json = Vec::new();
    for (i, (body, fields)) in cases.iter().enumerate() {
        let pdu = Pdu::new(i as u32 + 1, *body);
        let bytes = encode(&pdu);
        let records = decode_octets(&bytes, &ParseOptions::strict());
        assert_eq!(records.len(), 1);
        let text = records[0].object().to_string();
        let id = body.command_id();
        let keys: Vec<&str> = records[0].object().keys().collect();
        let mut expected = HEADER.to_vec();
        expected.extend(fields);
        // Message bodies end with the decoded message: `udh` (with UDHI), `text`, and
        // `receipt` (for a delivery receipt).
        let is_message = matches!(
            body,
            Body::SubmitSm(_) | Body::DeliverSm(_) | Body::SubmitMulti(_) | Body::DataSm(_)
        );
        let (fields_part, extra) = keys.split_at(expected.len().min(keys.len()));
        assert_eq!(fields_part, &expected[..], "{id:?}");
        if is_message {
            assert!(extra.contains(&"text"), "{id:?}: {extra:?}");
            assert!(
                extra.iter().all(|k| ["udh", "text", "receipt"].contains(k)),
                "{id:?}: {extra:?}"
            );
        } else {
            assert!(extra.is_empty(), "{id:?}: {extra:?}");
        }
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["command"].as_str(), id.name(), "{id:?}");
        assert_eq!(json["sequence_number"], i + 1);
        assert_eq!(json["command_length"], bytes.len());
        all_bytes.extend_from_slice(&bytes);
        all_json.push(json);
    }

    // Spot checks of values.
    let by_name = |name: &str| {
        all_json
            .iter()
            .find(|j| j["command"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(by_name("bind_transmitter")["interface_version"], "0x34");
    assert_eq!(by_name("bind_transmitter")["password"], "secret");
    let submit = by_name("submit_sm");
    assert_eq!(submit["source_addr_ton"], 5);
    assert_eq!(submit["short_message"], "48690001", "not printable: hex");
    assert_eq!(submit["sm_length"], 4);
    let deliver = by_name("deliver_sm");
    assert_eq!(deliver["sm_length"], 0);
    assert_eq!(
        deliver["tlvs"],
        serde_json::json!([
            {"tag": "0x0424", "name": "message_payload", "value": "7061796c6f6164"},
            {"tag": "0x1401", "name": null, "value": "beef"},
        ])
    );
    assert_eq!(
        by_name("submit_multi")["dest_address"],
        serde_json::json!([
            {"dest_flag": 1, "dest_addr_ton": 1, "dest_addr_npi": 1, "destination_addr": "447700900123"},
            {"dest_flag": 2, "dl_name": "friends"},
        ])
    );
    assert_eq!(by_name("submit_multi")["number_of_dests"], 2);
    let multi_resp = by_name("submit_multi_resp");
    assert_eq!(multi_resp["no_unsuccess"], 1);
    assert_eq!(
        multi_resp["unsuccess_sme"],
        serde_json::json!([
            {"dest_addr_ton": 1, "dest_addr_npi": 1, "destination_addr": "447700900123", "error_status_code": 11},
        ])
    );
    assert_eq!(by_name("query_sm_resp")["message_state"], 2);
    assert_eq!(by_name("query_sm_resp")["final_date"], "261121230000000+");
    assert_eq!(by_name("alert_notification")["esme_addr"], "Sender");
    assert_eq!(by_name("alert_notification")["source_addr"], "447700900123");

    // The same PDUs back to back through the binary.
    let hex: String = all_bytes.iter().map(|b| format!("{b:02X}")).collect();
    let (lines, code) = run(&["decode", &hex], None);
    assert_eq!(code, 0);
    assert_eq!(lines, all_json);
}

/// A broadcast_sm (SMPP 5.0) decodes with its fields, its TLVs by name, the broadcast TLVs
/// decoded and the message_payload text.
#[test]
fn broadcast_sm_decodes_with_names() {
    let hex = vectors()
        .into_iter()
        .find(|v| v.name.starts_with("broadcast_sm with one alias area"))
        .unwrap()
        .hex;
    let (lines, code) = run(&["decode", &hex], None);
    assert_eq!(code, 0, "{lines:?}");
    let o = &lines[0];
    assert_eq!(o["command"], "broadcast_sm");
    assert_eq!(o["command_id"], "0x00000111");
    assert_eq!(o["source_addr"], "447700900123");
    assert_eq!(o["message_id"], "");
    assert_eq!(o["priority_flag"], 0);
    let names: Vec<&str> = o["tlvs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "broadcast_area_identifier",
            "broadcast_content_type",
            "broadcast_rep_num",
            "broadcast_frequency_interval",
            "message_payload"
        ]
    );
    let b = &o["broadcast"];
    assert_eq!(b["areas"][0]["format"], 0);
    assert_eq!(b["areas"][0]["area"], "Dublin");
    assert_eq!(b["content_type"]["network_type"], 1);
    assert_eq!(b["content_type"]["content_type"], 16);
    assert_eq!(b["rep_num"], 3);
    assert_eq!(b["frequency_interval"]["unit"], 9);
    assert_eq!(b["frequency_interval"]["value"], 5);
    assert_eq!(o["text"], "Storm warning");

    // A missing mandatory TLV is an error object naming the status.
    let bad = vectors()
        .into_iter()
        .find(|v| v.name == "broadcast_sm without broadcast_rep_num")
        .unwrap()
        .hex;
    let (lines, code) = run(&["decode", &bad], None);
    assert_ne!(code, 0);
    assert_eq!(lines[0]["status"], "ESME_RMISSINGOPTPARAM");
    assert!(
        lines[0]["error"]
            .as_str()
            .unwrap()
            .contains("broadcast_rep_num"),
        "{}",
        lines[0]
    );

    // The failed-broadcast response shows broadcast_error_status with its status name.
    let resp = vectors()
        .into_iter()
        .find(|v| v.name.contains("ESME_RBCASTFAIL"))
        .unwrap()
        .hex;
    let (lines, code) = run(&["decode", &resp], None);
    assert_eq!(code, 0);
    assert_eq!(lines[0]["command_status_name"], "ESME_RBCASTFAIL");
    assert_eq!(
        lines[0]["broadcast"]["error_status_name"],
        "ESME_RINVBCASTAREAFMT"
    );
    assert_eq!(lines[0]["broadcast"]["areas"][0]["area"], "Cork");
}
