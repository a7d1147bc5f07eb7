//! Optional parameters (TLVs, SMPP 3.4 section 5.3).
//!
//! Received TLVs stay in their wire bytes and are walked lazily in wire order; unknown and
//! vendor-specific tags are preserved byte for byte. Outgoing TLVs are built from a slice of
//! [`Tlv`]s whose values may be integers, octets or C-octet strings.

use crate::wire::writer::Sink;
use crate::wire::{DecodeError, EncodeError, TlvTag};
use core::fmt;

/// The value of an outgoing or received TLV.
///
/// Received values are always [`TlvValue::Octets`]; the other variants let an application
/// build TLVs without holding byte buffers for integers.
#[derive(Clone, Copy, Debug)]
pub enum TlvValue<'a> {
    /// Raw octets, exactly as on the wire.
    Octets(&'a [u8]),
    /// A one-octet integer.
    U8(u8),
    /// A two-octet big-endian integer.
    U16(u16),
    /// A four-octet big-endian integer.
    U32(u32),
    /// A C-octet string given without its NUL; the encoder appends it.
    CStr(&'a [u8]),
}

impl<'a> TlvValue<'a> {
    /// Length of the value on the wire.
    pub const fn len(&self) -> usize {
        match self {
            TlvValue::Octets(b) => b.len(),
            TlvValue::U8(_) => 1,
            TlvValue::U16(_) => 2,
            TlvValue::U32(_) => 4,
            TlvValue::CStr(b) => b.len() + 1,
        }
    }

    /// True for a zero-length value.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f` with the wire form of the value as two pieces (the second is the NUL of a
    /// C-octet string, or empty).
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8], &[u8]) -> R) -> R {
        match *self {
            TlvValue::Octets(b) => f(b, &[]),
            TlvValue::U8(v) => f(&[v], &[]),
            TlvValue::U16(v) => f(&v.to_be_bytes(), &[]),
            TlvValue::U32(v) => f(&v.to_be_bytes(), &[]),
            TlvValue::CStr(b) => f(b, &[0]),
        }
    }

    /// The raw octets of a received value (`None` for integer values built locally).
    pub const fn octets(&self) -> Option<&'a [u8]> {
        match *self {
            TlvValue::Octets(b) => Some(b),
            _ => None,
        }
    }

    /// The value as a one-octet integer, if it is one.
    pub fn as_u8(&self) -> Option<u8> {
        match *self {
            TlvValue::U8(v) => Some(v),
            TlvValue::Octets(&[v]) => Some(v),
            _ => None,
        }
    }

    /// The value as a two-octet integer, if it is one.
    pub fn as_u16(&self) -> Option<u16> {
        match *self {
            TlvValue::U16(v) => Some(v),
            TlvValue::Octets(&[a, b]) => Some(u16::from_be_bytes([a, b])),
            _ => None,
        }
    }

    /// The value as a four-octet integer, if it is one.
    pub fn as_u32(&self) -> Option<u32> {
        match *self {
            TlvValue::U32(v) => Some(v),
            TlvValue::Octets(&[a, b, c, d]) => Some(u32::from_be_bytes([a, b, c, d])),
            _ => None,
        }
    }

    /// The value as a C-octet string without its NUL. A received value without a NUL is
    /// taken whole (a common quirk for `receipted_message_id`).
    pub fn as_cstr(&self) -> Option<&'a [u8]> {
        match *self {
            TlvValue::CStr(b) => Some(b),
            TlvValue::Octets(b) => Some(match b.iter().position(|&x| x == 0) {
                Some(i) => b.get(..i).unwrap_or(b),
                None => b,
            }),
            _ => None,
        }
    }
}

impl PartialEq for TlvValue<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.with_bytes(|a1, a2| {
            other.with_bytes(|b1, b2| {
                a1.len() + a2.len() == b1.len() + b2.len()
                    && a1.iter().chain(a2).eq(b1.iter().chain(b2))
            })
        })
    }
}

impl Eq for TlvValue<'_> {}

/// One optional parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag.
    pub tag: TlvTag,
    /// The value.
    pub value: TlvValue<'a>,
}

