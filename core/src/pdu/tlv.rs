//! Optional parameters (TLVs, SMPP 3.4 section 5.3, SMPP 5.0 section 4.8).
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
            if self.tag.has_value_range() && !self.value.with_bytes(|a, _| self.tag.allows_value(a))
            {
                return Err(EncodeError::TlvOutOfRange { tag: self.tag });
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
    /// standard tag whose length breaks its definition is an error ([`DecodeError::TlvLength`]),
    /// and so is a value outside its range ([`DecodeError::TlvOutOfRange`]).
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
                    if tag.has_value_range()
                        && !tag.allows_value(after.get(..len as usize).unwrap_or(&[]))
                    {
                        return Err(DecodeError::TlvOutOfRange { tag });
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

    /// The SMPP 5.0 value of `alert_on_message_delivery` (0 mobile default, 1 low, 2 medium,
    /// 3 high priority alert); `None` when absent or in its empty SMPP 3.4 form.
    pub fn alert_on_message_delivery_value(&self) -> Option<u8> {
        self.get(TlvTag::ALERT_ON_MESSAGE_DELIVERY)?.as_u8()
    }

    /// `congestion_state` (SMPP 5.0): the sender's load, 0 (idle) to 100 (congested);
    /// `None` when absent, of the wrong size or above 100.
    pub fn congestion_state(&self) -> Option<u8> {
        self.get(TlvTag::CONGESTION_STATE)?
            .as_u8()
            .filter(|v| *v <= 100)
    }

    /// `broadcast_area_success` (SMPP 5.0): the percentage of cells that accepted the
    /// broadcast (0..=100) or 255 (not available); `None` when absent or out of range.
    pub fn broadcast_area_success(&self) -> Option<u8> {
        self.get(TlvTag::BROADCAST_AREA_SUCCESS)?
            .as_u8()
            .filter(|v| *v <= 100 || *v == 255)
    }

    /// Every `broadcast_area_identifier` (SMPP 5.0; `broadcast_sm` carries one or more, and
    /// in `broadcast_sm_resp` they name the failed areas), in wire order. Malformed ones
    /// (empty) are skipped.
    pub fn broadcast_area_identifiers(&self) -> impl Iterator<Item = BroadcastArea<'a>> + 'a {
        self.iter()
            .filter(|t| t.tag == TlvTag::BROADCAST_AREA_IDENTIFIER)
            .filter_map(|t| BroadcastArea::from_octets(t.value.octets()?))
    }

    /// The first `broadcast_area_identifier` (SMPP 5.0).
    pub fn broadcast_area_identifier(&self) -> Option<BroadcastArea<'a>> {
        self.broadcast_area_identifiers().next()
    }

    /// `broadcast_content_type` (SMPP 5.0).
    pub fn broadcast_content_type(&self) -> Option<BroadcastContentType> {
        match self.get(TlvTag::BROADCAST_CONTENT_TYPE)? {
            TlvValue::Octets(&[n, a, b]) => Some(BroadcastContentType {
                network_type: n,
                content_type: u16::from_be_bytes([a, b]),
            }),
            _ => None,
        }
    }

    /// `broadcast_frequency_interval` (SMPP 5.0).
    pub fn broadcast_frequency_interval(&self) -> Option<BroadcastFrequencyInterval> {
        match self.get(TlvTag::BROADCAST_FREQUENCY_INTERVAL)? {
            TlvValue::Octets(&[u, a, b]) => Some(BroadcastFrequencyInterval {
                unit: u,
                value: u16::from_be_bytes([a, b]),
            }),
            _ => None,
        }
    }

    /// `broadcast_end_time` (SMPP 5.0), an absolute time without its NUL.
    pub fn broadcast_end_time(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::BROADCAST_END_TIME)?.as_cstr()
    }

    /// `broadcast_content_type_info` (SMPP 5.0), free format.
    pub fn broadcast_content_type_info(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::BROADCAST_CONTENT_TYPE_INFO)?.octets()
    }

    /// `broadcast_service_group` (SMPP 5.0), free format.
    pub fn broadcast_service_group(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::BROADCAST_SERVICE_GROUP)?.octets()
    }

    /// `billing_identification` (SMPP 5.0): a format octet, then the billing data.
    pub fn billing_identification(&self) -> Option<(u8, &'a [u8])> {
        let (format, rest) = self
            .get(TlvTag::BILLING_IDENTIFICATION)?
            .octets()?
            .split_first()?;
        Some((*format, rest))
    }

    /// `source_network_id` (SMPP 5.0), without its NUL.
    pub fn source_network_id(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::SOURCE_NETWORK_ID)?.as_cstr()
    }

    /// `dest_network_id` (SMPP 5.0), without its NUL.
    pub fn dest_network_id(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::DEST_NETWORK_ID)?.as_cstr()
    }

    /// `source_node_id` (SMPP 5.0): 6 decimal digits.
    pub fn source_node_id(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::SOURCE_NODE_ID)?
            .octets()
            .filter(|v| v.len() == 6)
    }

    /// `dest_node_id` (SMPP 5.0): 6 decimal digits.
    pub fn dest_node_id(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::DEST_NODE_ID)?
            .octets()
            .filter(|v| v.len() == 6)
    }

    /// `dest_addr_np_information` (SMPP 5.0): 10 octets of number portability data.
    pub fn dest_addr_np_information(&self) -> Option<&'a [u8]> {
        self.get(TlvTag::DEST_ADDR_NP_INFORMATION)?
            .octets()
            .filter(|v| v.len() == 10)
    }

    /// `dest_addr_np_country` (SMPP 5.0): the E.164 country code as a 5-octet integer.
    pub fn dest_addr_np_country(&self) -> Option<u64> {
        match self.get(TlvTag::DEST_ADDR_NP_COUNTRY)? {
            TlvValue::Octets(&[a, b, c, d, e]) => {
                Some(u64::from_be_bytes([0, 0, 0, a, b, c, d, e]))
            }
            _ => None,
        }
    }

    /// `ms_validity` in either form: SMPP 3.4's one octet or SMPP 5.0's four (behaviour
    /// 4 "relative time period" with a time unit and a number).
    pub fn ms_validity_full(&self) -> Option<MsValidity> {
        match self.get(TlvTag::MS_VALIDITY)? {
            TlvValue::U8(b) | TlvValue::Octets(&[b]) => Some(MsValidity {
                behaviour: b,
                period: None,
            }),
            TlvValue::Octets(&[b, unit, n1, n2]) => Some(MsValidity {
                behaviour: b,
                period: Some((unit, u16::from_be_bytes([n1, n2]))),
            }),
            _ => None,
        }
    }
}

