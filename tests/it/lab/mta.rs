//! What the MTA adapters share: each MTA is driven by `tests/support/<mta>.sh deliver DIR
//! PORT`, which runs it from a private folder with a private config (Exim, Sendmail and
//! OpenSMTPD unpacked from their Debian packages by .ci/install.d/40-lab-mtas.sh, since they
//! conflict with postfix), delivers one message to the lab's server and prints the MTA's own
//! log. The scripts need root (private configs, a private mount namespace for the resolver).

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::{repo, Target};

/// Where .ci/install.d/40-lab-mtas.sh unpacks the MTAs (`LAB_MTA_ROOT` overrides it).
pub(crate) fn root() -> PathBuf {
    std::env::var_os("LAB_MTA_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/smtp-tls-check/lab-mtas"))
}

/// `bash tests/support/<script> deliver <work>/mta <port>`. The scripts speak to 127.0.0.1
/// only, which is where the lab's server listens.
pub(crate) fn deliver(script: &str, t: &Target) -> Command {
    // The MTAs' unprivileged processes (postfix, Debian-exim, opensmtpq) open files under the
    // run's directory by path: the 0700 temp dir must be searchable by them.
    let _ = std::fs::set_permissions(&t.work, std::fs::Permissions::from_mode(0o711));
    let mut c = Command::new("bash");
    c.arg(repo().join("tests/support").join(script))
        .arg("deliver")
        .arg(t.work.join("mta"))
        .arg(t.port.to_string())
        .env("LAB_MTA_ROOT", root());
    c
}

/// Root, or why the MTAs cannot run.
fn need_root() -> Result<(), String> {
    let out = Command::new("id")
        .arg("-u")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("id -u: {e}"))?;
    if String::from_utf8_lossy(&out.stdout).trim() == "0" {
        Ok(())
    } else {
        Err("needs root (private MTA configs and a private mount namespace)".into())
    }
}

/// Root, and a private mount namespace can be made (every MTA run happens in one), or why not.
pub(crate) fn need_root_and_namespace() -> Result<(), String> {
    need_root()?;
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "true"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("unshare (util-linux): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cannot make a private mount namespace: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The unpacked binary `rel` under the MTA's folder, or why it is missing.
pub(crate) fn unpacked(mta: &str, rel: &str) -> Result<PathBuf, String> {
    let path = root().join(mta).join(rel);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} not found (run .ci/install.d/40-lab-mtas.sh)",
            path.display()
        ))
    }
}

/// "<package> <version>" as the install script recorded it when it unpacked the package.
pub(crate) fn package(mta: &str, package: &str) -> Result<String, String> {
    let path = root().join(mta).join(format!("PACKAGE.{package}"));
    std::fs::read_to_string(&path)
        .map(|s| s.trim().to_string())
        .map_err(|e| format!("{}: {e} (run .ci/install.d/40-lab-mtas.sh)", path.display()))
}

/// The user `name` exists (the MTAs look theirs up by name).
pub(crate) fn need_user(name: &str) -> Result<(), String> {
    let ok = Command::new("getent")
        .args(["passwd", name])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "user {name} missing (run .ci/install.d/40-lab-mtas.sh)"
        ))
    }
}
