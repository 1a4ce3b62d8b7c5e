//! The report data model: what the probe found, as plain data.
//!
//! Diagnosis fills it in ([`crate::diagnose`]); reporting renders it ([`crate::report`]) and never
//! decides anything. The JSON form of [`Report`] is a public, versioned schema (README).

mod domain;
mod finding;
mod monitor;
mod report;

pub use domain::{DomainReport, MxSection, ReportKind, TargetReport};
pub use finding::{Finding, FindingId, Severity};
pub use monitor::{
    Check, CheckOutcome, CheckResult, ClientFacts, FleetFacts, LeafFacts, PluginState, ProbeFacts,
    TargetFacts, Thresholds, STARTTLS_PLACEMENTS, VERDICTS,
};
pub use report::{
    AddressAttempt, BannerSection, ClientViewEntry, EhloKeywordEntry, EhloLineEntry, EhloSection,
    ExitStatus, Greeting, LineRole, Mode, Report, TargetSection, Timings, TlsSection,
    TranscriptDirection, TranscriptEntry, Verdict, SCHEMA_VERSION,
};
