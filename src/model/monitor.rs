//! What monitoring outputs (Nagios, Prometheus, JUnit) show, as plain data. Filled in by
//! [`crate::diagnose::monitor`], which is where the judgements (plugin state, which check a
//! finding belongs to, what counts as a probe's success) are made; the renderers only format.

use super::{Finding, Severity, Verdict};

/// A monitoring plugin's state (monitoring-plugins developer guidelines, "Plugin Return
/// Codes"): the process exit code under `--output nagios`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginState {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl PluginState {
    pub fn as_str(self) -> &'static str {
        match self {
            PluginState::Ok => "OK",
            PluginState::Warning => "WARNING",
            PluginState::Critical => "CRITICAL",
            PluginState::Unknown => "UNKNOWN",
        }
    }

    pub fn code(self) -> u8 {
        self as u8
    }

    /// Rank when several results combine: CRITICAL > WARNING > UNKNOWN > OK (the order
    /// Nagios and Icinga use for service dependencies and check_multi).
    pub fn rank(self) -> u8 {
        match self {
            PluginState::Ok => 0,
            PluginState::Unknown => 1,
            PluginState::Warning => 2,
            PluginState::Critical => 3,
        }
    }

    pub fn worst(self, other: PluginState) -> PluginState {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

/// Every value `ehlo.starttls` can take, for outputs that list them all (Prometheus state sets).
pub const STARTTLS_PLACEMENTS: &[&str] = &[
    "ehlo-line",
    "greeting-only",
    "greeting-and-ehlo-line",
    "absent",
    "masked",
];

/// Every verdict, in order, for the same.
pub const VERDICTS: &[Verdict] = &[Verdict::Ok, Verdict::Warning, Verdict::Fail, Verdict::Error];

/// Certificate thresholds in days (`--warn-days`, `--crit-days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub warn_days: i64,
    pub crit_days: Option<i64>,
    /// `--fail-on`: findings of at least this severity are JUnit failures.
    pub failing: Severity,
}

/// The groups of findings a JUnit report shows as test cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    Connection,
    EhloReply,
    StarttlsOffered,
    TlsUpgrade,
    Certificate,
    /// `--check-enforcement`, `--check-injection`, `--samples`.
    ActiveChecks,
    /// Whether senders insist on TLS: MTA-STS, TLS-RPT, DANE.
    SenderPolicy,
    Other,
}

impl Check {
    pub const ALL: &'static [Check] = &[
        Check::Connection,
        Check::EhloReply,
        Check::StarttlsOffered,
        Check::TlsUpgrade,
        Check::Certificate,
        Check::ActiveChecks,
        Check::SenderPolicy,
        Check::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Check::Connection => "connection",
            Check::EhloReply => "ehlo-reply",
            Check::StarttlsOffered => "starttls-offered",
            Check::TlsUpgrade => "tls-upgrade",
            Check::Certificate => "certificate",
            Check::ActiveChecks => "active-checks",
            Check::SenderPolicy => "sender-policy",
            Check::Other => "other",
        }
    }
}

/// How one check came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// Ran, nothing at or above the failing severity.
    Passed,
    /// Ran and found a problem (JUnit `<failure>`).
    Failed,
    /// Could not run to a diagnosis (JUnit `<error>`): unreachable, refused, unreadable.
    Errored,
    /// Never reached (JUnit `<skipped>`), with the reason.
    Skipped(String),
}

#[derive(Debug, Clone)]
pub struct CheckResult {
    pub check: Check,
    pub outcome: CheckOutcome,
    /// The findings of this check, every severity.
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFacts {
    pub client: &'static str,
    pub sees_starttls: bool,
    pub will_upgrade: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafFacts {
    pub fingerprint_sha256: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub sans: String,
}

/// One probed address (a host target has one; a domain one per MX address).
#[derive(Debug, Clone)]
pub struct ProbeFacts {
    /// What a person would call this probe: `mx.example.com [192.0.2.1]:25`.
    pub name: String,
    /// The MX host, for a domain's probes.
    pub mx: Option<String>,
    /// `IP:PORT` that answered, or the host and port when none did.
    pub address: String,
    pub verdict: Verdict,
    pub success: bool,
    pub state: PluginState,
    pub summary: String,
    pub duration_seconds: Option<f64>,
    pub handshake_seconds: Option<f64>,
    /// Unix seconds of the earliest `notAfter` in the chain sent.
    pub earliest_cert_expiry: Option<i64>,
    /// Days left of the leaf certificate.
    pub days_left: Option<i64>,
    /// `TLS 1.3`, as blackbox_exporter labels it.
    pub tls_version: Option<String>,
    pub starttls_placement: Option<&'static str>,
    pub cert_verified: Option<bool>,
    pub leaf: Option<LeafFacts>,
    pub clients: Vec<ClientFacts>,
    pub findings: Vec<Finding>,
    pub checks: Vec<CheckResult>,
}

/// One TARGET (host or domain) as monitoring sees it.
#[derive(Debug, Clone)]
pub struct TargetFacts {
    pub input: String,
    pub verdict: Verdict,
    /// blackbox_exporter's `probe_success`: the target was diagnosed and nothing failed.
    pub success: bool,
    pub state: PluginState,
    pub summary: String,
    /// The longest probe (a domain's run in parallel).
    pub duration_seconds: Option<f64>,
    pub handshake_seconds: Option<f64>,
    pub earliest_cert_expiry: Option<i64>,
    pub days_left: Option<i64>,
    /// A domain's own findings (DNS, null MX).
    pub findings: Vec<Finding>,
    /// The checks of those findings (empty for a host).
    pub checks: Vec<CheckResult>,
    pub probes: Vec<ProbeFacts>,
    pub thresholds: Thresholds,
}

/// A batch as a plugin sees it: one state, counts per state.
#[derive(Debug, Clone)]
pub struct FleetFacts {
    pub state: PluginState,
    pub summary: String,
    pub counts: Vec<(PluginState, u64)>,
    pub targets: Vec<TargetFacts>,
}
