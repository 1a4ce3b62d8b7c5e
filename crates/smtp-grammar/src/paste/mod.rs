//! Reads what people paste: tool output, MTA logs, mail-client logs, tickets.
//!
//! Three stages, each pure code:
//! 1. [`decode`]: bytes -> lines (UTF-16, BOMs, ANSI colour codes, NBSP, Markdown, `> ` quoting).
//! 2. A format family (one file each) recognises its own line shape and turns each line into a
//!    [`Piece`]: SMTP text (with the real bytes where the format keeps them), a session start,
//!    the start of TLS, or nothing.
//! 3. [`select`]: the first plaintext EHLO reply of the first session, or why there is none.
//!
//! Every assumption made on the way is written to [`Paste::notes`]; nothing is dropped silently.

mod curl;
mod decode;
mod exchange;
mod exim;
mod generic;
mod hexdump;
mod msmtp;
mod openssl;
mod own;
mod phpmailer;
mod postfix;
mod refuse;
mod select;
mod smtplib;
mod socat;
mod swaks;
mod thunderbird;

use crate::reply::{Limits, Reply, ReplyError};

pub use decode::Line;

/// One pasted line after a format has read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    /// 1-based line number in the paste (after decoding).
    pub no: usize,
    pub kind: PieceKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PieceKind {
    /// SMTP text with the format's prefix removed. `exact`: the format keeps the bytes, so
    /// `text` ends with the line's real ending (CRLF or LF, or none if the capture stopped
    /// mid-line) and keeps trailing white space; otherwise both are lost.
    Text { text: Vec<u8>, exact: bool },
    /// A new connection starts here.
    Session,
    /// From here on the conversation is inside TLS.
    Tls,
}

impl Piece {
    pub(crate) fn text(no: usize, text: &[u8], exact: bool) -> Piece {
        Piece {
            no,
            kind: PieceKind::Text {
                text: text.to_vec(),
                exact,
            },
        }
    }
    pub(crate) fn session(no: usize) -> Piece {
        Piece {
            no,
            kind: PieceKind::Session,
        }
    }
    pub(crate) fn tls(no: usize) -> Piece {
        Piece {
            no,
            kind: PieceKind::Tls,
        }
    }
}

/// Says why a family's pieces cannot support a verdict at all.
pub(crate) type Refuse = fn(&[Piece]) -> Option<String>;

/// A family of pastes: how to recognise it and how to read it.
pub(crate) struct Family {
    /// Stable id, shown in JSON as `input.format`.
    pub id: &'static str,
    /// What a person calls it.
    pub name: &'static str,
    /// How many lines carry this family's signature (0: not this family).
    pub detect: fn(&[Line]) -> usize,
    /// The pieces of every line this family understands; notes for what it assumed.
    pub read: fn(&[Line], &mut Vec<String>) -> Vec<Piece>,
    /// Why the paste cannot hold a verdict, whatever its lines say (e.g. a format that joins
    /// the lines of a reply).
    pub refuse: Option<Refuse>,
}

/// Known families, most specific first; ties go to the earlier one. `generic` is the fallback.
const FAMILIES: &[&Family] = &[
    &own::FAMILY,
    &postfix::FINGER,
    &postfix::LOG,
    &exim::FAMILY,
    &exchange::FAMILY,
    &phpmailer::FAMILY,
    &thunderbird::FAMILY,
    &smtplib::FAMILY,
    &socat::FAMILY,
    &hexdump::DOTNET,
    &openssl::FAMILY,
    &swaks::FAMILY,
    &msmtp::FAMILY,
    &curl::FAMILY,
];

/// Why a paste cannot be diagnosed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasteError {
    #[error("no EHLO reply found (expected lines such as `250-mail.example.com`)")]
    NoEhloReply,
    #[error("the EHLO reply in the paste is incomplete: its last line (paste line {line}) starts `250-`")]
    Incomplete { line: usize },
    /// The paste shows only part of the conversation: what is missing and how to capture it.
    #[error("this paste does not contain the plaintext EHLO reply: {why}")]
    NoPlaintextReply { why: String },
    #[error(transparent)]
    Reply(#[from] ReplyError),
}

/// Where the reply came from and what was assumed to find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub banner: Option<Reply>,
    /// The client's EHLO command as pasted.
    pub ehlo_command: Option<String>,
    pub ehlo_reply: Reply,
    /// 1-based paste line numbers of each reply line.
    pub reply_lines: Vec<usize>,
    /// True when the format kept every reply line's bytes (line ends, trailing white space).
    pub bytes_kept: bool,
}

/// What reading a paste gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paste {
    /// Family id (`postfix-log`, `swaks`, ..., `generic`).
    pub format: &'static str,
    /// Family name for people.
    pub format_name: &'static str,
    /// Every assumption, in order.
    pub notes: Vec<String>,
    pub outcome: Result<Found, PasteError>,
}

/// Most lines a paste is read as; 1 MiB of single octets is already past any real paste.
const MAX_LINES: usize = 200_000;

