//! Monitoring outputs through the real binary, for a host, a domain and a batch, checked by
//! the real readers: `promtool check metrics` (Prometheus), `xmllint --schema` against the
//! JUnit schema in tests/fixtures/junit.xsd, and the monitoring-plugins guidelines' rules for
//! the nagios output, line by line. Outside CI a missing tool prints SKIPPED; under CI=true
//! the test fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::common::{bin, Pki};
use super::dns::{servers, test_zone, Servers, TestDns};

pub(crate) fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// The path of a tool from Debian, or None (SKIPPED) outside CI; under CI a missing tool fails.
pub(crate) fn tool(path: &str, package: &str) -> Option<PathBuf> {
    let p = PathBuf::from(path);
    if p.exists() {
        return Some(p);
    }
    assert!(
        !in_ci(),
        "{path} is missing under CI: .ci/install.d/80-monitoring.sh installs {package}"
    );
    eprintln!("SKIPPED: {path} not installed (Debian package {package})");
    None
}

/// A good server (127.0.0.1), a greeting-only one (127.0.0.2), nothing on 127.0.0.3, all on
/// one port, and a DNS server for the test zone (good.test: mx1 good, mx2 greeting-only).
pub(crate) struct Lab {
    pub(crate) pki: Pki,
    _servers: Servers,
    dns: TestDns,
    pub(crate) port: String,
}

impl Lab {
    pub(crate) fn new() -> Self {
        let pki = Pki::new();
        let s = servers(&pki);
        let dns = TestDns::start(test_zone());
        Lab {
            port: s.port.clone(),
            pki,
            _servers: s,
            dns,
        }
    }

