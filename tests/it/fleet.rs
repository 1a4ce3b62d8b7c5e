//! Fleets on job runners and the generated interface, through the real binary: `--shard auto`
//! (Kubernetes Indexed Job, Slurm array), `--rate`, shell completions and the man page.

use super::common::bin;
use super::monitor::Lab;

#[test]
fn completions_and_man_page_come_from_the_flags() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = bin().args(["completions", shell]).output().expect("run");
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("fail-on") && text.contains("prometheus-file"),
            "{shell}"
        );
    }
    let out = bin().arg("man").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.starts_with(".ie") && text.contains(".TH smtp-tls-check 1")
    );
    assert!(text.contains("crit\\-days"), "{text}");
}

#[test]
fn shard_auto_reads_the_job_runner_and_says_which() {
    let list = "a.invalid:1\nb.invalid:1\nc.invalid:1\nd.invalid:1\n";
    let run = |env: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = bin();
        cmd.env_remove("JOB_COMPLETION_INDEX")
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("SMTP_TLS_CHECK_SHARD_COUNT")
            .args(["batch", "--shard", "auto", "--timeout", "1", "--host"])
            .args(extra)
            .arg("-")
            .write_stdin(list.as_bytes().to_vec());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = run(&[], &[]);
    assert_eq!(code, 2, "no job runner: usage error: {err}");
    assert!(err.contains("JOB_COMPLETION_INDEX"), "{err}");
    let (code, _, err) = run(&[("JOB_COMPLETION_INDEX", "1")], &[]);
    assert_eq!(code, 2, "no count: {err}");
    let (_, out, err) = run(
        &[
            ("JOB_COMPLETION_INDEX", "1"),
            ("SMTP_TLS_CHECK_SHARD_COUNT", "2"),
        ],
        &[],
    );
    assert!(
        err.contains("shard 2/2 from the Kubernetes Indexed Job"),
        "{err}"
    );
    let inputs: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split("\"input\":\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(inputs.len(), 2, "{out}");
    let (_, _, err) = run(
        &[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ],
        &[],
    );
    assert!(err.contains("shard 3/4 from the Slurm array"), "{err}");
}

#[test]
fn rate_spaces_the_probes() {
    let lab = Lab::new();
    let list: String = (0..5).map(|_| format!("{}\n", lab.refused())).collect();
    let t = std::time::Instant::now();
    let (code, out, err) = lab.run(&["batch", "--rate", "5", "-"], Some(&list));
    // Five starts at 5 per second: the first at once, the last 0.8 s later.
    assert!(
        t.elapsed() >= std::time::Duration::from_millis(790),
        "{:?}",
        t.elapsed()
    );
    assert_eq!((code, out.lines().count()), (4, 5), "{err}");
    let (code, _, _) = lab.run(&["batch", "--rate", "0", "-"], Some(&list));
    assert_eq!(code, 2, "--rate 0 is a usage error");
}
