//! Typed decode and encode errors. Every error names the field at fault and maps to the
//! `command_status` a server should answer with.

use super::ids::{CommandId, CommandStatus};
use super::tlv_tag::TlvTag;
use core::fmt;

macro_rules! fields {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal => $status:ident, )*) => {
        /// A field of a PDU, named as in the SMPP 3.4 specification.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Field {
            $( $(#[$doc])* $variant, )*
        }

        impl Field {
            /// The specification's name of the field (`"source_addr"`).
            pub const fn name(self) -> &'static str {
                match self {
                    $( Field::$variant => $name, )*
                }
            }

            /// The status a server answers with when this field is invalid.
            pub const fn invalid_status(self) -> CommandStatus {
                match self {
                    $( Field::$variant => CommandStatus::$status, )*
                }
            }
        }
    };
}

fields! {
    /// The 4-octet length prefix.
    CommandLength = "command_length" => ESME_RINVCMDLEN,
    /// The command identifier.
    CommandId = "command_id" => ESME_RINVCMDID,
    /// The command status.
    CommandStatus = "command_status" => ESME_RINVCMDLEN,
    /// The sequence number.
    SequenceNumber = "sequence_number" => ESME_RINVCMDLEN,
    /// `system_id`
    SystemId = "system_id" => ESME_RINVSYSID,
    /// `password`
    Password = "password" => ESME_RINVPASWD,
    /// `system_type`
    SystemType = "system_type" => ESME_RINVSYSTYP,
    /// `interface_version`
    InterfaceVersion = "interface_version" => ESME_RBINDFAIL,
    /// `addr_ton`
    AddrTon = "addr_ton" => ESME_RBINDFAIL,
    /// `addr_npi`
    AddrNpi = "addr_npi" => ESME_RBINDFAIL,
    /// `address_range`
    AddressRange = "address_range" => ESME_RBINDFAIL,
    /// `service_type`
    ServiceType = "service_type" => ESME_RINVSERTYP,
    /// `source_addr_ton`
    SourceAddrTon = "source_addr_ton" => ESME_RINVSRCTON,
    /// `source_addr_npi`
    SourceAddrNpi = "source_addr_npi" => ESME_RINVSRCNPI,
    /// `source_addr`
    SourceAddr = "source_addr" => ESME_RINVSRCADR,
    /// `dest_addr_ton`
    DestAddrTon = "dest_addr_ton" => ESME_RINVDSTTON,
    /// `dest_addr_npi`
    DestAddrNpi = "dest_addr_npi" => ESME_RINVDSTNPI,
    /// `destination_addr`
    DestinationAddr = "destination_addr" => ESME_RINVDSTADR,
    /// `esm_class`
    EsmClass = "esm_class" => ESME_RINVESMCLASS,
    /// `protocol_id`
    ProtocolId = "protocol_id" => ESME_RSYSERR,
    /// `priority_flag`
    PriorityFlag = "priority_flag" => ESME_RINVPRTFLG,
    /// `schedule_delivery_time`
    ScheduleDeliveryTime = "schedule_delivery_time" => ESME_RINVSCHED,
    /// `validity_period`
    ValidityPeriod = "validity_period" => ESME_RINVEXPIRY,
    /// `registered_delivery`
    RegisteredDelivery = "registered_delivery" => ESME_RINVREGDLVFLG,
    /// `replace_if_present_flag`
    ReplaceIfPresentFlag = "replace_if_present_flag" => ESME_RINVREPFLAG,
    /// `data_coding`
    DataCoding = "data_coding" => ESME_RSYSERR,
    /// `sm_default_msg_id`
    SmDefaultMsgId = "sm_default_msg_id" => ESME_RINVDFTMSGID,
    /// `sm_length`
    SmLength = "sm_length" => ESME_RINVMSGLEN,
    /// `short_message`
    ShortMessage = "short_message" => ESME_RINVMSGLEN,
    /// `message_id`
    MessageId = "message_id" => ESME_RINVMSGID,
    /// `number_of_dests`
    NumberOfDests = "number_of_dests" => ESME_RINVNUMDESTS,
    /// `dest_flag`
    DestFlag = "dest_flag" => ESME_RINVDESTFLAG,
    /// `dl_name`
    DlName = "dl_name" => ESME_RINVDLNAME,
    /// `no_unsuccess`
    NoUnsuccess = "no_unsuccess" => ESME_RINVCMDLEN,
    /// `error_status_code`
    ErrorStatusCode = "error_status_code" => ESME_RINVCMDLEN,
    /// `final_date`
    FinalDate = "final_date" => ESME_RSYSERR,
    /// `message_state`
    MessageState = "message_state" => ESME_RSYSERR,
    /// `error_code`
    ErrorCode = "error_code" => ESME_RSYSERR,
    /// `esme_addr_ton`
    EsmeAddrTon = "esme_addr_ton" => ESME_RINVDSTTON,
    /// `esme_addr_npi`
    EsmeAddrNpi = "esme_addr_npi" => ESME_RINVDSTNPI,
    /// `esme_addr`
    EsmeAddr = "esme_addr" => ESME_RINVDSTADR,
    /// The optional parameter (TLV) part of the body.
    Tlvs = "tlvs" => ESME_RINVOPTPARSTREAM,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a received PDU could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// `command_length` is below the 16-octet header.
    CommandLengthTooSmall {
        /// The announced length.
        command_length: u32,
    },
    /// `command_length` is above the configured maximum PDU size.
    CommandLengthTooLarge {
        /// The announced length.
        command_length: u32,
        /// The configured maximum.
        max: u32,
    },
    /// `command_length` disagrees with the number of octets given to the parser.
    CommandLengthMismatch {
        /// The announced length.
        command_length: u32,
        /// Octets available.
        available: usize,
    },
    /// The `command_id` is neither an SMPP 3.4 nor an SMPP 5.0 command.
    UnknownCommandId {
        /// The value received.
        command_id: u32,
    },
    /// A mandatory field runs past the end of the PDU.
    Truncated {
        /// The field.
        field: Field,
    },
    /// A C-octet string has no NUL within its maximum length (the maximum counts the NUL).
    TooLong {
        /// The field.
        field: Field,
        /// The specification's maximum size including the NUL.
        max: usize,
    },
    /// A field holds a value the specification does not allow (a time string that is neither
    /// empty nor 16 characters, `sm_length` 255, an unknown `dest_flag`, ...).
    InvalidValue {
        /// The field.
        field: Field,
    },
    /// Octets remain after the last field of a PDU that carries no optional parameters.
    TrailingBytes {
        /// The command whose body was too long.
        command_id: CommandId,
        /// How many octets were left.
        extra: usize,
    },
    /// The optional parameter part is malformed: a TLV header or value runs past the end.
    TlvTruncated {
        /// The tag of the TLV that was cut (0 when even the tag is cut).
        tag: TlvTag,
    },
    /// A standard TLV has a length its definition does not allow.
    TlvLength {
        /// The tag.
        tag: TlvTag,
        /// The length received.
        len: u16,
    },
    /// Both `short_message` and the `message_payload` TLV carry data (rejected only when the
    /// lenient option is off).
    BothPayloads,
    /// A TLV the command requires is absent (SMPP 5.0: `broadcast_sm` needs
    /// `broadcast_area_identifier`, `broadcast_content_type`, `broadcast_rep_num` and
    /// `broadcast_frequency_interval`; `query_broadcast_sm_resp` needs `message_state`,
    /// `broadcast_area_identifier` and `broadcast_area_success`). Answered with
    /// `ESME_RMISSINGOPTPARAM` (0xC3, SMPP 5.0's `ESME_RMISSINGTLV`).
    MissingTlv {
        /// The command.
        command_id: CommandId,
        /// The tag of the first missing TLV.
        tag: TlvTag,
    },
    /// A standard TLV's value is outside the range its definition allows (`congestion_state`
    /// above 100, `broadcast_area_success` between 101 and 254); rejected only with strict
    /// TLV checks, else kept with its typed accessor returning `None`.
    TlvOutOfRange {
        /// The tag.
        tag: TlvTag,
    },
}

