//! Flags resolved into what the library needs: probe options, output style.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use smtp_tls_check::probe::{default_helo, ProbeOptions};
use smtp_tls_check::report::Style;
use smtp_tls_check::session::{SessionLimits, Timeouts};
use smtp_tls_check::smtp_grammar::Limits;
use smtp_tls_check::tls::{TlsVersions, TrustAnchors};

use smtp_tls_check::mx::{DomainOptions, MxResolver, TargetKind};
use smtp_tls_check::net::ConnectFrom;
use smtp_tls_check::policy::{AnchorFile, DnssecResolver, PolicyOptions};

use super::args::{
    ColorChoice, DomainArgs, FormatArgs, OutputArgs, OutputFormat, PolicyArgs, ProbeArgs,
    TlsVersionArg,
};

/// How to print.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    pub(crate) json: bool,
    pub(crate) style: Style,
    pub(crate) quiet: u8,
    /// `--output`, with `--json` read as `--output json`.
    pub(crate) format: OutputFormat,
    /// `--prometheus-file`, `--crit-days`, `--fail-on`.
    pub(crate) monitor: FormatArgs,
    /// `--warn-days` of the probe (the default for `parse`).
    pub(crate) warn_days: i64,
}

impl Output {
    pub(crate) fn from_args(args: &OutputArgs) -> Self {
        let format = match args.format.output {
            Some(f) => f,
            None if args.json => OutputFormat::Json,
            None => OutputFormat::Human,
        };
        let json = format == OutputFormat::Json;
        Output {
            json,
            style: Style {
                color: format == OutputFormat::Human && use_color(args.color),
            },
            quiet: args.quiet,
            format,
            monitor: args.format.clone(),
            warn_days: 21,
        }
    }
}

/// `auto` colours a terminal, unless NO_COLOR is set to anything non-empty (no-color.org),
/// CLICOLOR is `0` or TERM is `dumb`; CLICOLOR_FORCE (not `0`) colours a pipe too.
fn use_color(choice: ColorChoice) -> bool {
    use_color_on(choice, std::io::stdout().is_terminal())
}

/// The same rule for stderr, where the logs go.
pub(crate) fn use_color_stderr(choice: ColorChoice) -> bool {
    use_color_on(choice, std::io::stderr().is_terminal())
}

fn use_color_on(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
            // NO_COLOR outranks CLICOLOR_FORCE, as in clap and most tools that read both.
            if set("NO_COLOR").is_some() {
                return false;
            }
            // CLICOLOR_FORCE (bixense.com/clicolors): colour even into a pipe, unless "0".
            if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                return true;
            }
            let clicolor_off = set("CLICOLOR").is_some_and(|v| v == "0");
            let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
            !clicolor_off && !dumb && terminal
        }
    }
}

fn secs(value: f64, flag: &str) -> anyhow::Result<Duration> {
    if !(value.is_finite() && value > 0.0 && value <= 86_400.0) {
        bail!("{flag} must be more than 0 and at most 86400 seconds, not {value}");
    }
    Ok(Duration::from_secs_f64(value))
}

pub(crate) fn timeouts(args: &ProbeArgs) -> anyhow::Result<Timeouts> {
    let step = secs(args.timeout, "--timeout")?;
    let mut t = Timeouts::from_step(step);
    if let Some(c) = args.connect_timeout {
        t.connect = secs(c, "--connect-timeout")?;
    }
    if let Some(d) = args.deadline {
        t.overall = secs(d, "--deadline")?;
    }
    Ok(t)
}

pub(crate) fn limits(args: &ProbeArgs) -> SessionLimits {
    // The parsers bound these to ranges that fit in usize on every supported target.
    let to_usize = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    SessionLimits {
        reply: Limits {
            max_line_len: to_usize(args.max_line_length),
            max_lines_per_reply: to_usize(args.max_reply_lines),
            max_reply_bytes: to_usize(args.max_reply_bytes),
        },
        max_session_bytes: to_usize(args.max_session_bytes),
    }
}

pub(crate) fn anchors(args: &ProbeArgs) -> anyhow::Result<Arc<TrustAnchors>> {
    let usage = |flag: &str, path: &std::path::Path, e: &dyn std::fmt::Display| {
        super::run::UsageError(format!("cannot use {flag} {}: {e}", path.display()))
    };
    let anchors = match (&args.ca_file, &args.conn.ca_path) {
        // A file that cannot be used is the caller's mistake: a usage error, exit 2.
        (Some(path), _) => {
            TrustAnchors::from_pem_file(path).map_err(|e| usage("--ca-file", path, &e))?
        }
        (None, Some(dir)) => {
            TrustAnchors::from_pem_dir(dir).map_err(|e| usage("--ca-path", dir, &e))?
        }
        (None, None) if args.conn.system_roots => TrustAnchors::system()
            .map_err(|e| super::run::UsageError(format!("cannot use --system-roots: {e}")))?,
        (None, None) => {
            TrustAnchors::webpki_roots().context("cannot load the built-in root certificates")?
        }
    };
    Ok(Arc::new(client_identity(anchors, args)?))
}

/// `--client-cert` and `--client-key` added to whichever anchors were chosen.
pub(crate) fn client_identity(
    anchors: TrustAnchors,
    args: &ProbeArgs,
) -> anyhow::Result<TrustAnchors> {
    match (&args.conn.client_cert, &args.conn.client_key) {
        (Some(cert), Some(key)) => anchors.with_client_identity(cert, key).map_err(|e| {
            super::run::UsageError(format!("cannot use --client-cert/--client-key: {e}")).into()
        }),
        _ => Ok(anchors),
    }
}

