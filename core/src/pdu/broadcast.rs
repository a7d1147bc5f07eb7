//! SMPP 5.0 broadcast bodies (sections 4.4 and 4.6): `broadcast_sm`, `query_broadcast_sm`
//! and its response, `cancel_broadcast_sm`. (`broadcast_sm_resp` is a
//! [`MessageIdResp`](super::MessageIdResp), `cancel_broadcast_sm_resp` has no body.)
//!
//! The broadcast content and the broadcast parameters travel in TLVs; the TLVs a command
//! requires are checked on receipt ([`DecodeError::MissingTlv`]) and before sending
//! ([`EncodeError::MissingTlv`]).

use super::{Address, Ctx, DataCoding, Npi, Tlvs, Ton};
use crate::wire::reader::Reader;
use crate::wire::writer::{cstr, time, Sink};
use crate::wire::{CommandId, DecodeError, EncodeError, Field, TlvTag};

/// The TLVs `broadcast_sm` must carry (SMPP 5.0 section 4.4.1).
pub const BROADCAST_SM_MANDATORY: [TlvTag; 4] = [
    TlvTag::BROADCAST_AREA_IDENTIFIER,
    TlvTag::BROADCAST_CONTENT_TYPE,
    TlvTag::BROADCAST_REP_NUM,
    TlvTag::BROADCAST_FREQUENCY_INTERVAL,
];

/// The TLVs a successful `query_broadcast_sm_resp` must carry (SMPP 5.0 section 4.6.1).
pub const QUERY_BROADCAST_SM_RESP_MANDATORY: [TlvTag; 3] = [
    TlvTag::MESSAGE_STATE,
    TlvTag::BROADCAST_AREA_IDENTIFIER,
    TlvTag::BROADCAST_AREA_SUCCESS,
];

fn missing(tlvs: &Tlvs<'_>, required: &[TlvTag]) -> Option<TlvTag> {
    required.iter().copied().find(|t| !tlvs.contains(*t))
}

fn check_decoded(id: CommandId, tlvs: &Tlvs<'_>, required: &[TlvTag]) -> Result<(), DecodeError> {
    match missing(tlvs, required) {
        Some(tag) => Err(DecodeError::MissingTlv {
            command_id: id,
            tag,
        }),
        None => Ok(()),
    }
}

fn check_encoded<S: Sink>(tlvs: &Tlvs<'_>, required: &[TlvTag]) -> Result<(), EncodeError> {
    if S::VALIDATE {
        if let Some(tag) = missing(tlvs, required) {
            return Err(EncodeError::MissingTlv { tag });
        }
    }
    Ok(())
}

fn read_source<'a>(r: &mut Reader<'a>) -> Result<Address<'a>, DecodeError> {
    Ok(Address {
        ton: Ton(r.u8(Field::SourceAddrTon)?),
        npi: Npi(r.u8(Field::SourceAddrNpi)?),
        addr: r.cstr(Field::SourceAddr, 21)?,
    })
}

fn write_source<S: Sink>(s: &mut S, a: &Address<'_>) -> Result<(), EncodeError> {
    s.put_u8(a.ton.0);
    s.put_u8(a.npi.0);
    cstr(s, Field::SourceAddr, a.addr, 21)
}

/// The body of `broadcast_sm` (SMPP 5.0 section 4.4.1): a message for broadcast to the
/// areas its `broadcast_area_identifier` TLVs name.
///
/// Its TLVs must include `broadcast_area_identifier` (one or more),
/// `broadcast_content_type`, `broadcast_rep_num` and `broadcast_frequency_interval`
/// ([`BROADCAST_SM_MANDATORY`]); the content is in `message_payload` (or is the canned
/// message `sm_default_msg_id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BroadcastSm<'a> {
    /// `service_type` (at most 5 octets), usually empty.
    pub service_type: &'a [u8],
    /// `source_addr_ton`, `source_addr_npi`, `source_addr` (at most 20 octets).
    pub source: Address<'a>,
    /// `message_id` of the broadcast to replace (at most 64 octets), or empty.
    pub message_id: &'a [u8],
    /// `priority_flag` (0..=3; 1 is an immediate broadcast).
    pub priority_flag: u8,
    /// `schedule_delivery_time`: empty or 16 characters.
    pub schedule_delivery_time: &'a [u8],
    /// `validity_period`: empty or 16 characters.
    pub validity_period: &'a [u8],
    /// `replace_if_present_flag`.
    pub replace_if_present_flag: u8,
    /// `data_coding`.
    pub data_coding: DataCoding,
    /// `sm_default_msg_id`.
    pub sm_default_msg_id: u8,
    /// Optional parameters, the mandatory broadcast ones among them.
    pub tlvs: Tlvs<'a>,
}

