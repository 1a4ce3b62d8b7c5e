//! Real handshakes against rustls servers over in-memory pipes.

use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::CertificateError as C;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

use crate::tls::pki::{self, ServerIdentity, ServerTlsOptions, TestCa, Validity};
use crate::tls::{
    classify_handshake_error, classify_handshake_error_with, describe_verify_error, inspect_chain,
    session_info, HandshakeCause, RecordingVerifier, SessionInfo, TlsSetupError, TlsVersions,
    TrustAnchors, VerifyFailure, VerifyProblem,
};

const GREETING: &[u8] = b"220 ready\r\n";
const NAME: &str = "mx.example.com";

/// Certificate times are whole seconds: a minute's slack keeps floor()/ceil() deterministic.
fn later() -> SystemTime {
    SystemTime::now() + Duration::from_secs(60)
}

struct Probe {
    result: Result<SessionInfo, io::Error>,
    verifier: Arc<RecordingVerifier>,
}

/// Connect, then read the greeting: a TLS 1.3 server reports a missing client
/// certificate only after the client's side of the handshake is done.
async fn client(anchors: &TrustAnchors, v: TlsVersions, name: &str, io: DuplexStream) -> Probe {
    let (config, verifier) = anchors.connection_config(v);
    let name = ServerName::try_from(name.to_owned()).expect("valid server name");
    let result = async {
        let mut tls = TlsConnector::from(config).connect(name, io).await?;
        tls.read_exact(&mut [0u8; GREETING.len()]).await?;
        Ok(session_info(tls.get_ref().1))
    }
    .await;
    Probe { result, verifier }
}

async fn probe(
    id: &ServerIdentity,
    server: ServerTlsOptions,
    anchors: &TrustAnchors,
    client_versions: TlsVersions,
    name: &str,
) -> Probe {
    let config = pki::server_config(id, server).expect("server config");
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let server_task = tokio::spawn(async move {
        if let Ok(mut tls) = TlsAcceptor::from(config).accept(server_io).await {
            let _ = tls.write_all(GREETING).await;
            let _ = tls.flush().await;
            let _ = tls.read(&mut [0u8; 16]).await; // until the client hangs up
        }
    });
    let probe = client(anchors, client_versions, name, client_io).await;
    server_task.await.expect("server task");
    probe
}

fn opts(versions: TlsVersions, require_client_cert: bool) -> ServerTlsOptions {
    ServerTlsOptions {
        versions,
        require_client_cert,
    }
}

fn cause(err: &io::Error) -> HandshakeCause {
    classify_handshake_error(err).cause
}

#[track_caller]
fn assert_starts(s: &str, prefix: &str) {
    assert!(s.starts_with(prefix), "{s:?} should start with {prefix:?}");
}

fn trusting(ca: &TestCa) -> TrustAnchors {
    TrustAnchors::from_ders(vec![ca.cert_der()]).expect("anchors")
}

/// The common case: both sides offer both versions, the probe names `NAME`.
async fn probe_default(id: &ServerIdentity, anchors: &TrustAnchors) -> Probe {
    let both = TlsVersions::Both;
    probe(id, opts(both, false), anchors, both, NAME).await
}

