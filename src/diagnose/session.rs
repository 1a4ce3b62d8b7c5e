use std::collections::BTreeSet;
use std::time::SystemTime;

use smtp_grammar::{escape_bytes, interpret_ehlo, Reply, ReplyError};

use super::ehlo::{banner_section, keyword_entries};
use super::tls::tls_findings;
use super::{
    client_view_entries_for, ehlo_findings_for, ehlo_section, reply_findings, summary, verdict,
};
use crate::model::{
    Finding, FindingId, Mode, Report, Severity, TargetSection, TlsSection, SCHEMA_VERSION,
};
use crate::session::{Phase, SessionError, SessionRecord};

/// What diagnosis needs to know besides the record.
#[derive(Debug, Clone)]
pub struct DiagnoseContext {
    pub tls_name: String,
    /// `cert-expires-soon` below this many days.
    pub warn_days: i64,
    /// False with `--insecure`: certificate problems are still reported, as warnings.
    pub verify_enabled: bool,
    pub trust_anchors: String,
    /// `--no-tls`: the upgrade was not attempted on purpose.
    pub tls_skipped: bool,
    pub now: SystemTime,
    /// The clients whose view decides the verdict (`--clients`).
    pub clients: smtp_grammar::ClientSet,
}

fn reply_evidence(reply: &Reply) -> String {
    reply
        .lines
        .iter()
        .map(|l| escape_bytes(&crate::session::render_line(l)))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Most octets of a partial reply shown as evidence.
const EVIDENCE_OCTETS: usize = 200;

fn partial_evidence(partial: &[u8]) -> Option<String> {
    if partial.is_empty() {
        return None;
    }
    let shown = partial.get(..EVIDENCE_OCTETS).unwrap_or(partial);
    let mut text = escape_bytes(shown);
    if shown.len() < partial.len() {
        text.push_str(" ...");
    }
    Some(text)
}

fn with_partial(f: Finding, partial: &[u8]) -> Finding {
    match partial_evidence(partial) {
        Some(evidence) => f.with_evidence(evidence),
        None => f,
    }
}

fn session_error_finding(e: &SessionError) -> Finding {
    let phase = e.phase();
    match e {
        SessionError::Timeout { overall, .. } => {
            let f = Finding::error(FindingId::Timeout, e.to_string()).with_hint(if *overall {
                "raise --deadline (the whole probe) if the server is merely slow"
            } else {
                "raise --timeout (each step) if the server is merely slow"
            });
            with_partial(f, e.partial())
        }
        SessionError::Closed { .. } | SessionError::Reset { .. } => {
            with_partial(Finding::error(FindingId::ConnectionClosed, e.to_string()), e.partial())
        }
        SessionError::Io { .. } => Finding::error(FindingId::ConnectionClosed, e.to_string()),
        SessionError::Reply { source, .. } => {
            let waiting = phase.waiting_for();
            match source {
                ReplyError::Malformed { line, reason } => Finding::error(
                    FindingId::MalformedReply,
                    format!("{waiting} is not an SMTP reply: {reason}"),
                )
                .with_evidence(partial_evidence(line).unwrap_or_else(|| "(empty line)".into())),
                ReplyError::LineTooLong { limit } => Finding::error(
                    FindingId::ReplyTooLong,
                    format!("{waiting} has a line longer than {limit} octets: the probe stopped reading"),
                )
                .with_hint("the limit is --max-line-length; RFC 5321 4.5.3.1.5 allows 512 octets"),
                ReplyError::TooManyLines { limit } => Finding::error(
                    FindingId::ReplyTooLong,
                    format!("{waiting} has more than {limit} lines: the probe stopped reading"),
                )
                .with_hint("the limit is --max-reply-lines"),
                ReplyError::ReplyTooLarge { limit } => Finding::error(
                    FindingId::ReplyTooLong,
                    format!("{waiting} is larger than {limit} octets: the probe stopped reading"),
                )
                .with_hint("the limit is --max-reply-bytes"),
                _ => Finding::error(FindingId::ReplyTooLong, e.to_string()),
            }
        }
        SessionError::SessionTooLarge { limit, .. } => Finding::error(
            FindingId::SessionTooLarge,
            format!(
                "the server sent more than {limit} octets in this session (while the probe waited for {}): the probe stopped reading",
                phase.waiting_for()
            ),
        )
        .with_hint("the limit is --max-session-bytes"),
        #[allow(unreachable_patterns)]
        _ => Finding::error(FindingId::ConnectionClosed, e.to_string()),
    }
}

/// Whatever a message, hint or evidence holds, no control character reaches a terminal: text
/// derived from server bytes is escaped where it is built, and this is the net under it (a
/// certificate name, a library's error text).
pub(super) fn terminal_safe(text: &mut String) {
    if text.chars().any(needs_escape) {
        let mut out = String::with_capacity(text.len() + 8);
        for c in text.chars() {
            if needs_escape(c) {
                out.push_str(&escape_bytes(c.encode_utf8(&mut [0; 4]).as_bytes()));
            } else {
                out.push(c);
            }
        }
        *text = out;
    }
}

fn needs_escape(c: char) -> bool {
    // Same set as `escape_bytes`: controls (C0, DEL, C1), line separators, bidi controls.
    // A backslash is left alone: the text may already hold escapes.
    let mut buf = [0; 4];
    c != '\\'
        && (c.is_control() || escape_bytes(c.encode_utf8(&mut buf).as_bytes()).len() > c.len_utf8())
}

fn make_terminal_safe(findings: &mut [Finding]) {
    for f in findings {
        terminal_safe(&mut f.message);
        if let Some(e) = f.evidence.as_mut() {
            terminal_safe(e);
        }
        if let Some(h) = f.hint.as_mut() {
            terminal_safe(h);
        }
    }
}

/// The report for one live session.
pub fn session_report(
    record: &SessionRecord,
    ctx: &DiagnoseContext,
    target: TargetSection,
    mode: Mode,
) -> Report {
    let mut findings = Vec::new();
    let mut diagnosed = false;

    if let Some(banner) = &record.banner {
        findings.extend(reply_findings(banner, "banner", true));
        if banner.code >= 400 {
            findings.push(
                Finding::error(
                    FindingId::BannerRefused,
                    format!(
                        "the server refused the session in its banner ({}): it accepts no mail from this address right now",
                        banner.code
                    ),
                )
                .with_evidence(reply_evidence(banner)),
            );
        } else if banner.code != 220 {
            // RFC 5321 4.3.2: the greeting is 220 (or 554/421); anything else is not SMTP as
            // specified, and the probe does not go on.
            findings.push(
                Finding::error(
                    FindingId::UnexpectedReply,
                    format!(
                        "the server's banner has code {}, not 220: this is not an SMTP greeting",
                        banner.code
                    ),
                )
                .with_evidence(reply_evidence(banner)),
            );
        }
    }

    let mut ehlo_sec = None;
    let mut client_view = Vec::new();
    if let Some(ehlo) = &record.ehlo {
        findings.extend(reply_findings(ehlo, "EHLO reply", true));
        if ehlo.code == 250 {
            diagnosed = true;
            ehlo_sec = ehlo_section(ehlo);
            // Inside implicit TLS there is no STARTTLS to place and no client to judge by it.
            let implicit = record.tls.as_ref().is_some_and(|t| t.implicit);
            if !implicit {
                client_view = client_view_entries_for(ehlo, &ctx.clients);
                let mut ehlo_f = ehlo_findings_for(ehlo, !record.starttls.forced, &ctx.clients);
                if record.starttls.forced {
                    // Forced past a missing offer: keep the finding, the upgrade result follows.
                    ehlo_f.iter_mut().for_each(|f| {
                        if f.id == FindingId::StarttlsNotOffered {
                            f.message
                                .push_str(" (STARTTLS was sent anyway: --force-starttls)");
                        }
                    });
                }
                findings.extend(ehlo_f);
            }
        } else if (500..600).contains(&ehlo.code) {
            let helo_ok = record.helo.as_ref().is_some_and(|h| h.code == 250);
            diagnosed = helo_ok;
            let severity = if helo_ok {
                Severity::Warning
            } else {
                Severity::Error
            };
            findings.push(
                Finding::new(
                    FindingId::EhloRejected,
                    severity,
                    if helo_ok {
                        format!("EHLO was refused ({}) and HELO accepted: the server speaks only the old SMTP of RFC 821, with no extensions", ehlo.code)
                    } else {
                        format!("EHLO was refused ({}), and HELO was not accepted either", ehlo.code)
                    },
                )
                .with_evidence(reply_evidence(ehlo)),
            );
            if helo_ok && !record.starttls.sent {
                findings.push(Finding::error(
                    FindingId::StarttlsNotOffered,
                    "STARTTLS is not offered: without EHLO there are no extensions, so no client will use TLS",
                ));
            }
        } else {
            findings.push(
                Finding::error(
                    FindingId::EhloRejected,
                    format!("EHLO was answered {} instead of 250", ehlo.code),
                )
                .with_evidence(reply_evidence(ehlo)),
            );
        }
    }

    if record.starttls.forced {
        findings.push(Finding::info(
            FindingId::StarttlsForced,
            "STARTTLS was sent although no ehlo-line offered it (--force-starttls): the TLS results below are what a lenient client gets",
        ));
    }
    if let Some(reply) = &record.starttls.reply {
        if reply.code != 220 {
            findings.push(
                Finding::error(
                    FindingId::StarttlsRejected,
                    format!(
                        "the server answered STARTTLS with {}, not 220: no TLS",
                        reply.code
                    ),
                )
                .with_evidence(reply_evidence(reply)),
            );
        }
    }
    // Plaintext after the 220 followed by a failed handshake is a server that does not speak
    // TLS at all (`not-tls` below), not an injection around a working one.
    let handshake_failed = record
        .tls
        .as_ref()
        .is_some_and(|t| t.handshake_error.is_some() && t.session.is_none());
    let injected = record
        .starttls
        .injected
        .as_ref()
        .filter(|_| !handshake_failed);
    if let (Some(injected), Some(p)) = (injected, &record.pipelined) {
        findings.push(
            Finding::warning(
                FindingId::UnexpectedReply,
                format!(
                    "the server answered the {} pipelined with STARTTLS in plaintext, after its 220 and before TLS ({} octets, discarded unread): it should have discarded it",
                    escape_bytes(p.command.as_bytes()),
                    injected.len()
                ),
            )
            .with_evidence(escape_bytes(&injected[..injected.len().min(200)])),
        );
    } else if let Some(injected) = injected {
        findings.push(
            Finding::error(
                FindingId::StarttlsResponseInjection,
                format!(
                    "{} octets arrived in plaintext after the 220 to STARTTLS, before TLS: discarded unread; a man in the middle may have injected them, or the server is broken",
                    injected.len()
                ),
            )
            .with_hint("the server must send nothing after its 220 until the TLS handshake (RFC 3207 4; the STARTTLS command-injection class of CVE-2011-0411)")
            .with_evidence(escape_bytes(&injected[..injected.len().min(200)])),
        );
    }

    let tls_section = record.tls.as_ref().map(|tls| {
        // On an implicit-TLS port a failed handshake is the diagnosis; after a good one, the
        // banner and EHLO inside TLS decide as on a plaintext port.
        if tls.implicit && tls.handshake_error.is_some() {
            diagnosed = true;
        }
        let instead = match (&record.starttls.injected, &tls.received_instead) {
            (Some(bytes), _) if handshake_failed => Some((bytes.as_slice(), true)),
            (_, Some(bytes))
                if handshake_failed
                    && smtp_grammar::sniff(bytes) != Some(smtp_grammar::Foreign::Tls) =>
            {
                Some((bytes.as_slice(), false))
            }
            _ => None,
        };
        tls_findings(tls, ctx, instead, &mut findings)
    });
    findings.extend(super::active::active_findings(record, &target));

    if let Some(after) = &record.ehlo_after_tls {
        findings.extend(reply_findings(after, "EHLO reply inside TLS", true));
        if let (Ok(before), Ok(inside)) = (
            record.ehlo.as_ref().map(interpret_ehlo).transpose(),
            interpret_ehlo(after),
        ) {
            if inside.has_keyword("STARTTLS") {
                findings.push(Finding::warning(
                    FindingId::StarttlsAfterTls,
                    "the server still offers STARTTLS inside TLS; RFC 3207 4.2 says it must not",
                ));
            }
            if let Some(before) = before {
                let a: BTreeSet<String> = before
                    .keywords
                    .iter()
                    .map(|k| k.keyword.to_ascii_uppercase())
                    .collect();
                let b: BTreeSet<String> = inside
                    .keywords
                    .iter()
                    .map(|k| k.keyword.to_ascii_uppercase())
                    .collect();
                let added: Vec<_> = b.difference(&a).cloned().collect();
                let removed: Vec<_> = a
                    .difference(&b)
                    .filter(|k| *k != "STARTTLS")
                    .cloned()
                    .collect();
                if !added.is_empty() || !removed.is_empty() {
                    let mut parts = Vec::new();
                    if !added.is_empty() {
                        parts.push(format!(
                            "added {}",
                            escape_bytes(added.join(", ").as_bytes())
                        ));
                    }
                    if !removed.is_empty() {
                        parts.push(format!(
                            "removed {}",
                            escape_bytes(removed.join(", ").as_bytes())
                        ));
                    }
                    findings.push(Finding::info(
                        FindingId::CapabilitiesChanged,
                        format!("capabilities inside TLS differ from before (RFC 3207 4.2 expects a fresh list): {}", parts.join("; ")),
                    ));
                }
            }
        }
    }

    let offered = record
        .ehlo
        .as_ref()
        .and_then(|r| interpret_ehlo(r).ok())
        .is_some_and(|e| e.starttls.strict_clients_see_it());
    if ctx.tls_skipped && offered {
        findings.push(Finding::info(
            FindingId::TlsSkipped,
            "the TLS upgrade was not attempted (--no-tls)",
        ));
    }

    // A 421 to a check's command ended the session before STARTTLS: the check cost the
    // diagnosis, and nothing can be said about TLS.
    let closed_at_check = record
        .before_starttls
        .iter()
        .any(|c| c.reply.as_ref().is_some_and(|r| r.code == 421));
    // The same for a check's command that got no answer (timeout, connection closed): the
    // error finding below says what happened, but it is not a verdict on STARTTLS.
    let stopped_at_check = record
        .error
        .as_ref()
        .is_some_and(|e| e.phase() == Phase::Check);
    if stopped_at_check && !record.starttls.sent {
        diagnosed = false;
    }
    if closed_at_check && offered && !ctx.tls_skipped && !record.starttls.sent {
        diagnosed = false;
        findings.push(
            Finding::error(
                FindingId::ConnectionClosed,
                "the server closed the session (421) in answer to a --check-enforcement command, before STARTTLS: STARTTLS and TLS were not tested",
            )
            .with_hint("probe again without --check-enforcement to test TLS"),
        );
    }

    if let Some(e) = &record.error {
        let mut f =
            super::foreign::not_smtp(e, &target).unwrap_or_else(|| session_error_finding(e));
        if let Some(hint) = super::foreign::silent_banner_hint(e, &target) {
            f = f.with_hint(hint);
        }
        findings.push(f);
    }
    make_terminal_safe(&mut findings);

    let verdict = verdict(&findings, diagnosed);
    let ok_line = ok_summary(
        record,
        ehlo_sec.as_ref().map(|e| e.starttls),
        tls_section.as_ref(),
        ctx,
    );
    let summary = summary(&findings, verdict, ok_line);
    Report {
        schema_version: SCHEMA_VERSION,
        mode,
        kind: crate::model::ReportKind::of_mode(mode),
        verdict,
        summary,
        target: Some(target),
        findings,
        banner: record.banner.as_ref().map(banner_section),
        ehlo: ehlo_sec,
        client_view,
        tls: tls_section,
        ehlo_after_tls: record
            .ehlo_after_tls
            .as_ref()
            .and_then(|r| interpret_ehlo(r).ok())
            .map(|e| keyword_entries(&e)),
        timings_ms: record.timings,
        transcript: None,
        input: None,
    }
}

fn ok_summary(
    record: &SessionRecord,
    placement: Option<&str>,
    tls: Option<&TlsSection>,
    ctx: &DiagnoseContext,
) -> String {
    match tls {
        Some(t) if t.established => {
            let days = t
                .certificates
                .first()
                .map(|c| format!(", expires in {} days", c.days_left))
                .unwrap_or_default();
            let how = if record.tls.as_ref().is_some_and(|r| r.implicit) {
                "implicit TLS"
            } else {
                "STARTTLS offered on an ehlo-line"
            };
            format!(
                "{how}; {} established; certificate valid for {}{days}",
                t.version.as_deref().unwrap_or("TLS"),
                ctx.tls_name
            )
        }
        _ => match placement {
            Some("ehlo-line") | Some("greeting-and-ehlo-line") => {
                "STARTTLS offered on an ehlo-line: strict and lenient clients alike will see it (TLS not tested)".to_string()
            }
            _ => "no problem found".to_string(),
        },
    }
}
