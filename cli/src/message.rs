//! Short messages as the CLI sends and shows them: addresses from the command line, text
//! encoded and split into `submit_sm` parts, and received `submit_sm` / `deliver_sm` /
//! `data_sm` bodies read back as text, concatenated parts or delivery receipts.
//!
//! ```
//! use smpp_cli::message::{address, prepare, Split, TextEncoding};
//! use smpp_core::pdu::RegisteredDelivery;
//!
//! let text = "é".repeat(100);
//! let out = prepare(&text, TextEncoding::Ucs2, Split::Udh, 7).unwrap();
//! assert_eq!(out.parts.len(), 2); // 100 UTF-16 units, at most 67 per part
//! let tlvs = out.tlvs(0);
//! let submit = out.submit_sm(0, &tlvs, address("Shop"), address("+447700900123"),
//!                            RegisteredDelivery::ON_SUCCESS_OR_FAILURE);
//! assert!(submit.esm_class.udhi());
//! assert_eq!(submit.destination.addr, b"447700900123");
//! ```

use crate::hex;
use smpp_core::message::{
    self, choose_auto, parse_receipt, reconcile, udh, Encoding, MessageState, Part, PartInput,
    PushOutcome, Reassembler, ReassemblyConfig, ReassemblyEvent, SplitError, SplitMethod,
};
use smpp_core::pdu::{
    Address, Body, CommandId, DataCoding, DestAddress, EsmClass, RegisteredDelivery, SubmitMulti,
    SubmitSm, Tlv, TlvTag, Tlvs,
};
use std::fmt;
use std::str::FromStr;

/// An address given on the command line: digits (with an optional leading `+`, which is
/// dropped) are an international number (TON 1, NPI 1); anything else is alphanumeric
/// (TON 5, NPI 0); the empty string is an empty address (TON 0, NPI 0).
pub fn address(text: &str) -> Address<'_> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if text.is_empty() {
        Address::default()
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        Address::international(digits)
    } else {
        Address::alphanumeric(text)
    }
}

/// An address's octets as text (lossy UTF-8).
pub fn address_text(a: &Address<'_>) -> String {
    String::from_utf8_lossy(a.addr).into_owned()
}

/// The text encoding asked for on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TextEncoding {
    /// GSM 7-bit when every character is in the default alphabet, else UCS2.
    #[default]
    Auto,
    /// GSM 03.38, one septet per octet (`data_coding` 0).
    Gsm7,
    /// UCS2 / UTF-16BE (`data_coding` 8).
    Ucs2,
    /// ISO-8859-1 (`data_coding` 3).
    Latin1,
}

impl TextEncoding {
    /// The encoding for `text`.
    pub fn resolve(self, text: &str) -> Encoding {
        match self {
            TextEncoding::Auto => choose_auto(text),
            TextEncoding::Gsm7 => Encoding::Gsm7,
            TextEncoding::Ucs2 => Encoding::Ucs2,
            TextEncoding::Latin1 => Encoding::Latin1,
        }
    }
}

impl FromStr for TextEncoding {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "auto" => TextEncoding::Auto,
            "gsm7" | "gsm" => TextEncoding::Gsm7,
            "ucs2" | "utf16" => TextEncoding::Ucs2,
            "latin1" | "iso-8859-1" => TextEncoding::Latin1,
            _ => return Err(format!("unknown encoding {s:?} (auto, gsm7, ucs2, latin1)")),
        })
    }
}

/// How a long message is carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Split {
    /// A concatenation UDH (8-bit reference) in each part, with the UDHI bit set.
    #[default]
    Udh,
    /// The SAR TLVs in each part.
    Sar,
    /// One `submit_sm` with the whole message in the `message_payload` TLV.
    Payload,
}

impl Split {
    /// The core's split method with `reference` (cut to 8 bits for [`Split::Udh`]).
    pub fn method(self, reference: u16) -> SplitMethod {
        match self {
            Split::Udh => SplitMethod::Udh8 {
                reference: (reference & 0xFF) as u8,
            },
            Split::Sar => SplitMethod::Sar { reference },
            Split::Payload => SplitMethod::Payload,
        }
    }
}

impl FromStr for Split {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "udh" => Split::Udh,
            "sar" => Split::Sar,
            "payload" => Split::Payload,
            _ => return Err(format!("unknown split method {s:?} (udh, sar, payload)")),
        })
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Split::Udh => "UDH",
            Split::Sar => "SAR",
            Split::Payload => "message_payload",
        })
    }
}

