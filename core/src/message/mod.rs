//! Message helpers: text encodings, long-message split and reassembly, delivery receipts.
//!
//! * [`gsm7`], [`ucs2`], [`latin1`], [`ascii`]: the text codecs. GSM 03.38 comes unpacked
//!   (one septet per octet, what SMSCs usually want with `data_coding` 0) and packed (the
//!   air-interface form, with fill bits after a UDH). "UCS2" is really UTF-16BE, so emoji
//!   travel as surrogate pairs.
//! * [`coding`]: the [`Encoding`] choice ([`choose_auto`]), [`encode`], and [`decode`] by
//!   `data_coding`, which says explicitly whether the octets are text or not ([`Decoded`]).
//! * [`udh`]: parse and build user data headers; unknown elements survive byte for byte.
//! * [`concat`](mod@concat): split a text into parts using a concatenation UDH (8- or 16-bit reference),
//!   SAR TLV values, or one `message_payload`; parts never cut a GSM escape or a surrogate pair
//!   and always fit 140 octets on the air interface.
//! * [`reassembly`]: put received parts back together with bounded memory; everything dropped
//!   is reported as an event.
//! * [`receipt`]: parse (tolerantly) and format SMPP 3.4 Appendix B delivery receipts, and
//!   merge them with the receipt TLVs; [`state`] holds [`MessageState`].
//!
//! Everything here is sans-IO and never reads a clock. Strict conversions report the first
//! character that cannot be represented (with its position); the `_lossy` variants write `?`
//! when encoding and U+FFFD when decoding. Nothing panics on untrusted input.
//!
//! Without the `alloc` feature the GSM tables and per-character functions, the no-allocation
//! `*_into` encoders and character iterators, UDH parsing and writing into a buffer,
//! [`MessageState`], part counting ([`concat::count_parts`]) and receipt parsing into borrowed
//! fields remain available.

pub mod ascii;
pub mod coding;
pub mod concat;
mod error;
pub mod gsm7;
pub mod latin1;
#[cfg(feature = "alloc")]
pub mod reassembly;
pub mod receipt;
mod single_byte;
pub mod state;
pub mod ucs2;
pub mod udh;

pub use coding::{charset, choose_auto, data_coding_for, Charset, Encoding};
#[cfg(feature = "alloc")]
pub use coding::{decode, decode_lossy, encode, encode_lossy, Decoded};
#[cfg(feature = "alloc")]
pub use concat::{chunk_text, chunk_text_lossy, split, split_binary, split_lossy, Part};
pub use concat::{count_parts, Capacity, Sar, SplitError, SplitMethod, MAX_PARTS};
pub use error::TextError;
#[cfg(feature = "alloc")]
pub use reassembly::{
    Assembled, DropReason, PartError, PartInput, PartInputError, PushOutcome, Reassembler,
    ReassemblyConfig, ReassemblyEvent, ReassemblyKey,
};
#[cfg(feature = "alloc")]
pub use receipt::ReceiptFields;
pub use receipt::{
    ids_match, parse_receipt, reconcile, NetworkErrorCode, Receipt, ReceiptDate, ReceiptError,
    ReceiptField, ReceiptInfo, ValueSource,
};
pub use state::MessageState;
pub use udh::{Concat, InformationElement, Udh, UdhError};
