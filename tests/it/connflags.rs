//! -4/-6, --source, --ca-path, --system-roots, --client-cert/--client-key, --show-certs:
//! each against a real TLS server on loopback.

use smtp_tls_check::tls::pki::{server_config, ServerTlsOptions, Validity};

use super::common::{probe_args, run, run_json, Pki};
use super::scripted::tls_server;

#[test]
fn address_family_flags_pick_the_addresses_tried() {
    let pki = Pki::new();
    let server = tls_server(pki.server(&["mx.test"], Validity::Valid));
    let target = server.target();
    let mut args = probe_args(&pki, &target);
    args.insert(0, "-4");
    let r = run_json(&args);
    assert_eq!(r.verdict(), "ok", "{}", r.stdout);
    let sent_before = server.received().len();
    args[0] = "-6";
    let r = run_json(&args);
    assert_eq!(r.code, 4, "{}", r.stdout);
    assert!(r.has("dns-no-records"), "{:?}", r.finding_ids());
    assert!(r.json["summary"]
        .as_str()
        .unwrap()
        .contains("no IPv6 (-6) address"));
    assert_eq!(
        server.received().len(),
        sent_before,
        "nothing sent over IPv4"
    );
    let r = run(&["-4", "-6", "127.0.0.1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn source_binds_the_local_address() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = listener.local_addr().unwrap().to_string();
    let peer = std::thread::spawn(move || listener.accept().map(|(_, peer)| peer.ip()));
    // The listener never speaks: the probe times out on the banner, which is enough.
    let r = run_json(&["--source", "127.0.0.7", "--timeout", "1", &target]);
    assert_eq!(r.code, 4, "{}", r.stdout);
    assert_eq!(
        peer.join().unwrap().unwrap().to_string(),
        "127.0.0.7",
        "connected from --source"
    );
    // An address this host does not have: the bind error is shown, not hidden.
    let r = run_json(&["--source", "192.0.2.1", "--timeout", "1", "127.0.0.1:1"]);
    assert_eq!(r.code, 4);
    assert!(
        r.stdout.contains("cannot bind --source 192.0.2.1"),
        "{}",
        r.stdout
    );
    let r = run(&["-6", "--source", "127.0.0.1", "127.0.0.1:1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn ca_path_trusts_a_directory_of_pem_files() {
    let pki = Pki::new();
    let server = tls_server(pki.server(&["mx.test"], Validity::Valid));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("test-ca.crt"), pki.ca.cert_pem()).unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let target = server.target();
    let r = run_json(&[
        "--ca-path",
        dir_arg,
        "--tls-name",
        "mx.test",
        "--timeout",
        "3",
        &target,
    ]);
    assert_eq!(r.verdict(), "ok", "{}", r.stdout);
    assert!(r.json["tls"]["trust_anchors"]
        .as_str()
        .unwrap()
        .starts_with("CA directory"));
    let empty = tempfile::tempdir().unwrap();
    let r = run(&["--ca-path", empty.path().to_str().unwrap(), &target]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--ca-path"), "{}", r.stderr);
}

#[test]
fn system_roots_use_the_machine_store() {
    let pki = Pki::new();
    let server = tls_server(pki.server(&["mx.test"], Validity::Valid));
    let target = server.target();
    // SSL_CERT_FILE is how the system store is pointed elsewhere (rustls-native-certs, as
    // OpenSSL): with the test CA there, the server is trusted.
    let out = super::common::bin()
        .args([
            "--json",
            "--system-roots",
            "--tls-name",
            "mx.test",
            "--timeout",
            "3",
            &target,
        ])
        .env("SSL_CERT_FILE", pki.ca_arg())
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    let v = super::common::parse_json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(v["verdict"], "ok", "{v:#}");
    assert!(v["tls"]["trust_anchors"]
        .as_str()
        .unwrap()
        .starts_with("system trust store"));
}

#[test]
fn client_certificate_is_presented_when_asked() {
    let pki = Pki::new();
    let server_id = pki.ca.issue(&["mx.test"], Validity::Valid).unwrap();
    let config = server_config(
        &server_id,
        ServerTlsOptions {
            require_client_cert: true,
            ..ServerTlsOptions::default()
        },
    )
    .unwrap();
    let server = tls_server(config);
    let target = server.target();
    let without = run_json(&probe_args(&pki, &target));
    assert_eq!(without.verdict(), "fail", "{}", without.stdout);

    let client = pki.ca.issue(&["client.test"], Validity::Valid).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("client.pem");
    let key = dir.path().join("client.key");
    std::fs::write(&cert, &client.chain_pem).unwrap();
    std::fs::write(&key, &client.key_pem).unwrap();
    let mut args = probe_args(&pki, &target);
    let (c, k) = (cert.to_str().unwrap(), key.to_str().unwrap());
    args.splice(0..0, ["--client-cert", c, "--client-key", k]);
    let with = run_json(&args);
    assert_eq!(with.verdict(), "ok", "{}", with.stdout);
    assert_eq!(with.json["tls"]["established"], true);

    // A key of another certificate is refused before any connection.
    let other = pki.ca.issue(&["other.test"], Validity::Valid).unwrap();
    std::fs::write(&key, &other.key_pem).unwrap();
    let r = run(&args);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("does not belong"), "{}", r.stderr);
    let r = run(&["--client-cert", c, "127.0.0.1:1"]);
    assert_eq!(r.code, 2, "--client-cert needs --client-key: {}", r.stderr);
}

#[test]
fn show_certs_prints_the_presented_chain_as_pem() {
    let pki = Pki::new();
    let id = pki.ca.issue(&["mx.test"], Validity::Valid).unwrap();
    let server = tls_server(server_config(&id, ServerTlsOptions::default()).unwrap());
    let target = server.target();
    let mut args = probe_args(&pki, &target);
    args.insert(0, "--show-certs");
    let r = run_json(&args);
    let pem = r.json["tls"]["certificates"][0]["pem"].as_str().unwrap();
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    assert_eq!(squash(pem), squash(&id.chain_pem), "the leaf as sent");
    args.push("--color");
    args.push("never");
    let human = run(&args);
    assert!(human.stdout.contains(pem), "{}", human.stdout);
    // Without the flag, no PEM.
    let r = run_json(&probe_args(&pki, &target));
    assert!(r.json["tls"]["certificates"][0].get("pem").is_none());
}
