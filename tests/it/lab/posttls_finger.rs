//! posttls-finger (Debian `postfix`): `-l may`, so it upgrades when it sees STARTTLS and
//! otherwise ends the session in plaintext. It reads main.cf, so each run gets an empty one.

use std::process::Command;

use super::run::deb_version;
use super::{Adapter, Target};

pub(crate) struct PosttlsFinger;

const BIN: &str = "/usr/sbin/posttls-finger";

impl Adapter for PosttlsFinger {
    fn id(&self) -> &'static str {
        "posttls-finger"
    }

    fn how(&self) -> &'static str {
        "`posttls-finger -l may` with an empty private main.cf"
    }

    fn detect(&self) -> Result<String, String> {
        if !std::path::Path::new(BIN).exists() {
            return Err(format!("{BIN} not found (Debian `postfix`)"));
        }
        deb_version("postfix")
    }

    fn command(&self, t: &Target) -> Command {
        let _ = std::fs::write(t.work.join("main.cf"), "");
        let mut c = Command::new(BIN);
        c.env("MAIL_CONFIG", &t.work)
            .args(["-l", "may", "-L", "summary"])
            .arg(format!("[{}]:{}", t.host, t.port));
        c
    }
}
