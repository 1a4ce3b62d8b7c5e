//! Human rendering of the policy sections: MTA-STS and TLS-RPT per domain, DANE and the
//! senders line per MX. Every record and the policy text arrive escaped.

use std::fmt::Write;

use super::Style;
use crate::model::{Finding, MxPolicy, PolicySection};

/// The domain's MTA-STS and TLS-RPT, as an indented block.
pub fn render_policy_human(p: &PolicySection, style: &Style) -> String {
    let mut out = String::new();
    if let Some(s) = &p.mta_sts {
        let _ = writeln!(out, "\n  {}", style.bold("MTA-STS (RFC 8461)"));
        if s.txt_records.is_empty() {
            let _ = writeln!(out, "    {}: no TXT record", s.record_name);
        }
        for r in &s.txt_records {
            let _ = writeln!(out, "    {} TXT \"{r}\"", s.record_name);
        }
        if let Some(url) = &s.url {
            let from = s
                .address
                .as_ref()
                .map(|a| format!(" (from {a})"))
                .unwrap_or_default();
            let _ = writeln!(out, "    policy: {url}{from}");
        }
        for line in &s.policy_lines {
            let _ = writeln!(out, "      | {line}");
        }
        if let Some(mode) = &s.mode {
            let _ = writeln!(
                out,
                "    mode {mode}, max_age {}, mx {}",
                s.max_age.unwrap_or(0),
                s.mx_patterns.join(", ")
            );
        }
    }
    if let Some(r) = &p.tls_rpt {
        let _ = writeln!(out, "\n  {}", style.bold("TLS-RPT (RFC 8460)"));
        if r.txt_records.is_empty() {
            let _ = writeln!(out, "    {}: no TXT record", r.record_name);
        }
        for t in &r.txt_records {
            let _ = writeln!(out, "    {} TXT \"{t}\"", r.record_name);
        }
    }
    out
}

fn finding_lines(out: &mut String, findings: &[Finding], indent: &str, style: &Style) {
    for f in findings {
        let sev = style.severity(f.severity);
        let _ = writeln!(out, "{indent}{sev} [{}] {}", f.id.as_str(), f.message);
        if let Some(e) = &f.evidence {
            let _ = writeln!(out, "{indent}        {e}");
        }
        if let Some(h) = &f.hint {
            let _ = writeln!(out, "{indent}        hint: {h}");
        }
    }
}

/// One MX's DANE section, findings and senders line.
pub fn render_mx_policy_human(p: &MxPolicy, style: &Style) -> String {
    let mut out = String::new();
    if let Some(d) = &p.dane {
        let _ = writeln!(
            out,
            "  DANE: {} TLSA {}{}, MX RRset {} (trust: {})",
            d.tlsa_name,
            d.tlsa_rrset,
            if d.absent { ", absent" } else { "" },
            d.mx_rrset,
            d.trust_anchor
        );
        for r in &d.records {
            let _ = writeln!(out, "    {} TLSA {r}", d.tlsa_name);
        }
        for a in &d.addresses {
            let what = match (&a.matched_record, a.depth) {
                (Some(r), Some(depth)) => format!("matched {r} at depth {depth}"),
                _ => a.result.to_string(),
            };
            let _ = writeln!(out, "    {}: {what}", a.address);
            for n in &a.notes {
                let _ = writeln!(out, "      {n}");
            }
        }
    }
    if let Some(s) = &p.mta_sts {
        let _ = writeln!(
            out,
            "  MTA-STS: {} ({})",
            s.outcome,
            s.matched_pattern
                .as_ref()
                .map(|m| format!("matches mx {m}"))
                .unwrap_or_else(|| "matches no mx pattern".into())
        );
    }
    finding_lines(&mut out, &p.findings, "  ", style);
    if let Some(line) = &p.senders {
        let _ = writeln!(out, "  {}", style.bold(line));
    }
    out
}
