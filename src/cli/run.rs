use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Parser;
use smtp_tls_check::batch::{run_batch, shard_from_env, BatchOptions, Shard, ShardSource};
use smtp_tls_check::demo::{find_scenario, DemoServer, DEMO_TLS_NAME, SCENARIOS};
use smtp_tls_check::diagnose::monitor::target_facts;
use smtp_tls_check::diagnose::{error_report, parse_report};
use smtp_tls_check::model::{ExitStatus, FindingId, Mode, Report, TargetReport};
use smtp_tls_check::mx::{probe_target, TargetKind};
use smtp_tls_check::net::parse_target;
use smtp_tls_check::probe::probe_addrs;
use smtp_tls_check::report::{
    render_human, render_json, render_json_line, render_target_human, render_target_verdict_line,
};
use smtp_tls_check::smtp_grammar::{extract_ehlo_reply, Limits};
use smtp_tls_check::tls::TrustAnchors;

use super::args::OutputFormat;
use super::args::{
    BatchArgs, Cli, Command, CompletionsArgs, DemoArgs, DomainArgs, OutputArgs, ParseArgs,
    ProbeArgs,
};
use super::config::{anchors, domain_options, probe_options, Output};

/// Most octets `parse` reads: a paste, not a mailbox.
const MAX_PASTE: u64 = 1024 * 1024;

/// A usage error found after clap: printed, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UsageError(pub(crate) String);

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let nagios = super::monitor::nagios_requested();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if nagios && e.use_stderr() => {
            let _ = e.print();
            let first = e.to_string();
            let first = first.lines().next().unwrap_or("usage error");
            return Ok(super::monitor::nagios_unknown(first));
        }
        Err(e) => {
            // --help and --version are not errors; clap knows which is which.
            let code = if e.use_stderr() {
                ExitStatus::Usage.code()
            } else {
                0
            };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    init_tracing(&cli.output);
    let result = match &cli.command {
        Some(Command::Parse(args)) => parse(args, &cli.output),
        Some(Command::Demo(args)) => demo(args, &cli.output),
        Some(Command::Batch(args)) => batch(args, &cli.output),
        Some(Command::Completions(args)) => completions(args),
        Some(Command::Man) => man(),
        Some(Command::Serve(args)) => super::serve::serve(args),
        None => probe(
            cli.target.as_deref().unwrap_or_default(),
            &cli.probe,
            &cli.domain,
            &cli.output,
        ),
    };
    match result {
        Ok(code) => Ok(code),
        // The plugin guidelines: a bad argument or a failure of the plugin itself is UNKNOWN.
        Err(e) if nagios => {
            eprintln!("error: {e:#}");
            Ok(super::monitor::nagios_unknown(&format!("{e:#}")))
        }
        Err(e) if e.downcast_ref::<UsageError>().is_some() => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(ExitStatus::Usage.code()))
        }
        Err(e) => Err(e),
    }
}

fn init_tracing(args: &OutputArgs) {
    let level = match args.verbose {
        0 => "warn",
        1 => "smtp_tls_check=debug,warn",
        2 => "smtp_tls_check=trace,warn",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SMTP_TLS_CHECK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(super::config::use_color_stderr(args.color))
        .with_target(false)
        .try_init();
}

/// Runs `fut` on a single-threaded runtime: one probe is I/O-bound, and one thread keeps memory
/// and start-up small.
fn block_on<F: std::future::Future>(fut: F) -> anyhow::Result<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let out = rt.block_on(fut);
    // A system resolver call stuck in a blocking thread must not hold the process past its
    // deadline: the answer is already in hand, so leave such threads behind.
    rt.shutdown_background();
    Ok(out)
}

fn emit(report: &Report, output: &Output) -> anyhow::Result<ExitCode> {
    let target = TargetReport::Host(report.clone());
    if let Some((text, code)) =
        super::monitor::emit_target(&target, &output.monitor, output.format, output.warn_days)?
    {
        write_stdout(&text)?;
        return Ok(code);
    }
    let text = if output.json {
        let mut s = render_json(report);
        s.push('\n');
        s
    } else {
        match output.quiet {
            0 => render_human(report, &output.style),
            1 => {
                let full = render_human(report, &output.style);
                full.lines()
                    .next()
                    .map(|l| format!("{l}\n"))
                    .unwrap_or_default()
            }
            _ => String::new(),
        }
    };
    write_stdout(&text)?;
    Ok(super::monitor::exit_code(
        &output.monitor,
        &[report.verdict],
        report.exit_status(),
    ))
}

fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is the reader's choice, not our failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).context("cannot write to stdout"),
    }
}

