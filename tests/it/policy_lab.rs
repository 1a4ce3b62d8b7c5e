//! The real things the policy tests run against, on loopback addresses of issue 11's block
//! (127.11.0.0/16): nsd serving zones signed now by ldns under a test root
//! (tests/support/dnssec.sh), nginx serving MTA-STS policies with a test CA
//! (tests/support/nginx.sh). Outside CI a missing tool skips the test (printed); with CI=true
//! it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The tools each lab needs.
pub(crate) const DNS_TOOLS: &[&str] = &[
    "nsd",
    "nsd-checkconf",
    "ldns-keygen",
    "ldns-signzone",
    "ldns-key2ds",
    "drill",
];
pub(crate) const HTTPS_TOOLS: &[&str] = &["nginx"];
pub(crate) const RESOLVER_TOOLS: &[&str] = &["unbound", "unbound-checkconf"];

fn on_path(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "command -v {tool} >/dev/null || test -x /usr/sbin/{tool}"
        ))
        .status()
        .is_ok_and(|s| s.success())
}

/// True when every tool is there. Otherwise: under CI a failure, outside it SKIPPED.
pub(crate) fn available(test: &str, tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !on_path(t)).collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "{test}: CI=true but {} missing (see .ci/install.d/60-policy.sh)",
            missing.join(", ")
        );
    }
    eprintln!("SKIPPED {test}: {} not installed", missing.join(", "));
    false
}

fn support(script: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(script)
}

/// One zone: its name (`.` for the root, else without the trailing dot), how it is signed,
/// and its records in zone-file syntax (SOA and NS are added).
pub(crate) struct Zone {
    pub(crate) name: String,
    pub(crate) mode: &'static str,
    pub(crate) records: Vec<String>,
}

impl Zone {
    pub(crate) fn new(name: &str, mode: &'static str, records: Vec<String>) -> Self {
        Zone {
            name: name.to_string(),
            mode,
            records,
        }
    }
}

/// A running nsd with the zones signed under a fresh test root.
pub(crate) struct DnsLab {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) addr: String,
}

impl DnsLab {
    /// `zones`: children before parents, the root last. `ns_ip` is where nsd listens (port
    /// 53): every zone's NS is `ns.test.` at that address.
    pub(crate) fn start(ns_ip: &str, zones: &[Zone]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut list = String::new();
        for z in zones {
            let origin = if z.name == "." {
                ".".to_string()
            } else {
                format!("{}.", z.name)
            };
            let file = if z.name == "." {
                "root".to_string()
            } else {
                z.name.clone()
            };
            let mut text = format!(
                "$TTL 300\n{origin} IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n{origin} IN NS ns.test.\n"
            );
            for r in &z.records {
                text.push_str(r);
                text.push('\n');
            }
            std::fs::write(dir.path().join(format!("{file}.zone")), text).expect("zone");
            list.push_str(&format!("{} {}\n", z.name, z.mode));
        }
        std::fs::write(dir.path().join("zones.txt"), list).expect("zones.txt");
        let out = Command::new("bash")
            .arg(support("dnssec.sh"))
            .args(["start", dir.path().to_str().expect("utf-8"), ns_ip, "53"])
            .output()
            .expect("run dnssec.sh");
        assert!(
            out.status.success(),
            "dnssec.sh failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        DnsLab {
            dir,
            addr: format!("{ns_ip}:53"),
        }
    }

    /// The root KSK as a DNSKEY record (`--trust-anchor`).
    pub(crate) fn anchor_dnskey(&self) -> String {
        self.dir.path().join("anchor.dnskey").display().to_string()
    }

    /// The root KSK's DS record (`--trust-anchor`).
    pub(crate) fn anchor_ds(&self) -> String {
        self.dir.path().join("anchor.ds").display().to_string()
    }
}

impl Drop for DnsLab {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(support("dnssec.sh"))
            .args(["stop", self.dir.path().to_str().unwrap_or("/nonexistent")])
            .status();
    }
}

/// A running nginx on `addr`:443 with the given server blocks.
pub(crate) struct HttpsLab {
    dir: tempfile::TempDir,
}

impl HttpsLab {
    /// `servers`: (server_name, certificate chain PEM, key PEM, location body).
    pub(crate) fn start(addr: &str, servers: &[(String, String, String, String)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conf = String::new();
        for (i, (name, chain, key, location)) in servers.iter().enumerate() {
            let cert = dir.path().join(format!("cert{i}.pem"));
            let keyf = dir.path().join(format!("key{i}.pem"));
            std::fs::write(&cert, chain).expect("cert");
            std::fs::write(&keyf, key).expect("key");
            conf.push_str(&format!(
                "server {{\n  listen {addr}:443 ssl;\n  server_name {name};\n  ssl_certificate {};\n  ssl_certificate_key {};\n  location = /.well-known/mta-sts.txt {{\n    {location}\n  }}\n  location / {{ return 404; }}\n}}\n",
                cert.display(),
                keyf.display()
            ));
        }
        std::fs::write(dir.path().join("servers.conf"), conf).expect("servers.conf");
        let out = Command::new("bash")
            .arg(support("nginx.sh"))
            .args(["start", dir.path().to_str().expect("utf-8"), addr])
            .output()
            .expect("run nginx.sh");
        assert!(
            out.status.success(),
            "nginx.sh failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        HttpsLab { dir }
    }
}

impl Drop for HttpsLab {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(support("nginx.sh"))
            .args(["stop", self.dir.path().to_str().unwrap_or("/nonexistent")])
            .status();
    }
}

/// A private validating unbound on `addr`:53 that trusts the lab's root and asks its nsd.
pub(crate) struct ResolverLab {
    dir: tempfile::TempDir,
    pub(crate) addr: String,
}

impl ResolverLab {
    pub(crate) fn start(addr: &str, dns: &DnsLab) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let stub = dns.addr.replace(':', "@");
        let out = Command::new("bash")
            .arg(support("unbound.sh"))
            .args([
                "start",
                dir.path().to_str().expect("utf-8"),
                addr,
                &stub,
                &dns.anchor_ds(),
            ])
            .output()
            .expect("run unbound.sh");
        assert!(
            out.status.success(),
            "unbound.sh failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ResolverLab {
            dir,
            addr: format!("{addr}:53"),
        }
    }
}

impl Drop for ResolverLab {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(support("unbound.sh"))
            .args(["stop", self.dir.path().to_str().unwrap_or("/nonexistent")])
            .status();
    }
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn sha256(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

pub(crate) fn sha512(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA512, data)
        .as_ref()
        .to_vec()
}

/// The DER SubjectPublicKeyInfo of a certificate.
pub(crate) fn spki(cert: &[u8]) -> Vec<u8> {
    let (_, c) = x509_parser::parse_x509_certificate(cert).expect("certificate");
    c.tbs_certificate.subject_pki.raw.to_vec()
}
