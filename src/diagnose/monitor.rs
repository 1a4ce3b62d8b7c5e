//! Judgements for the monitoring outputs: a plugin state per probe and per target, what counts
//! as a probe's success, which check each finding belongs to, and `--fail-on`. The renderers in
//! `report/` (nagios, prometheus, junit) only format what this module decides.

use crate::model::{
    Check, CheckOutcome, CheckResult, ClientFacts, ExitStatus, Finding, FindingId, FleetFacts,
    LeafFacts, Mode, PluginState, ProbeFacts, Report, Severity, TargetFacts, TargetReport,
    Thresholds, Verdict,
};

/// Which check a finding belongs to. Ids added later fall into [`Check::Other`] until placed.
pub fn check_of(id: FindingId) -> Check {
    use FindingId::*;
    match id {
        ConnectFailed | Timeout | ConnectionClosed | BannerRefused | NullMx | ImplicitMx
        | TooManyMx | DnsNxdomain | DnsNoRecords | DnsServfail | DnsTimeout | DnsError
        | InvalidTarget | NotSmtp => Check::Connection,
        EhloRejected | InvalidEhloKeyword | DuplicateEhloKeyword | BareLf | MixedReplyCodes
        | LineTooLong | MalformedReply | BadSeparator | NonUtf8 | ControlCharacters
        | ReplyTooLong | SessionTooLarge | UnexpectedReply | PasteIncomplete | PasteTooLarge => {
            Check::EhloReply
        }
        StarttlsInGreeting
        | StarttlsNotOffered
        | StarttlsMasked
        | StarttlsCase
        | StarttlsTrailing
        | StarttlsMissedByClients
        | AuthBeforeTls => Check::StarttlsOffered,
        StarttlsRejected
        | StarttlsForced
        | StarttlsResponseInjection
        | TlsHandshakeFailed
        | TlsSkipped
        | TlsVersion
        | StarttlsAfterTls
        | CapabilitiesChanged => Check::TlsUpgrade,
        CertUntrusted
        | CertNameMismatch
        | CertExpired
        | CertNotYetValid
        | CertExpiresSoon
        | CertIncompleteChain
        | CertNoSan
        | CertInvalid
        | CertVerificationDisabled => Check::Certificate,
        StarttlsEnforced
        | StarttlsNotEnforced
        | StarttlsCommandInjection
        | StarttlsInjectionNotVulnerable
        | StarttlsInjectionInconclusive
        | StarttlsIntermittent
        | SamplesConsistent => Check::ActiveChecks,
        MtaStsAbsent
        | MtaStsEnforce
        | MtaStsTesting
        | MtaStsNone
        | MtaStsRecordInvalid
        | MtaStsPolicyUnavailable
        | MtaStsPolicyInvalid
        | MtaStsMxMismatch
        | MtaStsCertInvalid
        | MtaStsLookupFailed
        | TlsRptPresent
        | TlsRptAbsent
        | TlsRptInvalid
        | DaneAbsent
        | DaneInsecure
        | DaneBogus
        | DaneValid
        | DaneMismatch
        | DaneUnusable
        | DaneIndeterminate => Check::SenderPolicy,
        #[allow(unreachable_patterns)]
        _ => Check::Other,
    }
}

/// blackbox_exporter's `probe_success`: diagnosed, and nothing failed (warnings still succeed,
/// as an expiring certificate still serves).
pub fn probe_success(verdict: Verdict) -> bool {
    matches!(verdict, Verdict::Ok | Verdict::Warning)
}

/// The plugin state of one report. The guidelines keep UNKNOWN for problems of the plugin and
/// its input (a bad argument, an unreadable paste); an unreachable server, a timeout or a DNS
/// failure is the service's state, so CRITICAL. `crit_days` raises a certificate with fewer
/// days left to CRITICAL (as `--warn-days` makes it a warning).
pub fn plugin_state(report: &Report, th: &Thresholds) -> PluginState {
    let bad_input = report.mode == Mode::Parse
        || report
            .findings
            .iter()
            .any(|f| f.id == FindingId::InvalidTarget);
    let state = verdict_state(report.verdict, bad_input);
    match (leaf_days_left(report), th.crit_days) {
        (Some(d), Some(c)) if d < c => state.worst(PluginState::Critical),
        _ => state,
    }
}

fn verdict_state(verdict: Verdict, bad_input: bool) -> PluginState {
    match verdict {
        Verdict::Ok => PluginState::Ok,
        Verdict::Warning => PluginState::Warning,
        Verdict::Fail => PluginState::Critical,
        Verdict::Error if bad_input => PluginState::Unknown,
        Verdict::Error => PluginState::Critical,
    }
}

fn leaf_days_left(report: &Report) -> Option<i64> {
    let tls = report.tls.as_ref()?;
    let leaf = tls.certificates.first()?;
    leaf.parse_error.is_none().then_some(leaf.days_left)
}

