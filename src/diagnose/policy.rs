//! MTA-STS, TLS-RPT and DANE facts -> findings, and what each kind of sender does per MX
//! (RFC 8461 2: a sender that does DANE uses it, not MTA-STS).
//!
//! Severities: what makes mail bounce or defer is an error, and on an MX an error makes the
//! verdict `fail` (a DANE mismatch, a bogus TLSA RRset, an MX outside or unverifiable under an
//! `enforce` policy). A missing or broken optional mechanism is an info or a warning: it
//! changes nothing for a sender that does not use it.

use crate::model::{DaneSection, Finding, FindingId, MxSection, MxStsCheck, Report};
use crate::policy::{mta_sts, DomainPolicy, StsMode, StsPolicy};

/// Findings about the domain's MTA-STS and TLS-RPT records.
pub fn domain_policy_findings(domain: &str, p: &DomainPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(s) = &p.section.mta_sts {
        let records = || s.txt_records.join(" | ");
        if let Some(e) = &s.lookup_error {
            out.push(
                Finding::warning(
                    FindingId::MtaStsLookupFailed,
                    format!(
                        "the {} TXT lookup failed, so MTA-STS is unknown",
                        s.record_name
                    ),
                )
                .with_evidence(e.clone()),
            );
        } else if s.id.is_none() && s.record_error.is_none() {
            out.push(Finding::info(
                FindingId::MtaStsAbsent,
                format!("{domain} publishes no MTA-STS record ({}): senders need not insist on verified TLS", s.record_name),
            ));
        } else if let Some(e) = &s.record_error {
            out.push(
                Finding::warning(
                    FindingId::MtaStsRecordInvalid,
                    format!("the MTA-STS record is invalid: {e}; senders treat {domain} as having no policy"),
                )
                .with_evidence(records())
                .with_hint("publish exactly one TXT record \"v=STSv1; id=<1-32 letters/digits>;\""),
            );
        } else if let Some(e) = &s.fetch_error {
            out.push(
                Finding::warning(
                    FindingId::MtaStsPolicyUnavailable,
                    format!(
                        "the MTA-STS record exists but the policy cannot be fetched: {e}; senders \
                         without a cached policy send as if there were none"
                    ),
                )
                .with_evidence(s.url.clone().unwrap_or_default())
                .with_hint(
                    "serve the policy at that URL: HTTPS with a valid certificate for \
                     mta-sts.<domain>, status 200, Content-Type text/plain, no redirect",
                ),
            );
        } else if let Some(e) = &s.policy_error {
            out.push(
                Finding::warning(
                    FindingId::MtaStsPolicyInvalid,
                    format!("the MTA-STS policy is invalid: {e}; senders ignore it"),
                )
                .with_evidence(s.policy_text.clone().unwrap_or_default()),
            );
        } else if let Some(policy) = &p.sts {
            let (id, what) = match policy.mode {
                StsMode::Enforce => (
                    FindingId::MtaStsEnforce,
                    "enforce: MTA-STS senders deliver only to listed MX hosts over TLS with a valid certificate",
                ),
                StsMode::Testing => (
                    FindingId::MtaStsTesting,
                    "testing: MTA-STS senders report TLS failures but deliver anyway",
                ),
                StsMode::None => (
                    FindingId::MtaStsNone,
                    "none: the domain withdraws its policy; senders treat it as having none",
                ),
            };
            out.push(
                Finding::info(
                    id,
                    format!(
                        "MTA-STS policy (id {}) in mode {what}",
                        s.id.clone().unwrap_or_default()
                    ),
                )
                .with_evidence(format!(
                    "mx: {}; max_age: {}",
                    policy.mx.join(", "),
                    policy.max_age
                )),
            );
        }
    }
    if let Some(r) = &p.section.tls_rpt {
        if let Some(e) = &r.lookup_error {
            out.push(Finding::warning(
                FindingId::TlsRptInvalid,
                format!("the {} TXT lookup failed: {e}", r.record_name),
            ));
        } else if let Some(e) = &r.error {
            out.push(
                Finding::warning(
                    FindingId::TlsRptInvalid,
                    format!("the TLS-RPT record is invalid: {e}; senders send no reports"),
                )
                .with_evidence(r.txt_records.join(" | "))
                .with_hint("publish \"v=TLSRPTv1; rua=mailto:tls-reports@<domain>\""),
            );
        } else if r.rua.is_empty() {
            out.push(Finding::info(
                FindingId::TlsRptAbsent,
                format!(
                    "no TLS-RPT record ({}): senders cannot report TLS failures to {domain}",
                    r.record_name
                ),
            ));
        } else {
            out.push(Finding::info(
                FindingId::TlsRptPresent,
                format!("TLS-RPT reports go to {}", r.rua.join(", ")),
            ));
        }
    }
    out
}

