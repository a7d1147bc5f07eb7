//! PDUs as JSON: the mapping behind `smpp decode`, reusable by every subcommand that shows
//! PDUs (traces, the simulator's log).
//!
//! One PDU becomes one JSON object. The header comes first (`command`, `command_id`,
//! `command_length`, `command_status`, `command_status_name`, `sequence_number`), then every
//! body field under its SMPP 3.4 name in wire order, then `tlvs` for bodies that have an
//! optional part. Octet strings print as text when every octet is printable ASCII (space to
//! `~`), else as lowercase hex; integers print as numbers, except `interface_version`
//! (`"0x34"`). A PDU whose body is left out on the wire (an error response of 16 octets, or a
//! command without a body) has no body keys.
//!
//! A PDU that decodes only because the [`ParseOptions`] tolerate a deviation from the
//! specification gets a last key, `warning` ([`strict_error`]).
//!
//! A failure becomes an object with `error`, `status`, `status_code`, `field` and `input`
//! ([`error_json`]).

use crate::hex;
use serde::Serialize;
use serde_json::{Map, Value};
use smpp_core::codec::{frame, Framing};
use smpp_core::message;
use smpp_core::pdu::{
    Address, Body, DestAddress, DisplayBytes, EsmClass, ParseOptions, Pdu, Tlvs, HEADER_LEN,
};
use smpp_core::{CommandStatus, DecodeError};
use std::fmt;

/// A JSON object whose keys keep their insertion order (the order of the fields in the
/// PDU): a [`serde_json::Map`] (`preserve_order`) that prints, by `Display` or `Serialize`,
/// as the tool prints JSON ([`crate::json`]: compact, pure ASCII).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Object(pub Map<String, Value>);

impl Object {
    /// An empty object.
    pub fn new() -> Object {
        Object(Map::new())
    }

    /// Sets `key` to `value`: replaces the value in place when the key is already there,
    /// else appends the key at the end.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> &mut Object {
        self.0.insert(key.into(), value.into());
        self
    }

    /// [`Object::insert`] in builder style.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Object {
        self.insert(key, value);
        self
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

impl fmt::Display for Object {
    /// Compact, pure-ASCII JSON on one line, keys in insertion order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::json::to_string(self))
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Value {
        Value::Object(o.0)
    }
}

/// One line of `smpp decode` output: a decoded PDU, or why an input (or its rest) failed.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// A decoded PDU ([`pdu_json`]).
    Pdu(Object),
    /// A failure ([`error_json`], [`hex_error_json`]).
    Error(Object),
}

impl Record {
    /// True for [`Record::Error`].
    pub fn is_error(&self) -> bool {
        matches!(self, Record::Error(_))
    }

    /// The JSON object of either kind.
    pub fn object(&self) -> &Object {
        match self {
            Record::Pdu(o) | Record::Error(o) => o,
        }
    }
}

/// An octet string as JSON: text when printable ASCII, else lowercase hex.
pub fn octets(bytes: &[u8]) -> Value {
    Value::String(DisplayBytes(bytes).to_string())
}

/// A command or tag number as `0x` and `digits` uppercase hex digits.
fn hex_number(value: u32, digits: usize) -> Value {
    Value::String(format!("0x{value:0digits$X}"))
}

fn address(o: &mut Object, prefix: &str, a: &Address<'_>, addr_key: &str) {
    o.insert(format!("{prefix}_ton"), a.ton.0);
    o.insert(format!("{prefix}_npi"), a.npi.0);
    o.insert(addr_key, octets(a.addr));
}

fn source(o: &mut Object, a: &Address<'_>) {
    address(o, "source_addr", a, "source_addr");
}

fn destination(o: &mut Object, a: &Address<'_>) {
    address(o, "dest_addr", a, "destination_addr");
}

fn short_message(o: &mut Object, sm: &[u8]) {
    o.insert("sm_length", sm.len());
    o.insert("short_message", octets(sm));
}

