//! What real SMTP clients conclude from an EHLO reply.
//!
//! One table, [`CLIENTS`] (in `table.rs`), one entry per client with the [`Rule`] it applies,
//! its [`Group`], what it logs when it sees no STARTTLS and how the fact is known; adding a client
//! is adding an entry. The rule model is in `rules.rs`; which clients decide a verdict is a
//! [`ClientSet`].

mod rules;
mod set;
mod table;

use serde::Serialize;

use crate::reply::Reply;

pub use rules::{
    BareLf, Case, CodeRule, Evaluation, KeywordMatch, LineOne, Outcome, Refused, Rule, SingleLine,
    Stuck, WordEnd,
};
pub use set::{ClientSet, UnknownClient};
pub use table::CLIENTS;

/// The kind of client: whose mail it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    /// Relays mail between domains (Postfix, Exim, Sendmail, OpenSMTPD; Cisco ESA as a gateway).
    Mta,
    /// Sends mail from an application (smtplib, nodemailer, Jakarta Mail, ...).
    Library,
    /// What admins test with (swaks, posttls-finger, openssl s_client, curl, msmtp).
    TestTool,
    /// Surveys servers (testssl.sh, zgrab2).
    Scanner,
}

impl Group {
    pub const ALL: [Group; 4] = [Group::Mta, Group::Library, Group::TestTool, Group::Scanner];

    /// The kebab-case name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Mta => "mta",
            Group::Library => "library",
            Group::TestTool => "test-tool",
            Group::Scanner => "scanner",
        }
    }

    /// A plural heading for reports.
    pub fn label(self) -> &'static str {
        match self {
            Group::Mta => "MTAs",
            Group::Library => "libraries",
            Group::TestTool => "test tools",
            Group::Scanner => "scanners",
        }
    }
}

/// How a table entry's facts are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// Run against the project's scripted server in the client lab (`tests/it/lab/`).
    Measured,
    /// Read from the client's source or documentation only.
    Source,
}

impl Evidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Measured => "measured",
            Evidence::Source => "source",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClientProfile {
    /// Stable kebab-case id used in JSON and `--clients` (`cisco-esa`, `python-smtplib`, ...).
    pub id: &'static str,
    /// Human name (`Cisco ESA (AsyncOS)`).
    pub name: &'static str,
    pub group: Group,
    pub rule: Rule,
    /// What the client logs or prints when it does not see STARTTLS, where known.
    pub logs_when_missing: Option<&'static str>,
    pub evidence: Evidence,
    /// The version measured on (or, for source-only entries, the version whose source was read).
    pub version: &'static str,
    /// Where the rule is in the client's source (file and function) or documentation.
    pub source: &'static str,
}

/// One client's conclusion for a given reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientVerdict {
    /// [`ClientProfile::id`].
    pub client: &'static str,
    pub name: &'static str,
    pub group: Group,
    pub sees_starttls: bool,
    /// Sends STARTTLS: sees it, or sends it anyway.
    pub will_upgrade: bool,
    /// What it logs when it does not see STARTTLS (None when it sees it, or unknown).
    pub would_log: Option<&'static str>,
    pub outcome: Outcome,
}

/// Applies every profile in [`CLIENTS`] to `reply` (the raw reply to EHLO).
pub fn client_view(reply: &Reply) -> Vec<ClientVerdict> {
    CLIENTS.iter().map(|p| verdict(p, reply)).collect()
}

/// One profile applied to `reply`.
pub fn verdict(profile: &ClientProfile, reply: &Reply) -> ClientVerdict {
    let e = profile.rule.evaluate(reply);
    ClientVerdict {
        client: profile.id,
        name: profile.name,
        group: profile.group,
        sees_starttls: e.sees_starttls,
        will_upgrade: e.outcome.sends_starttls(),
        would_log: if e.sees_starttls {
            None
        } else {
            profile.logs_when_missing
        },
        outcome: e.outcome,
    }
}

/// The table entry with this id.
pub fn profile(id: &str) -> Option<&'static ClientProfile> {
    CLIENTS.iter().find(|p| p.id == id)
}

/// Whether `rule` sees STARTTLS in `reply`.
pub fn sees_starttls(rule: Rule, reply: &Reply) -> bool {
    rule.evaluate(reply).sees_starttls
}
