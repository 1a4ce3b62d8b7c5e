//! EHLO reply interpretation, RFC 5321 4.1.1.1 (RFC 1869 4.3's ehlo-ok-rsp):
//!
//! ```text
//! ehlo-ok-rsp    = ( "250" SP Domain [ SP ehlo-greet ] CRLF )
//!                  / ( "250-" Domain [ SP ehlo-greet ] CRLF
//!                  *( "250-" ehlo-line CRLF )
//!                  "250" SP ehlo-line CRLF )
//! ehlo-greet     = 1*(%d0-9 / %d11-12 / %d14-127)
//! ehlo-line      = ehlo-keyword *( SP ehlo-param )
//! ehlo-keyword   = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
//! ehlo-param     = 1*(%d33-126)
//! ```
//!
//! The first line is the server's domain and greeting, never a keyword: a strict client does not
//! look for extensions there. Keywords are case-insensitive.

use serde::Serialize;

use crate::reply::Reply;

/// The first line of the reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Greeting {
    /// The first word: what RFC 5321 calls the Domain (lossy UTF-8, as sent).
    pub domain: String,
    /// The rest of the line after the first SP, if any (lossy UTF-8, as sent).
    pub text: Option<String>,
}

/// One syntactically valid ehlo-line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EhloKeyword {
    /// As sent: case is preserved.
    pub keyword: String,
    /// As sent, split on SP.
    pub params: Vec<String>,
    /// 0-based index of the line in the reply (always >= 1).
    #[serde(skip)]
    pub line: usize,
}

/// A line after the first that is not `ehlo-keyword *(SP ehlo-param)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvalidEhloLine {
    #[serde(skip)]
    pub line: usize,
    /// Lossy UTF-8 of the line's text.
    pub text: String,
    /// True when the text looks like a domain name (has a dot, like `mail.domain1.com`): the
    /// greeting was probably sent on the wrong line.
    pub looks_like_domain: bool,
}

/// Where STARTTLS appears in the EHLO reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StarttlsPlacement {
    /// On an ehlo-line after the greeting: every client sees it.
    EhloLine,
    /// Only on the first (greeting) line, including a single-line `250 STARTTLS` reply:
    /// strict clients never see it (the case of the seeds).
    GreetingOnly,
    /// On the greeting line and on an ehlo-line.
    GreetingAndEhloLine,
    /// Nowhere.
    Absent,
    /// Absent, but keywords were rewritten to X's (Cisco ASA ESMTP inspection, `250-XXXXXXXA`).
    Masked,
}

impl StarttlsPlacement {
    /// The kebab-case name used in reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            StarttlsPlacement::EhloLine => "ehlo-line",
            StarttlsPlacement::GreetingOnly => "greeting-only",
            StarttlsPlacement::GreetingAndEhloLine => "greeting-and-ehlo-line",
            StarttlsPlacement::Absent => "absent",
            StarttlsPlacement::Masked => "masked",
        }
    }
    /// Whether a client that follows RFC 5321 strictly will upgrade.
    pub fn strict_clients_see_it(self) -> bool {
        matches!(
            self,
            StarttlsPlacement::EhloLine | StarttlsPlacement::GreetingAndEhloLine
        )
    }
}

/// Legal but notable details of the reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EhloNote {
    /// STARTTLS offered in a case other than upper (`starttls`): legal, some clients miss it.
    StarttlsCase { as_sent: String },
    /// The STARTTLS line carries trailing white space or parameters: legal, some clients miss it.
    StarttlsTrailing { as_sent: String },
    /// Keywords masked by X's (Cisco ASA ESMTP inspection).
    MaskedKeyword { as_sent: String },
    /// The same keyword on more than one line (case-insensitive).
    DuplicateKeyword { keyword: String },
    /// A single-line `250` reply: no extensions at all.
    NoExtensions,
}

/// An interpreted 250 reply to EHLO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EhloReply {
    pub greeting: Greeting,
    /// Valid ehlo-lines, in order (lines 1..).
    pub keywords: Vec<EhloKeyword>,
    /// Lines after the first that are not valid ehlo-lines.
    pub invalid_lines: Vec<InvalidEhloLine>,
    pub starttls: StarttlsPlacement,
    pub notes: Vec<EhloNote>,
}

