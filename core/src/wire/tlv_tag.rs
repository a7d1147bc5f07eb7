//! TLV tags (SMPP 3.4 section 5.3.2, SMPP 5.0 section 4.8) and the size rule of each
//! standard tag's value.
//!
//! The tag is part of the wire vocabulary: the field errors name the tag of a malformed
//! optional parameter. The TLVs themselves (values, lists, parse and encode) are in the PDU
//! layer above.

use core::fmt;

/// A TLV tag. An open set: every value round-trips; the SMPP 3.4 and SMPP 5.0 tags are
/// constants.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TlvTag(pub u16);

/// The size rule of a standard TLV's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlvKind {
    /// No value (presence is the information).
    Empty,
    /// One-octet integer.
    U8,
    /// Two-octet integer.
    U16,
    /// Four-octet integer.
    U32,
    /// A C-octet string of at most this many octets including the NUL.
    CStr(u16),
    /// Octets, between the two sizes inclusive.
    Octets(u16, u16),
    /// Octets, exactly one of the two sizes (SMPP 5.0's `ms_validity` is 1 or 4 octets,
    /// its `alert_on_message_delivery` 0 or 1).
    OneOf(u16, u16),
}

impl TlvKind {
    /// True when a value of `len` octets is allowed (C-octet strings are accepted without
    /// their NUL, as real SMSCs send them).
    pub const fn allows(self, len: usize) -> bool {
        match self {
            TlvKind::Empty => len == 0,
            TlvKind::U8 => len == 1,
            TlvKind::U16 => len == 2,
            TlvKind::U32 => len == 4,
            TlvKind::CStr(max) => len <= max as usize,
            TlvKind::Octets(min, max) => len >= min as usize && len <= max as usize,
            TlvKind::OneOf(a, b) => len == a as usize || len == b as usize,
        }
    }
}

macro_rules! tags {
    ($( $name:ident = $value:literal, $kind:expr; )*) => {
        impl TlvTag {
            $(
                #[doc = concat!("`", stringify!($name), "` (0x", stringify!($value), ")")]
                pub const $name: TlvTag = TlvTag($value);
            )*

            /// Every tag SMPP 3.4 and SMPP 5.0 define.
            pub const ALL: &'static [TlvTag] = &[$(TlvTag::$name,)*];

            /// The specification's name in lower case (`"message_payload"`), or `None`.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some(lower!($name)), )*
                    _ => None,
                }
            }

            /// The size rule of a standard tag, or `None` for unknown and vendor tags.
            pub const fn kind(self) -> Option<TlvKind> {
                match self.0 {
                    $( $value => Some($kind), )*
                    _ => None,
                }
            }
        }
    };
}

