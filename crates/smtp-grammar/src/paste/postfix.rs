//! Postfix: posttls-finger's output (`posttls-finger: < 250-STARTTLS`) and the mail log of the
//! smtp client and of smtpd with verbose or debug_peer logging
//! (`postfix/smtp[123]: < mx.example.net[192.0.2.1]:25: 250-STARTTLS`).

use super::util::{after, contains, find, trim};
use super::{Family, Line, Piece};

pub(crate) const FINGER: Family = Family {
    id: "posttls-finger",
    name: "posttls-finger",
    detect: |lines| super::util::count(lines, |l| l.starts_with(b"posttls-finger: ")),
    read: read_finger,
    refuse: None,
};

pub(crate) const LOG: Family = Family {
    id: "postfix-log",
    name: "Postfix mail log",
    detect: |lines| super::util::count(lines, |l| log_text(l).is_some()),
    read: read_log,
    refuse: None,
};

fn tls_event(s: &[u8]) -> bool {
    contains(s, b"TLS connection established") || contains(s, b"setting up TLS connection")
}

fn read_finger(lines: &[Line], _notes: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    for line in lines {
        let Some(rest) = line.text.strip_prefix(b"posttls-finger: ") else {
            out.push(Piece::text(line.no, &line.text, false));
            continue;
        };
        if let Some(t) = rest
            .strip_prefix(b"< ")
            .or_else(|| rest.strip_prefix(b"> "))
        {
            out.push(Piece::text(line.no, t, false));
        } else if rest.starts_with(b"Connected to ") {
            out.push(Piece::session(line.no));
        } else if tls_event(rest) {
            out.push(Piece::tls(line.no));
        } else {
            out.push(Piece::text(line.no, &[], false));
        }
    }
    out
}

/// The SMTP text of a Postfix log line with an arrow, or `Tls`/`Session` markers.
enum LogLine<'a> {
    Text(&'a [u8]),
    Tls,
    Session,
    Other,
}

fn log_text(l: &[u8]) -> Option<LogLine<'_>> {
    let p = find(l, b"postfix")?;
    let rest = l.get(p..)?;
    let daemon = ["/smtp[", "/smtpd[", "/lmtp[", "/postscreen["]
        .iter()
        .any(|d| contains(rest, d.as_bytes()));
    if !daemon {
        return None;
    }
    let msg = after(rest, b"]: ")?;
    // A queue id may come first: `4F1A2B3C4D: `.
    let msg = match find(msg, b": ") {
        Some(q)
            if q <= 16
                && msg
                    .get(..q)
                    .is_some_and(|id| id.iter().all(u8::is_ascii_alphanumeric)) =>
        {
            msg.get(q + 2..)?
        }
        _ => msg,
    };
    if let Some(t) = msg.strip_prefix(b"< ").or_else(|| msg.strip_prefix(b"> ")) {
        // `mx.example.net[192.0.2.1]:25: 250-...` or `unknown[192.0.2.1]: 250-...`.
        let close = find(t, b"]")?;
        let tail = t.get(close + 1..)?;
        let tail = match tail.strip_prefix(b":") {
            Some(port) if port.first().is_some_and(u8::is_ascii_digit) => {
                let d = port.iter().take_while(|b| b.is_ascii_digit()).count();
                port.get(d..)?
            }
            _ => tail,
        };
        return Some(LogLine::Text(tail.strip_prefix(b": ")?));
    }
    if tls_event(msg) {
        return Some(LogLine::Tls);
    }
    if msg.starts_with(b"connect to ") || msg.starts_with(b"connect from ") {
        return Some(LogLine::Session);
    }
    Some(LogLine::Other)
}

fn read_log(lines: &[Line], _notes: &mut Vec<String>) -> Vec<Piece> {
    lines
        .iter()
        .map(|line| match log_text(&line.text) {
            Some(LogLine::Text(t)) => Piece::text(line.no, t, false),
            Some(LogLine::Tls) => Piece::tls(line.no),
            Some(LogLine::Session) => Piece::session(line.no),
            Some(LogLine::Other) => Piece::text(line.no, &[], false),
            None => Piece::text(line.no, trim(&line.text), false),
        })
        .collect()
}
