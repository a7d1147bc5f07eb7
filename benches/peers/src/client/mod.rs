//! The clients of the matrix behind one type: connect the cell's binds, start their load,
//! close them.

mod pipeline;
pub use pipeline::Load;
mod rusmppc;
mod smpp34;
mod smpp_smol;

use crate::counters::Counters;
use crate::error::Error;
use crate::matrix::ClientKind;
use crate::task::Spawned;
use std::net::SocketAddr;
use std::sync::Arc;

/// The bound binds of one cell, of one implementation.
pub enum Binds {
    /// This project's smol client.
    SmppSmol(smpp_smol::Binds),
    /// `smpp34`'s client.
    Smpp34(smpp34::Binds),
    /// `rusmppc`'s client.
    Rusmppc(rusmppc::Binds),
}

impl Binds {
    /// Connects and binds `binds` transceivers of `kind` to `addr` (bind `i` with the
    /// account `bench{i+1}`); receipts that arrive are answered and counted in
    /// `counters`. `smol_peer_window` overrides the smpp-smol client's
    /// `session.peer_window`.
    pub async fn connect(
        kind: ClientKind,
        addr: SocketAddr,
        binds: usize,
        window: usize,
        smol_peer_window: Option<usize>,
        counters: &Arc<Counters>,
    ) -> Result<Binds, Error> {
        match kind {
            ClientKind::SmppSmol => {
                smpp_smol::Binds::connect(addr, binds, window, smol_peer_window, counters)
                    .await
                    .map(Binds::SmppSmol)
            }
            ClientKind::Smpp34 => smpp34::Binds::connect(addr, binds, window, counters)
                .await
                .map(Binds::Smpp34),
            ClientKind::Rusmppc => rusmppc::Binds::connect(addr, binds, counters)
                .await
                .map(Binds::Rusmppc),
        }
    }

    /// Starts the load: `counts[i]` `submit_sm` on bind `i`, as `load` says. Each bind's
    /// task ends once all its requests were answered.
    pub fn start(&self, counts: &[u64], load: Load, counters: &Arc<Counters>) -> Vec<Spawned> {
        match self {
            Binds::SmppSmol(b) => b.start(counts, load, counters),
            Binds::Smpp34(b) => b.start(counts, load, counters),
            Binds::Rusmppc(b) => b.start(counts, load, counters),
        }
    }

    /// Ends every bind: `graceful` unbinds, otherwise the connections are closed at once.
    /// The caller bounds the time this may take.
    pub async fn close(self, graceful: bool) {
        match self {
            Binds::SmppSmol(b) => b.close(graceful).await,
            Binds::Smpp34(b) => b.close(graceful).await,
            Binds::Rusmppc(b) => b.close(graceful).await,
        }
    }
}
