//! The client table. Each entry states its rule property by property, where in the client's
//! source the rule lives, and the version it was measured on in the client lab
//! (`tests/it/lab/`, which checks every prediction below against the real client) or, for the
//! clients the lab cannot run, the version whose source was read.

use super::rules::{
    BareLf, Case, CodeRule, KeywordMatch, LineOne, Refused, Rule, SingleLine, WordEnd,
};
use super::{ClientProfile, Evidence, Group};

/// RFC 5321 4.1.1.1 read strictly: skip line 1, first word, any case. Also the baseline the
/// rule tests vary one property of.
pub(super) const STRICT: Rule = Rule {
    line_one: LineOne::Skipped,
    single_line: SingleLine::LikeLineOne,
    keyword: KeywordMatch::FirstWord,
    word_end: WordEnd::SpaceTab,
    case: Case::Insensitive,
    code: CodeRule::FirstIs250,
    refused: Refused::FallsBack,
    bare_lf: BareLf::Accepted,
    max_line: None,
    sends_anyway: false,
};

/// The table, MTAs first. Facts from the clients' sources, checked by runs in the lab.
pub static CLIENTS: &[ClientProfile] = &[
    // ---------------------------------------------------------------------------------- MTAs
    ClientProfile {
        id: "cisco-esa",
        name: "Cisco ESA (AsyncOS)",
        group: Group::Mta,
        rule: STRICT,
        logs_when_missing: Some("STARTTLS command not supported."),
        evidence: Evidence::Source,
        version: "AsyncOS (closed source)",
        source: "Cisco TechNote: TLS negotiation fails with \"STARTTLS command not supported\" \
                 when STARTTLS is available but the server is not RFC 1869 compliant",
    },
    ClientProfile {
        id: "postfix",
        name: "Postfix (smtp client)",
        group: Group::Mta,
        rule: Rule {
            code: CodeRule::LastIs2xx,
            word_end: WordEnd::SpaceEquals,
            ..STRICT
        },
        logs_when_missing: Some("TLS is required, but was not offered by host"),
        evidence: Evidence::Measured,
        version: "3.7.11",
        source: "src/smtp/smtp_proto.c smtp_helo(): line 0's first word is the server's name \
                 (mail-loop check); keywords from line 1 on, split on \" \\t=\", strcasecmp; \
                 smtp_chat_resp() takes the last line's code and runs printable() on each line first, so a TAB \
                 becomes '?' and ends no word (measured: `STARTTLS<TAB>` is missed, `STARTTLS=x` \
                 is seen). The log line is smtp(8)'s under \
                 smtp_tls_security_level = encrypt; at `may` it sends in plaintext without a word",
    },
    ClientProfile {
        id: "exim",
        name: "Exim",
        group: Group::Mta,
        rule: Rule {
            case: Case::UpperOnly,
            code: CodeRule::KeywordLineIs250,
            ..STRICT
        },
        logs_when_missing: Some(
            "a TLS session is required, but the server did not offer TLS support",
        ),
        evidence: Evidence::Measured,
        version: "4.96",
        source: "src/transports/smtp.c: regex `\\n250[\\s\\-]STARTTLS(\\s|\\n|$)` over the \
                 reply's lines joined by \\n, compiled case-sensitive; the \\n before 250 keeps \
                 line 1 out. read_response_line() accepts a bare LF and strips trailing space. \
                 The log line is under hosts_require_tls; otherwise it delivers in plaintext",
    },
    ClientProfile {
        id: "sendmail",
        name: "Sendmail",
        group: Group::Mta,
        rule: Rule {
            code: CodeRule::LastIs2xx,
            word_end: WordEnd::SpaceEquals,
            ..STRICT
        },
        logs_when_missing: None,
        evidence: Evidence::Measured,
        version: "8.17.1.9",
        source: "sendmail/usersmtp.c helo_options(): returns on the first line; the keyword is \
                 the text up to SP or '=', compared with sm_strcasecmp; reply() keeps the last \
                 line's code. Without STARTTLS it delivers in plaintext",
    },
    ClientProfile {
        id: "opensmtpd",
        name: "OpenSMTPD",
        group: Group::Mta,
        rule: Rule {
            line_one: LineOne::Scanned,
            keyword: KeywordMatch::WholeLine,
            case: Case::UpperOnly,
            code: CodeRule::LastIs2xx,
            ..STRICT
        },
        logs_when_missing: Some("TLS required but not supported by remote host"),
        evidence: Evidence::Measured,
        version: "6.8.0p2",
        source: "usr.sbin/smtpd/mta_session.c mta_io(): every line of the EHLO reply, line 1 \
                 included, is compared with strcmp(msg, \"STARTTLS\") after only a CR is stripped. \
                 The log line is under `relay tls`; otherwise it delivers in plaintext",
    },
    ClientProfile {
        id: "kumomta",
        name: "KumoMTA",
        group: Group::Mta,
        rule: STRICT,
        logs_when_missing: None,
        evidence: Evidence::Source,
        version: "2024.x",
        source: "crates/rfc5321 client: EHLO capabilities from the lines after the first, \
                 keyword upper-cased",
    },
    // ----------------------------------------------------------------------------- libraries
    ClientProfile {
        id: "python-smtplib",
        name: "Python smtplib",
        group: Group::Library,
        rule: Rule {
            keyword: KeywordMatch::LeadingToken,
            code: CodeRule::LastIs250,
            max_line: Some(8192),
            ..STRICT
        },
        logs_when_missing: Some("STARTTLS extension not supported by server."),
        evidence: Evidence::Measured,
        version: "3.11.7",
        source: "Lib/smtplib.py: getreply() keeps the last line's code (_MAXLINE 8192); ehlo() \
                 does `del resp[0]` and takes `[A-Za-z0-9][A-Za-z0-9-]*` lower-cased; starttls() \
                 raises SMTPNotSupportedError",
    },
    ClientProfile {
        id: "aiosmtplib",
        name: "aiosmtplib",
        group: Group::Library,
        rule: Rule {
            keyword: KeywordMatch::LeadingToken,
            code: CodeRule::LastIs250,
            max_line: Some(8192),
            ..STRICT
        },
        logs_when_missing: Some("SMTP STARTTLS extension not supported by server."),
        evidence: Evidence::Measured,
        version: "5.1.3",
        source: "aiosmtplib/esmtp.py parse_esmtp_extensions(): ignores the first line, \
                 `[A-Za-z0-9][A-Za-z0-9-]*` lower-cased; protocol.py keeps the last line's code",
    },
    ClientProfile {
        id: "go-net-smtp",
        name: "Go net/smtp",
        group: Group::Library,
        rule: Rule {
            case: Case::UpperOnly,
            code: CodeRule::SameCodeOrWait,
            word_end: WordEnd::Space,
            ..STRICT
        },
        logs_when_missing: None,
        evidence: Evidence::Measured,
        version: "1.19",
        source: "net/smtp ehlo(): the ext map is keyed by the first word of each line after the \
                 first, as sent; Extension() upper-cases only the name asked for. \
                 net/textproto ReadResponse(): a line with another code continues the reply",
    },
    ClientProfile {
        id: "nodemailer",
        name: "nodemailer",
        group: Group::Library,
        rule: Rule {
            line_one: LineOne::Scanned,
            keyword: KeywordMatch::WordBoundary,
            code: CodeRule::FirstIs2xx,
            ..STRICT
        },
        logs_when_missing: None,
        evidence: Evidence::Measured,
        version: "10.6.1",
        source: "lib/smtp-connection/index.js _actionEHLO(): /[ -]STARTTLS\\b/mi over the whole \
                 reply; the reply's first digit must be 2",
    },
    ClientProfile {
        id: "ruby-net-smtp",
        name: "Ruby net-smtp",
        group: Group::Library,
        rule: Rule {
            case: Case::UpperOnly,
            code: CodeRule::FirstIs2xx,
            ..STRICT
        },
        logs_when_missing: Some("STARTTLS is not supported on this server"),
        evidence: Evidence::Measured,
        version: "0.3.1",
        source: "lib/net/smtp.rb Response#capabilities: `lines.drop(1)`, first word of \
                 `line[4..].split(' ')` as sent; capable_starttls? looks up 'STARTTLS'",
    },
    ClientProfile {
        id: "perl-net-smtp",
        name: "Perl Net::SMTP",
        group: Group::Library,
        rule: Rule {
            line_one: LineOne::Scanned,
            keyword: KeywordMatch::LeadingToken,
            code: CodeRule::LastIs2xx,
            ..STRICT
        },
        logs_when_missing: None,
        evidence: Evidence::Measured,
        version: "3.14",
        source: "Net/SMTP.pm hello(): every line of the message, line 1 included, \
                 /([-\\w]+)\\b[= \\t]*/ upper-cased into the esmtp hash; supports('STARTTLS'); \
                 Net::Cmd response() keeps the last line's code. supports('STARTTLS') returns \
                 the keyword's parameter, \"\" without one, so the idiom `starttls() if \
                 supports('STARTTLS')` never upgrades; the rule is the parser's (`defined`)",
    },
    ClientProfile {
        id: "jakarta-mail",
        name: "Jakarta Mail",
        group: Group::Library,
        rule: Rule {
            word_end: WordEnd::Space,
            ..STRICT
        },
        logs_when_missing: Some("STARTTLS is required but host does not support STARTTLS"),
        evidence: Evidence::Measured,
        version: "2.0.0",
        source: "com/sun/mail/smtp/SMTPTransport.java ehlo(): skips the first line (the \
                 greeting), first word up to SP upper-cased; readServerResponse() takes the \
                 first line's code. The message is under mail.smtp.starttls.required",
    },
    ClientProfile {
        id: "lettre",
        name: "lettre (Rust)",
        group: Group::Library,
        rule: Rule {
            line_one: LineOne::Scanned,
            case: Case::UpperOnly,
            code: CodeRule::SameCodeOrError,
            bare_lf: BareLf::Hangs,
            max_line: Some(1000),
            ..STRICT
        },
        logs_when_missing: None,
        evidence: Evidence::Measured,
        version: "0.11.23",
        source: "src/transport/smtp/extension.rs ServerInfo::from_response scans every line, \
                 keywords case-sensitive; src/transport/smtp/response.rs needs CRLF and \
                 fails (ErrorKind::Not) when the lines' codes differ; \
                 client/connection.rs MAX_RESPONSE_LINE_BYTES 1000 (\"SMTP response line too long\")",
    },
    ClientProfile {
        id: "stalwart-mail-send",
        name: "Stalwart mail-send / smtp-proto",
        group: Group::Library,
        rule: Rule {
            code: CodeRule::LastIs250,
            refused: Refused::Errors,
            ..STRICT
        },
        logs_when_missing: None,
        evidence: Evidence::Measured,
        version: "0.7.0",
        source: "smtp-proto 0.2.5 EhloResponse::parse skips the first line (the hostname); \
                 keywords case-insensitive; the reply's code is its last line's, and mail-send's \
                 connect() fails with \"Unexpected reply\" when it is not 250",
    },
    // ---------------------------------------------------------------------------- test tools
    ClientProfile {
        id: "posttls-finger",
        name: "posttls-finger",
        group: Group::TestTool,
        rule: Rule {
            line_one: LineOne::Scanned,
            code: CodeRule::LastIs2xx,
            ..STRICT
        },
        logs_when_missing: None,
        evidence: Evidence::Measured,
        version: "3.7.11",
        source: "src/posttls-finger/posttls-finger.c ehlo(): every line, line 1 included, the \
                 word after the code, strcasecmp",
    },
    ClientProfile {
        id: "swaks",
        name: "swaks",
        group: Group::TestTool,
        rule: Rule {
            line_one: LineOne::Scanned,
            keyword: KeywordMatch::WholeLine,
            case: Case::UpperOnly,
            code: CodeRule::LastIs250,
            ..STRICT
        },
        logs_when_missing: Some("Host did not advertise STARTTLS"),
        evidence: Evidence::Measured,
        version: "20201014.0",
        source: "swaks: the EHLO reply's lines are matched against /^STARTTLS$/ (every line); \
                 the reply's code is its last line's",
    },
    ClientProfile {
        id: "openssl-s-client",
        name: "OpenSSL s_client -starttls smtp",
        group: Group::TestTool,
        rule: Rule {
            line_one: LineOne::Scanned,
            keyword: KeywordMatch::Substring,
            case: Case::UpperOnly,
            code: CodeRule::Ignored,
            sends_anyway: true,
            ..STRICT
        },
        logs_when_missing: Some("Didn't find STARTTLS in server response, trying anyway..."),
        evidence: Evidence::Measured,
        version: "3.0.19",
        source: "apps/s_client.c: strstr(mbuf, \"STARTTLS\") on every line read while mbuf[3] \
                 is '-'; prints \"Didn't find STARTTLS in server response, trying anyway...\" \
                 and sends STARTTLS regardless",
    },
    ClientProfile {
        id: "curl",
        name: "curl",
        group: Group::TestTool,
        rule: Rule {
            line_one: LineOne::Scanned,
            keyword: KeywordMatch::Prefix,
            case: Case::UpperOnly,
            code: CodeRule::LastIs2xx,
            ..STRICT
        },
        logs_when_missing: Some("STARTTLS not supported."),
        evidence: Evidence::Measured,
        version: "7.88.1",
        source: "lib/smtp.c smtp_state_ehlo_resp(): called for every line, line 1 included; \
                 memcmp(line + 4, \"STARTTLS\", 8). The message is under --ssl-reqd; with \
                 --ssl it carries on in plaintext",
    },
    ClientProfile {
        id: "msmtp",
        name: "msmtp",
        group: Group::TestTool,
        rule: Rule {
            line_one: LineOne::Scanned,
            keyword: KeywordMatch::Prefix,
            max_line: Some(1023),
            ..STRICT
        },
        logs_when_missing: Some("the server does not support TLS via the STARTTLS command"),
        evidence: Evidence::Measured,
        version: "1.8.23",
        source: "src/smtp.c smtp_init(): every line of the EHLO reply, line 1 included, \
                 upper-cased from offset 4, strncmp(s + 4, \"STARTTLS\", 8); \
                 smtp_msg_status() takes the first line's code; a line that does not fit \
                 SMTP_BUFSIZE (1024, NUL included) is an error",
    },
    // ------------------------------------------------------------------------------ scanners
    ClientProfile {
        id: "testssl-sh",
        name: "testssl.sh",
        group: Group::Scanner,
        rule: Rule {
            line_one: LineOne::Scanned,
            keyword: KeywordMatch::Prefix,
            case: Case::UpperOnly,
            code: CodeRule::KeywordAndLastLineAre250,
            sends_anyway: true,
            ..STRICT
        },
        logs_when_missing: None,
        evidence: Evidence::Measured,
        version: "3.0.8",
        source: "testssl.sh starttls_smtp_dialog(): `250[ -]STARTTLS` over the capability \
                 lines, read until a `^250 ` line (a 251 last line: read until its timeout, \
                 then no offer, measured); the TLS tests then run `openssl s_client -starttls smtp`, which sends \
                 STARTTLS whatever the dialog saw",
    },
    ClientProfile {
        id: "zgrab2",
        name: "zgrab2",
        group: Group::Scanner,
        rule: Rule {
            line_one: LineOne::Scanned,
            keyword: KeywordMatch::Substring,
            case: Case::UpperOnly,
            ..STRICT
        },
        logs_when_missing: None,
        evidence: Evidence::Source,
        version: "0.1",
        source: "modules/smtp/scanner.go: case-sensitive substring `STARTTLS` in the EHLO \
                 response",
    },
];