/// Reads a paste: decodes it, detects its format, picks the first plaintext EHLO reply.
pub fn read_paste(input: &[u8], limits: Limits) -> Paste {
    let mut notes = Vec::new();
    let mut lines = decode::decode(input, &mut notes);
    if lines.len() > MAX_LINES {
        notes.push(format!(
            "the paste has {} lines; only the first {MAX_LINES} were read",
            lines.len()
        ));
        lines.truncate(MAX_LINES);
    }
    let (family, score) = FAMILIES.iter().map(|f| (*f, (f.detect)(&lines))).fold(
        (&generic::FAMILY, 0),
        |best, cur| {
            if cur.1 > best.1 {
                cur
            } else {
                best
            }
        },
    );
    if score > 0 {
        notes.push(format!(
            "format: {} ({score} of {} lines carry its signature)",
            family.name,
            lines.len()
        ));
    } else {
        notes.push("format: no known tool or log; read as a plain SMTP conversation".to_string());
    }
    let pieces = (family.read)(&lines, &mut notes);
    let refused = family.refuse.and_then(|r| r(&pieces));
    let outcome = match refused {
        Some(why) => Err(PasteError::NoPlaintextReply { why }),
        None => select::select(&pieces, family.id, limits, &mut notes),
    };
    Paste {
        format: family.id,
        format_name: family.name,
        notes,
        outcome,
    }
}

/// Helpers shared by the families.
pub(crate) mod util {
    pub(crate) fn is_ws(b: &u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
    }

    pub(crate) fn trim_start(s: &[u8]) -> &[u8] {
        let start = s.iter().position(|b| !is_ws(b)).unwrap_or(s.len());
        s.get(start..).unwrap_or(&[])
    }

    pub(crate) fn trim_end(s: &[u8]) -> &[u8] {
        let end = s.iter().rposition(|b| !is_ws(b)).map_or(0, |p| p + 1);
        s.get(..end).unwrap_or(&[])
    }

    pub(crate) fn trim(s: &[u8]) -> &[u8] {
        trim_end(trim_start(s))
    }

    /// Position of `needle` in `hay`.
    pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        if needle.is_empty() {
            return Some(0);
        }
        hay.windows(needle.len()).position(|w| w == needle)
    }

    pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
        find(hay, needle).is_some()
    }

    /// The text after the first `needle`.
    pub(crate) fn after<'a>(hay: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
        find(hay, needle).and_then(|p| hay.get(p + needle.len()..))
    }

    /// `250-`, `250 ` or `250` alone at the start: an SMTP reply line.
    pub(crate) fn is_reply_line(s: &[u8]) -> bool {
        s.len() >= 3
            && s.iter().take(3).all(u8::is_ascii_digit)
            && matches!(s.first(), Some(b'2'..=b'5'))
            && !s.get(3).is_some_and(u8::is_ascii_digit)
    }

    /// Counts lines for which `f` holds.
    pub(crate) fn count(lines: &[super::Line], f: impl Fn(&[u8]) -> bool) -> usize {
        lines.iter().filter(|l| f(&l.text)).count()
    }

    /// Compact line ranges for notes: `3-5, 9`; at most `max` ranges, then `...`.
    pub(crate) fn ranges(nos: &[usize], max: usize) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut i = 0;
        while i < nos.len() {
            let start = nos[i];
            if out.last().is_some() && i > 0 && nos[i - 1] == start {
                i += 1;
                continue;
            }
            let mut end = start;
            while i + 1 < nos.len() && (nos[i + 1] == end + 1 || nos[i + 1] == end) {
                i += 1;
                end = nos[i];
            }
            if out.len() == max {
                out.push("...".to_string());
                break;
            }
            out.push(if start == end {
                start.to_string()
            } else {
                format!("{start}-{end}")
            });
            i += 1;
        }
        out.join(", ")
    }

    /// Undoes backslash escapes as Python's `repr`, socat -v and this tool's own transcript
    /// write them: `\r`, `\n`, `\t`, `\\`, `\'`, `\"`, `\xNN`, `\u{XXXX}`.
    pub(crate) fn unescape(s: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            let b = s.get(i).copied().unwrap_or(0);
            if b != b'\\' {
                out.push(b);
                i += 1;
                continue;
            }
            let next = s.get(i + 1).copied();
            let simple = match next {
                Some(b'r') => Some(b'\r'),
                Some(b'n') => Some(b'\n'),
                Some(b't') => Some(b'\t'),
                Some(b'\\') => Some(b'\\'),
                Some(b'\'') => Some(b'\''),
                Some(b'"') => Some(b'"'),
                _ => None,
            };
            if let Some(v) = simple {
                out.push(v);
                i += 2;
                continue;
            }
            if next == Some(b'x') {
                let hex = s
                    .get(i + 2..i + 4)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(v) = hex {
                    out.push(v);
                    i += 4;
                    continue;
                }
            }
            if next == Some(b'u') && s.get(i + 2) == Some(&b'{') {
                let end = s
                    .get(i + 3..)
                    .and_then(|t| t.iter().position(|&c| c == b'}'));
                let ch = end
                    .and_then(|e| s.get(i + 3..i + 3 + e))
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .and_then(char::from_u32);
                if let (Some(e), Some(c)) = (end, ch) {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    i += 4 + e;
                    continue;
                }
            }
            out.push(b);
            i += 1;
        }
        out
    }
}
