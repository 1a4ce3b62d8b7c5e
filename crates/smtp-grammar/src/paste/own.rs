//! This tool's own `--transcript` (human form): `  12.34 ms  S: 250-STARTTLS`, each reply line
//! escaped and without its line end (the probe's own findings judge those).

use super::util::{find, trim_start, unescape};
use super::{Family, Line, Piece};

pub(crate) const FAMILY: Family = Family {
    id: "smtp-tls-check-transcript",
    name: "smtp-tls-check --transcript",
    detect: |lines| super::util::count(lines, |l| entry(l).is_some()),
    read,
    refuse: None,
};

/// `(marker, text)` for `<t> ms  S: text`, marker `S`, `C` or `-`.
fn entry(l: &[u8]) -> Option<(u8, &[u8])> {
    let t = trim_start(l);
    let p = find(t, b" ms  ")?;
    let time = t.get(..p)?;
    if time.is_empty() || !time.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        return None;
    }
    let rest = t.get(p + 5..)?;
    let marker = match rest.get(..3)? {
        b"S: " => b'S',
        b"C: " => b'C',
        b"-- " => b'-',
        _ => return None,
    };
    Some((marker, rest.get(3..)?))
}

fn read(lines: &[Line], _notes: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    for line in lines {
        match entry(&line.text) {
            Some((b'S', text)) => out.push(Piece::text(line.no, &unescape(text), false)),
            Some((b'C', text)) => out.push(Piece::text(line.no, &unescape(text), false)),
            Some((_, text)) if text.starts_with(b"TLS ") => out.push(Piece::tls(line.no)),
            _ => out.push(Piece::text(line.no, &[], false)),
        }
    }
    out
}
