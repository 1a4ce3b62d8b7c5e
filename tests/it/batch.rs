//! `batch` through the real binary: JSON Lines, order, shards, summary, stdin.

use std::collections::BTreeSet;

use serde_json::Value;

use super::common::{bin, Pki};
use super::dns::{servers, test_zone, TestDns};

struct BatchRun {
    code: i32,
    lines: Vec<Value>,
    stderr: String,
}

fn batch(args: &[&str], stdin: Option<&str>) -> BatchRun {
    let mut cmd = bin();
    cmd.arg("batch")
        .args(args)
        .timeout(std::time::Duration::from_secs(60));
    if let Some(input) = stdin {
        cmd.write_stdin(input.as_bytes().to_vec());
    }
    let out = cmd.output().expect("run binary");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines = stdout.lines().map(super::common::parse_json).collect();
    BatchRun {
        code: out.status.code().unwrap_or(-1),
        lines,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The identifying input of one output line (host or domain).
fn input_of(v: &Value) -> String {
    v["target"]["input"]
        .as_str()
        .or(v["input"].as_str())
        .unwrap_or("")
        .to_string()
}

struct Fleet {
    _pki: Pki,
    _servers: super::dns::Servers,
    _dns: TestDns,
    ca: String,
    resolver: String,
    good: String,
    bad: String,
    refused: String,
    port: String,
}

fn fleet() -> Fleet {
    let pki = Pki::new();
    let s = servers(&pki);
    let dns = TestDns::start(test_zone());
    Fleet {
        ca: pki.ca_arg().to_string(),
        resolver: dns.resolver_arg(),
        good: format!("127.0.0.1:{}", s.port),
        bad: format!("127.0.0.2:{}", s.port),
        refused: format!("127.0.0.3:{}", s.port),
        port: s.port.clone(),
        _pki: pki,
        _servers: s,
        _dns: dns,
    }
}

impl Fleet {
    fn args<'a>(&'a self, extra: &[&'a str]) -> Vec<&'a str> {
        let mut v = vec![
            "--ca-file",
            &self.ca,
            "--tls-name",
            "mx1.good.test",
            "--resolver",
            &self.resolver,
            "--timeout",
            "3",
            // For the domains: every MX at the scripted servers' port.
            "--port",
            &self.port,
        ];
        v.extend_from_slice(extra);
        v
    }

    fn list(&self) -> String {
        format!(
            "# a fleet\n{good}\n\n{bad}   # greeting-only\nnot a host\n{refused}\n  {good}  \n",
            good = self.good,
            bad = self.bad,
            refused = self.refused
        )
    }
}

#[test]
fn json_lines_one_per_target_bad_lines_and_failures_are_results() {
    let f = fleet();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("fleet.txt");
    std::fs::write(&file, f.list()).expect("write list");
    let path = file.to_str().expect("utf-8");
    let mut args = f.args(&["--ordered"]);
    args.push(path);
    let r = batch(&args, None);
    let verdicts: Vec<&str> = r
        .lines
        .iter()
        .map(|l| l["verdict"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        verdicts,
        ["ok", "fail", "error", "error", "ok"],
        "{}",
        r.stderr
    );
    assert_eq!(r.lines[2]["findings"][0]["id"], "invalid-target");
    assert_eq!(r.lines[2]["target"]["input"], "not a host");
    assert_eq!(r.lines[3]["findings"][0]["id"], "connect-failed");
    for l in &r.lines {
        assert_eq!(l["schema_version"], 1);
    }
    // A TLS problem found (fail, 3) outranks the targets that could not be diagnosed (4).
    assert_eq!(r.code, 3, "the worst verdict's exit code");
    assert!(r.stderr.contains("5 targets"), "{}", r.stderr);
    assert!(r.stderr.contains("invalid-target"), "{}", r.stderr);
}

#[test]
fn ordered_keeps_input_order_with_slow_targets_first() {
    let f = fleet();
    // A domain (DNS, two MX) and a refused address before fast hosts; concurrency 4.
    let input = format!(
        "good.test\n{r}\n{g}\n{g}\n{g}\n{b}\n{g}\nnull.test\n{g}\n",
        r = f.refused,
        g = f.good,
        b = f.bad
    );
    let r = batch(
        &f.args(&["--ordered", "--concurrency", "4", "-"]),
        Some(&input),
    );
    let inputs: Vec<String> = r.lines.iter().map(input_of).collect();
    let expected: Vec<String> = input.lines().map(str::to_string).collect();
    assert_eq!(inputs, expected, "{}", r.stderr);
    assert_eq!(r.lines[0]["kind"], "domain");
    assert_eq!(r.lines[0]["verdict"], "fail");
    assert_eq!(r.lines[7]["findings"][0]["id"], "null-mx");
}

#[test]
fn shards_partition_the_list_exactly() {
    let f = fleet();
    let mut input = String::from("# header\n");
    for i in 0..9 {
        input.push_str(&format!("{}\n", if i % 3 == 0 { &f.bad } else { &f.good }));
        if i == 4 {
            input.push_str("\n# middle\n");
        }
    }
    let run = |shard: &str| -> Vec<String> {
        let r = batch(&f.args(&["--ordered", "--shard", shard, "-"]), Some(&input));
        r.lines.iter().map(input_of).collect()
    };
    let one = run("1/2");
    let two = run("2/2");
    assert_eq!(one.len(), 5);
    assert_eq!(two.len(), 4);
    let targets: Vec<&str> = input
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    // Line i goes to shard (i mod 2) + 1.
    for (i, t) in targets.iter().enumerate() {
        let mine = if i % 2 == 0 { &one[i / 2] } else { &two[i / 2] };
        assert_eq!(mine, t);
    }
    for bad in ["0/2", "3/2", "1/0", "x"] {
        let r = batch(&f.args(&["--shard", bad, "-"]), Some(&input));
        assert_eq!(r.code, 2, "--shard {bad}");
    }
}

#[test]
fn json_summary_counts_verdicts_and_findings() {
    let f = fleet();
    let r = batch(&f.args(&["--json", "-"]), Some(&f.list()));
    let (summary, results) = r.lines.split_last().expect("lines");
    assert_eq!(results.len(), 5);
    let s = &summary["summary"];
    assert_eq!(s["targets"], 5, "{summary}");
    assert_eq!(s["verdicts"]["ok"], 2);
    assert_eq!(s["verdicts"]["fail"], 1);
    assert_eq!(s["verdicts"]["error"], 2);
    assert_eq!(s["verdicts"]["warning"], 0);
    assert_eq!(s["worst"], "fail");
    assert_eq!(s["findings"]["invalid-target"], 1);
    assert_eq!(s["findings"]["connect-failed"], 1);
    assert_eq!(s["findings"]["starttls-in-greeting"], 1);
    // Unordered: every target exactly once all the same.
    let got: BTreeSet<String> = results.iter().map(input_of).collect();
    assert_eq!(got.len(), 4, "two identical good lines, {got:?}");
    assert_eq!(r.code, 3, "fail outranks error");
}

#[test]
fn empty_list_is_ok() {
    let f = fleet();
    let r = batch(&f.args(&["--json", "-"]), Some("# nothing\n\n"));
    assert_eq!(r.lines.len(), 1);
    assert_eq!(r.lines[0]["summary"]["targets"], 0);
    assert_eq!(r.code, 0);
}
