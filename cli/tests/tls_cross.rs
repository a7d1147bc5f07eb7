//! TLS across the runtimes (smol client ↔ blocking TLS server, blocking client ↔ smol TLS
//! server), and the CLI: `smpp smsc --tls-cert/--tls-key --tls-listen` with
//! `smpp send --tls --ca FILE --wait-receipt`. Certificates are generated per test.

mod cli_common;

use cli_common::{temp_path, Proc};
use smpp_core::pdu::{Address, Body, SubmitSm};
use smpp_core::{CommandStatus, Frame};
use std::time::Duration;

/// A CA and a server certificate it signed for `localhost` and 127.0.0.1.
struct Pki {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "smpp cross test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

fn submit() -> Body<'static> {
    Body::SubmitSm(SubmitSm {
        destination: Address::international("447700900123"),
        short_message: b"cross-runtime TLS",
        ..Default::default()
    })
}

#[test]
fn smol_client_to_blocking_tls_server() {
    let p = pki();
    let tls = smpp_blocking::TlsServerConfig::from_pem(p.cert_pem.as_bytes(), p.key_pem.as_bytes())
        .unwrap();
    let server = smpp_blocking::Server::bind_tls(
        "127.0.0.1:0",
        smpp_blocking::ServerConfig::default(),
        tls,
        |_: &smpp_blocking::BindRequest| Ok::<(), CommandStatus>(()),
        |_: &smpp_blocking::RequestContext, _: &Frame| smpp_blocking::Reply::ok_message_id("b-1"),
    )
    .unwrap();
    let addr = server.local_addr();
    smol::block_on(async {
        let ca = smpp_smol::TlsClientConfig::ca_pem(p.ca_pem.as_bytes()).unwrap();
        let (c, _in) =
            smpp_smol::Client::connect_tls(addr, smpp_smol::ClientConfig::new("x", "y"), ca)
                .await
                .unwrap();
        let mut pending = Vec::new();
        for _ in 0..200 {
            pending.push(c.send_pipelined(&submit()).await.unwrap());
        }
        for f in pending {
            assert_eq!(f.await.unwrap().message_id().as_deref(), Some("b-1"));
        }
        c.unbind().await.unwrap();
    });
    server.shutdown(Duration::from_secs(2));
}

#[test]
fn blocking_client_to_smol_tls_server() {
    let p = pki();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = smol::channel::bounded::<()>(1);
    let cert = p.cert_pem.clone();
    let key = p.key_pem.clone();
    let server_thread = std::thread::spawn(move || {
        smol::block_on(async move {
            let tls =
                smpp_smol::TlsServerConfig::from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
            let server = smpp_smol::Server::bind_tls(
                "127.0.0.1:0",
                smpp_smol::ServerConfig::default(),
                tls,
                |_: &smpp_smol::BindRequest| Ok::<(), CommandStatus>(()),
                |_: &smpp_smol::RequestContext, _: &Frame| smpp_smol::Reply::ok_message_id("s-1"),
            )
            .await
            .unwrap();
            addr_tx.send(server.local_addr()).unwrap();
            let _ = stop_rx.recv().await;
            server.shutdown(Duration::from_secs(2)).await;
        })
    });
    let addr = addr_rx.recv().unwrap();
    let ca = smpp_blocking::TlsClientConfig::ca_pem(p.ca_pem.as_bytes()).unwrap();
    let (c, _in) =
        smpp_blocking::Client::connect_tls(addr, smpp_blocking::ClientConfig::new("x", "y"), ca)
            .unwrap();
    let tickets: Vec<_> = (0..200).map(|_| c.submit(&submit()).unwrap()).collect();
    for t in tickets {
        assert_eq!(t.wait().unwrap().message_id().as_deref(), Some("s-1"));
    }
    c.unbind().unwrap();
    drop(stop_tx);
    server_thread.join().unwrap();
}

