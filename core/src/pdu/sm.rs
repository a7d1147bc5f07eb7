//! Message bodies: `submit_sm` / `deliver_sm`, `data_sm`, and the message-id responses.

use super::{Address, Ctx, DataCoding, EsmClass, Npi, RegisteredDelivery, Tlvs, Ton};
use crate::wire::reader::Reader;
use crate::wire::writer::{cstr, short_message, time, Sink};
use crate::wire::{DecodeError, EncodeError, Field};

/// The body of `submit_sm` (SMPP 3.4 4.4.1) and of `deliver_sm` (4.6.1), which share one
/// layout. In `deliver_sm`, `schedule_delivery_time` and `validity_period` are empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SubmitSm<'a> {
    /// `service_type` (at most 5 octets), usually empty.
    pub service_type: &'a [u8],
    /// `source_addr_ton`, `source_addr_npi`, `source_addr` (at most 20 octets).
    pub source: Address<'a>,
    /// `dest_addr_ton`, `dest_addr_npi`, `destination_addr` (at most 20 octets).
    pub destination: Address<'a>,
    /// `esm_class`.
    pub esm_class: EsmClass,
    /// `protocol_id`.
    pub protocol_id: u8,
    /// `priority_flag` (0..=3).
    pub priority_flag: u8,
    /// `schedule_delivery_time`: empty or 16 characters.
    pub schedule_delivery_time: &'a [u8],
    /// `validity_period`: empty or 16 characters.
    pub validity_period: &'a [u8],
    /// `registered_delivery`.
    pub registered_delivery: RegisteredDelivery,
    /// `replace_if_present_flag`.
    pub replace_if_present_flag: u8,
    /// `data_coding`.
    pub data_coding: DataCoding,
    /// `sm_default_msg_id`.
    pub sm_default_msg_id: u8,
    /// `short_message` (at most 254 octets; `sm_length` is its length on the wire).
    pub short_message: &'a [u8],
    /// Optional parameters.
    pub tlvs: Tlvs<'a>,
}

/// `deliver_sm` has the same layout as `submit_sm`.
pub type DeliverSm<'a> = SubmitSm<'a>;

impl<'a> SubmitSm<'a> {
    /// The message octets: `short_message`, or the `message_payload` TLV when
    /// `short_message` is empty.
    pub fn payload(&self) -> &'a [u8] {
        if self.short_message.is_empty() {
            self.tlvs.message_payload().unwrap_or(&[])
        } else {
            self.short_message
        }
    }

    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Self, DecodeError> {
        let service_type = r.cstr(Field::ServiceType, 6)?;
        let source = Address {
            ton: Ton(r.u8(Field::SourceAddrTon)?),
            npi: Npi(r.u8(Field::SourceAddrNpi)?),
            addr: r.cstr(Field::SourceAddr, 21)?,
        };
        let destination = Address {
            ton: Ton(r.u8(Field::DestAddrTon)?),
            npi: Npi(r.u8(Field::DestAddrNpi)?),
            addr: r.cstr(Field::DestinationAddr, 21)?,
        };
        let tail = Tail::decode(r, ctx)?;
        Ok(SubmitSm {
            service_type,
            source,
            destination,
            esm_class: tail.esm_class,
            protocol_id: tail.protocol_id,
            priority_flag: tail.priority_flag,
            schedule_delivery_time: tail.schedule_delivery_time,
            validity_period: tail.validity_period,
            registered_delivery: tail.registered_delivery,
            replace_if_present_flag: tail.replace_if_present_flag,
            data_coding: tail.data_coding,
            sm_default_msg_id: tail.sm_default_msg_id,
            short_message: tail.short_message,
            tlvs: tail.tlvs,
        })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        cstr(s, Field::ServiceType, self.service_type, 6)?;
        s.put_u8(self.source.ton.0);
        s.put_u8(self.source.npi.0);
        cstr(s, Field::SourceAddr, self.source.addr, 21)?;
        s.put_u8(self.destination.ton.0);
        s.put_u8(self.destination.npi.0);
        cstr(s, Field::DestinationAddr, self.destination.addr, 21)?;
        Tail {
            esm_class: self.esm_class,
            protocol_id: self.protocol_id,
            priority_flag: self.priority_flag,
            schedule_delivery_time: self.schedule_delivery_time,
            validity_period: self.validity_period,
            registered_delivery: self.registered_delivery,
            replace_if_present_flag: self.replace_if_present_flag,
            data_coding: self.data_coding,
            sm_default_msg_id: self.sm_default_msg_id,
            short_message: self.short_message,
            tlvs: self.tlvs,
        }
        .write(s)
    }
}

