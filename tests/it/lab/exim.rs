//! Exim 4 (Debian `exim4-daemon-light`, unpacked): `exim4 -C <private conf> -odf` delivers one
//! message in the foreground through a manualroute router to the lab's server, with the smtp
//! transport's defaults (STARTTLS when Exim sees it, certificate tried but not required).
//! Exim logs nothing when it does not see STARTTLS; the delivery line then lacks `X=`.

use std::process::Command;
use std::time::Duration;

use super::mta;
use super::run::ClientRun;
use super::{Adapter, Target};

pub(crate) struct Exim;

impl Adapter for Exim {
    fn id(&self) -> &'static str {
        "exim"
    }

    fn how(&self) -> &'static str {
        "`exim4 -C conf -odf` (tests/support/exim.sh): manualroute to the server, smtp transport \
         defaults"
    }

    fn detect(&self) -> Result<String, String> {
        mta::unpacked("exim", "usr/sbin/exim4")?;
        mta::need_user("Debian-exim")?;
        mta::need_root_and_namespace()?;
        mta::package("exim", "exim4-daemon-light")
    }

    fn command(&self, t: &Target) -> Command {
        mta::deliver("exim.sh", t)
    }

    fn saw_starttls(&self, run: &ClientRun) -> Option<bool> {
        // A delivery line (`=>`) carries X=<TLS version...> exactly when TLS was used.
        let out = run.output();
        let line = out.lines().find(|l| l.contains(" => "))?;
        line.contains(" X=TLS").then_some(true)
    }

    fn deadline(&self) -> Duration {
        Duration::from_secs(30)
    }
}
