//! Round-trip properties for every PDU type: arbitrary valid field values encode, measure,
//! validate, parse back to an equal PDU, re-encode to the same octets, and pass strict
//! parsing (or fail it for exactly the reason strict mode exists).
#![cfg(feature = "alloc")]

use bytes::BytesMut;
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use smpp_core::codec::{frame, Framing};
use smpp_core::pdu::{Address, HEADER_LEN};
use smpp_core::pdu::{
    AlertNotification, Bind, BindResp, Body, CancelSm, DataCoding, DataSm, DestAddress, EsmClass,
    List, MessageIdResp, Npi, Outbind, ParseOptions, QuerySm, QuerySmResp, RegisteredDelivery,
    ReplaceSm, SubmitMulti, SubmitMultiResp, SubmitSm, Tlv, TlvKind, TlvTag, Tlvs, Ton,
    UnsuccessSme, DEFAULT_MAX_COMMAND_LENGTH,
};
use smpp_core::pdu::{BroadcastSm, CancelBroadcastSm, QueryBroadcastSm, QueryBroadcastSmResp};
use smpp_core::{CommandId, CommandStatus, DecodeError, Frame, Pdu};
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------------------
// Random helpers
// ---------------------------------------------------------------------------------------

/// A number in `0..n`.
fn below(g: &mut Gen, n: usize) -> usize {
    assert!(n > 0);
    (u64::arbitrary(g) % n as u64) as usize
}

/// A length in `0..=max`, hitting the bounds often.
fn len_upto(g: &mut Gen, max: usize) -> usize {
    match below(g, 8) {
        0 => max,
        1 => 0,
        2 => max.min(1),
        _ => below(g, max + 1),
    }
}

fn octets(g: &mut Gen, len: usize) -> Vec<u8> {
    (0..len).map(|_| u8::arbitrary(g)).collect()
}

/// Arbitrary octets, at most `max` of them.
fn octets_upto(g: &mut Gen, max: usize) -> Vec<u8> {
    let len = len_upto(g, max);
    octets(g, len)
}

/// A C-octet string value (no NUL) shorter than `max` (which counts the NUL).
fn cstr(g: &mut Gen, max: usize) -> Vec<u8> {
    let len = len_upto(g, max - 1);
    (0..len)
        .map(|_| match below(g, 3) {
            0 => b"0123456789"[below(g, 10)],
            1 => b'A' + below(g, 26) as u8,
            _ => 1 + below(g, 255) as u8,
        })
        .collect()
}

/// A time field: empty or exactly 16 characters.
fn time(g: &mut Gen) -> Vec<u8> {
    match below(g, 3) {
        0 => Vec::new(),
        1 => {
            // Absolute "YYMMDDhhmmsstnnp" or relative "...000R".
            let mut t: Vec<u8> = (0..12).map(|_| b'0' + below(g, 10) as u8).collect();
            t.push(b'0' + below(g, 10) as u8);
            t.extend_from_slice(if bool::arbitrary(g) { b"04+" } else { b"00R" });
            t
        }
        _ => (0..16).map(|_| 1 + below(g, 255) as u8).collect(),
    }
}

// ---------------------------------------------------------------------------------------
// Owned mirror of a PDU
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum OVal {
    Octets(Vec<u8>),
    U8(u8),
    U16(u16),
    U32(u32),
    CStr(Vec<u8>),
}

#[derive(Clone, Debug)]
struct OTlv {
    tag: u16,
    val: OVal,
}

impl OTlv {
    fn wire_value(&self) -> Vec<u8> {
        match &self.val {
            OVal::Octets(b) => b.clone(),
            OVal::U8(v) => vec![*v],
            OVal::U16(v) => v.to_be_bytes().to_vec(),
            OVal::U32(v) => v.to_be_bytes().to_vec(),
            OVal::CStr(b) => [&b[..], &[0]].concat(),
        }
    }