/// A text encoded and split, ready to submit part by part.
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// The parts in order.
    pub parts: Vec<Part>,
    /// The encoding used.
    pub encoding: Encoding,
    /// How the parts are tied together.
    pub split: Split,
    /// The concatenation reference (the low 8 bits for [`Split::Udh`]).
    pub reference: u16,
}

/// Encodes `text` and splits it into parts (fails on a character the encoding cannot
/// represent, naming it, or on a message too long).
pub fn prepare(
    text: &str,
    encoding: TextEncoding,
    split: Split,
    reference: u16,
) -> Result<Outgoing, SplitError> {
    let encoding = encoding.resolve(text);
    let reference = match split {
        Split::Udh => reference & 0xFF,
        _ => reference,
    };
    let parts = message::split(text, encoding, split.method(reference))?;
    Ok(Outgoing {
        parts,
        encoding,
        split,
        reference,
    })
}

impl Outgoing {
    /// The TLVs part `i` needs (SAR values, or the `message_payload`); keep them alive for
    /// [`Outgoing::submit_sm`].
    pub fn tlvs(&self, i: usize) -> Vec<Tlv<'_>> {
        let Some(part) = self.parts.get(i) else {
            return Vec::new();
        };
        let mut tlvs = Vec::new();
        if self.split == Split::Payload {
            tlvs.push(Tlv::octets(TlvTag::MESSAGE_PAYLOAD, &part.short_message));
        }
        if let Some(sar) = part.sar {
            tlvs.push(Tlv::u16(TlvTag::SAR_MSG_REF_NUM, sar.ref_num));
            tlvs.push(Tlv::u8(TlvTag::SAR_TOTAL_SEGMENTS, sar.total));
            tlvs.push(Tlv::u8(TlvTag::SAR_SEGMENT_SEQNUM, sar.seq));
        }
        tlvs
    }

    /// The `submit_sm` (or, wrapped in [`Body::DeliverSm`], the `deliver_sm`) body of part
    /// `i`, with the `tlvs` from [`Outgoing::tlvs`].
    pub fn submit_sm<'a>(
        &'a self,
        i: usize,
        tlvs: &'a [Tlv<'a>],
        source: Address<'a>,
        destination: Address<'a>,
        registered_delivery: RegisteredDelivery,
    ) -> SubmitSm<'a> {
        let (short_message, udhi, data_coding) = match self.parts.get(i) {
            Some(p) if self.split == Split::Payload => (&[][..], p.udhi, p.data_coding),
            Some(p) => (&p.short_message[..], p.udhi, p.data_coding),
            None => (&[][..], false, self.encoding.data_coding()),
        };
        SubmitSm {
            source,
            destination,
            esm_class: EsmClass::DEFAULT.with_udhi(udhi),
            registered_delivery,
            data_coding: DataCoding(data_coding),
            short_message,
            tlvs: Tlvs::from_slice(tlvs),
            ..Default::default()
        }
    }
}

/// A random 64-bit value (not cryptographic: fastrand's thread-local generator), for
/// concatenation references.
pub fn random_u64() -> u64 {
    fastrand::u64(..)
}

/// Decodes message octets by `data_coding` for display: the text (U+FFFD where it does not
/// decode), or `<N octets: hex>` when the coding is not text.
pub fn decode_text(data_coding: u8, bytes: &[u8]) -> String {
    match message::decode_lossy(data_coding, bytes) {
        message::Decoded::Text(s) => s,
        message::Decoded::Binary(b) => format!("<{} octets: {}>", b.len(), hex::encode(b)),
    }
}

/// A short name for a `data_coding` value (`GSM7`, `UCS2`, `IA5`, `Latin-1`, `0x04`, ...).
pub fn coding_name(data_coding: u8) -> String {
    match message::charset(data_coding) {
        message::Charset::Gsm7 if data_coding == 0 => "GSM7".into(),
        message::Charset::Ascii => "IA5".into(),
        message::Charset::Latin1 => "Latin-1".into(),
        message::Charset::Ucs2 if data_coding == 8 => "UCS2".into(),
        _ => format!("0x{data_coding:02X}"),
    }
}

/// Which part of a concatenated message a PDU carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartOf {
    /// The reference shared by the parts.
    pub reference: u16,
    /// How many parts.
    pub total: u8,
    /// This part, from 1.
    pub seq: u8,
    /// Whether the values came from a UDH (else from the SAR TLVs).
    pub udh: bool,
}

