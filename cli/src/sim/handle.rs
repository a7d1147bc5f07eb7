//! [`SimHandle`]: what a control plane may do with a running simulator, from any thread.
//! Every call validates its input before it touches the SMPP side, never waits for a
//! session (an unbind runs on a task of its own), and holds the simulator's locks only to
//! copy or append.

use super::observe::{Observe, ReceiptSource};
use super::{
    lock, DeliveryKind, MessageQuery, PendingDelivery, ReceiptState, ServerError, SessionStatus,
    Shared, SharedMessage, SimServer, SimStats, SubmittedMessage,
};
use crate::message::{address, prepare, Split, TextEncoding};
use serde_json::json;
use smpp_core::message::MessageState;
use smpp_core::pdu::{Body, RegisteredDelivery};
use smpp_core::server::{BindId, DeliveryId};
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The longest address the simulator sends (SMPP 3.4 `source_addr` / `destination_addr`:
/// 21 octets with the terminating NUL).
pub const MAX_ADDRESS_LEN: usize = 20;

/// A running simulator, for its control plane ([`Simulator::handle`]). Cheap to clone.
///
/// [`Simulator::handle`]: super::Simulator::handle
#[derive(Clone)]
pub struct SimHandle {
    pub(super) server: SimServer,
    pub(super) shared: Arc<Shared>,
}

impl fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimHandle")
            .field("local_addr", &self.server.local_addr())
            .finish()
    }
}

/// Why a control-plane call was refused. Nothing was sent on the SMPP side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ControlError {
    /// Something the request names does not exist (an account, a bind, a message id).
    NotFound {
        /// The request field naming it.
        field: &'static str,
        /// What was not found.
        message: String,
    },
    /// A field is missing or invalid.
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The simulator keeps no such state: it was started without
    /// [`SimConfig::observe`](super::SimConfig::observe).
    NotObserved,
    /// The server did not take the message (its queue is full, or it is shutting down).
    Refused(String),
}

impl ControlError {
    /// The request field at fault, if one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ControlError::NotFound { field, .. } | ControlError::Invalid { field, .. } => {
                Some(field)
            }
            ControlError::NotObserved | ControlError::Refused(_) => None,
        }
    }

    fn invalid(field: &'static str, message: impl Into<String>) -> ControlError {
        ControlError::Invalid {
            field,
            message: message.into(),
        }
    }

    fn not_found(field: &'static str, message: impl Into<String>) -> ControlError {
        ControlError::NotFound {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlError::NotFound { message, .. } | ControlError::Invalid { message, .. } => {
                f.write_str(message)
            }
            ControlError::NotObserved => {
                f.write_str("the simulator was started without observe (the control plane)")
            }
            ControlError::Refused(m) => write!(f, "the server refused the delivery: {m}"),
        }
    }
}

impl std::error::Error for ControlError {}

/// Where a mobile-originated message goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoTarget {
    /// To an account: round robin over its receiver-capable binds, or stored while none is
    /// bound.
    Account(String),
    /// To the account of a bound session (routed like [`MoTarget::Account`]).
    Bind(BindId),
}

/// A mobile-originated message to inject ([`SimHandle::send_mo`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoRequest {
    /// Its recipient.
    pub target: MoTarget,
    /// The source address (the handset), 1 to 20 characters.
    pub from: String,
    /// The destination address (the ESME's number), 1 to 20 characters.
    pub to: String,
    /// The text.
    pub text: String,
    /// Its encoding.
    pub encoding: TextEncoding,
    /// How a long text is split.
    pub split: Split,
}

/// An injected MO, handed to the delivery queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoSent {
    /// The account it went to.
    pub account: String,
    /// One delivery per part, in order.
    pub deliveries: Vec<DeliveryId>,
}

/// A forced receipt, handed to the delivery queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptSent {
    /// The account it went to.
    pub account: String,
    /// One delivery per destination of the message.
    pub deliveries: Vec<DeliveryId>,
    /// The receipt text.
    pub text: String,
}

fn check_address(field: &'static str, a: &str) -> Result<(), ControlError> {
    if a.is_empty() {
        return Err(ControlError::invalid(field, format!("{field} is empty")));
    }
    if a.len() > MAX_ADDRESS_LEN || a.contains('\0') {
        return Err(ControlError::invalid(
            field,
            format!("{field} must be 1 to {MAX_ADDRESS_LEN} characters without NUL"),
        ));
    }
    Ok(())
}

