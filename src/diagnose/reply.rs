use smtp_grammar::{Anomaly, Reply, RFC_MAX_REPLY_LINE};

use crate::model::{Finding, FindingId};

/// Findings for what the reply reader tolerated. One finding per kind and reply, listing the
/// lines, so a hostile reply cannot flood the report. `judge_line_ends` is false for pasted
/// text, whose line ends say nothing about the server.
pub fn reply_findings(reply: &Reply, what: &str, judge_line_ends: bool) -> Vec<Finding> {
    let mut bare_lf = Vec::new();
    let mut mixed = Vec::new();
    let mut long = Vec::new();
    let mut non_utf8 = Vec::new();
    let mut control = Vec::new();
    let mut bad_sep = Vec::new();
    for anomaly in &reply.anomalies {
        match *anomaly {
            Anomaly::BareLf { line } => bare_lf.push(line + 1),
            Anomaly::MixedCodes { line, code } => mixed.push(format!("line {} ({code})", line + 1)),
            Anomaly::LineTooLong { line, len } => {
                long.push(format!("line {} ({len} octets)", line + 1))
            }
            Anomaly::NonUtf8 { line } => non_utf8.push(line + 1),
            Anomaly::ControlChars { line } => control.push(line + 1),
            Anomaly::BadSeparator { line, .. } => bad_sep.push(line + 1),
        }
    }
    let mut out = Vec::new();
    if judge_line_ends && !bare_lf.is_empty() {
        out.push(Finding::warning(
            FindingId::BareLf,
            format!(
                "the {what} ends lines with a bare LF instead of CRLF (RFC 5321 2.3.8) on {}; most clients accept it, strict ones may not",
                line_list(&bare_lf)
            ),
        ));
    }
    if !mixed.is_empty() {
        out.push(Finding::warning(
            FindingId::MixedReplyCodes,
            format!(
                "the {what} changes its reply code between lines ({}, first line {}); RFC 5321 4.2.1 requires one code per reply",
                mixed.join(", "),
                reply.code
            ),
        ));
    }
    if !long.is_empty() {
        out.push(Finding::warning(
            FindingId::LineTooLong,
            format!(
                "the {what} has lines over RFC 5321's {RFC_MAX_REPLY_LINE}-octet limit: {}",
                long.join(", ")
            ),
        ));
    }
    if !bad_sep.is_empty() {
        out.push(Finding::warning(
            FindingId::BadSeparator,
            format!(
                "the {what} has no SP or '-' after the reply code on {}",
                line_list(&bad_sep)
            ),
        ));
    }
    if !control.is_empty() {
        out.push(Finding::warning(
            FindingId::ControlCharacters,
            format!(
                "the {what} contains control characters on {} (shown escaped)",
                line_list(&control)
            ),
        ));
    }
    if !non_utf8.is_empty() {
        out.push(Finding::info(
            FindingId::NonUtf8,
            format!(
                "the {what} contains octets that are not UTF-8 on {} (shown as \\xNN)",
                line_list(&non_utf8)
            ),
        ));
    }
    out
}

/// "line 3" / "lines 3, 4 and 9 more": bounded, however many lines there are.
pub(super) fn line_list(lines: &[usize]) -> String {
    const SHOWN: usize = 8;
    let mut s = if lines.len() == 1 { "line " } else { "lines " }.to_string();
    let shown: Vec<String> = lines.iter().take(SHOWN).map(|l| l.to_string()).collect();
    s.push_str(&shown.join(", "));
    if lines.len() > SHOWN {
        s.push_str(&format!(" and {} more", lines.len() - SHOWN));
    }
    s
}
