//! The delivery store contract: how the endpoint's delivery queue is kept outside the
//! process (on disk, or shared by several nodes) without the endpoint doing any I/O.
//!
//! With [`DeliveryPolicy::durable`] set, the endpoint asks its driver to keep every
//! accepted message before it is sent, and to forget it once it ended, through
//! [`StoreOp`]s polled with [`Endpoint::poll_store`]. The driver carries them out in
//! order, asynchronously, and answers each [`StoreOp::Append`] with
//! [`Endpoint::stored`]:
//!
//! - [`Placement::Local`]: the store keeps it and this endpoint delivers it. A message is
//!   sent only once stored, and waits behind older messages of its account that are not
//!   stored yet, so the order per account is kept.
//! - [`Placement::Shared`]: the store keeps it for every node that shares it (one queue
//!   per account). It leaves this endpoint (its [`ServerEvent::Delivery`] says
//!   [`DeliveryOutcome::InStore`]); whichever node has a receiver of the account claims it
//!   and hands it in with [`Endpoint::claimed`].
//! - A [`StoreFailure`]: the message was never sent and ends given up
//!   ([`GiveUpReason::Store`]).
//!
//! Messages kept by the store before this endpoint started (a restart, or another node's)
//! come in with [`Endpoint::claimed`], in order; the driver sizes each claim by
//! [`Endpoint::delivery_room`] and the accounts of [`Endpoint::receiving_accounts`]. While
//! the store keeps messages of an account that the queue had no room for (the endpoint
//! spilled them, or the driver said so with [`Endpoint::store_backlog`]), new messages of
//! the account go to the store too, behind them, until the driver's claim comes back short
//! ([`Endpoint::store_drained`]): the order per account holds across restarts.
//!
//! **At least once.** A message leaves the store only after a positive response, a
//! permanent refusal or giving up for good ([`StoreOp::Remove`]); retries, back-off and
//! the retry budget are the queue's, as without a store. A message given up because the
//! endpoint shut down ([`GiveUpReason::Shutdown`]) is not removed: it is delivered after
//! the next start. A crash between a receiver's positive response and the removal makes
//! the message go out again after the restart: that is the duplicate at-least-once
//! allows.

use super::queue::{DeliveryId, DeliveryOutcome, GiveUpReason};
use super::{DeliverError, Endpoint, ServerEvent};
use crate::codec::Frame;
use crate::time::Instant;
use crate::CommandId;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

/// What the endpoint asks the store to do ([`Endpoint::poll_store`]); carry them out in
/// the order polled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreOp {
    /// Keep this message for `account`, then answer with [`Endpoint::stored`].
    Append {
        /// The delivery, as the endpoint's events name it.
        id: DeliveryId,
        /// True if the endpoint keeps it in its queue and delivers it; false if the queue
        /// was full (or older messages of the account wait in the store): it stays in the
        /// store only, to be claimed when there is room.
        queued: bool,
        /// The account whose receivers it is for.
        account: Arc<str>,
        /// The whole `deliver_sm` or `data_sm` PDU (its sequence number is rewritten when
        /// it is sent).
        pdu: Bytes,
    },
    /// The delivery ended for good (delivered, refused, given up other than by a
    /// shutdown): forget it. No answer.
    Remove {
        /// The delivery, appended or claimed before.
        id: DeliveryId,
        /// Its account.
        account: Arc<str>,
    },
}

/// Where the store keeps a message it appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Kept for this endpoint, which delivers it.
    Local,
    /// Kept for every node sharing the store; the one that claims it delivers it.
    Shared,
}

/// Why the store could not keep a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreFailure {
    /// The store cannot be reached or failed to commit (a lost database connection, an
    /// I/O error).
    Unavailable,
    /// The store has no room (a full disk, a memory limit).
    Full,
}

impl fmt::Display for StoreFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoreFailure::Unavailable => "the store is unavailable",
            StoreFailure::Full => "the store is full",
        })
    }
}