impl DecodeError {
    /// The `command_status` a server should answer with.
    pub const fn status(&self) -> CommandStatus {
        match self {
            DecodeError::CommandLengthTooSmall { .. }
            | DecodeError::CommandLengthTooLarge { .. }
            | DecodeError::CommandLengthMismatch { .. }
            | DecodeError::Truncated { .. }
            | DecodeError::TrailingBytes { .. } => CommandStatus::ESME_RINVCMDLEN,
            DecodeError::UnknownCommandId { .. } => CommandStatus::ESME_RINVCMDID,
            DecodeError::TooLong { field, .. } | DecodeError::InvalidValue { field } => {
                field.invalid_status()
            }
            DecodeError::TlvTruncated { .. } => CommandStatus::ESME_RINVOPTPARSTREAM,
            DecodeError::TlvLength { .. } => CommandStatus::ESME_RINVPARLEN,
            DecodeError::BothPayloads | DecodeError::TlvOutOfRange { .. } => {
                CommandStatus::ESME_RINVOPTPARAMVAL
            }
            DecodeError::MissingTlv { .. } => CommandStatus::ESME_RMISSINGOPTPARAM,
        }
    }

    /// The field at fault, when one field is.
    pub const fn field(&self) -> Option<Field> {
        match self {
            DecodeError::CommandLengthTooSmall { .. }
            | DecodeError::CommandLengthTooLarge { .. }
            | DecodeError::CommandLengthMismatch { .. } => Some(Field::CommandLength),
            DecodeError::UnknownCommandId { .. } => Some(Field::CommandId),
            DecodeError::Truncated { field }
            | DecodeError::TooLong { field, .. }
            | DecodeError::InvalidValue { field } => Some(*field),
            DecodeError::TrailingBytes { .. } => None,
            DecodeError::TlvTruncated { .. }
            | DecodeError::TlvLength { .. }
            | DecodeError::BothPayloads
            | DecodeError::MissingTlv { .. }
            | DecodeError::TlvOutOfRange { .. } => Some(Field::Tlvs),
        }
    }

