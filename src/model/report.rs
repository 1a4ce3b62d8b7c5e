use serde::Serialize;

use super::Finding;
use crate::tls::{CertInfo, HandshakeFailure, VerifyFailure};

/// Bumped on any incompatible change of the JSON form.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Ok,
    Warning,
    Fail,
    /// The probe could not reach a diagnosis (no connection, no EHLO reply, unreadable input).
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warning => "warning",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }

    /// The verdict of several results together (a domain's addresses, a batch).
    ///
    /// A TLS problem found anywhere outranks an address that could not be diagnosed: an
    /// unreachable IPv6 address must not hide that the reachable one has no STARTTLS.
    pub fn worst(self, other: Verdict) -> Verdict {
        match (self, other) {
            (Verdict::Fail, _) | (_, Verdict::Fail) => Verdict::Fail,
            _ => self.max(other),
        }
    }

    pub fn exit_status(self) -> ExitStatus {
        match self {
            Verdict::Ok => ExitStatus::Ok,
            Verdict::Warning => ExitStatus::Warnings,
            Verdict::Fail => ExitStatus::TlsProblem,
            Verdict::Error => ExitStatus::NoDiagnosis,
        }
    }
}

/// The documented process exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Ok = 0,
    Warnings = 1,
    Usage = 2,
    TlsProblem = 3,
    NoDiagnosis = 4,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        self as u8
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Probe,
    Parse,
    Demo,
}

#[derive(Debug, Clone, Serialize)]
pub struct AddressAttempt {
    pub address: String,
    /// `None` when this address answered.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetSection {
    /// What the user typed.
    pub input: String,
    pub host: String,
    pub port: u16,
    /// SNI and the name the certificate must match.
    pub tls_name: String,
    pub implicit_tls: bool,
    /// The address that answered.
    pub address: Option<String>,
    pub attempts: Vec<AddressAttempt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BannerSection {
    pub code: u16,
    /// Each line's text, terminal-safe.
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineRole {
    /// Line 1: the server's domain and greeting.
    Greeting,
    /// Line 1 naming STARTTLS: a strict client reads it as the greeting and ignores STARTTLS.
    GreetingIgnoredByStrictClients,
    /// A valid `ehlo-keyword *(SP ehlo-param)` line.
    EhloLine,
    /// A later line that is not a valid ehlo-line.
    InvalidEhloLine,
}

#[derive(Debug, Clone, Serialize)]
pub struct EhloLineEntry {
    /// The line as received, terminal-safe (`250-STARTTLS`).
    pub raw: String,
    pub role: LineRole,
    /// Why the line has that role, for the annotated listing.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EhloKeywordEntry {
    pub keyword: String,
    pub params: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Greeting {
    pub domain: String,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EhloSection {
    pub code: u16,
    pub greeting: Greeting,
    pub keywords: Vec<EhloKeywordEntry>,
    /// `ehlo-line` | `greeting-only` | `greeting-and-ehlo-line` | `absent` | `masked`.
    pub starttls: &'static str,
    pub lines: Vec<EhloLineEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientViewEntry {
    pub client: &'static str,
    pub name: &'static str,
    pub sees_starttls: bool,
    pub will_upgrade: bool,
    pub would_log: Option<&'static str>,
    /// `mta` | `library` | `test-tool` | `scanner`.
    pub group: &'static str,
    /// `measured` (run in the client lab) | `source` (read from the client's source only).
    pub evidence: &'static str,
    /// The version measured on, or whose source was read.
    pub version: &'static str,
    /// Where the client's rule is in its source or documentation.
    pub source: &'static str,
    /// `upgrades` | `sends-anyway` | `no-tls` | `hangs` | `errors`.
    pub outcome: &'static str,
    /// For `hangs` and `errors`: what the client does, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome_detail: Option<&'static str>,
    /// Whether this client's view decides the verdict (`--clients`).
    pub deciding: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TlsSection {
    /// `starttls` or `implicit`.
    pub mode: &'static str,
    pub established: bool,
    pub version: Option<String>,
    pub cipher: Option<String>,
    pub group: Option<String>,
    /// The chain as the server sent it, leaf first.
    pub certificates: Vec<CertInfo>,
    /// The chain verified against the trust anchors and the name.
    pub verified: bool,
    /// False only with `--insecure`: failures are then reported but not counted.
    pub verification_enabled: bool,
    pub trust_anchors: String,
    pub verify_error: Option<VerifyFailure>,
    pub handshake_error: Option<HandshakeFailure>,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Timings {
    pub resolve: Option<f64>,
    pub connect: Option<f64>,
    pub banner: Option<f64>,
    pub ehlo: Option<f64>,
    pub starttls: Option<f64>,
    pub handshake: Option<f64>,
    pub ehlo_after_tls: Option<f64>,
    pub quit: Option<f64>,
    pub total: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TranscriptDirection {
    /// Client to server.
    Sent,
    /// Server to client.
    Received,
    /// Something the probe did (connect, TLS handshake).
    Event,
}

#[derive(Debug, Clone, Serialize)]
pub struct TranscriptEntry {
    /// Milliseconds since the connection started.
    pub t_ms: f64,
    pub direction: TranscriptDirection,
    /// Terminal-safe.
    pub text: String,
}

/// How `parse` read a paste: every assumption is listed, nothing is dropped silently.
#[derive(Debug, Clone, Serialize)]
pub struct InputSection {
    /// The format family detected (`swaks`, `postfix-log`, ..., `generic`).
    pub format: &'static str,
    /// Its name for people.
    pub format_name: &'static str,
    /// 1-based line numbers, in the paste, of the EHLO reply's lines (empty when none).
    pub reply_lines: Vec<usize>,
    /// False when the format does not keep the server's bytes: bare LF and trailing white
    /// space could not be judged.
    pub bytes_judged: bool,
    /// Every assumption made while reading, in order.
    pub notes: Vec<String>,
}

/// Everything one probe (or one `parse`) found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub mode: Mode,
    /// `host` or `paste` (a domain report says `domain`): the same key in every report.
    pub kind: super::ReportKind,
    pub verdict: Verdict,
    /// One line a person can paste into a ticket.
    pub summary: String,
    pub target: Option<TargetSection>,
    pub findings: Vec<Finding>,
    pub banner: Option<BannerSection>,
    pub ehlo: Option<EhloSection>,
    pub client_view: Vec<ClientViewEntry>,
    pub tls: Option<TlsSection>,
    /// The capabilities advertised inside TLS (RFC 3207 4.2: a client must EHLO again).
    pub ehlo_after_tls: Option<Vec<EhloKeywordEntry>>,
    pub timings_ms: Timings,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<Vec<TranscriptEntry>>,
    /// `parse`: how the paste was read (format, reply lines, every assumption).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<InputSection>,
}

impl Report {
    pub fn exit_status(&self) -> ExitStatus {
        self.verdict.exit_status()
    }
}

#[cfg(test)]
mod tests {
    use super::Verdict::{self, *};

    #[test]
    fn fail_outranks_error_when_combining() {
        let all = [Ok, Warning, Fail, Error];
        for a in all {
            for b in all {
                let w = a.worst(b);
                assert_eq!(w, b.worst(a), "symmetric");
                let expected = if a == Fail || b == Fail {
                    Fail
                } else {
                    a.max(b)
                };
                assert_eq!(w, expected, "{a:?} {b:?}");
            }
        }
        assert_eq!([Ok, Error, Fail].into_iter().fold(Ok, Verdict::worst), Fail);
    }
}
