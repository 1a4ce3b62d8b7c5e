//! curl `-v` on an smtp:// URL: `< 250-STARTTLS`, `> EHLO x`, `* ...` for curl's own notes
//! (a progress meter may run into the first `*   Trying` line).

use super::util::{contains, find, trim};
use super::{Family, Line, Piece};

pub(crate) const FAMILY: Family = Family {
    id: "curl",
    name: "curl -v",
    detect,
    read,
    refuse: None,
};

fn detect(lines: &[Line]) -> usize {
    let info = super::util::count(lines, |l| {
        l.starts_with(b"* ") || contains(l, b"*   Trying")
    });
    if info == 0 {
        return 0;
    }
    info + super::util::count(lines, |l| l.starts_with(b"< ") || l.starts_with(b"> "))
}

fn read(lines: &[Line], notes: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut meter = false;
    for line in lines {
        let l = &line.text;
        if let Some(t) = l.strip_prefix(b"< ").or_else(|| l.strip_prefix(b"> ")) {
            out.push(Piece::text(line.no, t, false));
            continue;
        }
        let info = match find(l, b"* ") {
            Some(0) => Some(&l[..]),
            Some(p) if contains(l, b"Trying") => {
                meter = true;
                l.get(p..)
            }
            _ => None,
        };
        match info {
            Some(i) if contains(i, b"Trying") => out.push(Piece::session(line.no)),
            Some(i) if contains(i, b"SSL connection using") || contains(i, b"TLS handshake") => {
                out.push(Piece::tls(line.no))
            }
            Some(_) => out.push(Piece::text(line.no, &[], false)),
            None => out.push(Piece::text(line.no, trim(l), false)),
        }
    }
    if meter {
        notes.push("removed curl's progress meter from the start of a line".to_string());
    }
    out
}
