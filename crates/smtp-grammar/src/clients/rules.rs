//! The rule model: the few independent properties in which real SMTP clients differ when they
//! look for STARTTLS in the reply to EHLO, and their evaluation on a parsed [`Reply`].
//!
//! Each property is a separate field so that a client's behaviour is stated, not inferred: one
//! client can skip line 1 (RFC 5321 4.1.1.1) yet match case-sensitively, another can scan every
//! line with a substring search yet hang on a bare LF.

use serde::Serialize;

use crate::reply::{LineEnding, Reply, ReplyLine};

const KEYWORD: &[u8] = b"STARTTLS";

/// Which lines of the reply the client searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineOne {
    /// RFC 5321 4.1.1.1: line 1 is the server's domain and greeting, never searched.
    Skipped,
    /// Line 1 is searched like every other line (the seeds' `250-STARTTLS` counts).
    Scanned,
}

/// How a single-line reply (`250 mx.example.com` or `250 STARTTLS`) is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SingleLine {
    /// Its only line is line 1 and follows [`LineOne`].
    LikeLineOne,
    /// Its only line is searched even though line 1 of a longer reply is not.
    Scanned,
}

/// How the keyword is found in a line's text (the octets after the code and separator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeywordMatch {
    /// The text up to the first SP or HTAB is the keyword (`STARTTLS REQUIRED` counts,
    /// `STARTTLSX` does not).
    FirstWord,
    /// The leading run of `[A-Za-z0-9-]` is the keyword (`STARTTLS=x` counts too).
    LeadingToken,
    /// The whole text is exactly the keyword (`STARTTLS ` with a trailing space does not count).
    WholeLine,
    /// The text starts with the keyword (`STARTTLSX` counts).
    Prefix,
    /// The keyword anywhere in the text (`X-STARTTLS` and a greeting's `... STARTTLS ready` count).
    Substring,
    /// The keyword anywhere after SP or `-` (the code's separator included) and before a non-word
    /// character or the end: `/[ -]STARTTLS\b/` (`X-STARTTLS` counts, `STARTTLSX` does not).
    WordBoundary,
}

/// Whether the keyword must be upper-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Case {
    /// RFC 5321 2.4: keywords are case-insensitive.
    Insensitive,
    /// Only `STARTTLS` as sent in upper case; `starttls` is missed.
    UpperOnly,
}

/// Which octets end the first word ([`KeywordMatch::FirstWord`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WordEnd {
    /// SP only (`STARTTLS<TAB>` is another word).
    Space,
    /// SP or HTAB.
    SpaceTab,
    /// SP or `=` (`STARTTLS=x` is STARTTLS with a parameter; `STARTTLS<TAB>` is another word).
    SpaceEquals,
}

/// What the client does when its code check refuses the EHLO reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Refused {
    /// Goes on without extensions (HELO, or plaintext): no TLS.
    FallsBack,
    /// Gives up on the session with an error.
    Errors,
}

/// Which reply code decides that EHLO succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodeRule {
    /// The first line's code must be 250.
    #[serde(rename = "first-is-250")]
    FirstIs250,
    /// The first line's code must start with 2.
    #[serde(rename = "first-is-2xx")]
    FirstIs2xx,
    /// The last line's code must be 250.
    #[serde(rename = "last-is-250")]
    LastIs250,
    /// The last line's code must start with 2.
    #[serde(rename = "last-is-2xx")]
    LastIs2xx,
    /// The reply's first digit must be 2, and the keyword only counts on a line whose own code
    /// is 250 (a regex such as `^250[ -]STARTTLS` over the raw lines).
    #[serde(rename = "keyword-line-is-250")]
    KeywordLineIs250,
    /// As [`CodeRule::KeywordLineIs250`], and the reply must end in a `250 ` line: a reply that
    /// ends otherwise is read until the client's own timeout and then taken as no offer
    /// (testssl.sh's `^250 ` end pattern).
    #[serde(rename = "keyword-and-last-line-are-250")]
    KeywordAndLastLineAre250,
    /// The first line's code must be 250, and only a last line with that code ends the reply: a
    /// last line with another code makes the client read on until its timeout; a middle line
    /// with another code is kept as text and offers nothing (Go's textproto).
    SameCodeOrWait,
    /// Every line must carry the same 2xx code; lines with different codes are a parse error
    /// (lettre).
    SameCodeOrError,
    /// Codes are not looked at.
    Ignored,
}

