//! nodemailer (npm, installed under the lab's tools directory): its default opportunistic
//! STARTTLS, through tests/lab/clients/nodemailer_send.js.

use std::path::PathBuf;
use std::process::Command;

use super::{driver, tools_dir, Adapter, Target};

pub(crate) struct Nodemailer;

fn modules() -> PathBuf {
    tools_dir().join("node/node_modules")
}

impl Adapter for Nodemailer {
    fn id(&self) -> &'static str {
        "nodemailer"
    }

    fn how(&self) -> &'static str {
        "tests/lab/clients/nodemailer_send.js: `createTransport({secure: false})`, one message"
    }

    fn detect(&self) -> Result<String, String> {
        let manifest = modules().join("nodemailer/package.json");
        let text = std::fs::read_to_string(&manifest).map_err(|e| {
            format!(
                "{} ({e}; run .ci/install.d/50-lab-clients.sh)",
                manifest.display()
            )
        })?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let node = super::run::version_line("node", &["--version"], "v")?;
        json["version"]
            .as_str()
            .map(|v| format!("{v} (node {node})"))
            .ok_or_else(|| format!("{} has no version", manifest.display()))
    }

    fn command(&self, t: &Target) -> Command {
        let mut c = Command::new("node");
        c.env("NODE_PATH", modules())
            .arg(driver("nodemailer_send.js"))
            .arg(&t.host)
            .arg(t.port.to_string());
        c
    }
}
