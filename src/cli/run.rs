use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::FromArgMatches;
use smtp_tls_check::batch::{run_batch, shard_from_env, BatchOptions, Shard, ShardSource};
use smtp_tls_check::demo::{find_scenario, DemoServer, DEMO_TLS_NAME, SCENARIOS};
use smtp_tls_check::diagnose::monitor::target_facts;
use smtp_tls_check::diagnose::paste_report;
use smtp_tls_check::model::{ExitStatus, Mode, Report, TargetReport};
use smtp_tls_check::mx::{probe_target, TargetKind};
use smtp_tls_check::net::{parse_target, read_target_form};
use smtp_tls_check::probe::probe_addrs;
use smtp_tls_check::report::{
    render_human, render_json, render_json_line, render_target_human, render_target_verdict_line,
};
use smtp_tls_check::smtp_grammar::{read_paste, Limits};
use smtp_tls_check::tls::TrustAnchors;

use super::args::OutputFormat;
use super::args::{
    BatchArgs, Cli, Command, CompletionsArgs, DemoArgs, DomainArgs, OutputArgs, ParseArgs,
    PolicyArgs, ProbeArgs,
};
use super::config::{anchors, domain_options, policy_options, probe_options, Output};

/// Most octets `parse` reads: a paste, not a mailbox.
const MAX_PASTE: u64 = 1024 * 1024;

