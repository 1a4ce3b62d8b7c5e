//! Raw command-line flags, as clap parses them. Resolution into a configuration (terminal
//! detection, trust anchors, timeouts) happens in `config.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "smtp-tls-check",
    version,
    about = "Does a mail server's STARTTLS really work, and for which clients?",
    long_about = "Connects to a mail server, reads its banner, sends EHLO and checks where STARTTLS \
                  is offered (RFC 5321 4.1.1.1: the first line of the reply is the greeting, not a \
                  keyword), then upgrades to TLS and verifies the certificate.\n\n\
                  A TARGET without a port that is not an IP address is taken as a mail domain: \
                  its MX hosts are probed in preference order, every address of each (the \
                  domain's own addresses when it has no MX, RFC 5321 5.1), and the worst result \
                  is the verdict. --host and --mx force one reading.\n\n\
                  Exit codes: 0 ok, 1 warnings only, 2 usage error, 3 a TLS problem found, \
                  4 no diagnosis (unreachable, refused, unreadable input, DNS failure). A domain \
                  and a batch exit with the code of their worst verdict; a TLS problem found \
                  anywhere (3) outranks a target that could not be diagnosed (4).",
    subcommand_negates_reqs = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    /// Mail domain or server to probe: a domain (`example.com`: every MX), a host name, IPv4 or
    /// IPv6 address, optionally with a port (`mx.example.com:587`, `[2001:db8::25]:25`).
    #[arg(value_name = "TARGET", required = true)]
    pub(crate) target: Option<String>,

    #[command(flatten)]
    pub(crate) probe: ProbeArgs,

    #[command(flatten)]
    pub(crate) domain: DomainArgs,

    #[command(flatten)]
    pub(crate) policy: PolicyArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// Will senders insist on TLS: MTA-STS, TLS-RPT (RFC 8461, 8460) and DANE (RFC 7672).
#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
    /// Skip MTA-STS and TLS-RPT (checked by default for a domain).
    #[arg(long)]
    pub(crate) no_mta_sts: bool,

    /// Skip DANE (checked by default for a domain).
    #[arg(long)]
    pub(crate) no_dane: bool,

    /// With --host: check the host's TLSA records too (DANE for `_PORT._tcp.HOST`).
    #[arg(long, requires = "host", conflicts_with = "no_dane")]
    pub(crate) dane: bool,

    /// DNSSEC trust anchors: DNSKEY or DS records in zone-file syntax, instead of the IANA
    /// root key built in.
    #[arg(long, value_name = "FILE")]
    pub(crate) trust_anchor: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Diagnose a pasted EHLO reply or SMTP transcript offline (FILE, or `-` for stdin).
    Parse(ParseArgs),
    /// Probe a built-in scripted server on loopback: no network needed.
    Demo(DemoArgs),
    /// Probe many targets from a list (FILE, or `-` for stdin): one JSON object per line.
    Batch(BatchArgs),
    /// List the SMTP clients whose view is computed: group, rule, what each logs when it sees
    /// no STARTTLS, and whether the fact was measured or read from source.
    Clients,
    /// Print a shell completion script (generated from these very flags).
    Completions(CompletionsArgs),
    /// Print the manual page (roff, generated from these very flags): `smtp-tls-check man | man -l -`.
    Man,
    /// Run as a Prometheus exporter: `GET /probe?target=HOST[:PORT]` probes like blackbox_exporter.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on, `IP:PORT`.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9525")]
    pub(crate) listen: std::net::SocketAddr,

    /// TOML file of named flag sets for `module=NAME`: `[modules.NAME]` with `args = ["--port", "587"]`.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Most probes running at once; a scrape that cannot start within its deadline gets 503.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub(crate) max_concurrent: u64,

    /// Seconds taken off Prometheus' X-Prometheus-Scrape-Timeout-Seconds, to answer in time.
    #[arg(long, value_name = "SECS", default_value_t = 0.5)]
    pub(crate) timeout_offset: f64,

    #[command(flatten)]
    pub(crate) probe: ProbeArgs,

    #[command(flatten)]
    pub(crate) domain: DomainArgs,
}

/// The probe flags a `serve` module may set (`args` in `--config`), parsed by the same clap
/// definitions as the command line.
#[derive(Debug, Parser)]
#[command(name = "module", no_binary_name = true)]
pub(crate) struct ModuleFlags {
    #[command(flatten)]
    pub(crate) probe: ProbeArgs,

    #[command(flatten)]
    pub(crate) domain: DomainArgs,
}

