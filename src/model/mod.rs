//! The report data model: what the probe found, as plain data.
//!
//! Diagnosis fills it in ([`crate::diagnose`]); reporting renders it ([`crate::report`]) and never
//! decides anything. The JSON form of [`Report`] is a public, versioned schema (README).

mod clients;
mod domain;
mod finding;
mod monitor;
mod policy;
mod report;

pub use clients::{client_table, ClientTableEntry};
pub use domain::{DomainReport, MxSection, ReportKind, TargetReport};
pub use finding::{Finding, FindingId, Severity};
pub use monitor::{
    Check, CheckOutcome, CheckResult, ClientFacts, FleetFacts, LeafFacts, PluginState, ProbeFacts,
    TargetFacts, Thresholds, STARTTLS_PLACEMENTS, VERDICTS,
};
pub use policy::{
    DaneAddress, DaneSection, MtaStsSection, MxPolicy, MxStsCheck, PolicySection, TlsRptSection,
};
pub use report::{
    AddressAttempt, BannerSection, ClientViewEntry, EhloKeywordEntry, EhloLineEntry, EhloSection,
    ExitStatus, Greeting, InputSection, LineRole, Mode, Report, TargetSection, Timings, TlsSection,
    TranscriptDirection, TranscriptEntry, Verdict, SCHEMA_VERSION,
};
