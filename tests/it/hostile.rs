//! Hostile and broken servers: whatever the server does, the probe ends within its deadline
//! with a specific finding, a documented exit code, and nothing of the server's bytes on the
//! terminal raw. Each case runs the real binary against a scripted server.
//!
//! Cases already covered in `probe.rs` (banner 421/554 with 503s, EHLO 421, EHLO 502 + HELO,
//! plaintext after the 220 to STARTTLS, a silent server) are not repeated here.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use smtp_tls_check::tls::pki::{server_config, ServerTlsOptions, Validity};
use smtp_tls_check::tls::TlsVersions;

use super::common::{probe_args, run, run_json, Pki, Run};
use super::scripted::{
    closing, opening, send, tls_server, ScriptedServer, Step, GOOD_EHLO, TLS_EHLO,
};

/// Runs the binary with `--json` and `args`, checks that it ended within `limit` (the
/// deadline plus the one second of slack the probe is allowed) and that stdout is clean.
fn run_within(args: &[&str], limit: Duration) -> Run {
    let started = Instant::now();
    let r = run_json(args);
    let took = started.elapsed();
    assert!(
        took <= limit,
        "took {took:?}, limit {limit:?}:\n{}",
        r.stdout
    );
    assert_terminal_safe(&r.stdout);
    assert!(
        [0, 1, 3, 4].contains(&r.code),
        "exit {}: {}",
        r.code,
        r.stdout
    );
    r
}

/// No raw control octet but LF (and no DEL) in what the probe printed.
fn assert_terminal_safe(out: &str) {
    if let Some(c) = out
        .chars()
        .find(|&c| (c.is_control() && c != '\n') || c == '\u{7f}')
    {
        panic!(
            "raw control character {c:?} in output:\n{}",
            out.escape_debug()
        );
    }
}

/// The TLS side of a server with these versions and client-certificate demand.
fn tls_config(
    pki: &Pki,
    versions: TlsVersions,
    require_client_cert: bool,
) -> Arc<rustls::ServerConfig> {
    let id = pki.ca.issue(&["mx.test"], Validity::Valid).expect("issue");
    server_config(
        &id,
        ServerTlsOptions {
            versions,
            require_client_cert,
        },
    )
    .expect("server config")
}

/// Probe arguments for a scripted server: its CA, its name, these timeouts.
fn timed_args<'a>(pki: &'a Pki, target: &'a str, step: &'a str, deadline: &'a str) -> Vec<&'a str> {
    vec![
        "--ca-file",
        pki.ca_arg(),
        "--tls-name",
        "mx.test",
        "--timeout",
        step,
        "--deadline",
        deadline,
        target,
    ]
}

/// Step 1 s, whole probe 3 s.
fn short_args<'a>(pki: &'a Pki, target: &'a str) -> Vec<&'a str> {
    timed_args(pki, target, "1", "3")
}

/// Deadline 3 s plus one second of slack.
const SHORT_LIMIT: Duration = Duration::from_secs(4);

/// Deterministic "random" octets (xorshift), with LFs sprinkled in so there are lines.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if i % 37 == 36 {
                b'\n'
            } else {
                (x >> 24) as u8
            }
        })
        .collect()
}

// --- silence and slowness -------------------------------------------------------------------

#[test]
fn banner_after_a_long_delay_times_out_in_the_banner_step() {
    let pki = Pki::new();
    let server = ScriptedServer::start(vec![
        Step::Sleep(Duration::from_secs(5)),
        send("220 mx.test ESMTP\r\n"),
        Step::Hang,
    ]);
    let target = server.target();
    let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
    assert_eq!(r.code, 4, "{}", r.stdout);
    assert_eq!(r.verdict(), "error");
    let f = r.finding("timeout");
    assert!(f["message"].as_str().unwrap().contains("banner"), "{f}");
    assert!(
        f["message"].as_str().unwrap().starts_with("timed out"),
        "{f}"
    );
}

