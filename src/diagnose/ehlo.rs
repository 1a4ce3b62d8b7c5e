use smtp_grammar::{
    escape_bytes, interpret_ehlo, ClientSet, ClientVerdict, EhloNote, EhloReply, Outcome, Reply,
    StarttlsPlacement,
};

use super::clients::{deciding_missed, judged};
use crate::model::{
    BannerSection, ClientViewEntry, EhloKeywordEntry, EhloLineEntry, EhloSection, Finding,
    FindingId, Greeting, LineRole, Severity,
};
use crate::session::render_line;

/// Short names of the clients in `view` that pass `filter`, for sentences: the names come from
/// the computed client view, so a sentence can never contradict it.
fn client_names(view: &[ClientVerdict], filter: impl Fn(&ClientVerdict) -> bool) -> String {
    const SHOWN: usize = 3;
    let names: Vec<&str> = view
        .iter()
        .filter(|v| filter(v))
        .map(|v| short_name(v.name))
        .collect();
    let mut s = names
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    s
}

pub(crate) fn banner_section(reply: &Reply) -> BannerSection {
    BannerSection {
        code: reply.code,
        lines: reply.lines.iter().map(|l| escape_bytes(&l.text)).collect(),
    }
}

/// The client view with the default deciding set (MTAs and libraries).
pub fn client_view_entries(reply: &Reply) -> Vec<ClientViewEntry> {
    super::clients::entries(reply, &ClientSet::default())
}

/// The client view, each entry marked with whether it is in `deciding`.
pub fn client_view_entries_for(reply: &Reply, deciding: &ClientSet) -> Vec<ClientViewEntry> {
    super::clients::entries(reply, deciding)
}

/// The annotated EHLO reply; `None` when the reply is not a 250 (nothing to annotate).
pub fn ehlo_section(reply: &Reply) -> Option<EhloSection> {
    let ehlo = interpret_ehlo(reply).ok()?;
    let lines = reply
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| annotate_line(i, line, &ehlo))
        .collect();
    Some(EhloSection {
        code: reply.code,
        greeting: Greeting {
            domain: escape_str(&ehlo.greeting.domain),
            text: ehlo.greeting.text.as_deref().map(escape_str),
        },
        keywords: keyword_entries(&ehlo),
        starttls: ehlo.starttls.as_str(),
        lines,
    })
}

pub(crate) fn keyword_entries(ehlo: &EhloReply) -> Vec<EhloKeywordEntry> {
    ehlo.keywords
        .iter()
        .map(|k| EhloKeywordEntry {
            keyword: escape_str(&k.keyword),
            params: k.params.iter().map(|p| escape_str(p)).collect(),
        })
        .collect()
}

fn escape_str(s: &str) -> String {
    escape_bytes(s.as_bytes())
}

fn annotate_line(i: usize, line: &smtp_grammar::ReplyLine, ehlo: &EhloReply) -> EhloLineEntry {
    let raw = escape_bytes(&render_line(line));
    if i == 0 {
        let mentions = matches!(
            ehlo.starttls,
            StarttlsPlacement::GreetingOnly | StarttlsPlacement::GreetingAndEhloLine
        );
        return if mentions {
            EhloLineEntry {
                raw,
                role: LineRole::GreetingIgnoredByStrictClients,
                note: Some(
                    "greeting: strict clients read this line as the server's name, so STARTTLS here is not an offer"
                        .to_string(),
                ),
            }
        } else {
            EhloLineEntry {
                raw,
                role: LineRole::Greeting,
                note: Some("greeting".to_string()),
            }
        };
    }
    if let Some(invalid) = ehlo.invalid_lines.iter().find(|l| l.line == i) {
        let note = if invalid.looks_like_domain {
            "not an ehlo-keyword: looks like the server's name, sent on the wrong line"
        } else {
            "not an ehlo-keyword"
        };
        return EhloLineEntry {
            raw,
            role: LineRole::InvalidEhloLine,
            note: Some(note.to_string()),
        };
    }
    let is_starttls = ehlo
        .keywords
        .iter()
        .any(|k| k.line == i && k.keyword.eq_ignore_ascii_case("STARTTLS"));
    EhloLineEntry {
        raw,
        role: LineRole::EhloLine,
        note: Some(
            if is_starttls {
                "ehlo-line: STARTTLS offered"
            } else {
                "ehlo-line"
            }
            .to_string(),
        ),
    }
}

