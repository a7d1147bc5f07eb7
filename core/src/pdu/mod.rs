//! PDUs: every SMPP v3.4 body and the SMPP 5.0 broadcast bodies, their fields and TLVs, and
//! their zero-copy parse and exact encode.
//!
//! This layer is built on [`wire`](crate::wire) (header, ids, statuses, field errors, the
//! checked reader and writer) and knows nothing of framing. The wire items it re-exports
//! ([`Header`], [`CommandId`], [`CommandStatus`], [`TlvTag`], [`TlvKind`], [`HEADER_LEN`],
//! [`DEFAULT_MAX_COMMAND_LENGTH`]) are compatibility paths from before the wire layer.
//!
//! Parsing borrows from the received frame: strings are `&[u8]` without their NUL, TLVs stay
//! in wire bytes. Encoding writes into a caller's `&mut [u8]` ([`Pdu::encode`], with
//! [`Pdu::encoded_len`] exact beforehand) or, with the `alloc` feature, into any
//! `bytes::BufMut` ([`Pdu::encode_to`]). Sending is strict (every length and format rule is
//! checked); receiving is forgiving where [`ParseOptions`] says so.
//!
//! ```
//! use smpp_core::pdu::{Address, Body, Pdu, SubmitSm};
//!
//! let pdu = Pdu::new(42, Body::SubmitSm(SubmitSm {
//!     source: Address::alphanumeric("Sender"),
//!     destination: Address::international("447700900123"),
//!     short_message: b"Hello world",
//!     ..Default::default()
//! }));
//! let mut buf = [0u8; 256];
//! let n = pdu.encode(&mut buf).unwrap();
//! assert_eq!(n, pdu.encoded_len());
//! let parsed = Pdu::parse(&buf[..n]).unwrap();
//! assert_eq!(parsed, pdu);
//! ```

mod bind;
mod broadcast;
mod fields;
mod list;
mod multi;
mod ops;
mod sm;
mod tlv;

pub use bind::{constant_time_eq, Bind, BindResp, Outbind};
pub use broadcast::{
    BroadcastSm, CancelBroadcastSm, QueryBroadcastSm, QueryBroadcastSmResp, BROADCAST_SM_MANDATORY,
    QUERY_BROADCAST_SM_RESP_MANDATORY,
};
pub use fields::{Address, DataCoding, EsmClass, Npi, RegisteredDelivery, Ton};
pub use list::{List, ListItem, ListIter};
pub use multi::{DestAddress, SubmitMulti, SubmitMultiResp, UnsuccessSme};
pub use ops::{AlertNotification, CancelSm, QuerySm, QuerySmResp, ReplaceSm};
pub use sm::{DataSm, DeliverSm, MessageIdResp, SubmitSm};
pub use tlv::{
    BroadcastArea, BroadcastContentType, BroadcastFrequencyInterval, MsValidity, NetworkErrorCode,
    SarInfo, Tlv, TlvIter, TlvValue, Tlvs,
};

// Compatibility paths: these wire-layer items were defined in this module before the wire
// layer existed and stay reachable here (`smpp_core::pdu::Header`, ...).
pub use crate::wire::{
    CommandId, CommandStatus, Header, TlvKind, TlvTag, DEFAULT_MAX_COMMAND_LENGTH, HEADER_LEN,
};

use crate::wire::reader::Reader;
use crate::wire::writer::{Measure, Sink, SliceSink};
use crate::wire::{check_header, DecodeError, EncodeError};
use core::fmt;