#[test]
fn banner_after_a_delay_within_the_step_timeout_is_fine() {
    let pki = Pki::new();
    let mut steps = vec![Step::Sleep(Duration::from_millis(700))];
    steps.extend(opening(GOOD_EHLO));
    steps.extend(closing());
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let mut args = probe_args(&pki, &target);
    args.insert(0, "--no-tls");
    let r = run_within(&args, Duration::from_secs(10));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.json["timings_ms"]["banner"].as_f64().unwrap() >= 600.0);
}

#[test]
fn ehlo_reply_stopping_mid_line_times_out_with_the_partial_reply() {
    let pki = Pki::new();
    let server = ScriptedServer::start(vec![
        send("220 mx.test ESMTP\r\n"),
        Step::Expect("EHLO"),
        send("250-mx.test\r\n250-PIPEL"),
        Step::Hang,
    ]);
    let target = server.target();
    let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
    assert_eq!(r.code, 4, "{}", r.stdout);
    let f = r.finding("timeout");
    assert!(f["message"].as_str().unwrap().contains("EHLO"), "{f}");
    let evidence = f["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("250-mx.test\\r\\n250-PIPEL"),
        "{evidence}"
    );
}

#[test]
fn overall_deadline_holds_against_a_server_that_drips() {
    // One octet every 100 ms: never silent for a whole step, never done.
    let pki = Pki::new();
    let server = ScriptedServer::start(vec![Step::Drip {
        bytes: b"220-mx.test\r\n".to_vec(),
        every: Duration::from_millis(100),
    }]);
    let target = server.target();
    let args = timed_args(&pki, &target, "5", "2");
    let r = run_within(&args, Duration::from_secs(3));
    assert_eq!(r.code, 4, "{}", r.stdout);
    let f = r.finding("timeout");
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("overall deadline"), "{message}");
    assert!(message.contains("banner"), "{message}");
}

#[test]
fn overall_deadline_holds_against_slow_steps() {
    // Each reply comes just inside the 1 s step timeout; the 2 s deadline ends it in STARTTLS.
    let pki = Pki::new();
    let slow = Duration::from_millis(800);
    let server = ScriptedServer::start(vec![
        Step::Sleep(slow),
        send("220 mx.test ESMTP\r\n"),
        Step::Expect("EHLO"),
        Step::Sleep(slow),
        send(GOOD_EHLO),
        Step::Expect("STARTTLS"),
        Step::Sleep(slow),
        send("220 go\r\n"),
        Step::Hang,
    ]);
    let target = server.target();
    let args = timed_args(&pki, &target, "1", "2");
    let r = run_within(&args, Duration::from_secs(3));
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.has("timeout"), "{:?}", r.finding_ids());
}

// --- closed and reset -----------------------------------------------------------------------

#[test]
fn fin_or_rst_in_the_middle_of_the_banner_or_ehlo_reply() {
    let pki = Pki::new();
    let cases: [(&str, Vec<Step>, &str); 4] = [
        (
            "FIN in banner",
            vec![send("220 mx.te"), Step::Close],
            "220 mx.te",
        ),
        (
            "RST in banner",
            vec![
                send("220-mx.test\r\n220 wel"),
                Step::Sleep(Duration::from_millis(100)),
                Step::Reset,
            ],
            "220-mx.test\\r\\n220 wel",
        ),
        (
            "FIN in EHLO reply",
            vec![
                send("220 mx.test\r\n"),
                Step::Expect("EHLO"),
                send("250-mx.test\r\n250-8BIT"),
                Step::Close,
            ],
            "250-mx.test\\r\\n250-8BIT",
        ),
        (
            "RST in EHLO reply",
            vec![
                send("220 mx.test\r\n"),
                Step::Expect("EHLO"),
                send("250-mx.test\r\n250-8BIT"),
                Step::Sleep(Duration::from_millis(100)),
                Step::Reset,
            ],
            "250-mx.test\\r\\n250-8BIT",
        ),
    ];
    for (name, steps, partial) in cases {
        let server = ScriptedServer::start(steps);
        let target = server.target();
        let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
        assert_eq!(r.code, 4, "{name}: {}", r.stdout);
        assert_eq!(r.verdict(), "error", "{name}");
        let f = r.finding("connection-closed");
        let message = f["message"].as_str().unwrap_or_default();
        if name.starts_with("RST") {
            assert!(message.contains("reset"), "{name}: {message}");
        } else {
            assert!(message.contains("closed"), "{name}: {message}");
        }
        assert_eq!(f["evidence"].as_str(), Some(partial), "{name}: {f}");
    }
}