impl<'a> Tlv<'a> {
    /// A TLV with raw octets.
    pub const fn octets(tag: TlvTag, value: &'a [u8]) -> Tlv<'a> {
        Tlv {
            tag,
            value: TlvValue::Octets(value),
        }
    }

    /// A TLV with a one-octet integer.
    pub const fn u8(tag: TlvTag, value: u8) -> Tlv<'a> {
        Tlv {
            tag,
            value: TlvValue::U8(value),
        }
    }

    /// A TLV with a two-octet integer.
    pub const fn u16(tag: TlvTag, value: u16) -> Tlv<'a> {
        Tlv {
            tag,
            value: TlvValue::U16(value),
        }
    }

    /// A TLV with a four-octet integer.
    pub const fn u32(tag: TlvTag, value: u32) -> Tlv<'a> {
        Tlv {
            tag,
            value: TlvValue::U32(value),
        }
    }

    /// A TLV with a C-octet string (the NUL is appended on the wire).
    pub const fn cstr(tag: TlvTag, value: &'a [u8]) -> Tlv<'a> {
        Tlv {
            tag,
            value: TlvValue::CStr(value),
        }
    }

    /// Octets on the wire, header included.
    pub const fn encoded_len(&self) -> usize {
        4 + self.value.len()
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        let len = self.value.len();
        if S::VALIDATE {
            let fits = match self.tag.kind() {
                Some(kind) => kind.allows(len),
                None => len <= u16::MAX as usize,
            };
            if !fits {
                return Err(EncodeError::TlvTooLong { tag: self.tag });
            }
            if let TlvValue::CStr(v) = self.value {
                if v.contains(&0) {
                    return Err(EncodeError::EmbeddedNul {
                        field: crate::wire::Field::Tlvs,
                    });
                }
            }
        }
        s.put_u16(self.tag.0);
        s.put_u16(len as u16);
        self.value.with_bytes(|a, b| {
            s.put(a);
            s.put(b);
        });
        Ok(())
    }
}

#[derive(Clone, Copy, Debug)]
enum Repr<'a> {
    /// Received octets, validated as a sequence of complete TLVs.
    Wire(&'a [u8]),
    /// TLVs built by the application.
    List(&'a [Tlv<'a>]),
}

/// The optional parameters of a PDU, in wire order.
#[derive(Clone, Copy)]
pub struct Tlvs<'a>(Repr<'a>);

impl Default for Tlvs<'_> {
    fn default() -> Self {
        Tlvs::EMPTY
    }
}

/// The three SAR values that tag one part of a long message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SarInfo {
    /// `sar_msg_ref_num`: the reference shared by all parts.
    pub msg_ref_num: u16,
    /// `sar_total_segments`: how many parts there are.
    pub total_segments: u8,
    /// `sar_segment_seqnum`: this part's position, from 1.
    pub segment_seqnum: u8,
}

/// `network_error_code` (SMPP 3.4 section 5.3.2.31).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NetworkErrorCode {
    /// Network type: 1 ANSI-136, 2 IS-95, 3 GSM, 4 reserved.
    pub network_type: u8,
    /// The network's error code.
    pub error_code: u16,
}

impl NetworkErrorCode {
    /// The three wire octets.
    pub const fn to_bytes(self) -> [u8; 3] {
        let e = self.error_code.to_be_bytes();
        [self.network_type, e[0], e[1]]
    }
}

impl<'a> Tlvs<'a> {
    /// No optional parameters.
    pub const EMPTY: Tlvs<'static> = Tlvs(Repr::Wire(&[]));