#[tokio::test]
async fn trusted_chain_verifies_and_reports_session() {
    let ca = TestCa::new("Test CA").expect("ca");
    let id = ca
        .issue(&[NAME, "127.0.0.1"], Validity::Valid)
        .expect("leaf");
    let anchors = trusting(&ca);

    let p = probe_default(&id, &anchors).await;
    let s = p.result.expect("handshake");
    assert_eq!(
        (&*s.version, s.group.as_deref()),
        ("TLSv1.3", Some("X25519"))
    );
    assert!(
        s.cipher.starts_with("TLS13_AES_") && s.alpn.is_none(),
        "{s:?}"
    );
    assert!(!p.verifier.client_cert_requested());
    let outcome = p.verifier.outcome().expect("verifier ran");
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);

    let info = &inspect_chain(&outcome.chain, later())[0];
    assert_eq!(
        (&*info.subject, &*info.issuer),
        ("CN=mx.example.com", "CN=Test CA")
    );
    assert_eq!(info.sans, ["DNS:mx.example.com", "IP:127.0.0.1"]);
    assert_eq!(
        (info.days_left, &*info.key_type, info.key_bits),
        (89, "EC P-256", Some(256))
    );
    assert_eq!(info.signature_algorithm, "ecdsa-with-SHA256");
    assert!(!info.self_signed && !info.is_ca && info.parse_error.is_none());
    assert_eq!(info.sha256.len(), 32 * 3 - 1);
    assert!(info.not_after.ends_with('Z') && info.not_after.contains('T'));

    // An IP address name (so no SNI) over TLS 1.2.
    let tls12 = TlsVersions::Tls12Only;
    let p = probe(
        &id,
        opts(TlsVersions::Both, false),
        &anchors,
        tls12,
        "127.0.0.1",
    )
    .await;
    let s = p.result.expect("tls12 handshake");
    assert!(
        s.version == "TLSv1.2" && s.cipher.starts_with("TLS_ECDHE_ECDSA_"),
        "{s:?}"
    );
    assert!(p.verifier.outcome().expect("ran").result.is_ok());
}

#[tokio::test]
async fn intermediate_chain_is_recorded_and_verifies() {
    let root = TestCa::new("Test Root").expect("root");
    let inter = root.intermediate("Test Intermediate").expect("ca");
    let id = inter
        .issue(&[NAME], Validity::ExpiresInDays(5))
        .expect("leaf");
    let p = probe_default(&id.with_ca(&inter), &trusting(&root)).await;
    p.result.expect("handshake");
    let outcome = p.verifier.outcome().expect("ran");
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    let infos = inspect_chain(&outcome.chain, later());
    assert_eq!((infos.len(), infos[0].days_left), (2, 4));
    assert_eq!(
        (&*infos[1].subject, &*infos[1].issuer),
        ("CN=Test Intermediate", "CN=Test Root")
    );
    assert!(infos[1].is_ca && !infos[1].self_signed);
}

/// The handshake completes, the chain is recorded as sent, and the failure is described.
async fn bad_cert(id: ServerIdentity, trusted: &TestCa, days_left: i64) -> VerifyFailure {
    let p = probe_default(&id, &trusting(trusted)).await;
    p.result
        .expect("handshake completes despite a bad certificate");
    let outcome = p.verifier.outcome().expect("verifier ran");
    assert_eq!(outcome.chain, id.chain);
    let now = later();
    let infos = inspect_chain(&outcome.chain, now);
    assert_eq!(infos[0].days_left, days_left);
    let err = outcome.result.expect_err("verification must fail");
    let failure = describe_verify_error(&err, infos.first(), NAME, now);
    assert_eq!(failure.detail, err.to_string());
    failure
}

#[tokio::test]
async fn bad_certificates_still_complete_the_handshake() {
    let ca = TestCa::new("Test CA").expect("ca");
    let other = TestCa::new("Other CA").expect("other");
    let issue = |names: &[&str], v| ca.issue(names, v).expect("leaf");

    let f = bad_cert(
        issue(&["mail.example.net", "*.example.net"], Validity::Valid),
        &ca,
        89,
    )
    .await;
    assert_eq!(f.problem, VerifyProblem::NameMismatch);
    assert_eq!(
        f.sentence,
        "certificate is for mail.example.net, *.example.net, not mx.example.com"
    );

    // Days left count whole days both ways: -12 beside "expired 12 days ago".
    let f = bad_cert(issue(&[NAME], Validity::Expired), &ca, -12).await;
    assert_eq!(f.problem, VerifyProblem::Expired);
    assert_starts(&f.sentence, "certificate expired 12 days ago (not after 20");
    assert!(f.sentence.ends_with(" UTC)"), "{f:?}");

    let f = bad_cert(issue(&[NAME], Validity::NotYetValid), &ca, 119).await;
    assert_eq!(f.problem, VerifyProblem::NotYetValid);
    assert_starts(&f.sentence, "certificate is not valid until 20");
    assert!(f.sentence.ends_with(" UTC (in 30 days)"), "{f:?}");

    let f = bad_cert(issue(&[NAME], Validity::Valid), &other, 89).await;
    assert_eq!(f.problem, VerifyProblem::Untrusted);
    assert_eq!(
        f.sentence,
        "certificate is not signed by a trusted CA (issuer: CN=Test CA)"
    );

    let f = bad_cert(pki::self_signed(&[NAME]).expect("leaf"), &other, 89).await;
    assert_eq!(f.problem, VerifyProblem::Untrusted);
    assert_starts(&f.sentence, "certificate is self-signed");
}

