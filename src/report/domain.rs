//! Rendering of domain reports and of any TARGET's report (host or domain).

use std::fmt::Write;

use super::{render_human, render_mx_policy_human, render_policy_human, Style};
use crate::model::{DomainReport, TargetReport};

/// A domain: its overall verdict line, its own findings, then each MX in preference order with
/// each address's full report, indented under it.
pub fn render_domain_human(report: &DomainReport, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {}: {}",
        style.verdict(report.verdict),
        style.bold(&format!("domain {}", report.domain)),
        report.summary
    );
    for f in &report.findings {
        let sev = style.severity(f.severity);
        let _ = writeln!(out, "  {sev} [{}] {}", f.id.as_str(), f.message);
        if let Some(e) = &f.evidence {
            let _ = writeln!(out, "          {}", super::visible_ends(e));
        }
        if let Some(h) = &f.hint {
            let _ = writeln!(out, "          hint: {h}");
        }
    }
    if let Some(p) = &report.policy {
        out.push_str(&render_policy_human(p, style));
    }
    for mx in &report.mx {
        let what = if mx.implicit {
            format!("implicit MX {}", mx.exchange)
        } else {
            format!("MX {} {}", mx.preference, mx.exchange)
        };
        let _ = writeln!(
            out,
            "\n{}  {}",
            style.verdict(mx.verdict),
            style.bold(&what)
        );
        out.push_str(&render_mx_policy_human(&mx.policy, style));
        for r in &mx.addresses {
            out.push('\n');
            for line in render_human(r, style).lines() {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    let _ = writeln!(out, "    {line}");
                }
            }
        }
    }
    out
}

/// Whichever report a TARGET produced, as human text.
pub fn render_target_human(report: &TargetReport, style: &Style) -> String {
    match report {
        TargetReport::Host(r) => render_human(r, style),
        TargetReport::Domain(d) => render_domain_human(d, style),
    }
}

/// The one-line form for `-q`: the verdict line of either shape.
pub fn render_target_verdict_line(report: &TargetReport, style: &Style) -> String {
    let full = render_target_human(report, style);
    full.lines()
        .next()
        .map(|l| format!("{l}\n"))
        .unwrap_or_default()
}
