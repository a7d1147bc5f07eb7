//! The runtime crate that does the work (`--runtime smol|blocking`): the clients of
//! `smpp send`, `listen` and `bench`, and the server of `smpp smsc`
//! ([`SimConfig::runtime`](crate::sim::SimConfig::runtime)).
//!
//! ```
//! use smpp_examples::runtime::Runtime;
//!
//! assert_eq!("blocking".parse::<Runtime>(), Ok(Runtime::Blocking));
//! assert_eq!(Runtime::default().to_string(), "smol");
//! assert!("tokio".parse::<Runtime>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

/// `smpp_smol` (async, on smol) or `smpp_blocking` (std::net and threads).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Runtime {
    /// `smpp_smol`: async, on smol.
    #[default]
    Smol,
    /// `smpp_blocking`: std::net and threads.
    Blocking,
}

impl Runtime {
    /// Every runtime, the default first.
    pub const ALL: [Runtime; 2] = [Runtime::Smol, Runtime::Blocking];

    /// `smol` or `blocking`.
    pub const fn name(self) -> &'static str {
        match self {
            Runtime::Smol => "smol",
            Runtime::Blocking => "blocking",
        }
    }
}

impl FromStr for Runtime {
    type Err = String;

    fn from_str(s: &str) -> Result<Runtime, String> {
        match s.to_ascii_lowercase().as_str() {
            "smol" => Ok(Runtime::Smol),
            "blocking" => Ok(Runtime::Blocking),
            _ => Err("unknown runtime (use smol or blocking)".into()),
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
