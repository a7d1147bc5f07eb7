//! Session-level bodies: `bind_*`, `bind_*_resp`, `outbind`.

use super::{Ctx, Npi, Tlvs, Ton};
use crate::pdu::DisplayBytes;
use crate::wire::reader::Reader;
use crate::wire::writer::{cstr, Sink};
use crate::wire::{DecodeError, EncodeError, Field};
use core::fmt;

/// The body of `bind_transmitter`, `bind_receiver` and `bind_transceiver` (SMPP 3.4 4.1).
/// Its `Debug` output never shows the password.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Bind<'a> {
    /// `system_id` (at most 15 octets): the account name.
    pub system_id: &'a [u8],
    /// `password` (at most 8 octets).
    pub password: &'a [u8],
    /// `system_type` (at most 12 octets), often empty.
    pub system_type: &'a [u8],
    /// `interface_version`: 0x34 for SMPP 3.4.
    pub interface_version: u8,
    /// `addr_ton` of the address range.
    pub addr_ton: Ton,
    /// `addr_npi` of the address range.
    pub addr_npi: Npi,
    /// `address_range` (at most 40 octets), often empty.
    pub address_range: &'a [u8],
}

impl Default for Bind<'_> {
    fn default() -> Self {
        Bind {
            system_id: &[],
            password: &[],
            system_type: &[],
            interface_version: 0x34,
            addr_ton: Ton::UNKNOWN,
            addr_npi: Npi::UNKNOWN,
            address_range: &[],
        }
    }
}

impl<'a> Bind<'a> {
    /// A bind with the given credentials and defaults elsewhere (interface version 0x34).
    pub fn new(system_id: &'a str, password: &'a str) -> Bind<'a> {
        Bind {
            system_id: system_id.as_bytes(),
            password: password.as_bytes(),
            ..Bind::default()
        }
    }

    pub(crate) fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Bind {
            system_id: r.cstr(Field::SystemId, 16)?,
            password: r.cstr(Field::Password, 9)?,
            system_type: r.cstr(Field::SystemType, 13)?,
            interface_version: r.u8(Field::InterfaceVersion)?,
            addr_ton: Ton(r.u8(Field::AddrTon)?),
            addr_npi: Npi(r.u8(Field::AddrNpi)?),
            address_range: r.cstr(Field::AddressRange, 41)?,
        })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        cstr(s, Field::SystemId, self.system_id, 16)?;
        cstr(s, Field::Password, self.password, 9)?;
        cstr(s, Field::SystemType, self.system_type, 13)?;
        s.put_u8(self.interface_version);
        s.put_u8(self.addr_ton.0);
        s.put_u8(self.addr_npi.0);
        cstr(s, Field::AddressRange, self.address_range, 41)
    }
}

/// The body of `bind_*_resp` (SMPP 3.4 4.1.2): the SMSC's `system_id` and optionally the
/// `sc_interface_version` TLV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BindResp<'a> {
    /// `system_id` of the SMSC (at most 15 octets).
    pub system_id: &'a [u8],
    /// Optional parameters (`sc_interface_version`).
    pub tlvs: Tlvs<'a>,
}

impl<'a> BindResp<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &Ctx<'_>) -> Result<Self, DecodeError> {
        if r.is_empty() && ctx.empty_body_ok() {
            return Ok(BindResp::default());
        }
        let system_id = r.cstr(Field::SystemId, 16)?;
        let tlvs = Tlvs::parse(r.rest(), ctx.opts.strict_tlv_lengths)?;
        Ok(BindResp { system_id, tlvs })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        cstr(s, Field::SystemId, self.system_id, 16)?;
        self.tlvs.write(s)
    }
}

/// The body of `outbind` (SMPP 3.4 4.1.7). Its `Debug` output never shows the password.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Outbind<'a> {
    /// `system_id` of the SMSC (at most 15 octets).
    pub system_id: &'a [u8],
    /// `password` (at most 8 octets).
    pub password: &'a [u8],
}

impl<'a> Outbind<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Outbind {
            system_id: r.cstr(Field::SystemId, 16)?,
            password: r.cstr(Field::Password, 9)?,
        })
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        cstr(s, Field::SystemId, self.system_id, 16)?;
        cstr(s, Field::Password, self.password, 9)
    }
}

impl fmt::Debug for Bind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bind")
            .field("system_id", &DisplayBytes(self.system_id))
            .field("password", &"***")
            .field("system_type", &DisplayBytes(self.system_type))
            .field("interface_version", &self.interface_version)
            .field("addr_ton", &self.addr_ton)
            .field("addr_npi", &self.addr_npi)
            .field("address_range", &DisplayBytes(self.address_range))
            .finish()
    }
}

impl fmt::Debug for Outbind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbind")
            .field("system_id", &DisplayBytes(self.system_id))
            .field("password", &"***")
            .finish()
    }
}

/// Compares two secrets in time that depends only on their lengths, not on where they
/// differ (for password checks in authenticators).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_passwords() {
        let b = Bind::new("user", "hunter2");
        let text = format!("{b:?}");
        assert!(text.contains("user") && !text.contains("hunter2"), "{text}");
        let o = Outbind {
            system_id: b"smsc",
            password: b"hunter2",
        };
        assert!(!format!("{o:?}").contains("hunter2"));
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret1"));
        assert!(constant_time_eq(b"", b""));
    }
}
