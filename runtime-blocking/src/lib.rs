//! Blocking `std::net` runtime adapter for [`smpp_core`]: drives one sans-IO session per TCP connection.
//!
//! The adapter arrives with the runtimes work; today the crate only re-exports the core.
#![forbid(unsafe_code)]

pub use smpp_core as core;
