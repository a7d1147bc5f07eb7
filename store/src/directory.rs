//! Submitted messages' metadata shared by the nodes on one Redis: what a node needs to
//! build the receipt of a message another node accepted (its account, addresses and
//! submit time), found by message id.
//!
//! A record is opaque octets (the application's encoding), kept under
//! `{prefix}:messages:{message_id}` for [`RedisOptions::message_ttl`] (48 h by default, a
//! typical validity period). [`MessageDirectory::put`] never blocks the caller: records
//! go to a writer thread that sends every record waiting when it wakes in one pipelined
//! round trip (a failed write is logged and dropped; the accepting node still has the
//! message itself). [`MessageDirectory::get`] is one round trip on its own connection.

use crate::redis_streams::RedisOptions;
use ::redis::{Client, Connection, RedisError};
use smpp_core::server::StoreFailure;
use std::fmt;
use std::sync::{mpsc, Mutex};
use std::time::Duration;

/// Shared message metadata on a Redis. See the [module docs](self).
pub struct MessageDirectory {
    client: Client,
    options: RedisOptions,
    reader: Mutex<Option<Connection>>,
    writer: mpsc::Sender<(String, Vec<u8>)>,
}

impl fmt::Debug for MessageDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageDirectory")
            .field("prefix", &self.options.prefix)
            .finish_non_exhaustive()
    }
}

fn connect(client: &Client, timeout: Duration) -> Result<Connection, RedisError> {
    let conn = client.get_connection_with_timeout(timeout)?;
    conn.set_read_timeout(Some(timeout))?;
    conn.set_write_timeout(Some(timeout))?;
    Ok(conn)
}

impl MessageDirectory {
    /// Connects to the Redis at `url` (checked with a first connection) and starts the
    /// writer thread.
    pub fn open(url: &str, options: RedisOptions) -> Result<MessageDirectory, String> {
        let client = Client::open(url).map_err(|e| e.to_string())?;
        let first = connect(&client, options.io_timeout).map_err(|e| e.to_string())?;
        let (tx, rx) = mpsc::channel::<(String, Vec<u8>)>();
        let writer_client = client.clone();
        let ttl = crate::redis_streams::millis(options.message_ttl);
        let timeout = options.io_timeout;
        std::thread::Builder::new()
            .name("smpp-directory".into())
            .spawn(move || {
                let mut conn = Some(first);
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    let c = match conn.take() {
                        Some(c) => Ok(c),
                        None => connect(&writer_client, timeout),
                    };
                    let written = c.and_then(|mut c| {
                        let mut pipe = ::redis::pipe();
                        for (key, record) in &batch {
                            pipe.cmd("SET")
                                .arg(key)
                                .arg(record)
                                .arg("PX")
                                .arg(ttl)
                                .ignore();
                        }
                        pipe.query::<()>(&mut c)?;
                        conn = Some(c);
                        Ok(())
                    });
                    if let Err(e) = written {
                        log::warn!(
                            "message directory: {} records not written: {e}",
                            batch.len()
                        );
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        Ok(MessageDirectory {
            client,
            options,
            reader: Mutex::new(None),
            writer: tx,
        })
    }

    fn key(&self, message_id: &str) -> String {
        format!("{}:messages:{message_id}", self.options.prefix)
    }

    /// Records `record` for `message_id`, in the background.
    pub fn put(&self, message_id: &str, record: Vec<u8>) {
        let _ = self.writer.send((self.key(message_id), record));
    }

    /// The record of `message_id`, if a node put one that has not expired.
    pub fn get(&self, message_id: &str) -> Result<Option<Vec<u8>>, StoreFailure> {
        let key = self.key(message_id);
        let mut reader = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..2 {
            let c = match reader.take() {
                Some(c) => Ok(c),
                None => connect(&self.client, self.options.io_timeout),
            };
            match c.and_then(|mut c| {
                let v: Option<Vec<u8>> = ::redis::cmd("GET").arg(&key).query(&mut c)?;
                Ok((c, v))
            }) {
                Ok((c, v)) => {
                    *reader = Some(c);
                    return Ok(v);
                }
                Err(e) => log::debug!("message directory: {e}"),
            }
        }
        Err(StoreFailure::Unavailable)
    }
}