/// Probe options from flags; `anchors` given separately so the demo can trust its own CA.
pub(crate) fn probe_options(
    args: &ProbeArgs,
    anchors: Arc<TrustAnchors>,
    default_port: u16,
) -> anyhow::Result<ProbeOptions> {
    let mut opts = ProbeOptions::new(anchors);
    opts.port = args
        .port
        .unwrap_or(if args.implicit_tls { 465 } else { default_port });
    opts.implicit_tls = args.implicit_tls;
    opts.helo = match &args.helo {
        Some(h) if h.is_empty() || h.bytes().any(|b| b <= b' ' || b == 0x7f) => {
            bail!("--helo must be a name without spaces or control characters")
        }
        Some(h) => h.clone(),
        None => default_helo(),
    };
    if let Some(name) = &args.tls_name {
        // Checked here, not at the handshake: a name rustls cannot send is the caller's typo.
        if rustls::pki_types::ServerName::try_from(name.as_str()).is_err() {
            bail!("--tls-name {name:?} is not a DNS name or an IP address");
        }
    }
    opts.tls_name = args.tls_name.clone();
    opts.verify = !args.insecure;
    opts.no_tls = args.no_tls;
    opts.force_starttls = args.force_starttls;
    opts.warn_days = args.warn_days;
    opts.limits = limits(args);
    opts.timeouts = timeouts(args)?;
    opts.transcript = args.transcript;
    opts.show_certs = args.conn.show_certs;
    opts.net = ConnectFrom {
        ipv4_only: args.conn.ipv4,
        ipv6_only: args.conn.ipv6,
        source: args.conn.source,
    };
    if let Some(src) = args.conn.source {
        if (args.conn.ipv4 && src.is_ipv6()) || (args.conn.ipv6 && src.is_ipv4()) {
            bail!("--source {src} is of the other address family than -4/-6");
        }
    }
    opts.tls_versions = match args.tls_version {
        TlsVersionArg::Any => TlsVersions::Both,
        TlsVersionArg::V12 => TlsVersions::Tls12Only,
        TlsVersionArg::V13 => TlsVersions::Tls13Only,
    };
    opts.checks = smtp_tls_check::checks::ActiveChecks {
        enforcement: args.checks.check_enforcement,
        injection: args.checks.check_injection,
        samples: args.checks.samples,
    };
    Ok(opts)
}

/// Domain options from flags. The resolver is built here when `--resolver` names one, or when
/// `system` asks for the resolv.conf one up front (batch: one resolver, one cache, for all).
/// Must run inside the async runtime.
pub(crate) fn domain_options(
    args: &DomainArgs,
    opts: &ProbeOptions,
    system: bool,
) -> anyhow::Result<DomainOptions> {
    let explicit = args.resolver.is_some();
    let resolver = if explicit || system {
        match MxResolver::new(args.resolver, smtp_tls_check::mx::dns_timeout(opts)) {
            Ok(r) => Some(r),
            // Without resolv.conf, host targets still work; each domain reports the failure.
            Err(e) if !explicit => {
                tracing::warn!("no system DNS resolver: {e}");
                None
            }
            Err(e) => bail!("cannot use --resolver: {e}"),
        }
    } else {
        None
    };
    let mut d = DomainOptions::new(resolver);
    d.resolver_for_hosts = explicit;
    d.kind = if args.host {
        TargetKind::Host
    } else if args.mx {
        TargetKind::Domain
    } else {
        TargetKind::Auto
    };
    d.first_address = args.first_address;
    d.concurrency = usize::try_from(args.mx_concurrency).unwrap_or(8);
    Ok(d)
}

/// The policy checks from flags: on unless both are switched off. Reads `--trust-anchor`
/// (fetching the keys a DS names), so it runs inside the async runtime.
pub(crate) async fn policy_options(
    args: &PolicyArgs,
    domain: &DomainArgs,
    opts: &ProbeOptions,
) -> anyhow::Result<Option<Arc<PolicyOptions>>> {
    let dane = !args.no_dane;
    if args.no_mta_sts && !dane {
        return Ok(None);
    }
    let anchors = match &args.trust_anchor {
        Some(path) => Some(AnchorFile::read(path).map_err(|e| {
            super::run::UsageError(format!("cannot use --trust-anchor {}: {e}", path.display()))
        })?),
        None => None,
    };
    let resolver =
        match DnssecResolver::new(domain.resolver, opts.timeouts.connect, anchors.as_ref()).await {
            Ok(r) => r,
            // Without resolv.conf, host targets still work (as for MX lookups): say so once.
            Err(e) if domain.resolver.is_none() && args.trust_anchor.is_none() => {
                tracing::warn!("no system DNS resolver, MTA-STS and DANE are not checked: {e}");
                return Ok(None);
            }
            Err(e) => {
                bail!(super::run::UsageError(match &args.trust_anchor {
                    Some(path) => format!("cannot use --trust-anchor {}: {e}", path.display()),
                    None => format!("cannot build the DNSSEC resolver: {e}"),
                }))
            }
        };
    Ok(Some(Arc::new(PolicyOptions {
        mta_sts: !args.no_mta_sts,
        dane,
        resolver,
        fetch_tls: opts.anchors.verifying_config(),
        timeout: opts.timeouts.step,
    })))
}
