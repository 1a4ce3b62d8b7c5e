//! The active checks against real servers on loopback, each judged by the real binary:
//! aiosmtpd 1.4.5 (vulnerable to STARTTLS command injection, CVE-2024-34083) and 1.4.6
//! (fixed), each from its own venv made by `.ci/install.d/70-checks.sh`; Postfix at
//! `smtpd_tls_security_level=encrypt` (530 before STARTTLS) and `may`, on ports 25 and 587 of
//! this issue's loopback range. Outside CI a missing server is SKIPPED; under CI it fails.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use smtp_tls_check::tls::pki::Validity;

use super::checks::probe_as;
use super::common::Pki;
use super::postfix::Postfix;

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Where 70-checks.sh puts the venvs: `$SMTP_TLS_CHECK_AIOSMTPD/<version>/bin/python`.
fn aiosmtpd_python(version: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("SMTP_TLS_CHECK_AIOSMTPD")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/smtp-tls-check/aiosmtpd"));
    let python = dir.join(version).join("bin/python");
    if python.exists() {
        return Some(python);
    }
    let why = format!(
        "aiosmtpd {version} not found at {} (run .ci/install.d/70-checks.sh)",
        python.display()
    );
    assert!(!in_ci(), "must run in CI: {why}");
    eprintln!("SKIPPED: {why}");
    None
}

/// A running aiosmtpd (tests/support/aiosmtpd_server.py); it stops when its stdin closes.
struct Aiosmtpd {
    child: Child,
    port: u16,
    pki: Pki,
    _dir: tempfile::TempDir,
}

impl Aiosmtpd {
    fn start(version: &str, auth_before_tls: bool) -> Option<Aiosmtpd> {
        let python = aiosmtpd_python(version)?;
        let pki = Pki::new();
        let id = pki.ca.issue(&["localhost"], Validity::Valid).expect("leaf");
        let dir = tempfile::tempdir().expect("tempdir");
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        std::fs::write(&cert, &id.chain_pem).expect("write cert");
        std::fs::write(&key, &id.key_pem).expect("write key");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/aiosmtpd_server.py");
        let mut child = Command::new(python)
            .arg(script)
            .args(["127.0.0.1", &port.to_string()])
            .arg(&cert)
            .arg(&key)
            .env(
                "AIOSMTPD_AUTH_BEFORE_TLS",
                if auth_before_tls { "1" } else { "" },
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start aiosmtpd");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read ready line");
        assert!(
            line.starts_with("ready") && line.contains(version),
            "aiosmtpd {version} did not start: {line:?}"
        );
        Some(Aiosmtpd {
            child,
            port,
            pki,
            _dir: dir,
        })
    }

    fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The probe, trusting this server's CA and checking its certificate for `localhost`.
    fn probe(&self, extra: &[&str]) -> super::common::Run {
        probe_as(self.pki.ca_arg(), "localhost", &self.target(), extra)
    }
}

impl Drop for Aiosmtpd {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

#[test]
fn aiosmtpd_1_4_5_is_vulnerable_to_starttls_command_injection() {
    let Some(server) = Aiosmtpd::start("1.4.5", false) else {
        return;
    };
    let r = server.probe(&["--check-injection"]);
    let f = r.finding("starttls-command-injection");
    assert_eq!(f["severity"], "error", "{}", r.stdout);
    assert_eq!((r.verdict(), r.code), ("fail", 3), "{}", r.stdout);
}

#[test]
fn aiosmtpd_1_4_6_is_not_vulnerable() {
    let Some(server) = Aiosmtpd::start("1.4.6", false) else {
        return;
    };
    let r = server.probe(&["--check-injection"]);
    assert!(r.has("starttls-injection-not-vulnerable"), "{}", r.stdout);
    assert!(!r.has("starttls-command-injection"));
    assert_eq!((r.verdict(), r.code), ("ok", 0), "{}", r.stdout);
}

#[test]
fn aiosmtpd_offering_auth_before_tls_is_auth_before_tls() {
    let Some(server) = Aiosmtpd::start("1.4.6", true) else {
        return;
    };
    let r = server.probe(&[]);
    let f = r.finding("auth-before-tls");
    assert_eq!(f["severity"], "error", "{}", r.stdout);
    assert!(f["message"].to_string().contains("PLAIN"), "{f}");
    assert_eq!((r.verdict(), r.code), ("fail", 3), "{}", r.stdout);
}

fn postfix_probe(pf: &Postfix, extra: &[&str]) -> super::common::Run {
    let ca = pf.ca_pem.to_str().expect("utf-8 temp path");
    probe_as(ca, "localhost", &pf.addr(), extra)
}

#[test]
fn postfix_encrypt_on_25_requires_tls_which_a_public_mx_must_not() {
    let Some(pf) = Postfix::start_at("ENCRYPT", "127.12.7.25", 25) else {
        return;
    };
    let r = postfix_probe(&pf, &["--check-enforcement", "--check-injection"]);
    let f = r.finding("starttls-enforced");
    assert_eq!(f["severity"], "warning", "{}", r.stdout);
    assert!(f["evidence"].to_string().contains("530"), "{f}");
    assert!(r.has("starttls-injection-not-vulnerable"), "{}", r.stdout);
    assert_eq!((r.verdict(), r.code), ("warning", 1), "{}", r.stdout);
}

#[test]
fn postfix_encrypt_on_587_requires_tls_as_submission_should() {
    let Some(pf) = Postfix::start_at("ENCRYPT", "127.12.7.87", 587) else {
        return;
    };
    let r = postfix_probe(&pf, &["--check-enforcement"]);
    assert_eq!(
        r.finding("starttls-enforced")["severity"],
        "info",
        "{}",
        r.stdout
    );
    assert_eq!((r.verdict(), r.code), ("ok", 0), "{}", r.stdout);
}

#[test]
fn postfix_may_on_587_takes_mail_without_tls() {
    let Some(pf) = Postfix::start_at("TLS", "127.12.8.87", 587) else {
        return;
    };
    let r = postfix_probe(&pf, &["--check-enforcement", "--check-injection"]);
    assert_eq!(
        r.finding("starttls-not-enforced")["severity"],
        "error",
        "{}",
        r.stdout
    );
    assert!(r.has("starttls-injection-not-vulnerable"), "{}", r.stdout);
    assert_eq!((r.verdict(), r.code), ("fail", 3), "{}", r.stdout);
}

#[test]
fn postfix_may_on_25_takes_mail_without_tls_as_a_public_mx_must() {
    let Some(pf) = Postfix::start_at("TLS", "127.12.8.25", 25) else {
        return;
    };
    let r = postfix_probe(&pf, &["--check-enforcement", "--samples", "3"]);
    assert_eq!(
        r.finding("starttls-not-enforced")["severity"],
        "info",
        "{}",
        r.stdout
    );
    assert!(r.has("samples-consistent"), "{}", r.stdout);
    assert_eq!((r.verdict(), r.code), ("ok", 0), "{}", r.stdout);
}