/// Every address completed TLS with a certificate valid for the MX name.
fn certificate_valid(addresses: &[Report]) -> bool {
    !addresses.is_empty()
        && addresses
            .iter()
            .all(|r| r.tls.as_ref().is_some_and(|t| t.established && t.verified))
}

fn tls_problem(addresses: &[Report]) -> String {
    for r in addresses {
        let addr = r
            .target
            .as_ref()
            .and_then(|t| t.address.clone())
            .unwrap_or_default();
        match &r.tls {
            None => return format!("no TLS at {addr}"),
            Some(t) if !t.established => return format!("the TLS handshake failed at {addr}"),
            Some(t) if !t.verified => {
                let why = t
                    .verify_error
                    .as_ref()
                    .map(|v| v.sentence.clone())
                    .unwrap_or_else(|| "the certificate does not verify".into());
                return format!("{why} at {addr}");
            }
            _ => {}
        }
    }
    "no address could be probed".into()
}

/// Judges one MX's MTA-STS standing and DANE section, and writes the senders line.
pub fn judge_mx(mx: &mut MxSection, sts_checked: bool, sts: Option<&StsPolicy>) {
    let mut findings = Vec::new();
    let valid = certificate_valid(&mx.addresses);
    // MTA-STS, RFC 8461 4.
    let sts_line = match (sts_checked, sts) {
        (false, _) => "not checked (--no-mta-sts)".to_string(),
        (true, None) => "no policy, so opportunistic".to_string(),
        (true, Some(p)) if p.mode == StsMode::None => "policy mode none, so opportunistic".into(),
        (true, Some(p)) => {
            let pattern = mta_sts::matching_pattern(p, &mx.exchange).map(str::to_string);
            let enforce = p.mode == StsMode::Enforce;
            let outcome = if pattern.is_none() {
                let consequence = if enforce {
                    "mail to it is not delivered"
                } else {
                    "in testing mode mail is delivered and the failure reported"
                };
                let f = Finding::new(
                    FindingId::MtaStsMxMismatch,
                    if enforce { crate::model::Severity::Error } else { crate::model::Severity::Warning },
                    format!("MX {} matches no mx pattern of the MTA-STS policy: {consequence}", mx.exchange),
                )
                .with_evidence(format!("policy mx: {}", p.mx.join(", ")))
                .with_hint("add the MX host (or a *.parent pattern) to the policy's mx lines, and change the id");
                findings.push(f);
                if enforce {
                    format!(
                        "mail not delivered (MX {} is not in the policy)",
                        mx.exchange
                    )
                } else {
                    "deliver, report the failure (MX not in the policy; testing)".into()
                }
            } else if !valid {
                let why = tls_problem(&mx.addresses);
                findings.push(Finding::new(
                    FindingId::MtaStsCertInvalid,
                    if enforce {
                        crate::model::Severity::Error
                    } else {
                        crate::model::Severity::Warning
                    },
                    format!(
                        "MTA-STS senders need verified TLS to {} ({why}): {}",
                        mx.exchange,
                        if enforce {
                            "mail to it is not delivered"
                        } else {
                            "testing mode delivers anyway and reports it"
                        }
                    ),
                ));
                if enforce {
                    format!("mail not delivered ({why})")
                } else {
                    format!("deliver, report the failure ({why}; testing)")
                }
            } else if enforce {
                "deliver over verified TLS".into()
            } else {
                "deliver over verified TLS (testing)".into()
            };
            mx.policy.mta_sts = Some(MxStsCheck {
                matched_pattern: pattern,
                certificate_valid: valid,
                outcome: outcome.clone(),
            });
            outcome
        }
    };
    let dane_line = match &mx.policy.dane {
        None => "not checked (--no-dane)".to_string(),
        Some(d) => judge_dane(d, &mx.exchange, &mut findings),
    };
    let opportunistic = if mx
        .addresses
        .iter()
        .all(|r| r.tls.as_ref().is_some_and(|t| t.established))
        && !mx.addresses.is_empty()
    {
        "TLS, certificate not checked".to_string()
    } else {
        "plaintext where TLS fails".to_string()
    };
    mx.policy.senders = Some(format!(
        "DANE-validating senders: {dane_line}; MTA-STS senders: {sts_line}; opportunistic senders: {opportunistic}"
    ));
    mx.policy.findings = findings;
}

