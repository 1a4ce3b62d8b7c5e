//! Reply reader: bytes -> lines -> replies (RFC 5321 4.2).
//!
//! ```text
//! Reply-line     = *( Reply-code "-" [ textstring ] CRLF )
//!                  Reply-code [ SP textstring ] CRLF
//! Reply-code     = %x32-35 %x30-35 %x30-39
//! textstring     = 1*(%d09 / %d32-126)
//! ```
//!
//! The reader is incremental (push bytes as they arrive, pull whole replies out) and bounded:
//! it never buffers more than the limits allow and never panics, whatever the input.

use serde::Serialize;

/// Bounds on what one reply may hold. Past any of them the reader stops with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line accepted, in octets, line ending included. RFC 5321 4.5.3.1.5 says 512;
    /// longer lines up to this bound are accepted and flagged with [`Anomaly::LineTooLong`].
    pub max_line_len: usize,
    /// Most lines in one multi-line reply.
    pub max_lines_per_reply: usize,
    /// Most octets in one reply, all lines together.
    pub max_reply_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_len: 4096,
            max_lines_per_reply: 256,
            max_reply_bytes: 64 * 1024,
        }
    }
}

/// The RFC 5321 4.5.3.1.5 limit on a reply line, CRLF included.
pub const RFC_MAX_REPLY_LINE: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineEnding {
    CrLf,
    /// A bare LF: not legal, but most clients accept it.
    BareLf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Separator {
    /// `-`: more lines follow.
    Hyphen,
    /// ` `: the last line.
    Space,
    /// Nothing after the code (`250` alone): legal, the last line.
    None,
    /// Some other octet after the code (`250STARTTLS`): malformed, taken as the last line.
    Other(u8),
}

/// One line of a reply, as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyLine {
    /// The three-digit code of this line.
    pub code: u16,
    pub separator: Separator,
    /// The octets after the separator, without the line ending. Raw: may hold any byte but LF.
    pub text: Vec<u8>,
    pub ending: LineEnding,
    /// Octets of the whole line as received, line ending included.
    pub raw_len: usize,
}

/// Something the reader tolerated but a strict peer might not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anomaly {
    /// Line `line` (0-based index in the reply) ended in LF without CR.
    BareLf { line: usize },
    /// Line `line` has a code other than the reply's first line.
    MixedCodes { line: usize, code: u16 },
    /// Line `line` is `len` octets, over RFC 5321's 512.
    LineTooLong { line: usize, len: usize },
    /// Line `line` holds bytes that are not UTF-8.
    NonUtf8 { line: usize },
    /// Line `line` holds control characters other than HTAB (including a stray CR).
    ControlChars { line: usize },
    /// Line `line` has an octet other than `-`, SP or the line end after the code.
    BadSeparator { line: usize, octet: u8 },
}

/// A complete reply: one or more lines, the last one with a non-`-` separator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The code of the first line; this is what the reply means.
    pub code: u16,
    pub lines: Vec<ReplyLine>,
    pub anomalies: Vec<Anomaly>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    #[error("reply line longer than {limit} octets")]
    LineTooLong { limit: usize },
    #[error("reply has more than {limit} lines")]
    TooManyLines { limit: usize },
    #[error("reply larger than {limit} octets")]
    ReplyTooLarge { limit: usize },
    /// The line does not start with a three-digit reply code.
    #[error("malformed reply line: {reason}")]
    Malformed { line: Vec<u8>, reason: &'static str },
    /// [`parse_reply`]: the input ended before the reply's last line.
    #[error("incomplete reply: the input ends before the reply's last line")]
    Incomplete,
    /// [`parse_reply`]: bytes follow the reply's last line.
    #[error("{len} octets after the end of the reply")]
    TrailingData { len: usize },
}

/// Incremental reply reader.
///
/// ```
/// use smtp_grammar::{Limits, ReplyReader};
/// let mut r = ReplyReader::new(Limits::default());
/// r.push(b"250-mx.example.com\r\n250 STARTTLS\r\n");
/// let reply = r.next_reply().unwrap().expect("complete");
/// assert_eq!(reply.code, 250);
/// assert_eq!(reply.lines.len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct ReplyReader {
    limits: Limits,
    /// Received bytes; `buf[head..]` is what [`ReplyReader::buffered`] returns.
    buf: Vec<u8>,
    /// Start of the reply in progress (everything before it was handed out).
    head: usize,
    /// Start of the line in progress.
    line_start: usize,
    /// Where the search for the next LF resumes (`>= line_start`).
    scan: usize,
    /// Complete lines of the reply in progress.
    lines: Vec<ReplyLine>,
    anomalies: Vec<Anomaly>,
    /// Octets of the complete lines of the reply in progress.
    reply_bytes: usize,
    /// Set once an error was returned: the reader is poisoned.
    error: Option<ReplyError>,
}

