//! From pieces to the one reply to diagnose: the first plaintext EHLO reply of the first
//! session that has one, or the reason the paste cannot show it.

use super::refuse::{capture_hint, fragment, holds_reply_code};
use super::util::{is_reply_line, ranges, trim, trim_end};
use super::{Found, PasteError, Piece, PieceKind};
use crate::reply::{parse_reply, Limits};

/// A pasted server line.
#[derive(Debug, Clone)]
struct ServerLine {
    no: usize,
    /// Without its line ending.
    text: Vec<u8>,
    /// The real ending when the format kept it: `Some(true)` CRLF, `Some(false)` LF.
    crlf: Option<bool>,
    exact: bool,
}

enum Item {
    Server(ServerLine),
    Client { text: Vec<u8> },
    Other { no: usize, text: Vec<u8> },
    Session { no: usize },
    Tls { no: usize },
}

fn item(piece: &Piece) -> Item {
    match &piece.kind {
        PieceKind::Session => Item::Session { no: piece.no },
        PieceKind::Tls => Item::Tls { no: piece.no },
        PieceKind::Text { text, exact } => {
            let (body, crlf) = if *exact {
                match (text.strip_suffix(b"\r\n"), text.strip_suffix(b"\n")) {
                    (Some(b), _) => (b.to_vec(), Some(true)),
                    (None, Some(b)) => (b.to_vec(), Some(false)),
                    _ => (text.clone(), None),
                }
            } else {
                (trim_end(text).to_vec(), None)
            };
            let lead = trim(&body);
            if is_reply_line(lead) {
                // Indentation before the code is the paste's, never the server's.
                let start = body.len() - trim_start_len(&body);
                Item::Server(ServerLine {
                    no: piece.no,
                    text: body.get(start..).unwrap_or(&[]).to_vec(),
                    crlf,
                    exact: *exact,
                })
            } else if is_command(lead) {
                Item::Client {
                    text: lead.to_vec(),
                }
            } else {
                Item::Other {
                    no: piece.no,
                    text: lead.to_vec(),
                }
            }
        }
    }
}

fn trim_start_len(s: &[u8]) -> usize {
    super::util::trim_start(s).len()
}

const VERBS: &[&[u8]] = &[
    b"EHLO",
    b"HELO",
    b"LHLO",
    b"STARTTLS",
    b"MAIL",
    b"RCPT",
    b"DATA",
    b"QUIT",
    b"RSET",
    b"NOOP",
    b"AUTH",
    b"VRFY",
    b"BDAT",
    b"XCLIENT",
];

pub(super) fn verb(line: &[u8]) -> &[u8] {
    let end = line
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(line.len());
    line.get(..end).unwrap_or(&[])
}

fn is_command(line: &[u8]) -> bool {
    let v = verb(line);
    VERBS.iter().any(|c| v.eq_ignore_ascii_case(c))
}

fn is_verb(line: &[u8], want: &[u8]) -> bool {
    verb(line).eq_ignore_ascii_case(want)
}

/// What the walk through one session found.
enum Walk {
    Found {
        reply: Vec<ServerLine>,
        banner: Option<Vec<ServerLine>>,
        ehlo: Option<Vec<u8>>,
        skipped_inside: Vec<(usize, Vec<u8>)>,
    },
    /// TLS started before any plaintext EHLO reply; `inside` lists replies seen in TLS.
    OnlyInTls {
        tls_line: usize,
        inside: Vec<usize>,
    },
    Incomplete {
        line: usize,
    },
    Nothing,
}

