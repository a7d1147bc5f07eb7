//! Where and how a client opens its connections: the first one and every reconnect.

use crate::error::Error;
use smpp_runtime::QuickAck;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;

/// Where a reconnect dials.
pub(crate) struct Dial {
    pub(crate) addrs: Vec<SocketAddr>,
    pub(crate) timeout: Duration,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<crate::tls::TlsDialer>,
}

impl Dial {
    pub(crate) async fn connect(&self) -> Result<(TcpStream, Option<SocketAddr>, QuickAck), Error> {
        let s = connect_tcp(&self.addrs, self.timeout).await?;
        let peer = s.peer_addr().ok();
        let quickack = QuickAck::of(&s);
        Ok((s, peer, quickack))
    }
}

/// Opens a TCP connection to the first address that answers, within `timeout`.
pub(crate) async fn connect_tcp(
    addrs: &[SocketAddr],
    timeout: Duration,
) -> Result<TcpStream, Error> {
    let connect = async {
        let mut last = None;
        for a in addrs {
            match TcpStream::connect(*a).await {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(Error::Io(last.unwrap_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no address to connect to")
        })))
    };
    tokio::time::timeout(timeout, connect)
        .await
        .unwrap_or(Err(Error::ConnectTimeout))
}