/// The message inside a `submit_sm`, `deliver_sm`, `submit_multi` or `data_sm`, decoded:
/// `udh` (the parsed user data header when `esm_class` has UDHI), `text` (the user data
/// decoded per `data_coding`, or null when it is binary), and `receipt` (the parsed delivery
/// receipt when `esm_class` marks one, merged with the `receipted_message_id` and
/// `message_state` TLVs).
pub fn message_fields(
    o: &mut Object,
    esm_class: EsmClass,
    data_coding: u8,
    short_message: &[u8],
    tlvs: &Tlvs<'_>,
) {
    let payload = if short_message.is_empty() {
        tlvs.message_payload().unwrap_or(&[])
    } else {
        short_message
    };
    let mut user_data = payload;
    if esm_class.udhi() {
        match message::udh::parse(payload) {
            Ok((header, rest)) => {
                let mut u = Object::new();
                u.insert("length", header.len());
                if let Some(c) = header.concat() {
                    u.insert("iei", if c.wide_reference { 8u8 } else { 0u8 });
                    u.insert("ref", c.reference);
                    u.insert("total", c.total);
                    u.insert("seq", c.seq);
                }
                if let Some((dst, src)) = header.ports() {
                    u.insert("destination_port", dst);
                    u.insert("source_port", src);
                }
                let ieis: Vec<u8> = header.elements().map(|e| e.iei()).collect();
                u.insert("elements", ieis);
                o.insert("udh", u);
                user_data = rest;
            }
            Err(e) => {
                o.insert("udh", Object::new().with("error", e.to_string()));
            }
        }
    }
    match message::decode_lossy(data_coding, user_data) {
        message::Decoded::Text(t) => o.insert("text", t),
        message::Decoded::Binary(_) => o.insert("text", Value::Null),
    };
    if esm_class.is_delivery_receipt() {
        let mut r = Object::new();
        if let Ok(receipt) = message::parse_receipt(user_data) {
            for (key, value) in [
                ("id", receipt.id),
                ("sub", receipt.sub),
                ("dlvrd", receipt.dlvrd),
                ("submit_date", receipt.submit_date),
                ("done_date", receipt.done_date),
                ("stat", receipt.stat),
                ("err", receipt.err),
                ("text", receipt.text),
            ] {
                if let Some(v) = value {
                    r.insert(key, v);
                }
            }
        }
        if let Some(id) = tlvs.receipted_message_id() {
            r.insert(
                "receipted_message_id",
                String::from_utf8_lossy(id).into_owned(),
            );
        }
        if let Some(state) = tlvs.message_state() {
            r.insert(
                "message_state",
                message::MessageState::from_u8(state).receipt_stat(),
            );
        }
        o.insert("receipt", r);
    }
}

/// The TLVs in wire order as `[{"tag": "0x0424", "name": "message_payload", "value": "<hex>"}]`
/// (`name` is null for unknown and vendor tags; `value` is always hex).
pub fn tlvs_json(tlvs: &Tlvs<'_>) -> Value {
    let list = tlvs
        .iter()
        .map(|t| {
            let value = t.value.with_bytes(|a, b| {
                let mut v = hex::encode(a);
                v.push_str(&hex::encode(b));
                v
            });
            Object::new()
                .with("tag", hex_number(u32::from(t.tag.0), 4))
                .with("name", t.tag.name())
                .with("value", value)
                .into()
        })
        .collect::<Vec<Value>>();
    Value::Array(list)
}