#[tokio::test]
async fn version_mismatch_both_ways() {
    let ca = TestCa::new("Test CA").expect("ca");
    let id = ca.issue(&[NAME], Validity::Valid).expect("leaf");
    for (server, client) in [
        (TlsVersions::Tls12Only, TlsVersions::Tls13Only),
        (TlsVersions::Tls13Only, TlsVersions::Tls12Only),
    ] {
        let p = probe(&id, opts(server, false), &trusting(&ca), client, NAME).await;
        let err = p.result.expect_err("no common version");
        assert_eq!(cause(&err), HandshakeCause::Version, "{server:?}: {err}");
    }
}

#[tokio::test]
async fn client_certificate_required_tls12_and_tls13() {
    let ca = TestCa::new("Test CA").expect("ca");
    let id = ca.issue(&[NAME], Validity::Valid).expect("leaf");
    for versions in [TlsVersions::Tls12Only, TlsVersions::Tls13Only] {
        let p = probe(&id, opts(versions, true), &trusting(&ca), versions, NAME).await;
        let err = p.result.expect_err("client cert required");
        assert!(p.verifier.client_cert_requested());
        assert_eq!(cause(&err), HandshakeCause::ClientCertRequired, "{err}");
        assert!(p.verifier.outcome().expect("ran").result.is_ok());
    }
    // OpenSSL-style servers send handshake_failure instead of certificate_required.
    let err = io::Error::new(
        io::ErrorKind::InvalidData,
        rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
    );
    let with_request = classify_handshake_error_with(&err, true);
    assert_eq!(with_request.cause, HandshakeCause::ClientCertRequired);
    let plain = classify_handshake_error(&err);
    assert_eq!(plain.cause, HandshakeCause::Alert);
    assert_eq!(
        plain.sentence,
        "the server aborted the handshake with alert handshake_failure"
    );
}

/// A raw (non-TLS) peer: optionally reads the ClientHello, optionally answers, then closes.
async fn raw_peer(read_hello: bool, reply: Option<&'static [u8]>) -> io::Error {
    let anchors = TrustAnchors::webpki_roots().expect("roots");
    let (client_io, mut server_io) = tokio::io::duplex(64 * 1024);
    // Without `read_hello` the closure never runs and the peer is gone before we start.
    let server_task = read_hello.then(|| {
        tokio::spawn(async move {
            let _ = server_io.read(&mut [0u8; 4096]).await;
            if let Some(reply) = reply {
                let _ = server_io.write_all(reply).await;
                let _ = server_io.read(&mut [0u8; 4096]).await; // until the client gives up
            }
        })
    });
    let p = client(&anchors, TlsVersions::Both, NAME, client_io).await;
    if let Some(task) = server_task {
        task.await.expect("server");
    }
    assert!(p.verifier.outcome().is_none());
    p.result.expect_err("not a TLS server")
}

#[tokio::test]
async fn plaintext_and_closed_peers() {
    let err = raw_peer(true, Some(b"220 hello\r\n")).await;
    assert_eq!(cause(&err), HandshakeCause::NotTls, "{err:?}");
    for read_hello in [true, false] {
        let failure = classify_handshake_error(&raw_peer(read_hello, None).await);
        assert_eq!(failure.cause, HandshakeCause::Closed, "{}", failure.detail);
        assert_starts(&failure.sentence, "the server closed the connection");
    }
}

