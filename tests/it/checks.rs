//! Issue 12 through the real binary against scripted servers: the active checks
//! (--check-enforcement, --check-injection, --samples), auth-before-tls, not-smtp, and the
//! exact failure names. Every case also finishes within --timeout + 1 s. Fixed ports (25, 465,
//! 587: the checks judge by port) only on this loopback range 127.12.0.0/16.

use std::time::{Duration, Instant};

use smtp_tls_check::tls::pki::Validity;

use super::common::{run, run_json, Pki, Run};
use super::dns::{a, Answer, TestDns};
use super::scripted::{
    closing, compliant_steps, opening, send, ScriptedServer, Step, GOOD_EHLO, TLS_EHLO,
};

const STEP: &str = "3";

/// The probe with its usual arguments, `--timeout 3`, the extra flags; asserts the run took
/// no longer than the timeout plus one second.
pub(crate) fn probe(pki: &Pki, target: &str, extra: &[&str]) -> Run {
    probe_as(pki.ca_arg(), "mx.test", target, extra)
}

/// As [`probe`], trusting the CA in `ca_file` and checking the certificate for `tls_name`.
pub(crate) fn probe_as(ca_file: &str, tls_name: &str, target: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "--ca-file",
        ca_file,
        "--tls-name",
        tls_name,
        "--timeout",
        STEP,
    ];
    args.extend_from_slice(extra);
    args.push(target);
    let started = Instant::now();
    let r = run_json(&args);
    let limit = Duration::from_secs(STEP.parse::<u64>().unwrap_or(3) + 1);
    assert!(
        started.elapsed() <= limit,
        "took {:?} (limit {limit:?}): {}",
        started.elapsed(),
        r.stdout
    );
    r
}

/// Banner, EHLO, then the enforcement check's MAIL and RSET answered as given, then STARTTLS.
fn enforcement_steps(pki: &Pki, mail_reply: &str) -> Vec<Step> {
    let mut steps = opening(GOOD_EHLO);
    steps.extend([
        Step::Expect("MAIL FROM:<>"),
        send(mail_reply),
        Step::Expect("RSET"),
        send("250 2.0.0 Ok\r\n"),
    ]);
    let rest = compliant_steps(pki.server(&["mx.test"], Validity::Valid));
    steps.extend(rest.into_iter().skip(3));
    steps
}

/// `--check-enforcement` against a scripted server on `addr` (the port decides what the
/// check expects) that answers the check's MAIL with `mail_reply`. The server is returned
/// for what it received.
fn check_enforcement(addr: &str, mail_reply: &str) -> (ScriptedServer, Run) {
    let pki = Pki::new();
    let s = ScriptedServer::start_on(addr, enforcement_steps(&pki, mail_reply));
    let r = probe(&pki, &s.target(), &["--check-enforcement"]);
    (s, r)
}

const MUST_STARTTLS: &str = "530 5.7.0 Must issue a STARTTLS command first\r\n";

fn no_rcpt_or_data(server: &ScriptedServer) {
    let got = server.received();
    assert!(
        !got.iter()
            .any(|c| c.starts_with("RCPT") || c.starts_with("DATA")),
        "{got:?}"
    );
}

// --- --check-enforcement -----------------------------------------------------------------

#[test]
fn rfc3207_4_mx_on_25_that_requires_tls_is_a_warning() {
    let (s, r) = check_enforcement("127.12.1.25:25", MUST_STARTTLS);
    let f = r.finding("starttls-enforced");
    assert_eq!(f["severity"], "warning", "{}", r.stdout);
    assert!(f["evidence"].to_string().contains("530"), "{f}");
    assert_eq!((r.verdict(), r.code), ("warning", 1), "{}", r.stdout);
    no_rcpt_or_data(&s);
    assert!(s.received().iter().any(|c| c == "RSET"));
}

