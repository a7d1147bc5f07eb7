//! # smpp-store: where an SMSC keeps its pending deliveries
//!
//! Implementations of [`DeliveryStore`], the contract an SMSC endpoint with
//! [`DeliveryPolicy::durable`](smpp_core::server::DeliveryPolicy::durable) keeps its
//! delivery queue through (see [`smpp_runtime::store`]):
//!
//! - [`embedded::EmbeddedStore`]: one file on disk (redb), for one node; every batch of
//!   appends is one fsynced commit.
//!
//! [`open`] picks one from a `--store` argument (a path). A store shared by several nodes
//! implements the same trait with [`Placement::Shared`](smpp_core::server::Placement)
//! answers and a [`DeliveryStore::claim_interval`]; none is built in yet, and
//! `redis://` arguments are refused.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod embedded;

pub use smpp_runtime::store::{ClaimedMessage, DeliveryStore, NewMessage, StoreKey};

use std::fmt;

/// Why a store could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The embedded database at this path.
    Embedded(String, String),
    /// The Redis server at this URL.
    Redis(String, String),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Embedded(path, e) => write!(f, "store {path}: {e}"),
            OpenError::Redis(url, e) => write!(f, "store {url}: {e}"),
        }
    }
}

impl std::error::Error for OpenError {}

/// Opens the store a `--store` argument names: the path of an embedded database (created
/// if missing). `redis://` URLs are refused ([`OpenError::Redis`]).
pub fn open(spec: &str) -> Result<Box<dyn DeliveryStore>, OpenError> {
    if spec.starts_with("redis://") {
        return Err(OpenError::Redis(
            spec.to_string(),
            "no Redis store in this build".into(),
        ));
    }
    let e = |err: String| OpenError::Embedded(spec.to_string(), err);
    embedded::EmbeddedStore::open(spec)
        .map(|s| Box::new(s) as Box<dyn DeliveryStore>)
        .map_err(|err| e(err.to_string()))
}
