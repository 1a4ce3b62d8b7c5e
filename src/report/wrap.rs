//! Fitting the human report to a terminal's width without losing its columns.

use console::measure_text_width as width_of;

/// Wraps every line of `text` longer than `width` columns at spaces. A continuation line is
/// indented to where the line's last column starts (the text after the last run of two or
/// more spaces in its first 60%), so a finding's message stays in the message column and a
/// verdict line's summary under the summary. Colour codes do not count towards the width.
pub fn wrap_to_width(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if width < 20 || width_of(body) <= width {
            out.push_str(line);
            continue;
        }
        wrap_line(body, width, &mut out);
        out.push_str(nl);
    }
    out
}

/// The column continuation lines start at.
fn hanging_indent(line: &str, width: usize) -> usize {
    let limit = width * 3 / 5;
    let lead = line.len() - line.trim_start().len();
    let mut indent = lead;
    let bytes = line.as_bytes();
    let mut i = lead;
    while i < bytes.len() {
        if bytes[i] == b' ' && bytes.get(i + 1) == Some(&b' ') {
            let mut j = i;
            while bytes.get(j) == Some(&b' ') {
                j += 1;
            }
            let col = width_of(&line[..j]);
            if col > limit {
                break;
            }
            if j < bytes.len() {
                indent = col;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    indent
}

fn wrap_line(line: &str, width: usize, out: &mut String) {
    let indent = hanging_indent(line, width);
    let pad = " ".repeat(indent);
    let mut col = 0usize;
    let mut first = true;
    // Words keep their own leading spaces on the first line, so its columns stay as drawn.
    for (i, word) in split_keeping_spaces(line).into_iter().enumerate() {
        let w = width_of(word);
        if col + w > width && col > indent && i > 0 {
            out.push('\n');
            out.push_str(&pad);
            col = indent;
            first = false;
        }
        let word = if !first && col == indent {
            word.trim_start()
        } else {
            word
        };
        out.push_str(word);
        col += width_of(word);
    }
}

/// `"  a b  c"` -> `["  a", " b", "  c"]`: each word with the spaces before it.
fn split_keeping_spaces(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Skip the spaces, then the word.
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        while i < bytes.len() && bytes[i] != b' ' {
            i += 1;
        }
        parts.push(&line[start..i]);
        start = i;
    }
    parts
}

/// Whitespace at the ends of a value made visible (`␠`, `\t`), so `"STARTTLS "` does not
/// look like `"STARTTLS"`. Only for the human report: JSON keeps the value as it was.
pub fn visible_ends(value: &str) -> String {
    let body = value.trim_end_matches([' ', '\t']);
    let tail = &value[body.len()..];
    let inner = body.trim_start_matches([' ', '\t']);
    let head = &body[..body.len() - inner.len()];
    if head.is_empty() && tail.is_empty() {
        return value.to_string();
    }
    let mark = |s: &str| s.replace(' ', "\u{2420}").replace('\t', "\\t");
    format!("{}{inner}{}", mark(head), mark(tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_under_the_last_column() {
        let line = "  error   some-id   one two three four five six seven eight nine ten";
        let out = wrap_to_width(line, 40);
        for l in out.lines() {
            assert!(width_of(l) <= 40, "{l:?}");
        }
        let cont: Vec<&str> = out.lines().skip(1).collect();
        assert!(!cont.is_empty());
        for l in cont {
            assert!(
                l.starts_with(&" ".repeat(20)) && !l.starts_with(&" ".repeat(21)),
                "{l:?}"
            );
        }
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(words(&out), words(line));
    }

    #[test]
    fn short_lines_and_ends() {
        assert_eq!(wrap_to_width("a  b\n", 80), "a  b\n");
        assert_eq!(
            visible_ends("250-STARTTLS  "),
            "250-STARTTLS\u{2420}\u{2420}"
        );
        assert_eq!(visible_ends("x"), "x");
    }
}