pub(super) fn select(
    pieces: &[Piece],
    family: &str,
    limits: Limits,
    notes: &mut Vec<String>,
) -> Result<Found, PasteError> {
    let items: Vec<Item> = pieces.iter().map(item).collect();
    let any_client = items.iter().any(|i| matches!(i, Item::Client { .. }));
    // Nothing is dropped silently: the lines read as something other than SMTP are listed.
    let mut skipped: Vec<usize> = items
        .iter()
        .filter_map(|i| match i {
            Item::Other { no, text } if !text.is_empty() => Some(*no),
            _ => None,
        })
        .collect();
    skipped.dedup();
    if !skipped.is_empty() {
        notes.push(format!(
            "{} line(s) are not SMTP commands or replies and were skipped: {}",
            skipped.len(),
            ranges(&skipped, 6)
        ));
    }
    let sessions = split_sessions(&items);
    if sessions.len() > 1 {
        let starts: Vec<String> = sessions
            .iter()
            .map(|s| first_no(s).map_or("?".to_string(), |n| n.to_string()))
            .collect();
        notes.push(format!(
            "the paste holds {} sessions (starting on lines {}); the first one with an EHLO reply is diagnosed",
            sessions.len(),
            starts.join(", ")
        ));
    }
    let mut first_problem: Option<Walk> = None;
    for (index, session) in sessions.iter().enumerate() {
        let walk = walk(session, any_client);
        match walk {
            Walk::Found {
                reply,
                banner,
                ehlo,
                skipped_inside,
            } => {
                if sessions.len() > 1 {
                    notes.push(format!(
                        "diagnosed session {} of {}",
                        index + 1,
                        sessions.len()
                    ));
                }
                return build(
                    reply,
                    banner,
                    ehlo,
                    skipped_inside,
                    any_client,
                    family,
                    limits,
                    notes,
                );
            }
            other => {
                if first_problem.is_none() {
                    first_problem = Some(other);
                }
            }
        }
    }
    Err(match first_problem {
        Some(Walk::OnlyInTls { tls_line, inside }) => {
            let mut why =
                format!("TLS starts on line {tls_line} before any plaintext EHLO reply appears");
            if !inside.is_empty() {
                why.push_str(&format!(
                    "; the 250 reply on line(s) {} was sent inside TLS (or is a fragment printed after the handshake) and says nothing about what a client sees before STARTTLS",
                    ranges(&inside, 4)
                ));
            }
            why.push_str(&capture_hint(family));
            PasteError::NoPlaintextReply { why }
        }
        Some(Walk::Incomplete { line }) => PasteError::Incomplete { line },
        _ if family == "openssl" => PasteError::NoPlaintextReply {
            why: format!(
                "the paste shows no plaintext SMTP lines{}",
                capture_hint(family)
            ),
        },
        _ => PasteError::NoEhloReply,
    })
}

fn first_no(items: &[&Item]) -> Option<usize> {
    items.iter().find_map(|i| match i {
        Item::Server(s) => Some(s.no),
        Item::Other { no, .. } | Item::Session { no } | Item::Tls { no } => Some(*no),
        Item::Client { .. } => None,
    })
}

/// Sessions start at an explicit marker, or at a banner after the previous session's 221.
fn split_sessions(items: &[Item]) -> Vec<Vec<&Item>> {
    let mut out: Vec<Vec<&Item>> = vec![Vec::new()];
    let mut saw_221 = false;
    let mut saw_any = false;
    for it in items {
        let new = match it {
            Item::Session { .. } => saw_any,
            Item::Server(s) => saw_221 && s.text.starts_with(b"220"),
            _ => false,
        };
        if new {
            out.push(Vec::new());
            saw_221 = false;
            saw_any = false;
        }
        match it {
            Item::Server(s) => {
                saw_any = true;
                if s.text.starts_with(b"221") {
                    saw_221 = true;
                }
            }
            Item::Client { .. } => saw_any = true,
            _ => {}
        }
        if let Some(last) = out.last_mut() {
            last.push(it);
        }
    }
    out.retain(|s| {
        s.iter()
            .any(|i| matches!(i, Item::Server(_) | Item::Client { .. }))
    });
    if out.is_empty() {
        out.push(Vec::new());
    }
    out
}

