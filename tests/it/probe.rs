//! The live probe through the real binary against scripted servers: a case per finding.

use std::time::Duration;

use smtp_tls_check::tls::pki::{self, ServerTlsOptions, Validity};

use super::common::{probe_args, run_json, Pki};
use super::scripted::{
    closing, opening, send, tls_server, ScriptedServer, Step, GOOD_EHLO, TLS_EHLO,
};

#[test]
fn compliant_server_is_ok_and_polite() {
    let pki = Pki::new();
    let server = tls_server(pki.server(&["mx.test"], Validity::Valid));
    let target = server.target();
    let r = run_json(&probe_args(&pki, &target));
    assert_eq!(r.verdict(), "ok", "{}", r.stdout);
    assert_eq!(r.code, 0);
    assert_eq!(r.json["ehlo"]["starttls"], "ehlo-line");
    let tls = &r.json["tls"];
    assert_eq!(tls["established"], true);
    assert_eq!(tls["verified"], true);
    assert!(tls["version"].as_str().unwrap().starts_with("TLSv1."));
    assert!(tls["cipher"].as_str().is_some());
    let leaf = &tls["certificates"][0];
    assert!(leaf["sans"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "DNS:mx.test"));
    assert!(leaf["days_left"].as_i64().unwrap() > 80);
    assert!(leaf["key_type"].as_str().unwrap().contains("P-256"));
    for step in [
        "connect",
        "banner",
        "ehlo",
        "starttls",
        "handshake",
        "ehlo_after_tls",
        "total",
    ] {
        assert!(
            r.json["timings_ms"][step].is_number(),
            "no timing for {step}"
        );
    }
    assert_eq!(r.json["target"]["address"], target);
    let sent = server.received();
    assert!(sent[0].starts_with("EHLO "), "{sent:?}");
    assert!(!sent[0].eq_ignore_ascii_case("EHLO localhost"));
    assert_eq!(sent[1], "STARTTLS");
    assert!(
        sent[2].starts_with("EHLO "),
        "EHLO again inside TLS (RFC 3207 4.2)"
    );
    assert_eq!(sent[3], "QUIT");
}

#[test]
fn helo_name_and_transcript() {
    let pki = Pki::new();
    let server = tls_server(pki.server(&["mx.test"], Validity::Valid));
    let target = server.target();
    let mut args = probe_args(&pki, &target);
    args.extend(["--helo", "probe.example.org", "--transcript"]);
    let r = run_json(&args);
    assert_eq!(server.received()[0], "EHLO probe.example.org");
    let t = r.json["transcript"].as_array().unwrap();
    assert!(t
        .iter()
        .any(|e| e["direction"] == "sent" && e["text"] == "STARTTLS"));
    assert!(t
        .iter()
        .any(|e| e["direction"] == "received" && e["text"] == "250 STARTTLS"));
    assert!(t.iter().all(|e| e["t_ms"].is_number()));
}

#[test]
fn greeting_only_is_not_upgraded_unless_forced() {
    let pki = Pki::new();
    let broken = "250-STARTTLS\r\n250-mx.test\r\n250 8BITMIME\r\n";
    let mut steps = opening(broken);
    steps.extend(closing());
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let r = run_json(&probe_args(&pki, &target));
    assert_eq!(r.code, 3);
    assert_eq!(r.json["ehlo"]["starttls"], "greeting-only");
    assert!(r.has("starttls-in-greeting"));
    assert!(r.json["tls"].is_null());
    assert_eq!(server.received().last().map(String::as_str), Some("QUIT"));

    let mut steps = opening(broken);
    steps.extend([
        Step::Expect("STARTTLS"),
        send("220 ok\r\n"),
        Step::StartTls(pki.server(&["mx.test"], Validity::Valid)),
        Step::Expect("EHLO"),
        send(TLS_EHLO),
    ]);
    steps.extend(closing());
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let mut args = probe_args(&pki, &target);
    args.push("--force-starttls");
    let r = run_json(&args);
    assert_eq!(r.json["tls"]["established"], true);
    assert!(r.has("starttls-forced"));
    assert_eq!(r.code, 3, "still a problem for strict clients");
}

#[test]
fn no_tls_stops_after_ehlo() {
    let pki = Pki::new();
    let mut steps = opening(GOOD_EHLO);
    steps.extend(closing());
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let mut args = probe_args(&pki, &target);
    args.push("--no-tls");
    let r = run_json(&args);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.json["tls"].is_null());
    assert!(r.has("tls-skipped"));
    assert_eq!(
        server.received(),
        vec![server.received()[0].clone(), "QUIT".to_string()]
    );
}

#[test]
fn banner_refused_554_and_421() {
    let pki = Pki::new();
    for banner in ["554 5.7.1 go away\r\n", "421 4.3.2 busy\r\n"] {
        let server =
            ScriptedServer::start(vec![send(banner), Step::AnswerAll(b"503 no\r\n".to_vec())]);
        let target = server.target();
        let r = run_json(&probe_args(&pki, &target));
        assert_eq!(r.code, 4, "{banner}: {}", r.stdout);
        assert_eq!(r.verdict(), "error");
        assert!(r.has("banner-refused"));
        assert!(r.json["findings"][0]["evidence"]
            .as_str()
            .unwrap()
            .contains(&banner[..3]));
    }
}