/// The message-carrying fields of a `submit_sm`, `deliver_sm`, `data_sm` or `submit_multi`.
#[derive(Clone, Copy, Debug)]
pub struct MessageView<'a> {
    /// The command carrying it.
    pub command: CommandId,
    /// Source address.
    pub source: Address<'a>,
    /// Destination address (the first SME destination of a `submit_multi`).
    pub destination: Address<'a>,
    /// `esm_class`.
    pub esm_class: EsmClass,
    /// `registered_delivery`.
    pub registered_delivery: RegisteredDelivery,
    /// `data_coding`.
    pub data_coding: u8,
    /// `short_message`, or the `message_payload` TLV when `short_message` is empty; UDH
    /// included.
    pub payload: &'a [u8],
    /// The optional parameters.
    pub tlvs: Tlvs<'a>,
}

impl<'a> MessageView<'a> {
    /// The message of a `submit_sm`, `deliver_sm` or `data_sm` body (`None` for others).
    pub fn from_body(body: &Body<'a>) -> Option<MessageView<'a>> {
        Some(match body {
            Body::SubmitSm(m) | Body::DeliverSm(m) => MessageView {
                command: body.command_id(),
                source: m.source,
                destination: m.destination,
                esm_class: m.esm_class,
                registered_delivery: m.registered_delivery,
                data_coding: m.data_coding.0,
                payload: m.payload(),
                tlvs: m.tlvs,
            },
            Body::DataSm(m) => MessageView {
                command: CommandId::DataSm,
                source: m.source,
                destination: m.destination,
                esm_class: m.esm_class,
                registered_delivery: m.registered_delivery,
                data_coding: m.data_coding.0,
                payload: m.tlvs.message_payload().unwrap_or(&[]),
                tlvs: m.tlvs,
            },
            Body::SubmitMulti(m) => MessageView::from_submit_multi(m),
            _ => return None,
        })
    }

    /// The message of a `submit_multi` (destination: its first SME address).
    pub fn from_submit_multi(m: &SubmitMulti<'a>) -> MessageView<'a> {
        let destination = m
            .dest_addresses
            .iter()
            .find_map(|d| match d {
                DestAddress::Sme(a) => Some(a),
                DestAddress::DistributionList(_) => None,
            })
            .unwrap_or_default();
        let payload = if m.short_message.is_empty() {
            m.tlvs.message_payload().unwrap_or(&[])
        } else {
            m.short_message
        };
        MessageView {
            command: CommandId::SubmitMulti,
            source: m.source,
            destination,
            esm_class: m.esm_class,
            registered_delivery: m.registered_delivery,
            data_coding: m.data_coding.0,
            payload,
            tlvs: m.tlvs,
        }
    }

    /// The concatenation values, from a UDH (when the UDHI bit is set) or the SAR TLVs.
    pub fn part_of(&self) -> Option<PartOf> {
        if self.esm_class.udhi() {
            if let Ok((header, _)) = udh::parse(self.payload) {
                if let Some(c) = header.concat() {
                    return Some(PartOf {
                        reference: c.reference,
                        total: c.total,
                        seq: c.seq,
                        udh: true,
                    });
                }
            }
        }
        self.tlvs.sar().map(|s| PartOf {
            reference: s.msg_ref_num,
            total: s.total_segments,
            seq: s.segment_seqnum,
            udh: false,
        })
    }

    /// The part for a [`Reassembler`], when this is one part of several.
    pub fn part_input(&self) -> Option<PartInput<'a>> {
        let p = self.part_of()?;
        if p.total <= 1 {
            return None;
        }
        Some(PartInput::from_sar(
            self.source.addr,
            self.destination.addr,
            p.reference,
            p.total,
            p.seq,
            self.user_data(),
        ))
    }

    /// The message octets without the UDH (when the UDHI bit is set and it parses).
    pub fn user_data(&self) -> &'a [u8] {
        if self.esm_class.udhi() {
            if let Ok((_, rest)) = udh::parse(self.payload) {
                return rest;
            }
        }
        self.payload
    }

    /// The message text (see [`decode_text`]), UDH left out.
    pub fn text(&self) -> String {
        decode_text(self.data_coding, self.user_data())
    }