macro_rules! lower {
    (DEST_ADDR_SUBUNIT) => {
        "dest_addr_subunit"
    };
    (DEST_NETWORK_TYPE) => {
        "dest_network_type"
    };
    (DEST_BEARER_TYPE) => {
        "dest_bearer_type"
    };
    (DEST_TELEMATICS_ID) => {
        "dest_telematics_id"
    };
    (SOURCE_ADDR_SUBUNIT) => {
        "source_addr_subunit"
    };
    (SOURCE_NETWORK_TYPE) => {
        "source_network_type"
    };
    (SOURCE_BEARER_TYPE) => {
        "source_bearer_type"
    };
    (SOURCE_TELEMATICS_ID) => {
        "source_telematics_id"
    };
    (QOS_TIME_TO_LIVE) => {
        "qos_time_to_live"
    };
    (PAYLOAD_TYPE) => {
        "payload_type"
    };
    (ADDITIONAL_STATUS_INFO_TEXT) => {
        "additional_status_info_text"
    };
    (RECEIPTED_MESSAGE_ID) => {
        "receipted_message_id"
    };
    (MS_MSG_WAIT_FACILITIES) => {
        "ms_msg_wait_facilities"
    };
    (PRIVACY_INDICATOR) => {
        "privacy_indicator"
    };
    (SOURCE_SUBADDRESS) => {
        "source_subaddress"
    };
    (DEST_SUBADDRESS) => {
        "dest_subaddress"
    };
    (USER_MESSAGE_REFERENCE) => {
        "user_message_reference"
    };
    (USER_RESPONSE_CODE) => {
        "user_response_code"
    };
    (SOURCE_PORT) => {
        "source_port"
    };
    (DESTINATION_PORT) => {
        "destination_port"
    };
    (SAR_MSG_REF_NUM) => {
        "sar_msg_ref_num"
    };
    (LANGUAGE_INDICATOR) => {
        "language_indicator"
    };
    (SAR_TOTAL_SEGMENTS) => {
        "sar_total_segments"
    };
    (SAR_SEGMENT_SEQNUM) => {
        "sar_segment_seqnum"
    };
    (SC_INTERFACE_VERSION) => {
        "sc_interface_version"
    };
    (CALLBACK_NUM_PRES_IND) => {
        "callback_num_pres_ind"
    };
    (CALLBACK_NUM_ATAG) => {
        "callback_num_atag"
    };
    (NUMBER_OF_MESSAGES) => {
        "number_of_messages"
    };
    (CALLBACK_NUM) => {
        "callback_num"
    };
    (DPF_RESULT) => {
        "dpf_result"
    };
    (SET_DPF) => {
        "set_dpf"
    };
    (MS_AVAILABILITY_STATUS) => {
        "ms_availability_status"
    };
    (NETWORK_ERROR_CODE) => {
        "network_error_code"
    };
    (MESSAGE_PAYLOAD) => {
        "message_payload"
    };
    (DELIVERY_FAILURE_REASON) => {
        "delivery_failure_reason"
    };
    (MORE_MESSAGES_TO_SEND) => {
        "more_messages_to_send"
    };
    (MESSAGE_STATE) => {
        "message_state"
    };
    (USSD_SERVICE_OP) => {
        "ussd_service_op"
    };
    (DISPLAY_TIME) => {
        "display_time"
    };
    (SMS_SIGNAL) => {
        "sms_signal"
    };
    (MS_VALIDITY) => {
        "ms_validity"
    };
    (ALERT_ON_MESSAGE_DELIVERY) => {
        "alert_on_message_delivery"
    };
    (ITS_REPLY_TYPE) => {
        "its_reply_type"
    };
    (ITS_SESSION_INFO) => {
        "its_session_info"
    };
    (CONGESTION_STATE) => {
        "congestion_state"
    };
    (BROADCAST_CHANNEL_INDICATOR) => {
        "broadcast_channel_indicator"
    };
    (BROADCAST_CONTENT_TYPE) => {
        "broadcast_content_type"
    };
    (BROADCAST_CONTENT_TYPE_INFO) => {
        "broadcast_content_type_info"
    };
    (BROADCAST_MESSAGE_CLASS) => {
        "broadcast_message_class"
    };
    (BROADCAST_REP_NUM) => {
        "broadcast_rep_num"
    };
    (BROADCAST_FREQUENCY_INTERVAL) => {
        "broadcast_frequency_interval"
    };
    (BROADCAST_AREA_IDENTIFIER) => {
        "broadcast_area_identifier"
    };
    (BROADCAST_ERROR_STATUS) => {
        "broadcast_error_status"
    };
    (BROADCAST_AREA_SUCCESS) => {
        "broadcast_area_success"
    };
    (BROADCAST_END_TIME) => {
        "broadcast_end_time"
    };
    (BROADCAST_SERVICE_GROUP) => {
        "broadcast_service_group"
    };
    (BILLING_IDENTIFICATION) => {
        "billing_identification"
    };
    (SOURCE_NETWORK_ID) => {
        "source_network_id"
    };
    (DEST_NETWORK_ID) => {
        "dest_network_id"
    };
    (SOURCE_NODE_ID) => {
        "source_node_id"
    };
    (DEST_NODE_ID) => {
        "dest_node_id"
    };
    (DEST_ADDR_NP_RESOLUTION) => {
        "dest_addr_np_resolution"
    };
    (DEST_ADDR_NP_INFORMATION) => {
        "dest_addr_np_information"
    };
    (DEST_ADDR_NP_COUNTRY) => {
        "dest_addr_np_country"
    };
}