/// How a TARGET is read, and how a domain's MX hosts are probed.
#[derive(Debug, Args)]
pub(crate) struct DomainArgs {
    /// Take TARGET as a host: no MX lookup.
    #[arg(long, conflicts_with = "mx")]
    pub(crate) host: bool,

    /// Take TARGET as a mail domain even where it would be read as a host.
    #[arg(long)]
    pub(crate) mx: bool,

    /// Probe each MX at the first of its addresses that answers, not at every address.
    #[arg(long)]
    pub(crate) first_address: bool,

    /// DNS server for MX and address lookups, `IP` or `IP:PORT` [default: resolv.conf].
    #[arg(long, value_name = "IP[:PORT]", value_parser = parse_resolver)]
    pub(crate) resolver: Option<std::net::SocketAddr>,

    /// Most probes at once within one domain (its MX hosts and their addresses).
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub(crate) mx_concurrency: u64,
}

/// Seconds: more than 0, at most a day. Negative numbers reach this parser (not clap's "use
/// `--`" tip, which would turn `-1` into the TARGET) so the message says what is allowed.
fn parse_secs(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds (e.g. 10 or 2.5)"))?;
    if !(v.is_finite() && v > 0.0 && v <= 86_400.0) {
        return Err(format!(
            "must be more than 0 and at most 86400 seconds (a day), not {s}"
        ));
    }
    Ok(v)
}

fn parse_resolver(s: &str) -> Result<std::net::SocketAddr, String> {
    if let Ok(ip) = s.parse::<std::net::IpAddr>() {
        return Ok(std::net::SocketAddr::new(ip, 53));
    }
    s.parse::<std::net::SocketAddr>()
        .map_err(|_| format!("{s:?} is not IP or IP:PORT (IPv6 with a port: [::1]:53)"))
}

#[derive(Debug, Args)]
pub(crate) struct BatchArgs {
    /// The list: one target (host, host:port, address or mail domain) per line; `#` starts a
    /// comment; blank lines are skipped. `-` or nothing reads stdin.
    #[arg(value_name = "FILE", default_value = "-")]
    pub(crate) file: String,

    /// Most targets probed at once.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub(crate) concurrency: u64,

    /// Print results in input order (at most N finished results wait for an earlier one).
    #[arg(long)]
    pub(crate) ordered: bool,

    /// Take only slice K of N (1-based): target line i goes to shard (i mod N) + 1, counting
    /// target lines only. Run N jobs with 1/N .. N/N to cover the list exactly once. `auto`
    /// reads a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with --shard-count or
    /// SMTP_TLS_CHECK_SHARD_COUNT) or a Slurm array (SLURM_ARRAY_TASK_ID, _COUNT, _MIN, _STEP).
    #[arg(long, value_name = "K/N|auto")]
    pub(crate) shard: Option<String>,

    /// With `--shard auto` under Kubernetes: how many shards (the Job's `completions`).
    #[arg(long, value_name = "N", env = "SMTP_TLS_CHECK_SHARD_COUNT", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) shard_count: Option<u64>,

    /// Start at most N probes per second (a domain counts once).
    #[arg(long, value_name = "N")]
    pub(crate) rate: Option<f64>,

    /// Never draw a progress bar, even on a terminal.
    #[arg(long)]
    pub(crate) no_progress: bool,

    #[command(flatten)]
    pub(crate) probe: ProbeArgs,

    #[command(flatten)]
    pub(crate) domain: DomainArgs,

    #[command(flatten)]
    pub(crate) policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ParseArgs {
    /// The paste: a raw EHLO reply or a whole conversation; `-` or nothing reads stdin.
    #[arg(value_name = "FILE", default_value = "-")]
    pub(crate) file: String,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// The scenario to play (see --list).
    #[arg(value_name = "SCENARIO", default_value = "seeds-broken")]
    pub(crate) scenario: String,

    /// List the scenarios and exit.
    #[arg(long)]
    pub(crate) list: bool,

    #[command(flatten)]
    pub(crate) probe: ProbeArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TlsVersionArg {
    /// Offer TLS 1.2 and 1.3 (the server picks).
    Any,
    /// Offer TLS 1.2 only.
    #[value(name = "1.2")]
    V12,
    /// Offer TLS 1.3 only.
    #[value(name = "1.3")]
    V13,
}

#[derive(Debug, Args)]
pub(crate) struct ProbeArgs {
    /// Port, when TARGET names none (25; 587 for submission; 465 with --implicit-tls).
    #[arg(short, long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) port: Option<u16>,

    /// TLS from the first byte instead of STARTTLS (RFC 8314, port 465).
    #[arg(long)]
    pub(crate) implicit_tls: bool,

    /// Seconds each step may take (connect, banner, each command, the TLS handshake).
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = parse_secs, allow_negative_numbers = true)]
    pub(crate) timeout: f64,

