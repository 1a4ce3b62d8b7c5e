//! The careful fallback: a plain conversation, with or without direction arrows, timestamps or
//! a log prefix on each line, annotations, and literal `\r\n` escapes.
//!
//! A prefix before a reply code is only stripped when it is a direction arrow, when the same
//! prefix (digits aside) stands before several SMTP lines, or when the next line continues the
//! reply without it: a lone `I see 250 errors` is prose, not a reply.

use std::collections::HashMap;

use super::util::{find, is_reply_line, ranges, trim, trim_end, trim_start};
use super::{Family, Line, Piece};

pub(crate) const FAMILY: Family = Family {
    id: "generic",
    name: "plain SMTP conversation",
    detect: |_| 0,
    read,
    refuse: None,
};

/// Direction arrows and labels, longest first.
const ARROWS: &[&[u8]] = &[
    b"<<<", b">>>", b"<--", b"-->", b"<<", b">>", b"<~", b"~>", b"<-", b"->", b"S:", b"C:", b"s:",
    b"c:", b"SERVER:", b"CLIENT:", b"Server:", b"Client:", b"R:", b"<", b">",
];

/// A trailing annotation: white space, then `<--` or `<==`, up to the end of the line.
fn strip_annotation(s: &[u8]) -> &[u8] {
    let pos = s.windows(4).position(|w| {
        w.first().is_some_and(super::util::is_ws)
            && (w.get(1..) == Some(&b"<--"[..]) || w.get(1..) == Some(&b"<=="[..]))
    });
    match pos {
        Some(p) => trim_end(s.get(..p).unwrap_or(s)),
        None => s,
    }
}

fn strip_arrow(s: &[u8]) -> Option<&[u8]> {
    ARROWS
        .iter()
        .find_map(|a| s.strip_prefix(*a))
        .map(trim_start)
}

fn is_smtp(s: &[u8]) -> bool {
    is_reply_line(s) || is_client(s)
}

fn is_client(s: &[u8]) -> bool {
    let v = s.split(|b| b.is_ascii_whitespace()).next().unwrap_or(&[]);
    [
        &b"EHLO"[..],
        b"HELO",
        b"LHLO",
        b"STARTTLS",
        b"QUIT",
        b"MAIL",
        b"RCPT",
    ]
    .iter()
    .any(|c| v.eq_ignore_ascii_case(c))
}

/// Where SMTP text starts after a prefix: just after white space, `:` or `]`, at a reply code
/// or a command.
fn smtp_start(s: &[u8]) -> Option<usize> {
    (1..s.len()).find(|&i| {
        let prev = s.get(i - 1).copied().unwrap_or(b'x');
        matches!(prev, b' ' | b'\t' | b':' | b']' | b'"' | b'\'')
            && s.get(i..).is_some_and(|t| {
                (is_reply_line(t) && matches!(t.get(3), Some(b'-' | b' ') | None)) || is_client(t)
            })
    })
}

fn shape(prefix: &[u8]) -> Vec<u8> {
    trim(prefix)
        .iter()
        .map(|b| if b.is_ascii_digit() { b'0' } else { *b })
        .collect()
}

/// A line after the first cleaning: annotation and indentation gone.
fn cleaned(line: &Line) -> &[u8] {
    strip_annotation(trim(&line.text))
}