// --- endless replies ------------------------------------------------------------------------

#[test]
fn endless_multiline_reply_is_reply_too_long() {
    let pki = Pki::new();
    let server = ScriptedServer::start(vec![
        send("220 mx.test ESMTP\r\n"),
        Step::Expect("EHLO"),
        Step::SendForever {
            chunk: b"250-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\r\n".to_vec(),
            max: usize::MAX,
        },
    ]);
    let target = server.target();
    let started = Instant::now();
    let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "stops at the limit, not the deadline"
    );
    assert_eq!(r.code, 4, "{}", r.stdout);
    let f = r.finding("reply-too-long");
    assert!(f["message"].as_str().unwrap().contains("256 lines"), "{f}");
    assert!(
        f["hint"].as_str().unwrap().contains("--max-reply-lines"),
        "{f}"
    );
}

#[test]
fn endless_line_without_crlf_is_reply_too_long() {
    let pki = Pki::new();
    for (name, mut steps) in [
        ("banner", vec![]),
        (
            "EHLO reply",
            vec![send("220 mx.test\r\n"), Step::Expect("EHLO")],
        ),
    ] {
        let head = if name == "banner" { "220 " } else { "250 " };
        steps.extend([
            send(head),
            Step::SendForever {
                chunk: vec![b'A'; 1000],
                max: usize::MAX,
            },
        ]);
        let server = ScriptedServer::start(steps);
        let target = server.target();
        let started = Instant::now();
        let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{name}: stops at the limit"
        );
        assert_eq!(r.code, 4, "{name}: {}", r.stdout);
        let f = r.finding("reply-too-long");
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("line longer than 4096"),
            "{name}: {f}"
        );
    }
}

#[test]
fn endless_reply_under_raised_reply_limits_is_session_too_large() {
    let pki = Pki::new();
    let server = ScriptedServer::start(vec![
        send("220 mx.test ESMTP\r\n"),
        Step::Expect("EHLO"),
        Step::SendForever {
            chunk: b"250-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\r\n".to_vec(),
            max: usize::MAX,
        },
    ]);
    let target = server.target();
    let mut args = short_args(&pki, &target);
    args.splice(
        0..0,
        [
            "--max-reply-lines",
            "100000",
            "--max-reply-bytes",
            "16777216",
            "--max-session-bytes",
            "200000",
        ],
    );
    let r = run_within(&args, SHORT_LIMIT);
    assert_eq!(r.code, 4, "{}", r.stdout);
    let f = r.finding("session-too-large");
    assert!(f["message"].as_str().unwrap().contains("200000"), "{f}");
    assert!(f["message"].as_str().unwrap().contains("EHLO"), "{f}");
}

// --- garbage --------------------------------------------------------------------------------

