//! Postfix smtp(8) (Debian `postfix`): a private instance with no listener
//! (`tests/support/postfix.sh deliver`) relays one message to `[127.0.0.1]:PORT` with
//! `smtp_tls_security_level = may`, Postfix's opportunistic TLS; the maillog says
//! `... TLS connection established to ...` when it used TLS.

use std::process::Command;
use std::time::Duration;

use super::mta;
use super::run::{deb_version, ClientRun};
use super::{Adapter, Target};

pub(crate) struct Postfix;

const BIN: &str = "/usr/sbin/postfix";

impl Adapter for Postfix {
    fn id(&self) -> &'static str {
        "postfix"
    }

    fn how(&self) -> &'static str {
        "private instance, `relayhost = [127.0.0.1]:PORT`, `smtp_tls_security_level = may` \
         (tests/support/postfix.sh deliver)"
    }

    fn detect(&self) -> Result<String, String> {
        if !std::path::Path::new(BIN).exists() {
            return Err(format!("{BIN} not found (Debian `postfix`)"));
        }
        mta::need_root_and_namespace()?;
        deb_version("postfix").map(|v| format!("postfix {v}"))
    }

    fn command(&self, t: &Target) -> Command {
        mta::deliver("postfix.sh", t)
    }

    fn saw_starttls(&self, run: &ClientRun) -> Option<bool> {
        run.output()
            .contains("TLS connection established to")
            .then_some(true)
    }

    fn deadline(&self) -> Duration {
        Duration::from_secs(60)
    }
}