    /// Optional parameters built by the application, sent in slice order.
    pub const fn from_slice(list: &'a [Tlv<'a>]) -> Tlvs<'a> {
        Tlvs(Repr::List(list))
    }

    /// Validates received octets as a sequence of complete TLVs. With `strict_lengths`, a
    /// standard tag whose length breaks its definition is an error ([`DecodeError::TlvLength`]).
    pub fn parse(bytes: &'a [u8], strict_lengths: bool) -> Result<Tlvs<'a>, DecodeError> {
        let mut rest = bytes;
        while !rest.is_empty() {
            let Some((head, after)) = rest.split_first_chunk::<4>() else {
                let tag = match rest {
                    [a, b, ..] => TlvTag(u16::from_be_bytes([*a, *b])),
                    _ => TlvTag(0),
                };
                return Err(DecodeError::TlvTruncated { tag });
            };
            let tag = TlvTag(u16::from_be_bytes([head[0], head[1]]));
            let len = u16::from_be_bytes([head[2], head[3]]);
            let Some(next) = after.get(len as usize..) else {
                return Err(DecodeError::TlvTruncated { tag });
            };
            if strict_lengths {
                if let Some(kind) = tag.kind() {
                    if !kind.allows(len as usize) {
                        return Err(DecodeError::TlvLength { tag, len });
                    }
                }
            }
            rest = next;
        }
        Ok(Tlvs(Repr::Wire(bytes)))
    }

    /// The raw octets, when these TLVs were received.
    pub const fn wire_bytes(&self) -> Option<&'a [u8]> {
        match self.0 {
            Repr::Wire(b) => Some(b),
            Repr::List(_) => None,
        }
    }

    /// Iterates in wire order.
    pub fn iter(&self) -> TlvIter<'a> {
        TlvIter(self.0)
    }

    /// True when there are no TLVs.
    pub fn is_empty(&self) -> bool {
        match self.0 {
            Repr::Wire(b) => b.is_empty(),
            Repr::List(l) => l.is_empty(),
        }
    }

    /// Number of TLVs.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Octets on the wire.
    pub fn encoded_len(&self) -> usize {
        match self.0 {
            Repr::Wire(b) => b.len(),
            Repr::List(l) => l.iter().map(Tlv::encoded_len).sum(),
        }
    }

    /// The first TLV with this tag.
    pub fn get(&self, tag: TlvTag) -> Option<TlvValue<'a>> {
        self.iter().find(|t| t.tag == tag).map(|t| t.value)
    }

    /// True when a TLV with this tag is present.
    pub fn contains(&self, tag: TlvTag) -> bool {
        self.iter().any(|t| t.tag == tag)
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        match self.0 {
            Repr::Wire(b) => {
                s.put(b);
                Ok(())
            }
            Repr::List(l) => l.iter().try_for_each(|t| t.write(s)),
        }
    }

    /// `message_payload`: the message text or data when it is not in `short_message`.
    pub fn message_payload(&self) -> Option<&'a [u8]> {
        match self.get(TlvTag::MESSAGE_PAYLOAD)? {
            TlvValue::Octets(b) | TlvValue::CStr(b) => Some(b),
            _ => None,
        }
    }

    /// `receipted_message_id`, without its NUL (accepted without one).
    pub fn receipted_message_id(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::RECEIPTED_MESSAGE_ID)?.as_cstr()
    }

    /// `additional_status_info_text`, without its NUL.
    pub fn additional_status_info_text(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::ADDITIONAL_STATUS_INFO_TEXT)?.as_cstr()
    }

    /// `network_error_code`.
    pub fn network_error_code(&self) -> Option<NetworkErrorCode> {
        let v = self.get(TlvTag::NETWORK_ERROR_CODE)?;
        match v {
            TlvValue::Octets(&[t, a, b]) => Some(NetworkErrorCode {
                network_type: t,
                error_code: u16::from_be_bytes([a, b]),
            }),
            _ => None,
        }
    }

    /// The three SAR TLVs, when all are present and well-formed.
    pub fn sar(&self) -> Option<SarInfo> {
        Some(SarInfo {
            msg_ref_num: self.sar_msg_ref_num()?,
            total_segments: self.sar_total_segments()?,
            segment_seqnum: self.sar_segment_seqnum()?,
        })
    }

    /// `source_subaddress`.
    pub fn source_subaddress(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::SOURCE_SUBADDRESS)?.octets()
    }

    /// `dest_subaddress`.
    pub fn dest_subaddress(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::DEST_SUBADDRESS)?.octets()
    }

    /// `callback_num`.
    pub fn callback_num(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::CALLBACK_NUM)?.octets()
    }

    /// `callback_num_atag`.
    pub fn callback_num_atag(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::CALLBACK_NUM_ATAG)?.octets()
    }

    /// `its_session_info`.
    pub fn its_session_info(&self) -> Option<u16> {
        self.get(TlvTag::ITS_SESSION_INFO)?.as_u16()
    }

    /// `alert_on_message_delivery` (present or not).
    pub fn alert_on_message_delivery(&self) -> bool {
        self.contains(TlvTag::ALERT_ON_MESSAGE_DELIVERY)
    }
}

