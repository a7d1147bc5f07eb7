//! TLS (SMPPS) settings: which server certificates a client trusts, and the certificate a
//! server presents. Built on rustls with the ring crypto provider.

use crate::common::{ShutdownHandle, Transport};
use crate::conn::lock;
use crate::Error;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use std::fmt;
use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn tls_error(context: &str, e: impl fmt::Display) -> Error {
    Error::Tls(format!("{context}: {e}"))
}

/// How a client verifies the SMSC's certificate, and the name it expects in it.
///
/// ```no_run
/// # fn main() -> Result<(), smpp_blocking::Error> {
/// use smpp_blocking::TlsClientConfig;
/// // The system's trusted roots, the name taken from the address connected to.
/// let public = TlsClientConfig::system_roots()?;
/// // A private CA, and the name the SMSC's certificate carries.
/// let private = TlsClientConfig::ca_file("ca.pem")?.with_server_name("smsc.example.com");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TlsClientConfig {
    config: Arc<rustls::ClientConfig>,
    server_name: Option<String>,
    insecure: bool,
}

impl TlsClientConfig {
    /// Verifies the server against the operating system's trusted root certificates (the
    /// usual choice for a public SMSC).
    pub fn system_roots() -> Result<TlsClientConfig, Error> {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            log::debug!("smpp: a system root certificate could not be loaded: {e}");
        }
        let mut roots = RootCertStore::empty();
        let (added, _ignored) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            return Err(Error::Tls(
                "no usable root certificate in the system's trust store".into(),
            ));
        }
        TlsClientConfig::with_roots(roots)
    }

    /// Verifies the server against the CA certificate(s) of a PEM file (a private CA, or a
    /// self-signed server certificate).
    pub fn ca_file(path: impl AsRef<Path>) -> Result<TlsClientConfig, Error> {
        let path = path.as_ref();
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| tls_error(&format!("cannot read {}", path.display()), e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_error(&format!("cannot read {}", path.display()), e))?;
        TlsClientConfig::from_certs(certs, &path.display().to_string())
    }

    /// Verifies the server against the CA certificate(s) of PEM text.
    pub fn ca_pem(pem: &[u8]) -> Result<TlsClientConfig, Error> {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_error("cannot read the CA PEM", e))?;
        TlsClientConfig::from_certs(certs, "the CA PEM")
    }

    fn from_certs(certs: Vec<CertificateDer<'static>>, what: &str) -> Result<Self, Error> {
        if certs.is_empty() {
            return Err(Error::Tls(format!("no certificate in {what}")));
        }
        let mut roots = RootCertStore::empty();
        for c in certs {
            roots
                .add(c)
                .map_err(|e| tls_error(&format!("unusable CA certificate in {what}"), e))?;
        }
        TlsClientConfig::with_roots(roots)
    }

    fn with_roots(roots: RootCertStore) -> Result<TlsClientConfig, Error> {
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error("TLS configuration", e))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(TlsClientConfig::from_rustls(Arc::new(config)))
    }

    /// **Test rigs only: no security.** Accepts whatever certificate the server presents,
    /// for any name: the link is encrypted but anyone in the path can impersonate the SMSC
    /// and read the password. Never use it against a real SMSC.
    pub fn dangerous_accept_any_certificate() -> TlsClientConfig {
        let verifier = Arc::new(AcceptAnyCertificate(provider()));
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default protocol versions")
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        TlsClientConfig {
            insecure: true,
            ..TlsClientConfig::from_rustls(Arc::new(config))
        }
    }

    /// A rustls configuration of the application's own (client certificates, pinning, ...).
    pub fn from_rustls(config: Arc<rustls::ClientConfig>) -> TlsClientConfig {
        TlsClientConfig {
            config,
            server_name: None,
            insecure: false,
        }
    }

    /// The name the server's certificate must carry (a DNS name or an IP address).
    /// Default: the host part of the address connected to.
    pub fn with_server_name(mut self, name: impl Into<String>) -> TlsClientConfig {
        self.server_name = Some(name.into());
        self
    }

    /// The rustls configuration.
    pub fn rustls_config(&self) -> &Arc<rustls::ClientConfig> {
        &self.config
    }

    /// The name to verify for a connection to `addr` (`"host:port"`, `"[v6]:port"`, ...).
    pub(crate) fn server_name_for(&self, addr: &str) -> Result<ServerName<'static>, Error> {
        let name = match &self.server_name {
            Some(n) => n.clone(),
            None => host_of(addr).to_string(),
        };
        ServerName::try_from(name.clone())
            .map_err(|e| Error::Tls(format!("invalid TLS server name {name:?}: {e}")))
    }
}

impl fmt::Debug for TlsClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClientConfig")
            .field("server_name", &self.server_name)
            .field("dangerous_accept_any_certificate", &self.insecure)
            .finish_non_exhaustive()
    }
}

