//! Exchange SMTP protocol logs (`SmtpSend`/`SmtpReceive`), as CSV or pasted from Excel as
//! tab-separated: `date-time,connector-id,session-id,sequence-number,local-endpoint,
//! remote-endpoint,event,data,context`. Event `<`/`>` rows carry one SMTP line in `data`; `+`
//! opens a session. The receive log writes Exchange's own EHLO reply as one row with its line
//! breaks removed: which line STARTTLS was on cannot be told from it.

use super::util::{is_reply_line, trim};
use super::{Family, Line, Piece, PieceKind};

pub(crate) const FAMILY: Family = Family {
    id: "exchange",
    name: "Exchange SMTP protocol log",
    detect: |lines| lines.iter().filter(|l| row(&l.text).is_some()).count(),
    read,
    refuse: Some(refuse),
};

/// Splits a CSV (or tab-separated) row, honouring double quotes.
fn fields(l: &[u8]) -> Vec<Vec<u8>> {
    let sep = if l.contains(&b'\t') { b'\t' } else { b',' };
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut quoted = false;
    let mut i = 0;
    while i < l.len() {
        let b = l.get(i).copied().unwrap_or(0);
        match b {
            b'"' if quoted && l.get(i + 1) == Some(&b'"') => {
                cur.push(b'"');
                i += 1;
            }
            b'"' => quoted = !quoted,
            _ if b == sep && !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(b),
        }
        i += 1;
    }
    out.push(cur);
    out
}

/// `(session-id, event, data)` of a protocol-log row.
fn row(l: &[u8]) -> Option<(Vec<u8>, u8, Vec<u8>)> {
    let f = fields(l);
    if f.len() < 8 {
        return None;
    }
    let date = f.first()?;
    // 2026-11-30T16:27:53.123Z
    if !(date.len() >= 19 && date.get(4) == Some(&b'-') && date.get(10) == Some(&b'T')) {
        return None;
    }
    let event = f.get(6)?;
    let e = match event.as_slice() {
        [e @ (b'<' | b'>' | b'+' | b'-' | b'*')] => *e,
        _ => return None,
    };
    Some((f.get(2)?.clone(), e, f.get(7)?.clone()))
}

fn read(lines: &[Line], notes: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut session: Option<Vec<u8>> = None;
    let mut headers = Vec::new();
    for line in lines {
        let Some((id, event, data)) = row(&line.text) else {
            if line.text.starts_with(b"#") {
                headers.push(line.no);
            }
            out.push(Piece::text(line.no, &[], false));
            continue;
        };
        if session.as_ref() != Some(&id) || event == b'+' {
            if session.is_some() || event == b'+' {
                out.push(Piece::session(line.no));
            }
            session = Some(id);
        }
        match event {
            b'<' | b'>' => out.push(Piece::text(line.no, trim(&data), false)),
            _ => out.push(Piece::text(line.no, &[], false)),
        }
    }
    if !headers.is_empty() {
        notes.push(format!(
            "skipped the log's header lines {}",
            super::util::ranges(&headers, 4)
        ));
    }
    out
}

/// A one-line 250 reply naming several ehlo-keywords: the receive log's joined EHLO reply.
fn refuse(pieces: &[Piece]) -> Option<String> {
    const KEYWORDS: &[&str] = &[
        "STARTTLS",
        "SIZE",
        "PIPELINING",
        "8BITMIME",
        "DSN",
        "CHUNKING",
        "AUTH",
        "SMTPUTF8",
        "ENHANCEDSTATUSCODES",
        "BINARYMIME",
        "X-ANONYMOUSTLS",
    ];
    pieces.iter().find_map(|p| {
        let PieceKind::Text { text, .. } = &p.kind else {
            return None;
        };
        if !(is_reply_line(text) && text.starts_with(b"250 ")) {
            return None;
        }
        let s = String::from_utf8_lossy(text);
        let named: Vec<&str> = s
            .split_whitespace()
            .skip(2)
            .filter(|w| KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(w)))
            .collect();
        (named.len() >= 2).then(|| {
            format!(
                "line {} holds the whole EHLO reply in one field, as Exchange's receive log writes it, with its line breaks removed (keywords named: {}); which line STARTTLS was on cannot be told. Capture the conversation from the sending side instead (the send log, or `smtp-tls-check HOST`)",
                p.no,
                named.join(" ")
            )
        })
    })
}
