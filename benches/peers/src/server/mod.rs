//! The servers of the matrix, started fresh for every cell on a free local port.

mod sim;
mod smpp34;

use crate::error::Error;
use crate::matrix::ServerKind;
use std::net::SocketAddr;
use std::time::Duration;

/// How long a server may take to let its sessions go after a cell.
const SHUTDOWN: Duration = Duration::from_secs(2);

/// A running server of either implementation.
pub enum Server {
    /// The project's SMSC simulator.
    Sim(sim::Sim),
    /// `smpp34`'s server.
    Smpp34(smpp34::Smpp34),
}

impl Server {
    /// Starts a server of `kind` on 127.0.0.1, port `port` (0: a free one), that accepts
    /// the accounts of `binds` binds.
    pub async fn start(kind: ServerKind, binds: usize, port: u16) -> Result<Server, Error> {
        match kind {
            ServerKind::SmppSim => sim::Sim::start(binds, port).await.map(Server::Sim),
            ServerKind::Smpp34 => smpp34::Smpp34::start(port).await.map(Server::Smpp34),
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        match self {
            Server::Sim(s) => s.addr(),
            Server::Smpp34(s) => s.addr(),
        }
    }

    /// Stops listening and lets the sessions go.
    pub async fn stop(self) {
        match self {
            Server::Sim(s) => s.stop(SHUTDOWN).await,
            Server::Smpp34(s) => s.stop().await,
        }
    }
}