/// What a bare LF (no CR) at the end of the reply's last line does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BareLf {
    /// Taken as a line end.
    Accepted,
    /// Not a line end: the client waits for CRLF until its timeout.
    Hangs,
}

/// One client's way of reading an EHLO reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub line_one: LineOne,
    pub single_line: SingleLine,
    pub keyword: KeywordMatch,
    /// For [`KeywordMatch::FirstWord`]: what ends the word.
    pub word_end: WordEnd,
    pub case: Case,
    pub code: CodeRule,
    /// What a refused code (per [`Rule::code`]) leads to.
    pub refused: Refused,
    pub bare_lf: BareLf,
    /// Longest line accepted, line ending included; a longer one is an error. `None`: no limit
    /// that matters here (longer lines are read, truncated or split without failing).
    pub max_line: Option<u16>,
    /// Sends STARTTLS even when it did not see it (OpenSSL s_client, testssl.sh).
    pub sends_anyway: bool,
}

/// Why a client got no further than the EHLO reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stuck {
    /// The last line ends in a bare LF and the client waits for CRLF.
    BareLf,
    /// A line carries another code than the first and the client waits for more.
    MixedCodes,
    /// A line is longer than the client accepts.
    LineTooLong,
    /// The reply's code is not what the client expects.
    CodeRefused,
}

/// What one client does with one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "reason")]
pub enum Outcome {
    /// Sees STARTTLS and sends it.
    Upgrades,
    /// Does not see STARTTLS, sends it anyway.
    SendsAnyway,
    /// Does not see STARTTLS: carries on in plaintext (or gives up if TLS is required).
    NoTls,
    /// Never gets past the EHLO reply: the session times out.
    Hangs(Stuck),
    /// Gives up on the EHLO reply with an error.
    Errors(Stuck),
}

impl Outcome {
    /// Whether STARTTLS is sent.
    pub fn sends_starttls(self) -> bool {
        matches!(self, Outcome::Upgrades | Outcome::SendsAnyway)
    }

    /// For a client that hangs or errors: what it does, in words.
    pub fn detail(self) -> Option<&'static str> {
        Some(match self {
            Outcome::Hangs(Stuck::BareLf) => "waits for CRLF after the bare LF until its timeout",
            Outcome::Hangs(_) => "waits for more after a line with another code, until its timeout",
            Outcome::Errors(Stuck::MixedCodes) => {
                "rejects the reply: its lines carry different codes"
            }
            Outcome::Errors(Stuck::LineTooLong) => {
                "rejects the reply: a line is longer than it accepts"
            }
            Outcome::Errors(_) => "gives up: the reply's code is not the one it expects",
            Outcome::Upgrades | Outcome::SendsAnyway | Outcome::NoTls => return None,
        })
    }

    /// The kebab-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Upgrades => "upgrades",
            Outcome::SendsAnyway => "sends-anyway",
            Outcome::NoTls => "no-tls",
            Outcome::Hangs(_) => "hangs",
            Outcome::Errors(_) => "errors",
        }
    }
}

/// The result of a rule on a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluation {
    /// The client recognises a STARTTLS offer.
    pub sees_starttls: bool,
    pub outcome: Outcome,
}