#[test]
fn random_bytes_instead_of_the_banner_is_malformed_reply() {
    let pki = Pki::new();
    let mut garbage = vec![0x1b, b'[', b'2', b'J'];
    garbage.extend(noise(400, 7));
    let server = ScriptedServer::start(vec![Step::Send(garbage), Step::Hang]);
    let target = server.target();
    let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
    assert_eq!(r.code, 4, "{}", r.stdout);
    assert_eq!(r.verdict(), "error");
    let f = r.finding("malformed-reply");
    assert!(f["message"].as_str().unwrap().contains("banner"), "{f}");
    assert!(
        f["evidence"].as_str().unwrap().starts_with("\\x1b[2J"),
        "{f}"
    );

    // The human report, colour off: no ESC at all, no raw control octet.
    let mut args = short_args(&pki, &target);
    args.insert(0, "--color");
    args.insert(1, "never");
    let h = run(&args);
    assert_eq!(h.code, 4);
    assert!(!h.stdout.contains('\u{1b}'), "{}", h.stdout.escape_debug());
    assert_terminal_safe(&h.stdout);
}

#[test]
fn banner_with_a_code_other_than_220_is_unexpected_reply() {
    let pki = Pki::new();
    let server = ScriptedServer::start(vec![
        send("250 hello?\r\n"),
        Step::AnswerAll(b"250 ok\r\n".to_vec()),
    ]);
    let target = server.target();
    let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
    assert_eq!(r.code, 4, "{}", r.stdout);
    assert!(r.has("unexpected-reply"), "{:?}", r.finding_ids());
    assert!(!r.has("banner-refused"));
}

#[test]
fn random_bytes_instead_of_the_ehlo_reply_is_malformed_reply() {
    let pki = Pki::new();
    let mut garbage = vec![0x00, 0x7f, 0xff];
    garbage.extend(noise(400, 99));
    let server = ScriptedServer::start(vec![
        send("220 mx.test ESMTP\r\n"),
        Step::Expect("EHLO"),
        Step::Send(garbage),
        Step::Hang,
    ]);
    let target = server.target();
    let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
    assert_eq!(r.code, 4, "{}", r.stdout);
    let f = r.finding("malformed-reply");
    assert!(f["message"].as_str().unwrap().contains("EHLO"), "{f}");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .starts_with("\\x00\\x7f\\xff"),
        "{f}"
    );
}

#[test]
fn control_characters_ansi_escapes_and_non_utf8_are_shown_escaped() {
    let pki = Pki::new();
    let banner = b"220 mx.test \x1b[31mRED\x1b[0m \x07bell \xff\xfe \xe2\x80\xaeevil\r\n".to_vec();
    let ehlo = b"250-mx.test hi\x1b]0;title\x07\r\n250-X-\x9bJUNK\r\n250 STARTTLS\r\n".to_vec();
    let server = ScriptedServer::start(vec![
        Step::Send(banner.clone()),
        Step::Expect("EHLO"),
        Step::Send(ehlo.clone()),
        Step::Expect("QUIT"),
        send("221 \x1b[5mbye\r\n"),
    ]);
    let target = server.target();
    let mut args = short_args(&pki, &target);
    args.insert(0, "--no-tls");
    args.insert(1, "--transcript");
    let r = run_within(&args, SHORT_LIMIT);
    assert!(r.has("control-characters"), "{:?}", r.finding_ids());
    assert!(r.has("non-utf8"), "{:?}", r.finding_ids());
    assert!(
        r.stdout.contains("\\\\x1b[31mRED"),
        "escaped in JSON: {}",
        r.stdout
    );
    assert!(
        r.stdout.contains("\\\\u{202e}evil"),
        "bidi control escaped: {}",
        r.stdout
    );

    let mut args = short_args(&pki, &target);
    args.splice(
        0..0,
        ["--no-tls", "--transcript", "--color", "never", "-vv"],
    );
    let h = run(&args);
    assert!(!h.stdout.contains('\u{1b}'), "{}", h.stdout.escape_debug());
    assert!(
        !h.stdout.contains('\u{202e}'),
        "{}",
        h.stdout.escape_debug()
    );
    assert!(!h.stdout.contains('\u{9b}'), "{}", h.stdout.escape_debug());
    assert_terminal_safe(&h.stdout);
    // The wire log (-v) escapes the server's bytes too. (Its own timestamps may be coloured:
    // that is the logger's ESC, not the server's.)
    for raw in [
        "\u{1b}[31m",
        "\u{1b}]0;",
        "\u{1b}[5m",
        "\u{7}",
        "\u{9b}",
        "\u{202e}",
    ] {
        assert!(
            !h.stderr.contains(raw),
            "{raw:?} in the log:\n{}",
            h.stderr.escape_debug()
        );
    }
    assert!(
        h.stderr.contains("\\x1b[31mRED"),
        "{}",
        h.stderr.escape_debug()
    );
}

