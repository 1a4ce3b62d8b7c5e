//! Thunderbird's SMTP log (`MOZ_LOG=mailnews.smtp:5` or the console):
//! `mailnews.smtp: S: 250-STARTTLS`, `mailnews.smtp: C: EHLO [127.0.0.1]`. When a server sends
//! several lines at once they follow on their own lines without the prefix.

use super::util::{after, contains, trim};
use super::{Family, Line, Piece};

pub(crate) const FAMILY: Family = Family {
    id: "thunderbird",
    name: "Thunderbird mailnews.smtp log",
    detect: |lines| super::util::count(lines, |l| contains(l, b"mailnews.smtp")),
    read,
    refuse: None,
};

fn read(lines: &[Line], _notes: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    for line in lines {
        let l = &line.text;
        match after(l, b"mailnews.smtp") {
            Some(rest) => {
                let t = after(rest, b"S: ").or_else(|| after(rest, b"C: "));
                out.push(Piece::text(line.no, t.unwrap_or(&[]), false));
            }
            None => out.push(Piece::text(line.no, trim(l), false)),
        }
    }
    out
}
