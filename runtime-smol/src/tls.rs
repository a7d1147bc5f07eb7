//! TLS (SMPPS) streams over smol sockets, through futures-rustls: a client's dialer and a
//! server's acceptor. The settings ([`TlsClientConfig`], [`TlsServerConfig`]) are
//! `smpp_runtime`'s, shared by every runtime.

use crate::Error;
use smol::net::TcpStream;
use smpp_runtime::tls::{accepted, handshake_error, TlsTarget};
use smpp_runtime::{TlsClientConfig, TlsServerConfig};
use std::net::SocketAddr;
use std::time::Duration;

/// Opens TLS over connected sockets for a client (first connection and reconnects).
#[derive(Clone)]
pub(crate) struct TlsDialer {
    connector: futures_rustls::TlsConnector,
    target: TlsTarget,
}

impl TlsDialer {
    /// A dialer verifying the server as `addr` (unless `tls` names it), whose handshakes
    /// must complete within `timeout`.
    pub(crate) fn new(
        tls: &TlsClientConfig,
        addr: &str,
        timeout: Duration,
    ) -> Result<TlsDialer, Error> {
        let target = TlsTarget::new(tls, addr, timeout)?;
        let connector = futures_rustls::TlsConnector::from(target.config.clone());
        Ok(TlsDialer { connector, target })
    }

    pub(crate) async fn handshake(
        &self,
        stream: TcpStream,
    ) -> Result<futures_rustls::client::TlsStream<TcpStream>, Error> {
        let who = stream
            .peer_addr()
            .map_or_else(|_| "the server".to_string(), |p| p.to_string());
        let handshake = async {
            self.connector
                .connect(self.target.name.clone(), stream)
                .await
                .map_err(|e| handshake_error(&who, &e))
        };
        let timer = async {
            async_io::Timer::after(self.target.timeout).await;
            Err(self.target.timed_out(&who))
        };
        futures_lite::future::or(handshake, timer).await
    }
}

/// Accepts TLS on a server's listener.
#[derive(Clone)]
pub(crate) struct TlsAcceptor {
    acceptor: futures_rustls::TlsAcceptor,
}

impl TlsAcceptor {
    pub(crate) fn new(tls: &TlsServerConfig) -> TlsAcceptor {
        TlsAcceptor {
            acceptor: futures_rustls::TlsAcceptor::from(tls.rustls_config().clone()),
        }
    }

    /// The server side of the handshake, within `timeout`; `None` (logged) when it failed.
    pub(crate) async fn handshake(
        &self,
        stream: TcpStream,
        peer: SocketAddr,
        timeout: Duration,
    ) -> Option<futures_rustls::server::TlsStream<TcpStream>> {
        let handshake = async { Some(self.acceptor.accept(stream).await) };
        let timer = async {
            async_io::Timer::after(timeout).await;
            None
        };
        accepted(
            futures_lite::future::or(handshake, timer).await,
            peer,
            timeout,
        )
    }
}
