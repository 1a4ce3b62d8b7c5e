//! msmtp (Debian `msmtp`): `--tls=on --tls-starttls=on`. msmtp has no opportunistic mode: with
//! TLS on it sends STARTTLS if it sees it and otherwise stops with an error; `--tls-certcheck=off`
//! accepts the test certificate.

use std::process::Command;

use super::run::{deb_version, ClientRun};
use super::{Adapter, Target};

pub(crate) struct Msmtp;

impl Adapter for Msmtp {
    fn id(&self) -> &'static str {
        "msmtp"
    }

    fn how(&self) -> &'static str {
        "`msmtp --tls=on --tls-starttls=on --tls-certcheck=off` sends one message"
    }

    fn detect(&self) -> Result<String, String> {
        deb_version("msmtp")
    }

    fn command(&self, t: &Target) -> Command {
        let msg = t.work.join("msg.eml");
        let _ = std::fs::write(&msg, super::MESSAGE);
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg("exec msmtp \"$@\" < \"$MSG\"")
            .arg("msmtp")
            .env("MSG", msg)
            .args(["--host", &t.host, "--port", &t.port.to_string()])
            .args([
                "--domain=lab.test",
                "--auth=off",
                "--tls=on",
                "--tls-starttls=on",
            ])
            .args([
                "--tls-certcheck=off",
                "--timeout=20",
                "--from=a@lab.test",
                "--",
            ])
            .arg("b@mx.test");
        c
    }

    fn saw_starttls(&self, run: &ClientRun) -> Option<bool> {
        run.output()
            .contains("does not support TLS via the STARTTLS command")
            .then_some(false)
    }
}
