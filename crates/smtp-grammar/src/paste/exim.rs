//! Exim's delivery output (`exim -v`, `exim -d`): `  SMTP<< 250-mail.example.net` and
//! `  SMTP>> EHLO x` (`SMTP|>`/`SMTP+>` for pipelined commands);
//! the later lines of a multi-line reply follow indented, without the marker.

use super::util::{after, contains, trim};
use super::{Family, Line, Piece};

pub(crate) const FAMILY: Family = Family {
    id: "exim",
    name: "Exim debug output (SMTP<< / SMTP>>)",
    detect: |lines| super::util::count(lines, |l| marker(l).is_some()),
    read,
    refuse: None,
};

/// The text after `SMTP<< ` (server), `SMTP>> ` (client), `SMTP|> ` / `SMTP+> ` (pipelined).
fn marker(l: &[u8]) -> Option<&[u8]> {
    [&b"SMTP<< "[..], b"SMTP>> ", b"SMTP|> ", b"SMTP+> "]
        .iter()
        .find_map(|m| after(l, m))
}

fn read(lines: &[Line], _notes: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    for line in lines {
        let l = &line.text;
        if let Some(t) = marker(l) {
            out.push(Piece::text(line.no, t, false));
        } else if contains(l, b"SSL connection using")
            || contains(l, b"TLS session:")
            || contains(l, b"tls_client_start")
        {
            out.push(Piece::tls(line.no));
        } else if contains(l, b"Connecting to ") {
            out.push(Piece::session(line.no));
        } else {
            out.push(Piece::text(line.no, trim(l), false));
        }
    }
    out
}