tags! {
    DEST_ADDR_SUBUNIT = 0x0005, TlvKind::U8;
    DEST_NETWORK_TYPE = 0x0006, TlvKind::U8;
    DEST_BEARER_TYPE = 0x0007, TlvKind::U8;
    DEST_TELEMATICS_ID = 0x0008, TlvKind::U16;
    SOURCE_ADDR_SUBUNIT = 0x000D, TlvKind::U8;
    SOURCE_NETWORK_TYPE = 0x000E, TlvKind::U8;
    SOURCE_BEARER_TYPE = 0x000F, TlvKind::U8;
    SOURCE_TELEMATICS_ID = 0x0010, TlvKind::U8;
    QOS_TIME_TO_LIVE = 0x0017, TlvKind::U32;
    PAYLOAD_TYPE = 0x0019, TlvKind::U8;
    ADDITIONAL_STATUS_INFO_TEXT = 0x001D, TlvKind::CStr(256);
    RECEIPTED_MESSAGE_ID = 0x001E, TlvKind::CStr(65);
    MS_MSG_WAIT_FACILITIES = 0x0030, TlvKind::U8;
    PRIVACY_INDICATOR = 0x0201, TlvKind::U8;
    SOURCE_SUBADDRESS = 0x0202, TlvKind::Octets(2, 23);
    DEST_SUBADDRESS = 0x0203, TlvKind::Octets(2, 23);
    USER_MESSAGE_REFERENCE = 0x0204, TlvKind::U16;
    USER_RESPONSE_CODE = 0x0205, TlvKind::U8;
    SOURCE_PORT = 0x020A, TlvKind::U16;
    DESTINATION_PORT = 0x020B, TlvKind::U16;
    SAR_MSG_REF_NUM = 0x020C, TlvKind::U16;
    LANGUAGE_INDICATOR = 0x020D, TlvKind::U8;
    SAR_TOTAL_SEGMENTS = 0x020E, TlvKind::U8;
    SAR_SEGMENT_SEQNUM = 0x020F, TlvKind::U8;
    SC_INTERFACE_VERSION = 0x0210, TlvKind::U8;
    CALLBACK_NUM_PRES_IND = 0x0302, TlvKind::U8;
    CALLBACK_NUM_ATAG = 0x0303, TlvKind::Octets(0, 65);
    NUMBER_OF_MESSAGES = 0x0304, TlvKind::U8;
    CALLBACK_NUM = 0x0381, TlvKind::Octets(4, 19);
    DPF_RESULT = 0x0420, TlvKind::U8;
    SET_DPF = 0x0421, TlvKind::U8;
    MS_AVAILABILITY_STATUS = 0x0422, TlvKind::U8;
    NETWORK_ERROR_CODE = 0x0423, TlvKind::Octets(3, 3);
    MESSAGE_PAYLOAD = 0x0424, TlvKind::Octets(0, 65535);
    DELIVERY_FAILURE_REASON = 0x0425, TlvKind::U8;
    MORE_MESSAGES_TO_SEND = 0x0426, TlvKind::U8;
    MESSAGE_STATE = 0x0427, TlvKind::U8;
    CONGESTION_STATE = 0x0428, TlvKind::U8;
    USSD_SERVICE_OP = 0x0501, TlvKind::U8;
    BROADCAST_CHANNEL_INDICATOR = 0x0600, TlvKind::U8;
    BROADCAST_CONTENT_TYPE = 0x0601, TlvKind::Octets(3, 3);
    BROADCAST_CONTENT_TYPE_INFO = 0x0602, TlvKind::Octets(0, 255);
    BROADCAST_MESSAGE_CLASS = 0x0603, TlvKind::U8;
    BROADCAST_REP_NUM = 0x0604, TlvKind::U16;
    BROADCAST_FREQUENCY_INTERVAL = 0x0605, TlvKind::Octets(3, 3);
    BROADCAST_AREA_IDENTIFIER = 0x0606, TlvKind::Octets(1, 100);
    BROADCAST_ERROR_STATUS = 0x0607, TlvKind::U32;
    BROADCAST_AREA_SUCCESS = 0x0608, TlvKind::U8;
    BROADCAST_END_TIME = 0x0609, TlvKind::CStr(17);
    BROADCAST_SERVICE_GROUP = 0x060A, TlvKind::Octets(0, 255);
    BILLING_IDENTIFICATION = 0x060B, TlvKind::Octets(1, 1024);
    SOURCE_NETWORK_ID = 0x060D, TlvKind::CStr(65);
    DEST_NETWORK_ID = 0x060E, TlvKind::CStr(65);
    SOURCE_NODE_ID = 0x060F, TlvKind::Octets(6, 6);
    DEST_NODE_ID = 0x0610, TlvKind::Octets(6, 6);
    DEST_ADDR_NP_RESOLUTION = 0x0611, TlvKind::U8;
    DEST_ADDR_NP_INFORMATION = 0x0612, TlvKind::Octets(10, 10);
    DEST_ADDR_NP_COUNTRY = 0x0613, TlvKind::Octets(5, 5);
    DISPLAY_TIME = 0x1201, TlvKind::U8;
    SMS_SIGNAL = 0x1203, TlvKind::U16;
    MS_VALIDITY = 0x1204, TlvKind::OneOf(1, 4);
    ALERT_ON_MESSAGE_DELIVERY = 0x130C, TlvKind::OneOf(0, 1);
    ITS_REPLY_TYPE = 0x1380, TlvKind::U8;
    ITS_SESSION_INFO = 0x1383, TlvKind::Octets(2, 2);
}