#[test]
fn rfc8314_submission_587_that_takes_mail_without_tls_is_an_error() {
    let (s, r) = check_enforcement("127.12.1.87:587", "250 2.1.0 Ok\r\n");
    assert_eq!(r.finding("starttls-not-enforced")["severity"], "error");
    assert_eq!((r.verdict(), r.code), ("fail", 3), "{}", r.stdout);
    no_rcpt_or_data(&s);
}

#[test]
fn submission_587_that_requires_tls_is_ok() {
    let (_s, r) = check_enforcement("127.12.2.87:587", MUST_STARTTLS);
    assert_eq!(r.finding("starttls-enforced")["severity"], "info");
    assert_eq!((r.verdict(), r.code), ("ok", 0), "{}", r.stdout);
}

#[test]
fn mx_on_25_that_takes_mail_without_tls_is_as_it_should_be() {
    let (_s, r) = check_enforcement("127.12.2.25:25", "250 2.1.0 Ok\r\n");
    assert_eq!(r.finding("starttls-not-enforced")["severity"], "info");
    assert_eq!((r.verdict(), r.code), ("ok", 0), "{}", r.stdout);
}

/// RFC 4954 6: "530 5.7.0 Authentication required" to MAIL before AUTH is about AUTH, not TLS;
/// reading it as RFC 3207's 530 would call a server that never asked for TLS "enforced".
#[test]
fn submission_530_authentication_required_is_not_tls_enforced() {
    let (s, r) = check_enforcement("127.12.3.87:587", "530 5.7.0 Authentication required\r\n");
    assert!(!r.has("starttls-enforced"), "{}", r.stdout);
    assert!(!r.has("starttls-not-enforced"), "{}", r.stdout);
    let f = r.finding("unexpected-reply");
    assert_eq!(f["severity"], "info", "{f}");
    let msg = f["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("530") && msg.contains("authentication"),
        "{msg}"
    );
    assert!(
        f["evidence"]
            .to_string()
            .contains("Authentication required"),
        "{f}"
    );
    assert_eq!((r.verdict(), r.code), ("ok", 0), "{}", r.stdout);
    no_rcpt_or_data(&s);
}

/// A 4xx is temporary: `454 TLS not available` to MAIL is not a server requiring TLS.
#[test]
fn a_temporary_refusal_naming_tls_is_not_tls_enforced() {
    let (_s, r) = check_enforcement(
        "127.12.3.25:25",
        "454 4.7.0 TLS not available due to local problem\r\n",
    );
    assert!(!r.has("starttls-enforced"), "{}", r.stdout);
    assert_eq!(r.finding("unexpected-reply")["severity"], "info");
    assert_eq!((r.verdict(), r.code), ("ok", 0), "{}", r.stdout);
}

/// RFC 5321 3.8: 421 closes the session. The probe must not go on to STARTTLS and then blame
/// STARTTLS for the silence; TLS was not tested, so there is no verdict (exit 4).
#[test]
fn a_421_to_the_enforcement_mail_ends_the_session_without_a_tls_verdict() {
    let pki = Pki::new();
    let mut steps = opening(GOOD_EHLO);
    steps.extend([
        Step::Expect("MAIL FROM:<>"),
        send("421 4.3.2 mx.test Service shutting down\r\n"),
        Step::Hang,
    ]);
    let s = ScriptedServer::start(steps);
    let r = probe(&pki, &s.target(), &["--check-enforcement"]);
    assert!(!r.has("timeout"), "{}", r.stdout);
    assert!(!s.received().iter().any(|c| c.starts_with("STARTTLS")));
    let f = r.finding("connection-closed");
    assert!(f["message"].to_string().contains("not tested"), "{f}");
    assert_eq!(r.finding("unexpected-reply")["severity"], "info");
    assert_eq!((r.verdict(), r.code), ("error", 4), "{}", r.stdout);
}

