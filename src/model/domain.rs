//! A mail domain's report: every MX host, every address, one overall verdict.

use serde::Serialize;

use super::{
    ExitStatus, Finding, FindingId, Mode, MxPolicy, PolicySection, Report, Verdict, SCHEMA_VERSION,
};

/// What one TARGET produced: a host's report, or a domain's (all its MX hosts).
///
/// Serialised untagged: a host is the object `--json` always printed (`"mode": "probe"`), a
/// domain is a [`DomainReport`] (`"kind": "domain"`). Batch output is one of these per line.
// One per target, moved once from probe to printer: boxing the larger variant buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum TargetReport {
    Host(Report),
    Domain(DomainReport),
}

impl TargetReport {
    pub fn verdict(&self) -> Verdict {
        match self {
            TargetReport::Host(r) => r.verdict,
            TargetReport::Domain(d) => d.verdict,
        }
    }

    pub fn exit_status(&self) -> ExitStatus {
        self.verdict().exit_status()
    }

    /// Every finding id, the domain's own and those of every address report, for summaries.
    pub fn finding_ids(&self) -> Vec<FindingId> {
        match self {
            TargetReport::Host(r) => r.findings.iter().map(|f| f.id).collect(),
            TargetReport::Domain(d) => d
                .findings
                .iter()
                .map(|f| f.id)
                .chain(
                    d.mx.iter()
                        .flat_map(|m| m.addresses.iter())
                        .flat_map(|r| r.findings.iter().map(|f| f.id)),
                )
                .chain(
                    d.mx.iter()
                        .flat_map(|m| m.policy.findings.iter().map(|f| f.id)),
                )
                .collect(),
        }
    }
}

/// What a report is about: every report object carries it as `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    Domain,
    /// One host (or one address of a domain's MX).
    Host,
    /// A pasted reply or transcript (`parse`).
    Paste,
}

impl ReportKind {
    /// A host report's kind follows from how it was made.
    pub fn of_mode(mode: Mode) -> Self {
        match mode {
            Mode::Parse => ReportKind::Paste,
            Mode::Probe | Mode::Demo => ReportKind::Host,
        }
    }
}

/// Everything found for one mail domain.
#[derive(Debug, Clone, Serialize)]
pub struct DomainReport {
    pub schema_version: u32,
    pub kind: ReportKind,
    /// How the domain was reached: every report object carries it as `mode` (always `probe`).
    pub mode: Mode,
    /// What the user typed.
    pub input: String,
    /// The domain, without a trailing dot.
    pub domain: String,
    /// The worst verdict of the domain's own findings and of every address probed.
    pub verdict: Verdict,
    pub summary: String,
    /// Findings about the domain itself: `null-mx`, `implicit-mx`, `dns-*`.
    pub findings: Vec<Finding>,
    /// MX hosts in preference order (lowest first).
    pub mx: Vec<MxSection>,
    /// MTA-STS and TLS-RPT (absent when neither was checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicySection>,
}

impl DomainReport {
    /// A report with no MX yet. Its verdict and summary are set by
    /// [`crate::diagnose::finish_domain`], which is where judgement lives.
    pub fn new(input: &str, domain: &str, findings: Vec<Finding>) -> Self {
        DomainReport {
            schema_version: SCHEMA_VERSION,
            kind: ReportKind::Domain,
            mode: Mode::Probe,
            input: input.to_string(),
            domain: domain.to_string(),
            verdict: Verdict::Ok,
            summary: String::new(),
            findings,
            mx: Vec::new(),
            policy: None,
        }
    }

    pub fn exit_status(&self) -> ExitStatus {
        self.verdict.exit_status()
    }
}

/// One MX host and the reports of its addresses.
#[derive(Debug, Clone, Serialize)]
pub struct MxSection {
    /// The exchange host name, without a trailing dot.
    pub exchange: String,
    pub preference: u16,
    /// True for the implicit MX (RFC 5321 5.1: no MX record, the domain's own addresses).
    pub implicit: bool,
    /// The combined verdict of this MX's addresses.
    pub verdict: Verdict,
    /// One report per address probed (one in all with `--first-address`). An MX whose name
    /// does not resolve has one error report with a `dns-*` finding.
    pub addresses: Vec<Report>,
    /// DANE, MTA-STS standing and what each kind of sender does (`dane`, `mta_sts`,
    /// `senders`, `findings` keys, present when checked).
    #[serde(flatten)]
    pub policy: MxPolicy,
}
