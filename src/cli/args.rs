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
                  Exit codes: 0 ok, 1 warnings only, 2 usage error, 3 a TLS problem found, \
                  4 no diagnosis (unreachable, refused, unreadable input).",
    subcommand_negates_reqs = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    /// Mail server to probe: host name, IPv4 or IPv6 address, optionally with a port
    /// (`mx.example.com`, `mx.example.com:587`, `[2001:db8::25]:25`).
    #[arg(value_name = "TARGET", required = true)]
    pub(crate) target: Option<String>,

    #[command(flatten)]
    pub(crate) probe: ProbeArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Diagnose a pasted EHLO reply or SMTP transcript offline (FILE, or `-` for stdin).
    Parse(ParseArgs),
    /// Probe a built-in scripted server on loopback: no network needed.
    Demo(DemoArgs),
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
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub(crate) timeout: f64,

    /// Seconds a TCP connection attempt may take, per address [default: --timeout].
    #[arg(long, value_name = "SECS")]
    pub(crate) connect_timeout: Option<f64>,

    /// Seconds the whole probe may take [default: 3 x --timeout].
    #[arg(long, value_name = "SECS")]
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
    #[arg(long, value_name = "LINES", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub(crate) max_reply_lines: u64,

    /// Most octets in one reply.
    #[arg(long, value_name = "OCTETS", default_value_t = 65536, value_parser = clap::value_parser!(u64).range(64..=16_777_216))]
    pub(crate) max_reply_bytes: u64,

    /// Most octets the server may send in the whole session.
    #[arg(long, value_name = "OCTETS", default_value_t = 1_048_576, value_parser = clap::value_parser!(u64).range(512..=1_073_741_824))]
    pub(crate) max_session_bytes: u64,

    /// Include the whole conversation, both directions, with timestamps.
    #[arg(long)]
    pub(crate) transcript: bool,
}

/// Output flags: global, so they work before or after a subcommand.
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Print one JSON object (schema in the README) instead of the human report.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// When to colour the human report.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto", global = true)]
    pub(crate) color: ColorChoice,

    /// More logging on stderr (-v: steps, -vv: the wire, escaped).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,

    /// Less output: -q prints the verdict line only, -qq nothing (use the exit code).
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "verbose", global = true)]
    pub(crate) quiet: u8,
}