/// Adds every field of `body` under its SMPP 3.4 (or, for the broadcast bodies, SMPP 5.0)
/// name, in wire order; the broadcast bodies also get `broadcast` ([`broadcast_json`]).
pub fn body_fields(o: &mut Object, body: &Body<'_>) {
    match body {
        Body::GenericNack
        | Body::Unbind
        | Body::UnbindResp
        | Body::EnquireLink
        | Body::EnquireLinkResp
        | Body::CancelSmResp
        | Body::ReplaceSmResp => {}
        Body::BindReceiver(b) | Body::BindTransmitter(b) | Body::BindTransceiver(b) => {
            o.insert("system_id", octets(b.system_id));
            o.insert("password", octets(b.password));
            o.insert("system_type", octets(b.system_type));
            o.insert(
                "interface_version",
                hex_number(u32::from(b.interface_version), 2),
            );
            o.insert("addr_ton", b.addr_ton.0);
            o.insert("addr_npi", b.addr_npi.0);
            o.insert("address_range", octets(b.address_range));
        }
        Body::BindReceiverResp(b) | Body::BindTransmitterResp(b) | Body::BindTransceiverResp(b) => {
            o.insert("system_id", octets(b.system_id));
            o.insert("tlvs", tlvs_json(&b.tlvs));
        }
        Body::Outbind(b) => {
            o.insert("system_id", octets(b.system_id));
            o.insert("password", octets(b.password));
        }
        Body::SubmitSm(m) | Body::DeliverSm(m) => {
            o.insert("service_type", octets(m.service_type));
            source(o, &m.source);
            destination(o, &m.destination);
            o.insert("esm_class", m.esm_class.0);
            o.insert("protocol_id", m.protocol_id);
            o.insert("priority_flag", m.priority_flag);
            o.insert("schedule_delivery_time", octets(m.schedule_delivery_time));
            o.insert("validity_period", octets(m.validity_period));
            o.insert("registered_delivery", m.registered_delivery.0);
            o.insert("replace_if_present_flag", m.replace_if_present_flag);
            o.insert("data_coding", m.data_coding.0);
            o.insert("sm_default_msg_id", m.sm_default_msg_id);
            short_message(o, m.short_message);
            o.insert("tlvs", tlvs_json(&m.tlvs));
            message_fields(o, m.esm_class, m.data_coding.0, m.short_message, &m.tlvs);
        }
        Body::SubmitSmResp(r) | Body::DeliverSmResp(r) | Body::DataSmResp(r) => {
            o.insert("message_id", octets(r.message_id));
            o.insert("tlvs", tlvs_json(&r.tlvs));
        }
        Body::DataSm(m) => {
            o.insert("service_type", octets(m.service_type));
            source(o, &m.source);
            destination(o, &m.destination);
            o.insert("esm_class", m.esm_class.0);
            o.insert("registered_delivery", m.registered_delivery.0);
            o.insert("data_coding", m.data_coding.0);
            o.insert("tlvs", tlvs_json(&m.tlvs));
            message_fields(o, m.esm_class, m.data_coding.0, &[], &m.tlvs);
        }
        Body::SubmitMulti(m) => {
            o.insert("service_type", octets(m.service_type));
            source(o, &m.source);
            o.insert("number_of_dests", m.dest_addresses.len());
            let dests = m
                .dest_addresses
                .iter()
                .map(|d| match d {
                    DestAddress::Sme(a) => {
                        let mut e = Object::new().with("dest_flag", 1u8);
                        destination(&mut e, &a);
                        e.into()
                    }
                    DestAddress::DistributionList(name) => Object::new()
                        .with("dest_flag", 2u8)
                        .with("dl_name", octets(name))
                        .into(),
                })
                .collect::<Vec<Value>>();
            o.insert("dest_address", dests);
            o.insert("esm_class", m.esm_class.0);
            o.insert("protocol_id", m.protocol_id);
            o.insert("priority_flag", m.priority_flag);
            o.insert("schedule_delivery_time", octets(m.schedule_delivery_time));
            o.insert("validity_period", octets(m.validity_period));
            o.insert("registered_delivery", m.registered_delivery.0);
            o.insert("replace_if_present_flag", m.replace_if_present_flag);
            o.insert("data_coding", m.data_coding.0);
            o.insert("sm_default_msg_id", m.sm_default_msg_id);
            short_message(o, m.short_message);
            o.insert("tlvs", tlvs_json(&m.tlvs));
            message_fields(o, m.esm_class, m.data_coding.0, m.short_message, &m.tlvs);
        }
        Body::SubmitMultiResp(r) => {
            o.insert("message_id", octets(r.message_id));
            o.insert("no_unsuccess", r.unsuccess_smes.len());
            let failed = r
                .unsuccess_smes
                .iter()
                .map(|u| {
                    let mut e = Object::new();
                    destination(&mut e, &u.address);
                    e.insert("error_status_code", u.error_status_code.0);
                    e.into()
                })
                .collect::<Vec<Value>>();
            o.insert("unsuccess_sme", failed);
            o.insert("tlvs", tlvs_json(&r.tlvs));
        }
        Body::QuerySm(q) => {
            o.insert("message_id", octets(q.message_id));
            source(o, &q.source);
        }
        Body::QuerySmResp(q) => {
            o.insert("message_id", octets(q.message_id));
            o.insert("final_date", octets(q.final_date));
            o.insert("message_state", q.message_state);
            o.insert("error_code", q.error_code);
        }
        Body::CancelSm(c) => {
            o.insert("service_type", octets(c.service_type));
            o.insert("message_id", octets(c.message_id));
            source(o, &c.source);
            destination(o, &c.destination);
        }
        Body::ReplaceSm(r) => {
            o.insert("message_id", octets(r.message_id));
            source(o, &r.source);
            o.insert("schedule_delivery_time", octets(r.schedule_delivery_time));
            o.insert("validity_period", octets(r.validity_period));
            o.insert("registered_delivery", r.registered_delivery.0);
            o.insert("sm_default_msg_id", r.sm_default_msg_id);
            short_message(o, r.short_message);
        }
        Body::AlertNotification(a) => {
            source(o, &a.source);
            address(o, "esme_addr", &a.esme, "esme_addr");
            o.insert("tlvs", tlvs_json(&a.tlvs));
        }
        Body::BroadcastSm(b) => {
            o.insert("service_type", octets(b.service_type));
            source(o, &b.source);
            o.insert("message_id", octets(b.message_id));
            o.insert("priority_flag", b.priority_flag);
            o.insert("schedule_delivery_time", octets(b.schedule_delivery_time));
            o.insert("validity_period", octets(b.validity_period));
            o.insert("replace_if_present_flag", b.replace_if_present_flag);
            o.insert("data_coding", b.data_coding.0);
            o.insert("sm_default_msg_id", b.sm_default_msg_id);
            o.insert("tlvs", tlvs_json(&b.tlvs));
            o.insert("broadcast", broadcast_json(&b.tlvs));
            message_fields(o, EsmClass(0), b.data_coding.0, &[], &b.tlvs);
        }
        Body::BroadcastSmResp(r) => {
            o.insert("message_id", octets(r.message_id));
            o.insert("tlvs", tlvs_json(&r.tlvs));
            o.insert("broadcast", broadcast_json(&r.tlvs));
        }
        Body::QueryBroadcastSm(q) => {
            o.insert("message_id", octets(q.message_id));
            source(o, &q.source);
            o.insert("tlvs", tlvs_json(&q.tlvs));
        }
        Body::QueryBroadcastSmResp(q) => {
            o.insert("message_id", octets(q.message_id));
            o.insert("tlvs", tlvs_json(&q.tlvs));
            o.insert("broadcast", broadcast_json(&q.tlvs));
        }
        Body::CancelBroadcastSm(c) => {
            o.insert("service_type", octets(c.service_type));
            o.insert("message_id", octets(c.message_id));
            source(o, &c.source);
            o.insert("tlvs", tlvs_json(&c.tlvs));
        }
        Body::CancelBroadcastSmResp => {}
        // `Body` is non-exhaustive: a command added to the core later shows its header only
        // until it is mapped here.
        _ => {}
    }
}

