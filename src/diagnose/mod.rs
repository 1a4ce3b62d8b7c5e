//! Diagnosis: turns facts (a parsed reply, a session record) into findings and a verdict.
//!
//! This is the only place that judges. The grammar crate says what the bytes are; the session
//! says what happened; this module says what that means for mail clients.

mod active;
mod clients;
mod domain;
mod ehlo;
mod foreign;
pub mod monitor;
mod paste;
pub mod policy;
mod reply;
mod samples;
mod session;
mod tls;

pub use active::{enforcement_implicit, injection_not_run};
pub use domain::finish_domain;
pub use ehlo::{
    client_view_entries, client_view_entries_for, ehlo_findings, ehlo_findings_for, ehlo_section,
};
pub use paste::paste_report;
pub use reply::reply_findings;
pub use samples::{add_findings, sample_findings};
pub use session::{session_report, DiagnoseContext};

use smtp_grammar::{ClientSet, Extracted};

use crate::model::{Finding, FindingId, Mode, Report, Severity, Timings, Verdict, SCHEMA_VERSION};

/// The verdict for a set of findings; `diagnosed` is false when the probe never got as far as a
/// STARTTLS diagnosis (no connection, refused banner, no EHLO reply).
pub fn verdict(findings: &[Finding], diagnosed: bool) -> Verdict {
    if !diagnosed {
        return Verdict::Error;
    }
    match findings.iter().map(|f| f.severity).max() {
        Some(Severity::Error) => Verdict::Fail,
        Some(Severity::Warning) => Verdict::Warning,
        _ => Verdict::Ok,
    }
}

/// The one-line summary: the worst finding's message, or `ok_line` when nothing is wrong.
pub fn summary(findings: &[Finding], verdict: Verdict, ok_line: String) -> String {
    if verdict == Verdict::Ok {
        return ok_line;
    }
    let worst = findings.iter().map(|f| f.severity).max();
    findings
        .iter()
        .find(|f| Some(f.severity) == worst)
        .map(|f| f.message.clone())
        .unwrap_or(ok_line)
}

/// `parse`: the diagnosis of a pasted EHLO reply, the same as the live probe gives for it,
/// judged by the default deciding clients.
pub fn parse_report(extracted: &Extracted) -> Report {
    parse_report_with(extracted, &ClientSet::default())
}

/// `parse` with the clients whose view decides the verdict (`--clients`).
pub fn parse_report_with(extracted: &Extracted, deciding: &ClientSet) -> Report {
    let reply = &extracted.ehlo_reply;
    let mut findings = Vec::new();
    if let Some(banner) = &extracted.banner {
        findings.extend(reply_findings(banner, "banner", !extracted.pasted_with_lf));
    }
    findings.extend(reply_findings(
        reply,
        "EHLO reply",
        !extracted.pasted_with_lf,
    ));
    let section = ehlo_section(reply);
    findings.extend(ehlo_findings_for(reply, false, deciding));
    let diagnosed = section.is_some();
    let verdict = verdict(&findings, diagnosed);
    let ok_line =
        "STARTTLS is offered on an ehlo-line: strict and lenient clients alike will see it"
            .to_string();
    Report {
        schema_version: SCHEMA_VERSION,
        mode: Mode::Parse,
        kind: crate::model::ReportKind::Paste,
        verdict,
        summary: summary(&findings, verdict, ok_line),
        target: None,
        findings,
        banner: extracted.banner.as_ref().map(ehlo::banner_section),
        ehlo: section,
        client_view: client_view_entries_for(reply, deciding),
        tls: None,
        ehlo_after_tls: None,
        timings_ms: Timings::default(),
        transcript: None,
        input: None,
    }
}

/// A report for input that could not be diagnosed at all.
pub fn error_report(mode: Mode, id: FindingId, message: String) -> Report {
    let findings = vec![Finding::error(id, message.clone())];
    Report {
        schema_version: SCHEMA_VERSION,
        mode,
        kind: crate::model::ReportKind::of_mode(mode),
        verdict: Verdict::Error,
        summary: message,
        target: None,
        findings,
        banner: None,
        ehlo: None,
        client_view: Vec::new(),
        tls: None,
        ehlo_after_tls: None,
        timings_ms: Timings::default(),
        transcript: None,
        input: None,
    }
}
