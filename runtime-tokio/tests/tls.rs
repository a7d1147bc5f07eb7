//! TLS (SMPPS): bind and submit over TLS, plain and TLS listeners side by side, and
//! handshake failures that must be clear and quick. Certificates are generated per test.
#![cfg(feature = "tls")]

use smpp_tokio::core::pdu::{Address, Body, SubmitSm};
use smpp_tokio::core::{CommandStatus, Frame};
use smpp_tokio::{
    BindRequest, Client, ClientConfig, Error, Reply, RequestContext, Server, ServerConfig,
    TlsClientConfig, TlsServerConfig,
};
use std::time::{Duration, Instant};

/// A CA and a server certificate it signed for `localhost` and 127.0.0.1.
struct Pki {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

fn pki() -> Pki {
    pki_named("smpp test CA")
}

fn pki_named(ca_name: &str) -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, ca_name);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &issuer).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

fn auth(req: &BindRequest) -> Result<(), CommandStatus> {
    if req.password == "secret" {
        Ok(())
    } else {
        Err(CommandStatus::ESME_RINVPASWD)
    }
}

fn handler(_ctx: &RequestContext, _req: &Frame) -> Reply {
    Reply::ok_message_id("tls-1")
}

fn server_config(bind_timeout: Duration) -> ServerConfig {
    let mut c = ServerConfig::default();
    c.session.bind_timeout = bind_timeout.into();
    c
}

fn client_config() -> ClientConfig {
    let mut c = ClientConfig::new("acme", "secret");
    c.session.bind_timeout = Duration::from_secs(2).into();
    c
}

fn submit() -> Body<'static> {
    Body::SubmitSm(SubmitSm {
        destination: Address::international("447700900123"),
        short_message: b"over TLS",
        ..Default::default()
    })
}