impl SimHandle {
    /// The metadata another node sharing the Redis store recorded for `message_id`.
    fn shared_message(&self, message_id: &str) -> Result<Option<SharedMessage>, ControlError> {
        let Some(d) = self.shared.directory.get() else {
            return Ok(None);
        };
        match d.get(message_id) {
            Ok(record) => Ok(record.as_deref().and_then(SharedMessage::decode)),
            Err(e) => Err(ControlError::Refused(format!(
                "the shared message directory: {e}"
            ))),
        }
    }

    fn observe(&self) -> Result<&Observe, ControlError> {
        self.shared
            .observe
            .as_deref()
            .ok_or(ControlError::NotObserved)
    }

    /// True when the simulator keeps the control plane's state
    /// ([`SimConfig::observe`](super::SimConfig::observe)).
    pub fn is_observed(&self) -> bool {
        self.shared.observe.is_some()
    }

    /// The accounts accepted (`system_id`s).
    pub fn accounts(&self) -> Vec<String> {
        self.shared
            .accounts
            .iter()
            .map(|a| a.system_id.clone())
            .collect()
    }

    /// Counts so far.
    pub fn stats(&self) -> SimStats {
        self.shared.counters.snapshot()
    }

    /// The bound sessions, in connection order.
    pub fn sessions(&self) -> Vec<SessionStatus> {
        let infos = self.server.sessions();
        let since = self.shared.observe.as_ref().map(|o| lock(&o.binds).clone());
        infos
            .into_iter()
            .map(|i| SessionStatus {
                connected_since: since
                    .as_ref()
                    .and_then(|m| m.get(&i.bind_id).map(|(t, _, _)| *t)),
                bind_id: i.bind_id,
                account: i.account,
                bind_type: i.bind_type,
                state: i.state,
                peer: i.peer,
                counters: i.counters,
                in_flight: i.in_flight,
                unanswered: i.unanswered,
                window: self.shared.window,
            })
            .collect()
    }

    /// Unbinds a session (in the background: outstanding requests drain, `unbind` is sent
    /// and answered, the connection closes).
    pub fn unbind(&self, bind_id: BindId) -> Result<(), ControlError> {
        let session = self.server.session(bind_id).ok_or_else(|| {
            ControlError::not_found("id", format!("no bound session {}", bind_id.0))
        })?;
        smol::spawn(async move {
            if let Err(e) = session.unbind().await {
                log::info!("unbind of session {}: {e}", bind_id.0);
            }
        })
        .detach();
        Ok(())
    }

    /// Drops a session's connection at once (its deliveries on their way go back to the
    /// queue).
    pub fn abort(&self, bind_id: BindId) -> Result<(), ControlError> {
        let session = self.server.session(bind_id).ok_or_else(|| {
            ControlError::not_found("id", format!("no bound session {}", bind_id.0))
        })?;
        session.abort();
        Ok(())
    }

    /// The submitted messages `query` asks for, oldest first.
    pub fn messages(&self, query: &MessageQuery) -> Result<Vec<SubmittedMessage>, ControlError> {
        Ok(self.observe()?.messages(query))
    }

    /// The deliveries not ended yet (waiting for a receiver, or on their way), oldest
    /// first.
    pub fn pending(&self) -> Result<Vec<PendingDelivery>, ControlError> {
        Ok(self.observe()?.pending())
    }

    /// Deliveries held per account (waiting, or on their way), for every account.
    pub fn store_depth(&self) -> Vec<(String, usize)> {
        self.shared
            .accounts
            .iter()
            .map(|a| (a.system_id.clone(), self.server.queued(&a.system_id)))
            .collect()
    }

    /// The metrics in the Prometheus text format.
    pub fn metrics(&self) -> Result<String, ControlError> {
        let depth = self.store_depth();
        Ok(self.observe()?.metrics.encode(&depth))
    }

