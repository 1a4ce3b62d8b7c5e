//! Whose view decides the verdict: the severity of a STARTTLS finding follows the clients it
//! leaves without TLS, and `--clients` (a [`ClientSet`]) says which clients count.
//!
//! - error: a client in the deciding set will not send STARTTLS (it carries on in plaintext,
//!   hangs or gives up), so mail from it to this server is not encrypted;
//! - warning: every deciding client upgrades, but a client outside the set does not;
//! - info: every client in the table upgrades.
//!
//! A finding about a reply that breaks RFC 5321 keeps at least the floor it is given.

use smtp_grammar::clients::{profile, verdict};
use smtp_grammar::{ClientSet, ClientVerdict, Reply, CLIENTS};

use crate::model::{ClientViewEntry, Severity};

/// Every client's view of `reply`.
pub(crate) fn view(reply: &Reply) -> Vec<ClientVerdict> {
    CLIENTS.iter().map(|p| verdict(p, reply)).collect()
}

/// The severity of a finding that leaves the clients in `view` without TLS where they do not
/// upgrade; never below `floor`.
pub(crate) fn judged(view: &[ClientVerdict], deciding: &ClientSet, floor: Severity) -> Severity {
    let missed: Vec<&ClientVerdict> = view.iter().filter(|v| !v.will_upgrade).collect();
    let severity = if missed.iter().any(|v| deciding.contains(v.client)) {
        Severity::Error
    } else if missed.is_empty() {
        Severity::Info
    } else {
        Severity::Warning
    };
    severity.max(floor)
}

/// The deciding clients among `view` that will not upgrade, by short name (for sentences).
pub(crate) fn deciding_missed<'a>(
    view: &'a [ClientVerdict],
    deciding: &ClientSet,
) -> Vec<&'a ClientVerdict> {
    view.iter()
        .filter(|v| !v.will_upgrade && deciding.contains(v.client))
        .collect()
}

/// The `client_view` section of a report.
pub(crate) fn entries(reply: &Reply, deciding: &ClientSet) -> Vec<ClientViewEntry> {
    view(reply)
        .into_iter()
        .map(|v| {
            let p = profile(v.client);
            let detail = v.outcome.detail();
            ClientViewEntry {
                client: v.client,
                name: v.name,
                sees_starttls: v.sees_starttls,
                will_upgrade: v.will_upgrade,
                would_log: v.would_log,
                group: v.group.as_str(),
                evidence: p.map_or("source", |p| p.evidence.as_str()),
                version: p.map_or("", |p| p.version),
                source: p.map_or("", |p| p.source),
                outcome: v.outcome.as_str(),
                outcome_detail: detail,
                deciding: deciding.contains(v.client),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtp_grammar::{parse_reply, Limits};

    fn reply(s: &str) -> Reply {
        parse_reply(s.as_bytes(), Limits::default()).expect("parses")
    }

    #[test]
    fn severity_follows_the_deciding_set() {
        let lower = view(&reply("250-mx.example\r\n250 starttls\r\n"));
        let seed = view(&reply("250-STARTTLS\r\n250 SIZE 1\r\n"));
        let fine = view(&reply("250-mx.example\r\n250 STARTTLS\r\n"));
        let set = |s: &str| s.parse::<ClientSet>().expect("valid set");
        // (view, deciding set, floor, expected)
        let cases = [
            (&lower, set("mta,library"), Severity::Info, Severity::Error),
            (&lower, set("exim"), Severity::Info, Severity::Error),
            (&lower, set("postfix"), Severity::Info, Severity::Warning),
            (&seed, set("cisco-esa"), Severity::Warning, Severity::Error),
            (&seed, set("swaks"), Severity::Warning, Severity::Warning),
            (&seed, set("swaks"), Severity::Info, Severity::Warning),
            (&fine, set("all"), Severity::Info, Severity::Info),
            (&fine, set("all"), Severity::Warning, Severity::Warning),
        ];
        for (v, s, floor, want) in cases {
            assert_eq!(judged(v, &s, floor), want, "{s} {floor:?}");
        }
    }

    #[test]
    fn entries_mark_the_deciding_clients() {
        let set: ClientSet = "cisco-esa".parse().expect("valid");
        let e = entries(&reply("250-STARTTLS\r\n250 SIZE 1\r\n"), &set);
        assert_eq!(e.len(), CLIENTS.len());
        let deciding: Vec<_> = e.iter().filter(|c| c.deciding).map(|c| c.client).collect();
        assert_eq!(deciding, ["cisco-esa"]);
        let esa = e.iter().find(|c| c.client == "cisco-esa").expect("listed");
        assert_eq!(
            (esa.group, esa.evidence, esa.outcome),
            ("mta", "source", "no-tls")
        );
    }
}
