//! Which clients' view decides a verdict: `--clients ID,...|GROUP`.

use std::fmt;
use std::str::FromStr;

use super::{Group, CLIENTS};

/// A set of client ids from [`CLIENTS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSet {
    ids: Vec<&'static str>,
    /// What the user asked for, for reports (`mta,library`).
    spec: String,
}

/// `--clients` named something that is neither a client id, a group nor `all`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown client or group {name:?}; groups: all, mta, library, test-tool, scanner; clients: {known}")]
pub struct UnknownClient {
    pub name: String,
    pub known: String,
}

impl ClientSet {
    /// The default deciding set: every MTA and every library, the clients that carry real
    /// mail. Test tools and scanners are what admins test with; they are shown, not counted.
    pub fn default_deciding() -> ClientSet {
        ClientSet::of_groups(&[Group::Mta, Group::Library], "mta,library")
    }

    /// Every client in the table.
    pub fn all() -> ClientSet {
        ClientSet::of_groups(&Group::ALL, "all")
    }

    fn of_groups(groups: &[Group], spec: &str) -> ClientSet {
        ClientSet {
            ids: CLIENTS
                .iter()
                .filter(|p| groups.contains(&p.group))
                .map(|p| p.id)
                .collect(),
            spec: spec.to_string(),
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(&id)
    }

    /// The ids, in table order.
    pub fn ids(&self) -> &[&'static str] {
        &self.ids
    }

    /// What the user asked for (`mta,library`, `cisco-esa`).
    pub fn spec(&self) -> &str {
        &self.spec
    }
}

impl Default for ClientSet {
    fn default() -> Self {
        ClientSet::default_deciding()
    }
}

impl fmt::Display for ClientSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spec)
    }
}

impl FromStr for ClientSet {
    type Err = UnknownClient;

    /// A comma-separated list of client ids and group names (`mta`, `library`, `test-tool`,
    /// `scanner`, `all`), case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut ids: Vec<&'static str> = Vec::new();
        for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let lower = name.to_ascii_lowercase();
            let matched: Vec<&'static str> = if lower == "all" {
                CLIENTS.iter().map(|p| p.id).collect()
            } else if let Some(g) = Group::ALL.iter().find(|g| g.as_str() == lower) {
                CLIENTS
                    .iter()
                    .filter(|p| p.group == *g)
                    .map(|p| p.id)
                    .collect()
            } else if let Some(p) = CLIENTS.iter().find(|p| p.id == lower) {
                vec![p.id]
            } else {
                return Err(UnknownClient {
                    name: name.to_string(),
                    known: CLIENTS.iter().map(|p| p.id).collect::<Vec<_>>().join(", "),
                });
            };
            ids.extend(matched);
        }
        if ids.is_empty() {
            return Err(UnknownClient {
                name: s.to_string(),
                known: CLIENTS.iter().map(|p| p.id).collect::<Vec<_>>().join(", "),
            });
        }
        // Table order, no duplicates.
        let ids = CLIENTS
            .iter()
            .map(|p| p.id)
            .filter(|id| ids.contains(id))
            .collect();
        Ok(ClientSet {
            ids,
            spec: s.trim().to_ascii_lowercase(),
        })
    }
}
