//! Command identifiers and command status codes (open enums: unknown values round-trip).

use core::fmt;

macro_rules! command_ids {
    (
        v34 { $( $(#[$doc:meta])* $variant:ident = $value:literal, $name:literal; )* }
        v50 { $( $(#[$doc5:meta])* $variant5:ident = $value5:literal, $name5:literal; )* }
    ) => {
        /// The `command_id` of a PDU (SMPP 3.4 section 5.1.2.1; SMPP 5.0 section 4.7.5 adds
        /// the broadcast operations).
        ///
        /// Unknown values are kept in [`CommandId::Unknown`] so they can be reported and answered
        /// with `generic_nack`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum CommandId {
            $( $(#[$doc])* $variant, )*
            $( $(#[$doc5])* $variant5, )*
            /// A value neither SMPP 3.4 nor SMPP 5.0 defines.
            Unknown(u32),
        }

        /// The position of each id in `CommandId::ALL` followed by `CommandId::SMPP_5_0`,
        /// and `Unknown` after them (see [`CommandId::index`]).
        #[allow(dead_code)]
        #[repr(u8)]
        enum CommandIndex {
            $( $variant, )*
            $( $variant5, )*
            Unknown,
        }

        impl CommandId {
            /// The id's position in [`CommandId::ALL`] followed by [`CommandId::SMPP_5_0`];
            /// their total length for an unknown id (a dense index for per-command tables).
            #[inline]
            pub(crate) const fn index(self) -> usize {
                (match self {
                    $( CommandId::$variant => CommandIndex::$variant, )*
                    $( CommandId::$variant5 => CommandIndex::$variant5, )*
                    CommandId::Unknown(_) => CommandIndex::Unknown,
                }) as usize
            }

            /// Every command id SMPP 3.4 defines, in the order of the specification's table.
            pub const ALL: &'static [CommandId] = &[$(CommandId::$variant,)*];

            /// The command ids SMPP 5.0 adds to those of SMPP 3.4 (the broadcast operations,
            /// SMPP 5.0 section 4.7.5), in the order of the specification's table.
            pub const SMPP_5_0: &'static [CommandId] = &[$(CommandId::$variant5,)*];

            /// True for the ids SMPP 5.0 adds ([`CommandId::SMPP_5_0`]).
            #[inline]
            pub const fn is_smpp_5_0(self) -> bool {
                matches!(self, $( CommandId::$variant5 )|*)
            }

            /// Maps a wire value to a command id.
            #[inline]
            pub const fn from_u32(value: u32) -> CommandId {
                match value {
                    $( $value => CommandId::$variant, )*
                    $( $value5 => CommandId::$variant5, )*
                    other => CommandId::Unknown(other),
                }
            }

            /// The wire value.
            #[inline]
            pub const fn to_u32(self) -> u32 {
                match self {
                    $( CommandId::$variant => $value, )*
                    $( CommandId::$variant5 => $value5, )*
                    CommandId::Unknown(v) => v,
                }
            }

            /// The specification's name (`"submit_sm"`), or `None` for an unknown id.
            #[inline]
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $( CommandId::$variant => Some($name), )*
                    $( CommandId::$variant5 => Some($name5), )*
                    CommandId::Unknown(_) => None,
                }
            }
        }
    };
}

command_ids! {
  v34 {
    /// `generic_nack`
    GenericNack = 0x8000_0000, "generic_nack";
    /// `bind_receiver`
    BindReceiver = 0x0000_0001, "bind_receiver";
    /// `bind_receiver_resp`
    BindReceiverResp = 0x8000_0001, "bind_receiver_resp";
    /// `bind_transmitter`
    BindTransmitter = 0x0000_0002, "bind_transmitter";
    /// `bind_transmitter_resp`
    BindTransmitterResp = 0x8000_0002, "bind_transmitter_resp";
    /// `query_sm`
    QuerySm = 0x0000_0003, "query_sm";
    /// `query_sm_resp`
    QuerySmResp = 0x8000_0003, "query_sm_resp";
    /// `submit_sm`
    SubmitSm = 0x0000_0004, "submit_sm";
    /// `submit_sm_resp`
    SubmitSmResp = 0x8000_0004, "submit_sm_resp";
    /// `deliver_sm`
    DeliverSm = 0x0000_0005, "deliver_sm";
    /// `deliver_sm_resp`
    DeliverSmResp = 0x8000_0005, "deliver_sm_resp";
    /// `unbind`
    Unbind = 0x0000_0006, "unbind";
    /// `unbind_resp`
    UnbindResp = 0x8000_0006, "unbind_resp";
    /// `replace_sm`
    ReplaceSm = 0x0000_0007, "replace_sm";
    /// `replace_sm_resp`
    ReplaceSmResp = 0x8000_0007, "replace_sm_resp";
    /// `cancel_sm`
    CancelSm = 0x0000_0008, "cancel_sm";
    /// `cancel_sm_resp`
    CancelSmResp = 0x8000_0008, "cancel_sm_resp";
    /// `bind_transceiver`
    BindTransceiver = 0x0000_0009, "bind_transceiver";
    /// `bind_transceiver_resp`
    BindTransceiverResp = 0x8000_0009, "bind_transceiver_resp";
    /// `outbind`
    Outbind = 0x0000_000B, "outbind";
    /// `enquire_link`
    EnquireLink = 0x0000_0015, "enquire_link";
    /// `enquire_link_resp`
    EnquireLinkResp = 0x8000_0015, "enquire_link_resp";
    /// `submit_multi`
    SubmitMulti = 0x0000_0021, "submit_multi";
    /// `submit_multi_resp`
    SubmitMultiResp = 0x8000_0021, "submit_multi_resp";
    /// `alert_notification`
    AlertNotification = 0x0000_0102, "alert_notification";
    /// `data_sm`
    DataSm = 0x0000_0103, "data_sm";
    /// `data_sm_resp`
    DataSmResp = 0x8000_0103, "data_sm_resp";
  }
  v50 {
    /// `broadcast_sm` (SMPP 5.0 section 4.4)
    BroadcastSm = 0x0000_0111, "broadcast_sm";
    /// `broadcast_sm_resp` (SMPP 5.0 section 4.4)
    BroadcastSmResp = 0x8000_0111, "broadcast_sm_resp";
    /// `query_broadcast_sm` (SMPP 5.0 section 4.6)
    QueryBroadcastSm = 0x0000_0112, "query_broadcast_sm";
    /// `query_broadcast_sm_resp` (SMPP 5.0 section 4.6)
    QueryBroadcastSmResp = 0x8000_0112, "query_broadcast_sm_resp";
    /// `cancel_broadcast_sm` (SMPP 5.0 section 4.6)
    CancelBroadcastSm = 0x0000_0113, "cancel_broadcast_sm";
    /// `cancel_broadcast_sm_resp` (SMPP 5.0 section 4.6)
    CancelBroadcastSmResp = 0x8000_0113, "cancel_broadcast_sm_resp";
  }
}

impl CommandId {
    /// True for response ids (bit 31 set), `generic_nack` included.
    #[inline]
    pub const fn is_response(self) -> bool {
        self.to_u32() & 0x8000_0000 != 0
    }

    /// The response a request of this id gets, or `None` for responses and for the requests
    /// that have no response (`outbind`, `alert_notification`).
    #[inline]
    pub const fn response(self) -> Option<CommandId> {
        match self {
            CommandId::Outbind | CommandId::AlertNotification | CommandId::Unknown(_) => None,
            id if id.is_response() => None,
            id => Some(CommandId::from_u32(id.to_u32() | 0x8000_0000)),
        }
    }

    /// True for the three bind requests.
    #[inline]
    pub const fn is_bind(self) -> bool {
        matches!(
            self,
            CommandId::BindReceiver | CommandId::BindTransmitter | CommandId::BindTransceiver
        )
    }
}

impl From<u32> for CommandId {
    #[inline]
    fn from(v: u32) -> CommandId {
        CommandId::from_u32(v)
    }
}

impl From<CommandId> for u32 {
    #[inline]
    fn from(v: CommandId) -> u32 {
        v.to_u32()
    }
}

impl fmt::Display for CommandId {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "command_id 0x{:08X}", self.to_u32()),
        }
    }
}

/// The `command_status` of a PDU (SMPP 3.4 section 5.1.3; SMPP 5.0 section 4.7.6 adds
/// `0x100..=0x112`).
///
/// An open set: every value round-trips, the named `ESME_R*` codes are associated constants,
/// and vendor-specific codes (0x400..=0x4FF) and anything else keep their number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct CommandStatus(pub u32);

macro_rules! statuses {
    ($( $name:ident = $value:literal, $text:literal; )*) => {
        impl CommandStatus {
            $(
                #[doc = $text]
                pub const $name: CommandStatus = CommandStatus($value);
            )*

            /// Every status SMPP 3.4 and SMPP 5.0 name (SMPP 5.0 renames `0xC0..=0xC4` to
            /// `ESME_RINVTLVSTREAM` ... `ESME_RINVTLVVAL`; the SMPP 3.4 names are kept).
            pub const ALL: &'static [CommandStatus] = &[$(CommandStatus::$name,)*];

            /// The specification's name (`"ESME_RTHROTTLED"`), or `None` for an unnamed value.
            #[inline]
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some(stringify!($name)), )*
                    _ => None,
                }
            }

            /// The specification's description of the status, or `None` for an unnamed value.
            #[inline]
            pub const fn description(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some($text), )*
                    _ => None,
                }
            }
        }
    };
}

