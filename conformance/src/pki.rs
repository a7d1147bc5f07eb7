//! Certificates for the TLS scenarios, generated per scenario (rcgen): a self-signed
//! server certificate made the way `openssl req -x509` makes one (`CA:TRUE`), and a CA with
//! a server certificate it issued.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// A certificate (PEM and DER) with its private key (PEM).
#[derive(Clone, Debug)]
pub struct Identity {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// Its private key, PEM (PKCS#8).
    pub key_pem: String,
}

impl Identity {
    /// The server side of TLS presenting this certificate.
    pub fn server_config(&self) -> crate::TlsServerConfig {
        crate::TlsServerConfig::from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes())
            .expect("a usable certificate and key")
    }

    /// The SHA-256 of the certificate's DER.
    pub fn sha256(&self) -> crate::Sha256Pin {
        crate::Sha256Pin::of_der(&self.cert_der)
    }
}

fn server_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("valid names");
    params.distinguished_name.push(DnType::CommonName, cn);
    params
}

/// A self-signed certificate for `localhost` and 127.0.0.1 with basic constraints
/// `CA:TRUE`, as `openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -addext
/// subjectAltName=DNS:localhost,IP:127.0.0.1` makes it (webpki alone refuses such a
/// certificate as an end entity: `CaUsedAsEndEntity`).
pub fn self_signed_ca_true(cn: &str) -> Identity {
    let key = KeyPair::generate().expect("a key");
    let mut params = server_params(cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("self-signed");
    Identity {
        cert_pem: cert.pem(),
        cert_der: cert.der().to_vec(),
        key_pem: key.serialize_pem(),
    }
}

/// A CA (`ca`: its certificate; its key is not needed) and a server certificate for
/// `localhost` and 127.0.0.1 it issued (`server`).
pub fn ca_and_server(ca_name: &str) -> (Identity, Identity) {
    let ca_key = KeyPair::generate().expect("a key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("no names");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, ca_name);
    let ca_cert = ca.self_signed(&ca_key).expect("the CA");
    let ca_id = Identity {
        cert_pem: ca_cert.pem(),
        cert_der: ca_cert.der().to_vec(),
        key_pem: ca_key.serialize_pem(),
    };
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("a key");
    let cert = server_params("localhost")
        .signed_by(&key, &issuer)
        .expect("issued");
    let server = Identity {
        cert_pem: cert.pem(),
        cert_der: cert.der().to_vec(),
        key_pem: key.serialize_pem(),
    };
    (ca_id, server)
}
