//! PHPMailer with `SMTPDebug` 2-4: `2026-11-30 16:27:53 SERVER -> CLIENT: 250-STARTTLS` and
//! `CLIENT -> SERVER: EHLO x`. Its default output indents the later lines of a reply; its HTML
//! output (`Debugoutput = 'html'`) escapes `->` as `-&gt;`, ends lines with `<br>` and removes
//! the line breaks inside a reply, running its lines together: those are split again at each
//! `250-`, and the split is reported.

use super::util::{after, contains, find, trim};
use super::{Family, Line, Piece};

pub(crate) const FAMILY: Family = Family {
    id: "phpmailer",
    name: "PHPMailer SMTPDebug output",
    detect: |lines| {
        super::util::count(lines, |l| {
            contains(l, b"SERVER -> CLIENT: ")
                || contains(l, b"CLIENT -> SERVER: ")
                || contains(l, b"SERVER -&gt; CLIENT: ")
                || contains(l, b"CLIENT -&gt; SERVER: ")
        })
    },
    read,
    refuse: None,
};

fn html_decode(s: &[u8]) -> Vec<u8> {
    let mut t = String::from_utf8_lossy(s).into_owned();
    for tag in ["<br />", "<br/>", "<br>"] {
        t = t.replace(tag, "");
    }
    for (e, c) in [
        ("&gt;", ">"),
        ("&lt;", "<"),
        ("&quot;", "\""),
        ("&#039;", "'"),
        ("&#39;", "'"),
        ("&nbsp;", " "),
        ("&amp;", "&"),
    ] {
        t = t.replace(e, c);
    }
    t.into_bytes()
}

/// Splits `250-a250-b250 c` at each reply code equal to the first one.
fn split_run(t: &[u8]) -> Vec<Vec<u8>> {
    let Some(code) = t.get(..3) else {
        return vec![t.to_vec()];
    };
    let mut cuts = vec![0];
    let mut i = 4;
    while i + 4 <= t.len() {
        let here = t.get(i..i + 3) == Some(code) && matches!(t.get(i + 3), Some(b'-' | b' '));
        if here {
            cuts.push(i);
            i += 4;
        } else {
            i += 1;
        }
    }
    cuts.push(t.len());
    cuts.windows(2)
        .filter_map(|w| t.get(*w.first()?..*w.get(1)?).map(<[u8]>::to_vec))
        .collect()
}

fn read(lines: &[Line], notes: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut html = false;
    let mut split = Vec::new();
    for line in lines {
        let mut l = line.text.clone();
        if contains(&l, b"-&gt;") || contains(&l, b"<br") {
            html = true;
            l = html_decode(&l);
        }
        let server = after(&l, b"SERVER -> CLIENT: ");
        let client = after(&l, b"CLIENT -> SERVER: ");
        match (server, client) {
            (Some(t), _) => {
                let t = trim(t);
                let parts = if html { split_run(t) } else { vec![t.to_vec()] };
                if parts.len() > 1 {
                    split.push(line.no);
                }
                for p in parts {
                    out.push(Piece::text(line.no, &p, false));
                }
            }
            (None, Some(t)) => out.push(Piece::text(line.no, t, false)),
            (None, None) => {
                if find(&l, b"Connection: opening").is_some() {
                    out.push(Piece::session(line.no));
                } else {
                    out.push(Piece::text(line.no, trim(&l), false));
                }
            }
        }
    }
    if html {
        notes.push("decoded PHPMailer's HTML debug output (`-&gt;`, `<br>`)".to_string());
    }
    if !split.is_empty() {
        notes.push(format!(
            "PHPMailer's HTML output ran the reply's lines together on line(s) {}: split again at each reply code",
            super::util::ranges(&split, 8)
        ));
    }
    out
}