/// A MAIL that is never answered stops the session at the check, before STARTTLS: the
/// timeout is reported, but it is no verdict on STARTTLS or TLS (exit 4, not "fail").
#[test]
fn an_unanswered_enforcement_mail_is_no_verdict_on_tls() {
    let pki = Pki::new();
    let mut steps = opening(GOOD_EHLO);
    steps.extend([Step::Expect("MAIL FROM:<>"), Step::Hang]);
    let s = ScriptedServer::start(steps);
    let r = probe(&pki, &s.target(), &["--check-enforcement"]);
    let f = r.finding("timeout");
    assert!(f["message"].to_string().contains("check"), "{f}");
    assert_eq!((r.verdict(), r.code), ("error", 4), "{}", r.stdout);
}

// --- --check-injection -------------------------------------------------------------------

/// `--check-injection` against a server that, once TLS is up, goes on with `inside`.
fn check_injection(inside: Vec<Step>) -> Run {
    let pki = Pki::new();
    let s = ScriptedServer::start(injection_steps(&pki, inside));
    probe(&pki, &s.target(), &["--check-injection"])
}

fn injection_steps(pki: &Pki, inside: Vec<Step>) -> Vec<Step> {
    let mut steps = opening(GOOD_EHLO);
    steps.extend([
        Step::Expect("STARTTLS"),
        send("220 go ahead\r\n"),
        Step::StartTls(pki.server(&["mx.test"], Validity::Valid)),
    ]);
    steps.extend(inside);
    steps
}

#[test]
fn cve_2011_0411_answer_inside_tls_is_command_injection() {
    // As a vulnerable server does: the NOOP it buffered before TLS is answered inside it.
    let mut inside = vec![
        send("250 2.0.0 Ok\r\n"),
        Step::Expect("EHLO"),
        send(TLS_EHLO),
    ];
    inside.extend(closing());
    let r = check_injection(inside);
    let f = r.finding("starttls-command-injection");
    assert_eq!(f["severity"], "error", "{}", r.stdout);
    assert_eq!((r.verdict(), r.code), ("fail", 3), "{}", r.stdout);
}

#[test]
fn a_late_answer_inside_tls_is_still_command_injection() {
    let mut inside = vec![
        Step::Sleep(Duration::from_millis(2200)),
        send("250 2.0.0 Ok\r\n"),
        Step::Expect("EHLO"),
        send(TLS_EHLO),
    ];
    inside.extend(closing());
    let r = check_injection(inside);
    assert!(r.has("starttls-command-injection"), "{}", r.stdout);
    assert_eq!(r.code, 3);
}

/// A greeting sent again inside TLS (as some servers behind a TLS proxy do) is not an answer
/// to the injected NOOP: NOOP is never answered 220.
#[test]
fn a_220_greeting_repeated_inside_tls_is_not_command_injection() {
    let mut inside = vec![
        send("220 mx.test ESMTP\r\n"),
        Step::Expect("EHLO"),
        send(TLS_EHLO),
    ];
    inside.extend(closing());
    let r = check_injection(inside);
    assert!(!r.has("starttls-command-injection"), "{}", r.stdout);
    assert!(r.has("starttls-injection-not-vulnerable"), "{}", r.stdout);
}

/// A one-line EHLO reply and a 250 to QUIT look like a late injected answer shifting the
/// replies, but also like an odd server that injects nothing: not a confident "vulnerable".
#[test]
fn a_one_line_ehlo_reply_and_250_to_quit_is_inconclusive_not_vulnerable() {
    let inside = vec![
        Step::Expect("EHLO"),
        send("250 mx.test\r\n"),
        Step::Expect("QUIT"),
        send("250 bye\r\n"),
    ];
    let r = check_injection(inside);
    assert!(!r.has("starttls-command-injection"), "{}", r.stdout);
    assert!(!r.has("starttls-injection-not-vulnerable"), "{}", r.stdout);
    let f = r.finding("starttls-injection-inconclusive");
    assert!(
        f["message"].to_string().contains("cannot be told apart"),
        "{f}"
    );
}