/// `--host --dane`: the DANE findings join the host's own, and can make its verdict `fail`.
pub fn judge_host_dane(report: &mut Report, d: &DaneSection) {
    let mut findings = Vec::new();
    let line = judge_dane(d, &d.tlsa_name, &mut findings);
    let mut added: Vec<Finding> = findings
        .into_iter()
        .map(|mut f| {
            let detail = format!("{}; DANE-validating senders: {line}", d.tlsa_name);
            f.evidence = Some(match f.evidence.take() {
                Some(e) if !e.is_empty() => format!("{e} ({detail})"),
                _ => detail,
            });
            f
        })
        .collect();
    let worst = added
        .iter()
        .map(|f| match f.severity {
            crate::model::Severity::Info => crate::model::Verdict::Ok,
            crate::model::Severity::Warning => crate::model::Verdict::Warning,
            crate::model::Severity::Error => crate::model::Verdict::Fail,
        })
        .fold(crate::model::Verdict::Ok, crate::model::Verdict::worst);
    if worst > report.verdict && report.verdict != crate::model::Verdict::Error {
        if let Some(f) = added
            .iter()
            .find(|f| f.severity >= crate::model::Severity::Warning)
        {
            report.summary = f.message.clone();
        }
        report.verdict = report.verdict.worst(worst);
    }
    report.findings.append(&mut added);
}