/// The host of `"host:port"` (brackets of an IPv6 address removed); the whole text when it
/// has no port.
pub(crate) fn host_of(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.parse::<u16>().is_ok() => host,
        _ => addr,
    }
}

/// The certificate chain and key a server presents.
#[derive(Clone)]
pub struct TlsServerConfig {
    config: Arc<rustls::ServerConfig>,
}

impl TlsServerConfig {
    /// The certificate chain (leaf first) and private key (PKCS#8, PKCS#1 or SEC1) from PEM
    /// files.
    pub fn from_pem_files(
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<TlsServerConfig, Error> {
        let (cert_chain, key) = (cert_chain.as_ref(), key.as_ref());
        let certs = CertificateDer::pem_file_iter(cert_chain)
            .map_err(|e| tls_error(&format!("cannot read {}", cert_chain.display()), e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_error(&format!("cannot read {}", cert_chain.display()), e))?;
        let key = PrivateKeyDer::from_pem_file(key)
            .map_err(|e| tls_error(&format!("no private key in {}", key.display()), e))?;
        TlsServerConfig::build(certs, key, &cert_chain.display().to_string())
    }

    /// The certificate chain and private key from PEM text (for tests and embedded keys).
    pub fn from_pem(cert_chain: &[u8], key: &[u8]) -> Result<TlsServerConfig, Error> {
        let certs = CertificateDer::pem_slice_iter(cert_chain)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_error("cannot read the certificate PEM", e))?;
        let key = PrivateKeyDer::from_pem_slice(key)
            .map_err(|e| tls_error("no private key in the key PEM", e))?;
        TlsServerConfig::build(certs, key, "the certificate PEM")
    }

    fn build(
        certs: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        what: &str,
    ) -> Result<TlsServerConfig, Error> {
        if certs.is_empty() {
            return Err(Error::Tls(format!("no certificate in {what}")));
        }
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error("TLS configuration", e))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| tls_error("the certificate and key do not go together", e))?;
        Ok(TlsServerConfig::from_rustls(Arc::new(config)))
    }

    /// A rustls configuration of the application's own (client authentication, ...).
    pub fn from_rustls(config: Arc<rustls::ServerConfig>) -> TlsServerConfig {
        TlsServerConfig { config }
    }

    /// The rustls configuration.
    pub fn rustls_config(&self) -> &Arc<rustls::ServerConfig> {
        &self.config
    }
}

impl fmt::Debug for TlsServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsServerConfig").finish_non_exhaustive()
    }
}

/// Accepts any certificate (signatures are still checked, so the handshake itself is sound).
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A handshake failure as an [`Error::Tls`] naming the peer and the problem.
pub(crate) fn handshake_error(peer: &str, e: &std::io::Error) -> Error {
    let detail = match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(r) => r.to_string(),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the peer closed the connection (is it a TLS listener?)".to_string()
        }
        None => e.to_string(),
    };
    Error::Tls(format!("TLS handshake with {peer} failed: {detail}"))
}

/// Opens TLS over connected sockets for a client (first connection and reconnects).
#[derive(Clone)]
pub(crate) struct TlsDialer {
    config: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
    timeout: Duration,
}

impl TlsDialer {
    /// A dialer verifying the server as `addr` (unless `tls` names it), whose handshakes
    /// must complete within `timeout`.
    pub(crate) fn new(
        tls: &TlsClientConfig,
        addr: &str,
        timeout: Duration,
    ) -> Result<TlsDialer, Error> {
        Ok(TlsDialer {
            config: tls.config.clone(),
            name: tls.server_name_for(addr)?,
            timeout,
        })
    }

    /// The client side of the handshake, within the timeout.
    pub(crate) fn handshake(&self, sock: TcpStream) -> Result<TlsStream, Error> {
        let who = sock
            .peer_addr()
            .map_or_else(|_| "the server".to_string(), |p| p.to_string());
        let conn = rustls::ClientConnection::new(self.config.clone(), self.name.clone())
            .map_err(|e| tls_error("TLS client", e))?;
        TlsStream::handshake(sock, conn.into(), self.timeout).map_err(|e| match e.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Error::Tls(format!(
                "TLS handshake with {who}: no answer within {:?} (is it a TLS listener?)",
                self.timeout
            )),
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
    let conn = rustls::ServerConnection::new(config.config.clone())
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

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn host_of_addresses() {
        assert_eq!(host_of("localhost:2775"), "localhost");
        assert_eq!(host_of("127.0.0.1:3550"), "127.0.0.1");
        assert_eq!(host_of("[::1]:3550"), "::1");
        assert_eq!(host_of("smsc.example.com"), "smsc.example.com");
        assert_eq!(host_of("::1"), "::1");
    }
}