// --- odd but readable -----------------------------------------------------------------------

#[test]
fn replies_fragmented_one_octet_per_segment() {
    let pki = Pki::new();
    let server = ScriptedServer::start(vec![
        Step::SendFragmented(b"220-mx.test ESMTP\r\n220 hello\r\n".to_vec()),
        Step::Expect("EHLO"),
        Step::SendFragmented(GOOD_EHLO.as_bytes().to_vec()),
        Step::Expect("STARTTLS"),
        Step::SendFragmented(b"220 go ahead\r\n".to_vec()),
        Step::StartTls(pki.server(&["mx.test"], Validity::Valid)),
        Step::Expect("EHLO"),
        Step::SendFragmented(TLS_EHLO.as_bytes().to_vec()),
        Step::Expect("QUIT"),
        send("221 bye\r\n"),
    ]);
    let target = server.target();
    let mut args = probe_args(&pki, &target);
    args.splice(0..0, ["--deadline", "10"]);
    let r = run_within(&args, Duration::from_secs(11));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json["tls"]["established"], true);
    assert!(!r.has("starttls-response-injection"));
}

#[test]
fn lf_only_line_ends_are_a_warning() {
    let pki = Pki::new();
    let mut steps = vec![
        send("220 mx.test ESMTP\n"),
        Step::Expect("EHLO"),
        send("250-mx.test\n250-8BITMIME\n250 STARTTLS\n"),
        Step::Expect("STARTTLS"),
        send("220 go\n"),
        Step::StartTls(pki.server(&["mx.test"], Validity::Valid)),
        Step::Expect("EHLO"),
        send(TLS_EHLO),
    ];
    steps.extend(closing());
    let server = ScriptedServer::start(steps);
    let target = server.target();
    // The MTAs all take a bare LF; lettre (a library) waits for CRLF: a warning when only the
    // MTAs decide, an error by default (see tests/it/cli.rs).
    let mut args = short_args(&pki, &target);
    args.extend(["--clients", "mta"]);
    let r = run_within(&args, SHORT_LIMIT);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.has("bare-lf"));
    assert_eq!(
        r.finding("starttls-missed-by-clients")["severity"],
        "warning"
    );
    assert_eq!(r.json["tls"]["established"], true);
}

#[test]
fn lines_far_over_512_octets_are_a_warning() {
    let pki = Pki::new();
    let long = format!(
        "250-mx.test\r\n250-X-LONG {}\r\n250 STARTTLS\r\n",
        "y".repeat(3000)
    );
    let mut steps = opening(&long);
    steps.extend(closing());
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let mut args = short_args(&pki, &target);
    args.insert(0, "--no-tls");
    // lettre and msmtp reject the line; no MTA does.
    args.extend(["--clients", "mta"]);
    let r = run_within(&args, SHORT_LIMIT);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(
        r.finding("starttls-missed-by-clients")["severity"],
        "warning"
    );
    let f = r.finding("line-too-long");
    assert!(f["message"].as_str().unwrap().contains("line 2"), "{f}");
}

#[test]
fn multiline_reply_whose_code_changes_between_lines() {
    let pki = Pki::new();
    let mut steps = opening("250-mx.test\r\n251-8BITMIME\r\n250 STARTTLS\r\n");
    steps.extend(closing());
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let mut args = short_args(&pki, &target);
    args.insert(0, "--no-tls");
    // Go waits and lettre fails on the 251 line; every MTA reads on.
    args.extend(["--clients", "mta"]);
    let r = run_within(&args, SHORT_LIMIT);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.has("mixed-reply-codes"), "{:?}", r.finding_ids());
    assert!(r.has("starttls-missed-by-clients"), "{:?}", r.finding_ids());
}

