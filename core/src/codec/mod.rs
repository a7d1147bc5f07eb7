//! Compatibility paths for the framing layer and the field errors.
//!
//! This module used to hold framing, the field errors and the checked reader and writer.
//! Framing now lives in [`framing`](crate::framing) and the errors in
//! [`wire`](crate::wire); every public path that existed here is re-exported unchanged
//! (`smpp_core::codec::{frame, Framing, Frame, DecodeError, EncodeError, Field}` and
//! `smpp_core::codec::error::*`).

pub use crate::framing::Frame;
pub use crate::framing::{frame, Framing};
pub use crate::wire::{DecodeError, EncodeError, Field};

/// Compatibility path for the typed decode and encode errors, now in
/// [`wire`](crate::wire).
pub mod error {
    pub use crate::wire::{DecodeError, EncodeError, Field};
}