/// `TLSv1.3` -> `TLS 1.3`, the label value blackbox_exporter uses.
fn blackbox_version(v: &str) -> String {
    match v.strip_prefix("TLSv") {
        Some(n) => format!("TLS {n}"),
        None => v.to_string(),
    }
}

fn secs(ms: Option<f64>) -> Option<f64> {
    ms.map(|m| m / 1000.0)
}

/// Monitoring facts of one host report.
pub fn probe_facts(report: &Report, mx: Option<&str>, th: &Thresholds) -> ProbeFacts {
    let address = report
        .target
        .as_ref()
        .map(|t| match &t.address {
            Some(a) => a.clone(),
            None => format!("{}:{}", t.host, t.port),
        })
        .unwrap_or_else(|| "-".to_string());
    let name = match (&report.target, mx) {
        (Some(t), _) if t.address.is_some() && t.address.as_deref() != Some(&*t.input) => {
            format!("{} [{}]", t.input, address)
        }
        (Some(t), _) => t.input.clone(),
        (None, _) => format!("{:?}", report.mode).to_lowercase(),
    };
    let tls = report.tls.as_ref().filter(|t| t.established);
    let earliest = tls.and_then(|t| {
        t.certificates
            .iter()
            .filter_map(|c| c.validity_unix.map(|(_, after)| after))
            .min()
    });
    let leaf = tls.and_then(|t| t.certificates.first()).map(|c| LeafFacts {
        fingerprint_sha256: c.sha256.replace(':', ""),
        subject: c.subject.clone(),
        issuer: c.issuer.clone(),
        serial: c.serial.replace(':', ""),
        sans: c
            .sans
            .iter()
            .map(|s| s.split_once(':').map_or(s.as_str(), |(_, v)| v))
            .collect::<Vec<_>>()
            .join(","),
    });
    ProbeFacts {
        name,
        mx: mx.map(str::to_string),
        address,
        verdict: report.verdict,
        success: probe_success(report.verdict),
        state: plugin_state(report, th),
        summary: report.summary.clone(),
        duration_seconds: secs(report.timings_ms.total),
        handshake_seconds: secs(report.timings_ms.handshake),
        earliest_cert_expiry: earliest,
        days_left: tls.and(leaf_days_left(report)),
        tls_version: tls.and_then(|t| t.version.as_deref()).map(blackbox_version),
        starttls_placement: report.ehlo.as_ref().map(|e| e.starttls),
        cert_verified: tls.map(|t| t.verified),
        leaf,
        clients: report
            .client_view
            .iter()
            .map(|c| ClientFacts {
                client: c.client,
                sees_starttls: c.sees_starttls,
                will_upgrade: c.will_upgrade,
            })
            .collect(),
        findings: report.findings.clone(),
        checks: checks(report, th),
    }
}

fn checks(report: &Report, th: &Thresholds) -> Vec<CheckResult> {
    let tls_ran = report.tls.as_ref().is_some_and(|t| t.established);
    let certs = report
        .tls
        .as_ref()
        .is_some_and(|t| !t.certificates.is_empty());
    let mut out = Vec::new();
    for &check in Check::ALL {
        let findings: Vec<Finding> = report
            .findings
            .iter()
            .filter(|f| check_of(f.id) == check)
            .cloned()
            .collect();
        let skipped = match check {
            Check::Connection if report.target.is_none() => Some("pasted input: no connection"),
            Check::EhloReply | Check::StarttlsOffered if report.ehlo.is_none() => {
                Some("no EHLO reply")
            }
            Check::TlsUpgrade if report.tls.is_none() => Some("no TLS attempted"),
            Check::Certificate if !(tls_ran || certs) => Some("no certificate received"),
            // Opt-in checks (and domain policy on a host report) appear only when they ran.
            Check::ActiveChecks | Check::SenderPolicy | Check::Other if findings.is_empty() => {
                continue
            }
            _ => None,
        };
        let has = |sev: Severity| findings.iter().any(|f| f.severity >= sev);
        let outcome = if report.verdict == Verdict::Error && has(Severity::Error) {
            CheckOutcome::Errored
        } else if has(th.failing) {
            CheckOutcome::Failed
        } else if let (Some(why), true) = (skipped, findings.is_empty()) {
            CheckOutcome::Skipped(why.to_string())
        } else {
            CheckOutcome::Passed
        };
        out.push(CheckResult {
            check,
            outcome,
            findings,
        });
    }
    out
}