    /// A TLV that the encoder accepts: an unknown or vendor tag with any octets, or a
    /// standard tag with a value its definition allows.
    fn arbitrary_valid(g: &mut Gen) -> OTlv {
        if bool::arbitrary(g) {
            let tag = loop {
                let t = match below(g, 3) {
                    0 => 0x1400 + below(g, 0x2C00) as u16, // vendor range
                    _ => u16::arbitrary(g),
                };
                if TlvTag(t).kind().is_none() {
                    break t;
                }
            };
            let len = if below(g, 20) == 0 {
                300 + below(g, 2000)
            } else {
                len_upto(g, 40)
            };
            return OTlv {
                tag,
                val: OVal::Octets(octets(g, len)),
            };
        }
        let tag = *g.choose(TlvTag::ALL).unwrap();
        let kind = tag.kind().unwrap();
        let raw = bool::arbitrary(g);
        let val = match kind {
            TlvKind::Empty => OVal::Octets(Vec::new()),
            TlvKind::U8 if !raw => OVal::U8(u8::arbitrary(g)),
            TlvKind::U16 if !raw => OVal::U16(u16::arbitrary(g)),
            TlvKind::U32 if !raw => OVal::U32(u32::arbitrary(g)),
            TlvKind::U8 => OVal::Octets(octets(g, 1)),
            TlvKind::U16 => OVal::Octets(octets(g, 2)),
            TlvKind::U32 => OVal::Octets(octets(g, 4)),
            TlvKind::CStr(max) if !raw => OVal::CStr(cstr(g, max as usize)),
            TlvKind::CStr(max) => OVal::Octets(octets_upto(g, max as usize)),
            TlvKind::Octets(min, max) => {
                let max = (max as usize).min(if below(g, 10) == 0 { 3000 } else { 200 });
                let len = min as usize + len_upto(g, max - min as usize);
                OVal::Octets(octets(g, len))
            }
            TlvKind::OneOf(a, b) => {
                let len = if bool::arbitrary(g) { a } else { b };
                OVal::Octets(octets(g, len as usize))
            }
        };
        // Range-limited values (congestion_state 0..=100, ...) stay in their range.
        let val = match val {
            OVal::U8(v) if !tag.allows_value(&[v]) => OVal::U8(v % 101),
            OVal::Octets(o) if !tag.allows_value(&o) => OVal::Octets(vec![o[0] % 101]),
            v => v,
        };
        OTlv { tag: tag.0, val }
    }

    /// A standard TLV whose length breaks its definition (only possible in received form).
    fn arbitrary_bad_length(g: &mut Gen) -> OTlv {
        loop {
            let tag = *g.choose(TlvTag::ALL).unwrap();
            let kind = tag.kind().unwrap();
            let len = len_upto(g, 70);
            if !kind.allows(len) {
                return OTlv {
                    tag: tag.0,
                    val: OVal::Octets(octets(g, len)),
                };
            }
        }
    }
}

#[derive(Clone, Debug)]
struct OAddr {
    ton: u8,
    npi: u8,
    addr: Vec<u8>,
}

impl OAddr {
    fn arbitrary(g: &mut Gen, max: usize) -> OAddr {
        OAddr {
            ton: u8::arbitrary(g),
            npi: u8::arbitrary(g),
            addr: cstr(g, max),
        }
    }

    fn view(&self) -> Address<'_> {
        Address::new(Ton(self.ton), Npi(self.npi), &self.addr)
    }
}

#[derive(Clone, Debug)]
enum ODest {
    Sme(OAddr),
    Dl(Vec<u8>),
}

#[derive(Clone, Debug)]
struct OUnsuccess {
    addr: OAddr,
    status: u32,
}

/// The owned values of one PDU; `strs`, `nums`, `addrs` are used positionally by each kind.
#[derive(Clone, Debug)]
struct OPdu {
    kind: usize,
    status: u32,
    seq: u32,
    strs: Vec<Vec<u8>>,
    nums: Vec<u8>,
    addrs: Vec<OAddr>,
    tlvs: Vec<OTlv>,
    /// Send the TLVs in received (wire) form rather than as a built slice.
    wire_tlvs: bool,
    dests: Vec<ODest>,
    unsuccess: Vec<OUnsuccess>,
    /// A response with an error status and an all-empty body (omitted on the wire).
    empty_error_body: bool,
}

/// Every command, in the order `OPdu::kind` indexes them.
const KINDS: [CommandId; 33] = [
    CommandId::GenericNack,
    CommandId::BindReceiver,
    CommandId::BindReceiverResp,
    CommandId::BindTransmitter,
    CommandId::BindTransmitterResp,
    CommandId::BindTransceiver,
    CommandId::BindTransceiverResp,
    CommandId::Outbind,
    CommandId::Unbind,
    CommandId::UnbindResp,
    CommandId::EnquireLink,
    CommandId::EnquireLinkResp,
    CommandId::SubmitSm,
    CommandId::SubmitSmResp,
    CommandId::DeliverSm,
    CommandId::DeliverSmResp,
    CommandId::DataSm,
    CommandId::DataSmResp,
    CommandId::SubmitMulti,
    CommandId::SubmitMultiResp,
    CommandId::QuerySm,
    CommandId::QuerySmResp,
    CommandId::CancelSm,
    CommandId::CancelSmResp,
    CommandId::ReplaceSm,
    CommandId::ReplaceSmResp,
    CommandId::AlertNotification,
    CommandId::BroadcastSm,
    CommandId::BroadcastSmResp,
    CommandId::QueryBroadcastSm,
    CommandId::QueryBroadcastSmResp,
    CommandId::CancelBroadcastSm,
    CommandId::CancelBroadcastSmResp,
];