/// A usage error found after clap: printed, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UsageError(pub(crate) String);

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let nagios = super::monitor::nagios_requested();
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cmd = super::placement::command(&argv);
    let parsed = cmd
        .clone()
        .try_get_matches_from(&argv)
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (m, cli)));
    let (matches, cli) = match parsed {
        Ok(p) => p,
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
    if let Err(msg) = super::placement::check_placement(&cmd, &matches) {
        eprintln!("error: {msg}");
        return Ok(ExitCode::from(ExitStatus::Usage.code()));
    }
    if let (None, Some(target), false, false) =
        (&cli.command, &cli.target, cli.domain.host, cli.domain.mx)
    {
        if let Some(msg) = super::placement::did_you_mean(&cmd, target) {
            eprintln!("error: {msg}");
            return Ok(ExitCode::from(ExitStatus::Usage.code()));
        }
    }
    init_tracing(&cli.output);
    let result = match &cli.command {
        Some(Command::Parse(args)) => parse(args, &cli.output),
        Some(Command::Demo(args)) => demo(args, &cli.output),
        Some(Command::Batch(args)) => batch(args, &cli.output),
        Some(Command::Clients) => clients(&cli.output),
        Some(Command::Completions(args)) => completions(args),
        Some(Command::Man) => man(),
        Some(Command::Serve(args)) => super::serve::serve(args),
        None => probe(
            cli.target.as_deref().unwrap_or_default(),
            &cli.probe,
            &cli.domain,
            &cli.policy,
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
    write_stdout(&fit_to_terminal(text, output))?;
    Ok(super::monitor::exit_code(
        &output.monitor,
        &[report.verdict],
        report.exit_status(),
    ))
}

/// The human report on a terminal: wrapped to its width, columns kept. JSON and pipes as is.
fn fit_to_terminal(text: String, output: &Output) -> String {
    use std::io::IsTerminal;
    if output.json || !std::io::stdout().is_terminal() {
        return text;
    }
    match console::Term::stdout().size_checked() {
        Some((_, cols)) => smtp_tls_check::report::wrap_to_width(&text, usize::from(cols)),
        None => text,
    }
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
    // One octet past the limit tells a paste of exactly 1 MiB from a larger one.
    if args.file == "-" {
        use std::io::IsTerminal;
        // A terminal on stdin is a person about to paste, not a pipe: say how to finish.
        if std::io::stdin().is_terminal() && output.quiet < 2 {
            eprintln!(
                "Paste the EHLO reply or the SMTP conversation, then press Ctrl-D on a line of \
                 its own (Ctrl-Z, Enter on Windows)."
            );
        }
        std::io::stdin()
            .take(MAX_PASTE + 1)
            .read_to_end(&mut input)
            .context("cannot read stdin")?;
    } else {
        std::fs::File::open(&args.file)
            .with_context(|| format!("cannot open {}", args.file))?
            .take(MAX_PASTE + 1)
            .read_to_end(&mut input)
            .with_context(|| format!("cannot read {}", args.file))?;
    }
    let too_large = (input.len() as u64 > MAX_PASTE).then(|| {
        input.truncate(MAX_PASTE as usize);
        MAX_PASTE
    });
    let paste = read_paste(&input, Limits::default());
    let report = paste_report(&paste, too_large, &output_args.verdict.clients);
    emit(&report, &output)
}

fn probe(
    target: &str,
    args: &ProbeArgs,
    domain_args: &DomainArgs,
    policy_args: &PolicyArgs,
    output_args: &OutputArgs,
) -> anyhow::Result<ExitCode> {
    let mut output = Output::from_args(output_args);
    output.warn_days = args.warn_days;
    super::monitor::check_usage(&output.monitor, output.format)?;
    let form = read_target_form(target).map_err(UsageError)?;
    let target = form.target.as_str();
    let parsed = parse_target(target).map_err(|e| UsageError(e.to_string()))?;
    if domain_args.mx && (parsed.ip.is_some() || parsed.port.is_some()) {
        bail!(UsageError(
            "--mx takes a mail domain: no IP address, no port (use --port)".into()
        ));
    }
    if let (Some(flag), Some(own)) = (args.port, parsed.port) {
        if flag != own {
            bail!(UsageError(format!(
                "--port {flag} conflicts with the port in {target:?}: give one of them"
            )));
        }
    }
    if form.mail_domain && (domain_args.host || parsed.ip.is_some() || parsed.port.is_some()) {
        bail!(UsageError(format!(
            "a mail address names a mail domain, not a host: probe {target} instead"
        )));
    }
    if let Some(note) = &form.note {
        if output.quiet < 2 {
            eprintln!("note: {note}");
        }
    }
    let anchors = anchors(args)?;
    let mut opts = probe_options(args, anchors, 25).map_err(|e| UsageError(e.to_string()))?;
    if form.implicit_tls {
        opts.implicit_tls = true;
        opts.port = args.port.unwrap_or(465);
    }
    opts.clients = output_args.verdict.clients.clone();
    let report = block_on(async {
        let mut dopts =
            domain_options(domain_args, &opts, false).map_err(|e| UsageError(e.to_string()))?;
        dopts.policy = policy_options(policy_args, domain_args, &opts).await?;
        dopts.host_dane = policy_args.dane;
        if form.mail_domain {
            dopts.kind = TargetKind::Domain;
        }
        let port_shown = args.port.is_some() || form.implicit_tls;
        anyhow::Ok(probe_target(target, &opts, &dopts, port_shown).await)
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
    write_stdout(&fit_to_terminal(text, output))?;
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
    let mut opts =
        probe_options(&args.probe, anchors, 25).map_err(|e| UsageError(e.to_string()))?;
    opts.clients = output_args.verdict.clients.clone();
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
                "{spinner} {pos} targets done ({rate}, {elapsed}) {msg}",
            ) {
                // Whole targets per second (`1006/s`), not indicatif's `1,006.509/s`.
                let style = style.with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0}/s", state.per_sec());
                    },
                );
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
    // A person at a terminal reads one line per target; a pipe or --json gets JSON Lines.
    let human = output.format == OutputFormat::Human && std::io::stdout().is_terminal();
    let cols = console::Term::stdout()
        .size_checked()
        .map(|(_, c)| usize::from(c));
    // One probe is I/O-bound, but a fleet is many at once: use every core.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // The worst verdict handed to the printer, for a run whose stdout closes early.
    let mut worst_seen = None;
    let result = rt.block_on(async {
        let mut dopts = domain_options(&args.domain, &opts, !args.domain.host)
            .map_err(|e| UsageError(e.to_string()))?;
        if args.domain.mx {
            dopts.kind = TargetKind::Domain;
        }
        dopts.policy = policy_options(&args.policy, &args.domain, &opts).await?;
        dopts.host_dane = args.policy.dane;
        let mut stdout = std::io::stdout();
        let mut failing = 0u64;
        let worst = &mut worst_seen;
        let summary = run_batch(
            input,
            Arc::new(opts),
            Arc::new(dopts),
            &bopts,
            |report: &TargetReport| {
                if collect {
                    facts.push(target_facts(report, &th));
                }
                let v = report.verdict();
                *worst = Some(worst.map_or(v, |w: smtp_tls_check::model::Verdict| w.worst(v)));
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
                let line = if human {
                    // -q: only the targets that are not ok; -qq: nothing (the exit code).
                    let line = match output.quiet {
                        0 => render_target_verdict_line(report, &output.style),
                        1 if report.verdict() != smtp_tls_check::model::Verdict::Ok => {
                            render_target_verdict_line(report, &output.style)
                        }
                        _ => String::new(),
                    };
                    match cols {
                        Some(c) => smtp_tls_check::report::wrap_to_width(&line, c),
                        None => line,
                    }
                } else {
                    let mut line = render_json_line(report);
                    line.push('\n');
                    line
                };
                if let Some(bar) = &progress {
                    // Lines above the spinner, not through it.
                    bar.suspend(|| {
                        stdout
                            .write_all(line.as_bytes())
                            .and_then(|()| stdout.flush())
                    })
                } else {
                    stdout.write_all(line.as_bytes())?;
                    stdout.flush()
                }
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
        // `| head`: the reader stopped listening, so the run stops; the exit code is still the
        // worst verdict among the targets finished so far (the one whose line could not be
        // written included): a pipeline's `set -o pipefail` must not see success for a FAIL.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            let code = worst_seen
                .map_or(ExitStatus::Ok, |v| v.exit_status())
                .code();
            if output_args.quiet == 0 {
                eprintln!(
                    "smtp-tls-check: stdout closed; stopped. Exit code {code}: the worst verdict \
                     among the targets finished so far"
                );
            }
            return Ok(ExitCode::from(code));
        }
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
    if args.list && output.json {
        let list: Vec<_> = SCENARIOS
            .iter()
            .map(|s| serde_json::json!({ "name": s.name, "description": s.description }))
            .collect();
        let text = serde_json::json!({ "scenarios": list });
        write_stdout(&format!("{text:#}\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
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
        (args.probe.conn.ca_path.is_some(), "--ca-path"),
        (args.probe.conn.system_roots, "--system-roots"),
    ] {
        if given {
            bail!(UsageError(format!("{flag} has no meaning for the demo")));
        }
    }
    let report = block_on(async {
        let server = DemoServer::start(scenario)
            .await
            .context("cannot start the demo server")?;
        let anchors = Arc::new(super::config::client_identity(
            TrustAnchors::from_ders(vec![server.ca_der.clone()])
                .context("cannot trust the demo CA")?,
            &args.probe,
        )?);
        let mut opts = probe_options(&args.probe, anchors, server.addr.port())
            .map_err(|e| UsageError(e.to_string()))?;
        opts.port = server.addr.port();
        opts.mode = Mode::Demo;
        opts.clients = output_args.verdict.clients.clone();
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

/// `clients`: the client table; `--clients` marks the deciding rows.
fn clients(output_args: &OutputArgs) -> anyhow::Result<ExitCode> {
    let output = Output::from_args(output_args);
    let rows = smtp_tls_check::model::client_table(&output_args.verdict.clients);
    let text = if output.json {
        let mut s = serde_json::to_string_pretty(&rows).context("cannot render the table")?;
        s.push('\n');
        s
    } else {
        smtp_tls_check::report::render_client_table(&rows, &output.style)
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
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