impl ReplyReader {
    pub fn new(limits: Limits) -> Self {
        ReplyReader {
            limits,
            buf: Vec::new(),
            head: 0,
            line_start: 0,
            scan: 0,
            lines: Vec::new(),
            anomalies: Vec::new(),
            reply_bytes: 0,
            error: None,
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Appends bytes received from the peer. Never fails; limits are checked by `next_reply`.
    /// Callers push at most one read's worth (a few KiB) before calling `next_reply`.
    /// Once the reader is poisoned, pushed bytes are dropped.
    pub fn push(&mut self, data: &[u8]) {
        if self.error.is_some() || data.is_empty() {
            return;
        }
        if self.head > 0 {
            // Compact: drop the replies already handed out, once per push (linear overall).
            self.buf.drain(..self.head);
            self.line_start = self.line_start.saturating_sub(self.head);
            self.scan = self.scan.saturating_sub(self.head);
            self.head = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Takes the next complete reply out of the buffer, `Ok(None)` when more bytes are needed.
    /// After an error the reader is poisoned: every later call returns the same error.
    pub fn next_reply(&mut self) -> Result<Option<Reply>, ReplyError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        match self.advance() {
            Ok(r) => Ok(r),
            Err(e) => {
                self.error = Some(e.clone());
                Err(e)
            }
        }
    }

    fn advance(&mut self) -> Result<Option<Reply>, ReplyError> {
        loop {
            let rest = self.buf.get(self.scan..).unwrap_or(&[]);
            let Some(pos) = rest.iter().position(|&b| b == b'\n') else {
                self.scan = self.buf.len();
                // The line in progress will be at least one octet (its LF) longer.
                let min_len = (self.buf.len() - self.line_start).saturating_add(1);
                if self.buf.len() > self.line_start {
                    check_code_prefix(self.buf.get(self.line_start..).unwrap_or(&[]))?;
                    self.check_size(min_len)?;
                }
                return Ok(None);
            };
            let end = self.scan + pos + 1;
            let raw_len = end - self.line_start;
            // The same order as for a line still in progress, so the error does not depend on
            // how the input was split.
            let before_lf = self.buf.get(self.line_start..end - 1).unwrap_or(&[]);
            check_code_prefix(before_lf)?;
            self.check_size(raw_len)?;
            let raw = self.buf.get(self.line_start..end).unwrap_or(&[]);
            let index = self.lines.len();
            let (line, anomalies) = parse_line(raw, index)?;
            self.line_start = end;
            self.scan = end;
            self.reply_bytes += raw_len;
            if let Some(first) = self.lines.first() {
                if first.code != line.code {
                    self.anomalies.push(Anomaly::MixedCodes {
                        line: index,
                        code: line.code,
                    });
                }
            }
            self.anomalies.extend(anomalies);
            let last = line.separator != Separator::Hyphen;
            self.lines.push(line);
            let n = self.lines.len();
            if n > self.limits.max_lines_per_reply
                || (!last && n >= self.limits.max_lines_per_reply)
            {
                return Err(ReplyError::TooManyLines {
                    limit: self.limits.max_lines_per_reply,
                });
            }
            if last {
                let lines = std::mem::take(&mut self.lines);
                let anomalies = std::mem::take(&mut self.anomalies);
                let code = lines.first().map_or(0, |l| l.code);
                self.head = end;
                self.reply_bytes = 0;
                return Ok(Some(Reply {
                    code,
                    lines,
                    anomalies,
                }));
            }
        }
    }

    /// Checks the limits for the line in progress, known to be at least `len` octets long.
    ///
    /// The error is the one whose limit a byte-by-byte feed would have crossed first, so the
    /// outcome does not depend on how the input was split into pushes.
    fn check_size(&self, len: usize) -> Result<(), ReplyError> {
        // Smallest line length at which each limit is crossed.
        let line_at = self.limits.max_line_len.saturating_add(1);
        let reply_at = self
            .limits
            .max_reply_bytes
            .saturating_sub(self.reply_bytes)
            .saturating_add(1);
        if len >= line_at && line_at <= reply_at {
            Err(ReplyError::LineTooLong {
                limit: self.limits.max_line_len,
            })
        } else if len >= reply_at {
            Err(ReplyError::ReplyTooLarge {
                limit: self.limits.max_reply_bytes,
            })
        } else {
            Ok(())
        }
    }

    /// Bytes received but not yet part of a complete reply. At the STARTTLS boundary this must
    /// be empty: anything here arrived in plaintext after the 220 (response injection).
    pub fn buffered(&self) -> &[u8] {
        self.buf.get(self.head..).unwrap_or(&[])
    }

    /// Drops everything buffered (lines of a reply in progress included). A poisoned reader
    /// stays poisoned.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.head = 0;
        self.line_start = 0;
        self.scan = 0;
        self.lines.clear();
        self.anomalies.clear();
        self.reply_bytes = 0;
    }
}

/// Longest prefix of a malformed line kept in [`ReplyError::Malformed`].
const MAX_ERROR_LINE: usize = RFC_MAX_REPLY_LINE;

fn malformed(content: &[u8], reason: &'static str) -> ReplyError {
    ReplyError::Malformed {
        line: content.iter().take(MAX_ERROR_LINE).copied().collect(),
        reason,
    }
}

/// A line in progress whose first octets cannot begin a reply code is malformed now: waiting
/// for its LF would only let a server that speaks something else (SSH, TLS, noise) run the
/// probe into its timeout. The reasons are those `parse_line` gives for the whole line.
fn check_code_prefix(partial: &[u8]) -> Result<(), ReplyError> {
    for (i, &b) in partial.iter().take(3).enumerate() {
        if i == 0 && b.is_ascii_digit() && !(b'2'..=b'5').contains(&b) {
            return Err(malformed(
                partial,
                "reply code does not start with 2, 3, 4 or 5",
            ));
        }
        // A CR may still turn out to end an empty line: leave that to `parse_line`.
        let last_cr = b == b'\r' && i + 1 == partial.len();
        if !(b.is_ascii_digit() || last_cr) {
            return Err(malformed(
                partial,
                "line does not start with a three-digit reply code",
            ));
        }
    }
    Ok(())
}

/// Parses one line, `raw` ending in LF.
fn parse_line(raw: &[u8], index: usize) -> Result<(ReplyLine, Vec<Anomaly>), ReplyError> {
    let mut anomalies = Vec::new();
    let without_lf = raw.strip_suffix(b"\n").unwrap_or(raw);
    let (content, ending) = match without_lf.strip_suffix(b"\r") {
        Some(c) => (c, LineEnding::CrLf),
        None => {
            anomalies.push(Anomaly::BareLf { line: index });
            (without_lf, LineEnding::BareLf)
        }
    };
    let code = match content {
        [] => return Err(malformed(content, "empty line")),
        [a, b, c, ..] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
            if !(b'2'..=b'5').contains(a) {
                return Err(malformed(
                    content,
                    "reply code does not start with 2, 3, 4 or 5",
                ));
            }
            u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
        }
        _ => {
            return Err(malformed(
                content,
                "line does not start with a three-digit reply code",
            ))
        }
    };
    let after = content.get(3..).unwrap_or(&[]);
    let (separator, text) = match after.split_first() {
        None => (Separator::None, &[][..]),
        Some((b'-', t)) => (Separator::Hyphen, t),
        Some((b' ', t)) => (Separator::Space, t),
        Some((&o, _)) => {
            anomalies.push(Anomaly::BadSeparator {
                line: index,
                octet: o,
            });
            (Separator::Other(o), after)
        }
    };
    if raw.len() > RFC_MAX_REPLY_LINE {
        anomalies.push(Anomaly::LineTooLong {
            line: index,
            len: raw.len(),
        });
    }
    if std::str::from_utf8(text).is_err() {
        anomalies.push(Anomaly::NonUtf8 { line: index });
    }
    if text.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        anomalies.push(Anomaly::ControlChars { line: index });
    }
    Ok((
        ReplyLine {
            code,
            separator,
            text: text.to_vec(),
            ending,
            raw_len: raw.len(),
        },
        anomalies,
    ))
}

/// Parses a whole byte string as exactly one reply: trailing bytes after the last line, or an
/// incomplete reply, are an error. Convenience for tests and for `parse`.
pub fn parse_reply(input: &[u8], limits: Limits) -> Result<Reply, ReplyError> {
    let mut reader = ReplyReader::new(limits);
    reader.push(input);
    match reader.next_reply()? {
        None => Err(ReplyError::Incomplete),
        Some(reply) => match reader.buffered().len() {
            0 => Ok(reply),
            len => Err(ReplyError::TrailingData { len }),
        },
    }
}

impl Reply {
    /// Text of line `i` as lossy UTF-8 (for display only; use [`crate::escape_bytes`] for terminals).
    /// Empty when there is no line `i`.
    pub fn text_lossy(&self, i: usize) -> String {
        self.lines
            .get(i)
            .map(|l| String::from_utf8_lossy(&l.text).into_owned())
            .unwrap_or_default()
    }
    pub fn is_positive(&self) -> bool {
        (200..400).contains(&self.code)
    }
}