/// What the parser tolerates from real-world peers. The defaults accept the common quirks;
/// [`ParseOptions::strict`] rejects all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Largest `command_length` accepted ([`DEFAULT_MAX_COMMAND_LENGTH`] by default).
    pub max_command_length: u32,
    /// Accept a response with no body at all even when its status is `ESME_ROK` (with an
    /// error status an empty body is always accepted, as SMPP 3.4 allows).
    pub allow_empty_response_body: bool,
    /// Accept a response's `message_id` that reaches the end of the PDU without its NUL.
    pub allow_missing_final_nul: bool,
    /// Accept a message carrying both `short_message` and a `message_payload` TLV.
    pub allow_both_payloads: bool,
    /// Accept a C-octet string longer than its field's maximum (a 9-character `password`,
    /// a `system_id` or `system_type` longer than SMPP 3.4 allows, as deployed ESMEs send)
    /// when its NUL is still within the PDU. The value is kept whole; it is not encodable
    /// (encoding stays strict). A string without any NUL within the PDU is rejected anyway.
    /// [`lenient_warning`] names the field of such a PDU.
    pub allow_over_long_strings: bool,
    /// Reject a standard TLV whose length breaks its definition (by default it is kept and
    /// its typed accessor returns `None`).
    pub strict_tlv_lengths: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_command_length: DEFAULT_MAX_COMMAND_LENGTH,
            allow_empty_response_body: true,
            allow_missing_final_nul: true,
            allow_both_payloads: true,
            allow_over_long_strings: true,
            strict_tlv_lengths: false,
        }
    }
}

impl ParseOptions {
    /// Everything the specification forbids is rejected.
    pub const fn strict() -> ParseOptions {
        ParseOptions {
            max_command_length: DEFAULT_MAX_COMMAND_LENGTH,
            allow_empty_response_body: false,
            allow_missing_final_nul: false,
            allow_both_payloads: false,
            allow_over_long_strings: false,
            strict_tlv_lengths: true,
        }
    }
}

/// The lenient warning of a frame: when `frame` parses with `opts` only thanks to one of
/// their tolerances, the error a strict parse reports (with `opts`'s `max_command_length`),
/// which names the field at fault — for an over-long C-octet string
/// [`DecodeError::TooLong`] with the field and its maximum. `None` when the frame is
/// valid SMPP 3.4 (or does not parse with `opts` either, or `opts` tolerate nothing).
///
/// Only the first deviation is named (the one the strict parse stops at).
///
/// ```
/// use smpp_core::pdu::{lenient_warning, ParseOptions, Pdu};
/// use smpp_core::{DecodeError, Field};
/// // bind_transmitter with a 9-character password ("password9").
/// let mut body = b"acme\0password9\0\0\x34\0\0\0".to_vec();
/// let mut frame = ((16 + body.len()) as u32).to_be_bytes().to_vec();
/// frame.extend_from_slice(&[0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1]);
/// frame.append(&mut body);
/// assert!(Pdu::parse(&frame).is_ok());
/// let warning = lenient_warning(&frame, &ParseOptions::default()).unwrap();
/// assert_eq!(warning, DecodeError::TooLong { field: Field::Password, max: 9 });
/// assert_eq!(Pdu::parse_with(&frame, &ParseOptions::strict()), Err(warning));
/// ```
pub fn lenient_warning(frame: &[u8], opts: &ParseOptions) -> Option<DecodeError> {
    let strict = ParseOptions {
        max_command_length: opts.max_command_length,
        ..ParseOptions::strict()
    };
    if *opts == strict || Pdu::parse_with(frame, opts).is_err() {
        return None;
    }
    Pdu::parse_with(frame, &strict).err()
}

/// Per-parse context handed to body decoders.
pub(crate) struct Ctx<'o> {
    pub(crate) opts: &'o ParseOptions,
    pub(crate) status: CommandStatus,
}

impl Ctx<'_> {
    pub(crate) fn empty_body_ok(&self) -> bool {
        !self.status.is_ok() || self.opts.allow_empty_response_body
    }

    pub(crate) fn check_payloads(
        &self,
        short_message: &[u8],
        tlvs: &Tlvs<'_>,
    ) -> Result<(), DecodeError> {
        if !self.opts.allow_both_payloads
            && !short_message.is_empty()
            && tlvs.contains(TlvTag::MESSAGE_PAYLOAD)
        {
            return Err(DecodeError::BothPayloads);
        }
        Ok(())
    }
}

