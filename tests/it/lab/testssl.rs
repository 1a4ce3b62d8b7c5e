//! testssl.sh (Debian `testssl.sh`), only its start-up dialogs: `-h` (HTTP headers) does not
//! apply to SMTP, so the run is service detection and protocol negotiation. Its own socket dialog looks for
//! `^250[ -]STARTTLS` and warns " STARTTLS handshake failed" when that fails, but it also runs
//! `openssl s_client -starttls smtp`, which sends STARTTLS regardless: what reaches the server
//! is the union of the two.

use std::process::Command;
use std::time::Duration;

use super::run::{deb_version, ClientRun};
use super::{Adapter, Target};

pub(crate) struct Testssl;

impl Adapter for Testssl {
    fn id(&self) -> &'static str {
        "testssl-sh"
    }

    fn how(&self) -> &'static str {
        "`testssl -t smtp -h`: service detection and its openssl handshakes only, sockets and openssl as shipped"
    }

    fn detect(&self) -> Result<String, String> {
        if which("testssl").is_none() {
            return Err("`testssl` not found (Debian `testssl.sh`)".into());
        }
        deb_version("testssl.sh")
    }

    fn command(&self, t: &Target) -> Command {
        let mut c = Command::new("testssl");
        c.args(["--quiet", "--color", "0", "--warnings", "off", "--sneaky"])
            // No DNS: the lab talks to 127.0.0.1 only, and nothing else may be asked.
            .args(["--nodns", "none"])
            .args(["--openssl-timeout", "5", "-t", "smtp", "-h"])
            .arg(format!("{}:{}", t.host, t.port))
            // Its waits are sized for slow servers across the internet; the lab's answers at
            // once, so shorter waits change nothing but the run time.
            .env("STARTTLS_SLEEP", "2")
            // Its openssl feature probes connect to `invalid.` (a DNS query) unless told
            // otherwise.
            .env("NXCONNECT", "127.0.0.1:0")
            .env("HEADER_MAXSLEEP", "2")
            .env("MAX_WAITSOCK", "3")
            .env("HEARTBLEED_MAX_WAITSOCK", "2");
        c
    }

    fn saw_starttls(&self, run: &ClientRun) -> Option<bool> {
        if run.output().contains("STARTTLS handshake failed") {
            Some(false)
        } else {
            None
        }
    }

    fn deadline(&self) -> Duration {
        // A large bash script that starts hundreds of processes: 9 s on an idle machine, close
        // to a minute on a loaded one. It never waits for the server in these runs, so a long
        // deadline costs nothing but keeps a slow run from counting as a hang.
        Duration::from_secs(180)
    }
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}
