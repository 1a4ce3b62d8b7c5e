//! Running the binary with its stdin or stdout on a pseudo-terminal, as a person would.

use std::fs::File;
use std::io::Read;
use std::process::{Command, Stdio};

use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use rustix::termios::{tcsetwinsize, Winsize};

/// A pseudo-terminal: the controller side for the test, the terminal side for the child.
pub(crate) struct Pty {
    controller: File,
    terminal: File,
}

impl Pty {
    pub(crate) fn new(cols: u16) -> Self {
        let controller = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
        grantpt(&controller).expect("grantpt");
        unlockpt(&controller).expect("unlockpt");
        let name = ptsname(&controller, Vec::new()).expect("ptsname");
        let terminal = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name.to_str().expect("pty name"))
            .expect("open pty");
        tcsetwinsize(
            &terminal,
            Winsize {
                ws_row: 50,
                ws_col: cols,
                ws_xpixel: 0,
                ws_ypixel: 0,
            },
        )
        .expect("set the terminal's width");
        Pty {
            controller: File::from(controller),
            terminal,
        }
    }

    pub(crate) fn stdio(&self) -> Stdio {
        Stdio::from(self.terminal.try_clone().expect("dup pty"))
    }

    /// What appeared on the terminal until every terminal-side descriptor is closed.
    fn read_to_end(mut controller: File) -> String {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        // EIO once the last terminal-side descriptor is closed: that is the end.
        while let Ok(n) = controller.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&out).replace("\r\n", "\n")
    }
}

/// The binary with stdout and stderr on a terminal `cols` wide, and stdin on it too when
/// `typed` is given (sent as typed, so end it with Ctrl-D, `\x04`). Returns the exit code and
/// what appeared on the terminal (the typed text echoed included).
pub(crate) fn run_on_terminal(args: &[&str], cols: u16, typed: Option<&[u8]>) -> (i32, String) {
    let pty = Pty::new(cols);
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("smtp-tls-check"));
    cmd.args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "xterm")
        .stdout(pty.stdio())
        .stderr(pty.stdio())
        .stdin(if typed.is_some() {
            pty.stdio()
        } else {
            Stdio::null()
        });
    let mut child = cmd.spawn().expect("spawn");
    // Only the child may hold the terminal side now, so reading ends when the child exits.
    drop(cmd);
    let Pty {
        mut controller,
        terminal,
    } = pty;
    drop(terminal);
    if let Some(input) = typed {
        use std::io::Write;
        controller.write_all(input).expect("type");
    }
    let text = Pty::read_to_end(controller);
    let status = child.wait().expect("wait");
    (status.code().unwrap_or(-1), text)
}