/// Monitoring facts of one TARGET: a host's one probe, or a domain's probes combined.
pub fn target_facts(report: &TargetReport, th: &Thresholds) -> TargetFacts {
    match report {
        TargetReport::Host(r) => {
            let p = probe_facts(r, None, th);
            TargetFacts {
                input: r
                    .target
                    .as_ref()
                    .map_or_else(|| p.name.clone(), |t| t.input.clone()),
                verdict: r.verdict,
                success: p.success,
                state: p.state,
                summary: r.summary.clone(),
                duration_seconds: p.duration_seconds,
                handshake_seconds: p.handshake_seconds,
                earliest_cert_expiry: p.earliest_cert_expiry,
                days_left: p.days_left,
                findings: Vec::new(),
                checks: Vec::new(),
                probes: vec![p],
                thresholds: *th,
            }
        }
        TargetReport::Domain(d) => {
            let probes: Vec<ProbeFacts> =
                d.mx.iter()
                    .flat_map(|m| {
                        m.addresses
                            .iter()
                            .map(|r| probe_facts(r, Some(&m.exchange), th))
                    })
                    .collect();
            // The domain's verdict already combines its own findings (DNS) and every address;
            // the probes add `--crit-days`.
            let state = probes
                .iter()
                .map(|p| p.state)
                .fold(verdict_state(d.verdict, false), PluginState::worst);
            let max = |f: fn(&ProbeFacts) -> Option<f64>| {
                probes
                    .iter()
                    .filter_map(f)
                    .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b))))
            };
            TargetFacts {
                input: d.input.clone(),
                verdict: d.verdict,
                success: probe_success(d.verdict),
                state,
                summary: d.summary.clone(),
                duration_seconds: max(|p| p.duration_seconds),
                handshake_seconds: max(|p| p.handshake_seconds),
                earliest_cert_expiry: probes.iter().filter_map(|p| p.earliest_cert_expiry).min(),
                days_left: probes.iter().filter_map(|p| p.days_left).min(),
                findings: d.findings.clone(),
                checks: domain_checks(&d.findings, th),
                probes,
                thresholds: *th,
            }
        }
    }
}

/// A domain's own findings as one check: its MX lookup.
fn domain_checks(findings: &[Finding], th: &Thresholds) -> Vec<CheckResult> {
    let outcome = if findings.iter().any(|f| f.severity == Severity::Error) {
        CheckOutcome::Errored
    } else if findings.iter().any(|f| f.severity >= th.failing) {
        CheckOutcome::Failed
    } else {
        CheckOutcome::Passed
    };
    vec![CheckResult {
        check: Check::Connection,
        outcome,
        findings: findings.to_vec(),
    }]
}

/// A batch as one plugin result: the worst state, and how many targets are in each.
pub fn fleet_facts(targets: Vec<TargetFacts>) -> FleetFacts {
    let states = [
        PluginState::Ok,
        PluginState::Warning,
        PluginState::Critical,
        PluginState::Unknown,
    ];
    let counts: Vec<(PluginState, u64)> = states
        .iter()
        .map(|&s| (s, targets.iter().filter(|t| t.state == s).count() as u64))
        .collect();
    let state = targets
        .iter()
        .map(|t| t.state)
        .fold(PluginState::Ok, PluginState::worst);
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    let summary = if targets.is_empty() {
        "no targets in the list".to_string()
    } else {
        format!(
            "{} target{}: {}",
            targets.len(),
            if targets.len() == 1 { "" } else { "s" },
            parts.join(", ")
        )
    };
    FleetFacts {
        state,
        summary,
        counts,
        targets,
    }
}

/// The exit status under `--fail-on THRESHOLD`: 0 when no verdict reaches the threshold,
/// otherwise the usual code of the worst verdict (1 for `--fail-on ok` with every verdict ok).
pub fn fail_on_exit(
    verdicts: impl IntoIterator<Item = Verdict>,
    usual: ExitStatus,
    threshold: Verdict,
) -> ExitStatus {
    if !verdicts.into_iter().any(|v| v >= threshold) {
        return ExitStatus::Ok;
    }
    match usual {
        ExitStatus::Ok => ExitStatus::Warnings,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_thresholds() {
        use Verdict::*;
        let usual = |v: &[Verdict]| v.iter().copied().fold(Ok, Verdict::worst).exit_status();
        for (vs, threshold, code) in [
            (&[Ok, Warning][..], Warning, 1),
            (&[Ok, Warning][..], Fail, 0),
            (&[Ok, Fail][..], Fail, 3),
            (&[Fail, Error][..], Error, 3),
            (&[Fail][..], Error, 0),
            (&[Ok][..], Ok, 1),
            (&[][..], Ok, 0),
        ] {
            let got = fail_on_exit(vs.iter().copied(), usual(vs), threshold).code();
            assert_eq!(got, code, "{vs:?} --fail-on {threshold:?}");
        }
    }

    #[test]
    fn plugin_states_rank_critical_over_warning_over_unknown() {
        use PluginState::*;
        assert_eq!(Ok.worst(Unknown), Unknown);
        assert_eq!(Unknown.worst(Warning), Warning);
        assert_eq!(Critical.worst(Warning), Critical);
        assert_eq!(verdict_state(Verdict::Error, false), Critical);
        assert_eq!(verdict_state(Verdict::Error, true), Unknown);
    }

    #[test]
    fn every_finding_has_a_check() {
        for &id in FindingId::ALL {
            assert_ne!(check_of(id), Check::Other, "{}", id.as_str());
        }
    }
}