statuses! {
    ESME_ROK = 0x0000_0000, "No error";
    ESME_RINVMSGLEN = 0x0000_0001, "Message length is invalid";
    ESME_RINVCMDLEN = 0x0000_0002, "Command length is invalid";
    ESME_RINVCMDID = 0x0000_0003, "Invalid command ID";
    ESME_RINVBNDSTS = 0x0000_0004, "Incorrect bind status for given command";
    ESME_RALYBND = 0x0000_0005, "ESME already in bound state";
    ESME_RINVPRTFLG = 0x0000_0006, "Invalid priority flag";
    ESME_RINVREGDLVFLG = 0x0000_0007, "Invalid registered delivery flag";
    ESME_RSYSERR = 0x0000_0008, "System error";
    ESME_RINVSRCADR = 0x0000_000A, "Invalid source address";
    ESME_RINVDSTADR = 0x0000_000B, "Invalid destination address";
    ESME_RINVMSGID = 0x0000_000C, "Message ID is invalid";
    ESME_RBINDFAIL = 0x0000_000D, "Bind failed";
    ESME_RINVPASWD = 0x0000_000E, "Invalid password";
    ESME_RINVSYSID = 0x0000_000F, "Invalid system ID";
    ESME_RCANCELFAIL = 0x0000_0011, "cancel_sm failed";
    ESME_RREPLACEFAIL = 0x0000_0013, "replace_sm failed";
    ESME_RMSGQFUL = 0x0000_0014, "Message queue full";
    ESME_RINVSERTYP = 0x0000_0015, "Invalid service type";
    ESME_RINVNUMDESTS = 0x0000_0033, "Invalid number of destinations";
    ESME_RINVDLNAME = 0x0000_0034, "Invalid distribution list name";
    ESME_RINVDESTFLAG = 0x0000_0040, "Destination flag is invalid (submit_multi)";
    ESME_RINVSUBREP = 0x0000_0042, "Invalid 'submit with replace' request";
    ESME_RINVESMCLASS = 0x0000_0043, "Invalid esm_class field data";
    ESME_RCNTSUBDL = 0x0000_0044, "Cannot submit to distribution list";
    ESME_RSUBMITFAIL = 0x0000_0045, "submit_sm or submit_multi failed";
    ESME_RINVSRCTON = 0x0000_0048, "Invalid source address TON";
    ESME_RINVSRCNPI = 0x0000_0049, "Invalid source address NPI";
    ESME_RINVDSTTON = 0x0000_0050, "Invalid destination address TON";
    ESME_RINVDSTNPI = 0x0000_0051, "Invalid destination address NPI";
    ESME_RINVSYSTYP = 0x0000_0053, "Invalid system_type field";
    ESME_RINVREPFLAG = 0x0000_0054, "Invalid replace_if_present flag";
    ESME_RINVNUMMSGS = 0x0000_0055, "Invalid number of messages";
    ESME_RTHROTTLED = 0x0000_0058, "Throttling error (ESME has exceeded allowed message limits)";
    ESME_RINVSCHED = 0x0000_0061, "Invalid scheduled delivery time";
    ESME_RINVEXPIRY = 0x0000_0062, "Invalid message validity period (expiry time)";
    ESME_RINVDFTMSGID = 0x0000_0063, "Predefined message invalid or not found";
    ESME_RX_T_APPN = 0x0000_0064, "ESME receiver temporary app error code";
    ESME_RX_P_APPN = 0x0000_0065, "ESME receiver permanent app error code";
    ESME_RX_R_APPN = 0x0000_0066, "ESME receiver reject message error code";
    ESME_RQUERYFAIL = 0x0000_0067, "query_sm request failed";
    ESME_RINVOPTPARSTREAM = 0x0000_00C0, "Error in the optional part of the PDU body";
    ESME_ROPTPARNOTALLWD = 0x0000_00C1, "Optional parameter not allowed";
    ESME_RINVPARLEN = 0x0000_00C2, "Invalid parameter length";
    ESME_RMISSINGOPTPARAM = 0x0000_00C3, "Expected optional parameter missing";
    ESME_RINVOPTPARAMVAL = 0x0000_00C4, "Invalid optional parameter value";
    ESME_RDELIVERYFAILURE = 0x0000_00FE, "Delivery failure (used for data_sm_resp)";
    ESME_RUNKNOWNERR = 0x0000_00FF, "Unknown error";
    ESME_RSERTYPUNAUTH = 0x0000_0100, "ESME not authorised to use specified service_type (SMPP 5.0)";
    ESME_RPROHIBITED = 0x0000_0101, "ESME prohibited from using specified operation (SMPP 5.0)";
    ESME_RSERTYPUNAVAIL = 0x0000_0102, "Specified service_type is unavailable (SMPP 5.0)";
    ESME_RSERTYPDENIED = 0x0000_0103, "Specified service_type is denied (SMPP 5.0)";
    ESME_RINVDCS = 0x0000_0104, "Invalid data coding scheme (SMPP 5.0)";
    ESME_RINVSRCADDRSUBUNIT = 0x0000_0105, "Source address sub unit is invalid (SMPP 5.0)";
    ESME_RINVDSTADDRSUBUNIT = 0x0000_0106, "Destination address sub unit is invalid (SMPP 5.0)";
    ESME_RINVBCASTFREQINT = 0x0000_0107, "Broadcast frequency interval is invalid (SMPP 5.0)";
    ESME_RINVBCASTALIAS_NAME = 0x0000_0108, "Broadcast alias name is invalid (SMPP 5.0)";
    ESME_RINVBCASTAREAFMT = 0x0000_0109, "Broadcast area format is invalid (SMPP 5.0)";
    ESME_RINVNUMBCAST_AREAS = 0x0000_010A, "Number of broadcast areas is invalid (SMPP 5.0)";
    ESME_RINVBCASTCNTTYPE = 0x0000_010B, "Broadcast content type is invalid (SMPP 5.0)";
    ESME_RINVBCASTMSGCLASS = 0x0000_010C, "Broadcast message class is invalid (SMPP 5.0)";
    ESME_RBCASTFAIL = 0x0000_010D, "broadcast_sm operation failed (SMPP 5.0)";
    ESME_RBCASTQUERYFAIL = 0x0000_010E, "query_broadcast_sm operation failed (SMPP 5.0)";
    ESME_RBCASTCANCELFAIL = 0x0000_010F, "cancel_broadcast_sm operation failed (SMPP 5.0)";
    ESME_RINVBCAST_REP = 0x0000_0110, "Number of repeated broadcasts is invalid (SMPP 5.0)";
    ESME_RINVBCASTSRVGRP = 0x0000_0111, "Broadcast service group is invalid (SMPP 5.0)";
    ESME_RINVBCASTCHANIND = 0x0000_0112, "Broadcast channel indicator is invalid (SMPP 5.0)";
}