/// The fields `submit_sm`, `deliver_sm` and `submit_multi` share after their addresses,
/// from `esm_class` to the optional parameters.
pub(crate) struct Tail<'a> {
    pub(crate) esm_class: EsmClass,
    pub(crate) protocol_id: u8,
    pub(crate) priority_flag: u8,
    pub(crate) schedule_delivery_time: &'a [u8],
    pub(crate) validity_period: &'a [u8],
    pub(crate) registered_delivery: RegisteredDelivery,
    pub(crate) replace_if_present_flag: u8,
    pub(crate) data_coding: DataCoding,
    pub(crate) sm_default_msg_id: u8,
    pub(crate) short_message: &'a [u8],
    pub(crate) tlvs: Tlvs<'a>,
}

impl<'a> Tail<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Self, DecodeError> {
        let esm_class = EsmClass(r.u8(Field::EsmClass)?);
        let protocol_id = r.u8(Field::ProtocolId)?;
        let priority_flag = r.u8(Field::PriorityFlag)?;
        let schedule_delivery_time = r.time(Field::ScheduleDeliveryTime)?;
        let validity_period = r.time(Field::ValidityPeriod)?;
        let registered_delivery = RegisteredDelivery(r.u8(Field::RegisteredDelivery)?);
        let replace_if_present_flag = r.u8(Field::ReplaceIfPresentFlag)?;
        let data_coding = DataCoding(r.u8(Field::DataCoding)?);
        let sm_default_msg_id = r.u8(Field::SmDefaultMsgId)?;
        let short_message = read_short_message(r)?;
        let tlvs = Tlvs::parse(r.rest(), ctx.opts.strict_tlv_lengths)?;
        ctx.check_payloads(short_message, &tlvs)?;
        Ok(Tail {
            esm_class,
            protocol_id,
            priority_flag,
            schedule_delivery_time,
            validity_period,
            registered_delivery,
            replace_if_present_flag,
            data_coding,
            sm_default_msg_id,
            short_message,
            tlvs,
        })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        s.put_u8(self.esm_class.0);
        s.put_u8(self.protocol_id);
        s.put_u8(self.priority_flag);
        time(s, Field::ScheduleDeliveryTime, self.schedule_delivery_time)?;
        time(s, Field::ValidityPeriod, self.validity_period)?;
        s.put_u8(self.registered_delivery.0);
        s.put_u8(self.replace_if_present_flag);
        s.put_u8(self.data_coding.0);
        s.put_u8(self.sm_default_msg_id);
        short_message(s, self.short_message)?;
        self.tlvs.write(s)
    }
}

/// `sm_length` then `short_message`; 255 is not a valid length.
pub(crate) fn read_short_message<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], DecodeError> {
    let sm_length = r.u8(Field::SmLength)?;
    if sm_length == 255 {
        return Err(DecodeError::InvalidValue {
            field: Field::SmLength,
        });
    }
    r.octets(Field::ShortMessage, sm_length as usize)
}

