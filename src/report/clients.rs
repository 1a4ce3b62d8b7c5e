//! `smtp-tls-check clients`: the client table as text.

use std::fmt::Write;

use super::Style;
use crate::model::ClientTableEntry;

/// One block per client: name and id, group, evidence; the rule in words; what it logs.
pub fn render_client_table(rows: &[ClientTableEntry], style: &Style) -> String {
    let mut out = String::new();
    let mut group = "";
    for row in rows {
        if row.group != group {
            group = row.group;
            let _ = writeln!(out, "{}", style.bold(&format!("[{group}]")));
        }
        let evidence = match row.evidence {
            "measured" => format!("measured on {}", row.version),
            _ => format!("from source ({})", row.version),
        };
        let mark = if row.deciding {
            style.bold("  decides the verdict")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {} ({})  {}{mark}",
            style.bold(row.name),
            row.id,
            style.dim(&evidence)
        );
        let _ = writeln!(out, "    rule:    {}", row.rule_words.join("; "));
        let log = match row.would_log {
            Some(l) => format!("\"{l}\""),
            None => "no message known".to_string(),
        };
        let _ = writeln!(out, "    no STARTTLS seen: {log}");
        let _ = writeln!(out, "    source:  {}", style.dim(row.source));
    }
    out
}
