//! What real SMTP clients conclude from an EHLO reply.
//!
//! One table, [`CLIENTS`], one entry per client family with the rule it applies and the source
//! of that fact; adding a client is adding an entry.

use serde::Serialize;

use crate::reply::Reply;

/// How a client looks for STARTTLS in the reply to EHLO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// RFC 5321 4.1.1.1: line 1 is the domain; the first word of each later line, any case.
    StrictEhloLines,
    /// RFC 5321's line-1 rule, but the keyword must be upper-case as sent.
    StrictEhloLinesUpperCase,
    /// The first word of any line, line 1 included, any case.
    AnyLineFirstWordAnyCase,
    /// The first word of any line, line 1 included, exactly upper-case `STARTTLS`.
    AnyLineFirstWordUpperCase,
    /// `STARTTLS` as a case-sensitive substring anywhere in the reply.
    SubstringAnywhere,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClientProfile {
    /// Stable kebab-case id used in JSON (`cisco-esa`, `python-smtplib`, ...).
    pub id: &'static str,
    /// Human name (`Cisco ESA (AsyncOS)`).
    pub name: &'static str,
    pub rule: Rule,
    /// Sends STARTTLS even when it did not see it (OpenSSL s_client).
    pub sends_anyway: bool,
    /// What the client logs or prints when it does not see STARTTLS, where known.
    pub logs_when_missing: Option<&'static str>,
    /// Where the fact comes from (source file, documentation or a measured run).
    pub source: &'static str,
}

/// The table. Facts from the clients' sources and from runs against scripted servers.
pub static CLIENTS: &[ClientProfile] = &[
    ClientProfile {
        id: "cisco-esa",
        name: "Cisco ESA (AsyncOS)",
        rule: Rule::StrictEhloLines,
        sends_anyway: false,
        logs_when_missing: Some("STARTTLS command not supported."),
        source: "Cisco TechNote: TLS negotiation fails with \"STARTTLS command not supported\" \
                 when STARTTLS is available but the server is not RFC 1869 compliant",
    },
    ClientProfile {
        id: "python-smtplib",
        name: "Python smtplib",
        rule: Rule::StrictEhloLines,
        sends_anyway: false,
        logs_when_missing: Some("STARTTLS extension not supported by server."),
        source: "CPython Lib/smtplib.py: ehlo() does `del resp[0]` then matches keywords \
                 lower-cased; starttls() raises SMTPNotSupportedError",
    },
    ClientProfile {
        id: "postfix",
        name: "Postfix (smtp client)",
        rule: Rule::StrictEhloLines,
        sends_anyway: false,
        logs_when_missing: Some("TLS is required, but was not offered by host"),
        source: "Postfix src/smtp/smtp_proto.c smtp_helo(): line 0's first word is taken as the \
                 server's name (mail-loop check), keywords are matched case-insensitively from \
                 line 1 on. The log line is smtp's under smtp_tls_security_level = encrypt; at \
                 `may` it sends in plaintext without a word",
    },
    ClientProfile {
        id: "go-net-smtp",
        name: "Go net/smtp",
        rule: Rule::StrictEhloLinesUpperCase,
        sends_anyway: false,
        logs_when_missing: None,
        source: "Go net/smtp ehlo(): the ext map is keyed by the first word of each line after \
                 the first, as sent; Extension() upper-cases only the name asked for, so a \
                 lower-case `starttls` is missed",
    },
    ClientProfile {
        id: "stalwart-mail-send",
        name: "Stalwart mail-send / smtp-proto",
        rule: Rule::StrictEhloLines,
        sends_anyway: false,
        logs_when_missing: None,
        source: "smtp-proto EhloResponse::parse skips the first line (the hostname)",
    },
    ClientProfile {
        id: "kumomta",
        name: "KumoMTA",
        rule: Rule::StrictEhloLines,
        sends_anyway: false,
        logs_when_missing: None,
        source: "KumoMTA rfc5321 client: EHLO capabilities parsed from the lines after the first",
    },
    ClientProfile {
        id: "posttls-finger",
        name: "posttls-finger",
        rule: Rule::AnyLineFirstWordAnyCase,
        sends_anyway: false,
        logs_when_missing: None,
        source: "measured: Postfix 3.7 posttls-finger upgrades with STARTTLS only on the \
                 greeting line; keyword match is case-insensitive",
    },
    ClientProfile {
        id: "swaks",
        name: "swaks",
        rule: Rule::AnyLineFirstWordUpperCase,
        sends_anyway: false,
        logs_when_missing: Some("Host did not advertise STARTTLS"),
        source: "measured: swaks 20201014 upgrades with STARTTLS only on the greeting line, and \
                 with a lower-case `250-starttls` prints \"Host did not advertise STARTTLS\"",
    },
    ClientProfile {
        id: "testssl-sh",
        name: "testssl.sh",
        rule: Rule::AnyLineFirstWordUpperCase,
        sends_anyway: false,
        logs_when_missing: None,
        source: "testssl.sh source: regex `^250[ -]STARTTLS` on every line of the EHLO reply",
    },
    ClientProfile {
        id: "lettre",
        name: "lettre (Rust)",
        rule: Rule::AnyLineFirstWordUpperCase,
        sends_anyway: false,
        logs_when_missing: None,
        source: "lettre ServerInfo::from_response scans every line and matches keywords \
                 case-sensitively",
    },
    ClientProfile {
        id: "zgrab2",
        name: "zgrab2",
        rule: Rule::SubstringAnywhere,
        sends_anyway: false,
        logs_when_missing: None,
        source: "zgrab2 smtp module: case-sensitive substring `STARTTLS` in the EHLO response",
    },
    ClientProfile {
        id: "openssl-s-client",
        name: "OpenSSL s_client -starttls smtp",
        rule: Rule::SubstringAnywhere,
        sends_anyway: true,
        logs_when_missing: Some("Didn't find STARTTLS in server response, trying anyway..."),
        source: "measured: OpenSSL 3.0 s_client upgrades with STARTTLS only on the greeting \
                 line; apps/s_client.c prints \"Didn't find STARTTLS in server response, trying \
                 anyway...\" and sends STARTTLS regardless",
    },
];

