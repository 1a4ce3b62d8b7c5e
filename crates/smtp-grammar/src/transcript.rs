//! Finds the EHLO reply in what a support engineer pastes.
//!
//! Accepted input: a bare EHLO reply; or a whole conversation with client lines (`EHLO x`),
//! with or without prefixes (`S:`/`C:`, `<-`/`->`, `<<<`/`>>>`, `< `/`> `, swaks' `<~`/`~>`,
//! leading timestamps are not required), with trailing annotations (`<--- This is the ...`),
//! indentation, and CRLF or LF line ends.

use crate::reply::{parse_reply, Limits, Reply, ReplyError};

/// What was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The banner (220 reply), when the paste contains one before the EHLO reply.
    pub banner: Option<Reply>,
    /// The client's EHLO command line as pasted (`EHLO ESA.com`), when present.
    pub ehlo_command: Option<String>,
    /// The reply to EHLO, rebuilt with CRLF line ends from the cleaned lines.
    pub ehlo_reply: Reply,
    /// Whether the paste used bare LF line ends (a paste usually does: not a finding by itself).
    pub pasted_with_lf: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TranscriptError {
    #[error("no EHLO reply found (expected lines such as `250-mail.example.com`)")]
    NoEhloReply,
    #[error("the EHLO reply in the input is incomplete: its last line starts `250-`")]
    Incomplete,
    #[error(transparent)]
    Reply(#[from] ReplyError),
}

/// Extracts the reply to EHLO (the first multi- or single-line 250 reply after an `EHLO` client
/// line, or, without any client line, the first 250 reply) from pasted text.
///
/// Each pasted line is cleaned: indentation, a trailing annotation (white space then `<--` or
/// `<==` up to the end of the line), trailing white space and a direction prefix are removed.
/// Lines that then start with three digits are server lines; a line `EHLO ...` is the client's
/// command; every other line (wrapped annotations, other commands, prose) is ignored.
pub fn extract_ehlo_reply(input: &[u8], limits: Limits) -> Result<Extracted, TranscriptError> {
    let pasted_with_lf = input
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || input.get(i - 1) != Some(&b'\r')));
    let lines: Vec<Line<'_>> = input
        .split(|&b| b == b'\n')
        .map(|raw| classify(clean_line(raw.strip_suffix(b"\r").unwrap_or(raw))))
        .collect();

    let ehlo_index = lines.iter().position(|l| matches!(l, Line::Ehlo(_)));
    let ehlo_command = ehlo_index.and_then(|i| match lines.get(i) {
        Some(Line::Ehlo(cmd)) => Some(String::from_utf8_lossy(cmd).into_owned()),
        _ => None,
    });
    let start = ehlo_index.map_or(0, |i| i + 1);

    let mut banner: Option<Vec<&[u8]>> = None;
    let mut current: Vec<&[u8]> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        match line {
            Line::Ehlo(_) => current.clear(),
            Line::Other => {}
            Line::Server(text) => {
                current.push(text);
                if text.get(3) == Some(&b'-') {
                    continue;
                }
                let reply = std::mem::take(&mut current);
                let code = reply.first().and_then(|l| l.get(..3)).unwrap_or(&[]);
                if code == b"250" && i >= start {
                    let ehlo_reply = rebuild(&reply, limits)?;
                    let banner = banner.and_then(|b| rebuild(&b, limits).ok());
                    return Ok(Extracted {
                        banner,
                        ehlo_command,
                        ehlo_reply,
                        pasted_with_lf,
                    });
                }
                if code == b"220" {
                    banner = Some(reply);
                }
            }
        }
    }
    // `current` was reset at every EHLO line: what is left started after it.
    let in_progress = current
        .first()
        .and_then(|l| l.get(..3))
        .is_some_and(|c| c == b"250");
    if in_progress {
        Err(TranscriptError::Incomplete)
    } else {
        Err(TranscriptError::NoEhloReply)
    }
}

enum Line<'a> {
    /// The client's `EHLO ...` command (cleaned).
    Ehlo(&'a [u8]),
    /// A line starting with three digits.
    Server(&'a [u8]),
    Other,
}

fn classify(line: &[u8]) -> Line<'_> {
    if line.len() >= 3 && line.iter().take(3).all(u8::is_ascii_digit) {
        return Line::Server(line);
    }
    let verb = line.get(..4).unwrap_or(&[]);
    if verb.eq_ignore_ascii_case(b"EHLO") && matches!(line.get(4), None | Some(b' ' | b'\t')) {
        return Line::Ehlo(line);
    }
    Line::Other
}

fn is_ws(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

fn trim_start(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|b| !is_ws(b)).unwrap_or(s.len());
    s.get(start..).unwrap_or(&[])
}

fn trim_end(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|b| !is_ws(b)).map_or(0, |p| p + 1);
    s.get(..end).unwrap_or(&[])
}

/// Direction prefixes, longest first.
const PREFIXES: &[&[u8]] = &[
    b"<<<", b">>>", b"<~", b"~>", b"<-", b"->", b"S:", b"C:", b"s:", b"c:", b"< ", b"> ",
];

fn clean_line(line: &[u8]) -> &[u8] {
    let mut s = trim_start(line);
    // A trailing annotation: white space, then `<--`/`<==`, up to the end of the line.
    let annotation = s.windows(4).position(|w| {
        w.first().is_some_and(is_ws)
            && (w.get(1..) == Some(&b"<--"[..]) || w.get(1..) == Some(&b"<=="[..]))
    });
    if let Some(pos) = annotation {
        s = s.get(..pos).unwrap_or(s);
    }
    s = trim_end(s);
    if let Some(rest) = PREFIXES.iter().find_map(|p| s.strip_prefix(*p)) {
        s = trim_start(rest);
    }
    s
}

/// Rebuilds the cleaned lines of one reply with CRLF and parses them.
fn rebuild(lines: &[&[u8]], limits: Limits) -> Result<Reply, ReplyError> {
    let mut bytes = Vec::new();
    for l in lines {
        bytes.extend_from_slice(l);
        bytes.extend_from_slice(b"\r\n");
    }
    parse_reply(&bytes, limits)
}
