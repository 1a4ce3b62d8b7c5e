//! Diagnosis: turns facts (a parsed reply, a session record) into findings and a verdict.
//!
//! This is the only place that judges. The grammar crate says what the bytes are; the session
//! says what happened; this module says what that means for mail clients.

mod domain;
mod ehlo;
pub mod monitor;
mod reply;
mod session;

pub use domain::finish_domain;
pub use ehlo::{client_view_entries, ehlo_findings, ehlo_section};
pub use reply::reply_findings;
pub use session::{session_report, DiagnoseContext};

use smtp_grammar::Extracted;

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

/// `parse`: the diagnosis of a pasted EHLO reply, the same as the live probe gives for it.
pub fn parse_report(extracted: &Extracted) -> Report {
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
    findings.extend(ehlo_findings(reply, false));
    let diagnosed = section.is_some();
    let verdict = verdict(&findings, diagnosed);
    let ok_line =
        "STARTTLS is offered on an ehlo-line: strict and lenient clients alike will see it"
            .to_string();
    Report {
        schema_version: SCHEMA_VERSION,
        mode: Mode::Parse,
        verdict,
        summary: summary(&findings, verdict, ok_line),
        target: None,
        findings,
        banner: extracted.banner.as_ref().map(ehlo::banner_section),
        ehlo: section,
        client_view: client_view_entries(reply),
        tls: None,
        ehlo_after_tls: None,
        timings_ms: Timings::default(),
        transcript: None,
    }
}

/// A report for input that could not be diagnosed at all.
pub fn error_report(mode: Mode, id: FindingId, message: String) -> Report {
    let findings = vec![Finding::error(id, message.clone())];
    Report {
        schema_version: SCHEMA_VERSION,
        mode,
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
    }
}