/// --check-injection asked for, but no STARTTLS to test: the report says so instead of
/// saying nothing about the check.
#[test]
fn injection_without_a_starttls_offer_says_it_was_not_tested() {
    let pki = Pki::new();
    let mut steps = opening("250-mx.test\r\n250 8BITMIME\r\n");
    steps.extend(closing());
    let s = ScriptedServer::start(steps);
    let r = probe(&pki, &s.target(), &["--check-injection"]);
    let f = r.finding("starttls-injection-inconclusive");
    assert!(
        f["message"].to_string().contains("does not offer STARTTLS"),
        "{f}"
    );
    assert!(!r.has("starttls-injection-not-vulnerable"));
    assert!(r.has("starttls-not-offered"), "{:?}", r.finding_ids());
    assert_eq!((r.verdict(), r.code), ("fail", 3), "{}", r.stdout);
}

#[test]
fn a_server_that_discards_the_pipelined_command_is_not_vulnerable() {
    let pki = Pki::new();
    let s = ScriptedServer::start(compliant_steps(pki.server(&["mx.test"], Validity::Valid)));
    let r = probe(&pki, &s.target(), &["--check-injection"]);
    assert_eq!(
        r.finding("starttls-injection-not-vulnerable")["severity"],
        "info",
        "{}",
        r.stdout
    );
    assert!(!r.has("starttls-command-injection"));
    assert_eq!((r.verdict(), r.code), ("ok", 0), "{}", r.stdout);
}

#[test]
fn a_server_dead_inside_tls_is_inconclusive_not_safe() {
    let r = check_injection(vec![Step::Hang]);
    assert!(r.has("starttls-injection-inconclusive"), "{}", r.stdout);
    assert!(!r.has("starttls-injection-not-vulnerable"));
    assert!(!r.has("starttls-command-injection"));
    assert!(r.has("timeout"), "{:?}", r.finding_ids());
}

// --- --samples ---------------------------------------------------------------------------

const NO_STARTTLS_EHLO: &str = "250-mx.test\r\n250 8BITMIME\r\n";

/// Two scripted servers on the same port of 127.12.0.1 and 127.12.0.2.
fn pair(first: Vec<Step>, second: Vec<Step>) -> (ScriptedServer, ScriptedServer) {
    for _ in 0..20 {
        let one = ScriptedServer::start_on("127.12.0.1:0", first.clone());
        let bind = format!("127.12.0.2:{}", one.addr.port());
        if std::net::TcpListener::bind(&bind).is_ok() {
            return (one, ScriptedServer::start_on(&bind, second));
        }
    }
    panic!("no common free port on 127.12.0.1 and 127.12.0.2");
}

/// `lb.test` with two A records, 127.12.0.1 and 127.12.0.2.
fn lb_dns() -> TestDns {
    TestDns::start(vec![(
        "lb.test.",
        Answer::Records(vec![a([127, 12, 0, 1]), a([127, 12, 0, 2])]),
    )])
}

fn probe_pair(pki: &Pki, port: u16, samples: &str) -> Run {
    let dns = lb_dns();
    let target = format!("lb.test:{port}");
    let resolver = dns.resolver_arg();
    probe(
        pki,
        &target,
        &["--host", "--resolver", &resolver, "--samples", samples],
    )
}

#[test]
fn load_balanced_pair_with_one_node_without_starttls_is_intermittent() {
    let pki = Pki::new();
    let mut plain = opening(NO_STARTTLS_EHLO);
    plain.extend(closing());
    let (good, _bad) = pair(
        compliant_steps(pki.server(&["mx.test"], Validity::Valid)),
        plain,
    );
    let r = probe_pair(&pki, good.addr.port(), "3");
    let f = r.finding("starttls-intermittent");
    assert_eq!(f["severity"], "error", "{}", r.stdout);
    let msg = f["message"].as_str().unwrap_or_default();
    assert!(msg.contains("3 of 6 offered STARTTLS"), "{msg}");
    assert!(msg.contains("3 of 6 did not offer STARTTLS"), "{msg}");
    let evidence = f["evidence"].as_str().unwrap_or_default();
    assert!(
        evidence.contains("127.12.0.1:") && evidence.contains("127.12.0.2:"),
        "{evidence}"
    );
    assert_eq!((r.verdict(), r.code), ("fail", 3), "{}", r.stdout);
}

