//! The client lab: every real SMTP client installed here is run against the lab's server on
//! every scenario, and what it did (read from the server's record and from its own words) must
//! be what `client_view` predicts for that scenario. The real client is the truth: a mismatch
//! is a wrong rule in the grammar crate's client table, never a reason to loosen the lab.
//!
//! One file per client adapter (tests/it/lab/<client>.rs; drivers in tests/lab/clients/),
//! registered in [`adapters`]. Outside CI a client that is not installed is printed as
//! `SKIPPED <id>: <why>`; under `CI=true` it fails the lab. `LAB_CLIENTS=id,id` runs a subset;
//! `LAB_BLESS=1` rewrites the README's matrix block; `LAB_JOBS` sets how many runs at once.

mod matrix;
mod process;
mod run;
mod scenarios;
mod server;

mod curl;
mod exim;
mod go_net_smtp;
mod jakarta_mail;
mod msmtp;
mod mta;
mod nodemailer;
mod opensmtpd;
mod openssl;
mod perl_net_smtp;
mod postfix;
mod posttls_finger;
mod python;
mod ruby_net_smtp;
mod rust_clients;
mod sendmail;
mod swaks;
mod testssl;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

pub(crate) use run::ClientRun;

/// Where the install script (.ci/install.d/50-lab-clients.sh) puts what it builds or fetches
/// (Python venv, npm modules, Go and Rust driver binaries, compiled Java).
#[allow(dead_code)] // used by the drivers built by the install script
pub(crate) fn tools_dir() -> PathBuf {
    std::env::var_os("LAB_CLIENTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/smtp-tls-check/lab"))
}

/// The repository root.
pub(crate) fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A driver script or program source under tests/lab/clients/.
#[allow(dead_code)]
pub(crate) fn driver(rel: &str) -> PathBuf {
    repo().join("tests/lab/clients").join(rel)
}

/// The message every client that sends one sends.
pub(crate) const MESSAGE: &str =
    "From: a@lab.test\r\nTo: b@mx.test\r\nSubject: lab\r\n\r\nclient lab\r\n";

/// What one run is pointed at.
pub(crate) struct Target {
    pub(crate) host: String,
    pub(crate) port: u16,
    /// PEM of the CA that signed the server's certificate (for clients that cannot skip
    /// verification; names in the certificate: mx.test, localhost, 127.0.0.1).
    #[allow(dead_code)] // for adapters (MTAs) that can only trust, not skip verification
    pub(crate) ca_file: PathBuf,
    /// A private directory for this run (config files, queues, logs).
    pub(crate) work: PathBuf,
    /// How long the client may take; past it, the run is killed and counted as a hang.
    pub(crate) deadline: Duration,
}

/// One real client: how to find it, run it once and read its verdict.
pub(crate) trait Adapter: Send + Sync {
    /// The `client_view` id whose prediction this client must act out.
    fn id(&self) -> &'static str;

    /// How it is run, in words (the README and the closing note).
    fn how(&self) -> &'static str;

    /// Its version if it can run here, or why not.
    fn detect(&self) -> Result<String, String>;

    /// The command for one run against `target` (used by the default [`Adapter::run`]).
    fn command(&self, target: &Target) -> Command;

    /// One run; the default spawns [`Adapter::command`] and kills it at the deadline.
    fn run(&self, target: &Target) -> ClientRun {
        process::spawn(self.command(target), target.deadline)
    }

    /// Whether the client said it saw STARTTLS in the EHLO reply, where its words tell.
    fn saw_starttls(&self, _run: &ClientRun) -> Option<bool> {
        None
    }

    /// How long one run may take before it counts as a hang.
    fn deadline(&self) -> Duration {
        // Long enough for an interpreter to start on a loaded machine (python took 6 s at load
        // 26 on 2 cores), shorter than the drivers' own 20 s timeouts: a hang is the client
        // waiting, never the driver giving up.
        Duration::from_secs(15)
    }

    /// False for clients whose runs share state (a spool, a fixed port): run one at a time.
    fn parallel_safe(&self) -> bool {
        true
    }
}

/// Every client adapter, in matrix order. MTAs (9c) are added here too.
pub(crate) fn adapters() -> Vec<Box<dyn Adapter>> {
    vec![
        Box::new(posttls_finger::PosttlsFinger),
        Box::new(swaks::Swaks),
        Box::new(openssl::OpensslSClient),
        Box::new(testssl::Testssl),
        Box::new(python::Smtplib),
        Box::new(python::Aiosmtplib),
        Box::new(curl::Curl),
        Box::new(msmtp::Msmtp),
        Box::new(go_net_smtp::GoNetSmtp),
        Box::new(nodemailer::Nodemailer),
        Box::new(ruby_net_smtp::RubyNetSmtp),
        Box::new(perl_net_smtp::PerlNetSmtp),
        Box::new(jakarta_mail::JakartaMail),
        Box::new(rust_clients::Lettre),
        Box::new(rust_clients::MailSend),
        // MTAs (9c): each delivers one message through tests/support/<mta>.sh.
        Box::new(postfix::Postfix),
        Box::new(exim::Exim),
        Box::new(sendmail::Sendmail),
        Box::new(opensmtpd::Opensmtpd),
    ]
}

pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The finished lab, shared by the tests below (it runs once per test binary).
fn lab() -> &'static run::LabResult {
    static LAB: OnceLock<run::LabResult> = OnceLock::new();
    LAB.get_or_init(run::run_lab)
}

/// Every scenario, every client that can run: the real client does what `client_view`
/// predicts. All mismatches are reported together.
#[test]
fn real_clients_act_out_client_view() {
    let lab = lab();
    // A client that cannot run is a failure under CI only; outside it was printed as SKIPPED.
    let mut problems = if in_ci() {
        lab.missing.clone()
    } else {
        Vec::new()
    };
    problems.extend(lab.mismatches());
    assert!(
        problems.is_empty(),
        "client lab: {} problem(s) (the real client is the truth; fix the rule in \
         crates/smtp-grammar's client table):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The README's matrix is the one the lab measured (`LAB_BLESS=1` rewrites it).
#[test]
fn readme_matrix_is_the_measured_one() {
    let lab = lab();
    let readme_path = repo().join("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("read README.md");
    if !lab.complete() {
        assert!(
            !in_ci(),
            "the lab did not run every client, so its matrix cannot be checked: {:?}",
            lab.missing
        );
        eprintln!("SKIPPED lab matrix check: not every client ran here (or LAB_CLIENTS is set)");
        return;
    }
    let measured = matrix::markdown(lab);
    if std::env::var_os("LAB_BLESS").is_some() {
        let updated = matrix::replace_block(&readme, &measured).expect("README matrix markers");
        std::fs::write(&readme_path, updated).expect("write README.md");
        eprintln!("LAB_BLESS: README matrix rewritten");
        return;
    }
    let current = matrix::block(&readme)
        .expect("README.md has no `<!-- lab-matrix:start -->` ... `<!-- lab-matrix:end -->` block");
    assert!(
        current.trim() == measured.trim(),
        "README's lab matrix differs from the measured one (run the lab with LAB_BLESS=1 and \
         review the diff).\n--- README\n{current}\n--- measured\n{measured}"
    );
}
