//! Running the real binary and reading its JSON.

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;
use smtp_tls_check::tls::pki::{ServerTlsOptions, TestCa, Validity};

pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) json: Value,
}

impl Run {
    pub(crate) fn finding_ids(&self) -> Vec<String> {
        self.json["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| f["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn has(&self, id: &str) -> bool {
        self.finding_ids().iter().any(|f| f == id)
    }

    pub(crate) fn finding(&self, id: &str) -> Value {
        self.json["findings"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["id"] == id).cloned())
            .unwrap_or(Value::Null)
    }

    pub(crate) fn verdict(&self) -> &str {
        self.json["verdict"].as_str().unwrap_or("")
    }
}

pub(crate) fn bin() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("smtp-tls-check").expect("binary built")
}

/// Parses one JSON report (or batch line) and checks it against `schema/report.schema.json`:
/// every JSON output of the suite goes through here.
pub(crate) fn parse_json(text: &str) -> Value {
    let value: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"));
    assert_schema(&value);
    value
}

/// Fails the test when `value` does not follow the published schema, naming each violation.
pub(crate) fn assert_schema(value: &Value) {
    static VALIDATOR: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let text = include_str!("../../schema/report.schema.json");
        let schema: Value = serde_json::from_str(text).expect("schema is JSON");
        jsonschema::draft202012::new(&schema).expect("schema compiles")
    });
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "output does not follow schema/report.schema.json:\n{}\n{value:#}",
        errors.join("\n")
    );
}

fn finish(out: Output, json: bool) -> Run {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = if json {
        if let Err(e) = serde_json::from_str::<Value>(&stdout) {
            panic!("stdout is not JSON ({e}):\n{stdout}\nstderr:\n{stderr}");
        }
        parse_json(&stdout)
    } else {
        Value::Null
    };
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout,
        stderr,
        json,
    }
}

/// Runs the binary with `--json` added.
pub(crate) fn run_json(args: &[&str]) -> Run {
    let out = bin()
        .arg("--json")
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run binary");
    finish(out, true)
}

/// Runs the binary as given (human output).
pub(crate) fn run(args: &[&str]) -> Run {
    let out = bin()
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run binary");
    finish(out, false)
}

/// Runs with stdin.
pub(crate) fn run_stdin(args: &[&str], stdin: &[u8]) -> Run {
    let json = args.contains(&"--json");
    let out = bin()
        .args(args)
        .write_stdin(stdin.to_vec())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run binary");
    finish(out, json)
}

/// A test CA, a server config for `names`, and the CA written to a PEM file for `--ca-file`.
pub(crate) struct Pki {
    pub(crate) ca: TestCa,
    pub(crate) ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Pki {
    pub(crate) fn new() -> Self {
        let ca = TestCa::new("smtp-tls-check test CA").expect("test CA");
        let dir = tempfile::tempdir().expect("tempdir");
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.cert_pem()).expect("write CA");
        Pki {
            ca,
            ca_file,
            _dir: dir,
        }
    }

    pub(crate) fn ca_arg(&self) -> &str {
        self.ca_file.to_str().expect("utf-8 temp path")
    }

    pub(crate) fn server(
        &self,
        names: &[&str],
        validity: Validity,
    ) -> std::sync::Arc<rustls::ServerConfig> {
        let id = self.ca.issue(names, validity).expect("issue");
        smtp_tls_check::tls::pki::server_config(&id, ServerTlsOptions::default())
            .expect("server config")
    }
}

/// Common probe arguments for a scripted server: its CA, its name, short timeouts.
pub(crate) fn probe_args<'a>(pki: &'a Pki, target: &'a str) -> Vec<&'a str> {
    vec![
        "--ca-file",
        pki.ca_arg(),
        "--tls-name",
        "mx.test",
        "--timeout",
        "3",
        target,
    ]
}