#[test]
fn ehlo_502_falls_back_to_helo() {
    let pki = Pki::new();
    let server = ScriptedServer::start(vec![
        send("220 old.test SMTP\r\n"),
        Step::Expect("EHLO"),
        send("502 5.5.1 what\r\n"),
        Step::Expect("HELO"),
        send("250 old.test\r\n"),
        Step::Expect("QUIT"),
        send("221 bye\r\n"),
    ]);
    let target = server.target();
    let r = run_json(&probe_args(&pki, &target));
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.has("ehlo-rejected"));
    assert!(r.has("starttls-not-offered"));
    assert!(server.received()[1].starts_with("HELO "));
}

#[test]
fn ehlo_421_is_no_diagnosis() {
    let pki = Pki::new();
    let server = ScriptedServer::start(vec![
        send("220 mx.test\r\n"),
        Step::Expect("EHLO"),
        send("421 4.7.0 closing\r\n"),
        Step::Close,
    ]);
    let target = server.target();
    let r = run_json(&probe_args(&pki, &target));
    assert_eq!(r.code, 4, "{}", r.stdout);
    assert!(r.has("ehlo-rejected"));
}

#[test]
fn starttls_rejected() {
    let pki = Pki::new();
    let mut steps = opening(GOOD_EHLO);
    steps.extend([
        Step::Expect("STARTTLS"),
        send("454 4.7.0 TLS not available\r\n"),
    ]);
    steps.extend(closing());
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let r = run_json(&probe_args(&pki, &target));
    assert_eq!(r.code, 3);
    let f = r.finding("starttls-rejected");
    assert!(f["evidence"].as_str().unwrap().contains("454"));
}

fn cert_case(validity: Validity, names: &[&str], expect: &str) {
    let pki = Pki::new();
    let server = tls_server(pki.server(names, validity));
    let target = server.target();
    let r = run_json(&probe_args(&pki, &target));
    assert_eq!(r.code, 3, "{expect}: {}", r.stdout);
    assert!(r.has(expect), "{expect}: {:?}", r.finding_ids());
    let tls = &r.json["tls"];
    assert_eq!(
        tls["established"], true,
        "the handshake completes so the chain can be shown"
    );
    assert_eq!(tls["verified"], false);
    assert!(tls["verify_error"]["sentence"].as_str().is_some());
    assert!(!tls["certificates"].as_array().unwrap().is_empty());
}

#[test]
fn cert_expired() {
    cert_case(Validity::Expired, &["mx.test"], "cert-expired");
}

#[test]
fn cert_not_yet_valid() {
    cert_case(Validity::NotYetValid, &["mx.test"], "cert-not-yet-valid");
}

#[test]
fn cert_name_mismatch() {
    cert_case(Validity::Valid, &["other.test"], "cert-name-mismatch");
}

#[test]
fn leaf_signed_directly_by_an_untrusted_root_is_untrusted_not_incomplete() {
    // Nothing is missing from this chain: its issuer is a root the probe does not trust.
    let pki = Pki::new();
    let other = Pki::new();
    let server = tls_server(other.server(&["mx.test"], Validity::Valid));
    let target = server.target();
    let r = run_json(&probe_args(&pki, &target));
    assert_eq!(r.code, 3);
    assert!(r.has("cert-untrusted"), "{:?}", r.finding_ids());
    assert!(!r.has("cert-incomplete-chain"), "{:?}", r.finding_ids());
    let hint = r.finding("cert-untrusted")["hint"].to_string();
    assert!(hint.contains("--ca-file"), "{hint}");
}

#[test]
fn leaf_naming_its_issuer_in_aia_without_the_intermediate_is_incomplete_chain() {
    let pki = Pki::new();
    let intermediate = pki.ca.intermediate("test intermediate").unwrap();
    let id = intermediate
        .issue_with_aia(&["mx.test"], "http://ca.test/intermediate.der")
        .unwrap();
    let server = tls_server(pki::server_config(&id, ServerTlsOptions::default()).unwrap());
    let target = server.target();
    let r = run_json(&probe_args(&pki, &target));
    assert_eq!(r.code, 3);
    assert!(r.has("cert-untrusted"), "{:?}", r.finding_ids());
    let f = r.finding("cert-incomplete-chain");
    assert_eq!(f["severity"], "warning", "{f}");
    assert!(
        f["evidence"]
            .to_string()
            .contains("http://ca.test/intermediate.der"),
        "{f}"
    );
}

#[test]
fn cert_self_signed_is_untrusted_not_incomplete() {
    let pki = Pki::new();
    let id = pki::self_signed(&["mx.test"]).unwrap();
    let server = tls_server(pki::server_config(&id, ServerTlsOptions::default()).unwrap());
    let target = server.target();
    let r = run_json(&probe_args(&pki, &target));
    assert!(r.has("cert-untrusted"));
    assert!(!r.has("cert-incomplete-chain"));
}

