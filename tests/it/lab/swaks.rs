//! swaks (Debian `swaks`): a full transaction with `--tls-optional`, which upgrades only if
//! swaks itself sees STARTTLS and otherwise goes on in plaintext.

use std::process::Command;

use super::run::{deb_version, ClientRun};
use super::{Adapter, Target};

pub(crate) struct Swaks;

impl Adapter for Swaks {
    fn id(&self) -> &'static str {
        "swaks"
    }

    fn how(&self) -> &'static str {
        "`swaks --tls-optional` sends one message (certificate not verified)"
    }

    fn detect(&self) -> Result<String, String> {
        deb_version("swaks")
    }

    fn command(&self, t: &Target) -> Command {
        let mut c = Command::new("swaks");
        c.args(["--server", &t.host, "--port", &t.port.to_string()])
            .args([
                "--ehlo",
                "lab.test",
                "--from",
                "a@lab.test",
                "--to",
                "b@mx.test",
            ])
            .args(["--tls-optional", "--timeout", "20"]);
        c
    }

    fn saw_starttls(&self, run: &ClientRun) -> Option<bool> {
        let out = run.output();
        if out.contains("Host did not advertise STARTTLS") {
            Some(false)
        } else if out.contains("-> STARTTLS") {
            Some(true)
        } else {
            None
        }
    }
}
