//! The monitoring outputs at the binary's edge: which renderer, the textfile, the exit code
//! under `--output nagios` and `--fail-on`. Judgements come from `diagnose::monitor`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use smtp_tls_check::diagnose::monitor::{fail_on_exit, fleet_facts, target_facts};
use smtp_tls_check::model::{
    ExitStatus, PluginState, Severity, TargetFacts, TargetReport, Thresholds, Verdict,
};
use smtp_tls_check::report::{render_junit, render_nagios, render_nagios_fleet, render_prometheus};

use super::args::{FailOnArg, FormatArgs, OutputFormat};
use super::run::UsageError;

pub(crate) fn fail_on(args: &FormatArgs) -> Option<Verdict> {
    args.fail_on.map(|f| match f {
        FailOnArg::Ok => Verdict::Ok,
        FailOnArg::Warning => Verdict::Warning,
        FailOnArg::Fail => Verdict::Fail,
        FailOnArg::Error => Verdict::Error,
    })
}

/// Flags that cannot go together, found before any probe runs.
pub(crate) fn check_usage(args: &FormatArgs, format: OutputFormat) -> Result<(), UsageError> {
    if format == OutputFormat::Nagios && args.fail_on.is_some() {
        return Err(UsageError(
            "--fail-on has no meaning with --output nagios: its exit codes are the plugin states"
                .into(),
        ));
    }
    Ok(())
}

pub(crate) fn thresholds(args: &FormatArgs, warn_days: i64) -> Thresholds {
    // JUnit failures follow the exit code: warnings fail unless --fail-on says otherwise.
    let failing = match fail_on(args) {
        Some(Verdict::Fail | Verdict::Error) => Severity::Error,
        _ => Severity::Warning,
    };
    Thresholds {
        warn_days,
        crit_days: args.crit_days,
        failing,
    }
}

/// The exit code of a run with these verdicts, after `--fail-on`.
pub(crate) fn exit_code(args: &FormatArgs, verdicts: &[Verdict], usual: ExitStatus) -> ExitCode {
    let status = match fail_on(args) {
        Some(t) => fail_on_exit(verdicts.iter().copied(), usual, t),
        None => usual,
    };
    ExitCode::from(status.code())
}

/// Writes `text` to `path` so a reader never sees half of it: a temporary file in the same
/// directory (same file system), flushed to disk, then renamed over the old one.
pub(crate) fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".smtp-tls-check-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    // node_exporter runs as another user: the textfile must be readable (tempfile makes 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(path)
        .with_context(|| format!("cannot rename into {}", path.display()))?;
    Ok(())
}

/// For one TARGET: writes `--prometheus-file`, and the monitoring format when one was asked
/// for. `None` means the caller prints human or JSON output itself.
pub(crate) fn emit_target(
    report: &TargetReport,
    args: &FormatArgs,
    format: OutputFormat,
    warn_days: i64,
) -> anyhow::Result<Option<(String, ExitCode)>> {
    let th = thresholds(args, warn_days);
    let facts = target_facts(report, &th);
    emit_facts(
        std::slice::from_ref(&facts),
        None,
        args,
        format,
        report.exit_status(),
    )
}

/// The shared end of a host, a domain or a batch (`fleet` set for a batch).
pub(crate) fn emit_facts(
    facts: &[TargetFacts],
    fleet: Option<()>,
    args: &FormatArgs,
    format: OutputFormat,
    usual: ExitStatus,
) -> anyhow::Result<Option<(String, ExitCode)>> {
    if let Some(path) = &args.prometheus_file {
        write_atomically(path, &render_prometheus(facts, true))?;
    }
    let verdicts: Vec<Verdict> = facts.iter().map(|f| f.verdict).collect();
    let text = match format {
        OutputFormat::Human | OutputFormat::Json => return Ok(None),
        OutputFormat::Nagios => {
            let (text, state) = match (fleet, facts) {
                (None, [one]) => (render_nagios(one), one.state),
                _ => {
                    let f = fleet_facts(facts.to_vec());
                    (render_nagios_fleet(&f), f.state)
                }
            };
            return Ok(Some((text, ExitCode::from(state.code()))));
        }
        OutputFormat::Prometheus => render_prometheus(facts, true),
        OutputFormat::Junit => render_junit(facts),
    };
    Ok(Some((text, exit_code(args, &verdicts, usual))))
}

/// Under `--output nagios`, a problem of the plugin itself is UNKNOWN (exit 3) with one line.
pub(crate) fn nagios_unknown(message: &str) -> ExitCode {
    let line = message.replace('|', "/").replace(['\n', '\r'], " ");
    println!("SMTP-TLS {} - {line}", PluginState::Unknown.as_str());
    ExitCode::from(PluginState::Unknown.code())
}

/// Whether the command line asks for `--output nagios`, read before clap (whose errors must
/// then be UNKNOWN too).
pub(crate) fn nagios_requested() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .zip(args.iter().skip(1))
        .any(|(a, b)| a == "--output" && b == "nagios")
        || args.iter().any(|a| a == "--output=nagios")
}
