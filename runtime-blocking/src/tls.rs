//! TLS (SMPPS) streams over `std::net` sockets: a client's dialer, a server's accept, and
//! [`TlsStream`], a rustls connection split between the reader and writer threads. The
//! settings ([`TlsClientConfig`], [`TlsServerConfig`]) are `smpp_runtime`'s, shared by
//! every runtime.

use crate::common::{ShutdownHandle, Transport};
use crate::conn::lock;
use crate::Error;
use smpp_runtime::tls::{handshake_error, tls_error, TlsTarget};
use smpp_runtime::{TlsClientConfig, TlsServerConfig};
use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Opens TLS over connected sockets for a client (first connection and reconnects).
#[derive(Clone)]
pub(crate) struct TlsDialer(TlsTarget);

impl TlsDialer {
    /// A dialer verifying the server as `addr` (unless `tls` names it), whose handshakes
    /// must complete within `timeout`.
    pub(crate) fn new(
        tls: &TlsClientConfig,
        addr: &str,
        timeout: Duration,
    ) -> Result<TlsDialer, Error> {
        TlsTarget::new(tls, addr, timeout).map(TlsDialer)
    }

    /// The client side of the handshake, within the timeout.
    pub(crate) fn handshake(&self, sock: TcpStream) -> Result<TlsStream, Error> {
        let who = sock
            .peer_addr()
            .map_or_else(|_| "the server".to_string(), |p| p.to_string());
        let t = &self.0;
        let conn = rustls::ClientConnection::new(t.config.clone(), t.name.clone())
            .map_err(|e| tls_error("TLS client", e))?;
        TlsStream::handshake(sock, conn.into(), t.timeout).map_err(|e| match e.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => t.timed_out(&who),
            _ => handshake_error(&who, &e),
        })
    }
}

/// The server side of a handshake on an accepted socket, within `timeout`.
pub(crate) fn accept(
    config: &TlsServerConfig,
    sock: TcpStream,
    timeout: Duration,
) -> Result<TlsStream, Error> {
    let who = sock
        .peer_addr()
        .map_or_else(|_| "a client".to_string(), |p| p.to_string());
    let conn = rustls::ServerConnection::new(config.rustls_config().clone())
        .map_err(|e| tls_error("TLS server", e))?;
    TlsStream::handshake(sock, conn.into(), timeout).map_err(|e| handshake_error(&who, &e))
}

/// A TCP connection whose TLS handshake completed: a [`Transport`] for the connection's
/// reader and writer threads.
///
/// Both halves share the rustls state behind a mutex, and writes to the socket behind
/// another (always taken first, so that TLS records reach the socket in the order they
/// were sealed). The reader waits for ciphertext without holding either lock, then
/// decrypts under the state lock; records rustls wants to send in answer (alerts, key
/// updates) go out through the socket lock. The writer seals under the state lock and
/// writes the records while holding only the socket lock.
pub(crate) struct TlsStream {
    sock: TcpStream,
    conn: rustls::Connection,
}

