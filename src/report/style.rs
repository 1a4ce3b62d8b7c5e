use crate::model::{Severity, Verdict};

/// Colours for the human report. Decided once by the CLI (terminal, `NO_COLOR`, `--color`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
    pub fn red(&self, text: &str) -> String {
        self.paint("1;31", text)
    }
    pub fn yellow(&self, text: &str) -> String {
        self.paint("1;33", text)
    }
    pub fn green(&self, text: &str) -> String {
        self.paint("1;32", text)
    }
    pub fn cyan(&self, text: &str) -> String {
        self.paint("36", text)
    }

    /// The verdict as the first word of a report line.
    pub fn verdict(&self, v: Verdict) -> String {
        match v {
            Verdict::Ok => self.green("OK"),
            Verdict::Warning => self.yellow("WARNING"),
            Verdict::Fail => self.red("FAIL"),
            Verdict::Error => self.red("ERROR"),
        }
    }

    /// A severity, padded to one width.
    pub fn severity(&self, s: Severity) -> String {
        let text = format!("{:<7}", s.as_str());
        match s {
            Severity::Info => self.cyan(&text),
            Severity::Warning => self.yellow(&text),
            Severity::Error => self.red(&text),
        }
    }
}