#[test]
fn nodes_that_differ_only_in_their_banner_name_are_information() {
    let pki = Pki::new();
    let config = pki.server(&["mx.test"], Validity::Valid);
    let mut second = compliant_steps(config.clone());
    second[0] = send("220 node2.mx.test ESMTP\r\n");
    let (one, _two) = pair(compliant_steps(config), second);
    let r = probe_pair(&pki, one.addr.port(), "2");
    let f = r.finding("starttls-intermittent");
    assert_eq!(f["severity"], "info", "{}", r.stdout);
    assert!(f["message"].to_string().contains("node2.mx.test"), "{f}");
    assert_eq!((r.verdict(), r.code), ("ok", 0), "{}", r.stdout);
}

#[test]
fn nodes_with_different_certificates_are_a_warning() {
    let pki = Pki::new();
    let (one, _two) = pair(
        compliant_steps(pki.server(&["mx.test"], Validity::Valid)),
        compliant_steps(pki.server(&["mx.test"], Validity::Valid)),
    );
    let r = probe_pair(&pki, one.addr.port(), "2");
    let f = r.finding("starttls-intermittent");
    assert_eq!(f["severity"], "warning", "{}", r.stdout);
    assert_eq!((r.verdict(), r.code), ("warning", 1), "{}", r.stdout);
}

/// A node that refuses sessions (here: `421` instead of a greeting, as a server limiting
/// connections does) says nothing about STARTTLS: the sessions that reached EHLO all got it,
/// so "some senders get TLS and some do not" would be a wrong answer.
#[test]
fn a_node_that_refuses_sessions_is_not_intermittent_starttls() {
    let pki = Pki::new();
    let (one, _two) = pair(
        compliant_steps(pki.server(&["mx.test"], Validity::Valid)),
        vec![send(
            "421 4.7.0 mx.test Too many connections, try later\r\n",
        )],
    );
    let r = probe_pair(&pki, one.addr.port(), "2");
    let f = r.finding("starttls-intermittent");
    assert_eq!(f["severity"], "warning", "{}", r.stdout);
    let msg = f["message"].as_str().unwrap_or_default();
    assert!(msg.contains("2 of 4 offered STARTTLS"), "{msg}");
    assert!(!msg.contains("did not offer"), "{msg}");
    assert!(!msg.contains("some senders get TLS"), "{msg}");
    assert_eq!((r.verdict(), r.code), ("warning", 1), "{}", r.stdout);
}

#[test]
fn samples_that_agree_say_so() {
    let pki = Pki::new();
    let s = ScriptedServer::start(compliant_steps(pki.server(&["mx.test"], Validity::Valid)));
    let r = probe(&pki, &s.target(), &["--samples", "4"]);
    let f = r.finding("samples-consistent");
    assert!(f["message"].to_string().contains("all 4 sessions"), "{f}");
    assert!(!r.has("starttls-intermittent"));
    assert_eq!((r.verdict(), r.code), ("ok", 0));
    let ehlos = s
        .received()
        .iter()
        .filter(|c| c.starts_with("EHLO"))
        .count();
    assert_eq!(ehlos, 8, "4 sessions, each EHLO before and inside TLS");
}

// --- auth-before-tls ---------------------------------------------------------------------