impl Endpoint {
    /// Turns the delivery store on from now ([`DeliveryPolicy::durable`]): every message
    /// accepted from here on is kept before it is sent. Call it before the first
    /// [`Endpoint::deliver`]; messages accepted earlier stay in memory only.
    ///
    /// [`DeliveryPolicy::durable`]: super::DeliveryPolicy::durable
    pub fn set_durable(&mut self) {
        self.config.delivery.durable = true;
    }

    /// True if the endpoint keeps its deliveries in a store.
    pub fn is_durable(&self) -> bool {
        self.config.delivery.durable
    }

    /// The next operation for the delivery store ([`DeliveryPolicy::durable`]); none
    /// without it.
    ///
    /// [`DeliveryPolicy::durable`]: super::DeliveryPolicy::durable
    pub fn poll_store(&mut self) -> Option<StoreOp> {
        self.store_ops.pop_front()
    }

    /// How many more messages for `account` the queue takes now (its own capacity and the
    /// endpoint's): the most a claim from the store should hand in.
    pub fn delivery_room(&self, account: &str) -> usize {
        self.queue.room(account)
    }

    /// The accounts with at least one bound receiver-capable session: the ones whose
    /// stored messages this endpoint can deliver now.
    pub fn receiving_accounts(&self) -> Vec<String> {
        self.registry
            .accounts()
            .filter(|a| self.can_receive(a))
            .map(String::from)
            .collect()
    }

    /// The accounts with messages waiting here but no receiver-capable session bound: with
    /// a store shared by several nodes, the ones to [give back](Endpoint::return_to_store)
    /// so that the node where the account's receiver is bound delivers them.
    pub fn stranded_accounts(&self) -> Vec<String> {
        self.queue
            .accounts_waiting()
            .filter(|a| !self.can_receive(a))
            .map(String::from)
            .collect()
    }

    /// Gives `account`'s waiting messages back to a store shared by several nodes: each
    /// leaves this endpoint, its [`ServerEvent::Delivery`] saying
    /// [`DeliveryOutcome::InStore`], and stays in the store (no [`StoreOp::Remove`]) for
    /// whichever node claims it; the ids returned, in order, are for the driver to hand
    /// the store back. Messages on their way and messages not stored yet stay. Nothing
    /// without the store on.
    pub fn return_to_store(&mut self, now: Instant, account: &str) -> Vec<DeliveryId> {
        self.tick(now);
        if !self.config.delivery.durable {
            return Vec::new();
        }
        let taken = self.queue.take_stored_waiting(account);
        let mut ids = Vec::with_capacity(taken.len());
        for (id, _) in taken {
            self.events.push_back(ServerEvent::Delivery {
                id,
                account: String::from(account),
                outcome: DeliveryOutcome::InStore,
            });
            ids.push(id);
        }
        ids
    }

    /// The store's answer to [`StoreOp::Append`] of delivery `id`. An answer for a
    /// delivery that already ended (it expired while being stored) is ignored: its
    /// [`StoreOp::Remove`] follows the append.
    pub fn stored(
        &mut self,
        now: Instant,
        id: DeliveryId,
        result: Result<Placement, StoreFailure>,
    ) {
        self.tick(now);
        match result {
            _ if self.spilled.contains_key(&id) => {
                let Some((account, frame)) = self.spilled.remove(&id) else {
                    return;
                };
                let outcome = match result {
                    Ok(placement) => {
                        self.events.push_back(ServerEvent::Stored {
                            id,
                            account: String::from(&*account),
                            placement,
                        });
                        DeliveryOutcome::InStore
                    }
                    Err(failure) => DeliveryOutcome::GaveUp {
                        reason: GiveUpReason::Store(failure),
                        attempts: 0,
                        message: frame,
                    },
                };
                self.events.push_back(ServerEvent::Delivery {
                    id,
                    account: String::from(&*account),
                    outcome,
                });
            }
            Ok(Placement::Local) => {
                if let Some(account) = self.queue.mark_stored(id) {
                    self.events.push_back(ServerEvent::Stored {
                        id,
                        account: String::from(&*account),
                        placement: Placement::Local,
                    });
                    self.to_dispatch.push(account);
                }
            }
            Ok(Placement::Shared) => {
                if let Some((account, _)) = self.queue.take_unstored(id) {
                    self.events.push_back(ServerEvent::Stored {
                        id,
                        account: String::from(&*account),
                        placement: Placement::Shared,
                    });
                    self.to_dispatch.push(account.clone());
                    self.events.push_back(ServerEvent::Delivery {
                        id,
                        account: String::from(&*account),
                        outcome: DeliveryOutcome::InStore,
                    });
                }
            }
            Err(failure) => {
                if let Some((account, entry)) = self.queue.take_unstored(id) {
                    self.to_dispatch.push(account.clone());
                    self.events.push_back(ServerEvent::Delivery {
                        id,
                        account: String::from(&*account),
                        outcome: DeliveryOutcome::GaveUp {
                            reason: GiveUpReason::Store(failure),
                            attempts: entry.attempts,
                            message: entry.frame,
                        },
                    });
                }
            }
        }
        self.dispatch_pending();
    }