fn walk(session: &[&Item], any_client: bool) -> Walk {
    let mut tls: Option<usize> = None;
    let mut starttls_sent = false;
    let mut ehlo_pending: Option<Vec<u8>> = None;
    let mut banner: Option<Vec<ServerLine>> = None;
    let mut current: Vec<ServerLine> = Vec::new();
    let mut skipped_inside: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut inside_tls: Vec<usize> = Vec::new();
    for it in session {
        match it {
            Item::Session { .. } => {}
            Item::Tls { no } => {
                tls.get_or_insert(*no);
            }
            Item::Client { text } => {
                current.clear();
                skipped_inside.clear();
                if is_verb(text, b"EHLO") {
                    ehlo_pending = Some(text.clone());
                } else {
                    ehlo_pending = None;
                }
                if is_verb(text, b"STARTTLS") {
                    starttls_sent = true;
                }
            }
            Item::Other { no, text } => {
                if !current.is_empty() && !text.is_empty() {
                    skipped_inside.push((*no, text.clone()));
                }
            }
            Item::Server(line) => {
                current.push(line.clone());
                if line.text.get(3) == Some(&b'-') {
                    continue;
                }
                let reply = std::mem::take(&mut current);
                let code = reply
                    .first()
                    .and_then(|l| l.text.get(..3))
                    .unwrap_or(&[])
                    .to_vec();
                let first = reply.first().map_or(0, |l| l.no);
                if code == b"220" && starttls_sent && tls.is_none() {
                    tls = Some(first);
                    skipped_inside.clear();
                    continue;
                }
                let wanted = ehlo_pending.is_some() || !any_client;
                if code == b"250" && wanted {
                    if tls.is_some() {
                        inside_tls.push(first);
                        ehlo_pending = None;
                        skipped_inside.clear();
                        continue;
                    }
                    return Walk::Found {
                        reply,
                        banner,
                        ehlo: ehlo_pending,
                        skipped_inside,
                    };
                }
                if code == b"220" && tls.is_none() {
                    banner = Some(reply);
                }
                skipped_inside.clear();
            }
        }
    }
    if let Some(tls_line) = tls {
        return Walk::OnlyInTls {
            tls_line,
            inside: inside_tls,
        };
    }
    let in_progress = current.first().is_some_and(|l| l.text.starts_with(b"250"));
    match current.last() {
        Some(last) if in_progress && (ehlo_pending.is_some() || !any_client) => {
            Walk::Incomplete { line: last.no }
        }
        _ => Walk::Nothing,
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    reply: Vec<ServerLine>,
    banner: Option<Vec<ServerLine>>,
    ehlo: Option<Vec<u8>>,
    skipped_inside: Vec<(usize, Vec<u8>)>,
    any_client: bool,
    family: &str,
    limits: Limits,
    notes: &mut Vec<String>,
) -> Result<Found, PasteError> {
    let nos: Vec<usize> = reply.iter().map(|l| l.no).collect();
    let first = nos.first().copied().unwrap_or(0);
    // A line inside the reply that was not read as SMTP but looks like a reply line with a
    // prefix nobody recognised: reading on would diagnose a reply with a line missing.
    for (no, text) in &skipped_inside {
        let starttls = text.windows(8).any(|w| w.eq_ignore_ascii_case(b"STARTTLS"));
        if holds_reply_code(text) || starttls {
            return Err(PasteError::NoPlaintextReply {
                why: format!(
                    "line {no} inside the EHLO reply is not a reply line but holds a reply code or STARTTLS (`{}`); diagnosing the reply without it could be wrong. Paste each reply line whole, without prefixes or wrapping",
                    crate::escape_bytes(text.get(..80).unwrap_or(text))
                ),
            });
        }
    }
    if !skipped_inside.is_empty() {
        let skipped: Vec<usize> = skipped_inside.iter().map(|(n, _)| *n).collect();
        notes.push(format!(
            "skipped line(s) {} between the reply's lines (not SMTP: wrapped text or a comment); the reply is read without them",
            ranges(&skipped, 8)
        ));
    }
    if ehlo.is_none() {
        let lines: Vec<(usize, &[u8])> = reply.iter().map(|l| (l.no, l.text.as_slice())).collect();
        if let Some(why) = fragment(&lines, banner.is_some()) {
            return Err(PasteError::NoPlaintextReply { why });
        }
        if any_client {
            notes.push("the reply follows no EHLO command in the paste".to_string());
        } else {
            notes.push(format!(
                "the paste shows no client commands: the first 250 reply (line {first}) is taken as the EHLO reply"
            ));
        }
    }
    let bytes_kept = reply.iter().all(|l| l.exact && l.crlf.is_some());
    let mut bytes = Vec::new();
    for l in &reply {
        bytes.extend_from_slice(&l.text);
        bytes.extend_from_slice(match l.crlf {
            Some(false) => b"\n",
            _ => b"\r\n",
        });
    }
    let ehlo_reply = parse_reply(&bytes, limits)?;
    let banner = banner.and_then(|b| {
        let mut bytes = Vec::new();
        for l in &b {
            bytes.extend_from_slice(&l.text);
            bytes.extend_from_slice(if l.crlf == Some(false) {
                b"\n"
            } else {
                b"\r\n"
            });
        }
        parse_reply(&bytes, limits).ok()
    });
    notes.push(format!("EHLO reply taken from line(s) {}", ranges(&nos, 8)));
    if !bytes_kept {
        notes.push(format!(
            "line ends (CRLF or bare LF) and trailing white space could not be judged: the {} format does not keep them",
            if family == "generic" { "pasted" } else { family }
        ));
    }
    Ok(Found {
        banner,
        ehlo_command: ehlo.map(|e| String::from_utf8_lossy(&e).into_owned()),
        ehlo_reply,
        reply_lines: nos,
        bytes_kept,
    })
}