    pub(crate) fn good(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub(crate) fn bad(&self) -> String {
        format!("127.0.0.2:{}", self.port)
    }

    pub(crate) fn refused(&self) -> String {
        format!("127.0.0.3:{}", self.port)
    }

    fn args(&self) -> Vec<String> {
        [
            "--ca-file",
            self.pki.ca_arg(),
            "--tls-name",
            "mx1.good.test",
            "--resolver",
            &self.dns.resolver_arg(),
            "--timeout",
            "3",
            "--port",
            &self.port,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// Runs the binary: `extra` then the lab's flags; `stdin` for batch.
    pub(crate) fn run(&self, extra: &[&str], stdin: Option<&str>) -> (i32, String, String) {
        let mut cmd = bin();
        cmd.args(extra)
            .args(self.args())
            .timeout(std::time::Duration::from_secs(60));
        if let Some(s) = stdin {
            cmd.write_stdin(s.as_bytes().to_vec());
        }
        let out = cmd.output().expect("run binary");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn list(&self) -> String {
        format!(
            "{}\n{}\n{}\ngood.test\n",
            self.good(),
            self.bad(),
            self.refused()
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Nagios: the monitoring-plugins developer guidelines, "Plugin Output" and "Performance data".

const STATES: [&str; 4] = ["OK", "WARNING", "CRITICAL", "UNKNOWN"];

/// One perfdata item: `'label'=value[UOM];[warn];[crit];[min];[max]`.
fn check_perfdatum(item: &str) {
    let (label, rest) = if let Some(r) = item.strip_prefix('\'') {
        let end = r
            .find('\'')
            .unwrap_or_else(|| panic!("unclosed label: {item}"));
        (
            &r[..end],
            r[end + 1..]
                .strip_prefix('=')
                .unwrap_or_else(|| panic!("no '=': {item}")),
        )
    } else {
        item.split_once('=')
            .unwrap_or_else(|| panic!("no '=': {item}"))
    };
    assert!(!label.is_empty() && !label.contains(['=', '\'']), "{item}");
    let fields: Vec<&str> = rest.split(';').collect();
    assert!(fields.len() <= 5, "at most value;warn;crit;min;max: {item}");
    let value = fields[0];
    let num_end = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(value.len());
    assert!(value[..num_end].parse::<f64>().is_ok(), "value: {item}");
    let uom = &value[num_end..];
    assert!(
        ["", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c"].contains(&uom),
        "unit of measure {uom:?}: {item}"
    );
    for range in &fields[1..] {
        // Thresholds are ranges: [@][start:][end], start may be ~.
        let r = range.strip_prefix('@').unwrap_or(range);
        for part in r.split(':') {
            assert!(
                part.is_empty() || part == "~" || part.parse::<f64>().is_ok(),
                "range {range:?}: {item}"
            );
        }
    }
}

/// The whole output against the guidelines; returns the state word.
fn check_nagios(out: &str, code: i32) -> String {
    let mut lines = out.lines();
    let first = lines.next().expect("a status line");
    let rest = first
        .strip_prefix("SMTP-TLS ")
        .unwrap_or_else(|| panic!("service name first: {first}"));
    let state = STATES
        .iter()
        .find(|s| rest.starts_with(&format!("{s} - ")))
        .unwrap_or_else(|| panic!("STATE - text: {first}"));
    assert_eq!(
        code,
        STATES.iter().position(|s| s == state).expect("state") as i32,
        "exit code is the state's: {out}"
    );
    assert!(first.matches('|').count() <= 1, "one '|' at most: {first}");
    if let Some((_, perf)) = first.split_once(" | ") {
        for item in perf.split(' ') {
            check_perfdatum(item);
        }
    }
    for line in lines {
        assert!(!line.contains('|'), "long output without '|': {line}");
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
    }
    state.to_string()
}

#[test]
fn nagios_host_states_exit_codes_and_perfdata() {
    let lab = Lab::new();
    let (code, out, err) = lab.run(&["--output", "nagios", &lab.good()], None);
    assert_eq!(check_nagios(&out, code), "OK", "{out}{err}");
    let perf = out
        .lines()
        .next()
        .and_then(|l| l.split_once(" | "))
        .expect("perfdata")
        .1;
    let labels: Vec<&str> = perf
        .split(' ')
        .map(|i| i.split('=').next().unwrap_or(""))
        .collect();
    assert_eq!(
        labels,
        ["'time'", "'handshake_time'", "'cert_days_left'"],
        "{out}"
    );
    assert!(
        perf.contains(";21:"),
        "warn threshold from --warn-days: {perf}"
    );

    // --crit-days above the certificate's days left: CRITICAL, the threshold in the perfdata.
    let (code, out, _) = lab.run(
        &["--output", "nagios", "--crit-days", "400", &lab.good()],
        None,
    );
    assert_eq!(check_nagios(&out, code), "CRITICAL", "{out}");
    assert!(
        out.lines().next().unwrap_or("").contains(";21:;400:"),
        "{out}"
    );

    // The seeds' case: CRITICAL, with the finding in the long output.
    let (code, out, _) = lab.run(&["--output", "nagios", &lab.bad()], None);
    assert_eq!(check_nagios(&out, code), "CRITICAL", "{out}");
    assert!(out.contains("[error] starttls-in-greeting:"), "{out}");

    // Unreachable: the service's state (CRITICAL), not UNKNOWN (guidelines).
    let (code, out, _) = lab.run(&["--output", "nagios", &lab.refused()], None);
    assert_eq!(check_nagios(&out, code), "CRITICAL", "{out}");
    assert!(out.contains("connect-failed"), "{out}");

    // Usage errors are UNKNOWN (3), found by clap or after it.
    let (code, out, _) = lab.run(&["--output", "nagios", "--timeout", "x", &lab.good()], None);
    assert_eq!(check_nagios(&out, code), "UNKNOWN", "{out}");
    let (code, out, _) = lab.run(
        &["--output", "nagios", "--fail-on", "fail", &lab.good()],
        None,
    );
    assert_eq!(check_nagios(&out, code), "UNKNOWN", "{out}");
}

#[test]
fn nagios_domain_and_batch() {
    let lab = Lab::new();
    let (code, out, err) = lab.run(&["--output", "nagios", "good.test"], None);
    assert_eq!(check_nagios(&out, code), "CRITICAL", "{out}{err}");
    // The domain's own findings (MTA-STS, TLS-RPT) come first, as `[severity] id: ...`.
    let long: Vec<&str> = out
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with(' ') && !l.starts_with('['))
        .collect();
    assert!(out.contains("[info] mta-sts-absent: good.test"), "{out}");
    assert_eq!(long.len(), 2, "one line per MX address: {out}");
    assert!(long[0].starts_with("OK - mx1.good.test"), "{out}");
    assert!(long[1].starts_with("CRITICAL - mx2.good.test"), "{out}");
    assert!(
        out.lines().next().unwrap_or("").contains("'probes'=2"),
        "{out}"
    );

    let (code, out, err) = lab.run(&["--output", "nagios", "batch", "-"], Some(&lab.list()));
    assert_eq!(check_nagios(&out, code), "CRITICAL", "{out}{err}");
    let first = out.lines().next().unwrap_or("");
    assert!(first.contains("4 targets: 1 OK, 3 CRITICAL"), "{first}");
    assert!(first.contains("'targets'=4;;;0 'ok'=1;;;0"), "{first}");
    assert_eq!(out.lines().count(), 5, "{out}");
}

// ---------------------------------------------------------------------------------------------
// Prometheus: promtool, and the values.

fn promtool_check(promtool: &Path, text: &str) {
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("feed promtool");
    let out = child.wait_with_output().expect("promtool");
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The value of the sample whose name and labels start with `series`.
pub(crate) fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[test]
fn prometheus_output_and_textfile_pass_promtool() {
    let lab = Lab::new();
    let promtool = tool("/usr/bin/promtool", "prometheus");
    let (code, out, err) = lab.run(&["--output", "prometheus", &lab.good()], None);
    assert_eq!(code, 0, "{err}");
    let good = lab.good();
    assert_eq!(
        value(&out, &format!("probe_success{{target=\"{good}\"}}")),
        Some(1.0),
        "{out}"
    );
    assert!(out.contains("probe_tls_version_info{"), "{out}");
    assert!(
        value(&out, "probe_ssl_earliest_cert_expiry{").is_some_and(|v| v > 1.7e9),
        "{out}"
    );

    let (code, out, _) = lab.run(&["--output", "prometheus", &lab.bad()], None);
    assert_eq!(code, 3);
    assert_eq!(value(&out, "probe_success{"), Some(0.0), "{out}");
    let greeting = format!("smtp_tls_check_starttls_placement{{target=\"{}\",address=\"{}\",placement=\"greeting-only\"}}", lab.bad(), lab.bad());
    assert_eq!(value(&out, &greeting), Some(1.0), "{out}");
    assert!(out.contains("client=\"postfix\"} 0"), "{out}");
    assert!(
        out.contains("smtp_tls_check_findings{target=\"127.0.0.2"),
        "{out}"
    );
    if let Some(p) = &promtool {
        promtool_check(p, &out);
    }

    let (_, out, _) = lab.run(&["--output", "prometheus", "good.test"], None);
    assert!(out.contains("mx=\"mx2.good.test\""), "{out}");
    if let Some(p) = &promtool {
        promtool_check(p, &out);
    }

    // The textfile: written whole, by rename, nothing else left in the directory; batch
    // prints JSON lines as usual meanwhile.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("smtp.prom");
    std::fs::write(&file, "stale").expect("write");
    let path = file.to_str().expect("utf-8");
    let (code, out, err) = lab.run(
        &["batch", "--prometheus-file", path, "-"],
        Some(&lab.list()),
    );
    assert_eq!(code, 3, "{err}");
    assert_eq!(out.lines().count(), 4, "JSON lines still on stdout: {out}");
    let text = std::fs::read_to_string(&file).expect("textfile");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["smtp.prom"], "no temporary file left behind");
    assert_eq!(text.matches("\nprobe_success{").count(), 4, "{text}");
    if let Some(p) = &promtool {
        promtool_check(p, &text);
    }
}

// ---------------------------------------------------------------------------------------------
// JUnit: the schema, and the counts.

fn xmllint_check(xmllint: &Path, xml: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.xml");
    std::fs::write(&file, xml).expect("write");
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit.xsd");
    let out = Command::new(xmllint)
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&file)
        .output()
        .expect("run xmllint");
    assert!(
        out.status.success(),
        "xmllint: {}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn attr(xml: &str, element: &str, name: &str) -> Option<u64> {
    let start = xml.find(&format!("<{element} "))?;
    let tag = &xml[start..start + xml[start..].find('>')?];
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    tag[at..].split('"').next()?.parse().ok()
}

#[test]
fn junit_validates_against_the_schema() {
    let lab = Lab::new();
    let xmllint = tool("/usr/bin/xmllint", "libxml2-utils");

    let (code, xml, err) = lab.run(&["--output", "junit", &lab.good()], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(attr(&xml, "testsuites", "failures"), Some(0), "{xml}");
    assert_eq!(attr(&xml, "testsuites", "tests"), Some(5), "{xml}");

    let (code, xml, _) = lab.run(&["--output", "junit", &lab.bad()], None);
    assert_eq!(code, 3);
    assert!(xml.contains("<testcase name=\"starttls-offered\""), "{xml}");
    assert!(xml.contains("type=\"starttls-in-greeting\""), "{xml}");
    if let Some(x) = &xmllint {
        xmllint_check(x, &xml);
    }

    let (_, xml, _) = lab.run(&["--output", "junit", "good.test"], None);
    assert!(xml.contains("name=\"mx2.good.test [127.0.0.2:"), "{xml}");
    if let Some(x) = &xmllint {
        xmllint_check(x, &xml);
    }

    // A batch: a suite per target; the unreachable one is an <error>, not a <failure>.
    let (code, xml, err) = lab.run(
        &["--output", "junit", "batch", "--ordered", "-"],
        Some(&lab.list()),
    );
    assert_eq!(code, 3, "{err}");
    assert_eq!(xml.matches("<testsuite ").count(), 4, "{xml}");
    assert!(xml.contains("<error message=\""), "{xml}");
    if let Some(x) = &xmllint {
        xmllint_check(x, &xml);
    }

    // --fail-on fail: warnings pass, and the exit code follows.
    let (code, _, _) = lab.run(
        &["--output", "junit", "--fail-on", "error", &lab.bad()],
        None,
    );
    assert_eq!(code, 0, "a fail is below --fail-on error");
}

#[test]
fn fail_on_sets_which_verdict_exits_non_zero() {
    let lab = Lab::new();
    for (args, expected) in [
        (vec!["--json", "--fail-on", "warning"], 3),
        (vec!["--json", "--fail-on", "error"], 0),
        (vec!["--json", "--fail-on", "fail"], 3),
    ] {
        let mut a: Vec<&str> = args.clone();
        let bad = lab.bad();
        a.push(&bad);
        let (code, _, err) = lab.run(&a, None);
        assert_eq!(code, expected, "{args:?}: {err}");
    }
    let (code, _, _) = lab.run(&["--fail-on", "ok", "-qq", &lab.good()], None);
    assert_eq!(code, 1, "--fail-on ok: even ok fails");
    let (code, _, err) = lab.run(
        &["batch", "--fail-on", "error", "-"],
        Some(&format!("{}\n{}\n", lab.good(), lab.bad())),
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = lab.run(&["batch", "--fail-on", "error", "-"], Some(&lab.list()));
    assert_eq!(code, 3, "an unreachable target reaches --fail-on error");
}

#[test]
fn json_is_the_short_form_of_output_json() {
    let lab = Lab::new();
    let (code, a, _) = lab.run(&["--output", "json", &lab.bad()], None);
    let (_, b, _) = lab.run(&["--json", &lab.bad()], None);
    let a: serde_json::Value = serde_json::from_str(&a).expect("JSON");
    let b: serde_json::Value = serde_json::from_str(&b).expect("JSON");
    assert_eq!(
        (code, &a["verdict"], &a["summary"]),
        (3, &b["verdict"], &b["summary"])
    );
    let (code, _, err) = lab.run(&["--json", "--output", "nagios", &lab.bad()], None);
    assert_eq!(code, 3, "nagios asked for: a usage error is UNKNOWN: {err}");
    let (code, _, _) = lab.run(&["--json", "--output", "junit", &lab.bad()], None);
    assert_eq!(code, 2, "--json and --output conflict");
}
