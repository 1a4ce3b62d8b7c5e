//! swaks: `<-  250-...` (server), ` -> EHLO` (client), `<** 5xx` (error reply), and inside TLS
//! `<~  250-...` / ` ~> EHLO`; `=== Trying` starts a connection, `=== TLS started` starts TLS.

use super::util::{trim, trim_start};
use super::{Family, Line, Piece};

pub(crate) const FAMILY: Family = Family {
    id: "swaks",
    name: "swaks",
    detect: |lines| super::util::count(lines, |l| marker(trim_start(l)).is_some()),
    read,
    refuse: None,
};

enum Mark<'a> {
    Plain(&'a [u8]),
    InTls(&'a [u8]),
    Session,
    Tls,
}

fn marker(t: &[u8]) -> Option<Mark<'_>> {
    for p in [&b"<-"[..], b"->", b"<**", b"**>"] {
        if let Some(r) = t.strip_prefix(p) {
            if r.first() == Some(&b' ') {
                return Some(Mark::Plain(trim_start(r)));
            }
        }
    }
    for p in [&b"<~*"[..], b"*~>", b"<~", b"~>"] {
        if let Some(r) = t.strip_prefix(p) {
            if r.first() == Some(&b' ') {
                return Some(Mark::InTls(trim_start(r)));
            }
        }
    }
    if t.starts_with(b"=== Trying ") {
        return Some(Mark::Session);
    }
    if t.starts_with(b"=== TLS started") {
        return Some(Mark::Tls);
    }
    if t.starts_with(b"=== ") || t.starts_with(b"*** ") {
        return Some(Mark::Plain(&[]));
    }
    None
}

fn read(lines: &[Line], _notes: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut in_tls = false;
    for line in lines {
        match marker(trim_start(&line.text)) {
            Some(Mark::Plain(t)) => out.push(Piece::text(line.no, t, false)),
            Some(Mark::InTls(t)) => {
                if !in_tls {
                    in_tls = true;
                    out.push(Piece::tls(line.no));
                }
                out.push(Piece::text(line.no, t, false));
            }
            Some(Mark::Session) => {
                in_tls = false;
                out.push(Piece::session(line.no));
            }
            Some(Mark::Tls) => {
                in_tls = true;
                out.push(Piece::tls(line.no));
            }
            None => out.push(Piece::text(line.no, trim(&line.text), false)),
        }
    }
    out
}