/// The body of a PDU, one variant per SMPP v3.4 and SMPP 5.0 command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Body<'a> {
    /// `generic_nack` (no body).
    GenericNack,
    /// `bind_receiver`.
    BindReceiver(Bind<'a>),
    /// `bind_receiver_resp`.
    BindReceiverResp(BindResp<'a>),
    /// `bind_transmitter`.
    BindTransmitter(Bind<'a>),
    /// `bind_transmitter_resp`.
    BindTransmitterResp(BindResp<'a>),
    /// `bind_transceiver`.
    BindTransceiver(Bind<'a>),
    /// `bind_transceiver_resp`.
    BindTransceiverResp(BindResp<'a>),
    /// `outbind`.
    Outbind(Outbind<'a>),
    /// `unbind` (no body).
    Unbind,
    /// `unbind_resp` (no body).
    UnbindResp,
    /// `enquire_link` (no body).
    EnquireLink,
    /// `enquire_link_resp` (no body).
    EnquireLinkResp,
    /// `submit_sm`.
    SubmitSm(SubmitSm<'a>),
    /// `submit_sm_resp`.
    SubmitSmResp(MessageIdResp<'a>),
    /// `deliver_sm`.
    DeliverSm(DeliverSm<'a>),
    /// `deliver_sm_resp`.
    DeliverSmResp(MessageIdResp<'a>),
    /// `data_sm`.
    DataSm(DataSm<'a>),
    /// `data_sm_resp`.
    DataSmResp(MessageIdResp<'a>),
    /// `submit_multi`.
    SubmitMulti(SubmitMulti<'a>),
    /// `submit_multi_resp`.
    SubmitMultiResp(SubmitMultiResp<'a>),
    /// `query_sm`.
    QuerySm(QuerySm<'a>),
    /// `query_sm_resp`.
    QuerySmResp(QuerySmResp<'a>),
    /// `cancel_sm`.
    CancelSm(CancelSm<'a>),
    /// `cancel_sm_resp` (no body).
    CancelSmResp,
    /// `replace_sm`.
    ReplaceSm(ReplaceSm<'a>),
    /// `replace_sm_resp` (no body).
    ReplaceSmResp,
    /// `alert_notification`.
    AlertNotification(AlertNotification<'a>),
    /// `broadcast_sm` (SMPP 5.0).
    BroadcastSm(BroadcastSm<'a>),
    /// `broadcast_sm_resp` (SMPP 5.0): a `message_id` and TLVs (`broadcast_error_status`,
    /// `broadcast_area_identifier` naming a failed area).
    BroadcastSmResp(MessageIdResp<'a>),
    /// `query_broadcast_sm` (SMPP 5.0).
    QueryBroadcastSm(QueryBroadcastSm<'a>),
    /// `query_broadcast_sm_resp` (SMPP 5.0).
    QueryBroadcastSmResp(QueryBroadcastSmResp<'a>),
    /// `cancel_broadcast_sm` (SMPP 5.0).
    CancelBroadcastSm(CancelBroadcastSm<'a>),
    /// `cancel_broadcast_sm_resp` (SMPP 5.0, no body).
    CancelBroadcastSmResp,
}

impl<'a> Body<'a> {
    /// The command this body belongs to.
    pub const fn command_id(&self) -> CommandId {
        match self {
            Body::GenericNack => CommandId::GenericNack,
            Body::BindReceiver(_) => CommandId::BindReceiver,
            Body::BindReceiverResp(_) => CommandId::BindReceiverResp,
            Body::BindTransmitter(_) => CommandId::BindTransmitter,
            Body::BindTransmitterResp(_) => CommandId::BindTransmitterResp,
            Body::BindTransceiver(_) => CommandId::BindTransceiver,
            Body::BindTransceiverResp(_) => CommandId::BindTransceiverResp,
            Body::Outbind(_) => CommandId::Outbind,
            Body::Unbind => CommandId::Unbind,
            Body::UnbindResp => CommandId::UnbindResp,
            Body::EnquireLink => CommandId::EnquireLink,
            Body::EnquireLinkResp => CommandId::EnquireLinkResp,
            Body::SubmitSm(_) => CommandId::SubmitSm,
            Body::SubmitSmResp(_) => CommandId::SubmitSmResp,
            Body::DeliverSm(_) => CommandId::DeliverSm,
            Body::DeliverSmResp(_) => CommandId::DeliverSmResp,
            Body::DataSm(_) => CommandId::DataSm,
            Body::DataSmResp(_) => CommandId::DataSmResp,
            Body::SubmitMulti(_) => CommandId::SubmitMulti,
            Body::SubmitMultiResp(_) => CommandId::SubmitMultiResp,
            Body::QuerySm(_) => CommandId::QuerySm,
            Body::QuerySmResp(_) => CommandId::QuerySmResp,
            Body::CancelSm(_) => CommandId::CancelSm,
            Body::CancelSmResp => CommandId::CancelSmResp,
            Body::ReplaceSm(_) => CommandId::ReplaceSm,
            Body::ReplaceSmResp => CommandId::ReplaceSmResp,
            Body::AlertNotification(_) => CommandId::AlertNotification,
            Body::BroadcastSm(_) => CommandId::BroadcastSm,
            Body::BroadcastSmResp(_) => CommandId::BroadcastSmResp,
            Body::QueryBroadcastSm(_) => CommandId::QueryBroadcastSm,
            Body::QueryBroadcastSmResp(_) => CommandId::QueryBroadcastSmResp,
            Body::CancelBroadcastSm(_) => CommandId::CancelBroadcastSm,
            Body::CancelBroadcastSmResp => CommandId::CancelBroadcastSmResp,
        }
    }

    /// The empty-bodied response that answers a request with the given id with an error
    /// status (`None` for ids that have no response). Useful to reject any request.
    pub const fn error_response_for(id: CommandId) -> Option<Body<'static>> {
        Some(match id {
            CommandId::BindReceiver => Body::BindReceiverResp(BindResp::EMPTY),
            CommandId::BindTransmitter => Body::BindTransmitterResp(BindResp::EMPTY),
            CommandId::BindTransceiver => Body::BindTransceiverResp(BindResp::EMPTY),
            CommandId::Unbind => Body::UnbindResp,
            CommandId::EnquireLink => Body::EnquireLinkResp,
            CommandId::SubmitSm => Body::SubmitSmResp(MessageIdResp::EMPTY),
            CommandId::DeliverSm => Body::DeliverSmResp(MessageIdResp::EMPTY),
            CommandId::DataSm => Body::DataSmResp(MessageIdResp::EMPTY),
            CommandId::SubmitMulti => Body::SubmitMultiResp(SubmitMultiResp::EMPTY),
            CommandId::QuerySm => Body::QuerySmResp(QuerySmResp::EMPTY),
            CommandId::CancelSm => Body::CancelSmResp,
            CommandId::ReplaceSm => Body::ReplaceSmResp,
            CommandId::BroadcastSm => Body::BroadcastSmResp(MessageIdResp::EMPTY),
            CommandId::QueryBroadcastSm => Body::QueryBroadcastSmResp(QueryBroadcastSmResp::EMPTY),
            CommandId::CancelBroadcastSm => Body::CancelBroadcastSmResp,
            _ => return None,
        })
    }

    fn decode(id: CommandId, r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Body<'a>, DecodeError> {
        let body = match id {
            CommandId::GenericNack => Body::GenericNack,
            CommandId::BindReceiver => Body::BindReceiver(Bind::decode(r)?),
            CommandId::BindReceiverResp => Body::BindReceiverResp(BindResp::decode(r, ctx)?),
            CommandId::BindTransmitter => Body::BindTransmitter(Bind::decode(r)?),
            CommandId::BindTransmitterResp => Body::BindTransmitterResp(BindResp::decode(r, ctx)?),
            CommandId::BindTransceiver => Body::BindTransceiver(Bind::decode(r)?),
            CommandId::BindTransceiverResp => Body::BindTransceiverResp(BindResp::decode(r, ctx)?),
            CommandId::Outbind => Body::Outbind(Outbind::decode(r)?),
            CommandId::Unbind => Body::Unbind,
            CommandId::UnbindResp => Body::UnbindResp,
            CommandId::EnquireLink => Body::EnquireLink,
            CommandId::EnquireLinkResp => Body::EnquireLinkResp,
            CommandId::SubmitSm => Body::SubmitSm(SubmitSm::decode(r, ctx)?),
            CommandId::SubmitSmResp => Body::SubmitSmResp(MessageIdResp::decode(r, ctx)?),
            CommandId::DeliverSm => Body::DeliverSm(SubmitSm::decode(r, ctx)?),
            CommandId::DeliverSmResp => Body::DeliverSmResp(MessageIdResp::decode(r, ctx)?),
            CommandId::DataSm => Body::DataSm(DataSm::decode(r, ctx)?),
            CommandId::DataSmResp => Body::DataSmResp(MessageIdResp::decode(r, ctx)?),
            CommandId::SubmitMulti => Body::SubmitMulti(SubmitMulti::decode(r, ctx)?),
            CommandId::SubmitMultiResp => Body::SubmitMultiResp(SubmitMultiResp::decode(r, ctx)?),
            CommandId::QuerySm => Body::QuerySm(QuerySm::decode(r)?),
            CommandId::QuerySmResp => Body::QuerySmResp(QuerySmResp::decode(r, ctx)?),
            CommandId::CancelSm => Body::CancelSm(CancelSm::decode(r)?),
            CommandId::CancelSmResp => Body::CancelSmResp,
            CommandId::ReplaceSm => Body::ReplaceSm(ReplaceSm::decode(r)?),
            CommandId::ReplaceSmResp => Body::ReplaceSmResp,
            CommandId::AlertNotification => {
                Body::AlertNotification(AlertNotification::decode(r, ctx)?)
            }
            CommandId::BroadcastSm => Body::BroadcastSm(BroadcastSm::decode(r, ctx)?),
            CommandId::BroadcastSmResp => Body::BroadcastSmResp(MessageIdResp::decode(r, ctx)?),
            CommandId::QueryBroadcastSm => {
                Body::QueryBroadcastSm(QueryBroadcastSm::decode(r, ctx)?)
            }
            CommandId::QueryBroadcastSmResp => {
                Body::QueryBroadcastSmResp(QueryBroadcastSmResp::decode(r, ctx)?)
            }
            CommandId::CancelBroadcastSm => {
                Body::CancelBroadcastSm(CancelBroadcastSm::decode(r, ctx)?)
            }
            CommandId::CancelBroadcastSmResp => Body::CancelBroadcastSmResp,
            CommandId::Unknown(v) => return Err(DecodeError::UnknownCommandId { command_id: v }),
        };
        if !r.is_empty() {
            return Err(DecodeError::TrailingBytes {
                command_id: id,
                extra: r.remaining(),
            });
        }
        Ok(body)
    }

    /// True when the body is left out on the wire: an error response whose fields are all
    /// empty (SMPP 3.4 omits the body of such responses).
    fn omitted(&self, status: CommandStatus) -> bool {
        if status.is_ok() {
            return false;
        }
        match self {
            Body::BindReceiverResp(b)
            | Body::BindTransmitterResp(b)
            | Body::BindTransceiverResp(b) => *b == BindResp::EMPTY,
            Body::SubmitSmResp(b) | Body::DataSmResp(b) | Body::BroadcastSmResp(b) => {
                *b == MessageIdResp::EMPTY
            }
            Body::QueryBroadcastSmResp(b) => *b == QueryBroadcastSmResp::EMPTY,
            Body::SubmitMultiResp(b) => *b == SubmitMultiResp::EMPTY,
            Body::QuerySmResp(b) => *b == QuerySmResp::EMPTY,
            _ => false,
        }
    }

    fn write<S: Sink>(&self, status: CommandStatus, s: &mut S) -> Result<(), EncodeError> {
        if self.omitted(status) {
            return Ok(());
        }
        match self {
            Body::GenericNack
            | Body::Unbind
            | Body::UnbindResp
            | Body::EnquireLink
            | Body::EnquireLinkResp
            | Body::CancelSmResp
            | Body::ReplaceSmResp
            | Body::CancelBroadcastSmResp => Ok(()),
            Body::BindReceiver(b) | Body::BindTransmitter(b) | Body::BindTransceiver(b) => {
                b.write(s)
            }
            Body::BindReceiverResp(b)
            | Body::BindTransmitterResp(b)
            | Body::BindTransceiverResp(b) => b.write(s),
            Body::Outbind(b) => b.write(s),
            Body::SubmitSm(b) | Body::DeliverSm(b) => b.write(s),
            Body::SubmitSmResp(b)
            | Body::DeliverSmResp(b)
            | Body::DataSmResp(b)
            | Body::BroadcastSmResp(b) => b.write(s),
            Body::DataSm(b) => b.write(s),
            Body::SubmitMulti(b) => b.write(s),
            Body::SubmitMultiResp(b) => b.write(s),
            Body::QuerySm(b) => b.write(s),
            Body::QuerySmResp(b) => b.write(s),
            Body::CancelSm(b) => b.write(s),
            Body::ReplaceSm(b) => b.write(s),
            Body::AlertNotification(b) => b.write(s),
            Body::BroadcastSm(b) => b.write(s),
            Body::QueryBroadcastSm(b) => b.write(s),
            Body::QueryBroadcastSmResp(b) => b.write(status.is_ok(), s),
            Body::CancelBroadcastSm(b) => b.write(s),
        }
    }
}

impl BindResp<'_> {
    /// A response with no fields.
    pub const EMPTY: BindResp<'static> = BindResp {
        system_id: &[],
        tlvs: Tlvs::EMPTY,
    };
}

impl MessageIdResp<'_> {
    /// A response with no fields.
    pub const EMPTY: MessageIdResp<'static> = MessageIdResp {
        message_id: &[],
        tlvs: Tlvs::EMPTY,
    };
}

impl SubmitMultiResp<'_> {
    /// A response with no fields.
    pub const EMPTY: SubmitMultiResp<'static> = SubmitMultiResp {
        message_id: &[],
        unsuccess_smes: List::EMPTY,
        tlvs: Tlvs::EMPTY,
    };
}

impl QuerySmResp<'_> {
    /// A response with no fields.
    pub const EMPTY: QuerySmResp<'static> = QuerySmResp {
        message_id: &[],
        final_date: &[],
        message_state: 0,
        error_code: 0,
    };
}

/// A whole PDU: status, sequence number and body (the `command_id` follows from the body and
/// `command_length` from the encoding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pdu<'a> {
    /// `command_status` (`ESME_ROK` in requests).
    pub command_status: CommandStatus,
    /// `sequence_number`.
    pub sequence_number: u32,
    /// The body.
    pub body: Body<'a>,
}

impl<'a> Pdu<'a> {
    /// A PDU with status `ESME_ROK`.
    pub const fn new(sequence_number: u32, body: Body<'a>) -> Pdu<'a> {
        Pdu {
            command_status: CommandStatus::ESME_ROK,
            sequence_number,
            body,
        }
    }

    /// A PDU with the given status (for responses).
    pub const fn with_status(
        sequence_number: u32,
        status: CommandStatus,
        body: Body<'a>,
    ) -> Pdu<'a> {
        Pdu {
            command_status: status,
            sequence_number,
            body,
        }
    }

    /// The command.
    pub const fn command_id(&self) -> CommandId {
        self.body.command_id()
    }

    /// Parses one whole frame (exactly `command_length` octets) with the default, lenient
    /// [`ParseOptions`].
    pub fn parse(frame: &'a [u8]) -> Result<Pdu<'a>, DecodeError> {
        Pdu::parse_with(frame, &ParseOptions::default())
    }

    /// Parses one whole frame (exactly `command_length` octets).
    pub fn parse_with(frame: &'a [u8], opts: &ParseOptions) -> Result<Pdu<'a>, DecodeError> {
        let header = check_header(frame, opts.max_command_length)?;
        if header.command_length as usize != frame.len() {
            return Err(DecodeError::CommandLengthMismatch {
                command_length: header.command_length,
                available: frame.len(),
            });
        }
        let mut r = Reader::with_over_long(
            frame.get(HEADER_LEN..).unwrap_or(&[]),
            opts.allow_over_long_strings,
        );
        let ctx = Ctx {
            opts,
            status: header.command_status,
        };
        let body = Body::decode(header.command_id, &mut r, &ctx)?;
        Ok(Pdu {
            command_status: header.command_status,
            sequence_number: header.sequence_number,
            body,
        })
    }

    /// The exact number of octets [`Pdu::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        let mut m = Measure::<false>::default();
        // A non-validating pass cannot fail.
        let _ = self.body.write(self.command_status, &mut m);
        HEADER_LEN + m.len
    }

    fn header(&self, len: usize) -> Result<Header, EncodeError> {
        Ok(Header {
            command_length: u32::try_from(len).map_err(|_| EncodeError::PduTooLarge)?,
            command_id: self.command_id(),
            command_status: self.command_status,
            sequence_number: self.sequence_number,
        })
    }

    /// Encodes into `out`, returning the number of octets written. Every field is checked
    /// against the specification first; `out` must hold [`Pdu::encoded_len`] octets.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let len = self.encoded_len();
        let header = self.header(len)?;
        let Some(dst) = out.get_mut(..len) else {
            return Err(EncodeError::BufferTooSmall { needed: len });
        };
        let mut s = SliceSink::new(dst);
        s.put(&header.to_bytes());
        self.body.write(self.command_status, &mut s)?;
        match s.finish() {
            Some(n) if n == len => Ok(n),
            _ => Err(EncodeError::BufferTooSmall { needed: len }),
        }
    }

    /// Checks every field against the specification without writing anything; returns the
    /// encoded length.
    pub fn validate(&self) -> Result<usize, EncodeError> {
        let mut m = Measure::<true>::default();
        self.body.write(self.command_status, &mut m)?;
        let len = HEADER_LEN + m.len;
        self.header(len)?;
        Ok(len)
    }

    /// Appends the encoded PDU to a `bytes::BufMut`, returning the number of octets written.
    /// Nothing is written when a field is invalid.
    #[cfg(feature = "alloc")]
    pub fn encode_to<B: bytes::BufMut>(&self, out: &mut B) -> Result<usize, EncodeError> {
        let len = self.encoded_len();
        // Typical PDUs are encoded on the stack and appended in one copy, which is much
        // faster than many small `put` calls.
        const STACK: usize = 512;
        /// The stack buffer, aligned so that zeroing it costs the same wherever the
        /// caller's frame puts it.
        #[repr(align(64))]
        struct Stack([u8; STACK]);
        if len <= STACK {
            let mut stack = Stack([0u8; STACK]);
            let buf = &mut stack.0;
            let n = self.encode(&mut buf[..len])?;
            if out.remaining_mut() < n {
                return Err(EncodeError::BufferTooSmall { needed: n });
            }
            out.put_slice(&buf[..n]);
            return Ok(n);
        }
        self.validate()?;
        if out.remaining_mut() < len {
            return Err(EncodeError::BufferTooSmall { needed: len });
        }
        let header = self.header(len)?;
        let mut s = crate::wire::writer::BufSink(out);
        s.put(&header.to_bytes());
        self.body.write(self.command_status, &mut s)?;
        Ok(len)
    }
}

/// Shows octets as text when they are printable ASCII, else as hex.
#[derive(Clone, Copy)]
pub struct DisplayBytes<'a>(pub &'a [u8]);

impl DisplayBytes<'_> {
    /// True when every octet is printable ASCII (space to `~`).
    pub fn is_printable(&self) -> bool {
        self.0.iter().all(|&b| (0x20..0x7F).contains(&b))
    }
}

impl fmt::Display for DisplayBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_printable() {
            // Printable ASCII is valid UTF-8.
            f.write_str(core::str::from_utf8(self.0).unwrap_or(""))
        } else {
            self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
        }
    }
}

impl fmt::Debug for DisplayBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_printable() {
            write!(f, "\"{self}\"")
        } else {
            write!(f, "0x{self}")
        }
    }
}
