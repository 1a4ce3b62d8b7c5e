//! Every flag means what it says, wherever it is written: misplaced options, typos, bad values.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use super::common::{bin, run, run_json};

#[test]
fn probe_options_before_a_subcommand_are_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "127.0.0.1:1\n").unwrap();
    let list = list.to_str().unwrap();
    let r = run(&[
        "--ca-file",
        "/nonexistent",
        "--tls-name",
        "mx.test",
        "batch",
        list,
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--ca-file, --tls-name"), "{}", r.stderr);
    assert!(r.stderr.contains("after the sub-command"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "nothing probed: {}", r.stdout);

    for flag in [
        &["--no-tls"][..],
        &["--transcript"],
        &["--timeout", "3"],
        &["--ca-file", "/nonexistent"],
    ] {
        let mut args = flag.to_vec();
        args.push("demo");
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(flag[0]), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn parse_refuses_probe_options_and_a_target() {
    let r = run(&["--ca-file", "/nonexistent", "parse", "-"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--ca-file has no meaning for `parse`"),
        "{}",
        r.stderr
    );
    let r = run(&["mx.example.test", "parse", "/nonexistent"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("\"mx.example.test\""), "{}", r.stderr);
    // Global output options stay fine before a sub-command.
    let r = run_json(&["--color", "never", "demo", "--list"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_mistyped_subcommand_gets_did_you_mean_not_a_lookup() {
    for (typo, hint) in [
        ("pars", "smtp-tls-check parse"),
        ("dmeo", "smtp-tls-check demo"),
        ("version", "smtp-tls-check --version"),
        ("hepl", "smtp-tls-check --help"),
        ("bacth", "smtp-tls-check batch"),
    ] {
        let r = run(&[typo]);
        assert_eq!(r.code, 2, "{typo}: {}", r.stderr);
        assert!(r.stderr.contains(hint), "{typo}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{typo}: {}", r.stdout);
    }
    // A name that extends a sub-command's is a target: looked up (at a loopback resolver
    // that does not answer, so nothing leaves the machine), not refused.
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let resolver = sock.local_addr().unwrap().to_string();
    drop(sock);
    for name in ["demos", "batches"] {
        let r = run(&["--resolver", &resolver, "--timeout", "1", name]);
        assert_eq!(r.code, 4, "{name}: {}", r.stderr);
        assert!(!r.stderr.contains("did you mean"), "{}", r.stderr);
    }
}

#[test]
fn a_bad_tls_name_is_a_usage_error_naming_the_flag() {
    let r = run(&["--tls-name", "bad name!", "127.0.0.1:1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--tls-name"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

#[test]
fn timeouts_out_of_range_say_what_is_allowed() {
    for value in ["0", "-1", "-0.5", "90000", "nan", "ten"] {
        let r = run(&["--timeout", value, "127.0.0.1:1"]);
        assert_eq!(r.code, 2, "{value}: {}", r.stderr);
        assert!(r.stderr.contains("--timeout"), "{value}: {}", r.stderr);
        assert!(!r.stderr.contains("-- -1"), "{value}: {}", r.stderr);
        if value != "ten" {
            assert!(
                r.stderr.contains("more than 0 and at most 86400"),
                "{value}: {}",
                r.stderr
            );
        }
    }
    let r = run(&["--connect-timeout=-1", "127.0.0.1:1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--connect-timeout"), "{}", r.stderr);
}

#[test]
fn clap_messages_follow_color() {
    let out = bin()
        .args(["--color", "always", "--no-such-flag"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.contains(&0x1b), "coloured when asked");
    let out = bin()
        .args(["--color=never", "--no-such-flag"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !out.stderr.contains(&0x1b),
        "--color never wins over the environment"
    );
}

#[test]
fn batch_into_a_closed_pipe_still_exits_with_the_worst_verdict() {
    // Many lines that are not targets: each an `invalid-target` error (exit 4), and far more
    // output than a pipe buffers, so the reader's exit is seen.
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "not a target!\n".repeat(20_000)).unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("smtp-tls-check"))
        .args(["batch", "--no-progress", list.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("invalid-target"), "{first}");
    // The reader is gone (`| head -1`).
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("stdout closed"));
}

#[test]
fn web_urls_are_refused_with_a_hint_and_smtp_urls_understood() {
    let r = run(&["https://example.com/"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("web address"), "{}", r.stderr);
    assert!(r.stderr.contains("example.com"), "{}", r.stderr);
    // smtps:// means TLS from the first byte on 465 unless a port is given. Port 1 on
    // loopback refuses: the report says what was tried.
    let r = run_json(&["--timeout", "2", "smtps://127.0.0.1:1"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert_eq!(r.json["target"]["implicit_tls"], true);
    assert_eq!(r.json["target"]["port"], 1);
    assert!(r.stderr.contains("TLS from the first byte"), "{}", r.stderr);
    let r = run_json(&["--timeout", "2", "smtp://127.0.0.1:1/"]);
    assert_eq!(r.json["target"]["implicit_tls"], false);
    assert_eq!(r.json["target"]["host"], "127.0.0.1");
}

#[test]
fn a_port_flag_and_a_different_port_in_the_target_conflict() {
    let r = run(&["-p", "587", "127.0.0.1:25"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--port 587 conflicts"), "{}", r.stderr);
}

#[test]
fn a_mail_address_probes_its_domain_saying_so() {
    // An unused DNS port on loopback: the lookup fails, which is enough to see that the
    // domain (not "user@...") was looked up as a mail domain.
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let resolver = sock.local_addr().unwrap().to_string();
    drop(sock);
    let r = run_json(&[
        "--resolver",
        &resolver,
        "--timeout",
        "1",
        "postmaster@example.test",
    ]);
    assert_eq!(r.json["kind"], "domain", "{}", r.stdout);
    assert_eq!(r.json["domain"], "example.test");
    assert!(
        r.stderr
            .contains("probing the mail servers of its domain example.test"),
        "{}",
        r.stderr
    );
    let r = run(&["--host", "postmaster@example.test"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn demo_list_json_is_json_and_demo_help_lists_only_what_it_accepts() {
    let r = run_json(&["demo", "--list"]);
    assert_eq!(r.code, 0);
    let names: Vec<&str> = r.json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"seeds-broken"), "{names:?}");
    let help = run(&["demo", "--help"]);
    assert_eq!(help.code, 0);
    for refused in ["--ca-file", "--port", "--implicit-tls"] {
        assert!(
            !help.stdout.contains(refused),
            "{refused} listed:\n{}",
            help.stdout
        );
        let r = run(&["demo", refused, "1"]);
        assert_eq!(r.code, 2, "{refused}");
    }
    // Every option demo's help does list is accepted (those that take a value get one).
    let dir = tempfile::tempdir().unwrap();
    let prom = dir.path().join("demo.prom").to_string_lossy().into_owned();
    for line in help.stdout.lines() {
        // Option lines start at column 2 (`-p, --port`) or 6 (`--implicit-tls`); wrapped
        // descriptions are indented further.
        let indent = line.len() - line.trim_start().len();
        if indent != 2 && indent != 6 {
            continue;
        }
        let line = line.trim_start();
        let Some(rest) = line.strip_prefix("--").or_else(|| {
            line.strip_prefix('-')
                .and_then(|l| l.split_once(", --").map(|(_, r)| r))
        }) else {
            continue;
        };
        let flag: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        // --client-cert/--client-key take a pair of real files: see connflags.rs.
        if matches!(
            flag.as_str(),
            "help" | "list" | "version" | "client-cert" | "client-key"
        ) || flag.is_empty()
        {
            continue;
        }
        let takes_value = rest[flag.len()..].trim_start().starts_with('<');
        let value = match flag.as_str() {
            "tls-version" => "any",
            "color" => "never",
            "tls-name" | "helo" => "mx.test",
            "max-line-length" => "512",
            "source" => "127.0.0.1",
            "clients" => "mta",
            "output" => "json",
            "fail-on" => "fail",
            "prometheus-file" => prom.as_str(),
            "max-reply-bytes" => "65536",
            "max-session-bytes" => "1048576",
            _ => "5",
        };
        let mut args = vec!["demo".to_string(), "compliant".into(), format!("--{flag}")];
        if takes_value {
            args.push(value.into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&args);
        assert_ne!(
            r.code, 2,
            "demo --help lists --{flag} but demo refuses it: {}",
            r.stderr
        );
    }
}

#[test]
fn reports_carry_kind_mode_timestamp_and_version() {
    let r = run_json(&["demo", "compliant"]);
    assert_eq!(r.json["kind"], "host");
    assert_eq!(r.json["mode"], "demo");
    assert_eq!(r.json["tool_version"], env!("CARGO_PKG_VERSION"));
    let ts = r.json["timestamp"].as_str().unwrap();
    assert!(ts.ends_with('Z') && ts.len() == 20, "{ts}");
    let r = super::common::run_stdin(&["parse", "--json"], b"250-mx.test\r\n250 STARTTLS\r\n");
    assert_eq!(r.json["kind"], "paste");
    assert_eq!(r.json["mode"], "parse");
}

#[test]
fn clicolor_force_colours_a_pipe_and_no_color_outranks_it() {
    let out = bin()
        .args(["demo"])
        .env("CLICOLOR_FORCE", "1")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(out.stdout.contains(&0x1b), "CLICOLOR_FORCE colours a pipe");
    let out = bin()
        .args(["demo"])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!out.stdout.contains(&0x1b), "NO_COLOR wins");
}

#[test]
fn parse_on_a_terminal_says_how_to_finish_the_paste() {
    let (code, screen) = super::tty::run_on_terminal(
        &["parse", "--color", "never"],
        100,
        Some(b"250-mx.test\n250 STARTTLS\n\x04"),
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("then press Ctrl-D"), "{screen}");
    // Not when the paste comes from a pipe.
    let r = super::common::run_stdin(&["parse"], b"250-mx.test\r\n250 STARTTLS\r\n");
    assert!(!r.stderr.contains("Ctrl-D"), "{}", r.stderr);
}