/// Responses whose body is omitted when the status is an error and every field is empty.
fn omittable(id: CommandId) -> bool {
    matches!(
        id,
        CommandId::BindReceiverResp
            | CommandId::BindTransmitterResp
            | CommandId::BindTransceiverResp
            | CommandId::SubmitSmResp
            | CommandId::DataSmResp
            | CommandId::SubmitMultiResp
            | CommandId::QuerySmResp
            | CommandId::BroadcastSmResp
            | CommandId::QueryBroadcastSmResp
    )
}

fn has_tlvs(id: CommandId) -> bool {
    matches!(
        id,
        CommandId::BindReceiverResp
            | CommandId::BindTransmitterResp
            | CommandId::BindTransceiverResp
            | CommandId::SubmitSm
            | CommandId::SubmitSmResp
            | CommandId::DeliverSm
            | CommandId::DeliverSmResp
            | CommandId::DataSm
            | CommandId::DataSmResp
            | CommandId::SubmitMulti
            | CommandId::SubmitMultiResp
            | CommandId::AlertNotification
            | CommandId::BroadcastSm
            | CommandId::BroadcastSmResp
            | CommandId::QueryBroadcastSm
            | CommandId::QueryBroadcastSmResp
            | CommandId::CancelBroadcastSm
    )
}

/// Valid values of the TLVs `id` requires (SMPP 5.0), to be mixed into its TLVs.
fn mandatory_tlvs(g: &mut Gen, id: CommandId) -> Vec<OTlv> {
    let tags: &[TlvTag] = match id {
        CommandId::BroadcastSm => &smpp_core::pdu::BROADCAST_SM_MANDATORY,
        CommandId::QueryBroadcastSmResp => &smpp_core::pdu::QUERY_BROADCAST_SM_RESP_MANDATORY,
        _ => &[],
    };
    tags.iter()
        .map(|&tag| {
            let val = match tag {
                TlvTag::BROADCAST_AREA_IDENTIFIER => {
                    let mut v = vec![below(g, 3) as u8];
                    v.extend(octets_upto(g, 99));
                    OVal::Octets(v)
                }
                TlvTag::BROADCAST_CONTENT_TYPE | TlvTag::BROADCAST_FREQUENCY_INTERVAL => {
                    OVal::Octets(octets(g, 3))
                }
                TlvTag::BROADCAST_REP_NUM => OVal::U16(u16::arbitrary(g)),
                TlvTag::BROADCAST_AREA_SUCCESS => OVal::U8(u8::arbitrary(g) % 101),
                _ => OVal::U8(u8::arbitrary(g)),
            };
            OTlv { tag: tag.0, val }
        })
        .collect()
}