impl TlvTag {
    /// True when `value` (the wire octets of a value of an allowed length) is within the
    /// range the tag's definition gives: `congestion_state` 0..=100 and
    /// `broadcast_area_success` 0..=100 or 255 (SMPP 5.0 section 4.8.4).
    /// Every other tag accepts every value.
    pub const fn allows_value(self, value: &[u8]) -> bool {
        match (self, value) {
            (TlvTag::CONGESTION_STATE, [v]) => *v <= 100,
            (TlvTag::BROADCAST_AREA_SUCCESS, [v]) => *v <= 100 || *v == 255,
            _ => true,
        }
    }

    /// True for the tags whose values [`TlvTag::allows_value`] limits to a range.
    #[inline]
    pub const fn has_value_range(self) -> bool {
        matches!(
            self,
            TlvTag::CONGESTION_STATE | TlvTag::BROADCAST_AREA_SUCCESS
        )
    }

    /// True for the range SMPP 3.4 reserves for SMSC vendors (0x1400..=0x3FFF).
    pub const fn is_vendor_specific(self) -> bool {
        self.0 >= 0x1400 && self.0 <= 0x3FFF
    }
}

impl fmt::Debug for TlvTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n}"),
            None => write!(f, "TlvTag(0x{:04X})", self.0),
        }
    }
}

impl fmt::Display for TlvTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} (0x{:04X})", self.0),
            None => write!(f, "0x{:04X}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(TlvTag::MESSAGE_PAYLOAD.name(), Some("message_payload"));
        assert_eq!(TlvTag::ALL.len(), 44 + 20);
        assert_eq!(TlvTag::CONGESTION_STATE.name(), Some("congestion_state"));
        assert_eq!(TlvTag(0x0606).name(), Some("broadcast_area_identifier"));
        assert!(TlvTag::MS_VALIDITY.kind().unwrap().allows(4));
        assert!(!TlvTag::MS_VALIDITY.kind().unwrap().allows(2));
        assert!(TlvTag::ALERT_ON_MESSAGE_DELIVERY.kind().unwrap().allows(1));
        assert_eq!(TlvTag(0x060C).name(), None);
        assert!(TlvTag::CONGESTION_STATE.allows_value(&[100]));
        assert!(!TlvTag::CONGESTION_STATE.allows_value(&[101]));
        assert!(TlvTag::BROADCAST_AREA_SUCCESS.allows_value(&[255]));
        assert!(!TlvTag::BROADCAST_AREA_SUCCESS.allows_value(&[200]));
        assert!(TlvTag::MESSAGE_STATE.allows_value(&[200]));
        for t in TlvTag::ALL {
            assert!(t.name().is_some() && t.kind().is_some());
        }
    }
}
