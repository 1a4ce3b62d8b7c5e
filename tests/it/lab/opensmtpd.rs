//! OpenSMTPD (Debian `opensmtpd`, unpacked): `smtpd -d -f <private conf>` in a private mount
//! namespace (its queue, socket and chroot paths are compiled in), `relay host
//! smtp://127.0.0.1:PORT` (opportunistic STARTTLS, its default), one message enqueued through
//! smtpctl. Its log has `mta tls ciphers=...` when it used TLS.

use std::process::Command;
use std::time::Duration;

use super::mta;
use super::run::ClientRun;
use super::{Adapter, Target};

pub(crate) struct Opensmtpd;

impl Adapter for Opensmtpd {
    fn id(&self) -> &'static str {
        "opensmtpd"
    }

    fn how(&self) -> &'static str {
        "`smtpd -d -f conf` (tests/support/opensmtpd.sh): relay host smtp://127.0.0.1:PORT, \
         opportunistic STARTTLS"
    }

    fn detect(&self) -> Result<String, String> {
        mta::unpacked("opensmtpd", "usr/sbin/smtpd")?;
        mta::need_user("opensmtpd")?;
        mta::need_user("opensmtpq")?;
        mta::need_root_and_namespace()?;
        mta::package("opensmtpd", "opensmtpd")
    }

    fn command(&self, t: &Target) -> Command {
        mta::deliver("opensmtpd.sh", t)
    }

    fn saw_starttls(&self, run: &ClientRun) -> Option<bool> {
        let out = run.output();
        if out.contains(" mta tls ") {
            return Some(true);
        }
        None
    }

    fn deadline(&self) -> Duration {
        Duration::from_secs(60)
    }
}
