//! The project's SMSC simulator, as `smpp smsc` runs it (smol runtime), with one account
//! per bind.

use crate::error::Error;
use crate::message::{system_id, PASSWORD};
use smpp_cli::sim::{Account, Runtime, SimConfig, Simulator};
use std::net::SocketAddr;
use std::time::Duration;

/// A running simulator.
pub struct Sim(Simulator);

impl Sim {
    /// Listens on `port` of 127.0.0.1 (0: a free one) with the simulator's defaults
    /// (window 512, receipts at once) and the accounts `bench1`… of `binds` binds.
    pub async fn start(binds: usize, port: u16) -> Result<Sim, Error> {
        let config = SimConfig {
            runtime: Runtime::Smol,
            listen: format!("127.0.0.1:{port}"),
            accounts: (0..binds.max(1))
                .map(|i| Account::new(&system_id(i), PASSWORD))
                .collect(),
            ..SimConfig::default()
        };
        Simulator::start(config)
            .await
            .map(Sim)
            .map_err(|e| Error::Listen(e.to_string()))
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.0.local_addr()
    }

    /// Unbinds what is left (up to `timeout`) and stops.
    pub async fn stop(self, timeout: Duration) {
        self.0.shutdown(timeout).await;
    }
}
