//! Running one client process: a deadline, bounded output, and the version probes.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a client process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    Code(i32),
    /// Killed by a signal other than ours.
    Signal,
    /// Still running at the deadline: killed by the lab.
    Deadline,
}

/// A finished client process.
#[derive(Debug, Clone)]
pub(crate) struct ClientRun {
    pub(crate) exit: Exit,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) elapsed: Duration,
}

impl ClientRun {
    /// stdout and stderr together, for matching the client's words.
    pub(crate) fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// A run that could not start.
    pub(crate) fn failed(why: String) -> Self {
        ClientRun {
            exit: Exit::Code(-1),
            stdout: String::new(),
            stderr: why,
            elapsed: Duration::ZERO,
        }
    }
}

/// Spawns `cmd` in its own process group (no terminal signals reach it), collects its output,
/// kills it at `deadline`.
pub(crate) fn spawn(mut cmd: Command, deadline: Duration) -> ClientRun {
    let start = Instant::now();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return ClientRun::failed(format!("cannot start {cmd:?}: {e}")),
    };
    let out = reader(child.stdout.take());
    let err = reader(child.stderr.take());
    let exit = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code().map_or(Exit::Signal, Exit::Code),
            Ok(None) if start.elapsed() >= deadline => {
                // Only the process we started: drivers exec their client, and testssl.sh's
                // openssl children end at its own --openssl-timeout.
                let _ = child.kill();
                let _ = child.wait();
                break Exit::Deadline;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break Exit::Signal,
        }
    };
    ClientRun {
        exit,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        elapsed: start.elapsed(),
    }
}

fn reader<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            // Bounded: a client stuck in a loop must not fill memory.
            let _ = p.by_ref().take(1 << 20).read_to_end(&mut buf);
            let _ = std::io::copy(&mut p, &mut std::io::sink());
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// `program args...`'s first output line that contains `needle` (its version), or why not.
pub(crate) fn version_line(program: &str, args: &[&str], needle: &str) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("`{program}` not found ({e})"))?;
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find(|l| l.contains(needle))
        .map(|l| l.trim().to_string())
        .ok_or_else(|| format!("`{program} {}` printed no version", args.join(" ")))
}

/// The installed version of a Debian package, or why not.
pub(crate) fn deb_version(package: &str) -> Result<String, String> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Status} ${Version}", package])
        .output()
        .map_err(|e| format!("dpkg-query: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.strip_prefix("install ok installed ")
        .map(str::to_string)
        .ok_or_else(|| format!("Debian package `{package}` is not installed"))
}
