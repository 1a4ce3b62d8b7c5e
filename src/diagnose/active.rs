//! Judgement of the active checks' facts and of AUTH offered before TLS.

use smtp_grammar::{escape_bytes, interpret_ehlo, Reply};

use crate::checks::enforcement::{self, Enforcement};
use crate::checks::injection::{self, Injection};
use crate::model::{Finding, FindingId, Severity, TargetSection};
use crate::session::{render_line, SessionRecord};

fn evidence(reply: &Reply) -> String {
    reply
        .lines
        .iter()
        .map(|l| escape_bytes(&render_line(l)))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Ports whose role is mail submission (RFC 6409 on 587, RFC 8314 on 465).
fn submission(port: u16) -> bool {
    matches!(port, 587 | 465)
}

/// Findings of `--check-enforcement`, `--check-injection`, and `auth-before-tls`.
pub(super) fn active_findings(record: &SessionRecord, target: &TargetSection) -> Vec<Finding> {
    let mut out = Vec::new();
    let implicit = target.implicit_tls;
    if let Some(e) = enforcement::outcome(record) {
        out.push(enforcement_finding(e, target.port));
    }
    if let Some(i) = injection::outcome(record) {
        out.push(injection_finding(i));
    }
    if !implicit {
        out.extend(auth_before_tls(record, target.port));
    }
    out
}

/// `--check-enforcement` with `--implicit-tls`: there is no plaintext to test.
pub fn enforcement_implicit() -> Finding {
    Finding::info(
        FindingId::StarttlsEnforced,
        "implicit TLS: nothing is said before TLS on this port, so mail without TLS is impossible (--check-enforcement had nothing to test)",
    )
}

/// `--check-injection` in a session that never sent STARTTLS: say so rather than nothing.
pub fn injection_not_run(record: &SessionRecord, implicit: bool, tls_skipped: bool) -> Finding {
    let why = if implicit {
        "implicit TLS: there is no STARTTLS to pipeline a command with"
    } else if tls_skipped {
        "--no-tls: STARTTLS was not sent"
    } else if record.error.is_some() || record.ehlo.as_ref().is_none_or(|e| e.code != 250) {
        "the session ended before STARTTLS"
    } else {
        "the server does not offer STARTTLS, so it was not sent (--force-starttls sends it anyway)"
    };
    injection_finding(Injection::Inconclusive(why))
}

fn enforcement_finding(e: Enforcement, port: u16) -> Finding {
    match e {
        Enforcement::Accepted(reply) => {
            let f = if submission(port) {
                Finding::error(
                    FindingId::StarttlsNotEnforced,
                    format!("the server accepted MAIL FROM without TLS on submission port {port}: a mail transaction starts in plaintext; RFC 8314 3.3 wants TLS required for submission (the probe sends no RCPT, so a refusal later in the transaction is not ruled out)"),
                )
                .with_hint("require TLS before MAIL and AUTH on submission ports (Postfix: smtpd_tls_security_level=encrypt in the submission service)")
            } else if port == 25 {
                Finding::info(
                    FindingId::StarttlsNotEnforced,
                    "the server accepts MAIL FROM without TLS on port 25, as a public MX must (RFC 3207 4): senders without TLS can still deliver",
                )
            } else {
                Finding::info(
                    FindingId::StarttlsNotEnforced,
                    format!("the server accepts MAIL FROM without TLS on port {port} (on 587/465 submission this would be a problem; on a public MX it is required)"),
                )
            };
            f.with_evidence(evidence(&reply))
        }
        Enforcement::Required(reply) => {
            let f = if port == 25 {
                Finding::warning(
                    FindingId::StarttlsEnforced,
                    "the server refuses MAIL FROM until STARTTLS on port 25: senders without TLS cannot deliver; RFC 3207 4 says a publicly-referenced MX must not require TLS",
                )
                .with_hint("if this is a public MX, accept mail without TLS (Postfix: smtpd_tls_security_level=may); require TLS only on private relays or submission")
            } else if submission(port) {
                Finding::info(
                    FindingId::StarttlsEnforced,
                    format!("the server requires STARTTLS before MAIL FROM on submission port {port}, as it should (RFC 8314)"),
                )
            } else {
                Finding::info(
                    FindingId::StarttlsEnforced,
                    format!("the server requires STARTTLS before MAIL FROM on port {port}"),
                )
            };
            f.with_evidence(evidence(&reply))
        }
        Enforcement::Unclear(reply, why) => Finding::info(
            FindingId::UnexpectedReply,
            format!(
                "MAIL FROM:<> before TLS was answered {} ({why}): enforcement could not be judged",
                reply.code
            ),
        )
        .with_evidence(evidence(&reply)),
    }
}

fn injection_finding(i: Injection) -> Finding {
    match i {
        Injection::Vulnerable(reply) => Finding::error(
            FindingId::StarttlsCommandInjection,
            format!(
                "STARTTLS command injection: the server answered, inside TLS, a {} that was sent in plaintext in the same packet as STARTTLS; a man in the middle can inject commands into the encrypted session (CVE-2011-0411 class)",
                injection::COMMAND
            ),
        )
        .with_hint("discard the input buffer when STARTTLS is accepted (RFC 3207 4); aiosmtpd: upgrade to 1.4.6 or later (CVE-2024-34083)")
        .with_evidence(evidence(&reply)),
        Injection::NotVulnerable { listened_ms } => Finding::info(
            FindingId::StarttlsInjectionNotVulnerable,
            format!(
                "STARTTLS command injection tested: a {} pipelined with STARTTLS was not answered inside TLS (listened {:.0} ms, then EHLO was answered)",
                injection::COMMAND, listened_ms
            ),
        ),
        Injection::Inconclusive(why) => Finding::info(
            FindingId::StarttlsInjectionInconclusive,
            format!("STARTTLS command injection could not be tested: {why}"),
        ),
    }
}

/// Mechanisms that send the password itself (base64 is not encryption).
fn reveals_password(mech: &str) -> bool {
    mech.eq_ignore_ascii_case("PLAIN") || mech.eq_ignore_ascii_case("LOGIN")
}

/// AUTH in the plaintext EHLO reply: any port, since a client that authenticates there sends
/// credentials before TLS. An error when a mechanism sends the password itself (PLAIN,
/// LOGIN); a warning for challenge-response mechanisms (the user name and a crackable
/// response still cross).
fn auth_before_tls(record: &SessionRecord, port: u16) -> Option<Finding> {
    let ehlo = record.ehlo.as_ref().filter(|e| e.code == 250)?;
    let parsed = interpret_ehlo(ehlo).ok()?;
    let mut mechs: Vec<String> = Vec::new();
    let mut found = false;
    for k in &parsed.keywords {
        if k.keyword.eq_ignore_ascii_case("AUTH") {
            found = true;
            mechs.extend(k.params.iter().cloned());
        }
    }
    // The pre-RFC 4954 form some servers still send, `AUTH=PLAIN LOGIN`: `=` cannot be in an
    // ehlo-keyword, so the grammar lists it as an invalid line, but clients that know the
    // form (Outlook Express and its kin) authenticate by it.
    for line in &parsed.invalid_lines {
        let mut words = line.text.split_ascii_whitespace();
        let first = words.next().unwrap_or_default();
        let old = first
            .get(..5)
            .filter(|p| p.eq_ignore_ascii_case("AUTH="))
            .and_then(|_| first.get(5..));
        if let Some(old) = old {
            found = true;
            mechs.extend(
                old.split(',')
                    .chain(words)
                    .filter(|m| !m.is_empty())
                    .map(str::to_string),
            );
        }
    }
    if !found {
        return None;
    }
    // Servers that also speak to pre-RFC 4954 clients list the same mechanisms twice
    // (`AUTH PLAIN LOGIN` and `AUTH=PLAIN LOGIN`): name each once.
    let mut seen = std::collections::BTreeSet::new();
    mechs.retain(|m| seen.insert(m.to_ascii_uppercase()));
    let list = escape_bytes(mechs.join(" ").as_bytes());
    let plain = mechs.iter().any(|m| reveals_password(m));
    let severity = if plain {
        Severity::Error
    } else {
        Severity::Warning
    };
    let what = if plain {
        "passwords would cross the network readable"
    } else {
        "user names and crackable responses would cross the network"
    };
    Some(
        Finding::new(
            FindingId::AuthBeforeTls,
            severity,
            format!("AUTH ({list}) is offered before TLS on port {port}: a client that authenticates without STARTTLS sends its credentials in plaintext; {what}"),
        )
        .with_hint("offer AUTH only after STARTTLS (Postfix: smtpd_tls_auth_only=yes; RFC 4954 4 and RFC 8314)"),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use smtp_grammar::{parse_reply, Limits};

    #[test]
    fn auth_and_old_auth_form_name_each_mechanism_once() {
        let ehlo =
            "250-mx.test\r\n250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n250 8BITMIME\r\n";
        let record = SessionRecord {
            ehlo: Some(parse_reply(ehlo.as_bytes(), Limits::default()).unwrap()),
            ..SessionRecord::default()
        };
        let f = auth_before_tls(&record, 587).unwrap();
        assert_eq!(f.severity, Severity::Error);
        assert!(
            f.message.starts_with("AUTH (PLAIN LOGIN) is offered"),
            "{}",
            f.message
        );
    }

    /// `=` is not allowed in an ehlo-keyword, so the old form is an invalid line to the
    /// grammar; it still offers AUTH to clients that read it.
    #[test]
    fn the_old_auth_equals_form_alone_is_auth_before_tls() {
        let ehlo = "250-mx.test\r\n250-AUTH=LOGIN PLAIN\r\n250 8BITMIME\r\n";
        let record = SessionRecord {
            ehlo: Some(parse_reply(ehlo.as_bytes(), Limits::default()).unwrap()),
            ..SessionRecord::default()
        };
        let f = auth_before_tls(&record, 25).unwrap();
        assert_eq!(f.severity, Severity::Error);
        assert!(
            f.message.starts_with("AUTH (LOGIN PLAIN) is offered"),
            "{}",
            f.message
        );
    }
}
