//! TLS (SMPPS) settings: which server certificates a client trusts, and the certificate a
//! server presents. Built on rustls with the ring crypto provider. Every runtime re-exports
//! [`TlsClientConfig`] and [`TlsServerConfig`] and wraps its own streams with
//! [`TlsClientConfig::rustls_config`] and [`TlsServerConfig::rustls_config`].

use crate::Error;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme};
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
/// # Which servers are accepted
///
/// - [`TlsClientConfig::system_roots`]: a certificate chain to one of the system's trusted
///   roots, valid now and for the expected name (webpki's verification).
/// - [`TlsClientConfig::ca_file`] / [`TlsClientConfig::ca_pem`]: **pinning by exact
///   certificate first**: a server whose end-entity certificate is byte for byte one of
///   the given certificates is accepted whatever its name, issuer, dates or basic
///   constraints say (so a self-signed server certificate works, also one marked
///   `CA:TRUE` as `openssl req -x509` makes it, also when connecting by an address the
///   certificate does not name). Any other certificate must chain to the given
///   certificates as CAs, be valid now and carry the expected name.
/// - [`TlsClientConfig::pinned_sha256`]: only a server whose end-entity certificate's
///   SHA-256 (of its DER) is one of the pins; nothing else is checked about the
///   certificate.
/// - [`TlsClientConfig::with_pinned_sha256`] adds a pin to any of the above: a match is
///   then accepted too.
///
/// In every case the handshake's signatures are verified with the certificate's key, so
/// the server must hold the private key of the certificate accepted. A refused certificate
/// fails the handshake with an [`Error::Tls`] naming the problem; when pins were given it
/// names the server's SHA-256 and what was expected.
///
/// ```no_run
/// # fn main() -> Result<(), smpp_runtime::Error> {
/// use smpp_runtime::tls::Sha256Pin;
/// use smpp_runtime::TlsClientConfig;
/// // The system's trusted roots, the name taken from the address connected to.
/// let public = TlsClientConfig::system_roots()?;
/// // A private CA (or the SMSC's own self-signed certificate), and the name the SMSC's
/// // certificate carries.
/// let private = TlsClientConfig::ca_file("ca.pem")?.with_server_name("smsc.example.com");
/// // Only the server whose certificate has this SHA-256 (`openssl x509 -noout
/// // -fingerprint -sha256 -in cert.pem` prints it).
/// let pin: Sha256Pin = "3B:4F:...".parse()?;
/// let pinned = TlsClientConfig::pinned_sha256([pin])?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TlsClientConfig {
    config: Arc<rustls::ClientConfig>,
    server_name: Option<String>,
    insecure: bool,
    /// What the configuration was built from (`None` for [`TlsClientConfig::from_rustls`]
    /// and [`TlsClientConfig::dangerous_accept_any_certificate`]).
    trust: Option<Trust>,
}