fn parse(args: &ParseArgs, output_args: &OutputArgs) -> anyhow::Result<ExitCode> {
    let output = Output::from_args(output_args);
    super::monitor::check_usage(&output.monitor, output.format)?;
    let mut input = Vec::new();
    if args.file == "-" {
        std::io::stdin()
            .take(MAX_PASTE)
            .read_to_end(&mut input)
            .context("cannot read stdin")?;
    } else {
        std::fs::File::open(&args.file)
            .with_context(|| format!("cannot open {}", args.file))?
            .take(MAX_PASTE)
            .read_to_end(&mut input)
            .with_context(|| format!("cannot read {}", args.file))?;
    }
    let report = match extract_ehlo_reply(&input, Limits::default()) {
        Ok(extracted) => parse_report(&extracted),
        Err(e) => error_report(Mode::Parse, FindingId::MalformedReply, e.to_string()),
    };
    emit(&report, &output)
}

fn probe(
    target: &str,
    args: &ProbeArgs,
    domain_args: &DomainArgs,
    output_args: &OutputArgs,
) -> anyhow::Result<ExitCode> {
    let mut output = Output::from_args(output_args);
    output.warn_days = args.warn_days;
    super::monitor::check_usage(&output.monitor, output.format)?;
    let parsed = parse_target(target).map_err(|e| UsageError(e.to_string()))?;
    if domain_args.mx && (parsed.ip.is_some() || parsed.port.is_some()) {
        bail!(UsageError(
            "--mx takes a mail domain: no IP address, no port (use --port)".into()
        ));
    }
    let anchors = anchors(args)?;
    let opts = probe_options(args, anchors, 25).map_err(|e| UsageError(e.to_string()))?;
    let report = block_on(async {
        let dopts =
            domain_options(domain_args, &opts, false).map_err(|e| UsageError(e.to_string()))?;
        anyhow::Ok(probe_target(target, &opts, &dopts, args.port.is_some()).await)
    })??;
    emit_target(&report, &output)
}

fn emit_target(report: &TargetReport, output: &Output) -> anyhow::Result<ExitCode> {
    if let TargetReport::Host(r) = report {
        return emit(r, output);
    }
    if let Some((text, code)) =
        super::monitor::emit_target(report, &output.monitor, output.format, output.warn_days)?
    {
        write_stdout(&text)?;
        return Ok(code);
    }
    let text = if output.json {
        let mut s = render_json(report);
        s.push('\n');
        s
    } else {
        match output.quiet {
            0 => render_target_human(report, &output.style),
            1 => render_target_verdict_line(report, &output.style),
            _ => String::new(),
        }
    };
    write_stdout(&text)?;
    Ok(super::monitor::exit_code(
        &output.monitor,
        &[report.verdict()],
        report.exit_status(),
    ))
}

/// `batch`: JSON Lines on stdout, one object per target (the `--json` object of that target);
/// the summary on stderr, or as a last `{"summary": ...}` line on stdout with `--json`. Exit
/// code: the worst verdict's (0 for an empty list).
fn batch(args: &BatchArgs, output_args: &OutputArgs) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;

    let output = Output::from_args(output_args);
    super::monitor::check_usage(&output.monitor, output.format)?;
    if args.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        bail!(UsageError(
            "--rate takes a positive number of probes per second".into()
        ));
    }
    let shard = match args.shard.as_deref() {
        Some("auto") => {
            let (shard, source) = shard_from_env(|k| std::env::var(k).ok(), args.shard_count)
                .map_err(|e| UsageError(e.to_string()))?;
            let from = match source {
                ShardSource::Kubernetes => "Kubernetes Indexed Job (JOB_COMPLETION_INDEX)",
                ShardSource::Slurm => "Slurm array (SLURM_ARRAY_TASK_*)",
            };
            eprintln!("--shard auto: shard {shard} from the {from}");
            Some(shard)
        }
        Some(s) => Some(s.parse::<Shard>().map_err(|e| UsageError(e.to_string()))?),
        None => None,
    };
    // nagios, prometheus and junit describe the whole run: they print once, at the end.
    let collect = !matches!(output.format, OutputFormat::Human | OutputFormat::Json)
        || output.monitor.prometheus_file.is_some();
    let print_lines = matches!(output.format, OutputFormat::Human | OutputFormat::Json);
    let th = super::monitor::thresholds(&output.monitor, args.probe.warn_days);
    let mut facts = Vec::new();
    let anchors = anchors(&args.probe)?;
    let opts = probe_options(&args.probe, anchors, 25).map_err(|e| UsageError(e.to_string()))?;
    let bopts = BatchOptions {
        concurrency: usize::try_from(args.concurrency).unwrap_or(64),
        ordered: args.ordered,
        shard,
        port_flag: args.probe.port.is_some(),
        rate: args.rate,
    };
    let input: Box<dyn tokio::io::AsyncBufRead + Unpin + Send> = if args.file == "-" {
        Box::new(tokio::io::BufReader::new(tokio::io::stdin()))
    } else {
        let file = std::fs::File::open(&args.file)
            .with_context(|| format!("cannot open {}", args.file))?;
        Box::new(tokio::io::BufReader::with_capacity(
            64 * 1024,
            tokio::fs::File::from_std(file),
        ))
    };
    let progress = (!args.no_progress && output_args.quiet == 0 && std::io::stderr().is_terminal())
        .then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} {pos} targets done ({per_sec}, {elapsed}) {msg}",
            ) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
    // One probe is I/O-bound, but a fleet is many at once: use every core.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = rt.block_on(async {
        let mut dopts = domain_options(&args.domain, &opts, !args.domain.host)
            .map_err(|e| UsageError(e.to_string()))?;
        if args.domain.mx {
            dopts.kind = TargetKind::Domain;
        }
        let mut stdout = std::io::stdout();
        let mut failing = 0u64;
        let summary = run_batch(
            input,
            Arc::new(opts),
            Arc::new(dopts),
            &bopts,
            |report: &TargetReport| {
                if collect {
                    facts.push(target_facts(report, &th));
                }
                if let Some(bar) = &progress {
                    bar.inc(1);
                    if report.verdict() >= smtp_tls_check::model::Verdict::Fail {
                        failing += 1;
                        bar.set_message(format!("{failing} fail or error"));
                    }
                }
                if !print_lines {
                    return Ok(());
                }
                let mut line = render_json_line(report);
                line.push('\n');
                stdout.write_all(line.as_bytes())?;
                stdout.flush()
            },
        )
        .await;
        anyhow::Ok(summary)
    })?;
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    // Targets still in flight after a stop end here, not at the end of the process.
    rt.shutdown_background();
    let summary = match result {
        Ok(s) => s,
        // `| head`: the reader stopped listening; that is its choice, not our failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(e).context("batch input"),
    };
    if collect {
        if let Some((text, code)) = super::monitor::emit_facts(
            &facts,
            Some(()),
            &output.monitor,
            output.format,
            summary.exit_status(),
        )? {
            write_stdout(&text)?;
            if output_args.quiet == 0 {
                eprint!("{}", summary.render_text());
            }
            return Ok(code);
        }
    }
    let verdicts: Vec<smtp_tls_check::model::Verdict> = summary
        .verdicts
        .iter()
        .filter(|(_, n)| **n > 0)
        .filter_map(|(v, _)| {
            smtp_tls_check::model::VERDICTS
                .iter()
                .copied()
                .find(|x| x.as_str() == *v)
        })
        .collect();
    let code = super::monitor::exit_code(&output.monitor, &verdicts, summary.exit_status());
    if output.json {
        let line = serde_json::json!({ "summary": summary });
        write_stdout(&format!("{line}\n"))?;
    } else if output_args.quiet == 0 {
        eprint!("{}", summary.render_text());
    }
    Ok(code)
}

