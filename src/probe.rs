//! One probe of one host: resolve, connect, run the session, diagnose.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use rustls::pki_types::{CertificateDer, ServerName};
use tracing::Instrument;

use crate::checks::{run_samples, ActiveChecks, Sample};
use crate::diagnose::{
    add_findings, enforcement_implicit, error_report, injection_not_run, sample_findings,
    session_report, DiagnoseContext,
};
use crate::model::{
    AddressAttempt, Finding, FindingId, Mode, Report, TargetSection, Timings, Verdict,
};
use crate::net::{connect_any_from, resolve_host, ConnectError, ConnectFrom};
use crate::session::{run_session, SessionConfig, SessionLimits, Timeouts, TlsPlan, TlsTarget};
use crate::tls::{TlsVersions, TrustAnchors};

/// Everything a probe needs besides the host.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    pub port: u16,
    /// TLS from the first byte (port 465) instead of STARTTLS.
    pub implicit_tls: bool,
    pub helo: String,
    /// SNI and the name the certificate must match; the host when `None`.
    pub tls_name: Option<String>,
    pub anchors: Arc<TrustAnchors>,
    /// False with `--insecure`.
    pub verify: bool,
    pub no_tls: bool,
    pub force_starttls: bool,
    pub warn_days: i64,
    pub limits: SessionLimits,
    pub timeouts: Timeouts,
    pub transcript: bool,
    pub tls_versions: TlsVersions,
    pub mode: Mode,
    /// `--check-enforcement`, `--check-injection`, `--samples`.
    pub checks: ActiveChecks,
    /// `-4`, `-6` and `--source`: where connections come from and to which addresses.
    pub net: ConnectFrom,
    /// `--show-certs`: the presented chain as PEM in the report.
    pub show_certs: bool,
    /// The clients whose view decides the verdict (`--clients`).
    pub clients: smtp_grammar::ClientSet,
}

impl ProbeOptions {
    pub fn new(anchors: Arc<TrustAnchors>) -> Self {
        ProbeOptions {
            port: 25,
            implicit_tls: false,
            helo: default_helo(),
            tls_name: None,
            anchors,
            verify: true,
            no_tls: false,
            force_starttls: false,
            warn_days: 21,
            limits: SessionLimits::default(),
            timeouts: Timeouts::default(),
            transcript: false,
            tls_versions: TlsVersions::Both,
            mode: Mode::Probe,
            checks: ActiveChecks::default(),
            net: ConnectFrom::default(),
            show_certs: false,
            clients: smtp_grammar::ClientSet::default(),
        }
    }
}

/// This machine's name when it is a fully qualified one; a reserved `.invalid` name otherwise.
/// Never a bare `localhost`, which many servers refuse in EHLO.
pub fn default_helo() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let name = name.trim();
    let fqdn = name.contains('.')
        && !name.starts_with("localhost")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if fqdn {
        name.to_string()
    } else {
        "smtp-tls-check.invalid".to_string()
    }
}

/// Probes `host` (a name or IP literal) on `opts.port`, resolving it with the system resolver.
pub async fn probe_host(input: &str, host: &str, opts: &ProbeOptions) -> Report {
    let started = Instant::now();
    let deadline = started + opts.timeouts.overall;
    // The lookup counts against the deadline like everything else.
    let lookup_timeout = opts.timeouts.step.min(opts.timeouts.overall);
    tracing::debug!("resolving {host}");
    let addrs = match resolve_host(host, opts.port, lookup_timeout).await {
        Ok(addrs) => {
            tracing::debug!("{host}: addresses {}", crate::mx::join_addrs(&addrs));
            addrs
        }
        Err(e) => {
            tracing::debug!("{e}");
            let mut report = unreachable_report(input, host, opts, &e, Vec::new());
            report.timings_ms.resolve = Some(crate::util::ms(started.elapsed()));
            return report;
        }
    };
    let resolve_ms = crate::util::ms(started.elapsed());
    let mut report = probe_addrs(input, host, &addrs, opts, started, deadline).await;
    report.timings_ms.resolve = Some(resolve_ms);
    report
}

/// Probes the first of `addrs` that accepts a connection.
pub async fn probe_addrs(
    input: &str,
    host: &str,
    addrs: &[SocketAddr],
    opts: &ProbeOptions,
    started: Instant,
    deadline: Instant,
) -> Report {
    probe_addrs_chain(input, host, addrs, opts, started, deadline)
        .await
        .0
}

