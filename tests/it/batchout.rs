//! `batch` output for people and for pipes: line numbers, escaping, the terminal form, -q.

use smtp_tls_check::tls::pki::Validity;

use super::common::{bin, parse_json, Pki};
use super::scripted::tls_server;
use super::tty::run_on_terminal;

fn list(dir: &tempfile::TempDir, content: &[u8]) -> String {
    let path = dir.path().join("list.txt");
    std::fs::write(&path, content).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn invalid_targets_carry_their_line_and_are_escaped_once() {
    let dir = tempfile::tempdir().unwrap();
    let raw: &[u8] = b"\xff\xfe\\x";
    let mut content = b"# a comment\n\nnot a target!\n".to_vec();
    content.extend_from_slice(raw);
    content.push(b'\n');
    let path = list(&dir, &content);
    let out = bin()
        .args(["batch", "--ordered", "--no-progress", &path])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<_> = stdout.lines().map(parse_json).collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let msg = |v: &serde_json::Value| v["findings"][0]["message"].as_str().unwrap().to_string();
    assert!(msg(&lines[0]).starts_with("line 3: "), "{}", msg(&lines[0]));
    assert!(msg(&lines[1]).starts_with("line 4: "), "{}", msg(&lines[1]));
    let expected = smtp_tls_check::smtp_grammar::escape_bytes(raw);
    assert_eq!(expected, "\\xff\\xfe\\\\x");
    assert_eq!(
        lines[1]["target"]["input"],
        expected.as_str(),
        "escaped once"
    );
    assert_eq!(lines[1]["findings"][0]["evidence"], expected.as_str());
}

#[test]
fn on_a_terminal_one_line_per_target_and_quiet_levels() {
    let pki = Pki::new();
    let server = tls_server(pki.server(&["mx.test"], Validity::Valid));
    let dir = tempfile::tempdir().unwrap();
    let path = list(
        &dir,
        format!("{}\nnot a target!\n", server.target()).as_bytes(),
    );
    let base = [
        "batch",
        "--no-progress",
        "--ordered",
        "--color",
        "never",
        "--ca-file",
        pki.ca_arg(),
        "--tls-name",
        "mx.test",
        "--timeout",
        "3",
    ];
    let with = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        a.push(&path);
        run_on_terminal(&a, 200, None)
    };
    let (code, screen) = with(&[]);
    assert_eq!(code, 4, "{screen}");
    assert!(!screen.contains('{'), "no JSON on a terminal:\n{screen}");
    let verdicts: Vec<&str> = screen
        .lines()
        .filter(|l| l.starts_with("OK") || l.starts_with("ERROR"))
        .collect();
    assert_eq!(verdicts.len(), 2, "{screen}");
    assert!(verdicts[0].starts_with("OK"), "{screen}");
    assert!(screen.contains("2 targets"), "summary:\n{screen}");

    let (code, screen) = with(&["-q"]);
    assert_eq!(code, 4);
    assert!(!screen.lines().any(|l| l.starts_with("OK")), "{screen}");
    assert!(screen.lines().any(|l| l.starts_with("ERROR")), "{screen}");
    assert!(
        !screen.contains("2 targets"),
        "-q drops the summary:\n{screen}"
    );

    let (code, screen) = with(&["-qq"]);
    assert_eq!(code, 4);
    assert!(screen.trim().is_empty(), "{screen}");

    // --json on a terminal still means JSON.
    let (_, screen) = with(&["--json"]);
    assert!(
        screen.lines().filter(|l| l.starts_with('{')).count() >= 2,
        "{screen}"
    );
}

#[test]
fn progress_rate_is_whole_targets_per_second() {
    // A listener that never speaks keeps the run going long enough for the spinner to draw.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = listener.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let path = list(&dir, format!("{silent}\n").as_bytes());
    let (_, screen) = run_on_terminal(
        &["batch", "--color", "never", "--timeout", "1.5", &path],
        120,
        None,
    );
    drop(listener);
    let rate = screen
        .split("targets done (")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .unwrap_or_else(|| panic!("no progress line:\n{screen:?}"));
    assert!(rate.ends_with("/s"), "{rate:?}");
    assert!(
        rate.trim_end_matches("/s")
            .bytes()
            .all(|b| b.is_ascii_digit()),
        "{rate:?}"
    );
}

#[test]
fn list_lines_understand_smtp_urls_and_refuse_web_urls() {
    let dir = tempfile::tempdir().unwrap();
    let path = list(&dir, b"https://example.com/\nsmtps://127.0.0.1:1\n");
    let out = bin()
        .args([
            "batch",
            "--ordered",
            "--no-progress",
            "--timeout",
            "1",
            &path,
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<_> = stdout.lines().map(parse_json).collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let web = lines[0]["findings"][0]["message"].as_str().unwrap();
    assert!(
        web.contains("line 1: ") && web.contains("web address"),
        "{web}"
    );
    assert_eq!(lines[1]["target"]["implicit_tls"], true, "{stdout}");
    assert_eq!(lines[1]["target"]["port"], 1);
}
