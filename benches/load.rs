//! Loopback load bench: the real binary's `batch` against a local STARTTLS server (the demo's
//! `compliant` scenario: STARTTLS, TLS 1.3, a certificate verified against its own CA).
//!
//! `cargo bench --bench load` runs N probes (LOAD_N, default 2000) at each concurrency of
//! LOAD_CONCURRENCY (default 1,64,256) and reports probes/s, client CPU per probe (user+sys of the client process, from
//! `/usr/bin/time`) and the client's peak RSS; then 4N at 256 to show memory does not grow with
//! the list. The server runs in this process, so its CPU is not counted.
//!
//! `cargo bench --bench load -- --serve` only starts the server and prints
//! `PORT CA_PEM_PATH TLS_NAME`, for `scripts/bench-compare.sh`.

use std::io::Write;
use std::process::Command;
use std::time::Duration;

use smtp_tls_check::demo::{find_scenario, DemoServer, DEMO_TLS_NAME};

struct Measure {
    wall: f64,
    user: f64,
    sys: f64,
    max_rss_kib: u64,
    lines: usize,
}

fn run_batch(list: &std::path::Path, ca: &std::path::Path, concurrency: usize) -> Measure {
    let bin = env!("CARGO_BIN_EXE_smtp-tls-check");
    let out = Command::new("/usr/bin/time")
        .args([
            "-f",
            "TIME %e %U %S %M",
            bin,
            "batch",
            "--no-progress",
            "-q",
        ])
        .arg("--concurrency")
        .arg(concurrency.to_string())
        .arg("--ca-file")
        .arg(ca)
        .args(["--tls-name", DEMO_TLS_NAME, "--timeout", "30"])
        .arg(list)
        .output()
        .expect("run /usr/bin/time smtp-tls-check batch");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ok = stdout
        .lines()
        .filter(|l| l.contains("\"verdict\":\"ok\""))
        .count();
    let lines = stdout.lines().count();
    assert_eq!(ok, lines, "every probe should be ok; stderr: {stderr}");
    let t = stderr
        .lines()
        .find_map(|l| l.strip_prefix("TIME "))
        .expect("time output");
    let f: Vec<f64> = t
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    Measure {
        wall: f[0],
        user: f[1],
        sys: f[2],
        max_rss_kib: f[3] as u64,
        lines,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo test --benches` passes no flag and must not run a long bench.
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let serve = args.iter().any(|a| a == "--serve");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let scenario = find_scenario("compliant").expect("compliant scenario");
    let server = runtime
        .block_on(DemoServer::start(scenario))
        .expect("start the demo server");
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &server.ca_pem).expect("write CA");

    if serve {
        println!("{} {} {}", server.addr.port(), ca.display(), DEMO_TLS_NAME);
        let _ = std::io::stdout().flush();
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }

    let n: usize = std::env::var("LOAD_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let write_list = |count: usize| {
        let path = dir.path().join(format!("list-{count}.txt"));
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("list"));
        for _ in 0..count {
            writeln!(f, "{}", server.addr).expect("write list");
        }
        f.flush().expect("flush list");
        path
    };
    let list = write_list(n);
    println!(
        "load: {n} probes (STARTTLS + verification) against {} per run",
        server.addr
    );
    println!(
        "{:>11} {:>8} {:>9} {:>10} {:>15} {:>13}",
        "concurrency", "probes", "wall s", "probes/s", "CPU/probe ms", "peak RSS MiB"
    );
    // LOAD_CONCURRENCY: a comma-separated list of concurrencies (default 1,64,256).
    let levels: Vec<usize> = std::env::var("LOAD_CONCURRENCY")
        .unwrap_or_else(|_| "1,64,256".to_string())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let mut runs: Vec<(usize, std::path::PathBuf)> =
        levels.iter().map(|&c| (c, list.clone())).collect();
    runs.push((256, write_list(n * 4)));
    for (c, path) in runs {
        let m = run_batch(&path, &ca, c);
        println!(
            "{:>11} {:>8} {:>9.2} {:>10.0} {:>15.3} {:>13.1}",
            c,
            m.lines,
            m.wall,
            m.lines as f64 / m.wall.max(0.001),
            (m.user + m.sys) * 1000.0 / m.lines.max(1) as f64,
            m.max_rss_kib as f64 / 1024.0
        );
    }
    drop(server);
}
