//! Why a paste cannot support a verdict: a reply's tail, a reply code hidden behind text,
//! and how to capture what is missing.

use super::select::verb;
use super::util::{is_reply_line, ranges, trim};

/// How to capture the missing part, for the family that was pasted.
pub(super) fn capture_hint(family: &str) -> String {
    let tool = match family {
        "openssl" => "`openssl s_client -starttls smtp` reads the plaintext EHLO reply itself and never prints it (only `-debug` shows it, as a hex dump); ",
        _ => "",
    };
    format!(
        ". {tool}capture the whole plaintext conversation instead, e.g. `swaks --server HOST --quit-after STARTTLS` or `smtp-tls-check --transcript HOST` (or simply run `smtp-tls-check HOST`)"
    )
}

/// `250-...` or `250 ...` somewhere after the start of a line.
pub(super) fn holds_reply_code(text: &[u8]) -> bool {
    (1..text.len()).any(|i| {
        let prev = text.get(i - 1).copied().unwrap_or(b'x');
        !prev.is_ascii_alphanumeric()
            && text
                .get(i..)
                .is_some_and(|t| is_reply_line(t) && matches!(t.get(3), Some(b'-' | b' ') | None))
    })
}

/// Ehlo-keywords that servers put on later lines; a reply that starts with one of them (and
/// no EHLO command or banner before it) is the tail of a reply, not a whole one.
const TAIL_KEYWORDS: &[&str] = &[
    "SIZE",
    "PIPELINING",
    "8BITMIME",
    "DSN",
    "CHUNKING",
    "SMTPUTF8",
    "HELP",
    "ENHANCEDSTATUSCODES",
    "AUTH",
    "BINARYMIME",
    "DELIVERBY",
    "ETRN",
    "VRFY",
    "EXPN",
    "X-EXPS",
    "XCLIENT",
    "XFORWARD",
    "REQUIRETLS",
    "MT-PRIORITY",
    "X-ANONYMOUSTLS",
    "OK",
];

pub(super) fn fragment(reply: &[(usize, &[u8])], banner: bool) -> Option<String> {
    if banner {
        return None;
    }
    let first = reply.first()?;
    let word_of = |l: &(usize, &[u8])| {
        let t = l.1.get(4..).unwrap_or(&[]);
        crate::escape_bytes(verb(trim(t))).to_ascii_uppercase()
    };
    let word = word_of(first);
    if !TAIL_KEYWORDS.contains(&word.as_str()) {
        return None;
    }
    // A later line that looks like the server's name means the lines were pasted out of order
    // (the seeds' case has STARTTLS first); that is diagnosable, a tail is not.
    let later_domain = reply.iter().skip(1).any(|l| {
        let w = word_of(l);
        w.contains('.') || w.starts_with('[')
    });
    if later_domain {
        return None;
    }
    Some(format!(
        "the reply on line(s) {} starts with the ehlo-keyword `{word}`, not with the server's name: it is the end of an EHLO reply, not the whole of one, so the greeting line and STARTTLS's place cannot be judged{}",
        ranges(&reply.iter().map(|l| l.0).collect::<Vec<_>>(), 4),
        capture_hint("")
    ))
}