/// The trust a [`TlsClientConfig`] of this crate's making verifies against.
#[derive(Clone)]
struct Trust {
    /// Trust anchors for webpki's verification (`None`: pins only).
    roots: Option<Arc<RootCertStore>>,
    /// End-entity certificates accepted by exact match.
    exact: Vec<CertificateDer<'static>>,
    /// Where `exact` came from, for error messages.
    source: String,
    /// SHA-256 digests of end-entity certificates accepted.
    sha256: Vec<Sha256Pin>,
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
        TlsClientConfig::with_trust(Trust {
            roots: Some(Arc::new(roots)),
            exact: Vec::new(),
            source: "the system's trust store".into(),
            sha256: Vec::new(),
        })
    }

    /// Verifies the server against the certificate(s) of a PEM file: a server presenting
    /// one of them exactly is accepted (a self-signed server certificate, pinned); any
    /// other server certificate must be issued by one of them for the expected name (a
    /// private CA). See [which servers are accepted](TlsClientConfig#which-servers-are-accepted).
    pub fn ca_file(path: impl AsRef<Path>) -> Result<TlsClientConfig, Error> {
        let path = path.as_ref();
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| tls_error(&format!("cannot read {}", path.display()), e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_error(&format!("cannot read {}", path.display()), e))?;
        TlsClientConfig::from_certs(certs, &path.display().to_string())
    }

    /// Like [`TlsClientConfig::ca_file`], with the certificate(s) as PEM text.
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
        for c in &certs {
            roots
                .add(c.clone())
                .map_err(|e| tls_error(&format!("unusable CA certificate in {what}"), e))?;
        }
        TlsClientConfig::with_trust(Trust {
            roots: Some(Arc::new(roots)),
            exact: certs,
            source: what.to_string(),
            sha256: Vec::new(),
        })
    }

    /// Accepts only a server whose end-entity certificate's SHA-256 (of its DER encoding)
    /// is one of `pins`; its name, issuer and dates are not looked at. At least one pin.
    pub fn pinned_sha256(
        pins: impl IntoIterator<Item = Sha256Pin>,
    ) -> Result<TlsClientConfig, Error> {
        let sha256: Vec<Sha256Pin> = pins.into_iter().collect();
        if sha256.is_empty() {
            return Err(Error::Tls("no SHA-256 pin given".into()));
        }
        TlsClientConfig::with_trust(Trust {
            roots: None,
            exact: Vec::new(),
            source: String::new(),
            sha256,
        })
    }

    /// Also accepts a server whose end-entity certificate's SHA-256 is `pin` (whatever the
    /// rest of the verification says). Only for configurations made by
    /// [`TlsClientConfig::system_roots`], [`TlsClientConfig::ca_file`],
    /// [`TlsClientConfig::ca_pem`] or [`TlsClientConfig::pinned_sha256`]; others give an
    /// [`Error::Tls`].
    pub fn with_pinned_sha256(self, pin: Sha256Pin) -> Result<TlsClientConfig, Error> {
        let Some(mut trust) = self.trust.clone() else {
            return Err(Error::Tls(
                "a SHA-256 pin can only be added to a configuration made by system_roots, \
                 ca_file, ca_pem or pinned_sha256"
                    .into(),
            ));
        };
        if !trust.sha256.contains(&pin) {
            trust.sha256.push(pin);
        }
        Ok(TlsClientConfig {
            server_name: self.server_name,
            ..TlsClientConfig::with_trust(trust)?
        })
    }

    fn with_trust(trust: Trust) -> Result<TlsClientConfig, Error> {
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error("TLS configuration", e))?;
        let config = match (
            &trust.roots,
            trust.exact.is_empty() && trust.sha256.is_empty(),
        ) {
            // No pins: webpki's verification, as rustls builds it.
            (Some(roots), true) => builder
                .with_root_certificates(roots.clone())
                .with_no_client_auth(),
            _ => {
                let verifier = PinningVerifier::new(&trust)?;
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(verifier))
                    .with_no_client_auth()
            }
        };
        Ok(TlsClientConfig {
            trust: Some(trust),
            ..TlsClientConfig::from_rustls(Arc::new(config))
        })
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

    /// A rustls configuration of the application's own (client certificates, a verifier
    /// of its own, ...).
    pub fn from_rustls(config: Arc<rustls::ClientConfig>) -> TlsClientConfig {
        TlsClientConfig {
            config,
            server_name: None,
            insecure: false,
            trust: None,
        }
    }

    /// The name the server's certificate must carry (a DNS name or an IP address).
    /// Default: the host part of the address connected to. (A certificate accepted by a
    /// pin is accepted whatever names it carries.)
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
            .field(
                "pinned_certificates",
                &self.trust.as_ref().map_or(0, |t| t.exact.len()),
            )
            .field(
                "sha256_pins",
                &self.trust.as_ref().map_or(&[][..], |t| &t.sha256[..]),
            )
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

/// The SHA-256 digest of a certificate's DER encoding: what
/// [`TlsClientConfig::pinned_sha256`] and [`TlsClientConfig::with_pinned_sha256`] match a
/// server's end-entity certificate against.
///
/// Parsed from 64 hexadecimal digits, upper or lower case, optionally in pairs separated
/// by `:` (as `openssl x509 -noout -fingerprint -sha256` prints it); shown as upper-case
/// pairs separated by `:`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256Pin(pub [u8; 32]);

impl Sha256Pin {
    /// The digest of `der` (a certificate in DER encoding).
    pub fn of_der(der: &[u8]) -> Sha256Pin {
        let d = ring::digest::digest(&ring::digest::SHA256, der);
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        Sha256Pin(out)
    }