impl OPdu {
    fn arbitrary_kind(g: &mut Gen, kind: usize) -> OPdu {
        use CommandId as C;
        let id = KINDS[kind];
        let status = if id.is_response() && bool::arbitrary(g) {
            0
        } else {
            u32::arbitrary(g)
        };
        let empty_error_body = status != 0 && omittable(id) && below(g, 3) == 0;
        let mut o = OPdu {
            kind,
            status,
            seq: u32::arbitrary(g),
            strs: Vec::new(),
            nums: (0..12).map(|_| u8::arbitrary(g)).collect(),
            addrs: Vec::new(),
            tlvs: Vec::new(),
            wire_tlvs: false,
            dests: Vec::new(),
            unsuccess: Vec::new(),
            empty_error_body,
        };
        if empty_error_body {
            return o;
        }
        let sm = |g: &mut Gen| octets_upto(g, 254);
        match id {
            C::BindReceiver | C::BindTransmitter | C::BindTransceiver => {
                o.strs = vec![cstr(g, 16), cstr(g, 9), cstr(g, 13), cstr(g, 41)];
            }
            C::BindReceiverResp | C::BindTransmitterResp | C::BindTransceiverResp => {
                o.strs = vec![cstr(g, 16)];
            }
            C::Outbind => o.strs = vec![cstr(g, 16), cstr(g, 9)],
            C::SubmitSm | C::DeliverSm => {
                o.strs = vec![cstr(g, 6), time(g), time(g), sm(g)];
                o.addrs = vec![OAddr::arbitrary(g, 21), OAddr::arbitrary(g, 21)];
            }
            C::SubmitSmResp | C::DeliverSmResp | C::DataSmResp => {
                o.strs = vec![cstr(g, 65)];
            }
            C::DataSm => {
                o.strs = vec![cstr(g, 6)];
                o.addrs = vec![OAddr::arbitrary(g, 65), OAddr::arbitrary(g, 65)];
            }
            C::SubmitMulti => {
                o.strs = vec![cstr(g, 6), time(g), time(g), sm(g)];
                o.addrs = vec![OAddr::arbitrary(g, 21)];
                let n = if below(g, 10) == 0 {
                    len_upto(g, 254)
                } else {
                    len_upto(g, 6)
                };
                o.dests = (0..n)
                    .map(|_| {
                        if bool::arbitrary(g) {
                            ODest::Sme(OAddr::arbitrary(g, 21))
                        } else {
                            ODest::Dl(cstr(g, 21))
                        }
                    })
                    .collect();
            }
            C::SubmitMultiResp => {
                o.strs = vec![cstr(g, 65)];
                let n = if below(g, 10) == 0 {
                    len_upto(g, 254)
                } else {
                    len_upto(g, 6)
                };
                o.unsuccess = (0..n)
                    .map(|_| OUnsuccess {
                        addr: OAddr::arbitrary(g, 21),
                        status: u32::arbitrary(g),
                    })
                    .collect();
            }
            C::QuerySm => {
                o.strs = vec![cstr(g, 65)];
                o.addrs = vec![OAddr::arbitrary(g, 21)];
            }
            C::QuerySmResp => o.strs = vec![cstr(g, 65), time(g)],
            C::CancelSm => {
                o.strs = vec![cstr(g, 6), cstr(g, 65)];
                o.addrs = vec![OAddr::arbitrary(g, 21), OAddr::arbitrary(g, 21)];
            }
            C::ReplaceSm => {
                o.strs = vec![cstr(g, 65), time(g), time(g), sm(g)];
                o.addrs = vec![OAddr::arbitrary(g, 21)];
            }
            C::AlertNotification => {
                o.addrs = vec![OAddr::arbitrary(g, 65), OAddr::arbitrary(g, 65)];
            }
            C::BroadcastSm => {
                o.strs = vec![cstr(g, 6), cstr(g, 65), time(g), time(g)];
                o.addrs = vec![OAddr::arbitrary(g, 21)];
            }
            C::BroadcastSmResp | C::QueryBroadcastSmResp => o.strs = vec![cstr(g, 65)],
            C::QueryBroadcastSm => {
                o.strs = vec![cstr(g, 65)];
                o.addrs = vec![OAddr::arbitrary(g, 21)];
            }
            C::CancelBroadcastSm => {
                o.strs = vec![cstr(g, 6), cstr(g, 65)];
                o.addrs = vec![OAddr::arbitrary(g, 21)];
            }
            _ => {}
        }
        if has_tlvs(id) {
            let n = len_upto(g, 6);
            o.tlvs = (0..n).map(|_| OTlv::arbitrary_valid(g)).collect();
            o.wire_tlvs = below(g, 4) == 0;
            if o.wire_tlvs && below(g, 3) == 0 {
                // Received TLVs are forwarded as they are, even with a bad length.
                let at = below(g, o.tlvs.len() + 1);
                o.tlvs.insert(at, OTlv::arbitrary_bad_length(g));
            }
            for t in mandatory_tlvs(g, id) {
                let at = below(g, o.tlvs.len() + 1);
                o.tlvs.insert(at, t);
            }
            if below(g, 6) == 0 {
                // The short_message / message_payload combination strict mode rejects.
                o.tlvs.push(OTlv {
                    tag: TlvTag::MESSAGE_PAYLOAD.0,
                    val: OVal::Octets(octets_upto(g, 300)),
                });
            }
        }
        o
    }

    fn id(&self) -> CommandId {
        KINDS[self.kind]
    }

    fn tlv_wire(&self) -> Vec<u8> {
        let mut w = Vec::new();
        for t in &self.tlvs {
            let v = t.wire_value();
            w.extend_from_slice(&t.tag.to_be_bytes());
            w.extend_from_slice(&u16::try_from(v.len()).unwrap().to_be_bytes());
            w.extend_from_slice(&v);
        }
        w
    }

    /// The short_message, for the bodies that have one.
    fn short_message(&self) -> &[u8] {
        match self.id() {
            CommandId::SubmitSm
            | CommandId::DeliverSm
            | CommandId::SubmitMulti
            | CommandId::ReplaceSm
                if !self.empty_error_body =>
            {
                &self.strs[3]
            }
            _ => &[],
        }
    }

    /// What strict parsing must say about this PDU's encoding.
    fn strict_expectation(&self) -> Result<(), DecodeError> {
        if !has_tlvs(self.id()) {
            return Ok(());
        }
        if let Some(bad) = self.tlvs.iter().find(|t| {
            let kind = TlvTag(t.tag).kind();
            kind.is_some_and(|k| !k.allows(t.wire_value().len()))
        }) {
            return Err(DecodeError::TlvLength {
                tag: TlvTag(bad.tag),
                len: bad.wire_value().len() as u16,
            });
        }
        let checks_payloads = matches!(
            self.id(),
            CommandId::SubmitSm | CommandId::DeliverSm | CommandId::SubmitMulti
        );
        if checks_payloads
            && !self.short_message().is_empty()
            && self.tlvs.iter().any(|t| t.tag == TlvTag::MESSAGE_PAYLOAD.0)
        {
            return Err(DecodeError::BothPayloads);
        }
        Ok(())
    }
}

