//! Bytes -> lines: undoes what copying and pasting does to text before any format is read.
//!
//! UTF-16 (with or without a BOM), a UTF-8 BOM, ANSI colour codes (`grep --color`, coloured
//! terminals), non-breaking and zero-width spaces, Markdown code fences and back-ticks, e-mail
//! `> ` quoting and quoted-printable soft breaks. Each step that changed something leaves a note.

use super::util::{trim, trim_end};

/// One pasted line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number in the paste.
    pub no: usize,
    /// The text, without its line ending.
    pub text: Vec<u8>,
    /// The line ended with CR LF in the paste (the CR is not in `text`).
    pub crlf: bool,
    /// The line ended with LF (false only for the last line when the paste has no final LF).
    pub lf: bool,
}

pub(crate) fn decode(input: &[u8], notes: &mut Vec<String>) -> Vec<Line> {
    let mut bytes = utf16(input, notes).unwrap_or_else(|| input.to_vec());
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        notes.push("removed a UTF-8 byte-order mark".to_string());
        bytes = rest.to_vec();
    }
    let mut lines = split(&bytes);

    // Every line ending in CRLF is a raw capture (`nc | tee`, a saved socket dump), not text
    // copied from a terminal: escape sequences in it are the server's, for the linter to see.
    let raw = lines.iter().any(|l| l.crlf) && lines.iter().all(|l| l.crlf || !l.lf);
    let escapes = lines.iter().any(|l| l.text.contains(&0x1b));
    if raw && escapes {
        notes.push(
            "every line ends with CRLF, as in a raw capture: escape sequences are kept as the server's bytes"
                .to_string(),
        );
    } else {
        let mut changed = Changed::default();
        for line in &mut lines {
            let (text, c) = clean(&line.text);
            changed.merge(c);
            line.text = text;
        }
        changed.report(notes);
    }

    markdown(&mut lines, notes);
    quoting(&mut lines, notes);
    quoted_printable(&mut lines, notes);
    lines
}

/// UTF-16 by BOM, or by NUL octets in every other position of a mostly-ASCII text.
fn utf16(input: &[u8], notes: &mut Vec<String>) -> Option<Vec<u8>> {
    let (le, body, how) = match input {
        [0xff, 0xfe, rest @ ..] => (true, rest, "with a byte-order mark"),
        [0xfe, 0xff, rest @ ..] => (false, rest, "with a byte-order mark"),
        _ => {
            let pairs = input.len() / 2;
            if pairs < 2 {
                return None;
            }
            let odd_nul = input.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
            let even_nul = input.iter().step_by(2).filter(|&&b| b == 0).count();
            if odd_nul * 10 >= pairs * 9 && even_nul == 0 {
                (true, input, "without a byte-order mark")
            } else if even_nul * 10 >= pairs * 9 && odd_nul == 0 {
                (false, input, "without a byte-order mark")
            } else {
                return None;
            }
        }
    };
    let units = body.chunks(2).map(|c| {
        let (a, b) = (
            c.first().copied().unwrap_or(0),
            c.get(1).copied().unwrap_or(0),
        );
        if le {
            u16::from_le_bytes([a, b])
        } else {
            u16::from_be_bytes([a, b])
        }
    });
    let text: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    notes.push(format!(
        "decoded the paste from UTF-16 {} ({how})",
        if le { "LE" } else { "BE" }
    ));
    Some(text.into_bytes())
}

fn split(bytes: &[u8]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut parts = bytes.split(|&b| b == b'\n').peekable();
    let mut no = 0;
    while let Some(part) = parts.next() {
        let last = parts.peek().is_none();
        if last && part.is_empty() {
            break;
        }
        no += 1;
        let (text, crlf) = match part.strip_suffix(b"\r") {
            Some(t) if !last => (t, true),
            _ => (part, false),
        };
        out.push(Line {
            no,
            text: text.to_vec(),
            crlf,
            lf: !last,
        });
    }
    out
}

#[derive(Default)]
struct Changed {
    ansi: usize,
    nbsp: usize,
    zero_width: usize,
}

impl Changed {
    fn merge(&mut self, o: Changed) {
        self.ansi += o.ansi;
        self.nbsp += o.nbsp;
        self.zero_width += o.zero_width;
    }

    fn report(&self, notes: &mut Vec<String>) {
        if self.ansi > 0 {
            notes.push(format!(
                "removed {} ANSI colour/escape codes (terminal or `grep --color` output)",
                self.ansi
            ));
        }
        if self.nbsp > 0 {
            notes.push(format!(
                "read {} non-breaking spaces as spaces (added by a web page or a word processor)",
                self.nbsp
            ));
        }
        if self.zero_width > 0 {
            notes.push(format!(
                "removed {} zero-width characters or byte-order marks inside lines",
                self.zero_width
            ));
        }
    }
}

