//! Typed values of mandatory fields: TON, NPI, data coding, esm_class, registered_delivery,
//! and the `Address` triple. All are open: any octet round-trips.

use core::fmt;

macro_rules! open_u8 {
    ($(#[$doc:meta])* $ty:ident { $( $(#[$cdoc:meta])* $name:ident = $value:literal, )* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $ty(pub u8);

        impl $ty {
            $( $(#[$cdoc])* pub const $name: $ty = $ty($value); )*

            /// The specification's name for the value, or `None` for an unnamed value.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some(stringify!($name)), )*
                    _ => None,
                }
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => write!(f, "{}::{}", stringify!($ty), n),
                    None => write!(f, "{}(0x{:02X})", stringify!($ty), self.0),
                }
            }
        }

        impl From<u8> for $ty {
            fn from(v: u8) -> $ty {
                $ty(v)
            }
        }

        impl From<$ty> for u8 {
            fn from(v: $ty) -> u8 {
                v.0
            }
        }
    };
}

open_u8! {
    /// Type of number (SMPP 3.4 section 5.2.5).
    Ton {
        /// Unknown.
        UNKNOWN = 0,
        /// International (E.164 with country code).
        INTERNATIONAL = 1,
        /// National.
        NATIONAL = 2,
        /// Network specific.
        NETWORK_SPECIFIC = 3,
        /// Subscriber number.
        SUBSCRIBER_NUMBER = 4,
        /// Alphanumeric sender id.
        ALPHANUMERIC = 5,
        /// Abbreviated (short code).
        ABBREVIATED = 6,
    }
}

open_u8! {
    /// Numbering plan indicator (SMPP 3.4 section 5.2.6).
    Npi {
        /// Unknown.
        UNKNOWN = 0,
        /// ISDN (E.163/E.164).
        ISDN = 1,
        /// Data (X.121).
        DATA = 3,
        /// Telex (F.69).
        TELEX = 4,
        /// Land mobile (E.212).
        LAND_MOBILE = 6,
        /// National.
        NATIONAL = 8,
        /// Private.
        PRIVATE = 9,
        /// ERMES.
        ERMES = 10,
        /// Internet (IP).
        INTERNET = 14,
        /// WAP client id.
        WAP_CLIENT_ID = 18,
    }
}

open_u8! {
    /// `data_coding` (SMPP 3.4 section 5.2.19). Decoding text by data coding lives in
    /// [`crate::message`].
    DataCoding {
        /// SMSC default alphabet (usually GSM 03.38).
        DEFAULT = 0x00,
        /// IA5 (CCITT T.50) / ASCII.
        IA5 = 0x01,
        /// 8-bit binary.
        OCTET_UNSPECIFIED = 0x02,
        /// Latin-1 (ISO-8859-1).
        LATIN1 = 0x03,
        /// 8-bit binary.
        OCTET_UNSPECIFIED_2 = 0x04,
        /// JIS (X 0208-1990).
        JIS = 0x05,
        /// Cyrillic (ISO-8859-5).
        CYRILLIC = 0x06,
        /// Latin/Hebrew (ISO-8859-8).
        HEBREW = 0x07,
        /// UCS2 (ISO/IEC-10646), sent as UTF-16BE.
        UCS2 = 0x08,
        /// Pictogram encoding.
        PICTOGRAM = 0x09,
        /// ISO-2022-JP (music codes).
        ISO_2022_JP = 0x0A,
        /// Extended Kanji JIS (X 0212-1990).
        KANJI_JIS = 0x0D,
        /// KS C 5601.
        KS_C_5601 = 0x0E,
    }
}

open_u8! {
    /// `esm_class` (SMPP 3.4 section 5.2.12): messaging mode, message type and GSM features.
    EsmClass {
        /// Default messaging mode, default message type, no GSM features.
        DEFAULT = 0x00,
        /// Datagram mode.
        DATAGRAM_MODE = 0x01,
        /// Forward (transaction) mode.
        FORWARD_MODE = 0x02,
        /// Store and forward mode.
        STORE_AND_FORWARD_MODE = 0x03,
        /// SMSC delivery receipt (in `deliver_sm`).
        DELIVERY_RECEIPT = 0x04,
        /// SME delivery acknowledgement.
        DELIVERY_ACK = 0x08,
        /// SME manual/user acknowledgement.
        USER_ACK = 0x10,
        /// Conversation abort (Korean CDMA).
        CONVERSATION_ABORT = 0x18,
        /// Intermediate delivery notification.
        INTERMEDIATE_NOTIFICATION = 0x20,
        /// UDH indicator: `short_message` starts with a user data header.
        UDHI = 0x40,
        /// Reply path.
        REPLY_PATH = 0x80,
        /// UDHI and reply path.
        UDHI_AND_REPLY_PATH = 0xC0,
    }
}