#[test]
fn cli_smsc_with_tls_and_send_with_ca_and_receipt() {
    let p = pki();
    let dir = temp_path("tls");
    std::fs::create_dir_all(&dir).unwrap();
    let (ca, cert, key) = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&ca, &p.ca_pem).unwrap();
    std::fs::write(&cert, &p.cert_pem).unwrap();
    std::fs::write(&key, &p.key_pem).unwrap();
    let smsc = Proc::spawn(&[
        "smsc",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--tls-listen",
        "127.0.0.1:0",
    ]);
    let line = smsc.wait_stderr_line("listening (TLS) on ");
    let tls_addr = line.rsplit(' ').next().unwrap().to_string();
    let port = tls_addr.rsplit(':').next().unwrap();

    // Verified against the CA, by the name in the certificate.
    let out = cli_common::run(&[
        "send",
        "--connect",
        &format!("localhost:{port}"),
        "--tls",
        "--ca",
        ca.to_str().unwrap(),
        "--to",
        "+447700900123",
        "--wait-receipt",
        "Hello over TLS",
    ]);
    out.expect_code(0);
    assert!(
        out.stdout.contains("part 1/1 message_id="),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("stat=DELIVRD"), "{}", out.stdout);

    // A wrong expected name fails with the certificate problem named.
    let out = cli_common::run(&[
        "send",
        "--connect",
        &tls_addr,
        "--ca",
        ca.to_str().unwrap(),
        "--server-name",
        "smsc.example.com",
        "--to",
        "+447700900123",
        "Hello",
    ]);
    assert_ne!(out.code(), Some(0));
    assert!(out.stderr.contains("not valid for name"), "{}", out.stderr);

    smsc.terminate();
    let _ = smsc.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A self-signed certificate for `localhost` and 127.0.0.1 marked `CA:TRUE`, as `openssl
/// req -x509 ... -addext subjectAltName=DNS:localhost,IP:127.0.0.1` makes it: (certificate
/// PEM, key PEM, SHA-256 of the DER).
fn self_signed_ca_true() -> (String, String, smpp_smol::Sha256Pin) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = params.self_signed(&key).unwrap();
    let pin = smpp_smol::Sha256Pin::of_der(cert.der());
    (cert.pem(), key.serialize_pem(), pin)
}

#[test]
fn cli_send_pins_a_self_signed_certificate() {
    let (cert_pem, key_pem, pin) = self_signed_ca_true();
    let (other_pem, _, other_pin) = self_signed_ca_true();
    let dir = temp_path("tls-pin");
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key, other) = (
        dir.join("cert.pem"),
        dir.join("key.pem"),
        dir.join("other.pem"),
    );
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, &key_pem).unwrap();
    std::fs::write(&other, &other_pem).unwrap();
    let smsc = Proc::spawn(&[
        "smsc",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--tls-listen",
        "127.0.0.1:0",
    ]);
    let line = smsc.wait_stderr_line("listening (TLS) on ");
    let tls_addr = line.rsplit(' ').next().unwrap().to_string();
    let send = |runtime: &str, trust: &[&str]| {
        let mut args = vec!["send", "--runtime", runtime, "--connect", &tls_addr];
        args.extend_from_slice(trust);
        args.extend_from_slice(&["--to", "+447700900123", "Hello, pinned"]);
        cli_common::run(&args)
    };
    let (pin_hex, other_hex) = (pin.to_string(), other_pin.to_string());
    // The lower-case form without colons (`sha256sum` of the DER) is accepted too.
    let pin_plain = pin_hex.replace(':', "").to_lowercase();
    for runtime in ["smol", "blocking", "tokio"] {
        // The server's own certificate as --ca: pinned by exact match, by IP address.
        let out = send(runtime, &["--ca", cert.to_str().unwrap()]);
        out.expect_code(0);
        assert!(
            out.stdout.contains("message_id="),
            "{runtime}: {}",
            out.stdout
        );
        // Another self-signed certificate: refused, naming the one expected.
        let out = send(runtime, &["--ca", other.to_str().unwrap()]);
        out.expect_code(1);
        assert!(
            out.stderr.contains("not trusted"),
            "{runtime}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(&other_hex), "{runtime}: {}", out.stderr);
        assert!(out.stderr.contains(&pin_hex), "{runtime}: {}", out.stderr);
        // By SHA-256 pin, alone and beside a --ca that does not fit.
        send(runtime, &["--pin-sha256", &pin_plain]).expect_code(0);
        send(
            runtime,
            &["--ca", other.to_str().unwrap(), "--pin-sha256", &pin_hex],
        )
        .expect_code(0);
        // A wrong pin: refused, naming the pin expected.
        let out = send(runtime, &["--pin-sha256", &other_hex]);
        out.expect_code(1);
        assert!(
            out.stderr
                .contains(&format!("does not have the pinned SHA-256 {other_hex}")),
            "{runtime}: {}",
            out.stderr
        );
    }
    // A malformed pin is a usage error.
    let out = send("smol", &["--pin-sha256", "12:34"]);
    out.expect_code(2);
    assert!(out.stderr.contains("invalid SHA-256 pin"), "{}", out.stderr);
    smsc.terminate();
    let _ = smsc.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