    /// True for an SMSC delivery receipt (`esm_class` message type 0x04).
    pub fn is_receipt(&self) -> bool {
        self.esm_class.is_delivery_receipt()
    }

    /// The message id a delivery receipt reports on: its `receipted_message_id` TLV
    /// (without trailing NULs), else the `id:` of its text; `None` when neither has one.
    /// Cheaper than [`MessageView::receipt`] when the TLV is there: the text is then not
    /// decoded.
    pub fn receipted_id(&self) -> Option<String> {
        let tlv = self.tlvs.receipted_message_id().and_then(|raw| {
            let end = raw.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            std::str::from_utf8(raw.get(..end)?)
                .ok()
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_string)
        });
        tlv.or_else(|| {
            let text = decode_text(self.data_coding, self.user_data());
            let id = parse_receipt(text.as_bytes()).ok()?.id?.trim();
            (!id.is_empty()).then(|| id.to_string())
        })
    }

    /// The delivery receipt this message carries, merged from its text and its TLVs
    /// (`receipted_message_id`, `message_state`, `network_error_code`).
    pub fn receipt(&self) -> ReceiptSummary {
        let text = decode_text(self.data_coding, self.user_data());
        let parsed = parse_receipt(text.as_bytes()).ok();
        let info = reconcile(
            parsed,
            self.tlvs.receipted_message_id(),
            self.tlvs.message_state(),
            self.tlvs.network_error_code().map(|n| n.to_bytes()),
        );
        let field = |f: Option<&str>| f.map(str::to_string);
        ReceiptSummary {
            message_id: field(info.message_id),
            state: info.state,
            sub: field(parsed.and_then(|r| r.sub)),
            dlvrd: field(parsed.and_then(|r| r.dlvrd)),
            submit_date: field(parsed.and_then(|r| r.submit_date)),
            done_date: field(parsed.and_then(|r| r.done_date)),
            err: field(parsed.and_then(|r| r.err)),
            text: field(parsed.and_then(|r| r.text)),
            network_error: info.network_error.map(|n| (n.network_type, n.error_code)),
            raw: text,
        }
    }
}

/// A received delivery receipt, owned, with the TLV values preferred over the text's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceiptSummary {
    /// The receipted message id (`receipted_message_id`, else the text's `id:`).
    pub message_id: Option<String>,
    /// The final state (`message_state`, else the text's `stat:`).
    pub state: Option<MessageState>,
    /// `sub:`.
    pub sub: Option<String>,
    /// `dlvrd:`.
    pub dlvrd: Option<String>,
    /// `submit date:`.
    pub submit_date: Option<String>,
    /// `done date:`.
    pub done_date: Option<String>,
    /// `err:`.
    pub err: Option<String>,
    /// `text:`.
    pub text: Option<String>,
    /// `network_error_code` (network type, error code).
    pub network_error: Option<(u8, u16)>,
    /// The whole receipt text as received.
    pub raw: String,
}

impl ReceiptSummary {
    /// True when the receipt is for `message_id` (ids compared as SMSCs spell them:
    /// hex/decimal forms and leading zeros tolerated).
    pub fn is_for(&self, message_id: &str) -> bool {
        self.message_id
            .as_deref()
            .is_some_and(|id| message::ids_match(id, message_id))
    }

    /// True when the state is DELIVRD.
    pub fn delivered(&self) -> bool {
        self.state == Some(MessageState::Delivered)
    }
}

impl fmt::Display for ReceiptSummary {
    /// `id=.. stat=.. err=.. sub=.. dlvrd=.. submit_date=.. done_date=.. text=".."`, leaving
    /// out what the receipt does not carry.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        let mut put = |f: &mut fmt::Formatter<'_>, k: &str, v: &dyn fmt::Display| {
            let r = write!(f, "{sep}{k}={v}");
            sep = " ";
            r
        };
        if let Some(id) = &self.message_id {
            put(f, "id", id)?;
        }
        if let Some(s) = self.state {
            put(f, "stat", &s.receipt_stat())?;
        }
        for (k, v) in [
            ("err", &self.err),
            ("sub", &self.sub),
            ("dlvrd", &self.dlvrd),
            ("submit_date", &self.submit_date),
            ("done_date", &self.done_date),
        ] {
            if let Some(v) = v {
                put(f, k, v)?;
            }
        }
        if let Some((t, code)) = self.network_error {
            put(f, "network_error", &format_args!("{t}/{code}"))?;
        }
        match &self.text {
            Some(t) => put(f, "text", &format_args!("{t:?}")),
            None if self.message_id.is_none() => put(f, "raw", &format_args!("{:?}", self.raw)),
            None => Ok(()),
        }
    }
}