/// Removes ANSI escape sequences and invisible characters; NBSP becomes a space.
fn clean(line: &[u8]) -> (Vec<u8>, Changed) {
    let mut c = Changed::default();
    let mut out = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let rest = line.get(i..).unwrap_or(&[]);
        match rest {
            // CSI: ESC [ params final-byte (0x40-0x7e).
            [0x1b, b'[', tail @ ..] => {
                let len = tail
                    .iter()
                    .position(|b| (0x40..=0x7e).contains(b))
                    .map_or(tail.len(), |p| p + 1);
                i += 2 + len;
                c.ansi += 1;
            }
            // OSC (ESC ]) up to BEL or ESC \.
            [0x1b, b']', tail @ ..] => {
                let len = tail
                    .iter()
                    .position(|&b| b == 0x07 || b == 0x1b)
                    .map_or(tail.len(), |p| p + 1);
                i += 2 + len;
                c.ansi += 1;
            }
            [0x1b, _, ..] => {
                i += 2;
                c.ansi += 1;
            }
            [0xc2, 0xa0, ..] => {
                out.push(b' ');
                i += 2;
                c.nbsp += 1;
            }
            // U+202F narrow NBSP, U+2007 figure space.
            [0xe2, 0x80, 0xaf, ..] | [0xe2, 0x80, 0x87, ..] => {
                out.push(b' ');
                i += 3;
                c.nbsp += 1;
            }
            // U+200B zero width space, U+FEFF BOM, U+200C/U+200D joiners.
            [0xe2, 0x80, 0x8b..=0x8d, ..] | [0xef, 0xbb, 0xbf, ..] => {
                i += 3;
                c.zero_width += 1;
            }
            [b, ..] => {
                out.push(*b);
                i += 1;
            }
            [] => break,
        }
    }
    (out, c)
}

/// Markdown: code fences are dropped, a line wrapped in back-ticks is unwrapped.
fn markdown(lines: &mut [Line], notes: &mut Vec<String>) {
    let mut fences = Vec::new();
    let mut ticks = Vec::new();
    for line in lines.iter_mut() {
        let t = trim(&line.text);
        if t.starts_with(b"```") || t.starts_with(b"~~~") {
            fences.push(line.no);
            line.text.clear();
            continue;
        }
        if t.len() >= 2 && t.starts_with(b"`") && t.ends_with(b"`") {
            let inner = t.get(1..t.len() - 1).unwrap_or(&[]).to_vec();
            line.text = inner;
            ticks.push(line.no);
        } else if t.starts_with(b"`")
            && t.get(1..4)
                .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        {
            line.text = t.get(1..).unwrap_or(&[]).to_vec();
            ticks.push(line.no);
        }
    }
    if !fences.is_empty() {
        notes.push(format!(
            "ignored Markdown code fences on lines {}",
            super::util::ranges(&fences, 8)
        ));
    }
    if !ticks.is_empty() {
        notes.push(format!(
            "removed Markdown back-ticks on lines {}",
            super::util::ranges(&ticks, 8)
        ));
    }
}

/// E-mail quoting: when every non-empty line starts with `>`, one level is removed. A paste
/// where only some lines start with `> ` is a tool's client-line arrow, not quoting.
fn quoting(lines: &mut [Line], notes: &mut Vec<String>) {
    let mut levels = 0;
    loop {
        let non_empty: Vec<&Line> = lines.iter().filter(|l| !trim(&l.text).is_empty()).collect();
        if non_empty.len() < 2 || !non_empty.iter().all(|l| l.text.starts_with(b">")) {
            break;
        }
        for line in lines.iter_mut() {
            if let Some(rest) = line.text.strip_prefix(b">") {
                let rest = rest.strip_prefix(b" ").unwrap_or(rest);
                line.text = rest.to_vec();
            }
        }
        levels += 1;
        if levels == 8 {
            break;
        }
    }
    if levels > 0 {
        notes.push(format!(
            "removed {levels} level(s) of e-mail `>` quoting from every line"
        ));
    }
}

/// Quoted-printable, only when the paste shows it unmistakably: soft line breaks (`=` at the
/// end of a line) together with `=XX` escapes such as `=0D`, `=20` or `=3D`.
fn quoted_printable(lines: &mut Vec<Line>, notes: &mut Vec<String>) {
    // A quoted-printable body never has a line over 76 octets (RFC 2045 6.7); debug output
    // with `size=81` and a line ending in `=` does.
    if lines.iter().any(|l| l.text.len() > 76) {
        return;
    }
    let soft = lines
        .iter()
        .filter(|l| trim_end(&l.text).ends_with(b"="))
        .count();
    let escapes = lines
        .iter()
        .filter(|l| {
            l.text.windows(3).any(|w| {
                w.first() == Some(&b'=')
                    && w.get(1..).is_some_and(|h| {
                        h.iter()
                            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b))
                    })
            })
        })
        .count();
    if soft == 0 || escapes == 0 {
        return;
    }
    let mut joined: Vec<u8> = Vec::new();
    for l in lines.iter() {
        let t = trim_end(&l.text);
        match t.strip_suffix(b"=") {
            Some(body) => joined.extend_from_slice(body),
            None => {
                joined.extend_from_slice(t);
                joined.push(b'\n');
            }
        }
    }
    let mut out = Vec::with_capacity(joined.len());
    let mut i = 0;
    while i < joined.len() {
        let b = joined.get(i).copied().unwrap_or(0);
        let hex = joined
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'=', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    notes.push(
        "decoded quoted-printable (soft line breaks and =XX escapes); line numbers count the decoded text"
            .to_string(),
    );
    *lines = split(&out);
}
