//! Message management bodies: `query_sm`, `cancel_sm`, `replace_sm`, and
//! `alert_notification`.

use super::sm::read_short_message;
use super::{Address, Ctx, Npi, RegisteredDelivery, Tlvs, Ton};
use crate::wire::reader::Reader;
use crate::wire::writer::{cstr, short_message, time, Sink};
use crate::wire::{DecodeError, EncodeError, Field};

fn read_addr<'a>(
    r: &mut Reader<'a>,
    fields: [Field; 3],
    max: usize,
) -> Result<Address<'a>, DecodeError> {
    Ok(Address {
        ton: Ton(r.u8(fields[0])?),
        npi: Npi(r.u8(fields[1])?),
        addr: r.cstr(fields[2], max)?,
    })
}

fn write_addr<S: Sink>(
    s: &mut S,
    a: &Address<'_>,
    field: Field,
    max: usize,
) -> Result<(), EncodeError> {
    s.put_u8(a.ton.0);
    s.put_u8(a.npi.0);
    cstr(s, field, a.addr, max)
}

const SOURCE: [Field; 3] = [
    Field::SourceAddrTon,
    Field::SourceAddrNpi,
    Field::SourceAddr,
];
const DEST: [Field; 3] = [
    Field::DestAddrTon,
    Field::DestAddrNpi,
    Field::DestinationAddr,
];
const ESME: [Field; 3] = [Field::EsmeAddrTon, Field::EsmeAddrNpi, Field::EsmeAddr];

/// The body of `query_sm` (SMPP 3.4 4.8.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct QuerySm<'a> {
    /// `message_id` of the message to query (at most 64 octets).
    pub message_id: &'a [u8],
    /// The original source address (`source_addr` at most 20 octets).
    pub source: Address<'a>,
}

impl<'a> QuerySm<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(QuerySm {
            message_id: r.cstr(Field::MessageId, 65)?,
            source: read_addr(r, SOURCE, 21)?,
        })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        cstr(s, Field::MessageId, self.message_id, 65)?;
        write_addr(s, &self.source, Field::SourceAddr, 21)
    }
}

/// The body of `query_sm_resp` (SMPP 3.4 4.8.2). Omitted on the wire when the status is an
/// error and every field is empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct QuerySmResp<'a> {
    /// `message_id` (at most 64 octets).
    pub message_id: &'a [u8],
    /// `final_date`: empty or 16 characters.
    pub final_date: &'a [u8],
    /// `message_state` (see [`crate::message::MessageState`]).
    pub message_state: u8,
    /// `error_code`: network error code, network specific.
    pub error_code: u8,
}

impl<'a> QuerySmResp<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Self, DecodeError> {
        if r.is_empty() && ctx.empty_body_ok() {
            return Ok(QuerySmResp::default());
        }
        Ok(QuerySmResp {
            message_id: r.cstr(Field::MessageId, 65)?,
            final_date: r.time(Field::FinalDate)?,
            message_state: r.u8(Field::MessageState)?,
            error_code: r.u8(Field::ErrorCode)?,
        })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        cstr(s, Field::MessageId, self.message_id, 65)?;
        time(s, Field::FinalDate, self.final_date)?;
        s.put_u8(self.message_state);
        s.put_u8(self.error_code);
        Ok(())
    }
}

/// The body of `cancel_sm` (SMPP 3.4 4.9.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CancelSm<'a> {
    /// `service_type` (at most 5 octets).
    pub service_type: &'a [u8],
    /// `message_id` of the message to cancel (at most 64 octets), or empty.
    pub message_id: &'a [u8],
    /// Source address of the message(s) (`source_addr` at most 20 octets).
    pub source: Address<'a>,
    /// Destination address of the message(s) (`destination_addr` at most 20 octets).
    pub destination: Address<'a>,
}

impl<'a> CancelSm<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(CancelSm {
            service_type: r.cstr(Field::ServiceType, 6)?,
            message_id: r.cstr(Field::MessageId, 65)?,
            source: read_addr(r, SOURCE, 21)?,
            destination: read_addr(r, DEST, 21)?,
        })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        cstr(s, Field::ServiceType, self.service_type, 6)?;
        cstr(s, Field::MessageId, self.message_id, 65)?;
        write_addr(s, &self.source, Field::SourceAddr, 21)?;
        write_addr(s, &self.destination, Field::DestinationAddr, 21)
    }
}

/// The body of `replace_sm` (SMPP 3.4 4.10.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ReplaceSm<'a> {
    /// `message_id` of the message to replace (at most 64 octets).
    pub message_id: &'a [u8],
    /// Source address of the original message (`source_addr` at most 20 octets).
    pub source: Address<'a>,
    /// `schedule_delivery_time`: empty or 16 characters.
    pub schedule_delivery_time: &'a [u8],
    /// `validity_period`: empty or 16 characters.
    pub validity_period: &'a [u8],
    /// `registered_delivery`.
    pub registered_delivery: RegisteredDelivery,
    /// `sm_default_msg_id`.
    pub sm_default_msg_id: u8,
    /// `short_message` (at most 254 octets).
    pub short_message: &'a [u8],
}

impl<'a> ReplaceSm<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(ReplaceSm {
            message_id: r.cstr(Field::MessageId, 65)?,
            source: read_addr(r, SOURCE, 21)?,
            schedule_delivery_time: r.time(Field::ScheduleDeliveryTime)?,
            validity_period: r.time(Field::ValidityPeriod)?,
            registered_delivery: RegisteredDelivery(r.u8(Field::RegisteredDelivery)?),
            sm_default_msg_id: r.u8(Field::SmDefaultMsgId)?,
            short_message: read_short_message(r)?,
        })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        cstr(s, Field::MessageId, self.message_id, 65)?;
        write_addr(s, &self.source, Field::SourceAddr, 21)?;
        time(s, Field::ScheduleDeliveryTime, self.schedule_delivery_time)?;
        time(s, Field::ValidityPeriod, self.validity_period)?;
        s.put_u8(self.registered_delivery.0);
        s.put_u8(self.sm_default_msg_id);
        short_message(s, self.short_message)
    }
}

/// The body of `alert_notification` (SMPP 3.4 4.12.1): an SMSC tells an ESME that a mobile
/// has become available. It has no response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AlertNotification<'a> {
    /// The mobile that became available (`source_addr` at most 64 octets).
    pub source: Address<'a>,
    /// The ESME that asked to be alerted (`esme_addr` at most 64 octets).
    pub esme: Address<'a>,
    /// Optional parameters (`ms_availability_status`).
    pub tlvs: Tlvs<'a>,
}

impl<'a> AlertNotification<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Self, DecodeError> {
        Ok(AlertNotification {
            source: read_addr(r, SOURCE, 65)?,
            esme: read_addr(r, ESME, 65)?,
            tlvs: Tlvs::parse(r.rest(), ctx.opts.strict_tlv_lengths)?,
        })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        write_addr(s, &self.source, Field::SourceAddr, 65)?;
        write_addr(s, &self.esme, Field::EsmeAddr, 65)?;
        self.tlvs.write(s)
    }
}
