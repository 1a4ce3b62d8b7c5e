//! `--samples N`: do the sessions agree?

use std::collections::BTreeMap;

use crate::checks::Sample;
use crate::model::{Finding, FindingId, Report, Severity, Verdict};

/// "3 of 5: yes; 2 of 5: no" for one property across the samples.
fn tally<F>(samples: &[Sample], key: F) -> BTreeMap<String, usize>
where
    F: Fn(&Sample) -> Option<String>,
{
    let mut counts = BTreeMap::new();
    for s in samples {
        if let Some(k) = key(s) {
            *counts.entry(k).or_insert(0) += 1;
        }
    }
    counts
}

fn render(counts: &BTreeMap<String, usize>, total: usize) -> String {
    counts
        .iter()
        .map(|(k, n)| format!("{n} of {total} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Per address, what each property looked like: the evidence line.
fn per_address(samples: &[Sample]) -> String {
    let mut by_addr: BTreeMap<String, Vec<&Sample>> = BTreeMap::new();
    for s in samples {
        by_addr.entry(s.address.to_string()).or_default().push(s);
    }
    by_addr
        .iter()
        .map(|(a, ss)| {
            let offered = ss.iter().filter(|s| s.offered == Some(true)).count();
            let failed = ss.iter().filter(|s| s.error.is_some()).count();
            let first_error = ss
                .iter()
                .find_map(|s| s.error.as_deref())
                .map(|e| format!(" ({})", e.get(..e.len().min(160)).unwrap_or(e)))
                .unwrap_or_default();
            format!(
                "{a}: {} sessions, STARTTLS offered in {offered}, stopped early in {failed}{first_error}",
                ss.len()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `starttls-intermittent` when the sessions disagree, `samples-consistent` when they agree.
/// Severity: STARTTLS offered by some and not others, or TLS failing on some, is an error (a
/// sender meets the bad node sooner or later); a different certificate is a warning (nodes out
/// of step: one renewal missed); a different banner name alone is information (several nodes).
pub fn sample_findings(samples: &[Sample]) -> Vec<Finding> {
    let total = samples.len();
    if total < 2 {
        return Vec::new();
    }
    // A session that never got an EHLO reply says nothing about STARTTLS: it is counted on
    // its own, so a node that is down or a server limiting connections is not reported as
    // "some senders get TLS and some do not".
    let offered = tally(samples, |s| {
        s.offered.map(|o| {
            if o {
                "offered STARTTLS".to_string()
            } else {
                "did not offer STARTTLS".to_string()
            }
        })
    });
    let stopped = tally(samples, |s| match (s.offered, &s.error) {
        (Some(_), _) => None,
        (None, Some(_)) => Some("stopped before EHLO".to_string()),
        (None, None) => Some("gave no EHLO reply".to_string()),
    });
    let tls = tally(samples, |s| {
        s.tls.map(|ok| {
            if ok {
                "completed TLS".to_string()
            } else {
                "failed the TLS handshake".to_string()
            }
        })
    });
    let certs = tally(samples, |s| {
        s.leaf_sha256
            .as_ref()
            .map(|h| format!("showed certificate {}", h.get(..23).unwrap_or(h)))
    });
    let banners = tally(samples, |s| {
        s.banner_name.as_ref().map(|b| format!("greeted as {b:?}"))
    });

    let mut parts = Vec::new();
    let mut severity = Severity::Info;
    if offered.len() > 1 {
        severity = Severity::Error;
        parts.push(render(&offered, total));
    }
    if !stopped.is_empty() {
        severity = severity.max(Severity::Warning);
        if offered.len() == 1 {
            parts.push(render(&offered, total));
        }
        parts.push(render(&stopped, total));
    }
    if tls.len() > 1 || (tls.len() == 1 && tls.values().sum::<usize>() < total && offered.len() > 1)
    {
        severity = Severity::Error;
        parts.push(render(&tls, total));
    }
    if certs.len() > 1 {
        severity = severity.max(Severity::Warning);
        parts.push(render(&certs, total));
    }
    if banners.len() > 1 {
        parts.push(render(&banners, total));
    }
    if parts.is_empty() {
        return vec![Finding::info(
            FindingId::SamplesConsistent,
            format!("all {total} sessions agreed (STARTTLS, TLS, certificate, banner name)"),
        )
        .with_evidence(per_address(samples))];
    }
    let what = match severity {
        Severity::Error => "STARTTLS is intermittent: the sessions to this server disagree, so some senders get TLS and some do not",
        Severity::Warning if stopped.is_empty() => "the sessions to this server showed different certificates: the nodes behind it are not in step",
        Severity::Warning => "some sessions to this server stopped before an EHLO reply (a node down, or the server limiting connections); the sessions that got one agree on STARTTLS",
        Severity::Info => "the sessions reached different nodes (different banner names); they agree on STARTTLS and TLS",
    };
    vec![Finding::new(
        FindingId::StarttlsIntermittent,
        severity,
        format!("{what}: {}", parts.join("; ")),
    )
    .with_evidence(per_address(samples))]
}

/// Adds findings to a finished report: the verdict and summary follow, an undiagnosed report
/// stays undiagnosed.
pub fn add_findings(report: &mut Report, findings: Vec<Finding>) {
    if findings.is_empty() {
        return;
    }
    report.findings.extend(findings);
    if report.verdict == Verdict::Error {
        return;
    }
    let ok_line = report.summary.clone();
    report.verdict = super::verdict(&report.findings, true);
    report.summary = super::summary(&report.findings, report.verdict, ok_line);
}