macro_rules! int_accessors {
    ($( $fn:ident: $ty:ty = $tag:ident via $conv:ident; )*) => {
        impl Tlvs<'_> {
            $(
                #[doc = concat!("`", stringify!($fn), "`, when present with the right size.")]
                pub fn $fn(&self) -> Option<$ty> {
                    self.get(TlvTag::$tag)?.$conv()
                }
            )*
        }
    };
}

int_accessors! {
    dest_addr_subunit: u8 = DEST_ADDR_SUBUNIT via as_u8;
    dest_network_type: u8 = DEST_NETWORK_TYPE via as_u8;
    dest_bearer_type: u8 = DEST_BEARER_TYPE via as_u8;
    dest_telematics_id: u16 = DEST_TELEMATICS_ID via as_u16;
    source_addr_subunit: u8 = SOURCE_ADDR_SUBUNIT via as_u8;
    source_network_type: u8 = SOURCE_NETWORK_TYPE via as_u8;
    source_bearer_type: u8 = SOURCE_BEARER_TYPE via as_u8;
    source_telematics_id: u8 = SOURCE_TELEMATICS_ID via as_u8;
    qos_time_to_live: u32 = QOS_TIME_TO_LIVE via as_u32;
    payload_type: u8 = PAYLOAD_TYPE via as_u8;
    ms_msg_wait_facilities: u8 = MS_MSG_WAIT_FACILITIES via as_u8;
    privacy_indicator: u8 = PRIVACY_INDICATOR via as_u8;
    user_message_reference: u16 = USER_MESSAGE_REFERENCE via as_u16;
    user_response_code: u8 = USER_RESPONSE_CODE via as_u8;
    source_port: u16 = SOURCE_PORT via as_u16;
    destination_port: u16 = DESTINATION_PORT via as_u16;
    sar_msg_ref_num: u16 = SAR_MSG_REF_NUM via as_u16;
    language_indicator: u8 = LANGUAGE_INDICATOR via as_u8;
    sar_total_segments: u8 = SAR_TOTAL_SEGMENTS via as_u8;
    sar_segment_seqnum: u8 = SAR_SEGMENT_SEQNUM via as_u8;
    sc_interface_version: u8 = SC_INTERFACE_VERSION via as_u8;
    callback_num_pres_ind: u8 = CALLBACK_NUM_PRES_IND via as_u8;
    number_of_messages: u8 = NUMBER_OF_MESSAGES via as_u8;
    dpf_result: u8 = DPF_RESULT via as_u8;
    set_dpf: u8 = SET_DPF via as_u8;
    ms_availability_status: u8 = MS_AVAILABILITY_STATUS via as_u8;
    delivery_failure_reason: u8 = DELIVERY_FAILURE_REASON via as_u8;
    more_messages_to_send: u8 = MORE_MESSAGES_TO_SEND via as_u8;
    message_state: u8 = MESSAGE_STATE via as_u8;
    ussd_service_op: u8 = USSD_SERVICE_OP via as_u8;
    display_time: u8 = DISPLAY_TIME via as_u8;
    sms_signal: u16 = SMS_SIGNAL via as_u16;
    ms_validity: u8 = MS_VALIDITY via as_u8;
    its_reply_type: u8 = ITS_REPLY_TYPE via as_u8;
}

impl PartialEq for Tlvs<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Tlvs<'_> {}

impl fmt::Debug for Tlvs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for Tlvs<'a> {
    type Item = Tlv<'a>;
    type IntoIter = TlvIter<'a>;
    fn into_iter(self) -> TlvIter<'a> {
        self.iter()
    }
}

/// Iterator over [`Tlvs`] in wire order.
#[derive(Clone, Debug)]
pub struct TlvIter<'a>(Repr<'a>);

