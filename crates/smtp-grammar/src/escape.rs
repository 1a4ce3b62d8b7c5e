//! Terminal-safe rendering of server bytes.

/// Renders bytes for a terminal or log: printable ASCII and valid non-control UTF-8 as is;
/// CR as `\r`, LF as `\n`, TAB as `\t`, other control characters (C0, DEL, C1, ESC) and
/// invalid UTF-8 as `\xNN`; a backslash as `\\`. The output never contains a control character.
/// C1 controls sent as UTF-8 (U+0080–U+009F), U+2028/U+2029 and the bidi controls
/// (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069) are rendered as `\u{XXXX}`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\r' => out.push_str("\\r"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if c.is_ascii_control() => {
                    let _ = write!(out, "\\x{:02x}", u32::from(c));
                }
                c if needs_unicode_escape(c) => {
                    let _ = write!(out, "\\u{{{:04x}}}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Characters that are not ASCII control characters but must not reach a terminal as is:
/// C1 controls, line/paragraph separators, bidi controls (Trojan Source).
fn needs_unicode_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
}