impl TlsStream {
    fn handshake(
        mut sock: TcpStream,
        mut conn: rustls::Connection,
        timeout: Duration,
    ) -> io::Result<TlsStream> {
        let deadline = Instant::now() + timeout;
        let result = (|| {
            while conn.is_handshaking() || conn.wants_write() {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(
                        ErrorKind::TimedOut,
                        "TLS handshake timed out",
                    ));
                }
                sock.set_read_timeout(Some(left))?;
                sock.set_write_timeout(Some(left))?;
                if !conn.is_handshaking() {
                    conn.write_tls(&mut sock)?;
                    continue;
                }
                let (read, written) = conn.complete_io(&mut sock)?;
                if read == 0 && written == 0 && conn.is_handshaking() {
                    return Err(io::Error::from(ErrorKind::UnexpectedEof));
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            // Best effort: tell the peer why (an alert rustls queued).
            let _ = sock.set_write_timeout(Some(Duration::from_millis(100)));
            while conn.wants_write() {
                if conn.write_tls(&mut sock).is_err() {
                    break;
                }
            }
            let _ = sock.shutdown(std::net::Shutdown::Both);
            return Err(e);
        }
        sock.set_read_timeout(None)?;
        sock.set_write_timeout(None)?;
        Ok(TlsStream { sock, conn })
    }
}

struct TlsShared {
    conn: Mutex<rustls::Connection>,
    /// The socket's writing side; taken before `conn` when both are needed.
    wsock: Mutex<TcpStream>,
}

impl TlsShared {
    /// Writes whatever records rustls has queued.
    fn send_queued(&self) -> io::Result<()> {
        let mut sock = lock(&self.wsock);
        let mut out = Vec::new();
        {
            let mut c = lock(&self.conn);
            while c.wants_write() {
                c.write_tls(&mut out)?;
            }
        }
        sock.write_all(&out)
    }
}

/// The reading half of a [`TlsStream`].
pub(crate) struct TlsReader {
    shared: Arc<TlsShared>,
    sock: TcpStream,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    eof: bool,
}

/// The writing half of a [`TlsStream`]. Dropping it sends `close_notify` (best effort).
pub(crate) struct TlsWriter {
    shared: Arc<TlsShared>,
    out: Vec<u8>,
}

impl Transport for TlsStream {
    type Reader = TlsReader;
    type Writer = TlsWriter;

    fn shutdown_handle(&self) -> io::Result<ShutdownHandle> {
        self.sock.shutdown_handle()
    }

    fn quickack(&self) -> smpp_runtime::QuickAck {
        smpp_runtime::QuickAck::of_std(&self.sock)
    }

    fn split(self) -> io::Result<(TlsReader, TlsWriter)> {
        let rsock = self.sock.try_clone()?;
        let shared = Arc::new(TlsShared {
            conn: Mutex::new(self.conn),
            wsock: Mutex::new(self.sock),
        });
        let reader = TlsReader {
            shared: shared.clone(),
            sock: rsock,
            buf: vec![0; 32 * 1024].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
        };
        Ok((
            reader,
            TlsWriter {
                shared,
                out: Vec::new(),
            },
        ))
    }
}

impl Read for TlsReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let mut c = lock(&self.shared.conn);
            match c.reader().read(buf) {
                // Ok(0): the peer's close_notify.
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                // The socket ended without close_notify: an end of stream all the same.
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(0),
                Err(e) => return Err(e),
            }
            if self.start < self.end {
                let mut pending = &self.buf[self.start..self.end];
                let n = c.read_tls(&mut pending)?;
                self.start += n;
                let processed = c.process_new_packets();
                let answer = c.wants_write();
                drop(c);
                if answer {
                    // Alerts, key updates: written outside the state lock (socket lock first).
                    let sent = self.shared.send_queued();
                    if processed.is_ok() {
                        sent?;
                    }
                }
                if let Err(e) = processed {
                    return Err(io::Error::new(ErrorKind::InvalidData, e));
                }
                continue;
            }
            if self.eof {
                return Ok(0);
            }
            drop(c);
            // Wait for ciphertext without holding any lock.
            let n = self.sock.read(&mut self.buf)?;
            self.start = 0;
            self.end = n;
            if n == 0 {
                self.eof = true;
                let mut c = lock(&self.shared.conn);
                let _ = c.read_tls(&mut &[][..]);
            }
        }
    }
}

impl Write for TlsWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut sock = lock(&self.shared.wsock);
        let n = {
            let mut c = lock(&self.shared.conn);
            let n = c.writer().write(buf)?;
            while c.wants_write() {
                c.write_tls(&mut self.out)?;
            }
            n
        };
        let r = sock.write_all(&self.out);
        self.out.clear();
        r.map(|()| n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for TlsWriter {
    fn drop(&mut self) {
        lock(&self.shared.conn).send_close_notify();
        let _ = self.shared.send_queued();
    }
}