/// A [`Reassembler`] on the wall clock, with default limits (1024 pending messages, 10
/// minutes, 1 MiB).
#[derive(Debug)]
pub struct Assembler {
    inner: Reassembler,
    epoch: std::time::Instant,
}

impl Default for Assembler {
    fn default() -> Self {
        Assembler::new()
    }
}

impl Assembler {
    /// An empty assembler.
    pub fn new() -> Assembler {
        Assembler {
            inner: Reassembler::new(ReassemblyConfig::default()),
            epoch: std::time::Instant::now(),
        }
    }

    fn now(&self) -> smpp_core::Instant {
        smpp_core::Instant::from_millis(
            u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX),
        )
    }

    /// Adds a part.
    pub fn push(&mut self, part: PartInput<'_>) -> PushOutcome {
        let now = self.now();
        self.inner.push(now, part)
    }

    /// Drops expired messages and returns what was dropped since the last call.
    pub fn events(&mut self) -> Vec<ReassemblyEvent> {
        let now = self.now();
        self.inner.handle_timeout(now);
        std::iter::from_fn(|| self.inner.poll_event()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smpp_core::message::{Assembled, MessageState};
    use smpp_core::pdu::{Npi, Ton};

    #[test]
    fn addresses() {
        let a = address("+447700900123");
        assert_eq!(
            (a.ton, a.npi, a.addr),
            (Ton(1), Npi(1), &b"447700900123"[..])
        );
        let a = address("Shop");
        assert_eq!((a.ton, a.npi, a.addr), (Ton(5), Npi(0), &b"Shop"[..]));
        assert_eq!(address(""), Address::default());
        assert_eq!(address("+").ton, Ton(5));
    }

    #[test]
    fn options_parse() {
        assert_eq!("UCS2".parse(), Ok(TextEncoding::Ucs2));
        assert!("utf8".parse::<TextEncoding>().is_err());
        assert_eq!("sar".parse(), Ok(Split::Sar));
        assert!("x".parse::<Split>().is_err());
        assert_eq!(TextEncoding::Auto.resolve("hello"), Encoding::Gsm7);
        assert_eq!(TextEncoding::Auto.resolve("hi 😀"), Encoding::Ucs2);
    }

    fn views(out: &Outgoing) -> Vec<(Vec<u8>, u8, u8, Vec<u8>)> {
        // (payload, esm_class, data_coding, encoded pdu) per part: re-parse each body.
        (0..out.parts.len())
            .map(|i| {
                let tlvs = out.tlvs(i);
                let sm = out.submit_sm(
                    i,
                    &tlvs,
                    address("a"),
                    address("1"),
                    RegisteredDelivery::NONE,
                );
                let pdu = smpp_core::Pdu::new(1, Body::SubmitSm(sm));
                let mut buf = vec![0u8; pdu.encoded_len()];
                pdu.encode(&mut buf).unwrap();
                (sm.payload().to_vec(), sm.esm_class.0, sm.data_coding.0, buf)
            })
            .collect()
    }

    fn reassemble(out: &Outgoing) -> String {
        let mut asm = Assembler::new();
        let mut done: Option<(Assembled, u8)> = None;
        for (_, _, _, wire) in views(out) {
            let pdu = smpp_core::Pdu::parse(&wire).unwrap();
            let view = MessageView::from_body(&pdu.body).unwrap();
            match view.part_input() {
                None => return view.text(),
                Some(p) => {
                    if let PushOutcome::Complete(a) = asm.push(p) {
                        done = Some((a, view.data_coding));
                    }
                }
            }
        }
        let (a, dc) = done.expect("complete");
        decode_text(dc, a.data())
    }

    #[test]
    fn split_methods_round_trip_through_the_view() {
        let text = "Grüße aus Köln 😀 ".repeat(12);
        for split in [Split::Udh, Split::Sar, Split::Payload] {
            let out = prepare(&text, TextEncoding::Auto, split, 0x1234).unwrap();
            assert_eq!(out.encoding, Encoding::Ucs2);
            match split {
                Split::Payload => assert_eq!(out.parts.len(), 1),
                _ => assert!(out.parts.len() >= 3),
            }
            let v = views(&out);
            if split == Split::Udh {
                assert!(v.iter().all(|p| p.1 & 0x40 != 0), "UDHI set");
                assert_eq!(out.reference, 0x34);
            }
            assert!(v.iter().all(|p| p.2 == 8));
            assert_eq!(reassemble(&out), text, "{split}");
        }
    }

    #[test]
    fn short_text_is_one_plain_part() {
        let out = prepare("Hello", TextEncoding::Auto, Split::Udh, 1).unwrap();
        assert_eq!(out.parts.len(), 1);
        assert_eq!(views(&out)[0].1, 0);
        assert_eq!(reassemble(&out), "Hello");
        assert!(prepare("😀", TextEncoding::Gsm7, Split::Udh, 1).is_err());
    }

    #[test]
    fn receipts_read_from_text_and_tlvs() {
        let text = b"id:0000000a1f sub:001 dlvrd:001 submit date:2611220018 done date:2611220019 stat:DELIVRD err:000 text:Hello";
        let tlvs = [
            Tlv::cstr(TlvTag::RECEIPTED_MESSAGE_ID, b"a1f"),
            Tlv::u8(TlvTag::MESSAGE_STATE, 2),
        ];
        let body = Body::DeliverSm(SubmitSm {
            esm_class: EsmClass::DELIVERY_RECEIPT,
            data_coding: DataCoding(1),
            short_message: text,
            tlvs: Tlvs::from_slice(&tlvs),
            ..Default::default()
        });
        let pdu = smpp_core::Pdu::new(3, body);
        let mut buf = vec![0u8; pdu.encoded_len()];
        pdu.encode(&mut buf).unwrap();
        let parsed = smpp_core::Pdu::parse(&buf).unwrap();
        let view = MessageView::from_body(&parsed.body).unwrap();
        assert!(view.is_receipt());
        let r = view.receipt();
        assert_eq!(r.message_id.as_deref(), Some("a1f"));
        assert_eq!(r.state, Some(MessageState::Delivered));
        assert!(r.is_for("0000000a1f") && r.is_for("a1f") && !r.is_for("a2f"));
        assert_eq!(r.text.as_deref(), Some("Hello"));
        let shown = r.to_string();
        assert!(shown.starts_with("id=a1f stat=DELIVRD err=000 sub=001 dlvrd=001"));
        assert!(shown.ends_with("text=\"Hello\""), "{shown}");
        // The TLV wins over the text's id.
        assert_eq!(view.receipted_id().as_deref(), Some("a1f"));
    }

    #[test]
    fn receipted_id_falls_back_to_the_text() {
        let id_of = |text: &'static [u8], tlv: Option<&'static [u8]>| {
            let tlvs: Vec<Tlv<'_>> = tlv
                .map(|v| Tlv::octets(TlvTag::RECEIPTED_MESSAGE_ID, v))
                .into_iter()
                .collect();
            let body = Body::DeliverSm(SubmitSm {
                esm_class: EsmClass::DELIVERY_RECEIPT,
                data_coding: DataCoding(1),
                short_message: text,
                tlvs: Tlvs::from_slice(&tlvs),
                ..Default::default()
            });
            let pdu = smpp_core::Pdu::new(3, body);
            let mut buf = vec![0u8; pdu.encoded_len()];
            pdu.encode(&mut buf).unwrap();
            let parsed = smpp_core::Pdu::parse(&buf).unwrap();
            MessageView::from_body(&parsed.body).unwrap().receipted_id()
        };
        let text = b"id:77 sub:001 dlvrd:001 submit date:2611220018 done date:2611220019 stat:DELIVRD err:000 text:x";
        assert_eq!(id_of(text, None).as_deref(), Some("77"));
        // An empty TLV (only its NUL) says nothing: the text's id counts.
        assert_eq!(id_of(text, Some(b"\0")).as_deref(), Some("77"));
        assert_eq!(id_of(text, Some(b"abc\0\0")).as_deref(), Some("abc"));
        assert_eq!(id_of(b"no receipt here", None), None);
        assert_eq!(id_of(b"id: sub:001 stat:DELIVRD", None), None);
    }

    #[test]
    fn binary_is_shown_as_hex() {
        assert_eq!(decode_text(4, &[1, 0xff]), "<2 octets: 01ff>");
        assert_eq!(coding_name(8), "UCS2");
        assert_eq!(coding_name(0xF5), "0xF5");
    }
}
