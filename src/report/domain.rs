//! Rendering of domain reports and of any TARGET's report (host or domain).

use std::fmt::Write;

use super::{render_human, Style};
use crate::model::{DomainReport, Severity, TargetReport, Verdict};

fn verdict_label(style: &Style, v: Verdict) -> String {
    match v {
        Verdict::Ok => style.green("OK"),
        Verdict::Warning => style.yellow("WARNING"),
        Verdict::Fail => style.red("FAIL"),
        Verdict::Error => style.red("ERROR"),
    }
}

/// A domain: its overall verdict line, its own findings, then each MX in preference order with
/// each address's full report, indented under it.
pub fn render_domain_human(report: &DomainReport, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {}: {}",
        verdict_label(style, report.verdict),
        style.bold(&format!("domain {}", report.domain)),
        report.summary
    );
    for f in &report.findings {
        let sev = match f.severity {
            Severity::Info => style.cyan("info   "),
            Severity::Warning => style.yellow("warning"),
            Severity::Error => style.red("error  "),
        };
        let _ = writeln!(out, "  {sev} [{}] {}", f.id.as_str(), f.message);
        if let Some(e) = &f.evidence {
            let _ = writeln!(out, "          {e}");
        }
        if let Some(h) = &f.hint {
            let _ = writeln!(out, "          hint: {h}");
        }
    }
    for mx in &report.mx {
        let what = if mx.implicit {
            format!("implicit MX {}", mx.exchange)
        } else {
            format!("MX {} {}", mx.preference, mx.exchange)
        };
        let worst = mx
            .addresses
            .iter()
            .map(|r| r.verdict)
            .fold(Verdict::Ok, Verdict::worst);
        let _ = writeln!(
            out,
            "\n{}  {}",
            verdict_label(style, worst),
            style.bold(&what)
        );
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

/// Pretty JSON for `--json`.
pub fn render_target_json(report: &TargetReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        format!(
            "{{\"schema_version\":1,\"verdict\":\"error\",\"summary\":{:?}}}",
            e.to_string()
        )
    })
}

/// One line, for JSON Lines (`batch`).
pub fn render_target_json_line(report: &TargetReport) -> String {
    serde_json::to_string(report).unwrap_or_else(|e| {
        format!(
            "{{\"schema_version\":1,\"verdict\":\"error\",\"summary\":{:?}}}",
            e.to_string()
        )
    })
}