async fn tls_server(p: &Pki) -> Server {
    let tls = TlsServerConfig::from_pem(p.cert_pem.as_bytes(), p.key_pem.as_bytes()).unwrap();
    Server::bind_tls(
        "127.0.0.1:0",
        server_config(Duration::from_secs(2)),
        tls,
        auth,
        handler,
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_bind_and_submit_beside_a_plain_listener() {
    {
        let p = pki();
        let server = tls_server(&p).await;
        let plain = server.add_listener("127.0.0.1:0").await.unwrap();
        let ca = TlsClientConfig::ca_pem(p.ca_pem.as_bytes()).unwrap();

        // Default server name: the address's host (an IP here).
        let (tls_client, _in) =
            Client::connect_tls(server.local_addr(), client_config(), ca.clone())
                .await
                .unwrap();
        let r = tls_client.send(&submit()).await.unwrap();
        assert_eq!(r.message_id().as_deref(), Some("tls-1"));

        // By DNS name.
        let addr = format!("localhost:{}", server.local_addr().port());
        let (named, _in2) = Client::connect_tls(addr.as_str(), client_config(), ca)
            .await
            .unwrap();
        assert!(named.send(&submit()).await.unwrap().status().is_ok());

        // Plain, on the second listener of the same server.
        let (plain_client, _in3) = Client::connect(plain, client_config()).await.unwrap();
        assert!(plain_client.send(&submit()).await.unwrap().status().is_ok());
        assert_eq!(server.sessions().len(), 3);

        // Pipelined window over TLS.
        let mut pending = Vec::new();
        for _ in 0..64 {
            pending.push(tls_client.send_pipelined(&submit()).await.unwrap());
        }
        for f in pending {
            assert!(f.await.unwrap().status().is_ok());
        }

        tls_client.unbind().await.unwrap();
        named.unbind().await.unwrap();
        plain_client.unbind().await.unwrap();
        server.shutdown(Duration::from_secs(2)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_server_from_pem_files_and_insecure_client() {
    {
        let p = pki();
        let dir = std::env::temp_dir().join(format!("smpp-tokio-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&cert, &p.cert_pem).unwrap();
        std::fs::write(&key, &p.key_pem).unwrap();
        let tls = TlsServerConfig::from_pem_files(&cert, &key).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let server = Server::bind_tls("127.0.0.1:0", ServerConfig::default(), tls, auth, handler)
            .await
            .unwrap();
        let insecure = TlsClientConfig::dangerous_accept_any_certificate()
            .with_server_name("not-the-name.example");
        let (c, _in) = Client::connect_tls(server.local_addr(), client_config(), insecure)
            .await
            .unwrap();
        assert!(c.send(&submit()).await.unwrap().status().is_ok());
        c.unbind().await.unwrap();
        server.shutdown(Duration::from_secs(2)).await;
    }
}

fn expect_tls_error(r: Result<(Client, smpp_tokio::Incoming), Error>, needle: &str) -> String {
    match r {
        Err(Error::Tls(msg)) => {
            assert!(msg.contains(needle), "{needle:?} not in {msg:?}");
            msg
        }
        Err(e) => panic!("expected a TLS error with {needle:?}, got {e:?}"),
        Ok(_) => panic!("expected a TLS error with {needle:?}, got a bound client"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ca_is_rejected() {
    {
        let p = pki();
        let other = pki_named("another CA");
        let server = tls_server(&p).await;
        let ca = TlsClientConfig::ca_pem(other.ca_pem.as_bytes()).unwrap();
        let start = Instant::now();
        let r = Client::connect_tls(server.local_addr(), client_config(), ca).await;
        let msg = expect_tls_error(r, "UnknownIssuer");
        assert!(msg.contains("certificate"), "{msg}");
        assert!(start.elapsed() < Duration::from_secs(2));
        // The server goes on.
        let ca = TlsClientConfig::ca_pem(p.ca_pem.as_bytes()).unwrap();
        let (c, _in) = Client::connect_tls(server.local_addr(), client_config(), ca)
            .await
            .unwrap();
        c.unbind().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_server_name_is_rejected() {
    {
        let p = pki();
        let server = tls_server(&p).await;
        let ca = TlsClientConfig::ca_pem(p.ca_pem.as_bytes())
            .unwrap()
            .with_server_name("smsc.example.com");
        let r = Client::connect_tls(server.local_addr(), client_config(), ca).await;
        let msg = expect_tls_error(r, "not valid for name");
        assert!(msg.contains("certificate"), "{msg}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_client_against_a_tls_listener_fails_fast() {
    {
        let p = pki();
        let server = tls_server(&p).await;
        let start = Instant::now();
        let r = Client::connect(server.local_addr(), client_config()).await;
        assert!(r.is_err(), "a plain bind over a TLS listener succeeded");
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "took {:?}",
            start.elapsed()
        );
        assert_eq!(server.sessions().len(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_client_against_a_plain_listener_fails_fast() {
    {
        let p = pki();
        let server = Server::bind(
            "127.0.0.1:0",
            server_config(Duration::from_secs(2)),
            auth,
            handler,
        )
        .await
        .unwrap();
        let ca = TlsClientConfig::ca_pem(p.ca_pem.as_bytes()).unwrap();
        let start = Instant::now();
        let r = Client::connect_tls(server.local_addr(), client_config(), ca).await;
        let msg = expect_tls_error(r, "TLS handshake with");
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "took {:?}: {msg}",
            start.elapsed()
        );
    }
}

#[test]
fn bad_pem_gives_a_tls_error() {
    let p = pki();
    assert!(matches!(
        TlsServerConfig::from_pem(p.cert_pem.as_bytes(), b"not a key"),
        Err(Error::Tls(_))
    ));
    assert!(matches!(
        TlsClientConfig::ca_pem(b"nothing here"),
        Err(Error::Tls(_))
    ));
    assert!(matches!(
        TlsClientConfig::ca_file("/nonexistent/ca.pem"),
        Err(Error::Tls(_))
    ));
}