impl<'a> Iterator for TlvIter<'a> {
    type Item = Tlv<'a>;
    fn next(&mut self) -> Option<Tlv<'a>> {
        match &mut self.0 {
            Repr::Wire(rest) => {
                let (head, after) = rest.split_first_chunk::<4>()?;
                let tag = TlvTag(u16::from_be_bytes([head[0], head[1]]));
                let len = u16::from_be_bytes([head[2], head[3]]) as usize;
                // Wire TLVs were validated by `Tlvs::parse`; a short value ends iteration.
                let (value, next) = after.split_at_checked(len)?;
                *rest = next;
                Some(Tlv::octets(tag, value))
            }
            Repr::List(list) => {
                let (first, others) = list.split_first()?;
                *list = others;
                Some(*first)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_walks_and_preserves_unknown_tags() {
        let bytes = [
            0x00, 0x1E, 0x00, 0x04, b'a', b'b', b'c', 0, // receipted_message_id
            0x14, 0x00, 0x00, 0x02, 0xBE, 0xEF, // vendor tag
            0x04, 0x27, 0x00, 0x01, 0x02, // message_state
        ];
        let t = Tlvs::parse(&bytes, true).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.receipted_message_id(), Some(&b"abc"[..]));
        assert_eq!(t.message_state(), Some(2));
        let vendor = t.get(TlvTag(0x1400)).unwrap();
        assert_eq!(vendor.octets(), Some(&[0xBE, 0xEF][..]));
        assert!(TlvTag(0x1400).is_vendor_specific());
    }

    #[test]
    fn parse_rejects_truncation_and_bad_lengths() {
        assert_eq!(
            Tlvs::parse(&[0x04, 0x27, 0x00], false).unwrap_err(),
            DecodeError::TlvTruncated {
                tag: TlvTag::MESSAGE_STATE
            }
        );
        assert_eq!(
            Tlvs::parse(&[0x04, 0x27, 0x00, 0x02, 1], false).unwrap_err(),
            DecodeError::TlvTruncated {
                tag: TlvTag::MESSAGE_STATE
            }
        );
        let wrong = [0x04, 0x27, 0x00, 0x02, 0, 1];
        assert!(Tlvs::parse(&wrong, false).is_ok());
        assert_eq!(Tlvs::parse(&wrong, false).unwrap().message_state(), None);
        assert_eq!(
            Tlvs::parse(&wrong, true).unwrap_err(),
            DecodeError::TlvLength {
                tag: TlvTag::MESSAGE_STATE,
                len: 2
            }
        );
    }

    #[test]
    fn built_values_compare_by_wire_form() {
        let a = Tlv::u16(TlvTag::SAR_MSG_REF_NUM, 0x1234);
        let b = Tlv::octets(TlvTag::SAR_MSG_REF_NUM, &[0x12, 0x34]);
        assert_eq!(a, b);
        let c = Tlv::cstr(TlvTag::RECEIPTED_MESSAGE_ID, b"ab");
        let d = Tlv::octets(TlvTag::RECEIPTED_MESSAGE_ID, b"ab\0");
        assert_eq!(c, d);
        assert_ne!(c, Tlv::octets(TlvTag::RECEIPTED_MESSAGE_ID, b"ab"));
        let list = [a, c];
        let t = Tlvs::from_slice(&list);
        assert_eq!(t.sar_msg_ref_num(), Some(0x1234));
        assert_eq!(t.receipted_message_id(), Some(&b"ab"[..]));
        assert_eq!(t.encoded_len(), 6 + 7);
    }

    #[test]
    fn cstr_values_with_nul_are_refused() {
        use crate::wire::writer::Measure;
        let mut m = Measure::<true>::default();
        assert_eq!(
            Tlv::cstr(TlvTag::RECEIPTED_MESSAGE_ID, b"ab\0cd").write(&mut m),
            Err(EncodeError::EmbeddedNul {
                field: crate::wire::Field::Tlvs
            })
        );
        assert!(Tlv::cstr(TlvTag::RECEIPTED_MESSAGE_ID, b"abcd")
            .write(&mut m)
            .is_ok());
    }
}