/// The body of `submit_sm_resp`, `deliver_sm_resp` and `data_sm_resp`: a `message_id` and,
/// for `data_sm_resp` (and leniently the others), optional parameters.
///
/// When `command_status` is an error and every field is empty, the body is omitted on the
/// wire, as SMPP 3.4 specifies for `submit_sm_resp` (except `deliver_sm_resp`, whose NULL
/// `message_id` is always sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct MessageIdResp<'a> {
    /// `message_id` assigned by the SMSC (at most 64 octets); empty in `deliver_sm_resp`.
    pub message_id: &'a [u8],
    /// Optional parameters (`data_sm_resp`: `delivery_failure_reason`, `network_error_code`,
    /// `additional_status_info_text`, `dpf_result`).
    pub tlvs: Tlvs<'a>,
}

impl<'a> MessageIdResp<'a> {
    /// A response carrying `message_id`.
    pub fn new(message_id: &'a [u8]) -> MessageIdResp<'a> {
        MessageIdResp {
            message_id,
            tlvs: Tlvs::EMPTY,
        }
    }

    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Self, DecodeError> {
        if r.is_empty() && ctx.empty_body_ok() {
            return Ok(MessageIdResp::default());
        }
        let message_id = r.cstr_at_end(Field::MessageId, 65, ctx.opts.allow_missing_final_nul)?;
        let tlvs = Tlvs::parse(r.rest(), ctx.opts.strict_tlv_lengths)?;
        Ok(MessageIdResp { message_id, tlvs })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        cstr(s, Field::MessageId, self.message_id, 65)?;
        self.tlvs.write(s)
    }
}

/// The body of `data_sm` (SMPP 3.4 4.7.1). The message travels in `message_payload`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct DataSm<'a> {
    /// `service_type` (at most 5 octets).
    pub service_type: &'a [u8],
    /// `source_addr_ton`, `source_addr_npi`, `source_addr` (at most 64 octets).
    pub source: Address<'a>,
    /// `dest_addr_ton`, `dest_addr_npi`, `destination_addr` (at most 64 octets).
    pub destination: Address<'a>,
    /// `esm_class`.
    pub esm_class: EsmClass,
    /// `registered_delivery`.
    pub registered_delivery: RegisteredDelivery,
    /// `data_coding`.
    pub data_coding: DataCoding,
    /// Optional parameters (`message_payload`, ...).
    pub tlvs: Tlvs<'a>,
}

impl<'a> DataSm<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Self, DecodeError> {
        Ok(DataSm {
            service_type: r.cstr(Field::ServiceType, 6)?,
            source: Address {
                ton: Ton(r.u8(Field::SourceAddrTon)?),
                npi: Npi(r.u8(Field::SourceAddrNpi)?),
                addr: r.cstr(Field::SourceAddr, 65)?,
            },
            destination: Address {
                ton: Ton(r.u8(Field::DestAddrTon)?),
                npi: Npi(r.u8(Field::DestAddrNpi)?),
                addr: r.cstr(Field::DestinationAddr, 65)?,
            },
            esm_class: EsmClass(r.u8(Field::EsmClass)?),
            registered_delivery: RegisteredDelivery(r.u8(Field::RegisteredDelivery)?),
            data_coding: DataCoding(r.u8(Field::DataCoding)?),
            tlvs: Tlvs::parse(r.rest(), ctx.opts.strict_tlv_lengths)?,
        })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        cstr(s, Field::ServiceType, self.service_type, 6)?;
        s.put_u8(self.source.ton.0);
        s.put_u8(self.source.npi.0);
        cstr(s, Field::SourceAddr, self.source.addr, 65)?;
        s.put_u8(self.destination.ton.0);
        s.put_u8(self.destination.npi.0);
        cstr(s, Field::DestinationAddr, self.destination.addr, 65)?;
        s.put_u8(self.esm_class.0);
        s.put_u8(self.registered_delivery.0);
        s.put_u8(self.data_coding.0);
        self.tlvs.write(s)
    }
}