fn judge_dane(d: &DaneSection, exchange: &str, findings: &mut Vec<Finding>) -> String {
    let error = d.error.clone().unwrap_or_default();
    if d.no_dnssec {
        // Not the zone's fault and not a TLS problem: said plainly, verdict unchanged.
        findings.push(
            Finding::info(
                FindingId::DaneIndeterminate,
                format!("DANE not evaluated for {exchange}: the resolver serves no DNSSEC data"),
            )
            .with_evidence(error),
        );
        return "unknown (the resolver serves no DNSSEC data)".into();
    }
    if d.mx_rrset == "bogus" || d.tlsa_rrset == "bogus" {
        let what = if d.mx_rrset == "bogus" { "MX" } else { "TLSA" };
        findings.push(
            Finding::error(
                FindingId::DaneBogus,
                format!(
                    "the {what} RRset for {exchange} fails DNSSEC validation (bogus): DANE senders defer mail"
                ),
            )
            .with_evidence(format!("{}: {error}", d.tlsa_name))
            .with_hint("re-sign the zone, check the DS in the parent and the RRSIG expiry"),
        );
        return format!("mail deferred (the {what} RRset is bogus)");
    }
    if d.mx_rrset == "indeterminate" || d.tlsa_rrset == "indeterminate" {
        findings.push(
            Finding::warning(
                FindingId::DaneIndeterminate,
                format!(
                    "the DNSSEC status of {} could not be determined; DANE not evaluated",
                    d.tlsa_name
                ),
            )
            .with_evidence(error),
        );
        return "unknown (DNSSEC status indeterminate)".into();
    }
    if d.mx_rrset != "secure" {
        findings.push(Finding::info(
            FindingId::DaneInsecure,
            format!(
                "the MX RRset is not DNSSEC-signed ({}): DANE does not apply to {exchange}",
                d.mx_rrset
            ),
        ));
        return "no DANE (MX RRset insecure)".into();
    }
    if d.tlsa_rrset != "secure" {
        if let Some(why) = &d.error {
            // The host's address records are unsigned: the TLSA RRset was not even asked.
            findings.push(Finding::info(
                FindingId::DaneInsecure,
                format!("DANE does not apply to {exchange}: {why}"),
            ));
            return "no DANE (address records insecure)".into();
        }
        let has = if d.records.is_empty() {
            ""
        } else {
            " (its TLSA records are ignored)"
        };
        findings.push(
            Finding::info(
                FindingId::DaneInsecure,
                format!(
                    "{} is in an unsigned zone{has}: DANE does not apply to {exchange}",
                    d.tlsa_name
                ),
            )
            .with_evidence(d.records.join(" | ")),
        );
        return "no DANE (TLSA RRset insecure)".into();
    }
    if d.absent || d.records.is_empty() {
        findings.push(Finding::info(
            FindingId::DaneAbsent,
            format!(
                "no TLSA records at {} (authenticated denial): DANE senders use opportunistic TLS",
                d.tlsa_name
            ),
        ));
        return "no TLSA records (authenticated denial), opportunistic TLS".into();
    }
    let bad: Vec<&crate::model::DaneAddress> =
        d.addresses.iter().filter(|a| a.result != "match").collect();
    if d.addresses.iter().all(|a| a.result == "unusable") && !d.addresses.is_empty() {
        findings.push(
            Finding::warning(
                FindingId::DaneUnusable,
                format!("no TLSA record at {} is usable for SMTP: DANE senders require TLS but check no certificate", d.tlsa_name),
            )
            .with_evidence(d.records.join(" | "))
            .with_hint("publish DANE-EE(3) or DANE-TA(2) records (RFC 7672 3.1)"),
        );
        return "TLS required, certificate not checked (no usable TLSA record)".into();
    }
    if bad.is_empty() && !d.addresses.is_empty() {
        let shown: Vec<String> = d
            .addresses
            .iter()
            .map(|a| {
                format!(
                    "{}: {} at depth {}",
                    a.address,
                    a.matched_record.clone().unwrap_or_default(),
                    a.depth.unwrap_or(0)
                )
            })
            .collect();
        findings.push(
            Finding::info(
                FindingId::DaneValid,
                format!(
                    "DANE: every address of {exchange} presents a chain its TLSA records match"
                ),
            )
            .with_evidence(shown.join("; ")),
        );
        return "deliver, the certificate matches TLSA".into();
    }
    if d.addresses.is_empty() {
        return "not evaluated (no address was probed)".into();
    }
    let shown: Vec<String> = bad
        .iter()
        .map(|a| {
            let why = if a.result == "no-certificate" {
                "no TLS certificate was presented".to_string()
            } else {
                a.notes.join("; ")
            };
            format!("{}: {why}", a.address)
        })
        .collect();
    findings.push(
        Finding::error(
            FindingId::DaneMismatch,
            format!("DANE: {exchange} presents a certificate chain no TLSA record at {} matches; DANE senders do not deliver to it", d.tlsa_name),
        )
        .with_evidence(shown.join(" | "))
        .with_hint("publish TLSA records for the certificate in use (and the next one before a rollover)"),
    );
    "mail not delivered (no TLSA record matches)".into()
}