impl Rule {
    /// Applies the rule to `reply`, the reply to EHLO as read.
    pub fn evaluate(&self, reply: &Reply) -> Evaluation {
        let stuck = |s| Evaluation {
            sees_starttls: false,
            outcome: s,
        };
        if self.bare_lf == BareLf::Hangs
            && reply
                .lines
                .last()
                .is_some_and(|l| l.ending == LineEnding::BareLf)
        {
            return stuck(Outcome::Hangs(Stuck::BareLf));
        }
        if let Some(max) = self.max_line {
            if reply.lines.iter().any(|l| l.raw_len > usize::from(max)) {
                return stuck(Outcome::Errors(Stuck::LineTooLong));
            }
        }
        let first_code = reply.lines.first().map_or(reply.code, |l| l.code);
        let last_code = reply.lines.last().map_or(reply.code, |l| l.code);
        let accepted = match self.code {
            CodeRule::FirstIs250 => first_code == 250,
            CodeRule::FirstIs2xx | CodeRule::KeywordLineIs250 => first_code / 100 == 2,
            CodeRule::KeywordAndLastLineAre250 => first_code / 100 == 2 && last_code == 250,
            CodeRule::LastIs250 => last_code == 250,
            CodeRule::LastIs2xx => last_code / 100 == 2,
            CodeRule::SameCodeOrWait => {
                // Only a last line with the first code ends the reply; a middle line with
                // another code is kept as text (and offers nothing).
                if last_code != first_code {
                    return stuck(Outcome::Hangs(Stuck::MixedCodes));
                }
                first_code == 250
            }
            CodeRule::SameCodeOrError => {
                if reply.lines.iter().any(|l| l.code != first_code) {
                    return stuck(Outcome::Errors(Stuck::MixedCodes));
                }
                first_code / 100 == 2
            }
            CodeRule::Ignored => true,
        };
        if !accepted && self.refused == Refused::Errors {
            return stuck(Outcome::Errors(Stuck::CodeRefused));
        }
        let sees = accepted && self.searched_lines(reply).any(|l| self.line_offers(l));
        let outcome = if sees {
            Outcome::Upgrades
        } else if self.sends_anyway {
            Outcome::SendsAnyway
        } else {
            Outcome::NoTls
        };
        Evaluation {
            sees_starttls: sees,
            outcome,
        }
    }