    /// Injects a mobile-originated message: encoded and split as asked, each part a
    /// `deliver_sm` handed to the delivery queue (the same routing, store and retries as
    /// receipts).
    pub fn send_mo(&self, mo: &MoRequest) -> Result<MoSent, ControlError> {
        let account = match &mo.target {
            MoTarget::Account(a) => {
                if !self.shared.accounts.iter().any(|x| &x.system_id == a) {
                    return Err(ControlError::not_found(
                        "account",
                        format!("no account {a:?}"),
                    ));
                }
                a.clone()
            }
            MoTarget::Bind(id) => self
                .server
                .session(*id)
                .map(|s| s.account().to_string())
                .ok_or_else(|| {
                    ControlError::not_found("bind_id", format!("no bound session {}", id.0))
                })?,
        };
        check_address("from", &mo.from)?;
        check_address("to", &mo.to)?;
        if mo.text.is_empty() {
            return Err(ControlError::invalid("text", "text is empty"));
        }
        let out = prepare(
            &mo.text,
            mo.encoding,
            mo.split,
            self.shared.next_reference(),
        )
        .map_err(|e| ControlError::invalid("text", e.to_string()))?;
        let mut deliveries = Vec::new();
        for i in 0..out.parts.len() {
            let tlvs = out.tlvs(i);
            let sm = out.submit_sm(
                i,
                &tlvs,
                address(&mo.from),
                address(&mo.to),
                RegisteredDelivery::NONE,
            );
            let accepted = self.shared.deliver_tracked(
                &self.server,
                &account,
                &Body::DeliverSm(sm),
                DeliveryKind::Mo,
                None,
            );
            match accepted {
                Ok(d) => {
                    self.shared.counters.mo.fetch_add(1, Ordering::Relaxed);
                    deliveries.push(d.id());
                }
                Err(e) if deliveries.is_empty() => return Err(refused(e)),
                Err(e) => {
                    log::warn!("MO part {} for {account} not accepted: {e}", i + 1);
                }
            }
        }
        if let Some(j) = &self.shared.journal {
            j.write(
                "mo",
                json!({"reason": "api", "account": account, "source": mo.from, "destination": mo.to, "parts": out.parts.len(), "text": mo.text, "deliveries": deliveries.iter().map(|d| d.0).collect::<Vec<_>>()}),
            );
        }
        Ok(MoSent {
            account,
            deliveries,
        })
    }

    /// Sends a delivery receipt with `stat` and `err` for a submitted message still in the
    /// ring (one per destination), whatever its receipt state: held, scheduled or sent.
    pub fn send_receipt(
        &self,
        message_id: &str,
        stat: MessageState,
        err: u16,
    ) -> Result<ReceiptSent, ControlError> {
        let observe = self.observe()?;
        if err > 999 {
            return Err(ControlError::invalid("err", "err must be 0 to 999"));
        }
        let (account, seq, text, source) = match observe.find(message_id) {
            Some((message, source)) => {
                let text: String = message
                    .reassembled
                    .as_deref()
                    .unwrap_or(&message.text)
                    .chars()
                    .take(20)
                    .collect();
                (message.account, Some(message.seq), text, source)
            }
            // Accepted by another node sharing the Redis store: its metadata.
            None => match self.shared_message(message_id)? {
                Some(m) => (
                    m.account,
                    None,
                    m.text,
                    ReceiptSource {
                        source: m.source,
                        destinations: m.destinations,
                        submitted: m.submitted,
                    },
                ),
                None => {
                    return Err(ControlError::not_found(
                        "message_id",
                        format!("no submitted message {message_id:?} in the message log"),
                    ))
                }
            },
        };
        let mut deliveries = Vec::new();
        let mut receipt_text = String::new();
        for destination in &source.destinations {
            let (accepted, text) = self.shared.deliver_receipt(
                &self.server,
                &account,
                message_id,
                seq,
                (&source.source, destination),
                source.submitted,
                text.clone(),
                (stat, err),
            );
            receipt_text = text;
            match accepted {
                Ok(d) => {
                    self.shared
                        .counters
                        .receipts
                        .fetch_add(1, Ordering::Relaxed);
                    deliveries.push(d.id());
                }
                Err(e) if deliveries.is_empty() => return Err(refused(e)),
                Err(e) => log::warn!("receipt for {message_id} not accepted: {e}"),
            }
        }
        if let Some(j) = &self.shared.journal {
            j.write(
                "receipt",
                json!({"reason": "api", "account": account, "message_id": message_id, "stat": stat.receipt_stat(), "text": receipt_text, "deliveries": deliveries.iter().map(|d| d.0).collect::<Vec<_>>()}),
            );
        }
        Ok(ReceiptSent {
            account,
            deliveries,
            text: receipt_text,
        })
    }
}

fn refused(e: ServerError) -> ControlError {
    ControlError::Refused(e.to_string())
}

/// The receipt state's name for JSON: `not_requested`, `held`, `scheduled`, `sent`.
pub fn receipt_state_name(r: &ReceiptState) -> &'static str {
    match r {
        ReceiptState::NotRequested => "not_requested",
        ReceiptState::Held => "held",
        ReceiptState::Scheduled => "scheduled",
        ReceiptState::Sent { .. } => "sent",
    }
}
