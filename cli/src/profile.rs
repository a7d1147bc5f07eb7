//! SMSC profiles: named sets of [`SimConfig`] settings that make the simulator behave like
//! a kind of SMSC (`smpp smsc --profile NAME`).
//!
//! A profile is applied to a configuration first; options given explicitly are applied
//! after it and so override the profile's values.
//!
//! ```
//! use smpp_cli::profile::Profile;
//! use smpp_cli::sim::SimConfig;
//! use smpp_core::pdu::CommandId;
//! use std::time::Duration;
//!
//! let mut config = SimConfig::default();
//! "ecall".parse::<Profile>().unwrap().apply(&mut config);
//! assert_eq!(config.system_id, "eCallSmpp");
//! assert_eq!(config.inactivity_timeout, Some(Duration::from_secs(60)));
//! let supported = config.supported.unwrap();
//! assert!(supported.contains(CommandId::SubmitSm));
//! assert!(!supported.contains(CommandId::DataSm));
//! ```

use crate::sim::SimConfig;
use smpp_core::pdu::CommandId;
use smpp_core::session::{CommandSet, Inactivity};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A named SMSC profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    /// The eCall SMSC: only `bind_*`, `submit_sm`, `deliver_sm`, `enquire_link` and
    /// `unbind` are served (`submit_multi`, `data_sm`, `query_sm`, `replace_sm` and
    /// `cancel_sm` are answered `generic_nack` `ESME_RINVCMDID`); a session is closed
    /// after 60 s without any PDU received; bind responses carry system_id `eCallSmpp`.
    Ecall,
}

/// The requests of the eCall profile.
pub const ECALL_COMMANDS: CommandSet = CommandSet::from_slice(&[
    CommandId::BindReceiver,
    CommandId::BindTransmitter,
    CommandId::BindTransceiver,
    CommandId::SubmitSm,
    CommandId::DeliverSm,
    CommandId::EnquireLink,
    CommandId::Unbind,
]);

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 1] = [Profile::Ecall];

    /// The profile's name on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Ecall => "ecall",
        }
    }

    /// Sets the profile's values in `config` (the rest is left as it is).
    pub fn apply(&self, config: &mut SimConfig) {
        match self {
            Profile::Ecall => {
                config.supported = Some(ECALL_COMMANDS);
                config.inactivity_timeout = Some(Duration::from_secs(60));
                config.inactivity = Inactivity::AnyPdu;
                config.system_id = "eCallSmpp".into();
            }
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Profile, String> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown profile {s:?} (ecall)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecall_sets_its_values() {
        let mut c = SimConfig {
            inactivity: Inactivity::Messages,
            inactivity_timeout: None,
            ..SimConfig::default()
        };
        Profile::Ecall.apply(&mut c);
        assert_eq!(c.inactivity_timeout, Some(Duration::from_secs(60)));
        assert_eq!(c.inactivity, Inactivity::AnyPdu);
        assert_eq!(c.system_id, "eCallSmpp");
        let s = c.supported.expect("a command set");
        for id in [
            CommandId::BindTransceiver,
            CommandId::SubmitSm,
            CommandId::DeliverSm,
            CommandId::EnquireLink,
            CommandId::Unbind,
        ] {
            assert!(s.contains(id), "{id:?}");
        }
        for id in [
            CommandId::SubmitMulti,
            CommandId::DataSm,
            CommandId::QuerySm,
            CommandId::ReplaceSm,
            CommandId::CancelSm,
        ] {
            assert!(!s.contains(id), "{id:?}");
        }
        // The rest is untouched.
        assert_eq!(c.window, SimConfig::default().window);
        assert_eq!(c.sc_interface_version, Some(0x34));
    }

    #[test]
    fn names_parse_case_insensitively() {
        assert_eq!("eCall".parse::<Profile>(), Ok(Profile::Ecall));
        assert!("ozeki".parse::<Profile>().unwrap_err().contains("ozeki"));
        assert_eq!(Profile::Ecall.to_string(), "ecall");
    }
}