/// The SMPP 5.0 broadcast TLVs of a body, decoded: `areas` (every
/// `broadcast_area_identifier` as `{"format", "area"}`), and when present `content_type`
/// (`{"network_type", "content_type"}`), `rep_num`, `frequency_interval` (`{"unit",
/// "value"}`), `channel_indicator`, `message_class`, `area_success`, `error_status` (with
/// its status name), `end_time`, `message_state`.
pub fn broadcast_json(tlvs: &Tlvs<'_>) -> Object {
    let mut o = Object::new();
    let areas = tlvs
        .broadcast_area_identifiers()
        .map(|a| {
            Object::new()
                .with("format", a.format)
                .with("area", octets(a.area))
                .into()
        })
        .collect::<Vec<Value>>();
    o.insert("areas", areas);
    if let Some(c) = tlvs.broadcast_content_type() {
        o.insert(
            "content_type",
            Object::new()
                .with("network_type", c.network_type)
                .with("content_type", c.content_type),
        );
    }
    if let Some(n) = tlvs.broadcast_rep_num() {
        o.insert("rep_num", n);
    }
    if let Some(f) = tlvs.broadcast_frequency_interval() {
        o.insert(
            "frequency_interval",
            Object::new().with("unit", f.unit).with("value", f.value),
        );
    }
    if let Some(v) = tlvs.broadcast_channel_indicator() {
        o.insert("channel_indicator", v);
    }
    if let Some(v) = tlvs.broadcast_message_class() {
        o.insert("message_class", v);
    }
    if let Some(v) = tlvs.broadcast_area_success() {
        o.insert("area_success", v);
    }
    if let Some(v) = tlvs.broadcast_error_status() {
        o.insert("error_status", v);
        o.insert("error_status_name", CommandStatus(v).name());
    }
    if let Some(v) = tlvs.broadcast_end_time() {
        o.insert("end_time", octets(v));
    }
    if let Some(v) = tlvs.message_state() {
        o.insert("message_state", v);
    }
    o
}