    /// The digest of each certificate of PEM text (for example to print the pin of a
    /// certificate file).
    pub fn of_pem(pem: &[u8]) -> Result<Vec<Sha256Pin>, Error> {
        CertificateDer::pem_slice_iter(pem)
            .map(|c| c.map(|c| Sha256Pin::of_der(&c)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_error("cannot read the certificate PEM", e))
    }
}

impl std::str::FromStr for Sha256Pin {
    type Err = Error;

    fn from_str(text: &str) -> Result<Sha256Pin, Error> {
        let bad = |why: &str| {
            Error::Tls(format!(
                "invalid SHA-256 pin {text:?}: {why} (expected 64 hexadecimal digits, \
                 optionally in pairs separated by ':')"
            ))
        };
        let t = text.trim();
        let digits: Vec<u8> = if t.contains(':') {
            let pairs: Vec<&str> = t.split(':').collect();
            if pairs.iter().any(|p| p.len() != 2) {
                return Err(bad("a group is not two digits"));
            }
            pairs.concat().into_bytes()
        } else {
            t.as_bytes().to_vec()
        };
        if digits.len() != 64 {
            return Err(bad(&format!("{} digits", digits.len())));
        }
        let mut out = [0u8; 32];
        for (o, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            let hex = std::str::from_utf8(pair).map_err(|_| bad("not hexadecimal"))?;
            *o = u8::from_str_radix(hex, 16).map_err(|_| bad("not hexadecimal"))?;
        }
        Ok(Sha256Pin(out))
    }
}

impl fmt::Display for Sha256Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Sha256Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Pin({self})")
    }
}

/// The verifier of a [`TlsClientConfig`] with pins: an end-entity certificate equal to one
/// of `exact`, or whose SHA-256 is one of `sha256`, is accepted; any other goes through
/// webpki's verification against `webpki`'s roots (refused when there are none).
/// Handshake signatures are always verified with the provider's algorithms.
#[derive(Debug)]
struct PinningVerifier {
    exact: Vec<CertificateDer<'static>>,
    source: String,
    sha256: Vec<Sha256Pin>,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

/// Why a [`PinningVerifier`] refused a certificate (inside a rustls
/// `CertificateError::Other`).
#[derive(Debug)]
struct NotPinned(String);

impl fmt::Display for NotPinned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotPinned {}

/// `pins` as text: at most four, then how many more.
fn list_pins(pins: impl ExactSizeIterator<Item = Sha256Pin>) -> String {
    let n = pins.len();
    let mut shown: Vec<String> = pins.take(4).map(|p| p.to_string()).collect();
    if n > 4 {
        shown.push(format!("and {} more", n - 4));
    }
    shown.join(", ")
}

impl PinningVerifier {
    fn new(trust: &Trust) -> Result<PinningVerifier, Error> {
        let provider = provider();
        let webpki = match &trust.roots {
            Some(roots) => Some(
                WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
                    .build()
                    .map_err(|e| tls_error("TLS configuration", e))?,
            ),
            None => None,
        };
        Ok(PinningVerifier {
            exact: trust.exact.clone(),
            source: trust.source.clone(),
            sha256: trust.sha256.clone(),
            webpki,
            provider,
        })
    }