    /// Seconds a TCP connection attempt may take, per address [default: --timeout].
    #[arg(long, value_name = "SECS", value_parser = parse_secs, allow_negative_numbers = true)]
    pub(crate) connect_timeout: Option<f64>,

    /// Seconds one host probe may take, connection attempts included; each address of a domain
    /// has its own [default: 3 x --timeout].
    #[arg(long, value_name = "SECS", value_parser = parse_secs, allow_negative_numbers = true)]
    pub(crate) deadline: Option<f64>,

    /// Name to send with EHLO [default: this host's FQDN, or smtp-tls-check.invalid].
    #[arg(long, value_name = "NAME")]
    pub(crate) helo: Option<String>,

    /// Name for SNI and certificate matching [default: the target host].
    #[arg(long, value_name = "NAME")]
    pub(crate) tls_name: Option<String>,

    /// Trust only the CA certificates in this PEM file, instead of the Mozilla roots.
    #[arg(long, value_name = "PEM")]
    pub(crate) ca_file: Option<PathBuf>,

    /// Report certificate problems as warnings instead of failures. Verification still runs and
    /// its result is shown.
    #[arg(long)]
    pub(crate) insecure: bool,

    /// Stop after EHLO: no STARTTLS, no TLS.
    #[arg(long, conflicts_with_all = ["force_starttls", "implicit_tls"])]
    pub(crate) no_tls: bool,

    /// Send STARTTLS even when no ehlo-line offers it, to see what a lenient client gets.
    #[arg(long)]
    pub(crate) force_starttls: bool,

    /// Warn when the certificate expires within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 21)]
    pub(crate) warn_days: i64,

    /// TLS versions to offer.
    #[arg(long, value_enum, value_name = "VERSION", default_value = "any")]
    pub(crate) tls_version: TlsVersionArg,

    /// Longest reply line accepted, in octets (RFC 5321 allows 512; longer lines are flagged).
    #[arg(long, value_name = "OCTETS", default_value_t = 4096, value_parser = clap::value_parser!(u64).range(16..=1_048_576))]
    pub(crate) max_line_length: u64,

    /// Most lines in one multi-line reply.
    #[arg(long, value_name = "LINES", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub(crate) max_reply_lines: u64,

    /// Most octets in one reply.
    #[arg(long, value_name = "OCTETS", default_value_t = 65536, value_parser = clap::value_parser!(u64).range(64..=16_777_216))]
    pub(crate) max_reply_bytes: u64,

    /// Most octets the server may send in the whole session.
    #[arg(long, value_name = "OCTETS", default_value_t = 1_048_576, value_parser = clap::value_parser!(u64).range(512..=1_099_511_627_776))]
    pub(crate) max_session_bytes: u64,

    /// Include the whole conversation, both directions, with timestamps.
    #[arg(long)]
    pub(crate) transcript: bool,

    #[command(flatten)]
    pub(crate) checks: ActiveCheckArgs,

    #[command(flatten)]
    pub(crate) conn: ConnArgs,
}

/// Active checks: more than "is STARTTLS offered and does TLS work".
#[derive(Debug, Args)]
pub(crate) struct ActiveCheckArgs {
    /// Before TLS, send MAIL FROM:<> (then RSET; never RCPT or DATA) to see whether the server
    /// takes mail without TLS: required on 587/465 submission, forbidden on a public MX (25).
    #[arg(long)]
    pub(crate) check_enforcement: bool,

    /// Write STARTTLS and NOOP in one packet and see whether the NOOP is answered inside TLS
    /// (STARTTLS command injection, CVE-2011-0411 class).
    #[arg(long, conflicts_with_all = ["no_tls", "implicit_tls"])]
    pub(crate) check_injection: bool,

    /// Probe every address N times and report STARTTLS, certificates or banners that differ
    /// between connections (nodes behind a load balancer or several A records).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(crate) samples: u32,
}

/// Where connections come from, whom they trust, what they show (issue 14's flags).
#[derive(Debug, Args)]
pub(crate) struct ConnArgs {
    /// Connect over IPv4 only.
    #[arg(short = '4', long = "ipv4", conflicts_with = "ipv6")]
    pub(crate) ipv4: bool,