impl Arbitrary for OPdu {
    fn arbitrary(g: &mut Gen) -> OPdu {
        let kind = below(g, KINDS.len());
        OPdu::arbitrary_kind(g, kind)
    }
}

/// Borrowed pieces built from an `OPdu`, which the `Pdu` then borrows.
struct Views<'a> {
    tlvs: Vec<Tlv<'a>>,
    wire: Vec<u8>,
    dests: Vec<DestAddress<'a>>,
    unsuccess: Vec<UnsuccessSme<'a>>,
}

impl OPdu {
    fn views(&self) -> Views<'_> {
        Views {
            tlvs: self
                .tlvs
                .iter()
                .map(|t| {
                    let tag = TlvTag(t.tag);
                    match &t.val {
                        OVal::Octets(b) => Tlv::octets(tag, b),
                        OVal::U8(v) => Tlv::u8(tag, *v),
                        OVal::U16(v) => Tlv::u16(tag, *v),
                        OVal::U32(v) => Tlv::u32(tag, *v),
                        OVal::CStr(b) => Tlv::cstr(tag, b),
                    }
                })
                .collect(),
            wire: self.tlv_wire(),
            dests: self
                .dests
                .iter()
                .map(|d| match d {
                    ODest::Sme(a) => DestAddress::Sme(a.view()),
                    ODest::Dl(n) => DestAddress::DistributionList(n),
                })
                .collect(),
            unsuccess: self
                .unsuccess
                .iter()
                .map(|u| UnsuccessSme {
                    address: u.addr.view(),
                    error_status_code: CommandStatus(u.status),
                })
                .collect(),
        }
    }

    fn pdu<'a>(&'a self, v: &'a Views<'a>) -> Pdu<'a> {
        use CommandId as C;
        let id = self.id();
        let tlvs = if self.wire_tlvs {
            Tlvs::parse(&v.wire, false).expect("well-formed TLV octets")
        } else {
            Tlvs::from_slice(&v.tlvs)
        };
        let s = |i: usize| &self.strs[i][..];
        let n = &self.nums;
        let a = |i: usize| self.addrs[i].view();
        let body = if self.empty_error_body {
            Body::error_response_for(C::from_u32(id.to_u32() & !0x8000_0000))
                .expect("omittable responses answer a request")
        } else {
            match id {
                C::GenericNack => Body::GenericNack,
                C::BindReceiver | C::BindTransmitter | C::BindTransceiver => {
                    let b = Bind {
                        system_id: s(0),
                        password: s(1),
                        system_type: s(2),
                        interface_version: n[0],
                        addr_ton: Ton(n[1]),
                        addr_npi: Npi(n[2]),
                        address_range: s(3),
                    };
                    match id {
                        C::BindReceiver => Body::BindReceiver(b),
                        C::BindTransmitter => Body::BindTransmitter(b),
                        _ => Body::BindTransceiver(b),
                    }
                }
                C::BindReceiverResp | C::BindTransmitterResp | C::BindTransceiverResp => {
                    let b = BindResp {
                        system_id: s(0),
                        tlvs,
                    };
                    match id {
                        C::BindReceiverResp => Body::BindReceiverResp(b),
                        C::BindTransmitterResp => Body::BindTransmitterResp(b),
                        _ => Body::BindTransceiverResp(b),
                    }
                }
                C::Outbind => Body::Outbind(Outbind {
                    system_id: s(0),
                    password: s(1),
                }),
                C::Unbind => Body::Unbind,
                C::UnbindResp => Body::UnbindResp,
                C::EnquireLink => Body::EnquireLink,
                C::EnquireLinkResp => Body::EnquireLinkResp,
                C::SubmitSm | C::DeliverSm => {
                    let b = SubmitSm {
                        service_type: s(0),
                        source: a(0),
                        destination: a(1),
                        esm_class: EsmClass(n[0]),
                        protocol_id: n[1],
                        priority_flag: n[2],
                        schedule_delivery_time: s(1),
                        validity_period: s(2),
                        registered_delivery: RegisteredDelivery(n[3]),
                        replace_if_present_flag: n[4],
                        data_coding: DataCoding(n[5]),
                        sm_default_msg_id: n[6],
                        short_message: s(3),
                        tlvs,
                    };
                    if id == C::SubmitSm {
                        Body::SubmitSm(b)
                    } else {
                        Body::DeliverSm(b)
                    }
                }
                C::SubmitSmResp | C::DeliverSmResp | C::DataSmResp => {
                    let b = MessageIdResp {
                        message_id: s(0),
                        tlvs,
                    };
                    match id {
                        C::SubmitSmResp => Body::SubmitSmResp(b),
                        C::DeliverSmResp => Body::DeliverSmResp(b),
                        _ => Body::DataSmResp(b),
                    }
                }
                C::DataSm => Body::DataSm(DataSm {
                    service_type: s(0),
                    source: a(0),
                    destination: a(1),
                    esm_class: EsmClass(n[0]),
                    registered_delivery: RegisteredDelivery(n[1]),
                    data_coding: DataCoding(n[2]),
                    tlvs,
                }),
                C::SubmitMulti => Body::SubmitMulti(SubmitMulti {
                    service_type: s(0),
                    source: a(0),
                    dest_addresses: List::from_slice(&v.dests),
                    esm_class: EsmClass(n[0]),
                    protocol_id: n[1],
                    priority_flag: n[2],
                    schedule_delivery_time: s(1),
                    validity_period: s(2),
                    registered_delivery: RegisteredDelivery(n[3]),
                    replace_if_present_flag: n[4],
                    data_coding: DataCoding(n[5]),
                    sm_default_msg_id: n[6],
                    short_message: s(3),
                    tlvs,
                }),
                C::SubmitMultiResp => Body::SubmitMultiResp(SubmitMultiResp {
                    message_id: s(0),
                    unsuccess_smes: List::from_slice(&v.unsuccess),
                    tlvs,
                }),
                C::QuerySm => Body::QuerySm(QuerySm {
                    message_id: s(0),
                    source: a(0),
                }),
                C::QuerySmResp => Body::QuerySmResp(QuerySmResp {
                    message_id: s(0),
                    final_date: s(1),
                    message_state: n[0],
                    error_code: n[1],
                }),
                C::CancelSm => Body::CancelSm(CancelSm {
                    service_type: s(0),
                    message_id: s(1),
                    source: a(0),
                    destination: a(1),
                }),
                C::CancelSmResp => Body::CancelSmResp,
                C::ReplaceSm => Body::ReplaceSm(ReplaceSm {
                    message_id: s(0),
                    source: a(0),
                    schedule_delivery_time: s(1),
                    validity_period: s(2),
                    registered_delivery: RegisteredDelivery(n[0]),
                    sm_default_msg_id: n[1],
                    short_message: s(3),
                }),
                C::ReplaceSmResp => Body::ReplaceSmResp,
                C::AlertNotification => Body::AlertNotification(AlertNotification {
                    source: a(0),
                    esme: a(1),
                    tlvs,
                }),
                C::BroadcastSm => Body::BroadcastSm(BroadcastSm {
                    service_type: s(0),
                    source: a(0),
                    message_id: s(1),
                    priority_flag: n[0],
                    schedule_delivery_time: s(2),
                    validity_period: s(3),
                    replace_if_present_flag: n[1],
                    data_coding: DataCoding(n[2]),
                    sm_default_msg_id: n[3],
                    tlvs,
                }),
                C::BroadcastSmResp => Body::BroadcastSmResp(MessageIdResp {
                    message_id: s(0),
                    tlvs,
                }),
                C::QueryBroadcastSm => Body::QueryBroadcastSm(QueryBroadcastSm {
                    message_id: s(0),
                    source: a(0),
                    tlvs,
                }),
                C::QueryBroadcastSmResp => Body::QueryBroadcastSmResp(QueryBroadcastSmResp {
                    message_id: s(0),
                    tlvs,
                }),
                C::CancelBroadcastSm => Body::CancelBroadcastSm(CancelBroadcastSm {
                    service_type: s(0),
                    message_id: s(1),
                    source: a(0),
                    tlvs,
                }),
                C::CancelBroadcastSmResp => Body::CancelBroadcastSmResp,
                other => unreachable!("{other:?}"),
            }
        };
        Pdu::with_status(self.seq, CommandStatus(self.status), body)
    }
}