impl CommandStatus {
    /// True for `ESME_ROK`.
    #[inline]
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }

    /// True for the values SMPP 3.4 reserves for SMSC vendors (0x400..=0x4FF).
    #[inline]
    pub const fn is_vendor_specific(self) -> bool {
        self.0 >= 0x400 && self.0 <= 0x4FF
    }
}

impl fmt::Debug for CommandStatus {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "CommandStatus(0x{:08X})", self.0),
        }
    }
}

impl fmt::Display for CommandStatus {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} (0x{:08X})", self.0),
            None => write!(f, "0x{:08X}", self.0),
        }
    }
}

impl From<u32> for CommandStatus {
    #[inline]
    fn from(v: u32) -> CommandStatus {
        CommandStatus(v)
    }
}

impl From<CommandStatus> for u32 {
    #[inline]
    fn from(v: CommandStatus) -> u32 {
        v.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_pair_with_responses() {
        for id in CommandId::ALL {
            assert_eq!(CommandId::from_u32(id.to_u32()), *id);
            assert!(id.name().is_some());
        }
        assert_eq!(
            CommandId::SubmitSm.response(),
            Some(CommandId::SubmitSmResp)
        );
        assert_eq!(CommandId::DataSm.response(), Some(CommandId::DataSmResp));
        assert_eq!(CommandId::Outbind.response(), None);
        assert_eq!(CommandId::SubmitSmResp.response(), None);
        assert_eq!(CommandId::from_u32(0x99), CommandId::Unknown(0x99));
        assert_eq!(CommandId::GenericNack.name(), Some("generic_nack"));
        assert!(CommandId::GenericNack.is_response());
    }

    #[test]
    fn index_is_the_position_in_all_then_smpp_5_0() {
        let ids: Vec<CommandId> = CommandId::ALL
            .iter()
            .chain(CommandId::SMPP_5_0)
            .copied()
            .collect();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(id.index(), i, "{id}");
        }
        assert_eq!(CommandId::Unknown(0x99).index(), ids.len());
        assert_eq!(CommandId::Unknown(0).index(), ids.len());
    }