#[test]
fn insecure_turns_cert_failures_into_warnings() {
    let pki = Pki::new();
    let server = tls_server(pki.server(&["mx.test"], Validity::Expired));
    let target = server.target();
    let mut args = probe_args(&pki, &target);
    args.push("--insecure");
    let r = run_json(&args);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.finding("cert-expired")["severity"], "warning");
    assert!(r.has("cert-verification-disabled"));
    assert_eq!(r.json["tls"]["verification_enabled"], false);
}

#[test]
fn cert_expires_soon() {
    let pki = Pki::new();
    let server = tls_server(pki.server(&["mx.test"], Validity::ExpiresInDays(5)));
    let target = server.target();
    let r = run_json(&probe_args(&pki, &target));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.has("cert-expires-soon"));
    let mut args = probe_args(&pki, &target);
    args.extend(["--warn-days", "3"]);
    let r = run_json(&args);
    assert_eq!(r.code, 0);
}

/// A server config for a certificate made by hand, where the test PKI cannot make it.
fn single_cert_config(
    cert: &rcgen::Certificate,
    key: &rcgen::KeyPair,
) -> std::sync::Arc<rustls::ServerConfig> {
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    std::sync::Arc::new(config)
}

#[test]
fn cert_without_san() {
    let pki = Pki::new();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "mx.test");
    let cert = params.self_signed(&key).unwrap();
    let server = tls_server(single_cert_config(&cert, &key));
    let target = server.target();
    let r = run_json(&probe_args(&pki, &target));
    assert!(r.has("cert-no-san"), "{:?}", r.finding_ids());
}

#[test]
fn starttls_after_tls() {
    let pki = Pki::new();
    let mut steps = opening(GOOD_EHLO);
    steps.extend([
        Step::Expect("STARTTLS"),
        send("220 go\r\n"),
        Step::StartTls(pki.server(&["mx.test"], Validity::Valid)),
        Step::Expect("EHLO"),
        send("250-mx.test\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n"),
    ]);
    steps.extend(closing());
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let r = run_json(&probe_args(&pki, &target));
    assert!(r.has("starttls-after-tls"), "{:?}", r.finding_ids());
    assert!(r.has("capabilities-changed"));
    assert_eq!(r.code, 1);
}

#[test]
fn tls_handshake_failed_when_server_is_not_tls() {
    let pki = Pki::new();
    let mut steps = opening(GOOD_EHLO);
    steps.extend([
        Step::Expect("STARTTLS"),
        send("220 go\r\n"),
        Step::Sleep(Duration::from_millis(50)),
        send("this is not TLS at all\r\n"),
        Step::Hang,
    ]);
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let r = run_json(&probe_args(&pki, &target));
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.has("tls-handshake-failed"));
    assert_eq!(r.json["tls"]["handshake_error"]["cause"], "not-tls");
    assert!(
        !r.has("starttls-response-injection"),
        "arrived after the 220's read"
    );
}

#[test]
fn connect_failed_on_closed_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = listener.local_addr().unwrap().to_string();
    drop(listener);
    let r = run_json(&["--timeout", "2", &target]);
    assert_eq!(r.code, 4);
    assert!(r.has("connect-failed"));
    assert_eq!(r.json["target"]["attempts"][0]["address"], target);
}

#[test]
fn timeout_names_the_step() {
    let server = ScriptedServer::start(vec![Step::Hang]);
    let target = server.target();
    let started = std::time::Instant::now();
    let r = run_json(&["--timeout", "1", &target]);
    assert_eq!(r.code, 4);
    assert!(r.has("timeout"));
    assert!(r.finding("timeout")["message"]
        .as_str()
        .unwrap()
        .contains("banner"));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn ipv6_loopback_target() {
    let pki = Pki::new();
    let mut steps = opening(GOOD_EHLO);
    steps.extend(closing());
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("SKIPPED: no IPv6 loopback on this machine");
        return;
    }
    let server = ScriptedServer::start_on("[::1]:0", steps);
    let target = format!("[::1]:{}", server.addr.port());
    let r = run_json(&["--no-tls", "--ca-file", pki.ca_arg(), &target]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json["target"]["host"], "::1");
}

#[test]
fn ca_certificate_used_as_server_certificate_is_explained() {
    // `openssl req -x509` makes CA:TRUE certificates; many self-made server certificates are.
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["mx.test".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("self.pem");
    std::fs::write(&ca_file, cert.pem()).unwrap();
    let server = tls_server(single_cert_config(&cert, &key));
    let target = server.target();
    let r = run_json(&[
        "--ca-file",
        ca_file.to_str().unwrap(),
        "--tls-name",
        "mx.test",
        "--timeout",
        "3",
        &target,
    ]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    let f = r.finding("cert-invalid");
    assert!(
        f["message"].as_str().unwrap().contains("CA certificate"),
        "{f}"
    );
}