// ---------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The whole round trip for one PDU. Panics (with context) on any violation.
fn check_round_trip(o: &OPdu) {
    let views = o.views();
    let pdu = o.pdu(&views);
    assert_eq!(pdu.command_id(), o.id());

    // Measure, validate, encode: all agree.
    let len = pdu.encoded_len();
    assert_eq!(pdu.validate(), Ok(len), "{pdu:?}");
    let mut buf = vec![0u8; len];
    assert_eq!(pdu.encode(&mut buf), Ok(len), "{pdu:?}");

    // The header is what the PDU says.
    assert_eq!(&buf[0..4], &(len as u32).to_be_bytes());
    assert_eq!(&buf[4..8], &o.id().to_u32().to_be_bytes());
    assert_eq!(&buf[8..12], &o.status.to_be_bytes());
    assert_eq!(&buf[12..16], &o.seq.to_be_bytes());
    if o.empty_error_body {
        assert_eq!(len, HEADER_LEN, "an all-empty error response has no body");
    }

    // A larger buffer gets the same octets; a smaller one is refused.
    let mut big = vec![0xAAu8; len + 7];
    assert_eq!(pdu.encode(&mut big), Ok(len));
    assert_eq!(big[..len], buf[..]);
    assert_eq!(
        pdu.encode(&mut big[..len - 1]),
        Err(smpp_core::EncodeError::BufferTooSmall { needed: len })
    );

    // encode_to appends exactly the same octets.
    let mut bm = BytesMut::from(&b"prefix"[..]);
    assert_eq!(pdu.encode_to(&mut bm), Ok(len));
    assert_eq!(&bm[..6], b"prefix");
    assert_eq!(hex(&bm[6..]), hex(&buf));

    // Parse back: equal, and re-encoding gives the same octets.
    let parsed = Pdu::parse(&buf).unwrap_or_else(|e| panic!("{e:?} for {pdu:?}: {}", hex(&buf)));
    assert_eq!(parsed, pdu, "{}", hex(&buf));
    assert_eq!(parsed.encoded_len(), len);
    let mut again = vec![0u8; len];
    assert_eq!(parsed.encode(&mut again), Ok(len));
    assert_eq!(hex(&again), hex(&buf));

    // Strict parsing accepts everything the encoder produces from valid values, except what
    // strict mode is for (received TLVs with a bad length, both payloads).
    let strict = Pdu::parse_with(&buf, &ParseOptions::strict());
    match o.strict_expectation() {
        Ok(()) => assert_eq!(strict, Ok(pdu), "{}", hex(&buf)),
        Err(e) => assert_eq!(strict, Err(e), "{}", hex(&buf)),
    }

    // Framing finds exactly this PDU, and asks for the last octet when it is missing.
    if len as u32 <= DEFAULT_MAX_COMMAND_LENGTH {
        assert_eq!(
            frame(&buf, DEFAULT_MAX_COMMAND_LENGTH),
            Ok(Framing::Complete(len))
        );
        let mut two = buf.clone();
        two.extend_from_slice(&buf);
        assert_eq!(
            frame(&two, DEFAULT_MAX_COMMAND_LENGTH),
            Ok(Framing::Complete(len))
        );
        if len > HEADER_LEN {
            assert_eq!(
                frame(&buf[..len - 1], DEFAULT_MAX_COMMAND_LENGTH),
                Ok(Framing::Partial { needed: 1 })
            );
        }
    }
}

