//! `serve`: flags and `--config` modules resolved into the exporter's configuration.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use smtp_tls_check::serve::{Module, ServeConfig};

use super::args::{DomainArgs, ModuleFlags, ProbeArgs, ServeArgs};
use super::config::{anchors, domain_options, probe_options};
use super::run::UsageError;

/// `--config`: `[modules.NAME]` tables, each with `args`, the probe flags as on the command
/// line.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    modules: HashMap<String, ModuleEntry>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleEntry {
    args: Vec<String>,
}

fn module(probe: &ProbeArgs, domain: &DomainArgs) -> anyhow::Result<Module> {
    let anchors = anchors(probe)?;
    let opts = probe_options(probe, anchors, 25).map_err(|e| UsageError(e.to_string()))?;
    // One resolver (one cache) for every scrape, as for batch.
    let dopts =
        domain_options(domain, &opts, !domain.host).map_err(|e| UsageError(e.to_string()))?;
    // Thresholds for /probe: certificate warnings as on the command line; no --crit-days.
    let thresholds = smtp_tls_check::model::Thresholds {
        warn_days: probe.warn_days,
        crit_days: None,
        failing: smtp_tls_check::model::Severity::Warning,
    };
    Ok(Module {
        opts: Arc::new(opts),
        dopts: Arc::new(dopts),
        port_flag: probe.port.is_some(),
        thresholds,
    })
}

fn load_modules(args: &ServeArgs) -> anyhow::Result<HashMap<String, Module>> {
    let mut modules = HashMap::new();
    modules.insert("default".to_string(), module(&args.probe, &args.domain)?);
    let Some(path) = &args.config else {
        return Ok(modules);
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("cannot read --config {}: {e}", path.display())))?;
    let file: ConfigFile = toml::from_str(&text)
        .map_err(|e| UsageError(format!("--config {}: {e}", path.display())))?;
    for (name, entry) in file.modules {
        let flags = ModuleFlags::try_parse_from(&entry.args).map_err(|e| {
            let first = e.to_string();
            UsageError(format!(
                "--config {}: module {name:?}: {}",
                path.display(),
                first.lines().next().unwrap_or_default()
            ))
        })?;
        let m = module(&flags.probe, &flags.domain).with_context(|| format!("module {name:?}"))?;
        modules.insert(name, m);
    }
    Ok(modules)
}

pub(crate) fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    if !(args.timeout_offset.is_finite() && (0.0..=60.0).contains(&args.timeout_offset)) {
        anyhow::bail!(UsageError(
            "--timeout-offset takes 0 to 60 seconds".to_string()
        ));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async {
        let modules = load_modules(args)?;
        let config = ServeConfig {
            modules,
            max_concurrent: usize::try_from(args.max_concurrent).unwrap_or(64),
            timeout_offset: Duration::from_secs_f64(args.timeout_offset),
        };
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr().context("listening address")?;
        // Tests and supervisors read this line to learn the port of --listen 127.0.0.1:0.
        eprintln!("smtp-tls-check: serving on http://{addr}/ (/probe, /metrics)");
        smtp_tls_check::serve::serve(listener, config)
            .await
            .context("the HTTP server stopped")?;
        anyhow::Ok(ExitCode::SUCCESS)
    })
}
