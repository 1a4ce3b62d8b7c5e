//! msmtp `--debug`: `<-- 250-STARTTLS` from the server, `--> EHLO x` to it.

use super::util::{contains, trim};
use super::{Family, Line, Piece};

pub(crate) const FAMILY: Family = Family {
    id: "msmtp",
    name: "msmtp --debug",
    detect: |lines| super::util::count(lines, |l| l.starts_with(b"<-- ") || l.starts_with(b"--> ")),
    read,
    refuse: None,
};

fn read(lines: &[Line], _notes: &mut Vec<String>) -> Vec<Piece> {
    lines
        .iter()
        .map(|line| {
            let l = &line.text;
            if let Some(t) = l.strip_prefix(b"<-- ").or_else(|| l.strip_prefix(b"--> ")) {
                Piece::text(line.no, t, false)
            } else if contains(l, b"TLS session parameters") {
                Piece::tls(line.no)
            } else {
                Piece::text(line.no, trim(l), false)
            }
        })
        .collect()
}