fn check_frame(o: &OPdu) {
    let views = o.views();
    let pdu = o.pdu(&views);
    let f = Frame::encode(&pdu).unwrap_or_else(|e| panic!("{e:?} for {pdu:?}"));
    assert_eq!(f.as_bytes().len(), pdu.encoded_len());
    assert_eq!(f.command_id(), o.id());
    assert_eq!(f.command_status(), CommandStatus(o.status));
    assert_eq!(f.sequence_number(), o.seq);
    assert_eq!(f.pdu().unwrap(), pdu);
    // A frame rebuilt from its octets is the same frame.
    let again = Frame::new(f.clone().into_bytes()).unwrap();
    assert_eq!(again, f);
    assert_eq!(again.pdu().unwrap(), pdu);
}

#[test]
fn prop_round_trip_any_pdu() {
    fn prop(o: OPdu) -> TestResult {
        check_round_trip(&o);
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(OPdu) -> TestResult);
}

#[test]
fn prop_frame_encode_then_pdu() {
    fn prop(o: OPdu) -> TestResult {
        check_frame(&o);
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(OPdu) -> TestResult);
}

/// Every one of the 33 bodies (27 of SMPP 3.4, 6 of SMPP 5.0), many times each, with every interesting case counted so the
/// generator is known to reach it.
#[test]
fn round_trip_every_body_variant() {
    let mut g = Gen::new(100);
    let mut ids = BTreeSet::new();
    let (mut omitted, mut wire, mut bad_len, mut both, mut big_lists) = (0, 0, 0, 0, 0);
    for kind in 0..KINDS.len() {
        for _ in 0..300 {
            let o = OPdu::arbitrary_kind(&mut g, kind);
            check_round_trip(&o);
            check_frame(&o);
            ids.insert(o.id());
            omitted += usize::from(o.empty_error_body);
            wire += usize::from(o.wire_tlvs);
            match o.strict_expectation() {
                Err(DecodeError::TlvLength { .. }) => bad_len += 1,
                Err(DecodeError::BothPayloads) => both += 1,
                _ => {}
            }
            big_lists += usize::from(o.dests.len() == 254 || o.unsuccess.len() == 254);
        }
    }
    let all: BTreeSet<_> = CommandId::ALL
        .iter()
        .chain(CommandId::SMPP_5_0)
        .copied()
        .collect();
    assert_eq!(ids, all, "every SMPP 3.4 and 5.0 command is generated");
    assert!(omitted > 50 && wire > 50 && bad_len > 10 && both > 10 && big_lists > 0);
}

