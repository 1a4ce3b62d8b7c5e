//! Mail domains: MX resolution (RFC 5321 5.1, RFC 7505), every MX and every address probed
//! under a concurrency bound, one overall verdict.
//!
//! How a TARGET is read ([`TargetKind::Auto`]): an IP literal or a target with an explicit port
//! is a host; any other name is a mail domain. Its MX records are probed in preference order;
//! with none, its own A/AAAA records are the implicit MX (an `implicit-mx` info finding).

mod dns;
mod policy;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub(crate) use dns::resolver_builder;
pub use dns::{DnsFailure, MxAnswer, MxResolver};

use crate::diagnose::{error_report, finish_domain};
use crate::model::{
    DomainReport, Finding, FindingId, Mode, MxSection, Report, TargetReport, TargetSection,
};
use crate::net::parse_target;
use crate::policy::{check_domain, PolicyOptions};
use crate::probe::{probe_addrs, probe_addrs_chain, probe_host, ProbeOptions};

/// How to read a TARGET.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetKind {
    /// IP literal or explicit port: a host; otherwise a mail domain (MX, else implicit MX).
    #[default]
    Auto,
    /// Always a host (`--host`): no MX lookup.
    Host,
    /// Always a mail domain (`--mx`).
    Domain,
}

/// Options for domains, on top of [`ProbeOptions`].
#[derive(Debug, Clone)]
pub struct DomainOptions {
    pub kind: TargetKind,
    /// Probe each MX at its first address that answers, instead of every address.
    pub first_address: bool,
    /// Most probes running at once within one domain.
    pub concurrency: usize,
    /// `None`: one is built from resolv.conf when a domain needs it.
    pub resolver: Option<MxResolver>,
    /// The resolver was chosen (`--resolver`): host names are resolved with it too, instead of
    /// the system's resolver (getaddrinfo).
    pub resolver_for_hosts: bool,
    /// MTA-STS, TLS-RPT and DANE for domains (and DANE for hosts with `--dane`); `None`: none.
    pub policy: Option<Arc<PolicyOptions>>,
    /// `--dane` with `--host`: a host target gets DANE too.
    pub host_dane: bool,
}

impl DomainOptions {
    pub fn new(resolver: Option<MxResolver>) -> Self {
        DomainOptions {
            kind: TargetKind::Auto,
            first_address: false,
            concurrency: 8,
            resolver_for_hosts: resolver.is_some(),
            resolver,
            policy: None,
            host_dane: false,
        }
    }
}

/// A report for a TARGET that cannot be probed at all (`invalid-target`).
pub fn invalid_target_report(input: &str, reason: &str, opts: &ProbeOptions) -> Report {
    invalid_target_bytes(input.as_bytes(), reason, opts)
}

/// The same for a line as read, not necessarily UTF-8: escaped here, once.
pub fn invalid_target_bytes(input: &[u8], reason: &str, opts: &ProbeOptions) -> Report {
    let shown = smtp_grammar::escape_bytes(input);
    let mut report = error_report(
        Mode::Probe,
        FindingId::InvalidTarget,
        format!("not a host name, address or domain: {reason}"),
    );
    if let Some(f) = report.findings.first_mut() {
        f.evidence = Some(shown.clone());
    }
    report.target = Some(TargetSection {
        input: shown,
        host: String::new(),
        port: opts.port,
        tls_name: String::new(),
        implicit_tls: opts.implicit_tls,
        address: None,
        attempts: Vec::new(),
    });
    report
}

/// Says which line of a list an `invalid-target` report came from (`batch`).
pub fn at_line(report: &mut Report, line: u64) {
    report.summary = format!("line {line}: {}", report.summary);
    if let Some(f) = report.findings.first_mut() {
        f.message = format!("line {line}: {}", f.message);
    }
}

