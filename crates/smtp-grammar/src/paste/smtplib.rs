//! Python smtplib with `set_debuglevel(1)` (`reply: b'250-STARTTLS\r\n'`, `send: 'ehlo x\r\n'`)
//! or `set_debuglevel(2)` (the same with a time stamp first). The byte strings are Python
//! literals, so the server's line ends and trailing white space are kept.

use super::util::{after, find, trim, unescape};
use super::{Family, Line, Piece};

pub(crate) const FAMILY: Family = Family {
    id: "python-smtplib",
    name: "Python smtplib debug output",
    detect: |lines| super::util::count(lines, |l| entry(l).is_some()),
    read,
    refuse: None,
};

enum Entry<'a> {
    /// `reply: b'...'`: the server's line, as a Python literal.
    Reply(&'a [u8]),
    /// `send: '...'` or `send: b'...'`.
    Send(&'a [u8]),
    /// `reply: retcode (250); Msg: b'...'`: smtplib's summary, lines joined.
    Summary,
}

/// The inside of a Python string literal `b'...'`, `'...'` or `b"..."`.
fn literal(s: &[u8]) -> Option<&[u8]> {
    let s = trim(s);
    let s = s.strip_prefix(b"b").unwrap_or(s);
    let q = *s.first()?;
    if q != b'\'' && q != b'"' {
        return None;
    }
    let inner = s.get(1..)?;
    let end = inner.iter().rposition(|&b| b == q)?;
    inner.get(..end)
}

fn entry(l: &[u8]) -> Option<Entry<'_>> {
    if let Some(r) = after(l, b"reply: ") {
        if r.starts_with(b"retcode (") {
            return Some(Entry::Summary);
        }
        return literal(r).map(Entry::Reply);
    }
    let p = find(l, b"send: ")?;
    // Only at the start or after smtplib's time stamp (`16:27:53.123456 send: ...`).
    let before = l.get(..p)?;
    if !before
        .iter()
        .all(|b| b.is_ascii_digit() || b":. ".contains(b))
    {
        return None;
    }
    literal(l.get(p + 6..)?).map(Entry::Send)
}

fn read(lines: &[Line], notes: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut summaries = Vec::new();
    for line in lines {
        match entry(&line.text) {
            Some(Entry::Reply(t)) => out.push(Piece::text(line.no, &unescape(t), true)),
            Some(Entry::Send(t)) => out.push(Piece::text(line.no, &unescape(t), false)),
            Some(Entry::Summary) => {
                summaries.push(line.no);
                out.push(Piece::text(line.no, &[], false));
            }
            None => out.push(Piece::text(line.no, trim(&line.text), false)),
        }
    }
    if !summaries.is_empty() {
        notes.push(format!(
            "skipped smtplib's `reply: retcode` summaries (lines {}): they repeat the reply with its codes removed",
            super::util::ranges(&summaries, 8)
        ));
    }
    out
}
