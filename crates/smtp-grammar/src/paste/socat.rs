//! `socat -v`: each transfer starts with `> 2026/11/30 16:27:53.000858609  length=42 from=0
//! to=41` (`>` client to server, `<` server to client) and shows the data with CR written as
//! `\r`, so the bytes are kept. `length=` says how many lines belong to the block; lines past
//! it are other output (socat's own stdout pasted along).

use super::util::{after, ranges, unescape};
use super::{Family, Line, Piece};

pub(crate) const FAMILY: Family = Family {
    id: "socat",
    name: "socat -v",
    detect: |lines| super::util::count(lines, |l| header(l).is_some()),
    read,
    refuse: None,
};

/// The block length of a `> YYYY/MM/DD hh:mm:ss.nnn  length=N from=A to=B` header.
fn header(l: &[u8]) -> Option<usize> {
    let rest = l.strip_prefix(b"> ").or_else(|| l.strip_prefix(b"< "))?;
    if !rest.get(..4)?.iter().all(u8::is_ascii_digit) || rest.get(4) != Some(&b'/') {
        return None;
    }
    let n = after(rest, b"length=")?;
    let digits = n.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(n.get(..digits)?).ok()?.parse().ok()
}

fn read(lines: &[Line], notes: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut left = 0usize;
    let mut outside = Vec::new();
    for line in lines {
        if let Some(len) = header(&line.text) {
            left = len;
            out.push(Piece::text(line.no, &[], false));
            continue;
        }
        if left == 0 {
            outside.push(line.no);
            out.push(Piece::text(line.no, &[], false));
            continue;
        }
        let mut bytes = unescape(&line.text);
        if line.lf {
            bytes.push(b'\n');
        }
        left = left.saturating_sub(bytes.len());
        out.push(Piece::text(line.no, &bytes, true));
    }
    if !outside.is_empty() {
        notes.push(format!(
            "skipped lines {} outside socat's data blocks (other output pasted along)",
            ranges(&outside, 8)
        ));
    }
    out
}