#[test]
fn garbage_der_yields_parse_error() {
    let good = TestCa::new("Test CA").expect("ca").cert_der();
    let chain = [
        CertificateDer::from(vec![0x30, 0x82, 0xff, 0xff, 0x01]),
        CertificateDer::from(Vec::new()),
        CertificateDer::from(good[..good.len() / 2].to_vec()),
        good,
    ];
    let infos = inspect_chain(&chain, SystemTime::now());
    for info in &infos[..3] {
        assert!(info.parse_error.is_some() && info.subject.is_empty() && info.sans.is_empty());
    }
    assert!(infos[3].parse_error.is_none() && infos[3].self_signed && infos[3].is_ca);
}

#[test]
fn trust_anchor_sources() {
    let roots = TrustAnchors::webpki_roots().expect("roots");
    assert!(roots.anchor_count() > 100, "{}", roots.anchor_count());
    assert_eq!(roots.description(), "webpki-roots (Mozilla)");

    let dir = std::env::temp_dir().join(format!("tls-anchors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let (a, b) = (TestCa::new("A").expect("a"), TestCa::new("B").expect("b"));
    let good = dir.join("cas.pem");
    std::fs::write(&good, a.cert_pem() + &b.cert_pem()).expect("write");
    let anchors = TrustAnchors::from_pem_file(&good).expect("load");
    let expected = format!("CA file {} (2 certificates)", good.display());
    assert_eq!(
        (anchors.description(), anchors.anchor_count()),
        (&*expected, 2)
    );

    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").expect("write");
    use TlsSetupError as E;
    let load = |name: &str| TrustAnchors::from_pem_file(&dir.join(name)).map(|_| ());
    assert!(matches!(load("empty.pem"), Err(E::NoCertificates { .. })));
    assert!(matches!(load("missing.pem"), Err(E::Io { .. })));
    assert!(matches!(
        TrustAnchors::from_ders(Vec::new()),
        Err(E::Verifier(_))
    ));
    let junk = TrustAnchors::from_ders(vec![CertificateDer::from(vec![1, 2, 3])]);
    assert!(matches!(junk, Err(E::BadAnchor { index: 0, .. })));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn context_free_errors_fall_back_to_the_leaf() {
    let ca = TestCa::new("Test CA").expect("ca");
    let id = ca.issue(&["a.example", "10.0.0.1"], Validity::Expired);
    let (now, chain) = (later(), id.expect("leaf").chain);
    let leaf = inspect_chain(&chain, now).pop();
    let describe = |e: C| {
        let err = rustls::Error::InvalidCertificate(e);
        describe_verify_error(&err, leaf.as_ref(), "b.example", now)
    };
    let mismatch = describe(C::NotValidForName).sentence;
    assert_eq!(
        mismatch,
        "certificate is for a.example, 10.0.0.1, not b.example"
    );
    assert_starts(
        &describe(C::Expired).sentence,
        "certificate expired 12 days ago",
    );
    assert_starts(
        &describe(C::NotValidYet).sentence,
        "certificate is not valid until ",
    );
    assert_eq!(describe(C::Revoked).problem, VerifyProblem::Revoked);
    assert_eq!(describe(C::InvalidPurpose).problem, VerifyProblem::Other);
    assert_eq!(describe(C::BadSignature).problem, VerifyProblem::Untrusted);
}

#[test]
fn pem_outputs_parse_back() {
    let ca = TestCa::new("Test CA").expect("ca");
    let id = ca
        .issue(&[NAME], Validity::Valid)
        .expect("leaf")
        .with_ca(&ca);
    let certs: Result<Vec<_>, _> = rustls_pemfile::certs(&mut id.chain_pem.as_bytes()).collect();
    assert_eq!(certs.expect("pem"), id.chain);
    let key = rustls_pemfile::private_key(&mut id.key_pem.as_bytes()).expect("pem");
    let key_der = key.map(|k| k.secret_der().to_vec());
    assert_eq!(key_der.as_deref(), Some(id.key().secret_der()));
}