fn demo(args: &DemoArgs, output_args: &OutputArgs) -> anyhow::Result<ExitCode> {
    let mut output = Output::from_args(output_args);
    output.warn_days = args.probe.warn_days;
    super::monitor::check_usage(&output.monitor, output.format)?;
    if args.list {
        let width = SCENARIOS.iter().map(|s| s.name.len()).max().unwrap_or(0);
        let mut text = String::new();
        for s in SCENARIOS {
            text.push_str(&format!("{:<width$}  {}\n", s.name, s.description));
        }
        write_stdout(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(scenario) = find_scenario(&args.scenario) else {
        let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
        bail!(UsageError(format!(
            "no demo scenario {:?}; try one of: {}",
            args.scenario,
            names.join(", ")
        )));
    };
    // The demo server is on a port of its own choosing, speaks STARTTLS and has its own CA.
    for (given, flag) in [
        (args.probe.ca_file.is_some(), "--ca-file"),
        (args.probe.port.is_some(), "--port"),
        (args.probe.implicit_tls, "--implicit-tls"),
    ] {
        if given {
            bail!(UsageError(format!("{flag} has no meaning for the demo")));
        }
    }
    let report = block_on(async {
        let server = DemoServer::start(scenario)
            .await
            .context("cannot start the demo server")?;
        let anchors = Arc::new(
            TrustAnchors::from_ders(vec![server.ca_der.clone()])
                .context("cannot trust the demo CA")?,
        );
        let mut opts = probe_options(&args.probe, anchors, server.addr.port())
            .map_err(|e| UsageError(e.to_string()))?;
        opts.port = server.addr.port();
        opts.mode = Mode::Demo;
        if opts.tls_name.is_none() {
            opts.tls_name = Some(DEMO_TLS_NAME.to_string());
        }
        let started = Instant::now();
        let deadline = started + opts.timeouts.overall;
        let input = format!("demo:{}", scenario.name);
        anyhow::Ok(
            probe_addrs(
                &input,
                "127.0.0.1",
                &[server.addr],
                &opts,
                started,
                deadline,
            )
            .await,
        )
    })??;
    emit(&report, &output)
}

/// `completions SHELL`: the script clap_complete writes from the one clap definition.
fn completions(args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "smtp-tls-check", &mut out);
    write_stdout(&String::from_utf8_lossy(&out))?;
    Ok(ExitCode::SUCCESS)
}

/// `man`: the manual page (roff) clap_mangen writes from the one clap definition.
fn man() -> anyhow::Result<ExitCode> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .context("cannot render the manual page")?;
    write_stdout(&String::from_utf8_lossy(&out))?;
    Ok(ExitCode::SUCCESS)
}