/// `broadcast_area_identifier` (SMPP 5.0 section 4.8.4.4): a format and the area in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BroadcastArea<'a> {
    /// Area format: 0 alias/name, 1 ellipsoid arc, 2 polygon (others reserved).
    pub format: u8,
    /// The area, in the format's encoding.
    pub area: &'a [u8],
}

impl<'a> BroadcastArea<'a> {
    /// Splits a received value (`None` when empty).
    pub fn from_octets(value: &'a [u8]) -> Option<BroadcastArea<'a>> {
        let (format, area) = value.split_first()?;
        Some(BroadcastArea {
            format: *format,
            area,
        })
    }
}

/// `broadcast_content_type` (SMPP 5.0 section 4.8.4.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BroadcastContentType {
    /// Network type: 0 generic, 1 GSM (3GPP 23.041), 2 TDMA (IS-824), 3 CDMA (IS-637).
    pub network_type: u8,
    /// The content type (service), for example 0x0001 local news.
    pub content_type: u16,
}

impl BroadcastContentType {
    /// The three wire octets.
    pub const fn to_bytes(self) -> [u8; 3] {
        let c = self.content_type.to_be_bytes();
        [self.network_type, c[0], c[1]]
    }
}

/// `broadcast_frequency_interval` (SMPP 5.0 section 4.8.4): how often a broadcast
/// repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BroadcastFrequencyInterval {
    /// Time unit: 0x00 as frequently as possible, 0x08 seconds, 0x09 minutes, 0x0A hours,
    /// 0x0B days, 0x0C weeks, 0x0D months, 0x0E years.
    pub unit: u8,
    /// The number of units.
    pub value: u16,
}

impl BroadcastFrequencyInterval {
    /// The three wire octets.
    pub const fn to_bytes(self) -> [u8; 3] {
        let v = self.value.to_be_bytes();
        [self.unit, v[0], v[1]]
    }
}

/// `ms_validity` (SMPP 5.0 section 4.8.4), in either size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MsValidity {
    /// Validity behaviour: 0 store indefinitely, 1 power down, 2 valid until registration
    /// area changes, 3 display only, 4 relative time period.
    pub behaviour: u8,
    /// With behaviour 4 (SMPP 5.0's 4-octet form): the time unit (0 seconds ... 6 years)
    /// and the number of units.
    pub period: Option<(u8, u16)>,
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
    broadcast_channel_indicator: u8 = BROADCAST_CHANNEL_INDICATOR via as_u8;
    broadcast_message_class: u8 = BROADCAST_MESSAGE_CLASS via as_u8;
    broadcast_rep_num: u16 = BROADCAST_REP_NUM via as_u16;
    broadcast_error_status: u32 = BROADCAST_ERROR_STATUS via as_u32;
    dest_addr_np_resolution: u8 = DEST_ADDR_NP_RESOLUTION via as_u8;
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