#[test]
fn multiline_220_banner_is_fine() {
    let pki = Pki::new();
    let mut steps = vec![
        send("220-mx.test ESMTP\r\n220-no UCE\r\n220 welcome\r\n"),
        Step::Expect("EHLO"),
        send(GOOD_EHLO),
    ];
    steps.extend(closing());
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let mut args = short_args(&pki, &target);
    args.insert(0, "--no-tls");
    let r = run_within(&args, SHORT_LIMIT);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        r.json["banner"]["lines"].as_array().map(Vec::len),
        Some(3),
        "{}",
        r.json["banner"]
    );
}

// --- after the 220 to STARTTLS --------------------------------------------------------------

#[test]
fn starttls_220_then_the_socket_closes() {
    let pki = Pki::new();
    let mut steps = opening(GOOD_EHLO);
    steps.extend([Step::Expect("STARTTLS"), send("220 go\r\n"), Step::Close]);
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.has("tls-handshake-failed"));
    assert_eq!(r.json["tls"]["handshake_error"]["cause"], "closed");
    assert_eq!(r.json["tls"]["established"], false);
}

#[test]
fn starttls_220_then_the_handshake_never_completes() {
    // The server reads the ClientHello and then says nothing.
    let pki = Pki::new();
    let mut steps = opening(GOOD_EHLO);
    steps.extend([Step::Expect("STARTTLS"), send("220 go\r\n"), Step::Hang]);
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
    assert_eq!(r.code, 3, "{}", r.stdout);
    let f = r.finding("timeout");
    assert!(
        f["message"].as_str().unwrap().contains("TLS handshake"),
        "{f}"
    );
    assert_eq!(r.json["tls"]["established"], false);
}

#[test]
fn client_certificate_required_tls12_and_tls13() {
    let pki = Pki::new();
    for versions in [TlsVersions::Tls12Only, TlsVersions::Tls13Only] {
        let server = tls_server(tls_config(&pki, versions, true));
        let target = server.target();
        let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
        assert_eq!(r.code, 3, "{versions:?}: {}", r.stdout);
        assert!(
            r.has("tls-handshake-failed"),
            "{versions:?}: {:?}",
            r.finding_ids()
        );
        assert!(
            !r.has("connection-closed"),
            "{versions:?}: {:?}",
            r.finding_ids()
        );
        let tls = &r.json["tls"];
        assert_eq!(
            tls["handshake_error"]["cause"], "client-cert-required",
            "{versions:?}: {tls}"
        );
        assert_eq!(tls["established"], false, "{versions:?}");
        assert!(r.json["ehlo_after_tls"].is_null());
    }
}

#[test]
fn tls12_only_server_is_reported() {
    let pki = Pki::new();
    let server = tls_server(tls_config(&pki, TlsVersions::Tls12Only, false));
    let target = server.target();
    let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
    assert_eq!(r.code, 0, "info only: {}", r.stdout);
    assert_eq!(r.json["tls"]["version"], "TLSv1.2");
    let f = r.finding("tls-version");
    assert_eq!(f["severity"], "info");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("does not support TLS 1.3"),
        "{f}"
    );
}

#[test]
fn tls13_only_server_is_reported() {
    let pki = Pki::new();
    let server = tls_server(tls_config(&pki, TlsVersions::Tls13Only, false));
    let target = server.target();
    let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json["tls"]["version"], "TLSv1.3");
    assert!(
        r.json["summary"].as_str().unwrap().contains("TLSv1.3"),
        "{}",
        r.json["summary"]
    );
    assert!(!r.has("tls-version"));
}