impl EsmClass {
    /// Bits 1-0: messaging mode.
    pub const fn messaging_mode(self) -> u8 {
        self.0 & 0x03
    }

    /// Bits 5-2: message type (0x04 delivery receipt, 0x08 delivery ack, ...).
    pub const fn message_type(self) -> u8 {
        self.0 & 0x3C
    }

    /// True when `short_message` begins with a user data header.
    pub const fn udhi(self) -> bool {
        self.0 & 0x40 != 0
    }

    /// True when this `deliver_sm` carries an SMSC delivery receipt.
    pub const fn is_delivery_receipt(self) -> bool {
        self.message_type() == 0x04
    }

    /// The same class with the UDH indicator set or cleared.
    pub const fn with_udhi(self, on: bool) -> EsmClass {
        if on {
            EsmClass(self.0 | 0x40)
        } else {
            EsmClass(self.0 & !0x40)
        }
    }
}

open_u8! {
    /// `registered_delivery` (SMPP 3.4 section 5.2.17).
    RegisteredDelivery {
        /// No SMSC delivery receipt requested.
        NONE = 0x00,
        /// Receipt requested on final outcome, success or failure.
        ON_SUCCESS_OR_FAILURE = 0x01,
        /// Receipt requested on failure only.
        ON_FAILURE = 0x02,
    }
}

impl RegisteredDelivery {
    /// Bits 1-0: SMSC delivery receipt request (0 none, 1 success or failure, 2 failure).
    pub const fn smsc_receipt(self) -> u8 {
        self.0 & 0x03
    }

    /// True when the SMSC should send a receipt for a message with the given final success.
    pub const fn wants_receipt(self, delivered: bool) -> bool {
        match self.smsc_receipt() {
            1 => true,
            2 => !delivered,
            _ => false,
        }
    }

    /// Bits 3-2: SME originated acknowledgement request.
    pub const fn sme_ack(self) -> u8 {
        (self.0 >> 2) & 0x03
    }

    /// Bit 4: intermediate notification requested.
    pub const fn intermediate_notification(self) -> bool {
        self.0 & 0x10 != 0
    }
}

/// An SME address: type of number, numbering plan and the address digits or text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Address<'a> {
    /// Type of number.
    pub ton: Ton,
    /// Numbering plan indicator.
    pub npi: Npi,
    /// The address itself, without its terminating NUL.
    pub addr: &'a [u8],
}

impl<'a> Address<'a> {
    /// An address from its parts.
    pub const fn new(ton: Ton, npi: Npi, addr: &'a [u8]) -> Address<'a> {
        Address { ton, npi, addr }
    }

    /// An international ISDN number (`ton` 1, `npi` 1), the usual form of a mobile number.
    pub const fn international(addr: &'a str) -> Address<'a> {
        Address::new(Ton::INTERNATIONAL, Npi::ISDN, addr.as_bytes())
    }

    /// An alphanumeric sender id (`ton` 5, `npi` 0).
    pub const fn alphanumeric(addr: &'a str) -> Address<'a> {
        Address::new(Ton::ALPHANUMERIC, Npi::UNKNOWN, addr.as_bytes())
    }
}

impl fmt::Debug for Address<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Address({}/{} {:?})",
            self.ton.0,
            self.npi.0,
            crate::pdu::DisplayBytes(self.addr)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esm_class_bits() {
        let e = EsmClass(0x44);
        assert!(e.udhi());
        assert!(e.is_delivery_receipt());
        assert_eq!(e.with_udhi(false), EsmClass::DELIVERY_RECEIPT);
        assert_eq!(EsmClass::DEFAULT.with_udhi(true), EsmClass::UDHI);
    }

    #[test]
    fn registered_delivery_bits() {
        assert!(RegisteredDelivery(1).wants_receipt(true));
        assert!(!RegisteredDelivery(2).wants_receipt(true));
        assert!(RegisteredDelivery(2).wants_receipt(false));
        assert!(!RegisteredDelivery(0).wants_receipt(false));
        assert!(RegisteredDelivery(0x11).intermediate_notification());
    }

    #[test]
    fn names() {
        assert_eq!(Ton(5).name(), Some("ALPHANUMERIC"));
        assert_eq!(Npi(2).name(), None);
        assert_eq!(DataCoding(8), DataCoding::UCS2);
    }
}
