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

use super::args::{
    ColorChoice, DomainArgs, FormatArgs, OutputArgs, OutputFormat, ProbeArgs, TlsVersionArg,
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

/// `auto` colours only a terminal, and never when NO_COLOR is set to anything non-empty
/// (no-color.org) or TERM is `dumb`.
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
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
            !no_color && !dumb && terminal
        }
    }
}

fn secs(value: f64, flag: &str) -> anyhow::Result<Duration> {
    if !(value.is_finite() && value > 0.0 && value <= 86_400.0) {
        bail!("{flag} must be a number of seconds between 0 and 86400, not {value}");
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
    let anchors = match &args.ca_file {
        // A file that cannot be used is the caller's mistake: a usage error, exit 2.
        Some(path) => TrustAnchors::from_pem_file(path).map_err(|e| {
            super::run::UsageError(format!("cannot use --ca-file {}: {e}", path.display()))
        })?,
        None => {
            TrustAnchors::webpki_roots().context("cannot load the built-in root certificates")?
        }
    };
    Ok(Arc::new(anchors))
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
    opts.tls_name = args.tls_name.clone();
    opts.verify = !args.insecure;
    opts.no_tls = args.no_tls;
    opts.force_starttls = args.force_starttls;
    opts.warn_days = args.warn_days;
    opts.limits = limits(args);
    opts.timeouts = timeouts(args)?;
    opts.transcript = args.transcript;
    opts.tls_versions = match args.tls_version {
        TlsVersionArg::Any => TlsVersions::Both,
        TlsVersionArg::V12 => TlsVersions::Tls12Only,
        TlsVersionArg::V13 => TlsVersions::Tls13Only,
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
        match MxResolver::new(args.resolver, opts.timeouts.connect) {
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
