//! Running the lab: a server per (client, scenario), the clients in parallel with a deadline
//! each, the prediction from the binary's JSON, and the comparison.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use smtp_tls_check::tls::pki::Validity;

pub(crate) use super::process::{deb_version, version_line, ClientRun, Exit};
use super::scenarios::{self, Scenario};
use super::server::{LabServer, Record};
use super::{adapters, in_ci, Adapter, Target};
use crate::it::common::Pki;

/// What a real client did on one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Sent STARTTLS and completed the TLS handshake.
    Tls,
    /// Sent STARTTLS, but the handshake did not complete (a lab defect: the client must be
    /// told to accept the test certificate).
    TlsFailed,
    /// No STARTTLS; went on or finished in plaintext.
    Plain,
    /// No STARTTLS; gave up with an error.
    Error,
    /// No STARTTLS; still waiting at the deadline.
    Hang,
}

impl Outcome {
    /// The matrix cell.
    pub(crate) fn cell(self) -> &'static str {
        match self {
            Outcome::Tls => "TLS",
            Outcome::TlsFailed => "TLS failed",
            Outcome::Plain => "plain",
            Outcome::Error => "error",
            Outcome::Hang => "hang",
        }
    }

    fn of(record: &Record, run: &ClientRun) -> Self {
        if record.starttls {
            return if record.handshake_ok {
                Outcome::Tls
            } else {
                Outcome::TlsFailed
            };
        }
        match run.exit {
            Exit::Deadline => Outcome::Hang,
            Exit::Code(0) => Outcome::Plain,
            _ if record.mail_plain => Outcome::Plain,
            _ => Outcome::Error,
        }
    }
}

/// One client on one scenario.
pub(crate) struct Cell {
    pub(crate) scenario: &'static str,
    pub(crate) outcome: Outcome,
    pub(crate) saw: Option<bool>,
    pub(crate) record: Record,
    pub(crate) run: ClientRun,
}

impl Cell {
    /// The `client_view` outcomes this run is consistent with. A client that sent STARTTLS
    /// without seeing it (its own words say so) "sends anyway"; one that stopped because it
    /// did not see STARTTLS (its words say so) is `no-tls`, one that stopped for another
    /// reason `errors`.
    pub(crate) fn allowed_outcomes(&self) -> &'static [&'static str] {
        match (self.outcome, self.saw) {
            (Outcome::Tls | Outcome::TlsFailed, Some(true)) => &["upgrades"],
            (Outcome::Tls | Outcome::TlsFailed, Some(false)) => &["sends-anyway"],
            (Outcome::Tls | Outcome::TlsFailed, None) => &["upgrades", "sends-anyway"],
            (Outcome::Plain, _) => &["no-tls"],
            (Outcome::Error, Some(false)) => &["no-tls"],
            (Outcome::Error, _) => &["errors"],
            (Outcome::Hang, _) => &["hangs"],
        }
    }

    /// The matrix cell: the outcome, and `TLS anyway` for STARTTLS sent without seeing it.
    pub(crate) fn label(&self) -> &'static str {
        match (self.outcome, self.saw) {
            (Outcome::Tls, Some(false)) => "TLS anyway",
            (o, _) => o.cell(),
        }
    }
}

/// One client over every scenario.
pub(crate) struct ClientResult {
    pub(crate) id: &'static str,
    pub(crate) how: &'static str,
    pub(crate) version: String,
    pub(crate) cells: Vec<Cell>,
}

pub(crate) struct LabResult {
    pub(crate) scenarios: Vec<Scenario>,
    pub(crate) clients: Vec<ClientResult>,
    /// Scenario id -> client id -> the binary's `client_view` entry.
    pub(crate) predictions: BTreeMap<&'static str, BTreeMap<String, Value>>,
    /// Clients that could not run (under CI: failures).
    pub(crate) missing: Vec<String>,
    /// Set when only some clients were asked for (LAB_CLIENTS).
    pub(crate) subset: bool,
    pub(crate) elapsed: Duration,
}

impl LabResult {
    pub(crate) fn complete(&self) -> bool {
        self.missing.is_empty() && !self.subset
    }

