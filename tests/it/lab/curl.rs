//! curl (Debian `curl`): `--ssl` asks for STARTTLS when curl sees it and goes on in plaintext
//! otherwise; `-k` accepts the test certificate.

use std::process::Command;

use super::run::version_line;
use super::{Adapter, Target};

pub(crate) struct Curl;

impl Adapter for Curl {
    fn id(&self) -> &'static str {
        "curl"
    }

    fn how(&self) -> &'static str {
        "`curl --ssl -k smtp://...` uploads one message"
    }

    fn detect(&self) -> Result<String, String> {
        version_line("curl", &["--version"], "curl ")
            .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
    }

    fn command(&self, t: &Target) -> Command {
        let msg = t.work.join("msg.eml");
        let _ = std::fs::write(&msg, super::MESSAGE);
        let mut c = Command::new("curl");
        c.args(["-sS", "-v", "--ssl", "-k", "--max-time", "20"])
            .arg(format!("smtp://{}:{}/lab.test", t.host, t.port))
            .args([
                "--mail-from",
                "a@lab.test",
                "--mail-rcpt",
                "b@mx.test",
                "-T",
            ])
            .arg(msg);
        c
    }
}