    /// Connect over IPv6 only.
    #[arg(short = '6', long = "ipv6")]
    pub(crate) ipv6: bool,

    /// Local address to connect from (an IP of this host; its family limits the addresses
    /// tried).
    #[arg(long, value_name = "ADDR")]
    pub(crate) source: Option<std::net::IpAddr>,

    /// Trust only the CA certificates in this directory's PEM files (`*.pem`, `*.crt`, and
    /// OpenSSL's hashed `*.0` links), instead of the Mozilla roots.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["ca_file", "system_roots"])]
    pub(crate) ca_path: Option<std::path::PathBuf>,

    /// Trust this machine's CA store (rustls-native-certs: /etc/ssl/certs, SSL_CERT_FILE,
    /// SSL_CERT_DIR) instead of the Mozilla roots built into the binary.
    #[arg(long, conflicts_with = "ca_file")]
    pub(crate) system_roots: bool,

    /// Present this client certificate chain (PEM) when the server asks for one.
    #[arg(long, value_name = "PEM", requires = "client_key")]
    pub(crate) client_cert: Option<std::path::PathBuf>,

    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1) of --client-cert.
    #[arg(long, value_name = "PEM", requires = "client_cert")]
    pub(crate) client_key: Option<std::path::PathBuf>,

    /// Include the certificate chain the server presented, as PEM (JSON: `pem` on each
    /// certificate).
    #[arg(long)]
    pub(crate) show_certs: bool,
}

/// Output flags: global, so they work before or after a subcommand.
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Print one JSON object (schema in the README) instead of the human report. With `batch`:
    /// the run's summary as a final JSON line on stdout instead of text on stderr.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// When to colour the human report.
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        global = true
    )]
    pub(crate) color: ColorChoice,

    /// More logging on stderr (-v: steps, -vv: the wire, escaped, -vvv: the libraries too).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,

    /// Less output: -q prints the verdict line only, -qq nothing (use the exit code).
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "verbose", global = true)]
    pub(crate) quiet: u8,

    #[command(flatten)]
    pub(crate) verdict: VerdictArgs,

    #[command(flatten)]
    pub(crate) format: FormatArgs,
}

/// Whose view decides the verdict.
#[derive(Debug, Args)]
pub(crate) struct VerdictArgs {
    /// Clients whose view decides the verdict: client ids and groups (mta, library, test-tool,
    /// scanner, all), comma-separated. A STARTTLS finding is an error when a deciding client
    /// would not use TLS, a warning when only other clients would not. `clients` lists the ids.
    #[arg(
        long,
        value_name = "ID,...|GROUP",
        global = true,
        default_value = "mta,library",
        value_parser = parse_clients
    )]
    pub(crate) clients: smtp_tls_check::smtp_grammar::ClientSet,
}

fn parse_clients(s: &str) -> Result<smtp_tls_check::smtp_grammar::ClientSet, String> {
    s.parse()
        .map_err(|e: smtp_tls_check::smtp_grammar::UnknownClient| e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// The report for people (the default).
    Human,
    /// One JSON object (`--json`).
    Json,
    /// A monitoring plugin's output: status line, perfdata, long output; exit 0/1/2/3.
    Nagios,
    /// Prometheus text exposition format (blackbox_exporter names plus smtp_tls_check_*).
    Prometheus,
    /// JUnit XML: a testsuite per target, a testcase per check.
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOnArg {
    Ok,
    Warning,
    Fail,
    Error,
}

/// Output formats for monitoring and CI; global, like the other output flags.
#[derive(Debug, Clone, Args)]
pub(crate) struct FormatArgs {
    /// Output format. With `batch`, nagios, prometheus and junit print once, at the end.
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        global = true,
        conflicts_with = "json"
    )]
    pub(crate) output: Option<OutputFormat>,

    /// Also write the Prometheus metrics to PATH, atomically (a temporary file in the same
    /// directory, then rename), for node_exporter's textfile collector.
    #[arg(long, value_name = "PATH", global = true)]
    pub(crate) prometheus_file: Option<PathBuf>,

    /// With --output nagios (and junit): CRITICAL when the certificate has fewer days left.
    #[arg(long, value_name = "DAYS", global = true)]
    pub(crate) crit_days: Option<i64>,

    /// Exit non-zero only when a verdict is at least this bad (ok < warning < fail < error);
    /// the code is then the usual one. Not with --output nagios (plugin codes).
    #[arg(long, value_enum, value_name = "VERDICT", global = true)]
    pub(crate) fail_on: Option<FailOnArg>,
}