    fn searched_lines<'a>(&self, reply: &'a Reply) -> impl Iterator<Item = &'a ReplyLine> {
        let scan_first = match (reply.lines.len(), self.single_line) {
            (1, SingleLine::Scanned) => true,
            _ => self.line_one == LineOne::Scanned,
        };
        reply.lines.iter().skip(usize::from(!scan_first))
    }

    /// Whether one line offers STARTTLS under this rule.
    pub fn line_offers(&self, line: &ReplyLine) -> bool {
        let keyword_line_250 = matches!(
            self.code,
            CodeRule::KeywordLineIs250
                | CodeRule::KeywordAndLastLineAre250
                | CodeRule::SameCodeOrWait
        );
        if keyword_line_250 && line.code != 250 {
            return false;
        }
        let eq = |a: &[u8]| match self.case {
            Case::Insensitive => a.eq_ignore_ascii_case(KEYWORD),
            Case::UpperOnly => a == KEYWORD,
        };
        let text = line.text.as_slice();
        let at = |i: usize| text.get(i..i + KEYWORD.len()).is_some_and(eq);
        match self.keyword {
            KeywordMatch::FirstWord => {
                let ends = |b: u8| match self.word_end {
                    WordEnd::Space => b == b' ',
                    WordEnd::SpaceTab => b == b' ' || b == b'\t',
                    WordEnd::SpaceEquals => b == b' ' || b == b'=',
                };
                let end = text.iter().position(|&b| ends(b)).unwrap_or(text.len());
                text.get(..end).is_some_and(eq)
            }
            KeywordMatch::LeadingToken => {
                let end = text
                    .iter()
                    .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-'))
                    .unwrap_or(text.len());
                text.get(..end).is_some_and(eq)
            }
            KeywordMatch::WholeLine => eq(text),
            KeywordMatch::Prefix => at(0),
            KeywordMatch::Substring => (0..text.len()).any(at),
            KeywordMatch::WordBoundary => (0..text.len()).any(|i| {
                // At the start of the text the code's separator (SP or `-`) precedes it.
                let before_ok = match i.checked_sub(1).and_then(|p| text.get(p)) {
                    None => true,
                    Some(&b) => b == b' ' || b == b'-',
                };
                let after_ok = text
                    .get(i + KEYWORD.len())
                    .is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'_'));
                before_ok && after_ok && at(i)
            }),
        }
    }

    /// The rule in words, one phrase per property, for `smtp-tls-check clients`.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.push(
            match (self.line_one, self.single_line) {
                (LineOne::Skipped, SingleLine::LikeLineOne) => {
                    "skips line 1 (the greeting), as RFC 5321 says"
                }
                (LineOne::Skipped, SingleLine::Scanned) => {
                    "skips line 1 of a multi-line reply, but searches a single-line reply"
                }
                (LineOne::Scanned, _) => "searches line 1 (the greeting) too",
            }
            .to_string(),
        );
        out.push(
            match (self.keyword, self.word_end) {
                (KeywordMatch::FirstWord, WordEnd::Space) => {
                    "the first word (up to SP) of a line must be STARTTLS"
                }
                (KeywordMatch::FirstWord, WordEnd::SpaceTab) => {
                    "the first word (up to SP or TAB) of a line must be STARTTLS"
                }
                (KeywordMatch::FirstWord, WordEnd::SpaceEquals) => {
                    "the first word (up to SP or '=') of a line must be STARTTLS"
                }
                (KeywordMatch::LeadingToken, _) => "the leading keyword of a line must be STARTTLS",
                (KeywordMatch::WholeLine, _) => {
                    "the whole line must be STARTTLS (no trailing space, no parameter)"
                }
                (KeywordMatch::Prefix, _) => "a line must start with STARTTLS (STARTTLSX counts)",
                (KeywordMatch::Substring, _) => "STARTTLS anywhere in a line counts",
                (KeywordMatch::WordBoundary, _) => {
                    "STARTTLS anywhere after a space or '-' and before a word boundary counts"
                }
            }
            .to_string(),
        );
        out.push(
            match self.case {
                Case::Insensitive => "any case",
                Case::UpperOnly => "upper case only (misses starttls)",
            }
            .to_string(),
        );
        out.push(
            match self.code {
                CodeRule::FirstIs250 => "the first line's code must be 250",
                CodeRule::FirstIs2xx => "the first line's code must be 2xx",
                CodeRule::LastIs250 => "the last line's code must be 250",
                CodeRule::LastIs2xx => "the last line's code must be 2xx",
                CodeRule::KeywordLineIs250 => "the STARTTLS line itself must say 250",
                CodeRule::KeywordAndLastLineAre250 => {
                    "the STARTTLS line and the last line must say 250"
                }
                CodeRule::SameCodeOrWait => {
                    "every line must carry the first line's code, else it waits for more"
                }
                CodeRule::SameCodeOrError => {
                    "every line must carry the same 2xx code, else it rejects the reply"
                }
                CodeRule::Ignored => "codes are not checked",
            }
            .to_string(),
        );
        if self.refused == Refused::Errors {
            out.push("gives up when the code is refused".to_string());
        }
        out.push(
            match self.bare_lf {
                BareLf::Accepted => "accepts a bare LF",
                BareLf::Hangs => "waits for CRLF after a bare LF (hangs)",
            }
            .to_string(),
        );
        if let Some(max) = self.max_line {
            out.push(format!("rejects lines over {max} octets"));
        }
        if self.sends_anyway {
            out.push("sends STARTTLS even when it did not see it".to_string());
        }
        out
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