/// Probes one TARGET as typed (`mx.example.com`, `example.com`, `192.0.2.1:587`), as a host or
/// a domain per [`DomainOptions::kind`]. `port_flag`: `--port` was given (shown in the input).
pub async fn probe_target(
    input: &str,
    opts: &ProbeOptions,
    dopts: &DomainOptions,
    port_flag: bool,
) -> TargetReport {
    // smtp://, smtps:// and user@domain are understood in a list too; web URLs get a hint.
    let form = match crate::net::read_target_form(input) {
        Ok(f) => f,
        Err(reason) => return TargetReport::Host(invalid_target_report(input, &reason, opts)),
    };
    let target = match parse_target(&form.target) {
        Ok(t) => t,
        Err(e) => return TargetReport::Host(invalid_target_report(input, &e.to_string(), opts)),
    };
    let mut opts = opts.clone();
    if form.implicit_tls && !opts.implicit_tls {
        opts.implicit_tls = true;
        if !port_flag {
            opts.port = 465;
        }
    }
    if let Some(port) = target.port {
        opts.port = port;
    }
    let as_host = match dopts.kind {
        TargetKind::Host => true,
        TargetKind::Domain => false,
        TargetKind::Auto => !form.mail_domain && (target.ip.is_some() || target.port.is_some()),
    };
    if !as_host {
        if target.ip.is_some() || target.port.is_some() {
            return TargetReport::Host(invalid_target_report(
                input,
                "a mail domain has neither an IP address nor a port (use --port)",
                &opts,
            ));
        }
        let resolver = match resolver_for(dopts, &opts) {
            Ok(r) => r,
            Err(f) => {
                let report = dns_error_domain(input, &target.host, &f);
                return TargetReport::Domain(report);
            }
        };
        let report = probe_domain(input, &target.host, &resolver, &opts, dopts).await;
        return TargetReport::Domain(report);
    }
    let shown = if target.port.is_some() || port_flag {
        host_port(&target.host, opts.port)
    } else {
        target.host.clone()
    };
    if dopts.host_dane {
        if let Some(popts) = dopts.policy.as_ref().filter(|p| p.dane) {
            return TargetReport::Host(
                policy::probe_host_dane(&shown, &target.host, &opts, dopts, popts).await,
            );
        }
    }
    // With --resolver the host's addresses come from that server too; otherwise the system's.
    match &dopts.resolver {
        Some(resolver) if dopts.resolver_for_hosts && target.ip.is_none() => {
            TargetReport::Host(probe_resolved(&shown, &target.host, resolver, &opts).await)
        }
        _ => TargetReport::Host(probe_host(&shown, &target.host, &opts).await),
    }
}

/// `host:port`, bracketing IPv6 literals.
pub fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// How long one DNS lookup may take: a step (--timeout), never past the deadline.
pub fn dns_timeout(opts: &ProbeOptions) -> std::time::Duration {
    opts.timeouts.step.min(opts.timeouts.overall)
}

fn resolver_for(dopts: &DomainOptions, opts: &ProbeOptions) -> Result<MxResolver, DnsFailure> {
    match &dopts.resolver {
        Some(r) => Ok(r.clone()),
        None => MxResolver::new(None, dns_timeout(opts)),
    }
}

fn dns_error_domain(input: &str, domain: &str, failure: &DnsFailure) -> DomainReport {
    let finding = Finding::error(failure.finding_id(), failure.to_string());
    let mut report = DomainReport::new(input, domain, vec![finding]);
    report.summary = format!("no diagnosis: {failure}");
    finish_domain(&mut report);
    report
}

/// Most MX hosts of one domain that are probed.
const MAX_EXCHANGES: usize = 16;