    /// Every difference between a prediction and what the real client did.
    pub(crate) fn mismatches(&self) -> Vec<String> {
        let mut out = Vec::new();
        for client in &self.clients {
            for cell in &client.cells {
                if let Some(m) = mismatch(client, cell, self.predictions.get(cell.scenario)) {
                    out.push(m);
                }
            }
        }
        out
    }
}

fn mismatch(
    client: &ClientResult,
    cell: &Cell,
    predictions: Option<&BTreeMap<String, Value>>,
) -> Option<String> {
    let head = format!("{} {} on `{}`:", client.id, client.version, cell.scenario);
    let words = last_words(&cell.run);
    if cell.outcome == Outcome::TlsFailed {
        return Some(format!(
            "{head} lab defect: STARTTLS sent but the handshake failed ({}); {words}",
            cell.record
                .handshake_error
                .as_deref()
                .unwrap_or("client went away")
        ));
    }
    let Some(p) = predictions.and_then(|m| m.get(client.id)) else {
        return Some(format!("{head} client_view has no entry for this client"));
    };
    let will_upgrade = p["will_upgrade"].as_bool();
    let sees = p["sees_starttls"].as_bool();
    let mut wrong = Vec::new();
    if will_upgrade != Some(cell.record.starttls) {
        wrong.push(format!(
            "predicted will_upgrade={}, the client {} STARTTLS",
            fmt_opt(will_upgrade),
            if cell.record.starttls {
                "sent"
            } else {
                "did not send"
            }
        ));
    }
    if let (Some(saw), Some(pred)) = (cell.saw, sees) {
        if saw != pred {
            wrong.push(format!(
                "predicted sees_starttls={pred}, the client says it {} it",
                if saw { "saw" } else { "did not see" }
            ));
        }
    }
    // The model's `outcome` (upgrades | sends-anyway | no-tls | hangs | errors) must be one
    // the measured run allows.
    if let Some(predicted) = p.get("outcome").and_then(Value::as_str) {
        let allowed = cell.allowed_outcomes();
        if !allowed.contains(&predicted) {
            wrong.push(format!(
                "predicted outcome `{predicted}`, measured allows only {allowed:?}"
            ));
        }
    }
    if wrong.is_empty() {
        return None;
    }
    Some(format!(
        "{head} {} (measured: {}; commands: {}; {words})",
        wrong.join("; "),
        cell.outcome.cell(),
        cell.record.commands.join(" | ")
    ))
}

fn fmt_opt(b: Option<bool>) -> String {
    b.map_or_else(|| "(missing)".into(), |b| b.to_string())
}

/// The client's last non-empty output line, for messages (escaped, bounded).
pub(crate) fn last_words(run: &ClientRun) -> String {
    let exit = match run.exit {
        Exit::Code(c) => format!("exit {c}"),
        Exit::Signal => "killed by a signal".into(),
        Exit::Deadline => format!(
            "killed at the deadline after {:.1}s",
            run.elapsed.as_secs_f32()
        ),
    };
    let line = run
        .output()
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .take(160)
        .flat_map(char::escape_debug)
        .collect::<String>();
    format!("{exit}, last words: \"{line}\"")
}