pub(crate) fn read(lines: &[Line], notes: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut literal = Vec::new();
    // Shapes of prefixes standing before SMTP text.
    let mut shapes: HashMap<Vec<u8>, usize> = HashMap::new();
    for line in lines {
        let s = cleaned(line);
        if let Some(p) = smtp_start(s) {
            *shapes.entry(shape(s.get(..p).unwrap_or(&[]))).or_default() += 1;
        }
    }
    let mut arrows = Vec::new();
    let mut prefixed = Vec::new();
    let mut joined = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let s = cleaned(line);
        if has_literal_breaks(s) {
            literal.push(line.no);
            split_literal(line.no, s, &mut out);
            continue;
        }
        if is_smtp(s) {
            let parts = split_joined(s);
            if parts.len() > 1 {
                joined.push(line.no);
            }
            for p in parts {
                out.push(Piece::text(line.no, p, false));
            }
            continue;
        }
        if let Some(rest) = strip_arrow(s) {
            if is_smtp(rest) || rest.is_empty() {
                arrows.push(line.no);
                out.push(Piece::text(line.no, rest, false));
                continue;
            }
        }
        if s.starts_with(b"Trying ") || s.starts_with(b"Connected to ") {
            if s.starts_with(b"Trying ") {
                out.push(Piece::session(line.no));
            }
            continue;
        }
        if let Some(p) = smtp_start(s) {
            let prefix = s.get(..p).unwrap_or(&[]);
            let rest = s.get(p..).unwrap_or(&[]);
            let arrowed = strip_arrow(trim(prefix).rsplit(|b| *b == b' ').next().unwrap_or(&[]))
                .is_some_and(<[u8]>::is_empty);
            let repeated = shapes.get(&shape(prefix)).copied().unwrap_or(0) >= 2;
            let code = rest.get(..3);
            // The first line of a reply whose later lines come bare (the seeds' paste with a
            // log prefix on line 1 only). Not a line in the middle of a reply: that one is
            // left unread, and the reader refuses the reply rather than diagnose it without.
            let starts_reply = i == 0
                || lines.get(i - 1).is_none_or(|prev| {
                    let p = cleaned(prev);
                    !(is_reply_line(p) && p.get(3) == Some(&b'-'))
                });
            let continued = starts_reply
                && lines.get(i + 1).is_some_and(|next| {
                    let n = cleaned(next);
                    is_reply_line(n) && n.get(..3) == code && rest.get(3) == Some(&b'-')
                });
            if arrowed || repeated || continued {
                prefixed.push(line.no);
                out.push(Piece::text(line.no, rest, false));
                continue;
            }
        }
        out.push(Piece::text(line.no, s, false));
    }
    if !arrows.is_empty() {
        notes.push(format!(
            "removed direction arrows or S:/C: labels on lines {}",
            ranges(&arrows, 8)
        ));
    }
    if !prefixed.is_empty() {
        notes.push(format!(
            "removed a prefix (timestamp, log or tool label) before the SMTP text on lines {}",
            ranges(&prefixed, 8)
        ));
    }
    if !joined.is_empty() {
        notes.push(format!(
            "line(s) {} hold several reply lines run together (pasted into one line): split again before each `<code>-`/`<code> ` that follows white space",
            ranges(&joined, 8)
        ));
    }
    if !literal.is_empty() {
        notes.push(format!(
            "split lines {} at literal `\\r\\n`/`\\n` escapes; their line ends are judged as written",
            ranges(&literal, 8)
        ));
    }
    out
}

/// `250-mx 250-PIPELINING 250 STARTTLS` (a reply pasted into one line): split before each
/// white space + the line's own code + `-` or SP.
fn split_joined(s: &[u8]) -> Vec<&[u8]> {
    let Some(code) = s.get(..3).filter(|_| is_reply_line(s)) else {
        return vec![s];
    };
    let mut cuts = vec![0];
    for i in 4..s.len() {
        let here = s.get(i - 1).is_some_and(|b| *b == b' ' || *b == b'\t')
            && s.get(i..i + 3) == Some(code)
            && matches!(s.get(i + 3), Some(b'-' | b' '))
            && cuts.last().is_some_and(|&c| s.get(c + 3) == Some(&b'-'));
        if here {
            cuts.push(i);
        }
    }
    cuts.push(s.len());
    cuts.windows(2)
        .filter_map(|w| s.get(*w.first()?..*w.get(1)?).map(trim))
        .collect()
}

fn has_literal_breaks(s: &[u8]) -> bool {
    let Some(p) = find(s, b"\\n") else {
        return false;
    };
    // Worth splitting only when SMTP text follows or precedes the escape.
    let before = s.get(..p).unwrap_or(&[]);
    is_reply_line(trim(before)) || smtp_start(s).is_some()
}

/// `250-a\r\n250 b\r\n` written out with backslashes: each part keeps its written line end.
fn split_literal(no: usize, s: &[u8], out: &mut Vec<Piece>) {
    let mut rest = s;
    // Text before the first reply code (a log prefix, a quote) is not SMTP.
    if let Some(p) = (0..rest.len()).find(|&i| {
        rest.get(i..).is_some_and(is_reply_line)
            && (i == 0 || !rest.get(i - 1).is_some_and(u8::is_ascii_alphanumeric))
    }) {
        rest = rest.get(p..).unwrap_or(&[]);
    }
    while !rest.is_empty() {
        let (part, ending, next) = match find(rest, b"\\n") {
            Some(p) => {
                let body = rest.get(..p).unwrap_or(&[]);
                let (body, ending): (&[u8], &[u8]) = match body.strip_suffix(b"\\r") {
                    Some(b) => (b, b"\r\n"),
                    None => (body, b"\n"),
                };
                (body, ending, rest.get(p + 2..).unwrap_or(&[]))
            }
            None => (rest, &b""[..], &b""[..]),
        };
        // A closing quote or bracket after the last escape belongs to the log, not the server.
        let part_trimmed = trim_start(part);
        if !part_trimmed.is_empty() && (is_smtp(part_trimmed) || !ending.is_empty()) {
            let mut text = part_trimmed.to_vec();
            text.extend_from_slice(ending);
            out.push(Piece::text(no, &text, !ending.is_empty()));
        }
        rest = next;
    }
}