/// [`probe_addrs`], also returning the certificate chain the server presented (leaf first,
/// DER, as sent), for DANE matching; `None` when no certificate was seen.
pub async fn probe_addrs_chain(
    input: &str,
    host: &str,
    addrs: &[SocketAddr],
    opts: &ProbeOptions,
    started: Instant,
    deadline: Instant,
) -> (Report, Option<Vec<CertificateDer<'static>>>) {
    let tls_name = opts.tls_name.clone().unwrap_or_else(|| host.to_string());
    let Ok(server_name) = ServerName::try_from(tls_name.clone()) else {
        let report = error_report(
            opts.mode,
            FindingId::InvalidTarget,
            format!("{tls_name:?} cannot be used as a TLS server name"),
        );
        return (report, None);
    };
    let kept = opts.net.keep(addrs);
    if kept.is_empty() {
        let e = ConnectError::NoAddressInFamily {
            host: host.to_string(),
            family: opts.net.family_name(),
            found: addrs.iter().map(|a| a.ip().to_string()).collect(),
        };
        return (unreachable_report(input, host, opts, &e, Vec::new()), None);
    }
    let connected = match connect_any_from(
        host,
        &kept,
        opts.timeouts.connect,
        deadline,
        opts.net.source,
    )
    .await
    {
        Ok(c) => c,
        Err(e) => {
            let attempts = match &e {
                ConnectError::AllFailed { attempts, .. } => attempts.clone(),
                _ => Vec::new(),
            };
            return (unreachable_report(input, host, opts, &e, attempts), None);
        }
    };

    let cfg = session_config(opts, &server_name, opts.checks.extra_steps());
    // Every log line of this session (steps at -v, the wire at -vv) names its address: a
    // domain or a batch runs many sessions at once.
    let span = tracing::debug_span!("session", addr = %connected.address);
    let mut record = run_session(connected.stream, &cfg, started, deadline)
        .instrument(span)
        .await;
    record.timings.connect = Some(connected.connect_ms);
    record.timings.total = Some(crate::util::ms(started.elapsed()));
    let ctx = DiagnoseContext {
        tls_name: tls_name.clone(),
        warn_days: opts.warn_days,
        verify_enabled: opts.verify,
        trust_anchors: opts.anchors.description().to_string(),
        tls_skipped: opts.no_tls,
        now: SystemTime::now(),
        clients: opts.clients.clone(),
    };
    let target = TargetSection {
        input: input.to_string(),
        host: host.to_string(),
        port: opts.port,
        tls_name,
        implicit_tls: opts.implicit_tls,
        address: Some(connected.address.to_string()),
        attempts: connected.attempts,
    };
    let first = Sample::from_record(connected.address, &record);
    let mut report = session_report(&record, &ctx, target, opts.mode);
    if opts.show_certs {
        let chain = record.tls.as_ref().and_then(|t| t.verify.as_ref());
        if let (Some(tls), Some(outcome)) = (report.tls.as_mut(), chain) {
            for (info, der) in tls.certificates.iter_mut().zip(&outcome.chain) {
                info.pem = Some(crate::tls::to_pem(der));
            }
        }
    }
    if opts.transcript {
        report.transcript = Some(std::mem::take(&mut record.transcript));
    }
    if opts.checks.enforcement && opts.implicit_tls {
        add_findings(&mut report, vec![enforcement_implicit()]);
    }
    if opts.checks.injection && record.pipelined.is_none() {
        let f = injection_not_run(&record, opts.implicit_tls, opts.no_tls);
        add_findings(&mut report, vec![f]);
    }
    if opts.checks.samples > 1 {
        // The session above is the first sample of its address; every address gets N.
        let n = opts.checks.samples;
        let plan: Vec<(SocketAddr, u32)> = addrs
            .iter()
            .map(|&a| (a, if a == connected.address { n - 1 } else { n }))
            .collect();
        let make = || session_config(opts, &server_name, Default::default());
        let mut samples = vec![first];
        samples.extend(run_samples(host, &plan, make, opts.timeouts.connect, deadline).await);
        let findings = sample_findings(&samples);
        add_findings(&mut report, findings);
        report.timings_ms.total = Some(crate::util::ms(started.elapsed()));
    }
    let chain = record
        .tls
        .as_mut()
        .and_then(|t| t.verify.take())
        .map(|v| v.chain);
    (report, chain)
}

/// The session plan for one connection: a fresh certificate verifier each time.
fn session_config(
    opts: &ProbeOptions,
    server_name: &ServerName<'static>,
    extra: crate::session::ExtraSteps,
) -> SessionConfig {
    let tls = if opts.no_tls {
        TlsPlan::None
    } else {
        let (config, verifier) = opts.anchors.connection_config(opts.tls_versions);
        let target = TlsTarget {
            config,
            verifier,
            server_name: server_name.clone(),
            versions: opts.tls_versions,
        };
        if opts.implicit_tls {
            TlsPlan::Implicit { target }
        } else {
            TlsPlan::Starttls {
                target,
                force: opts.force_starttls,
            }
        }
    };
    SessionConfig {
        helo: opts.helo.clone(),
        tls,
        limits: opts.limits,
        timeouts: opts.timeouts,
        transcript: opts.transcript,
        extra,
    }
}

fn unreachable_report(
    input: &str,
    host: &str,
    opts: &ProbeOptions,
    e: &ConnectError,
    attempts: Vec<AddressAttempt>,
) -> Report {
    let id = match e {
        ConnectError::Resolve { .. } => FindingId::DnsError,
        ConnectError::NoAddress { .. } | ConnectError::NoAddressInFamily { .. } => {
            FindingId::DnsNoRecords
        }
        ConnectError::ResolveTimeout { .. } => FindingId::DnsTimeout,
        ConnectError::AllFailed {
            timed_out: true, ..
        } => FindingId::Timeout,
        _ => FindingId::ConnectFailed,
    };
    let detail: Vec<String> = attempts
        .iter()
        .filter_map(|a| a.error.as_ref().map(|err| format!("{}: {err}", a.address)))
        .collect();
    let mut finding = Finding::error(id, e.to_string());
    if !detail.is_empty() {
        finding = finding.with_evidence(detail.join("; "));
    }
    let mut report = error_report(opts.mode, id, String::new());
    report.summary = finding.message.clone();
    report.findings = vec![finding];
    report.verdict = Verdict::Error;
    report.timings_ms = Timings::default();
    report.target = Some(TargetSection {
        attempts,
        ..unconnected_target(input, host, opts)
    });
    report
}

/// The target section of a report for a host that was never connected to.
pub(crate) fn unconnected_target(input: &str, host: &str, opts: &ProbeOptions) -> TargetSection {
    TargetSection {
        input: input.to_string(),
        host: host.to_string(),
        port: opts.port,
        tls_name: opts.tls_name.clone().unwrap_or_else(|| host.to_string()),
        implicit_tls: opts.implicit_tls,
        address: None,
        attempts: Vec::new(),
    }
}