    /// Hands in a message the store kept for `account` (after a restart, or appended by
    /// another node sharing the store): queued behind what the account has, as stored,
    /// and delivered like any other; exactly one [`ServerEvent::Delivery`] reports how it
    /// ended, and the store is told to forget it then ([`StoreOp::Remove`], under the id
    /// returned here). Refused, queueing nothing, when it is not a whole `deliver_sm` or
    /// `data_sm`, when the queue is full (leave it in the store and claim it later) or
    /// while shutting down.
    pub fn claimed(
        &mut self,
        now: Instant,
        account: &str,
        pdu: Bytes,
    ) -> Result<DeliveryId, DeliverError> {
        let now = self.tick(now);
        if self.shutting_down {
            return Err(DeliverError::ShuttingDown);
        }
        let frame = Frame::new(pdu).map_err(DeliverError::Malformed)?;
        let command_id = frame.command_id();
        if !matches!(command_id, CommandId::DeliverSm | CommandId::DataSm) {
            return Err(DeliverError::NotADelivery(command_id));
        }
        let (id, _) = self
            .queue
            .push(now, account, frame, true)
            .map_err(DeliverError::QueueFull)?;
        self.dispatch(account);
        Ok(id)
    }

    /// The driver's word that the store keeps messages of `account` the queue had no room
    /// for (a claim ran out of room, after a restart say): new messages of the account go
    /// to the store too, behind them, until [`Endpoint::store_drained`].
    pub fn store_backlog(&mut self, account: &str) {
        if self.config.delivery.durable && !self.in_store.contains(account) {
            self.in_store.insert(Arc::from(account));
        }
    }

    /// The driver's word that a claim for `account` found nothing more in the store:
    /// new messages of the account are queued directly again, unless some of its
    /// messages still wait for the store's answer to go there (a later claim finds
    /// them).
    pub fn store_drained(&mut self, account: &str) {
        let waiting = self.spilled.values().any(|(a, _)| &**a == account);
        if !waiting {
            self.in_store.remove(account);
        }
    }

    /// With the store on, keeps a message in the store only when the queue is full or
    /// older messages of the account wait there (order per account); `None` to queue it.
    pub(super) fn spill(
        &mut self,
        account: &str,
        frame: &Frame,
    ) -> Option<Result<DeliveryId, super::QueueFull>> {
        if !self.config.delivery.durable
            || (self.queue.room(account) > 0 && !self.in_store.contains(account))
        {
            return None;
        }
        if self.spilled.len() >= self.config.delivery.total {
            return Some(Err(super::QueueFull::Total));
        }
        let id = self.queue.allocate_id();
        let key: Arc<str> = match self.in_store.get(account) {
            Some(k) => k.clone(),
            None => Arc::from(account),
        };
        self.in_store.insert(key.clone());
        self.spilled.insert(id, (key.clone(), frame.clone()));
        self.store_ops.push_back(StoreOp::Append {
            id,
            queued: false,
            account: key,
            pdu: frame.clone().into_bytes(),
        });
        Some(Ok(id))
    }

    /// The delivery ended for good: the store may forget it.
    pub(super) fn forget_stored(&mut self, id: DeliveryId, account: &Arc<str>) {
        if self.config.delivery.durable {
            self.store_ops.push_back(StoreOp::Remove {
                id,
                account: account.clone(),
            });
        }
    }
}