/// One parsed PDU as a JSON object. `command_length` is the frame's length on the wire
/// (a parsed [`Pdu`] does not keep it); when it is the bare 16-octet header, the body was
/// left out and no body keys are printed.
pub fn pdu_json(pdu: &Pdu<'_>, command_length: u32) -> Object {
    let id = pdu.command_id();
    let mut o = Object::new()
        .with("command", id.name())
        .with("command_id", hex_number(id.to_u32(), 8))
        .with("command_length", command_length)
        .with("command_status", pdu.command_status.0)
        .with("command_status_name", pdu.command_status.name())
        .with("sequence_number", pdu.sequence_number);
    if command_length as usize > HEADER_LEN {
        body_fields(&mut o, &pdu.body);
    }
    o
}

fn status_fields(o: Object, status: Option<CommandStatus>) -> Object {
    o.with("status", status.and_then(CommandStatus::name))
        .with("status_code", status.map(|s| s.0))
}

/// A decode failure as `{"error", "status", "status_code", "field", "input"}`: the error's
/// message (which names the field), the `command_status` a server would answer with, its
/// number, the field at fault (or null), and the failing octets as hex.
pub fn error_json(err: &DecodeError, input: &[u8]) -> Object {
    let o = Object::new().with("error", err.to_string());
    status_fields(o, Some(err.status()))
        .with("field", err.field().map(|f| f.name()))
        .with("input", hex::encode(input))
}

/// An input that ends inside a PDU: `"incomplete PDU: N more octets needed"` (`"at least N"`
/// while even the length word is cut), status `ESME_RINVCMDLEN` and field
/// `command_length`, as [`Pdu::parse`] reports for the same octets.
pub fn incomplete_json(needed: usize, length_known: bool, input: &[u8]) -> Object {
    let at_least = if length_known { "" } else { "at least " };
    let o = Object::new().with(
        "error",
        format!("incomplete PDU: {at_least}{needed} more octets needed"),
    );
    status_fields(o, Some(CommandStatus::ESME_RINVCMDLEN))
        .with("field", "command_length")
        .with("input", hex::encode(input))
}

/// Text that is not hex: the error, null status and field, and the text as given.
pub fn hex_error_json(err: &hex::HexError, text: &str) -> Object {
    let o = Object::new().with("error", err.to_string());
    status_fields(o, None)
        .with("field", Value::Null)
        .with("input", text)
}

/// When `opts` is more lenient than [`ParseOptions::strict`] and the frame decodes only thanks
/// to that, the error the strict parser reports (the library's lenient warning,
/// [`smpp_core::pdu::lenient_warning`]): it names the field, e.g. an over-long `password`.
pub fn strict_error(frame: &[u8], opts: &ParseOptions) -> Option<DecodeError> {
    smpp_core::pdu::lenient_warning(frame, opts)
}

