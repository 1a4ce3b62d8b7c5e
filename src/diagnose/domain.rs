//! A mail domain's verdict and summary, from its own findings and its addresses' reports.

use crate::model::{DomainReport, Report, Severity, Verdict};

/// Sets the domain's verdict and, unless one was given, its summary.
pub fn finish_domain(report: &mut DomainReport) {
    for mx in &mut report.mx {
        mx.verdict = mx
            .addresses
            .iter()
            .map(|r| r.verdict)
            .fold(policy_verdict(&mx.policy.findings), Verdict::worst);
    }
    report.verdict = domain_verdict(report);
    if report.summary.is_empty() {
        report.summary = domain_summary(report);
    }
}

/// The domain's own findings (an error there, such as a DNS failure, means no diagnosis) and
/// every address's verdict, combined with [`Verdict::worst`].
fn domain_verdict(report: &DomainReport) -> Verdict {
    let own = report
        .findings
        .iter()
        .map(|f| match f.severity {
            Severity::Info => Verdict::Ok,
            Severity::Warning => Verdict::Warning,
            Severity::Error => Verdict::Error,
        })
        .fold(Verdict::Ok, Verdict::worst);
    report
        .mx
        .iter()
        .flat_map(|m| m.addresses.iter())
        .map(|r| r.verdict)
        .chain(report.mx.iter().map(|m| policy_verdict(&m.policy.findings)))
        .fold(own, Verdict::worst)
}

/// An MX's DANE and MTA-STS findings: an error there is mail that bounces or defers, a
/// diagnosis (`fail`), not a failure to diagnose.
fn policy_verdict(findings: &[crate::model::Finding]) -> Verdict {
    findings
        .iter()
        .map(|f| match f.severity {
            Severity::Info => Verdict::Ok,
            Severity::Warning => Verdict::Warning,
            Severity::Error => Verdict::Fail,
        })
        .fold(Verdict::Ok, Verdict::worst)
}

fn domain_summary(report: &DomainReport) -> String {
    let probed: Vec<&Report> = report.mx.iter().flat_map(|m| m.addresses.iter()).collect();
    let mut counts = Vec::new();
    for v in [Verdict::Ok, Verdict::Warning, Verdict::Fail, Verdict::Error] {
        let n = probed.iter().filter(|r| r.verdict == v).count();
        if n > 0 {
            counts.push(format!("{n} {}", v.as_str()));
        }
    }
    let mx = if report.mx.iter().any(|m| m.implicit) {
        "implicit MX".to_string()
    } else if report.mx.len() == 1 {
        "1 MX".to_string()
    } else {
        format!("{} MX", report.mx.len())
    };
    let tally = format!(
        "{mx}, {} probe{}: {}",
        probed.len(),
        if probed.len() == 1 { "" } else { "s" },
        counts.join(", ")
    );
    // What is wrong comes first: the worst address's own summary, naming that MX (the domain
    // itself is already in the verdict line, so it is not repeated). `worst` ranks a TLS
    // problem above an address that could not be diagnosed, as the verdict does.
    let worst = report
        .mx
        .iter()
        .flat_map(|m| m.addresses.iter().map(move |r| (m, r)))
        .filter(|(_, r)| r.verdict != Verdict::Ok)
        .reduce(|a, b| {
            if a.1.verdict.worst(b.1.verdict) == a.1.verdict {
                a
            } else {
                b
            }
        });
    let mut line = match worst {
        Some((mx, r)) => {
            let at = r
                .target
                .as_ref()
                .and_then(|t| t.address.clone())
                .map(|a| format!(" ({a})"))
                .unwrap_or_default();
            format!("{}{at}: {} [{tally}]", mx.exchange, r.summary)
        }
        None => tally,
    };
    // Mail that bounces or defers under DANE or MTA-STS, said in the same line.
    let mut policy: Vec<String> = Vec::new();
    for m in &report.mx {
        for f in m
            .policy
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
        {
            policy.push(format!("{} {}", f.id.as_str(), m.exchange));
        }
    }
    if !policy.is_empty() {
        line.push_str(&format!("; senders refuse: {}", policy.join(", ")));
    }
    line
}