#[test]
fn one_version_offered_that_the_server_lacks() {
    let pki = Pki::new();
    for (server_versions, offer, lacks) in [
        (TlsVersions::Tls12Only, "1.3", "does not support TLS 1.3"),
        (TlsVersions::Tls13Only, "1.2", "does not support TLS 1.2"),
    ] {
        let server = tls_server(tls_config(&pki, server_versions, false));
        let target = server.target();
        let mut args = short_args(&pki, &target);
        args.splice(0..0, ["--tls-version", offer]);
        let r = run_within(&args, SHORT_LIMIT);
        assert_eq!(r.code, 3, "{offer}: {}", r.stdout);
        let tls = &r.json["tls"];
        assert_eq!(tls["handshake_error"]["cause"], "version", "{offer}: {tls}");
        let f = r.finding("tls-handshake-failed");
        assert!(
            f["message"].as_str().unwrap().contains(lacks),
            "{offer}: {f}"
        );
    }
}

// --- response injection (RFC 3207 4, CVE-2011-0411 class) ------------------------------------

#[test]
fn response_injection_in_the_same_read_is_discarded_and_reported() {
    let pki = Pki::new();
    let mut steps = opening(GOOD_EHLO);
    steps.extend([
        Step::Expect("STARTTLS"),
        // One write, one segment: the 220 and a forged EHLO reply arrive together.
        send("220 go\r\n250-mx.test\r\n250 AUTH PLAIN INJECTED\r\n"),
        Step::StartTls(pki.server(&["mx.test"], Validity::Valid)),
        Step::Expect("EHLO"),
        send(TLS_EHLO),
    ]);
    steps.extend(closing());
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
    assert_eq!(r.code, 3, "{}", r.stdout);
    let f = r.finding("starttls-response-injection");
    assert_eq!(f["severity"], "error");
    assert!(f["evidence"].as_str().unwrap().contains("INJECTED"), "{f}");
    // TLS went ahead; what was read inside it is the server's real answer, not the forgery.
    assert_eq!(r.json["tls"]["established"], true);
    let inside = r.json["ehlo_after_tls"].to_string();
    assert!(inside.contains("8BITMIME"), "{inside}");
    assert!(
        !inside.contains("INJECTED") && !inside.contains("AUTH"),
        "{inside}"
    );
}

#[test]
fn response_injection_in_a_later_segment_fails_the_handshake() {
    // The 220 arrives alone; the forged reply follows in its own segment before the server
    // answers the ClientHello. The reader has nothing to discard, so the bytes reach rustls,
    // which must refuse them as not TLS: nothing is ever read as if it came inside TLS.
    let pki = Pki::new();
    let mut steps = opening(GOOD_EHLO);
    steps.extend([
        Step::Expect("STARTTLS"),
        send("220 go\r\n"),
        Step::Sleep(Duration::from_millis(300)),
        send("250-mx.test\r\n250 AUTH PLAIN INJECTED\r\n"),
        Step::StartTls(pki.server(&["mx.test"], Validity::Valid)),
        Step::Expect("EHLO"),
        send(TLS_EHLO),
    ]);
    steps.extend(closing());
    let server = ScriptedServer::start(steps);
    let target = server.target();
    let r = run_within(&short_args(&pki, &target), SHORT_LIMIT);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.has("tls-handshake-failed"), "{:?}", r.finding_ids());
    let tls = &r.json["tls"];
    assert_eq!(tls["handshake_error"]["cause"], "not-tls", "{tls}");
    assert_eq!(tls["established"], false);
    assert!(r.json["ehlo_after_tls"].is_null());
    // The forged bytes are shown only as what came instead of TLS, never as a reply.
    let f = r.finding("tls-handshake-failed");
    assert!(f["evidence"].to_string().contains("INJECTED"), "{f}");
    // ... and nowhere else: every occurrence in the output is that evidence.
    assert_eq!(
        r.stdout.matches("INJECTED").count(),
        f["evidence"].to_string().matches("INJECTED").count(),
        "{}",
        r.stdout
    );
}
