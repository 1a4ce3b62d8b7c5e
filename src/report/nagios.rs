//! `--output nagios`: the monitoring-plugins developer guidelines' output. One status line
//! `SMTP-TLS STATE - summary | perfdata`, then long output. The state (and so the exit code)
//! comes from [`crate::diagnose::monitor`]; this file only lays it out.

use std::fmt::Write;

use crate::model::{Finding, FleetFacts, ProbeFacts, TargetFacts};

/// The service name at the start of the status line.
const SERVICE: &str = "SMTP-TLS";

/// A `|` would start the performance data and a newline the long output: neither may appear
/// in free text. Everything else reaching here is already terminal-safe.
fn text(s: &str) -> String {
    s.replace('|', "/").replace(['\n', '\r'], " ")
}

/// One performance datum: `'label'=value[UOM];[warn];[crit];[min];[max]`, trailing empty
/// fields dropped. Labels are always quoted (allowed, and safe for any name).
fn perf(label: &str, value: String, uom: &str, fields: [&str; 4]) -> String {
    let label = label.replace(['\'', '='], "_");
    let mut s = format!("'{label}'={value}{uom}");
    let used = fields
        .iter()
        .rposition(|f| !f.is_empty())
        .map_or(0, |i| i + 1);
    for f in &fields[..used] {
        s.push(';');
        s.push_str(f);
    }
    s
}

fn seconds(v: f64) -> String {
    format!("{v:.6}")
}

fn target_perfdata(t: &TargetFacts) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = t.duration_seconds {
        out.push(perf("time", seconds(v), "s", ["", "", "0", ""]));
    }
    if let Some(v) = t.handshake_seconds {
        out.push(perf("handshake_time", seconds(v), "s", ["", "", "0", ""]));
    }
    if let Some(d) = t.days_left {
        // `N:` is the plugin range "alert below N": fewer days left than the threshold.
        let warn = format!("{}:", t.thresholds.warn_days);
        let crit = t
            .thresholds
            .crit_days
            .map(|c| format!("{c}:"))
            .unwrap_or_default();
        out.push(perf(
            "cert_days_left",
            d.to_string(),
            "",
            [&warn, &crit, "", ""],
        ));
    }
    if t.probes.len() > 1 {
        out.push(perf(
            "probes",
            t.probes.len().to_string(),
            "",
            ["", "", "0", ""],
        ));
    }
    out
}

fn status_line(state: &str, summary: &str, perfdata: &[String]) -> String {
    let mut line = format!("{SERVICE} {state} - {}", text(summary));
    if !perfdata.is_empty() {
        line.push_str(" | ");
        line.push_str(&perfdata.join(" "));
    }
    line.push('\n');
    line
}

fn findings(out: &mut String, indent: &str, findings: &[Finding]) {
    for f in findings {
        let _ = writeln!(
            out,
            "{indent}[{}] {}: {}",
            f.severity.as_str(),
            f.id.as_str(),
            text(&f.message)
        );
    }
}

fn probe_lines(out: &mut String, p: &ProbeFacts) {
    let _ = writeln!(
        out,
        "{} - {}: {}",
        p.state.as_str(),
        text(&p.name),
        text(&p.summary)
    );
    findings(out, "  ", &p.findings);
}

/// One TARGET: its status line, then its findings (a host) or each probe's state and findings
/// (a domain).
pub fn render_nagios(t: &TargetFacts) -> String {
    let mut out = status_line(t.state.as_str(), &t.summary, &target_perfdata(t));
    findings(&mut out, "", &t.findings);
    match t.probes.as_slice() {
        [p] if t.findings.is_empty() && p.mx.is_none() => findings(&mut out, "", &p.findings),
        probes => probes.iter().for_each(|p| probe_lines(&mut out, p)),
    }
    out
}

/// A batch: one status line for the fleet, then one line per target.
pub fn render_nagios_fleet(f: &FleetFacts) -> String {
    let mut perfdata = vec![perf(
        "targets",
        f.targets.len().to_string(),
        "",
        ["", "", "0", ""],
    )];
    for (state, n) in &f.counts {
        perfdata.push(perf(
            &state.as_str().to_lowercase(),
            n.to_string(),
            "",
            ["", "", "0", ""],
        ));
    }
    let mut out = status_line(f.state.as_str(), &f.summary, &perfdata);
    for t in &f.targets {
        let _ = writeln!(
            out,
            "{} - {}: {}",
            t.state.as_str(),
            text(&t.input),
            text(&t.summary)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::perf;

    #[test]
    fn perfdata_syntax() {
        assert_eq!(
            perf("time", "0.5".into(), "s", ["", "", "0", ""]),
            "'time'=0.5s;;;0"
        );
        assert_eq!(
            perf("d", "3".into(), "", ["21:", "7:", "", ""]),
            "'d'=3;21:;7:"
        );
        assert_eq!(perf("a'b=c", "1".into(), "", ["", "", "", ""]), "'a_b_c'=1");
    }
}
