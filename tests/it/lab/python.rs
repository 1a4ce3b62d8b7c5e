//! Python smtplib (the `python3` on PATH) and aiosmtplib (PyPI, in the lab's venv): each sends
//! one message through a driver in tests/lab/clients/ that upgrades only if the library itself
//! sees STARTTLS, and prints the library's own `LAB saw-starttls=yes|no`.

use std::path::PathBuf;
use std::process::Command;

use super::run::{version_line, ClientRun};
use super::{driver, tools_dir, Adapter, Target};

/// The driver's own report of what the library saw.
pub(crate) fn lab_saw(run: &ClientRun) -> Option<bool> {
    let out = run.output();
    if out.contains("LAB saw-starttls=yes") {
        Some(true)
    } else if out.contains("LAB saw-starttls=no") {
        Some(false)
    } else {
        None
    }
}

pub(crate) struct Smtplib;

impl Adapter for Smtplib {
    fn id(&self) -> &'static str {
        "python-smtplib"
    }

    fn how(&self) -> &'static str {
        "tests/lab/clients/smtplib_send.py: `ehlo()`, `starttls()` if `has_extn(\"starttls\")`, \
         `sendmail()`"
    }

    fn detect(&self) -> Result<String, String> {
        version_line("python3", &["--version"], "Python")
    }

    fn command(&self, t: &Target) -> Command {
        let mut c = Command::new("python3");
        c.arg(driver("smtplib_send.py"))
            .arg(&t.host)
            .arg(t.port.to_string());
        c
    }

    fn saw_starttls(&self, run: &ClientRun) -> Option<bool> {
        lab_saw(run)
    }
}

pub(crate) struct Aiosmtplib;

fn venv_python() -> PathBuf {
    tools_dir().join("venv/bin/python")
}

impl Adapter for Aiosmtplib {
    fn id(&self) -> &'static str {
        "aiosmtplib"
    }

    fn how(&self) -> &'static str {
        "tests/lab/clients/aiosmtplib_send.py: `SMTP(start_tls=None, validate_certs=False)`, \
         `sendmail()`"
    }

    fn detect(&self) -> Result<String, String> {
        let py = venv_python();
        let py = py.to_str().ok_or("non-UTF-8 path")?;
        version_line(
            py,
            &[
                "-c",
                "import aiosmtplib; print('aiosmtplib', aiosmtplib.__version__)",
            ],
            "aiosmtplib",
        )
        .map_err(|e| format!("{e} (run .ci/install.d/50-lab-clients.sh)"))
    }

    fn command(&self, t: &Target) -> Command {
        let mut c = Command::new(venv_python());
        c.arg(driver("aiosmtplib_send.py"))
            .arg(&t.host)
            .arg(t.port.to_string());
        c
    }

    fn saw_starttls(&self, run: &ClientRun) -> Option<bool> {
        lab_saw(run)
    }
}