    #[test]
    fn smpp_5_0_ids() {
        assert_eq!(CommandId::SMPP_5_0.len(), 6);
        for id in CommandId::SMPP_5_0 {
            assert_eq!(CommandId::from_u32(id.to_u32()), *id);
            assert!(id.is_smpp_5_0() && id.name().is_some());
            assert!(!CommandId::ALL.contains(id));
        }
        assert_eq!(CommandId::from_u32(0x111), CommandId::BroadcastSm);
        assert_eq!(
            CommandId::from_u32(0x8000_0112),
            CommandId::QueryBroadcastSmResp
        );
        assert_eq!(
            CommandId::CancelBroadcastSm.response(),
            Some(CommandId::CancelBroadcastSmResp)
        );
        assert_eq!(CommandId::BroadcastSm.name(), Some("broadcast_sm"));
        assert!(!CommandId::SubmitSm.is_smpp_5_0());
        assert_eq!(CommandId::from_u32(0x114), CommandId::Unknown(0x114));
    }

    #[test]
    fn statuses_have_names() {
        assert_eq!(CommandStatus(0x58).name(), Some("ESME_RTHROTTLED"));
        assert_eq!(CommandStatus(0x400).name(), None);
        assert!(CommandStatus(0x400).is_vendor_specific());
        assert_eq!(CommandStatus::ALL.len(), 48 + 19);
        assert_eq!(CommandStatus(0x10D).name(), Some("ESME_RBCASTFAIL"));
        assert_eq!(CommandStatus(0x112).name(), Some("ESME_RINVBCASTCHANIND"));
        assert_eq!(CommandStatus(0x113).name(), None);
    }
}
