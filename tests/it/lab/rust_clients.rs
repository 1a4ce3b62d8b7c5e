//! lettre and Stalwart mail-send (crates.io): the drivers in tests/lab/rust-clients/, a
//! separate Cargo project built by .ci/install.d/50-lab-clients.sh into the lab's tools
//! directory. Versions come from that project's Cargo.lock.

use std::path::PathBuf;
use std::process::Command;

use super::python::lab_saw;
use super::run::ClientRun;
use super::{repo, tools_dir, Adapter, Target};

fn binary(name: &str) -> PathBuf {
    tools_dir().join("rust-target/release").join(name)
}

/// `crate`'s version in tests/lab/rust-clients/Cargo.lock, if its driver binary is built.
fn detect(krate: &str, bin: &str) -> Result<String, String> {
    if !binary(bin).is_file() {
        return Err(format!(
            "{} not built (run .ci/install.d/50-lab-clients.sh)",
            binary(bin).display()
        ));
    }
    let lock = std::fs::read_to_string(repo().join("tests/lab/rust-clients/Cargo.lock"))
        .map_err(|e| format!("tests/lab/rust-clients/Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{krate}\"") {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = ")) {
                return Ok(v.trim_matches('"').to_string());
            }
        }
    }
    Err(format!("{krate} not in tests/lab/rust-clients/Cargo.lock"))
}

pub(crate) struct Lettre;

impl Adapter for Lettre {
    fn id(&self) -> &'static str {
        "lettre"
    }

    fn how(&self) -> &'static str {
        "tests/lab/rust-clients lettre-send: `SmtpTransport` with `Tls::Opportunistic`, one \
         message"
    }

    fn detect(&self) -> Result<String, String> {
        detect("lettre", "lettre-send")
    }

    fn command(&self, t: &Target) -> Command {
        let mut c = Command::new(binary("lettre-send"));
        c.arg(&t.host).arg(t.port.to_string());
        c
    }
}

pub(crate) struct MailSend;

impl Adapter for MailSend {
    fn id(&self) -> &'static str {
        "stalwart-mail-send"
    }

    fn how(&self) -> &'static str {
        "tests/lab/rust-clients mail-send-send: `connect()` (STARTTLS required), on \
         MissingStartTls `connect_plain()`, one message"
    }

    fn detect(&self) -> Result<String, String> {
        detect("mail-send", "mail-send-send")
    }

    fn command(&self, t: &Target) -> Command {
        let mut c = Command::new(binary("mail-send-send"));
        c.arg(&t.host).arg(t.port.to_string());
        c
    }

    fn saw_starttls(&self, run: &ClientRun) -> Option<bool> {
        lab_saw(run)
    }
}