#[test]
fn auth_plain_before_tls_is_an_error_challenge_response_a_warning() {
    let pki = Pki::new();
    for (mechs, severity, code) in [("PLAIN LOGIN", "error", 3), ("CRAM-MD5", "warning", 1)] {
        let ehlo = format!("250-mx.test\r\n250-AUTH {mechs}\r\n250 STARTTLS\r\n");
        let mut steps = opening(&ehlo);
        let rest = compliant_steps(pki.server(&["mx.test"], Validity::Valid));
        steps.extend(rest.into_iter().skip(3));
        let s = ScriptedServer::start(steps);
        let r = probe(&pki, &s.target(), &[]);
        let f = r.finding("auth-before-tls");
        assert_eq!(f["severity"], severity, "{}", r.stdout);
        assert!(f["message"].to_string().contains(mechs), "{f}");
        assert_eq!(r.code, code, "{}", r.stdout);
    }
}

// --- not-smtp, said at once --------------------------------------------------------------

fn first_bytes_case(bytes: &[u8], expect: &str) -> Run {
    let pki = Pki::new();
    let s = ScriptedServer::start(vec![Step::Send(bytes.to_vec()), Step::Hang]);
    let started = Instant::now();
    let r = probe(&pki, &s.target(), &[]);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "not at once: {:?}",
        started.elapsed()
    );
    assert!(r.has(expect), "{:?}: {}", r.finding_ids(), r.stdout);
    assert_eq!((r.verdict(), r.code), ("error", 4), "{}", r.stdout);
    r
}

#[test]
fn ssh_banner_is_not_smtp() {
    let r = first_bytes_case(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", "not-smtp");
    assert!(r.finding("not-smtp")["message"].to_string().contains("SSH"));
}

#[test]
fn http_answer_is_not_smtp() {
    let r = first_bytes_case(
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "not-smtp",
    );
    assert!(r.finding("not-smtp")["message"]
        .to_string()
        .contains("HTTP"));
}

#[test]
fn tls_record_is_not_smtp_and_suggests_implicit_tls() {
    // A TLS alert record (handshake_failure), as a TLS-only port may send.
    let r = first_bytes_case(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28], "not-smtp");
    let hint = r.finding("not-smtp")["hint"].to_string();
    assert!(hint.contains("--implicit-tls"), "{hint}");
}

#[test]
fn random_bytes_without_a_line_end_instead_of_the_banner_are_malformed_at_once() {
    first_bytes_case(b"\x8f\x13\xa7\xeez\x01\x99", "malformed-reply");
}

#[test]
fn random_bytes_then_close_instead_of_the_ehlo_reply_are_malformed_reply() {
    let pki = Pki::new();
    let s = ScriptedServer::start(vec![
        send("220 mx.test ESMTP\r\n"),
        Step::Expect("EHLO"),
        Step::Send(b"\xfe\x00\x13garbage".to_vec()),
        Step::Close,
    ]);
    let r = probe(&pki, &s.target(), &[]);
    assert!(r.has("malformed-reply"), "{:?}", r.finding_ids());
    assert!(!r.has("connection-closed"), "{:?}", r.finding_ids());
    assert_eq!(r.code, 4);
}

/// A port that speaks TLS from the first byte: the handshake, then SMTP inside.
fn implicit_steps(pki: &Pki) -> Vec<Step> {
    let mut steps = vec![Step::StartTls(pki.server(&["mx.test"], Validity::Valid))];
    steps.extend(opening("250-mx.test\r\n250 AUTH PLAIN\r\n"));
    steps.extend(closing());
    steps
}

#[test]
fn tls_only_port_465_probed_without_implicit_tls_gets_the_hint() {
    let pki = Pki::new();
    let s = ScriptedServer::start_on("127.12.4.65:465", implicit_steps(&pki));
    let r = probe(&pki, &s.target(), &[]);
    assert!(r.has("timeout"), "{:?}", r.finding_ids());
    let hint = r.finding("timeout")["hint"].to_string();
    assert!(
        hint.contains("--implicit-tls") && hint.contains("465"),
        "{hint}"
    );
    assert_eq!(r.code, 4);

    let r = probe(&pki, &s.target(), &["--implicit-tls"]);
    assert_eq!((r.verdict(), r.code), ("ok", 0), "{}", r.stdout);
    assert_eq!(r.json["tls"]["mode"], "implicit");
    // AUTH inside implicit TLS is not before TLS.
    assert!(!r.has("auth-before-tls"));
}

