//! Why a cell could not be measured.

use std::fmt;

/// A failure before or around the measurement of one cell (a bind that failed, a server
/// that did not start). Failures of single requests are not errors: they are counted in
/// the cell's `errors`.
#[derive(Debug)]
pub enum Error {
    /// The server did not start listening.
    Listen(String),
    /// A bind did not complete (connect refused, bind refused, or no answer in time).
    Bind {
        /// Which bind of the cell (1-based).
        bind: usize,
        /// What went wrong.
        reason: String,
    },
    /// The command line was wrong.
    Usage(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Listen(e) => write!(f, "server did not start: {e}"),
            Error::Bind { bind, reason } => write!(f, "bind {bind} failed: {reason}"),
            Error::Usage(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for Error {}
