//! Sendmail 8 (Debian `sendmail-bin` + `sendmail-cf`, unpacked): a private sendmail.cf built
//! with m4 (SMART_HOST `esmtp:[127.0.0.1]` on the lab's port), `sendmail -C cf -odi -v`
//! delivers one message in the foreground; its STARTTLS client is on by default and goes on
//! with an unverified certificate. Sendmail logs only to syslog, so `-v` prints the dialog.

use std::process::Command;
use std::time::Duration;

use super::mta;
use super::{Adapter, Target};

pub(crate) struct Sendmail;

impl Adapter for Sendmail {
    fn id(&self) -> &'static str {
        "sendmail"
    }

    fn how(&self) -> &'static str {
        "`sendmail -C lab.cf -odi -v` (tests/support/sendmail.sh): smart host [127.0.0.1], \
         default STARTTLS client"
    }

    fn detect(&self) -> Result<String, String> {
        mta::unpacked("sendmail", "usr/libexec/sendmail/sendmail")?;
        mta::unpacked("sendmail", "usr/share/sendmail/cf/m4/cf.m4")?;
        mta::need_root_and_namespace()?;
        mta::package("sendmail", "sendmail-bin")
    }

    fn command(&self, t: &Target) -> Command {
        mta::deliver("sendmail.sh", t)
    }

    fn deadline(&self) -> Duration {
        Duration::from_secs(30)
    }
}