/// One client's conclusion for a given reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientVerdict {
    /// [`ClientProfile::id`].
    pub client: &'static str,
    pub name: &'static str,
    pub sees_starttls: bool,
    /// Sees it, or sends STARTTLS anyway.
    pub will_upgrade: bool,
    /// What it logs when it does not see STARTTLS (None when it sees it, or unknown).
    pub would_log: Option<&'static str>,
}

/// Applies every profile in [`CLIENTS`] to `reply` (the raw reply to EHLO).
pub fn client_view(reply: &Reply) -> Vec<ClientVerdict> {
    CLIENTS
        .iter()
        .map(|p| {
            let sees = sees_starttls(p.rule, reply);
            ClientVerdict {
                client: p.id,
                name: p.name,
                sees_starttls: sees,
                will_upgrade: sees || p.sends_anyway,
                would_log: if sees { None } else { p.logs_when_missing },
            }
        })
        .collect()
}

impl Rule {
    /// Whether the rule follows RFC 5321 4.1.1.1 and never looks for keywords on line 1.
    pub fn skips_greeting(self) -> bool {
        matches!(self, Rule::StrictEhloLines | Rule::StrictEhloLinesUpperCase)
    }

    /// Whether the rule misses a keyword sent in lower or mixed case (legal per RFC 5321).
    pub fn case_sensitive(self) -> bool {
        !matches!(self, Rule::StrictEhloLines | Rule::AnyLineFirstWordAnyCase)
    }
}

/// Applies one rule. Only a 250 reply offers anything: for any other code every rule says no.
pub fn sees_starttls(rule: Rule, reply: &Reply) -> bool {
    if reply.code != 250 {
        return false;
    }
    let texts = reply.lines.iter().map(|l| l.text.as_slice());
    match rule {
        Rule::StrictEhloLines => texts
            .skip(1)
            .any(|t| first_word(t).eq_ignore_ascii_case(b"STARTTLS")),
        Rule::StrictEhloLinesUpperCase => texts.skip(1).any(|t| first_word(t) == b"STARTTLS"),
        Rule::AnyLineFirstWordAnyCase => texts
            .into_iter()
            .any(|t| first_word(t).eq_ignore_ascii_case(b"STARTTLS")),
        Rule::AnyLineFirstWordUpperCase => texts.into_iter().any(|t| first_word(t) == b"STARTTLS"),
        Rule::SubstringAnywhere => texts
            .into_iter()
            .any(|t| t.windows(8).any(|w| w == b"STARTTLS")),
    }
}

/// The text up to the first SP or HTAB.
fn first_word(text: &[u8]) -> &[u8] {
    let end = text
        .iter()
        .position(|&b| b == b' ' || b == b'\t')
        .unwrap_or(text.len());
    text.get(..end).unwrap_or(text)
}