/// The bodies left out on the wire for an error status.
#[test]
fn error_responses_with_empty_body_round_trip() {
    for id in CommandId::ALL.iter().chain(CommandId::SMPP_5_0) {
        let Some(body) = Body::error_response_for(*id) else {
            continue;
        };
        for status in [CommandStatus::ESME_RTHROTTLED, CommandStatus(0x0400)] {
            let pdu = Pdu::with_status(9, status, body);
            let mut buf = [0u8; 64];
            let n = pdu.encode(&mut buf).unwrap();
            let expect_len = match body.command_id() {
                // deliver_sm_resp always carries its (NULL) message_id; the omittable
                // responses and the body-less ones are the header alone.
                CommandId::DeliverSmResp => HEADER_LEN + 1,
                _ => HEADER_LEN,
            };
            assert_eq!(n, expect_len, "{body:?}");
            assert_eq!(Pdu::parse(&buf[..n]), Ok(pdu));
            assert_eq!(Pdu::parse_with(&buf[..n], &ParseOptions::strict()), Ok(pdu));
        }
        // With ESME_ROK the (empty) body is sent, except where a successful response needs
        // TLVs (SMPP 5.0's query_broadcast_sm_resp): that one is refused.
        let ok = Pdu::new(9, body);
        if body.command_id() == CommandId::QueryBroadcastSmResp {
            assert_eq!(
                ok.validate(),
                Err(smpp_core::EncodeError::MissingTlv {
                    tag: TlvTag::MESSAGE_STATE
                })
            );
            continue;
        }
        let n = ok.encoded_len();
        let expect = match body.command_id() {
            CommandId::QuerySmResp => HEADER_LEN + 4,
            CommandId::SubmitMultiResp => HEADER_LEN + 2,
            id if omittable(id) || id == CommandId::DeliverSmResp => HEADER_LEN + 1,
            _ => HEADER_LEN,
        };
        assert_eq!(n, expect, "{body:?}");
        let mut buf = vec![0u8; n];
        ok.encode(&mut buf).unwrap();
        assert_eq!(Pdu::parse_with(&buf, &ParseOptions::strict()), Ok(ok));
    }
}

/// Typed accessors read back what the builder wrote, in both representations.
#[test]
fn tlv_accessors_after_round_trip() {
    let list = [
        Tlv::u16(TlvTag::USER_MESSAGE_REFERENCE, 0xBEEF),
        Tlv::u16(TlvTag::SOURCE_PORT, 0x1F90),
        Tlv::u16(TlvTag::SAR_MSG_REF_NUM, 7),
        Tlv::u8(TlvTag::SAR_TOTAL_SEGMENTS, 3),
        Tlv::u8(TlvTag::SAR_SEGMENT_SEQNUM, 2),
        Tlv::cstr(TlvTag::RECEIPTED_MESSAGE_ID, b"abc123"),
        Tlv::u8(TlvTag::MESSAGE_STATE, 2),
        Tlv::octets(TlvTag::NETWORK_ERROR_CODE, &[3, 0x01, 0x02]),
        Tlv::u32(TlvTag::QOS_TIME_TO_LIVE, 0xDEAD_BEEF),
        Tlv::octets(TlvTag::ALERT_ON_MESSAGE_DELIVERY, &[]),
        Tlv::octets(TlvTag(0x1401), b"vendor"),
    ];
    let pdu = Pdu::new(
        1,
        Body::DeliverSm(SubmitSm {
            tlvs: Tlvs::from_slice(&list),
            ..Default::default()
        }),
    );
    let mut buf = [0u8; 256];
    let n = pdu.encode(&mut buf).unwrap();
    let parsed = Pdu::parse_with(&buf[..n], &ParseOptions::strict()).unwrap();
    let Body::DeliverSm(d) = parsed.body else {
        panic!()
    };
    let Body::DeliverSm(orig) = pdu.body else {
        panic!()
    };
    for t in [d.tlvs, orig.tlvs] {
        assert_eq!(t.len(), list.len());
        assert_eq!(t.user_message_reference(), Some(0xBEEF));
        assert_eq!(t.source_port(), Some(0x1F90));
        let sar = t.sar().unwrap();
        assert_eq!(
            (sar.msg_ref_num, sar.total_segments, sar.segment_seqnum),
            (7, 3, 2)
        );
        assert_eq!(t.receipted_message_id(), Some(&b"abc123"[..]));
        assert_eq!(t.message_state(), Some(2));
        assert_eq!(t.qos_time_to_live(), Some(0xDEAD_BEEF));
        assert!(t.alert_on_message_delivery());
        assert_eq!(
            t.get(TlvTag(0x1401)).unwrap(),
            Tlv::octets(TlvTag(0x1401), b"vendor").value
        );
        assert!(!t.contains(TlvTag::MESSAGE_PAYLOAD));
    }
    let nec = d.tlvs.network_error_code().unwrap();
    assert_eq!((nec.network_type, nec.error_code), (3, 0x0102));
    assert_eq!(
        d.tlvs.wire_bytes().map(<[u8]>::len),
        Some(n - HEADER_LEN - 17)
    );
}