/// What the EHLO reply means for TLS, judged by the default deciding set (MTAs and libraries).
pub fn ehlo_findings(reply: &Reply, suggest_force: bool) -> Vec<Finding> {
    ehlo_findings_for(reply, suggest_force, &ClientSet::default())
}

/// What the EHLO reply means for TLS. `suggest_force` adds the `--force-starttls` hint (a live
/// probe that did not upgrade; not `parse`, not a forced probe). The severity of the findings
/// that decide whether clients use TLS follows `deciding` (see `clients.rs`).
pub fn ehlo_findings_for(reply: &Reply, suggest_force: bool, deciding: &ClientSet) -> Vec<Finding> {
    let Ok(ehlo) = interpret_ehlo(reply) else {
        return Vec::new();
    };
    let view = super::clients::view(reply);
    let mut out = Vec::new();
    let first_line = reply
        .lines
        .first()
        .map(|l| escape_bytes(&render_line(l)))
        .unwrap_or_default();
    match ehlo.starttls {
        StarttlsPlacement::EhloLine => {}
        StarttlsPlacement::GreetingOnly => {
            let mut hint = "send the server's own name as the first line of the EHLO reply and STARTTLS on a later line (RFC 5321 4.1.1.1)".to_string();
            if suggest_force {
                hint.push_str("; the probe did not upgrade, as a strict client would not: --force-starttls shows what lenient clients get");
            }
            out.push(
                Finding::new(
                    FindingId::StarttlsInGreeting,
                    judged(&view, deciding, Severity::Warning),
                    {
                        let blind = client_names(&view, |v| !v.will_upgrade);
                        let upgrade = client_names(&view, |v| v.will_upgrade);
                        if upgrade.is_empty() {
                            format!("STARTTLS is only on the EHLO greeting line, which clients read as the server's name: none of {blind} will use TLS")
                        } else {
                            format!("STARTTLS is only on the EHLO greeting line, which strict clients read as the server's name: {blind} will not use TLS; {upgrade} will")
                        }
                    },
                )
                .with_evidence(first_line.clone())
                .with_hint(hint),
            );
        }
        StarttlsPlacement::GreetingAndEhloLine => out.push(
            Finding::new(
                FindingId::StarttlsInGreeting,
                judged(&view, deciding, Severity::Info),
                if view.iter().all(|v| v.will_upgrade) {
                    "STARTTLS also appears on the greeting line; harmless, since an ehlo-line offers it too".to_string()
                } else {
                    format!(
                        "STARTTLS also appears on the greeting line; an ehlo-line offers it too, but {} will not use TLS",
                        client_names(&view, |v| !v.will_upgrade)
                    )
                },
            )
            .with_evidence(first_line.clone()),
        ),
        StarttlsPlacement::Absent => out.push(Finding::error(
            FindingId::StarttlsNotOffered,
            "STARTTLS is not offered: no client will use TLS, mail to this server travels unencrypted",
        ).with_hint("enable STARTTLS with a certificate in the server (Postfix: smtpd_tls_security_level = may)")),
        StarttlsPlacement::Masked => out.push(Finding::error(
            FindingId::StarttlsMasked,
            "STARTTLS is hidden: keywords are masked with X's, the mark of a firewall rewriting the EHLO reply (Cisco ASA ESMTP inspection)",
        ).with_hint("allow STARTTLS in the firewall's ESMTP inspection policy, or turn that inspection off")),
    }
    for note in &ehlo.notes {
        match note {
            EhloNote::StarttlsCase { as_sent } => out.push(
                Finding::new(
                    FindingId::StarttlsCase,
                    judged(&view, deciding, Severity::Info),
                    {
                        let missing = client_names(&view, |v| !v.sees_starttls);
                        if missing.is_empty() {
                            "STARTTLS is offered in lower or mixed case: legal (RFC 5321 keywords are case-insensitive)".to_string()
                        } else {
                            format!(
                                "STARTTLS is offered in lower or mixed case: legal (RFC 5321 keywords are case-insensitive), but {missing} look for upper case only and miss it"
                            )
                        }
                    },
                )
                .with_evidence(escape_str(as_sent)),
            ),
            EhloNote::StarttlsTrailing { as_sent } => out.push(
                Finding::new(
                    FindingId::StarttlsTrailing,
                    judged(&view, deciding, Severity::Info),
                    {
                        let missing = client_names(&view, |v| !v.sees_starttls);
                        if missing.is_empty() {
                            "the STARTTLS line carries trailing white space or parameters: legal (RFC 5321 4.1.1.1)".to_string()
                        } else {
                            format!("the STARTTLS line carries trailing white space or parameters: legal, but {missing} compare the whole line and miss it")
                        }
                    },
                )
                .with_evidence(escape_str(as_sent)),
            ),
            EhloNote::DuplicateKeyword { keyword } => out.push(
                Finding::info(
                    FindingId::DuplicateEhloKeyword,
                    format!("the keyword {} is advertised more than once", escape_str(keyword)),
                ),
            ),
            EhloNote::MaskedKeyword { .. } | EhloNote::NoExtensions => {}
        }
    }
    if let Some(f) = missed_by_clients(&ehlo, &view, deciding) {
        out.push(f);
    }
    // Each of the first few gets its own finding; a hostile reply must not flood the report.
    const INVALID_SHOWN: usize = 3;
    for invalid in ehlo.invalid_lines.iter().take(INVALID_SHOWN) {
        let message = if invalid.looks_like_domain {
            format!(
                "line {} of the EHLO reply is not an ehlo-keyword but looks like the server's name: the greeting was probably sent on the wrong line",
                invalid.line + 1
            )
        } else {
            format!(
                "line {} of the EHLO reply is not a valid ehlo-line (ehlo-keyword *(SP ehlo-param), RFC 5321 4.1.1.1)",
                invalid.line + 1
            )
        };
        out.push(
            Finding::warning(FindingId::InvalidEhloKeyword, message)
                .with_evidence(escape_str(&invalid.text)),
        );
    }
    if ehlo.invalid_lines.len() > INVALID_SHOWN {
        let rest: Vec<usize> = ehlo
            .invalid_lines
            .iter()
            .skip(INVALID_SHOWN)
            .map(|l| l.line + 1)
            .collect();
        out.push(Finding::warning(
            FindingId::InvalidEhloKeyword,
            format!(
                "{} more lines of the EHLO reply are not valid ehlo-lines: {}",
                rest.len(),
                super::reply::line_list(&rest)
            ),
        ));
    }
    out
}