    /// True when the whole frame must be answered with `generic_nack` (the command itself is
    /// not understood) rather than the command's own response with an error status.
    pub const fn needs_generic_nack(&self) -> bool {
        matches!(
            self,
            DecodeError::UnknownCommandId { .. }
                | DecodeError::CommandLengthTooSmall { .. }
                | DecodeError::CommandLengthTooLarge { .. }
                | DecodeError::CommandLengthMismatch { .. }
        )
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::CommandLengthTooSmall { command_length } => {
                write!(
                    f,
                    "command_length {command_length} is below the 16-octet header"
                )
            }
            DecodeError::CommandLengthTooLarge {
                command_length,
                max,
            } => write!(
                f,
                "command_length {command_length} exceeds the maximum PDU size {max}"
            ),
            DecodeError::CommandLengthMismatch {
                command_length,
                available,
            } => write!(
                f,
                "command_length {command_length} does not match the {available} octets given"
            ),
            DecodeError::UnknownCommandId { command_id } => {
                write!(f, "unknown command_id 0x{command_id:08X}")
            }
            DecodeError::Truncated { field } => {
                write!(f, "{field} runs past the end of the PDU")
            }
            DecodeError::TooLong { field, max } => write!(
                f,
                "{field} has no terminating NUL within its maximum of {max} octets"
            ),
            DecodeError::InvalidValue { field } => write!(f, "{field} holds an invalid value"),
            DecodeError::TrailingBytes { command_id, extra } => {
                write!(
                    f,
                    "{extra} unexpected octets after the last field of {command_id}"
                )
            }
            DecodeError::TlvTruncated { tag } => {
                write!(f, "optional parameter {tag} runs past the end of the PDU")
            }
            DecodeError::TlvLength { tag, len } => {
                write!(f, "optional parameter {tag} has invalid length {len}")
            }
            DecodeError::BothPayloads => {
                f.write_str("both short_message and message_payload carry data")
            }
            DecodeError::MissingTlv { command_id, tag } => {
                write!(
                    f,
                    "{command_id} lacks its mandatory optional parameter {tag}"
                )
            }
            DecodeError::TlvOutOfRange { tag } => {
                write!(f, "optional parameter {tag} holds a value out of its range")
            }
        }
    }
}