impl EhloReply {
    /// Case-insensitive keyword lookup among the valid ehlo-lines.
    pub fn has_keyword(&self, keyword: &str) -> bool {
        self.keywords
            .iter()
            .any(|k| k.keyword.eq_ignore_ascii_case(keyword))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EhloError {
    /// Not a 250 reply: EHLO was refused (5xx), deferred (4xx) or answered oddly.
    #[error("EHLO answered {code}, not 250")]
    NotAccepted { code: u16 },
}

/// Interprets a reply to EHLO. The reply's anomalies (bare LF, ...) are not repeated here.
pub fn interpret_ehlo(reply: &Reply) -> Result<EhloReply, EhloError> {
    if reply.code != 250 {
        return Err(EhloError::NotAccepted { code: reply.code });
    }
    let first: &[u8] = reply.lines.first().map_or(&[], |l| l.text.as_slice());
    let greeting = match split_once(first, b' ') {
        Some((domain, rest)) => Greeting {
            domain: lossy(domain),
            text: (!rest.is_empty()).then(|| lossy(rest)),
        },
        None => Greeting {
            domain: lossy(first),
            text: None,
        },
    };

    let mut notes = Vec::new();
    if reply.lines.len() == 1 {
        notes.push(EhloNote::NoExtensions);
    }

    // The greeting line: any word equal to STARTTLS (the seeds' `250-STARTTLS`).
    let greeting_has = words(first).any(is_starttls);
    if let Some(word) = words(first).next().filter(|w| is_starttls(w)) {
        starttls_notes(word, first, &mut notes);
    }
    let mut masked = Vec::new();
    if let Some(word) = words(first).next().filter(|w| is_masked_keyword(w)) {
        masked.push(word);
    }

    let mut keywords = Vec::new();
    let mut invalid_lines = Vec::new();
    let mut ehlo_has = false;
    for (i, line) in reply.lines.iter().enumerate().skip(1) {
        let text = trim_trailing_ws(&line.text);
        match parse_ehlo_line(text) {
            Some((keyword, params)) => {
                if is_starttls(keyword) {
                    ehlo_has = true;
                    starttls_notes(keyword, &line.text, &mut notes);
                }
                if is_masked_keyword(keyword) {
                    masked.push(keyword);
                }
                keywords.push(EhloKeyword {
                    keyword: lossy(keyword),
                    params: params.into_iter().map(lossy).collect(),
                    line: i,
                });
            }
            None => {
                let first_word = words(text).next().unwrap_or(&[]);
                if is_masked_keyword(first_word) {
                    masked.push(first_word);
                }
                // `STARTTLS<HTAB>x` breaks the ehlo-line syntax, yet every client that splits on
                // white space sees the keyword: it is offered, on a malformed line.
                if is_starttls(first_word) {
                    ehlo_has = true;
                    starttls_notes(first_word, &line.text, &mut notes);
                }
                invalid_lines.push(InvalidEhloLine {
                    line: i,
                    text: lossy(&line.text),
                    looks_like_domain: looks_like_domain(first_word),
                });
            }
        }
    }
    for m in &masked {
        notes.push(EhloNote::MaskedKeyword { as_sent: lossy(m) });
    }
    // Keyword (upper-cased) -> (as first sent, count).
    let mut seen: std::collections::HashMap<String, (&str, usize)> =
        std::collections::HashMap::new();
    let mut duplicated = Vec::new();
    for k in &keywords {
        let entry = seen
            .entry(k.keyword.to_ascii_uppercase())
            .or_insert((k.keyword.as_str(), 0));
        entry.1 += 1;
        if entry.1 == 2 {
            duplicated.push(entry.0.to_string());
        }
    }
    notes.extend(
        duplicated
            .into_iter()
            .map(|keyword| EhloNote::DuplicateKeyword { keyword }),
    );

    let starttls = match (greeting_has, ehlo_has) {
        (false, true) => StarttlsPlacement::EhloLine,
        (true, false) => StarttlsPlacement::GreetingOnly,
        (true, true) => StarttlsPlacement::GreetingAndEhloLine,
        (false, false) if !masked.is_empty() => StarttlsPlacement::Masked,
        (false, false) => StarttlsPlacement::Absent,
    };
    Ok(EhloReply {
        greeting,
        keywords,
        invalid_lines,
        starttls,
        notes,
    })
}

/// Whether `word` is a valid ehlo-keyword: `(ALPHA / DIGIT) *(ALPHA / DIGIT / "-")`.
pub fn is_ehlo_keyword(word: &[u8]) -> bool {
    match word.split_first() {
        Some((first, rest)) => {
            first.is_ascii_alphanumeric()
                && rest.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        }
        None => false,
    }
}

/// Whether `word` looks like a keyword masked by Cisco ASA ESMTP inspection: at least four
/// characters, all `X` except possibly the last, which is an upper-case letter (`XXXXXXXA`).
pub fn is_masked_keyword(word: &[u8]) -> bool {
    match word.split_last() {
        Some((last, init)) => {
            word.len() >= 4 && last.is_ascii_uppercase() && init.iter().all(|&b| b == b'X')
        }
        None => false,
    }
}

fn is_starttls(word: &[u8]) -> bool {
    word.eq_ignore_ascii_case(b"STARTTLS")
}

/// Notes on the line offering STARTTLS with `keyword`; `raw` is the line's text as sent.
fn starttls_notes(keyword: &[u8], raw: &[u8], notes: &mut Vec<EhloNote>) {
    if keyword != b"STARTTLS" {
        notes.push(EhloNote::StarttlsCase {
            as_sent: lossy(keyword),
        });
    }
    if raw.len() > keyword.len() {
        notes.push(EhloNote::StarttlsTrailing {
            as_sent: lossy(raw),
        });
    }
}

/// `ehlo-keyword *(SP ehlo-param)`, or None.
fn parse_ehlo_line(text: &[u8]) -> Option<(&[u8], Vec<&[u8]>)> {
    let mut parts = text.split(|&b| b == b' ');
    let keyword = parts.next()?;
    if !is_ehlo_keyword(keyword) {
        return None;
    }
    let params: Vec<&[u8]> = parts.collect();
    let valid = params
        .iter()
        .all(|p| !p.is_empty() && p.iter().all(|b| (33..=126).contains(b)));
    valid.then_some((keyword, params))
}

/// Whether the first word of a line looks like a domain or an address literal.
fn looks_like_domain(word: &[u8]) -> bool {
    if let Some(inner) = word.strip_prefix(b"[").and_then(|w| w.strip_suffix(b"]")) {
        return !inner.is_empty()
            && inner
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'-'));
    }
    word.contains(&b'.')
        && word
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
}

fn is_ws(b: &u8) -> bool {
    *b == b' ' || *b == b'\t'
}

/// SP/HTAB-separated non-empty words.
fn words(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(is_ws).filter(|w| !w.is_empty())
}

fn trim_trailing_ws(text: &[u8]) -> &[u8] {
    let end = text.iter().rposition(|b| !is_ws(b)).map_or(0, |p| p + 1);
    text.get(..end).unwrap_or(&[])
}

fn split_once(text: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let pos = text.iter().position(|&b| b == sep)?;
    Some((text.get(..pos)?, text.get(pos + 1..)?))
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
