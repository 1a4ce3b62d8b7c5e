//! The policy checks' part of a domain or host probe: facts from [`crate::policy`] joined to
//! the probe's reports, judged in [`crate::diagnose::policy`].

use std::time::Instant;

use tokio::task::JoinHandle;

use super::{Chain, DomainOptions};
use crate::diagnose::error_report;
use crate::model::{Finding, FindingId, Mode, MxSection, PolicySection, Report};
use crate::policy::{dane_section, DomainPolicy, PolicyOptions, Security, Validated};
use crate::probe::{probe_addrs_chain, ProbeOptions};

type TlsaTask = Option<JoinHandle<Validated<hickory_resolver::proto::rr::rdata::TLSA>>>;

/// Joins the domain's policy facts and each MX's TLSA RRset to the probes' chains; judges.
#[allow(clippy::too_many_arguments)]
pub(super) async fn finish_policy(
    domain: &str,
    popts: &PolicyOptions,
    port: u16,
    facts: DomainPolicy,
    tlsa_lookups: Vec<TlsaTask>,
    chains: &[Vec<(String, Chain)>],
    findings: &mut Vec<Finding>,
    sections: &mut [MxSection],
    policy_section: &mut Option<PolicySection>,
) {
    findings.extend(crate::diagnose::policy::domain_policy_findings(
        domain, &facts,
    ));
    let mx_security = facts
        .mx_security
        .as_ref()
        .map(|v| v.security)
        .unwrap_or(Security::Indeterminate);
    for ((section, lookup), chains) in sections.iter_mut().zip(tlsa_lookups).zip(chains) {
        if let Some(task) = lookup {
            if let Ok(tlsa) = task.await {
                // The implicit MX is the domain itself: its A/AAAA stand in for an MX
                // RRset, and there is no MX RRset to be secure (RFC 7672 2.2.2).
                let mx_sec = if section.implicit {
                    tlsa.security
                } else {
                    mx_security
                };
                section.policy.dane = Some(dane_section(
                    &section.exchange,
                    port,
                    mx_sec,
                    &tlsa,
                    chains,
                    &popts.resolver.anchor_description,
                ));
            }
        }
        crate::diagnose::policy::judge_mx(section, popts.mta_sts, facts.sts.as_ref());
    }
    if popts.mta_sts {
        *policy_section = Some(facts.section);
    }
}

/// `--host --dane`: the host probed, its TLSA RRset (`_PORT._tcp.HOST`) looked up meanwhile
/// and matched against the chain it presented; the DANE findings join the host's report.
pub(super) async fn probe_host_dane(
    input: &str,
    host: &str,
    opts: &ProbeOptions,
    dopts: &DomainOptions,
    popts: &PolicyOptions,
) -> Report {
    let started = Instant::now();
    let deadline = started + opts.timeouts.overall;
    let tlsa = {
        let (resolver, host, port) = (popts.resolver.clone(), host.to_string(), opts.port);
        tokio::spawn(async move { resolver.host_tlsa(&host, port).await })
    };
    let addrs = match &dopts.resolver {
        Some(r) if dopts.resolver_for_hosts => r.addresses(host, opts.port).await.map_err(|f| {
            let mut report = error_report(Mode::Probe, f.finding_id(), f.to_string());
            report.target = Some(crate::probe::unconnected_target(input, host, opts));
            report
        }),
        _ => crate::net::resolve_host(host, opts.port, opts.timeouts.connect)
            .await
            .map_err(|e| {
                let mut report = error_report(Mode::Probe, FindingId::DnsError, e.to_string());
                report.target = Some(crate::probe::unconnected_target(input, host, opts));
                report
            }),
    };
    let addrs = match addrs {
        Ok(a) => a,
        Err(report) => return report,
    };
    let (mut report, chain) = probe_addrs_chain(input, host, &addrs, opts, started, deadline).await;
    let Ok(tlsa) = tlsa.await else {
        return report;
    };
    let address = report
        .target
        .as_ref()
        .and_then(|t| t.address.clone())
        .unwrap_or_default();
    // Never connected: nothing to match (not a mismatch).
    let chains = if address.is_empty() {
        Vec::new()
    } else {
        vec![(address, chain)]
    };
    // No MX RRset for a host: the TLSA RRset's own security decides (as for an implicit MX).
    let section = dane_section(
        host,
        opts.port,
        tlsa.security,
        &tlsa,
        &chains,
        &popts.resolver.anchor_description,
    );
    crate::diagnose::policy::judge_host_dane(&mut report, &section);
    report
}