/// Decodes every PDU in `input` in order. A PDU that decodes only because `opts` tolerates a
/// deviation from the specification gets a last key, `warning`, that names it
/// (`"accepted leniently: system_id runs past the end of the PDU"`). The walk stops at the first failure, whose record
/// covers the rest of the input (`input` holds the octets from the failing PDU's start to
/// the end). Empty input yields an "incomplete" record.
pub fn decode_octets(input: &[u8], opts: &ParseOptions) -> Vec<Record> {
    let mut records = Vec::new();
    let mut rest = input;
    loop {
        match frame(rest, opts.max_command_length) {
            Ok(Framing::Complete(n)) => {
                let (one, after) = rest.split_at(n);
                match Pdu::parse_with(one, opts) {
                    Ok(pdu) => {
                        // `frame` checked that the length fits `max_command_length` (a u32).
                        let mut o = pdu_json(&pdu, n as u32);
                        if let Some(e) = strict_error(one, opts) {
                            o.insert("warning", format!("accepted leniently: {e}"));
                        }
                        records.push(Record::Pdu(o));
                    }
                    Err(e) => {
                        records.push(Record::Error(error_json(&e, rest)));
                        break;
                    }
                }
                rest = after;
                if rest.is_empty() {
                    break;
                }
            }
            Ok(Framing::Partial { needed }) => {
                // `frame` only counts up to the header while the header is cut; once the
                // length word is here the real shortfall is known.
                let known = rest
                    .first_chunk::<4>()
                    .map(|w| u32::from_be_bytes(*w) as usize);
                let (needed, length_known) = match known {
                    Some(len) => (len.saturating_sub(rest.len()), true),
                    None => (needed, false),
                };
                records.push(Record::Error(incomplete_json(needed, length_known, rest)));
                break;
            }
            Err(e) => {
                records.push(Record::Error(error_json(&e, rest)));
                break;
            }
        }
    }
    records
}

/// Decodes one hex input (see [`hex::decode`] for what is tolerated): its PDUs in order, or
/// one error record for text that is not hex.
pub fn decode_hex(text: &str, opts: &ParseOptions) -> Vec<Record> {
    match hex::decode(text) {
        Ok(bytes) => decode_octets(&bytes, opts),
        Err(e) => vec![Record::Error(hex_error_json(&e, text))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUBMIT_SM: &str = "0000003E00000004000000000000002A00050053656E646572000101343437373030393030313233000000000000010000000B48656C6C6F20776F726C64";

    #[test]
    fn submit_sm_maps_every_field_in_order() {
        let records = decode_hex(SUBMIT_SM, &ParseOptions::default());
        assert_eq!(records.len(), 1);
        let o = records[0].object();
        let keys: Vec<&str> = o.keys().collect();
        assert_eq!(
            keys,
            [
                "command",
                "command_id",
                "command_length",
                "command_status",
                "command_status_name",
                "sequence_number",
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
                "text",
            ]
        );
        assert_eq!(o.get("command"), Some(&Value::from("submit_sm")));
        assert_eq!(o.get("command_id"), Some(&Value::from("0x00000004")));
        assert_eq!(o.get("command_length"), Some(&Value::from(62u32)));
        assert_eq!(o.get("command_status_name"), Some(&Value::from("ESME_ROK")));
        assert_eq!(o.get("short_message"), Some(&Value::from("Hello world")));
    }

    #[test]
    fn empty_input_is_incomplete() {
        let r = decode_octets(&[], &ParseOptions::default());
        assert_eq!(
            r[0].object().get("error"),
            Some(&Value::from(
                "incomplete PDU: at least 16 more octets needed"
            ))
        );
    }

    #[test]
    fn non_printable_octets_print_as_hex() {
        assert_eq!(octets(b"abc ~"), Value::from("abc ~"));
        assert_eq!(octets(&[0x05, 0x00, 0x41]), Value::from("050041"));
        assert_eq!(octets(b""), Value::from(""));
    }
}
