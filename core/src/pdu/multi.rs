//! `submit_multi` and `submit_multi_resp` (SMPP 3.4 4.5).

use super::list::{List, ListItem};
use super::sm::Tail;
use super::{
    Address, CommandStatus, Ctx, DataCoding, EsmClass, Npi, RegisteredDelivery, Tlvs, Ton,
};
use crate::wire::reader::Reader;
use crate::wire::writer::{cstr, Sink};
use crate::wire::{DecodeError, EncodeError, Field};

/// One destination of `submit_multi`: an SME address (`dest_flag` 1) or a distribution list
/// name (`dest_flag` 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DestAddress<'a> {
    /// An SME address (`destination_addr` at most 20 octets).
    Sme(Address<'a>),
    /// A distribution list name (`dl_name`, at most 20 octets).
    DistributionList(&'a [u8]),
}

#[allow(private_interfaces, private_bounds)]
impl<'a> ListItem<'a> for DestAddress<'a> {
    const COUNT_FIELD: Field = Field::NumberOfDests;
    const MAX: usize = 254;

    fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        match r.u8(Field::DestFlag)? {
            1 => Ok(DestAddress::Sme(Address {
                ton: Ton(r.u8(Field::DestAddrTon)?),
                npi: Npi(r.u8(Field::DestAddrNpi)?),
                addr: r.cstr(Field::DestinationAddr, 21)?,
            })),
            2 => Ok(DestAddress::DistributionList(r.cstr(Field::DlName, 21)?)),
            _ => Err(DecodeError::InvalidValue {
                field: Field::DestFlag,
            }),
        }
    }

    fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        match self {
            DestAddress::Sme(a) => {
                s.put_u8(1);
                s.put_u8(a.ton.0);
                s.put_u8(a.npi.0);
                cstr(s, Field::DestinationAddr, a.addr, 21)
            }
            DestAddress::DistributionList(name) => {
                s.put_u8(2);
                cstr(s, Field::DlName, name, 21)
            }
        }
    }
}

/// One entry of `unsuccess_sme` in `submit_multi_resp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct UnsuccessSme<'a> {
    /// The destination that failed (`destination_addr` at most 20 octets).
    pub address: Address<'a>,
    /// `error_status_code`: why it failed.
    pub error_status_code: CommandStatus,
}

#[allow(private_interfaces, private_bounds)]
impl<'a> ListItem<'a> for UnsuccessSme<'a> {
    const COUNT_FIELD: Field = Field::NoUnsuccess;
    const MAX: usize = 254;

    fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(UnsuccessSme {
            address: Address {
                ton: Ton(r.u8(Field::DestAddrTon)?),
                npi: Npi(r.u8(Field::DestAddrNpi)?),
                addr: r.cstr(Field::DestinationAddr, 21)?,
            },
            error_status_code: CommandStatus(r.u32(Field::ErrorStatusCode)?),
        })
    }

    fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        s.put_u8(self.address.ton.0);
        s.put_u8(self.address.npi.0);
        cstr(s, Field::DestinationAddr, self.address.addr, 21)?;
        s.put_u32(self.error_status_code.0);
        Ok(())
    }
}

/// The body of `submit_multi` (SMPP 3.4 4.5.1): one message to up to 254 destinations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SubmitMulti<'a> {
    /// `service_type` (at most 5 octets).
    pub service_type: &'a [u8],
    /// `source_addr_ton`, `source_addr_npi`, `source_addr` (at most 20 octets).
    pub source: Address<'a>,
    /// `number_of_dests` and the `dest_address` entries.
    pub dest_addresses: List<'a, DestAddress<'a>>,
    /// `esm_class`.
    pub esm_class: EsmClass,
    /// `protocol_id`.
    pub protocol_id: u8,
    /// `priority_flag`.
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
    /// `short_message` (at most 254 octets).
    pub short_message: &'a [u8],
    /// Optional parameters.
    pub tlvs: Tlvs<'a>,
}

impl<'a> SubmitMulti<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Self, DecodeError> {
        let service_type = r.cstr(Field::ServiceType, 6)?;
        let source = Address {
            ton: Ton(r.u8(Field::SourceAddrTon)?),
            npi: Npi(r.u8(Field::SourceAddrNpi)?),
            addr: r.cstr(Field::SourceAddr, 21)?,
        };
        let dest_addresses = List::decode(r)?;
        let tail = Tail::decode(r, ctx)?;
        Ok(SubmitMulti {
            service_type,
            source,
            dest_addresses,
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
        self.dest_addresses.write(s)?;
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

/// The body of `submit_multi_resp` (SMPP 3.4 4.5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SubmitMultiResp<'a> {
    /// `message_id` (at most 64 octets).
    pub message_id: &'a [u8],
    /// `no_unsuccess` and the `unsuccess_sme` entries.
    pub unsuccess_smes: List<'a, UnsuccessSme<'a>>,
    /// Optional parameters (accepted leniently; SMPP 3.4 defines none here).
    pub tlvs: Tlvs<'a>,
}

impl<'a> SubmitMultiResp<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Self, DecodeError> {
        if r.is_empty() && ctx.empty_body_ok() {
            return Ok(SubmitMultiResp::default());
        }
        let message_id = r.cstr(Field::MessageId, 65)?;
        let unsuccess_smes = List::decode(r)?;
        let tlvs = Tlvs::parse(r.rest(), ctx.opts.strict_tlv_lengths)?;
        Ok(SubmitMultiResp {
            message_id,
            unsuccess_smes,
            tlvs,
        })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        cstr(s, Field::MessageId, self.message_id, 65)?;
        self.unsuccess_smes.write(s)?;
        self.tlvs.write(s)
    }
}