/// Probes a mail domain: its MX hosts in preference order, every address of each (or the first
/// that answers), at most `dopts.concurrency` at once.
pub async fn probe_domain(
    input: &str,
    domain: &str,
    resolver: &MxResolver,
    opts: &ProbeOptions,
    dopts: &DomainOptions,
) -> DomainReport {
    let mut findings = Vec::new();
    tracing::debug!("MX lookup for {domain}");
    let answer = resolver.mx(domain).await;
    match &answer {
        Ok(MxAnswer::Null) => tracing::debug!("{domain}: null MX"),
        Ok(MxAnswer::Hosts { records, .. }) => {
            let list: Vec<String> = records.iter().map(|(p, e)| format!("{p} {e}")).collect();
            tracing::debug!("{domain}: MX {}", list.join(", "));
        }
        Err(e) => tracing::debug!("{domain}: MX lookup: {e}"),
    }
    let mut exchanges: Vec<(u16, String, bool)> = match answer {
        Ok(MxAnswer::Null) => {
            // RFC 7505: a deliberate "this domain accepts no mail". Nothing to probe and
            // nothing wrong, so the verdict stays ok; the finding says why nothing was probed.
            let finding = Finding::info(
                FindingId::NullMx,
                format!(
                    "{domain} publishes a null MX (RFC 7505): it accepts no mail, nothing to probe"
                ),
            )
            .with_evidence(format!("{domain}. MX 0 ."));
            let mut report = DomainReport::new(input, domain, vec![finding]);
            report.summary = format!("{domain} accepts no mail (null MX); nothing probed");
            finish_domain(&mut report);
            return report;
        }
        Ok(MxAnswer::Hosts {
            records,
            null_alongside,
        }) => {
            if null_alongside {
                findings.push(
                    Finding::warning(
                        FindingId::NullMx,
                        format!(
                            "{domain} publishes a null MX alongside other MX records; RFC 7505 3 \
                         forbids this, and senders may treat the domain as accepting no mail"
                        ),
                    )
                    .with_hint("remove either the \"0 .\" record or the other MX records"),
                );
            }
            records.into_iter().map(|(p, e)| (p, e, false)).collect()
        }
        Err(DnsFailure::NoRecords { .. }) => {
            // RFC 5321 5.1: no MX, so the domain itself is the implicit MX.
            findings.push(Finding::info(
                FindingId::ImplicitMx,
                format!(
                    "{domain} has no MX record; mail goes to its own A/AAAA addresses \
                     (the implicit MX, RFC 5321 5.1)"
                ),
            ));
            vec![(0, domain.to_string(), true)]
        }
        Err(failure) => return dns_error_domain(input, domain, &failure),
    };

    // A hostile or careless zone may list hundreds of MX hosts; real ones list a handful.
    if exchanges.len() > MAX_EXCHANGES {
        findings.push(Finding::warning(
            FindingId::TooManyMx,
            format!(
                "{domain} lists {} MX hosts; only the {MAX_EXCHANGES} most preferred were probed",
                exchanges.len()
            ),
        ));
        exchanges.truncate(MAX_EXCHANGES);
    }

    // MTA-STS, TLS-RPT and the MX RRset's security, and each exchange's TLSA RRset, are looked
    // up while the exchanges are probed.
    let domain_policy = dopts.policy.clone().map(|p| {
        let domain = domain.to_string();
        tokio::spawn(async move { check_domain(&domain, &p).await })
    });
    let tlsa_lookups: Vec<_> = exchanges
        .iter()
        .map(|(_, exchange, _)| {
            dopts.policy.clone().filter(|p| p.dane).map(|p| {
                let (host, port) = (exchange.clone(), opts.port);
                tokio::spawn(async move { p.resolver.host_tlsa(&host, port).await })
            })
        })
        .collect();

    // Resolve every exchange at once, so a resolver that never answers costs one timeout, not
    // one per MX; the report keeps preference order whatever order the answers come in.
    let mut lookups = JoinSet::new();
    for (i, (_, exchange, _)) in exchanges.iter().enumerate() {
        let (resolver, exchange, port) = (resolver.clone(), exchange.clone(), opts.port);
        lookups.spawn(async move { (i, resolver.addresses(&exchange, port).await) });
    }
    let mut resolved: Vec<Option<Result<Vec<SocketAddr>, DnsFailure>>> =
        vec![None; exchanges.len()];
    while let Some(joined) = lookups.join_next().await {
        if let Ok((i, result)) = joined {
            if let Some((_, exchange, _)) = exchanges.get(i) {
                match &result {
                    Ok(addrs) => tracing::debug!("{exchange}: addresses {}", join_addrs(addrs)),
                    Err(e) => tracing::debug!("{exchange}: address lookup: {e}"),
                }
            }
            if let Some(slot) = resolved.get_mut(i) {
                *slot = Some(result);
            }
        }
    }

    let mut sections: Vec<MxSection> = Vec::new();
    let mut jobs: Vec<(usize, String, Vec<SocketAddr>)> = Vec::new();
    for ((preference, exchange, implicit), lookup) in exchanges.into_iter().zip(resolved) {
        let lookup = lookup.unwrap_or_else(|| {
            Err(DnsFailure::Other {
                name: exchange.clone(),
                detail: "the lookup did not finish".to_string(),
            })
        });
        let idx = sections.len();
        let mut section = MxSection {
            verdict: crate::model::Verdict::Ok,
            exchange: exchange.clone(),
            preference,
            implicit,
            addresses: Vec::new(),
            policy: Default::default(),
        };
        match lookup {
            Ok(found) => {
                // -4/-6/--source: only that family; an MX with none is reported once.
                let addrs = opts.net.keep(&found);
                if addrs.is_empty() {
                    jobs.push((idx, exchange.clone(), found));
                } else if dopts.first_address {
                    jobs.push((idx, exchange.clone(), addrs));
                } else {
                    jobs.extend(addrs.into_iter().map(|a| (idx, exchange.clone(), vec![a])));
                }
            }
            Err(failure) if implicit && matches!(failure, DnsFailure::NoRecords { .. }) => {
                // Neither MX nor an address: the domain cannot receive mail at all.
                findings.retain(|f| f.id != FindingId::ImplicitMx);
                let failure = DnsFailure::NoRecords {
                    name: domain.to_string(),
                    rtype: "MX, A or AAAA",
                };
                return dns_error_domain(input, domain, &failure);
            }
            Err(failure) => {
                let mut report = error_report(
                    Mode::Probe,
                    failure.finding_id(),
                    format!("MX {exchange}: {failure}"),
                );
                report.target = Some(crate::probe::unconnected_target(&exchange, &exchange, opts));
                section.addresses.push(report);
            }
        }
        sections.push(section);
    }

    // Probe, bounded; results land in job order whatever order they finish in.
    let opts = Arc::new(opts.clone());
    let permits = Arc::new(Semaphore::new(dopts.concurrency.max(1)));
    let mut set = JoinSet::new();
    for (job, (idx, exchange, addrs)) in jobs.iter().cloned().enumerate() {
        let opts = opts.clone();
        let permits = permits.clone();
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let started = Instant::now();
            let deadline = started + opts.timeouts.overall;
            let (report, chain) =
                probe_addrs_chain(&exchange, &exchange, &addrs, &opts, started, deadline).await;
            (job, idx, report, chain)
        });
    }
    let mut done: Vec<Option<(usize, Report, Chain)>> = vec![None; jobs.len()];
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((job, idx, report, chain)) => done[job] = Some((idx, report, chain)),
            Err(e) => tracing::warn!("a probe task failed: {e}"),
        }
    }
    let mut chains: Vec<Vec<(String, Chain)>> = vec![Vec::new(); sections.len()];
    for (job, slot) in done.into_iter().enumerate() {
        let (idx, report, chain) = slot.unwrap_or_else(|| {
            let (idx, exchange, _) = &jobs[job];
            (
                *idx,
                error_report(
                    Mode::Probe,
                    FindingId::ConnectFailed,
                    format!("the probe of {exchange} did not finish"),
                ),
                None,
            )
        });
        if let Some(address) = report.target.as_ref().and_then(|t| t.address.clone()) {
            chains[idx].push((address, chain));
        }
        sections[idx].addresses.push(report);
    }

    let mut policy_section = None;
    if let (Some(popts), Some(task)) = (&dopts.policy, domain_policy) {
        let facts = task.await.unwrap_or_default();
        policy::finish_policy(
            domain,
            popts,
            opts.port,
            facts,
            tlsa_lookups,
            &chains,
            &mut findings,
            &mut sections,
            &mut policy_section,
        )
        .await;
    }

    let mut report = DomainReport::new(input, domain, findings);
    report.mx = sections;
    report.policy = policy_section;
    finish_domain(&mut report);
    report
}

/// The chain a server presented (leaf first, DER), when it presented one.
pub(crate) type Chain = Option<Vec<rustls::pki_types::CertificateDer<'static>>>;

/// A host probed at the addresses `resolver` gives (used with `--host --resolver`).
async fn probe_resolved(
    input: &str,
    host: &str,
    resolver: &MxResolver,
    opts: &ProbeOptions,
) -> Report {
    let started = Instant::now();
    let deadline = started + opts.timeouts.overall;
    match resolver.addresses(host, opts.port).await {
        Ok(addrs) => {
            let resolve_ms = crate::util::ms(started.elapsed());
            let mut report = probe_addrs(input, host, &addrs, opts, started, deadline).await;
            report.timings_ms.resolve = Some(resolve_ms);
            report
        }
        Err(failure) => {
            let mut report = error_report(Mode::Probe, failure.finding_id(), failure.to_string());
            report.target = Some(crate::probe::unconnected_target(input, host, opts));
            report
        }
    }
}

/// Addresses for a log line: `192.0.2.1, 2001:db8::1` (no ports).
pub(crate) fn join_addrs(addrs: &[SocketAddr]) -> String {
    addrs
        .iter()
        .map(|a| a.ip().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
