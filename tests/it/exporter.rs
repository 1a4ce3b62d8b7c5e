//! `serve` scraped by a real Prometheus server (Debian's `prometheus`), started here on
//! loopback with a private configuration that relabels targets into `__param_target` as users
//! configure blackbox_exporter; the series are read back through Prometheus' HTTP API. One
//! target is hostile (accepts and never speaks): its scrape must end within Prometheus'
//! timeout without holding up the others.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::common::bin;
use super::monitor::{tool, value, Lab};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A plain HTTP/1.0 GET from the test side; returns (status, headers+body text).
fn http_get(addr: &str, path: &str, headers: &[(&str, &str)]) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    let mut resp = String::new();
    s.read_to_string(&mut resp)?;
    let status = resp
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = resp
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    Ok((status, body))
}

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Starts `serve` on 127.0.0.1:0 and returns it with its address, read from its stderr.
fn start_serve(args: &[String]) -> (Killed, String) {
    let exe = bin().get_program().to_owned();
    let mut child = Command::new(exe)
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("serve said where it listens")
            .expect("read");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap_or_default().to_string();
        }
    };
    // Keep draining stderr so the exporter never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Killed(child), addr)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn try_query(prom: &str, q: &str) -> Option<Vec<Value>> {
    let (status, body) = http_get(prom, &format!("/api/v1/query?query={}", encode(q)), &[]).ok()?;
    if status != 200 {
        return None;
    }
    let v: Value = serde_json::from_str(&body).ok()?;
    v["data"]["result"].as_array().cloned()
}

fn query(prom: &str, q: &str) -> Vec<Value> {
    try_query(prom, q).unwrap_or_else(|| panic!("Prometheus query {q} failed"))
}

/// The value of the series of `q` whose `instance` is `instance`.
fn series(prom: &str, q: &str, instance: &str) -> Option<f64> {
    query(prom, q)
        .iter()
        .find(|r| r["metric"]["instance"] == instance)
        .and_then(|r| r["value"][1].as_str()?.parse().ok())
}

#[test]
fn probe_answers_like_blackbox_and_bounds_hostile_targets() {
    let lab = Lab::new();
    let ca = lab.pki.ca_arg().to_string();
    let (_serve, addr) = start_serve(&[
        "--ca-file".into(),
        ca,
        "--tls-name".into(),
        "mx1.good.test".into(),
    ]);
    let (status, body) =
        http_get(&addr, &format!("/probe?target={}", lab.good()), &[]).expect("probe");
    assert_eq!(status, 200, "{body}");
    assert_eq!(value(&body, "probe_success "), Some(1.0), "{body}");
    assert!(
        !body.contains("target=\""),
        "no target label: Prometheus adds instance"
    );

    // A target that accepts and never speaks: the answer comes by the announced deadline.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_addr = silent.local_addr().expect("addr").to_string();
    let t = Instant::now();
    let (status, body) = http_get(
        &addr,
        &format!("/probe?target={silent_addr}"),
        &[("X-Prometheus-Scrape-Timeout-Seconds", "1.5")],
    )
    .expect("probe");
    assert_eq!(status, 200, "{body}");
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(value(&body, "probe_success "), Some(0.0), "{body}");

    let (status, _) = http_get(&addr, "/probe", &[]).expect("probe");
    assert_eq!(status, 400, "no target");
    let (status, _) = http_get(&addr, "/probe?target=x&module=nope", &[]).expect("probe");
    assert_eq!(status, 400, "unknown module");
    let (_, metrics) = http_get(&addr, "/metrics", &[]).expect("metrics");
    assert_eq!(
        value(
            &metrics,
            "smtp_tls_check_exporter_probes_total{result=\"success\"}"
        ),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        value(
            &metrics,
            "smtp_tls_check_exporter_probes_total{result=\"rejected\"}"
        ),
        Some(2.0),
        "{metrics}"
    );
    drop(silent);
}

#[test]
fn prometheus_scrapes_the_exporter_through_relabelling() {
    let Some(prometheus) = tool("/usr/bin/prometheus", "prometheus") else {
        return;
    };
    let lab = Lab::new();
    let dir = tempfile::tempdir().expect("tempdir");
    // A module from --config: the same flags as the command line.
    let modules = dir.path().join("modules.toml");
    std::fs::write(
        &modules,
        format!(
            "[modules.lab]\nargs = [\"--ca-file\", {:?}, \"--tls-name\", \"mx1.good.test\", \"--timeout\", \"3\"]\n",
            lab.pki.ca_arg()
        ),
    )
    .expect("write modules");
    let (_serve, exporter) = start_serve(&["--config".into(), modules.display().to_string()]);
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_addr = silent.local_addr().expect("addr").to_string();

    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            r#"global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: smtp-tls
    metrics_path: /probe
    params:
      module: [lab]
    static_configs:
      - targets: ['{good}', '{bad}', '{silent}']
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: '{exporter}'
  - job_name: exporter
    static_configs:
      - targets: ['{exporter}']
"#,
            good = lab.good(),
            bad = lab.bad(),
            silent = silent_addr,
        ),
    )
    .expect("write config");
    let port = free_port();
    let prom = format!("127.0.0.1:{port}");
    let _p = Killed(
        Command::new(prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={prom}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus"),
    );

    // Wait until every target has been scraped at least twice.
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        // Refused until Prometheus listens; 503 until it is ready.
        let ready = try_query(&prom, "count_over_time(up[1m]) >= 2").unwrap_or_default();
        if ready.len() == 4 {
            break;
        }
        assert!(
            Instant::now() < until,
            "Prometheus did not scrape every target: {ready:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(series(&prom, "probe_success", &lab.good()), Some(1.0));
    assert_eq!(series(&prom, "probe_success", &lab.bad()), Some(0.0));
    assert_eq!(
        series(
            &prom,
            "smtp_tls_check_starttls_placement{placement=\"greeting-only\"}",
            &lab.bad()
        ),
        Some(1.0)
    );
    assert_eq!(
        series(
            &prom,
            "smtp_tls_check_client_sees_starttls{client=\"postfix\"}",
            &lab.bad()
        ),
        Some(0.0)
    );
    assert!(series(&prom, "probe_ssl_earliest_cert_expiry", &lab.good()).is_some_and(|v| v > 1.7e9));
    let version = query(&prom, "probe_tls_version_info");
    assert!(
        version.iter().any(|r| r["metric"]["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("TLS 1."))),
        "{version:?}"
    );
    // The hostile target: its scrapes succeed (up 1) within the 1 s timeout, the probe fails.
    assert_eq!(series(&prom, "up", &silent_addr), Some(1.0));
    assert_eq!(series(&prom, "probe_success", &silent_addr), Some(0.0));
    assert!(series(&prom, "scrape_duration_seconds", &silent_addr).is_some_and(|d| d < 1.0));
    assert_eq!(series(&prom, "up{job=\"exporter\"}", &exporter), Some(1.0));
    // The exporter's own counter, as Prometheus last scraped it: scrapes of the exporter and of
    // the probes interleave, so wait for one that came after two good probes.
    let until = Instant::now() + Duration::from_secs(20);
    while !series(
        &prom,
        "smtp_tls_check_exporter_probes_total{result=\"success\"}",
        &exporter,
    )
    .is_some_and(|n| n >= 2.0)
    {
        assert!(
            Instant::now() < until,
            "the exporter never counted two good probes"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    drop(silent);
}
