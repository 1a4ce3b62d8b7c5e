//! The client table as `smtp-tls-check clients` shows it.

use serde::Serialize;
use smtp_grammar::{ClientSet, Rule, CLIENTS};

/// One row of the client table.
#[derive(Debug, Clone, Serialize)]
pub struct ClientTableEntry {
    pub id: &'static str,
    pub name: &'static str,
    /// `mta` | `library` | `test-tool` | `scanner`.
    pub group: &'static str,
    /// Each property of the rule (see the README).
    pub rule: Rule,
    /// The rule in words, one phrase per property.
    pub rule_words: Vec<String>,
    /// What the client logs or prints when it sees no STARTTLS, where known.
    pub would_log: Option<&'static str>,
    /// `measured` (the client lab ran it) | `source` (read from its source only).
    pub evidence: &'static str,
    /// The version measured on, or whose source was read.
    pub version: &'static str,
    /// Where the rule is in the client's source or documentation.
    pub source: &'static str,
    /// Whether this client's view decides the verdict with the `--clients` given.
    pub deciding: bool,
}

/// The whole table, rows marked by `deciding`.
pub fn client_table(deciding: &ClientSet) -> Vec<ClientTableEntry> {
    CLIENTS
        .iter()
        .map(|p| ClientTableEntry {
            id: p.id,
            name: p.name,
            group: p.group.as_str(),
            rule: p.rule,
            rule_words: p.rule.describe(),
            would_log: p.logs_when_missing,
            evidence: p.evidence.as_str(),
            version: p.version,
            source: p.source,
            deciding: deciding.contains(p.id),
        })
        .collect()
}