#[test]
fn plaintext_220_under_implicit_tls_is_shown_and_starttls_suggested() {
    let pki = Pki::new();
    let s = ScriptedServer::start(compliant_steps(pki.server(&["mx.test"], Validity::Valid)));
    let r = probe(&pki, &s.target(), &["--implicit-tls"]);
    let f = r.finding("tls-handshake-failed");
    assert!(
        f["evidence"].to_string().starts_with("\"220 mx.test"),
        "{f}"
    );
    assert!(
        f["hint"].to_string().contains("without --implicit-tls"),
        "{f}"
    );
    assert_eq!(r.json["tls"]["handshake_error"]["cause"], "not-tls");
    assert_eq!(r.code, 3);
}

#[test]
fn plaintext_right_after_the_220_instead_of_a_server_hello_is_not_tls() {
    let pki = Pki::new();
    let mut steps = opening(GOOD_EHLO);
    steps.extend([
        Step::Expect("STARTTLS"),
        // One write: the 220 and plaintext where the ServerHello belongs; then the server
        // hangs up.
        send("220 ready\r\n500 5.5.1 Error: command not recognized\r\n"),
        Step::Sleep(Duration::from_millis(100)),
        Step::Close,
    ]);
    let s = ScriptedServer::start(steps);
    let r = probe(&pki, &s.target(), &[]);
    assert!(
        !r.has("starttls-response-injection"),
        "{:?}",
        r.finding_ids()
    );
    assert_eq!(
        r.json["tls"]["handshake_error"]["cause"], "not-tls",
        "{}",
        r.stdout
    );
    let f = r.finding("tls-handshake-failed");
    assert!(f["evidence"].to_string().contains("500 5.5.1"), "{f}");
    assert_eq!(r.code, 3);
}

// --- day counts --------------------------------------------------------------------------

#[test]
fn day_counts_agree_for_expired_and_not_yet_valid_certificates() {
    let pki = Pki::new();
    for (validity, days) in [
        (Validity::ExpiresInDays(-2159), "expired 2159 days ago"),
        (Validity::NotYetValid, "not valid for another 30 days"),
    ] {
        let s = ScriptedServer::start(compliant_steps(pki.server(&["mx.test"], validity)));
        let target = s.target();
        let human = run(&[
            "--ca-file",
            pki.ca_arg(),
            "--tls-name",
            "mx.test",
            "--timeout",
            STEP,
            "--color",
            "never",
            &target,
        ]);
        assert!(human.stdout.contains(days), "{}", human.stdout);
        assert!(!human.stdout.contains("days left"), "{}", human.stdout);
        let r = probe(&pki, &target, &[]);
        let c = &r.json["tls"]["certificates"][0];
        if validity == Validity::NotYetValid {
            assert_eq!(c["valid_in_days"], 30, "{c}");
        } else {
            assert_eq!(c["days_left"], -2159, "{c}");
            assert_eq!(c["expired_days_ago"], 2159, "{c}");
        }
    }
}

// --- DNS bounded by --timeout ------------------------------------------------------------

#[test]
fn a_silent_resolver_costs_no_more_than_the_timeout() {
    let pki = Pki::new();
    let dns = TestDns::silent();
    let resolver = dns.resolver_arg();
    let r = probe(&pki, "example.test", &["--resolver", &resolver]);
    assert!(r.has("dns-timeout"), "{}", r.stdout);
    assert_eq!(r.code, 4);
    let r = probe(
        &pki,
        "mx.example.test:25",
        &["--host", "--resolver", &resolver],
    );
    assert!(r.has("dns-timeout"), "{}", r.stdout);
    assert_eq!(r.code, 4);
}
