//! Socket settings every runtime applies to its TCP connections.
//!
//! SMPP is a request/response protocol of small PDUs, and many deployed peers keep Nagle's
//! algorithm on and write one PDU per call. Nagle holds a peer's second small write until
//! its first is acknowledged; if our side delays that acknowledgement (Linux waits up to
//! about 40 ms when it has nothing to send back), every such exchange stalls for the
//! delayed-ACK timer. So each runtime turns Nagle off on its own side (`TCP_NODELAY`) and,
//! on Linux, re-arms `TCP_QUICKACK` after every read: the kernel leaves quick-ack mode on
//! its own, so the option only holds until the next delayed acknowledgement decision.

use std::net::TcpStream;

/// The quick-acknowledgement switch of one TCP connection, re-armed after each read.
///
/// It holds its own handle to the socket (a duplicated descriptor), so it can be used
/// while a TLS layer or a runtime owns the stream; drop it with the connection. Where the
/// platform has no `TCP_QUICKACK`, or for a stream that is not TCP, it does nothing.
#[derive(Debug, Default)]
pub struct QuickAck {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    socket: Option<socket2::Socket>,
}

impl QuickAck {
    /// The switch of `stream`'s socket. Also sets `TCP_NODELAY` on it.
    #[cfg(unix)]
    pub fn of<S: std::os::fd::AsFd>(stream: &S) -> QuickAck {
        let sock = socket2::SockRef::from(stream);
        let _ = sock.set_tcp_nodelay(true);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let socket = sock.try_clone().ok();
            if let Some(s) = &socket {
                let _ = s.set_tcp_quickack(true);
            }
            QuickAck { socket }
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        QuickAck {}
    }

    /// The switch of `stream`'s socket. Also sets `TCP_NODELAY` on it.
    #[cfg(not(unix))]
    pub fn of(stream: &TcpStream) -> QuickAck {
        let _ = stream.set_nodelay(true);
        QuickAck {}
    }

    /// The switch of a `std` TCP stream (see [`QuickAck::of`]).
    pub fn of_std(stream: &TcpStream) -> QuickAck {
        QuickAck::of(stream)
    }

    /// A switch that does nothing (a stream that is not a TCP socket of ours).
    pub fn none() -> QuickAck {
        QuickAck::default()
    }

    /// True when re-arming reaches a socket (Linux, a TCP stream).
    pub fn is_active(&self) -> bool {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        return self.socket.is_some();
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        false
    }

    /// Re-arms quick acknowledgements: call after every read that returned data.
    pub fn rearm(&self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(s) = &self.socket {
            let _ = s.set_tcp_quickack(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::QuickAck;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn sets_nodelay_and_quickack_on_a_tcp_stream() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let s = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let q = QuickAck::of_std(&s);
        assert!(s.nodelay().unwrap());
        #[cfg(target_os = "linux")]
        {
            assert!(q.is_active());
            q.rearm();
            assert!(socket2::SockRef::from(&s).tcp_quickack().unwrap());
        }
        assert!(!QuickAck::none().is_active());
    }
}
