//! The human report: terminal width, the headline, IP literals, invisible characters.

use smtp_tls_check::tls::pki::Validity;

use super::common::{probe_args, run, Pki};
use super::dns::{domain_args, servers, test_zone, TestDns};
use super::scripted::{closing, opening, tls_server, ScriptedServer};
use super::tty::run_on_terminal;

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

#[test]
fn wrapped_to_the_terminal_keeping_the_message_column() {
    let (code, screen) = run_on_terminal(&["demo", "--color", "never"], 80, None);
    assert_eq!(code, 3, "{screen}");
    for line in screen.lines() {
        assert!(
            line.chars().count() <= 80,
            "wider than the terminal: {line:?}"
        );
    }
    // Same words as the unwrapped report (only the port of the demo server differs).
    let piped = run(&["demo", "--color", "never"]);
    // Only the port of the demo server and the timings differ between two runs.
    let strip = |s: &str| {
        let s = s.split("Timings").next().unwrap_or_default();
        words(s)
            .into_iter()
            .filter(|w| !w.contains("127.0.0.1:"))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&screen), strip(&piped.stdout));
    assert!(
        piped.stdout.lines().any(|l| l.chars().count() > 80),
        "the case needs wrapping"
    );
    // A finding's message continues in its column (39), not at the left margin.
    let lines: Vec<&str> = screen.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("error   starttls-in-greeting"))
        .unwrap_or_else(|| panic!("{screen}"));
    let next = lines[at + 1];
    assert!(
        next.starts_with(&" ".repeat(39)) && !next.starts_with(&" ".repeat(40)),
        "{next:?}"
    );
}

#[test]
fn an_ip_literal_target_is_named_once() {
    let pki = Pki::new();
    let server = tls_server(pki.server(&["mx.test"], Validity::Valid));
    let target = server.target();
    let mut args = probe_args(&pki, &target);
    args.extend(["--color", "never"]);
    let r = run(&args);
    let first = r.stdout.lines().next().unwrap();
    assert_eq!(first.matches(&target).count(), 1, "{first}");
    assert!(first.starts_with(&format!("OK  {target}: ")), "{first}");
}

#[test]
fn a_named_target_on_a_loopback_address_keeps_its_name() {
    // The demo probes 127.0.0.1 under the name `demo:SCENARIO`: the name says which scenario.
    let r = run(&["demo", "compliant", "--color", "never"]);
    let first = r.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("OK  demo:compliant (127.0.0.1:"),
        "{first}"
    );
}

#[test]
fn domain_headline_says_what_is_wrong_without_repeating_the_name() {
    let pki = Pki::new();
    let s = servers(&pki);
    let dns = TestDns::start(test_zone());
    let resolver = dns.resolver_arg();
    let mut args = domain_args(&pki, &resolver, &s.port, "good.test");
    args.extend(["--color", "never"]);
    let r = run(&args);
    assert_eq!(r.code, 3, "{}", r.stdout);
    let first = r.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("FAIL  domain good.test: mx2.good.test (127.0.0.2:"),
        "{first}"
    );
    assert!(first.contains("greeting"), "says what is wrong: {first}");
    assert!(first.contains("[2 MX, 2 probes: 1 ok, 1 fail]"), "{first}");
    assert!(!first.contains("good.test: good.test"), "{first}");
}

#[test]
fn trailing_spaces_in_evidence_are_visible() {
    // STARTTLS on the greeting line, with a trailing space nobody can see.
    let mut steps = opening("250-STARTTLS \r\n250-mx.test\r\n250 SIZE 1000\r\n");
    steps.extend(closing());
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let r = run(&["--timeout", "3", "--color", "never", &target]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(
        r.stdout.contains("evidence: 250-STARTTLS\u{2420}"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(" 250-STARTTLS\u{2420} "), "{}", r.stdout);
    // JSON keeps the bytes as they were.
    let j = super::common::run_json(&["--timeout", "3", &target]);
    assert_eq!(
        j.finding("starttls-in-greeting")["evidence"],
        "250-STARTTLS "
    );
}
