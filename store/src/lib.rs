//! # smpp-store: where an SMSC keeps its pending deliveries
//!
//! Implementations of [`DeliveryStore`], the contract an SMSC endpoint with
//! [`DeliveryPolicy::durable`](smpp_core::server::DeliveryPolicy::durable) keeps its
//! delivery queue through (see [`smpp_runtime::store`]):
//!
//! - [`embedded::EmbeddedStore`]: one file on disk (redb), for one node; every batch of
//!   appends is one fsynced commit.
//! - [`redis_streams::RedisStore`]: Redis Streams, one queue per account shared by every
//!   node on the same Redis; a message appended on one node is delivered by whichever
//!   node has a receiver of the account bound.
//!
//! [`open`] picks one from a `--store` argument: a path, or
//! `redis://HOST:PORT[/DB][?OPTION=VALUE&...]` with the options of
//! [`redis_streams::RedisOptions`] (`prefix`, `claim_after`, `poll`, `retry_for`,
//! `io_timeout`, `message_ttl`; durations as `30s`, `500ms`). [`open_directory`] opens
//! the [`directory::MessageDirectory`] of the same Redis: submitted messages' metadata,
//! shared so that any node can build a receipt.
//!
//! ```no_run
//! let store = smpp_store::open("redis://127.0.0.1:6379/0?claim_after=10s").unwrap();
//! println!("node {}", store.node_id());
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod directory;
pub mod embedded;
pub mod redis_streams;
pub mod test_server;

pub use smpp_runtime::store::{ClaimedMessage, DeliveryStore, NewMessage, StoreHealth, StoreKey};

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

/// Opens the store a `--store` argument names: `redis://…` a
/// [`redis_streams::RedisStore`] (`rediss://…` is refused: no TLS client in this build), anything else the path of an embedded database (created
/// if missing). See the [crate docs](crate) for the options.
pub fn open(spec: &str) -> Result<Box<dyn DeliveryStore>, OpenError> {
    if spec.starts_with("redis://") || spec.starts_with("rediss://") {
        let e = |err: String| OpenError::Redis(spec.to_string(), err);
        let (url, options) = redis_options(spec).map_err(e)?;
        return redis_streams::RedisStore::open(&url, options)
            .map(|s| Box::new(s) as Box<dyn DeliveryStore>)
            .map_err(|err| e(err.to_string()));
    }
    let e = |err: String| OpenError::Embedded(spec.to_string(), err);
    embedded::EmbeddedStore::open(spec)
        .map(|s| Box::new(s) as Box<dyn DeliveryStore>)
        .map_err(|err| e(err.to_string()))
}

/// The shared message directory of a `redis://` store argument; `None` for an embedded
/// store (one node: nothing to share).
pub fn open_directory(spec: &str) -> Result<Option<directory::MessageDirectory>, OpenError> {
    if !(spec.starts_with("redis://") || spec.starts_with("rediss://")) {
        return Ok(None);
    }
    let e = |err: String| OpenError::Redis(spec.to_string(), err);
    let (url, options) = redis_options(spec).map_err(e)?;
    directory::MessageDirectory::open(&url, options)
        .map(Some)
        .map_err(e)
}

/// Splits a `redis://` argument into the URL for the client and the store's options.
fn redis_options(spec: &str) -> Result<(String, redis_streams::RedisOptions), String> {
    let mut options = redis_streams::RedisOptions::default();
    let Some((url, query)) = spec.split_once('?') else {
        return Ok((spec.to_string(), options));
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("option {pair:?} has no value (NAME=VALUE)"))?;
        let duration = || {
            humantime::parse_duration(value)
                .map_err(|e| format!("option {name}: {value:?} is not a duration: {e}"))
        };
        match name {
            "prefix" if !value.is_empty() => options.prefix = value.to_string(),
            "claim_after" => options.claim_after = duration()?,
            "poll" => options.poll = duration()?,
            "retry_for" => options.retry_for = duration()?,
            "io_timeout" => options.io_timeout = duration()?,
            "message_ttl" => options.message_ttl = duration()?,
            _ => {
                return Err(format!(
                    "unknown option {name:?} (prefix, claim_after, poll, retry_for, io_timeout, message_ttl)"
                ))
            }
        }
    }
    if options.claim_after.is_zero() || options.poll.is_zero() || options.io_timeout.is_zero() {
        return Err("claim_after, poll and io_timeout must be more than zero".into());
    }
    Ok((url.to_string(), options))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn redis_options_parse_and_name_what_is_wrong() {
        let (url, o) =
            redis_options("redis://127.0.0.1:6379/2?claim_after=5s&poll=20ms&prefix=x").unwrap();
        assert_eq!(url, "redis://127.0.0.1:6379/2");
        assert_eq!(o.claim_after, Duration::from_secs(5));
        assert_eq!(o.poll, Duration::from_millis(20));
        assert_eq!(o.prefix, "x");
        let (url, o) = redis_options("redis://h:1").unwrap();
        assert_eq!(url, "redis://h:1");
        assert_eq!(o, redis_streams::RedisOptions::default());
        assert!(redis_options("redis://h:1?bogus=1")
            .unwrap_err()
            .contains("bogus"));
        assert!(redis_options("redis://h:1?poll=fast")
            .unwrap_err()
            .contains("poll"));
        assert!(redis_options("redis://h:1?poll")
            .unwrap_err()
            .contains("poll"));
        assert!(redis_options("redis://h:1?claim_after=0s").is_err());
    }

    #[test]
    fn an_unreachable_redis_is_an_open_error() {
        // Port 1 on loopback: nothing listens there.
        match open("redis://127.0.0.1:1/0?io_timeout=200ms") {
            Err(OpenError::Redis(url, _)) => assert!(url.starts_with("redis://127.0.0.1:1")),
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("opened a store where nothing listens"),
        }
    }
}
