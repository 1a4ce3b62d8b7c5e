//! testssl.sh (Debian `testssl.sh`), one check only (`-H`, Heartbleed: few connections). Its own socket dialog looks for
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
        "`testssl -t smtp -H` (one check: Heartbleed), sockets and openssl as shipped"
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
            .args(["--openssl-timeout", "5", "-t", "smtp", "-H"])
            .arg(format!("{}:{}", t.host, t.port))
            .env("STARTTLS_SLEEP", "3");
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
        Duration::from_secs(60)
    }
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}