impl core::error::Error for DecodeError {}

/// Why a PDU could not be encoded. Sending is strict: nothing that breaks the specification
/// leaves the encoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small; `needed` octets are required.
    BufferTooSmall {
        /// Octets needed for the whole PDU.
        needed: usize,
    },
    /// A C-octet string is longer than the specification allows (`max` counts the NUL).
    TooLong {
        /// The field.
        field: Field,
        /// The specification's maximum size including the NUL.
        max: usize,
    },
    /// A C-octet string contains a NUL octet, which would end it early on the wire.
    EmbeddedNul {
        /// The field.
        field: Field,
    },
    /// A field holds a value the specification does not allow (for example a time string that
    /// is neither empty nor 16 characters).
    InvalidValue {
        /// The field.
        field: Field,
    },
    /// A TLV value is too long for its 16-bit length or its definition.
    TlvTooLong {
        /// The tag.
        tag: TlvTag,
    },
    /// A list (destinations, unsuccessful SMEs) has more than the 254 entries SMPP 3.4
    /// allows.
    TooManyEntries {
        /// The list's count field.
        field: Field,
    },
    /// The encoded PDU would exceed the 32-bit `command_length`.
    PduTooLarge,
    /// A TLV the command requires is absent (see [`DecodeError::MissingTlv`]).
    MissingTlv {
        /// The tag of the first missing TLV.
        tag: TlvTag,
    },
    /// A standard TLV's value is outside the range its definition allows
    /// (`congestion_state` above 100, ...).
    TlvOutOfRange {
        /// The tag.
        tag: TlvTag,
    },
}

impl EncodeError {
    /// The field at fault, when one field is.
    pub const fn field(&self) -> Option<Field> {
        match self {
            EncodeError::TooLong { field, .. }
            | EncodeError::EmbeddedNul { field }
            | EncodeError::InvalidValue { field }
            | EncodeError::TooManyEntries { field } => Some(*field),
            EncodeError::TlvTooLong { .. }
            | EncodeError::MissingTlv { .. }
            | EncodeError::TlvOutOfRange { .. } => Some(Field::Tlvs),
            EncodeError::BufferTooSmall { .. } | EncodeError::PduTooLarge => None,
        }
    }

    /// The `command_status` that describes the problem (useful when a server rejects a
    /// request it was asked to relay).
    pub const fn status(&self) -> CommandStatus {
        match self {
            EncodeError::MissingTlv { .. } => CommandStatus::ESME_RMISSINGOPTPARAM,
            EncodeError::TlvOutOfRange { .. } => CommandStatus::ESME_RINVOPTPARAMVAL,
            _ => match self.field() {
                Some(f) => f.invalid_status(),
                None => CommandStatus::ESME_RSYSERR,
            },
        }
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} octets needed")
            }
            EncodeError::TooLong { field, max } => write!(
                f,
                "{field} is too long: {max} octets at most, counting the terminating NUL where \
                 the field has one"
            ),
            EncodeError::EmbeddedNul { field } => write!(f, "{field} contains a NUL octet"),
            EncodeError::InvalidValue { field } => write!(f, "{field} holds an invalid value"),
            EncodeError::TlvTooLong { tag } => write!(f, "optional parameter {tag} is too long"),
            EncodeError::TooManyEntries { field } => {
                write!(f, "{field}: more than 254 entries")
            }
            EncodeError::PduTooLarge => f.write_str("PDU exceeds the 32-bit command_length"),
            EncodeError::MissingTlv { tag } => {
                write!(f, "mandatory optional parameter {tag} is missing")
            }
            EncodeError::TlvOutOfRange { tag } => {
                write!(f, "optional parameter {tag} holds a value out of its range")
            }
        }
    }
}

impl core::error::Error for EncodeError {}
