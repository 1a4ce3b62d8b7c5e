//! Jakarta Mail (Debian `libjakarta-mail-java`, `libjakarta-activation-java`): `LabSend.java`
//! compiled with the installed `javac` into the test's scratch directory on first use;
//! `mail.smtp.starttls.enable=true` (opportunistic), `mail.smtp.ssl.trust=*`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use super::run::deb_version;
use super::{driver, Adapter, Target};

pub(crate) struct JakartaMail;

const JARS: &str = "/usr/share/java/jakarta-mail.jar:/usr/share/java/jakarta-activation.jar";

fn classes() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lab/jakarta")
}

impl Adapter for JakartaMail {
    fn id(&self) -> &'static str {
        "jakarta-mail"
    }

    fn how(&self) -> &'static str {
        "tests/lab/clients/jakarta/LabSend.java: `mail.smtp.starttls.enable=true`, one message"
    }

    fn detect(&self) -> Result<String, String> {
        let version = deb_version("libjakarta-mail-java")?;
        deb_version("libjakarta-activation-java")?;
        let out = Command::new("javac")
            .args(["-nowarn", "-cp", JARS, "-d"])
            .arg(classes())
            .arg(driver("jakarta/LabSend.java"))
            .output()
            .map_err(|e| format!("javac: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "javac failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(version)
    }

    fn command(&self, t: &Target) -> Command {
        let mut c = Command::new("java");
        c.args(["-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp"])
            .arg(format!("{JARS}:{}", classes().display()))
            .arg("LabSend")
            .arg(&t.host)
            .arg(t.port.to_string());
        c
    }

    fn deadline(&self) -> Duration {
        // A JVM start on a busy 2-core machine takes seconds of its own (5 s at load 26);
        // Jakarta Mail never hangs in the lab, so a long deadline costs nothing.
        Duration::from_secs(30)
    }
}