/// STARTTLS is offered on an ehlo-line, yet clients will not use TLS for a reason no other
/// finding names (the reply's codes, line endings or line lengths): say who, and why.
fn missed_by_clients(
    ehlo: &EhloReply,
    view: &[ClientVerdict],
    deciding: &ClientSet,
) -> Option<Finding> {
    if !ehlo.starttls.strict_clients_see_it() {
        return None;
    }
    // Case and trailing text have findings of their own that name the clients.
    let explained = ehlo.notes.iter().any(|n| {
        matches!(
            n,
            EhloNote::StarttlsCase { .. } | EhloNote::StarttlsTrailing { .. }
        )
    });
    if explained || view.iter().all(|v| v.will_upgrade) {
        return None;
    }
    let mut parts = Vec::new();
    let plain = client_names(view, |v| v.outcome == Outcome::NoTls);
    if !plain.is_empty() {
        parts.push(format!("{plain} see no STARTTLS and carry on without TLS"));
    }
    for v in view {
        if let Some(detail) = v.outcome.detail() {
            parts.push(format!("{} {detail}", short_name(v.name)));
        }
    }
    let who = deciding_missed(view, deciding);
    let message = format!(
        "STARTTLS is offered on an ehlo-line, but not every client can use it: {}",
        parts.join("; ")
    );
    let mut f = Finding::new(
        FindingId::StarttlsMissedByClients,
        judged(view, deciding, Severity::Info),
        message,
    )
    .with_hint("send every line of the EHLO reply with code 250, ending in CRLF, within 512 octets (RFC 5321 4.2, 4.5.3.1.5)");
    if !who.is_empty() {
        f = f.with_evidence(format!(
            "deciding clients without TLS: {}",
            who.iter().map(|v| v.client).collect::<Vec<_>>().join(", ")
        ));
    }
    Some(f)
}

fn short_name(name: &str) -> &str {
    name.split(" (").next().unwrap_or(name)
}