    /// The error for `end_entity`, which matched no pin; `webpki` is why webpki's
    /// verification refused it (when it ran).
    fn refusal(
        &self,
        end_entity: &CertificateDer<'_>,
        webpki: Option<rustls::Error>,
    ) -> rustls::Error {
        let got = Sha256Pin::of_der(end_entity);
        let mut why = Vec::new();
        if !self.exact.is_empty() {
            let n = self.exact.len();
            why.push(format!(
                "it is not {} of {} (SHA-256 {})",
                if n == 1 {
                    "the certificate"
                } else {
                    "one of the certificates"
                },
                self.source,
                list_pins(self.exact.iter().map(|c| Sha256Pin::of_der(c))),
            ));
        }
        if !self.sha256.is_empty() {
            why.push(format!(
                "it does not have the pinned SHA-256 {}",
                list_pins(self.sha256.iter().copied())
            ));
        }
        let mut text = format!(
            "the server's certificate (SHA-256 {got}) is not trusted: {}",
            why.join("; ")
        );
        if let Some(e) = webpki {
            let detail = match e {
                rustls::Error::InvalidCertificate(c) => c.to_string(),
                other => other.to_string(),
            };
            text.push_str(&format!(
                "; verifying it against {} as CAs failed: {detail}",
                self.source
            ));
        }
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(NotPinned(
            text,
        )))))
    }
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.exact.iter().any(|c| c.as_ref() == end_entity.as_ref()) {
            return Ok(ServerCertVerified::assertion());
        }
        if !self.sha256.is_empty() && self.sha256.contains(&Sha256Pin::of_der(end_entity)) {
            return Ok(ServerCertVerified::assertion());
        }
        let Some(webpki) = &self.webpki else {
            return Err(self.refusal(end_entity, None));
        };
        match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Ok(v) => Ok(v),
            // A chain that does not lead to the roots, or a wrong name, says more with what
            // was pinned; other errors (a malformed certificate, ...) are left as they are.
            Err(e @ rustls::Error::InvalidCertificate(_)) => Err(self.refusal(end_entity, Some(e))),
            Err(e) => Err(e),
        }
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
            &self.provider.signature_verification_algorithms,
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
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A rustls error as text for people: a certificate refused by a pin says why in its own
/// words (rustls would show its debug form).
fn describe(e: &rustls::Error) -> String {
    if let rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(inner))) = e {
        return format!("invalid peer certificate: {inner}");
    }
    e.to_string()
}

