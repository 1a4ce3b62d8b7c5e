//! Tests against a real MTA: a private Postfix instance per test, run by
//! `tests/support/postfix.sh` on 127.0.0.1 and a free high port, with its
//! config, queue and log in a temporary directory (never /etc/postfix,
//! never port 25). Needs root and Debian's `postfix` package; without
//! them the tests are skipped, except under CI (env `CI` set), where they
//! must run.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// How often to retry a start that failed (the free port we picked may be
/// taken by someone else before Postfix binds it).
const START_ATTEMPTS: u32 = 3;

/// Exit code of `postfix.sh start` for "cannot run here" (not installed,
/// not root).
const EXIT_CANNOT_RUN: i32 = 77;

const POSTFIX_BIN: &str = "/usr/sbin/postfix";

/// A running private Postfix instance; stopped when dropped (also when the
/// test panics).
pub(crate) struct Postfix {
    pub(crate) port: u16,
    pub(crate) dir: tempfile::TempDir,
    /// CA that signed the server's certificate (leaf for `localhost` and
    /// 127.0.0.1). Generated for NOTLS instances too, so callers can pass
    /// it either way.
    pub(crate) ca_pem: PathBuf,
    /// The loopback address it listens on (127.0.0.1 unless started with `start_at`).
    pub(crate) host: &'static str,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/postfix.sh")
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Skip (None) outside CI, fail inside it.
pub(crate) fn skip_or_panic(why: &str) -> Option<Postfix> {
    assert!(
        !in_ci(),
        "postfix tests must run in CI, but: {why} \
         (install Debian's `postfix` package and run the tests as root)"
    );
    eprintln!("SKIPPED: {why}");
    None
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener
        .local_addr()
        .expect("local_addr of bound listener")
        .port()
}

fn run_script(args: &[&std::ffi::OsStr]) -> Output {
    Command::new("bash")
        .arg(script())
        .args(args)
        // Lets the script's watchdog stop Postfix if this process dies
        // without running Drop (e.g. killed by a signal).
        .env("POSTFIX_SH_WATCH_PID", std::process::id().to_string())
        .output()
        .expect("run tests/support/postfix.sh")
}

fn describe(out: &Output) -> String {
    format!(
        "{} \nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl Postfix {
    /// Starts a private Postfix on 127.0.0.1 that offers STARTTLS (`tls`)
    /// or does not. Returns when it has sent its 220 banner.
    pub(crate) fn start(tls: bool) -> Option<Postfix> {
        if !Path::new(POSTFIX_BIN).exists() {
            return skip_or_panic("postfix not installed");
        }
        let mode = if tls { "TLS" } else { "NOTLS" };
        let mut last_failure = String::new();
        for _ in 0..START_ATTEMPTS {
            let dir = tempfile::Builder::new()
                .prefix("pf")
                .tempdir()
                .expect("create temp dir for postfix");
            let ca_pem = dir.path().join("ca.pem");
            if !tls {
                let out = run_script(&["gencert".as_ref(), dir.path().as_os_str()]);
                assert!(
                    out.status.success(),
                    "postfix.sh gencert: {}",
                    describe(&out)
                );
            }
            let port = free_port();
            let port_arg = port.to_string();
            let out = run_script(&[
                "start".as_ref(),
                dir.path().as_os_str(),
                mode.as_ref(),
                port_arg.as_ref(),
            ]);
            let postfix = Postfix {
                port,
                dir,
                ca_pem,
                host: "127.0.0.1",
            };
            if out.status.success() {
                return Some(postfix);
            }
            if out.status.code() == Some(EXIT_CANNOT_RUN) {
                let why = String::from_utf8_lossy(&out.stderr);
                return skip_or_panic(&format!("cannot run postfix here: {}", why.trim()));
            }
            // `postfix` drops here: stop is idempotent and cleans up.
            last_failure = describe(&out);
        }
        panic!("postfix.sh start {mode} failed {START_ATTEMPTS} times; last: {last_failure}");
    }

    /// `host:port` to probe.
    pub(crate) fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// A private Postfix in `mode` (`TLS`: smtpd_tls_security_level=may, `ENCRYPT`: =encrypt)
    /// on a fixed `host:port` of the calling test's own loopback range (25 and 587 are judged
    /// differently by the active checks, so the port is the point).
    pub(crate) fn start_at(mode: &str, host: &'static str, port: u16) -> Option<Postfix> {
        if !Path::new(POSTFIX_BIN).exists() {
            return skip_or_panic("postfix not installed");
        }
        let dir = tempfile::Builder::new()
            .prefix("pf")
            .tempdir()
            .expect("create temp dir for postfix");
        let ca_pem = dir.path().join("ca.pem");
        let port_arg = port.to_string();
        let out = Command::new("bash")
            .arg(script())
            .args([
                "start".as_ref(),
                dir.path().as_os_str(),
                mode.as_ref(),
                std::ffi::OsStr::new(&port_arg),
            ])
            .env("POSTFIX_SH_WATCH_PID", std::process::id().to_string())
            .env("POSTFIX_SH_ADDR", host)
            .output()
            .expect("run tests/support/postfix.sh");
        let postfix = Postfix {
            port,
            dir,
            ca_pem,
            host,
        };
        if out.status.success() {
            return Some(postfix);
        }
        if out.status.code() == Some(EXIT_CANNOT_RUN) {
            let why = String::from_utf8_lossy(&out.stderr);
            return skip_or_panic(&format!("cannot run postfix here: {}", why.trim()));
        }
        panic!(
            "postfix.sh start {mode} at {host}:{port} failed: {}",
            describe(&out)
        );
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let out = run_script(&["stop".as_ref(), self.dir.path().as_os_str()]);
        if !out.status.success() {
            eprintln!("postfix.sh stop: {}", describe(&out));
        }
        // Keep the instance's log in the test output when a test failed.
        if std::thread::panicking() {
            if let Ok(log) = std::fs::read_to_string(self.dir.path().join("maillog")) {
                eprintln!("--- postfix maillog ({}) ---\n{log}", self.addr());
            }
        }
        // self.dir (TempDir) is removed after this, with Postfix stopped.
    }
}

/// Runs our binary against the instance, returns (parsed JSON, exit code).
fn probe(pf: &Postfix) -> (serde_json::Value, Option<i32>) {
    let out = assert_cmd::Command::cargo_bin("smtp-tls-check")
        .expect("smtp-tls-check binary")
        .args([
            "--json",
            "--ca-file",
            pf.ca_pem.to_str().expect("utf-8 temp path"),
            "--tls-name",
            "localhost",
            "--timeout",
            "10",
            &pf.addr(),
        ])
        .output()
        .expect("run smtp-tls-check");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "smtp-tls-check output is not JSON ({e}): {}",
            describe(&out)
        )
    });
    super::common::assert_schema(&json);
    (json, out.status.code())
}

// The two tests below are written against the CLI/JSON contract
// (`verdict`, `ehlo.starttls`, `tls.established`, `tls.verified`,
// `findings[].id`; exit 0 for ok, 3 for fail) before the binary implements
// all of it.

#[test]
fn postfix_with_starttls_is_ok() {
    let Some(pf) = Postfix::start(true) else {
        return;
    };
    let (v, code) = probe(&pf);
    assert_eq!(v["verdict"], "ok", "{v:#}");
    assert_eq!(v["ehlo"]["starttls"], "ehlo-line", "{v:#}");
    assert_eq!(v["tls"]["established"], true, "{v:#}");
    assert_eq!(v["tls"]["verified"], true, "{v:#}");
    assert_eq!(code, Some(0), "{v:#}");
}

#[test]
fn postfix_without_tls_is_fail() {
    let Some(pf) = Postfix::start(false) else {
        return;
    };
    let (v, code) = probe(&pf);
    assert_eq!(v["ehlo"]["starttls"], "absent", "{v:#}");
    assert_eq!(v["verdict"], "fail", "{v:#}");
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["id"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        ids.contains(&"starttls-not-offered"),
        "findings {ids:?} in {v:#}"
    );
    assert_eq!(code, Some(3), "{v:#}");
}
