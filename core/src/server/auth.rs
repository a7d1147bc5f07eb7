//! How a server decides on a bind: its [`Authenticator`] gets the [`BindRequest`] with its
//! [`Password`], which never shows in `Debug` output and compares in constant time.

use crate::pdu::{constant_time_eq, CommandStatus};
use crate::session::BindType;
use alloc::string::String;
use core::fmt;
use core::net::SocketAddr;

/// A bind password. Its `Debug` prints `***`. Its comparisons (`==` with another
/// `Password`, a `str` or a `&str`, and [`Password::matches`]) take a time that does not
/// depend on where the texts differ ([`constant_time_eq`]).
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// A password.
    pub fn new(p: impl Into<String>) -> Password {
        Password(p.into())
    }

    /// The password's text, for checking it (prefer [`Password::matches`] or `==`, which
    /// compare in constant time).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the password is `expected`, compared in constant time.
    pub fn matches(&self, expected: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), expected.as_bytes())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl PartialEq for Password {
    fn eq(&self, other: &Password) -> bool {
        self.matches(&other.0)
    }
}

impl Eq for Password {}

impl PartialEq<str> for Password {
    fn eq(&self, other: &str) -> bool {
        self.matches(other)
    }
}

impl PartialEq<&str> for Password {
    fn eq(&self, other: &&str) -> bool {
        self.matches(other)
    }
}

/// A bind request, as the server's [`Authenticator`] sees it.
#[derive(Clone, Debug)]
pub struct BindRequest {
    /// The account name.
    pub system_id: String,
    /// The password.
    pub password: Password,
    /// `system_type`.
    pub system_type: String,
    /// The requested bind type.
    pub bind_type: BindType,
    /// `interface_version` (0x34 for SMPP 3.4).
    pub interface_version: u8,
    /// `addr_ton` of the address range.
    pub addr_ton: u8,
    /// `addr_npi` of the address range.
    pub addr_npi: u8,
    /// `address_range`.
    pub address_range: String,
    /// The ESME's (client's) address.
    pub peer: SocketAddr,
}

/// Decides on bind requests: `Ok(())` accepts, `Err(status)` refuses with that status
/// (for example `ESME_RINVPASWD`). Closures `Fn(&BindRequest) -> Result<(), CommandStatus>`
/// are authenticators.
///
/// The runtime adapters call it on the connection's reader thread (`smpp_blocking`) or from
/// the connection's task (`smpp_smol`): keep it quick. Implementations should compare
/// secrets in constant time: `req.password == expected` and [`Password::matches`] do, as
/// does [`constant_time_eq`] for stored octets; never `as_str() == ..`. Do not log the
/// password ([`BindRequest`]'s `Debug` shows it as `***`). A refusal counts as a failed
/// bind of the peer's address (the server's
/// [`failed_binds`](crate::server::ServerConfig::failed_binds)).
pub trait Authenticator: Send + Sync + 'static {
    /// Accepts or refuses `req`.
    fn authenticate(&self, req: &BindRequest) -> Result<(), CommandStatus>;
}

impl<F> Authenticator for F
where
    F: Fn(&BindRequest) -> Result<(), CommandStatus> + Send + Sync + 'static,
{
    fn authenticate(&self, req: &BindRequest) -> Result<(), CommandStatus> {
        self(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hides_itself_and_compares() {
        let p = Password::new("secret");
        assert_eq!(alloc::format!("{p:?}"), "***");
        assert!(p == "secret");
        assert!(p == *"secret");
        assert!(p != "secreT");
        assert!(p.matches("secret") && !p.matches("secre"));
        assert_eq!(p, Password::new("secret"));
        assert_eq!(p.as_str(), "secret");
    }
}
