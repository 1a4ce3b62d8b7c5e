//! `openssl s_client -starttls smtp`: it sends STARTTLS whether or not it saw it, and says
//! which ("Didn't find STARTTLS in server response, trying anyway...").

use std::process::Command;

use super::run::{version_line, ClientRun};
use super::{Adapter, Target};

pub(crate) struct OpensslSClient;

impl Adapter for OpensslSClient {
    fn id(&self) -> &'static str {
        "openssl-s-client"
    }

    fn how(&self) -> &'static str {
        "`openssl s_client -starttls smtp`, stdin closed after the handshake"
    }

    fn detect(&self) -> Result<String, String> {
        // `OpenSSL 3.0.19 27 Jan 2026 (Library: ...)`: the name and number are enough.
        version_line("openssl", &["version"], "OpenSSL")
            .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
    }

    fn command(&self, t: &Target) -> Command {
        let mut c = Command::new("openssl");
        c.args(["s_client", "-starttls", "smtp", "-connect"])
            .arg(format!("{}:{}", t.host, t.port))
            .args(["-name", "lab.test", "-brief"]);
        c
    }

    fn saw_starttls(&self, run: &ClientRun) -> Option<bool> {
        if run.output().contains("Didn't find STARTTLS") {
            Some(false)
        } else if run.output().contains("CONNECTION ESTABLISHED") {
            Some(true)
        } else {
            None
        }
    }
}