impl<'a> BroadcastSm<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Self, DecodeError> {
        let body = BroadcastSm {
            service_type: r.cstr(Field::ServiceType, 6)?,
            source: read_source(r)?,
            message_id: r.cstr(Field::MessageId, 65)?,
            priority_flag: r.u8(Field::PriorityFlag)?,
            schedule_delivery_time: r.time(Field::ScheduleDeliveryTime)?,
            validity_period: r.time(Field::ValidityPeriod)?,
            replace_if_present_flag: r.u8(Field::ReplaceIfPresentFlag)?,
            data_coding: DataCoding(r.u8(Field::DataCoding)?),
            sm_default_msg_id: r.u8(Field::SmDefaultMsgId)?,
            tlvs: Tlvs::parse(r.rest(), ctx.opts.strict_tlv_lengths)?,
        };
        check_decoded(CommandId::BroadcastSm, &body.tlvs, &BROADCAST_SM_MANDATORY)?;
        Ok(body)
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        check_encoded::<S>(&self.tlvs, &BROADCAST_SM_MANDATORY)?;
        cstr(s, Field::ServiceType, self.service_type, 6)?;
        write_source(s, &self.source)?;
        cstr(s, Field::MessageId, self.message_id, 65)?;
        s.put_u8(self.priority_flag);
        time(s, Field::ScheduleDeliveryTime, self.schedule_delivery_time)?;
        time(s, Field::ValidityPeriod, self.validity_period)?;
        s.put_u8(self.replace_if_present_flag);
        s.put_u8(self.data_coding.0);
        s.put_u8(self.sm_default_msg_id);
        self.tlvs.write(s)
    }
}

/// The body of `query_broadcast_sm` (SMPP 5.0 section 4.6.1): the state of a broadcast.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct QueryBroadcastSm<'a> {
    /// `message_id` of the broadcast (at most 64 octets).
    pub message_id: &'a [u8],
    /// Source address of the broadcast (`source_addr` at most 20 octets).
    pub source: Address<'a>,
    /// Optional parameters (`user_message_reference`).
    pub tlvs: Tlvs<'a>,
}

impl<'a> QueryBroadcastSm<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Self, DecodeError> {
        Ok(QueryBroadcastSm {
            message_id: r.cstr(Field::MessageId, 65)?,
            source: read_source(r)?,
            tlvs: Tlvs::parse(r.rest(), ctx.opts.strict_tlv_lengths)?,
        })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        cstr(s, Field::MessageId, self.message_id, 65)?;
        write_source(s, &self.source)?;
        self.tlvs.write(s)
    }
}

/// The body of `query_broadcast_sm_resp` (SMPP 5.0 section 4.6.1).
///
/// With `ESME_ROK` its TLVs must include `message_state`, `broadcast_area_identifier` and
/// `broadcast_area_success` ([`QUERY_BROADCAST_SM_RESP_MANDATORY`]). With an error status
/// they are not required, and the body is omitted on the wire when it is empty. (An
/// `ESME_ROK` response without a body is refused whatever the [`ParseOptions`]: it lacks
/// the mandatory TLVs.)
///
/// [`ParseOptions`]: super::ParseOptions
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct QueryBroadcastSmResp<'a> {
    /// `message_id` (at most 64 octets).
    pub message_id: &'a [u8],
    /// Optional parameters, the mandatory ones among them.
    pub tlvs: Tlvs<'a>,
}

impl<'a> QueryBroadcastSmResp<'a> {
    /// A response with no fields.
    pub const EMPTY: QueryBroadcastSmResp<'static> = QueryBroadcastSmResp {
        message_id: &[],
        tlvs: Tlvs::EMPTY,
    };

    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Self, DecodeError> {
        // A successful response needs its TLVs, so `allow_empty_response_body` does not
        // apply: only an error response may come without a body.
        if !ctx.status.is_ok() && r.is_empty() {
            return Ok(QueryBroadcastSmResp::EMPTY);
        }
        let message_id = r.cstr_at_end(Field::MessageId, 65, ctx.opts.allow_missing_final_nul)?;
        let tlvs = Tlvs::parse(r.rest(), ctx.opts.strict_tlv_lengths)?;
        if ctx.status.is_ok() {
            check_decoded(
                CommandId::QueryBroadcastSmResp,
                &tlvs,
                &QUERY_BROADCAST_SM_RESP_MANDATORY,
            )?;
        }
        Ok(QueryBroadcastSmResp { message_id, tlvs })
    }

    pub(crate) fn write<S: Sink>(&self, ok: bool, s: &mut S) -> Result<(), EncodeError> {
        if ok {
            check_encoded::<S>(&self.tlvs, &QUERY_BROADCAST_SM_RESP_MANDATORY)?;
        }
        cstr(s, Field::MessageId, self.message_id, 65)?;
        self.tlvs.write(s)
    }
}

/// The body of `cancel_broadcast_sm` (SMPP 5.0 section 4.6.2): cancels a broadcast by
/// `message_id`, or (with an empty `message_id`) every pending broadcast from `source`
/// matching `service_type` and the TLVs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CancelBroadcastSm<'a> {
    /// `service_type` (at most 5 octets).
    pub service_type: &'a [u8],
    /// `message_id` of the broadcast (at most 64 octets), or empty.
    pub message_id: &'a [u8],
    /// Source address of the broadcast(s) (`source_addr` at most 20 octets).
    pub source: Address<'a>,
    /// Optional parameters (`broadcast_content_type`, `user_message_reference`).
    pub tlvs: Tlvs<'a>,
}

impl<'a> CancelBroadcastSm<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Self, DecodeError> {
        Ok(CancelBroadcastSm {
            service_type: r.cstr(Field::ServiceType, 6)?,
            message_id: r.cstr(Field::MessageId, 65)?,
            source: read_source(r)?,
            tlvs: Tlvs::parse(r.rest(), ctx.opts.strict_tlv_lengths)?,
        })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        cstr(s, Field::ServiceType, self.service_type, 6)?;
        cstr(s, Field::MessageId, self.message_id, 65)?;
        write_source(s, &self.source)?;
        self.tlvs.write(s)
    }
}
