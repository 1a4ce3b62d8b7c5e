//! Go net/smtp (Debian `golang-go`): tests/lab/clients/go-net-smtp/main.go, standard library
//! only, built with the installed `go` into the test's scratch directory on first use.

use std::path::PathBuf;
use std::process::Command;

use super::python::lab_saw;
use super::run::{version_line, ClientRun};
use super::{driver, Adapter, Target};

pub(crate) struct GoNetSmtp;

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lab/go-net-smtp")
}

impl Adapter for GoNetSmtp {
    fn id(&self) -> &'static str {
        "go-net-smtp"
    }

    fn how(&self) -> &'static str {
        "tests/lab/clients/go-net-smtp: `Hello`, `StartTLS` if `Extension(\"STARTTLS\")`, one \
         message"
    }

    fn detect(&self) -> Result<String, String> {
        let version = version_line("go", &["version"], "go version")?;
        let out = Command::new("go")
            .args(["build", "-o"])
            .arg(binary())
            .arg(driver("go-net-smtp/main.go"))
            // Standard library only: nothing to fetch, and no module proxy.
            .env("GOPROXY", "off")
            .env("GO111MODULE", "off")
            // go needs a build cache; without HOME (a bare CI environment) give it one.
            .env(
                "GOCACHE",
                std::env::var_os("GOCACHE")
                    .or_else(|| {
                        std::env::var_os("HOME")
                            .map(|h| PathBuf::from(h).join(".cache/go-build").into())
                    })
                    .unwrap_or_else(|| {
                        PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                            .join("lab/go-cache")
                            .into()
                    }),
            )
            .output()
            .map_err(|e| format!("go build: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "go build failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(version.replace("go version ", ""))
    }

    fn command(&self, t: &Target) -> Command {
        let mut c = Command::new(binary());
        c.arg(&t.host).arg(t.port.to_string());
        c
    }

    fn saw_starttls(&self, run: &ClientRun) -> Option<bool> {
        lab_saw(run)
    }
}