/// A handshake failure as an [`Error::Tls`] naming the peer and the problem (the rustls
/// error inside `e` when there is one).
pub fn handshake_error(peer: &str, e: &std::io::Error) -> Error {
    let detail = match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(r) => describe(r),
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
    use super::{host_of, PinningVerifier, Sha256Pin, TlsClientConfig, TlsTarget, Trust};
    use rustls::client::danger::ServerCertVerifier;
    use rustls::RootCertStore;
    use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
    use std::sync::Arc;
    use std::time::Duration;

    /// A self-signed certificate for `localhost` and 127.0.0.1 marked `CA:TRUE`, as
    /// `openssl req -x509` makes it: (DER, PEM).
    fn self_signed(cn: &str) -> (CertificateDer<'static>, String) {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, cn);
        let cert = params.self_signed(&key).unwrap();
        (cert.der().clone(), cert.pem())
    }

    fn verifier(trust: Trust) -> PinningVerifier {
        PinningVerifier::new(&trust).unwrap()
    }

    fn exact(certs: &[&CertificateDer<'static>]) -> Trust {
        let mut roots = RootCertStore::empty();
        for c in certs {
            roots.add((*c).clone()).unwrap();
        }
        Trust {
            roots: Some(Arc::new(roots)),
            exact: certs.iter().map(|c| (*c).clone()).collect(),
            source: "ca.pem".into(),
            sha256: Vec::new(),
        }
    }

    fn verify(v: &PinningVerifier, leaf: &CertificateDer<'_>, name: &str) -> Result<(), String> {
        let name = ServerName::try_from(name.to_string()).unwrap();
        v.verify_server_cert(leaf, &[], &name, &[], UnixTime::now())
            .map(|_| ())
            .map_err(|e| super::describe(&e))
    }

    #[test]
    fn an_exact_certificate_is_accepted_though_it_is_a_ca() {
        let (leaf, _) = self_signed("smsc");
        let v = verifier(exact(&[&leaf]));
        assert_eq!(verify(&v, &leaf, "localhost"), Ok(()));
        // Pinned: the name is not looked at.
        assert_eq!(verify(&v, &leaf, "elsewhere.example"), Ok(()));
        // Without the exact match, webpki refuses it as a CA used as an end entity.
        let webpki_only = rustls::client::WebPkiServerVerifier::builder_with_provider(
            exact(&[&leaf]).roots.unwrap(),
            super::provider(),
        )
        .build()
        .unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let e = webpki_only
            .verify_server_cert(&leaf, &[], &name, &[], UnixTime::now())
            .unwrap_err();
        assert!(e.to_string().contains("CaUsedAsEndEntity"), "{e}");
    }

    #[test]
    fn another_certificate_is_refused_naming_the_expected_one() {
        let (leaf, _) = self_signed("smsc");
        let (other, _) = self_signed("impostor");
        let v = verifier(exact(&[&leaf]));
        let e = verify(&v, &other, "localhost").unwrap_err();
        let (want, got) = (Sha256Pin::of_der(&leaf), Sha256Pin::of_der(&other));
        assert!(e.contains(&format!("SHA-256 {got}")), "{e}");
        assert!(
            e.contains(&format!("not the certificate of ca.pem (SHA-256 {want})")),
            "{e}"
        );
        assert!(
            e.contains("verifying it against ca.pem as CAs failed"),
            "{e}"
        );
        assert!(e.starts_with("invalid peer certificate: "), "{e}");
    }

    #[test]
    fn sha256_pins() {
        let (leaf, _) = self_signed("smsc");
        let (other, _) = self_signed("impostor");
        let pin = Sha256Pin::of_der(&leaf);
        let only = |pins: Vec<Sha256Pin>| {
            verifier(Trust {
                roots: None,
                exact: Vec::new(),
                source: String::new(),
                sha256: pins,
            })
        };
        let v = only(vec![pin]);
        assert_eq!(verify(&v, &leaf, "any.example"), Ok(()));
        let e = verify(&v, &other, "localhost").unwrap_err();
        assert!(
            e.contains(&format!("does not have the pinned SHA-256 {pin}")),
            "{e}"
        );
        assert!(
            e.contains(&format!("SHA-256 {}", Sha256Pin::of_der(&other))),
            "{e}"
        );
        assert!(!e.contains("as CAs"), "{e}");
        // A pin added to exact certificates: either is enough.
        let mut both = exact(&[&other]);
        both.sha256.push(pin);
        let v = verifier(both);
        assert_eq!(verify(&v, &leaf, "localhost"), Ok(()));
        assert_eq!(verify(&v, &other, "localhost"), Ok(()));
    }

    #[test]
    fn sha256_pin_text() {
        let pin = Sha256Pin::of_der(b"hello");
        // The well-known SHA-256 of "hello".
        let hex = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
        assert_eq!(hex.parse::<Sha256Pin>().unwrap(), pin);
        assert_eq!(hex.to_uppercase().parse::<Sha256Pin>().unwrap(), pin);
        let colons = pin.to_string();
        assert_eq!(&colons[..8], "2C:F2:4D");
        assert_eq!(colons.len(), 95);
        assert_eq!(colons.parse::<Sha256Pin>().unwrap(), pin);
        assert_eq!(format!("{pin:?}"), format!("Sha256Pin({colons})"));
        for bad in [
            "",
            "2cf2",
            &hex[1..],
            &format!("{hex}00"),
            &hex.replace('2', "g"),
            "2C:F:24",
        ] {
            let e = bad.parse::<Sha256Pin>().unwrap_err().to_string();
            assert!(e.contains("invalid SHA-256 pin"), "{bad:?}: {e}");
        }
        let (der, pem) = self_signed("x");
        assert_eq!(
            Sha256Pin::of_pem(pem.as_bytes()).unwrap(),
            vec![Sha256Pin::of_der(&der)]
        );
    }

    #[test]
    fn pins_on_configurations() {
        let (leaf, pem) = self_signed("smsc");
        let pin = Sha256Pin::of_der(&leaf);
        assert!(TlsClientConfig::pinned_sha256([]).is_err());
        let c = TlsClientConfig::pinned_sha256([pin]).unwrap();
        assert!(format!("{c:?}").contains(&pin.to_string()));
        let c = TlsClientConfig::ca_pem(pem.as_bytes())
            .unwrap()
            .with_server_name("smsc.example")
            .with_pinned_sha256(pin)
            .unwrap();
        let shown = format!("{c:?}");
        assert!(shown.contains("pinned_certificates: 1"), "{shown}");
        assert!(shown.contains("smsc.example"), "{shown}");
        let e = TlsClientConfig::dangerous_accept_any_certificate()
            .with_pinned_sha256(pin)
            .unwrap_err();
        assert!(e.to_string().contains("can only be added"), "{e}");
    }

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
