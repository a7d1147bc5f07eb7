//! TLS (SMPPS) settings: which server certificates a client trusts, and the certificate a
//! server presents. Built on rustls with the ring crypto provider. Every runtime re-exports
//! [`TlsClientConfig`] and [`TlsServerConfig`] and wraps its own streams with
//! [`TlsClientConfig::rustls_config`] and [`TlsServerConfig::rustls_config`].

use crate::Error;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS configuration or setup failure as an [`Error::Tls`]: `"{context}: {e}"`.
pub fn tls_error(context: &str, e: impl fmt::Display) -> Error {
    Error::Tls(format!("{context}: {e}"))
}

/// How a client verifies the SMSC's certificate, and the name it expects in it.
///
/// Applications reach it through their runtime (`smpp_smol::TlsClientConfig`,
/// `smpp_tokio::TlsClientConfig`, `smpp_blocking::TlsClientConfig`: the same type).
///
/// ```no_run
/// # fn main() -> Result<(), smpp_runtime::Error> {
/// use smpp_runtime::TlsClientConfig;
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

    /// The name to verify for a connection to `addr` (`"host:port"`, `"[v6]:port"`, ...):
    /// the one set by [`TlsClientConfig::with_server_name`], else the host part of `addr`.
    pub fn server_name_for(&self, addr: &str) -> Result<ServerName<'static>, Error> {
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
fn host_of(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.parse::<u16>().is_ok() => host,
        _ => addr,
    }
}

/// The certificate chain and key a server presents.
///
/// Applications reach it through their runtime (`smpp_smol::TlsServerConfig`, ...: the
/// same type in every runtime).
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

/// A handshake failure as an [`Error::Tls`] naming the peer and the problem (the rustls
/// error inside `e` when there is one).
pub fn handshake_error(peer: &str, e: &std::io::Error) -> Error {
    let detail = match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(r) => r.to_string(),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the peer closed the connection (is it a TLS listener?)".to_string()
        }
        None => e.to_string(),
    };
    Error::Tls(format!("TLS handshake with {peer} failed: {detail}"))
}

/// What a client's TLS handshakes need, whatever the runtime: the rustls configuration, the
/// name verified, and how long a handshake may take. Each runtime's dialer wraps it with its
/// own connector (futures-rustls, tokio-rustls, a rustls connection).
#[derive(Clone, Debug)]
pub struct TlsTarget {
    /// The rustls configuration.
    pub config: Arc<rustls::ClientConfig>,
    /// The name the server's certificate must carry.
    pub name: ServerName<'static>,
    /// How long a handshake may take.
    pub timeout: Duration,
}

impl TlsTarget {
    /// Handshakes verifying the server as `addr` (unless `tls` names it, see
    /// [`TlsClientConfig::server_name_for`]), each within `timeout`.
    pub fn new(tls: &TlsClientConfig, addr: &str, timeout: Duration) -> Result<TlsTarget, Error> {
        Ok(TlsTarget {
            config: tls.config.clone(),
            name: tls.server_name_for(addr)?,
            timeout,
        })
    }

    /// The [`Error::Tls`] of a handshake with `who` that got no answer within the timeout.
    pub fn timed_out(&self, who: &str) -> Error {
        Error::Tls(format!(
            "TLS handshake with {who}: no answer within {:?} (is it a TLS listener?)",
            self.timeout
        ))
    }
}

/// A server's handshake with `peer` as its runtime ran it within `timeout` (`None`: no
/// handshake in time): the stream, or `None` once the failure is logged (at debug level:
/// a peer's failed handshake is the peer's problem, not the server's).
pub fn accepted<S>(
    outcome: Option<std::io::Result<S>>,
    peer: SocketAddr,
    timeout: Duration,
) -> Option<S> {
    match outcome {
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            log::debug!("smpp: {}", handshake_error(&peer.to_string(), &e));
            None
        }
        None => {
            log::debug!("smpp: no TLS handshake from {peer} within {timeout:?}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{host_of, TlsClientConfig, TlsTarget};
    use std::time::Duration;

    #[test]
    fn host_of_addresses() {
        assert_eq!(host_of("localhost:2775"), "localhost");
        assert_eq!(host_of("127.0.0.1:3550"), "127.0.0.1");
        assert_eq!(host_of("[::1]:3550"), "::1");
        assert_eq!(host_of("smsc.example.com"), "smsc.example.com");
        assert_eq!(host_of("::1"), "::1");
    }

    #[test]
    fn server_name_defaults_to_the_host() {
        let tls = TlsClientConfig::dangerous_accept_any_certificate();
        assert!(format!("{tls:?}").contains("dangerous_accept_any_certificate: true"));
        let name = tls.server_name_for("localhost:2775").unwrap();
        assert_eq!(name.to_str(), "localhost");
        let tls = tls.with_server_name("smsc.example.com");
        let name = tls.server_name_for("127.0.0.1:2775").unwrap();
        assert_eq!(name.to_str(), "smsc.example.com");
        assert!(TlsClientConfig::ca_pem(b"").is_err());
        let target = TlsTarget::new(&tls, "[::1]:2775", Duration::from_secs(1)).unwrap();
        assert_eq!(target.name.to_str(), "smsc.example.com");
        assert!(target
            .timed_out("x")
            .to_string()
            .contains("no answer within 1s"));
    }
}