/// The prediction: the binary run on the scenario, `--no-tls`, its `client_view` by id.
fn predict(
    rt: &tokio::runtime::Runtime,
    scenario: &Scenario,
    tls: &Arc<rustls::ServerConfig>,
) -> BTreeMap<String, Value> {
    let server = LabServer::start(rt, scenario.ehlo.clone().into(), tls.clone());
    let target = server.addr.to_string();
    let out = crate::it::common::run_json(&["--host", "--no-tls", "--timeout", "5", &target]);
    out.json["client_view"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| Some((e["client"].as_str()?.to_string(), e.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// One unit of work: some scenarios of one client, run in order.
struct Job {
    client: usize,
    scenarios: Vec<usize>,
}

pub(crate) fn run_lab() -> LabResult {
    let start = Instant::now();
    let wanted: Option<Vec<String>> = std::env::var("LAB_CLIENTS")
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    let all = adapters();
    let subset = wanted.is_some();
    let mut missing = Vec::new();
    let mut ready: Vec<(Box<dyn Adapter>, String)> = Vec::new();
    for a in all {
        if wanted
            .as_ref()
            .is_some_and(|w| !w.iter().any(|id| id == a.id()))
        {
            continue;
        }
        match a.detect() {
            Ok(version) => ready.push((a, version)),
            Err(why) => {
                let line = format!("{}: not runnable here: {why}", a.id());
                if !in_ci() {
                    eprintln!("SKIPPED {line}");
                }
                missing.push(line);
            }
        }
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("lab runtime");
    let pki = Pki::new();
    let tls = pki.server(&["mx.test", "localhost", "127.0.0.1"], Validity::Valid);
    let only: Option<Vec<String>> = std::env::var("LAB_SCENARIOS")
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    let subset = subset || only.is_some();
    let scenarios: Vec<Scenario> = scenarios::all()
        .into_iter()
        .filter(|s| only.as_ref().is_none_or(|o| o.iter().any(|id| id == s.id)))
        .collect();

    let predictions = scenarios
        .iter()
        .map(|s| (s.id, predict(&rt, s, &tls)))
        .collect();

    let mut jobs = Vec::new();
    for (i, (a, _)) in ready.iter().enumerate() {
        if a.parallel_safe() {
            jobs.extend((0..scenarios.len()).map(|s| Job {
                client: i,
                scenarios: vec![s],
            }));
        } else {
            jobs.push(Job {
                client: i,
                scenarios: (0..scenarios.len()).collect(),
            });
        }
    }
    // The longest first, so they overlap the many short ones: serial jobs, then the clients
    // with the longest deadlines (testssl.sh, the JVM).
    jobs.sort_by_key(|j| {
        (
            std::cmp::Reverse(j.scenarios.len()),
            std::cmp::Reverse(ready[j.client].0.deadline()),
        )
    });

    let workers = std::env::var("LAB_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6usize)
        .max(1);
    let queue = Mutex::new(jobs.into_iter());
    let done: Mutex<Vec<(usize, usize, Cell)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let Some(job) = queue.lock().ok().and_then(|mut q| q.next()) else {
                    return;
                };
                let (adapter, _) = &ready[job.client];
                for s in job.scenarios {
                    let cell = run_one(&rt, adapter.as_ref(), &scenarios[s], &tls, &pki);
                    if let Ok(mut d) = done.lock() {
                        d.push((job.client, s, cell));
                    }
                }
            });
        }
    });

    let mut done = done.into_inner().unwrap_or_default();
    done.sort_by_key(|(c, s, _)| (*c, *s));
    let mut clients: Vec<ClientResult> = ready
        .iter()
        .map(|(a, v)| ClientResult {
            id: a.id(),
            how: a.how(),
            version: v.clone(),
            cells: Vec::new(),
        })
        .collect();
    for (c, _, cell) in done {
        clients[c].cells.push(cell);
    }
    let result = LabResult {
        scenarios,
        clients,
        predictions,
        missing,
        subset,
        elapsed: start.elapsed(),
    };
    eprintln!(
        "client lab: {} client(s) x {} scenario(s) in {:.1}s",
        result.clients.len(),
        result.scenarios.len(),
        result.elapsed.as_secs_f32()
    );
    if std::env::var_os("LAB_VERBOSE").is_some() {
        eprintln!("{}", super::matrix::details(&result));
    }
    result
}

fn run_one(
    rt: &tokio::runtime::Runtime,
    adapter: &dyn Adapter,
    scenario: &Scenario,
    tls: &Arc<rustls::ServerConfig>,
    pki: &Pki,
) -> Cell {
    let server = LabServer::start(rt, scenario.ehlo.clone().into(), tls.clone());
    let work = tempfile::tempdir().expect("tempdir");
    let target = Target {
        host: "127.0.0.1".into(),
        port: server.addr.port(),
        ca_file: pki.ca_file.clone(),
        work: work.path().to_path_buf(),
        deadline: adapter.deadline(),
    };
    let run = adapter.run(&target);
    // Let the server finish recording what the client's last bytes did.
    std::thread::sleep(Duration::from_millis(100));
    let record = server.record();
    let outcome = Outcome::of(&record, &run);
    let saw = adapter.saw_starttls(&run);
    Cell {
        scenario: scenario.id,
        outcome,
        saw,
        record,
        run,
    }
}
