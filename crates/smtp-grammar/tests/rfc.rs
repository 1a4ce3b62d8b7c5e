//! Table-driven tests of the RFC 5321 / RFC 1869 rules, each case run with every line ending.
#![allow(clippy::unwrap_used)]

use smtp_grammar::clients::{CodeRule, LineOne, Stuck};
use smtp_grammar::{
    client_view, escape_bytes, extract_ehlo_reply, interpret_ehlo, is_ehlo_keyword, parse_reply,
    sees_starttls, Anomaly, EhloError, EhloNote, Limits, LineEnding, Reply, ReplyError,
    ReplyReader, Separator, StarttlsPlacement, TranscriptError, CLIENTS, RFC_MAX_REPLY_LINE,
};
use smtp_grammar::{Evidence, Outcome};

static SEED_INCORRECT: &[u8] = include_bytes!("../../../tests/fixtures/seed-incorrect.txt");
static SEED_CORRECT: &[u8] = include_bytes!("../../../tests/fixtures/seed-correct.txt");

/// The seeds' broken reply: STARTTLS on the first line, the domain on the second.
const SEED_BROKEN: &[&str] = &[
    "250-STARTTLS",
    "250-mail.domain1.com",
    "250-8BITMIME",
    "250-PIPELINING",
    "250-HELP",
    "250-DELIVERBY 300",
    "250 SIZE 30000000",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    CrLf,
    Lf,
    /// A SP before CRLF on every line.
    SpCrLf,
}

const ALL: &[Ending] = &[Ending::CrLf, Ending::Lf, Ending::SpCrLf];
const NO_SP: &[Ending] = &[Ending::CrLf, Ending::Lf];

fn render(lines: &[&str], ending: Ending) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l.as_bytes());
        out.extend_from_slice(match ending {
            Ending::CrLf => b"\r\n",
            Ending::Lf => b"\n",
            Ending::SpCrLf => b" \r\n",
        });
    }
    out
}

fn parse(lines: &[&str], ending: Ending) -> Reply {
    parse_reply(&render(lines, ending), Limits::default())
        .unwrap_or_else(|e| panic!("{lines:?} {ending:?}: {e}"))
}

fn without_bare_lf(reply: &Reply) -> Vec<Anomaly> {
    reply
        .anomalies
        .iter()
        .filter(|a| !matches!(a, Anomaly::BareLf { .. }))
        .cloned()
        .collect()
}

// ---------------------------------------------------------------- RFC 5321 4.2: reply syntax

#[test]
fn rfc5321_4_2_multiline_reply() {
    for &e in ALL {
        let r = parse(&["250-mx.example.com", "250-8BITMIME", "250 STARTTLS"], e);
        assert_eq!(r.code, 250);
        assert_eq!(r.lines.len(), 3);
        let seps: Vec<_> = r.lines.iter().map(|l| l.separator).collect();
        assert_eq!(
            seps,
            [Separator::Hyphen, Separator::Hyphen, Separator::Space]
        );
        let sp = if e == Ending::SpCrLf { " " } else { "" };
        assert_eq!(r.text_lossy(0), format!("mx.example.com{sp}"));
        assert_eq!(r.text_lossy(2), format!("STARTTLS{sp}"));
        assert_eq!(r.text_lossy(9), "");
        assert!(without_bare_lf(&r).is_empty(), "{e:?}: {:?}", r.anomalies);
        let bare = r
            .anomalies
            .iter()
            .filter(|a| matches!(a, Anomaly::BareLf { .. }))
            .count();
        assert_eq!(bare, if e == Ending::Lf { 3 } else { 0 });
        let ending = if e == Ending::Lf {
            LineEnding::BareLf
        } else {
            LineEnding::CrLf
        };
        assert!(r.lines.iter().all(|l| l.ending == ending));
        assert!(r.is_positive());
    }
}

#[test]
fn rfc5321_4_2_code_alone_is_last_line() {
    for &e in NO_SP {
        let r = parse(&["250"], e);
        assert_eq!(r.lines[0].separator, Separator::None);
        assert!(r.lines[0].text.is_empty());
        let r = parse(&["250-a", "250"], e);
        assert_eq!(r.lines.len(), 2);
    }
}

#[test]
fn rfc5321_4_2_other_separator_is_last_line() {
    for &e in ALL {
        let r = parse(&["250STARTTLS"], e);
        assert_eq!(r.lines[0].separator, Separator::Other(b'S'));
        assert!(r.text_lossy(0).starts_with("STARTTLS"));
        assert!(without_bare_lf(&r).contains(&Anomaly::BadSeparator {
            line: 0,
            octet: b'S'
        }));
    }
}

#[test]
fn rfc5321_4_2_reply_code_digits() {
    // Accepted: first digit 2-5, any second and third digit.
    for line in [
        "200 ok", "299 ok", "354 go", "421 bye", "554 no", "599 x", "250",
    ] {
        for &e in NO_SP {
            let r = parse(&[line], e);
            assert!(without_bare_lf(&r).is_empty(), "{line}");
        }
    }
    // Rejected.
    for line in [
        "", "2", "25", "25 ok", "abc", "2x0 ok", "150 x", "050 x", "650 x", "950 x", " 250 x",
        "STARTTLS",
    ] {
        for &e in ALL {
            let input = render(&[line], e);
            match parse_reply(&input, Limits::default()) {
                Err(ReplyError::Malformed { line: got, .. }) => {
                    assert!(got.len() <= RFC_MAX_REPLY_LINE);
                    assert!(!got.contains(&b'\n'));
                }
                other => panic!("{line:?} {e:?}: {other:?}"),
            }
        }
    }
}

#[test]
fn rfc5321_4_2_malformed_line_is_truncated_and_poisons() {
    let mut input = vec![b'x'; 2000];
    input.extend_from_slice(b"\r\n");
    let mut r = ReplyReader::new(Limits::default());
    r.push(b"250 ok\r\n");
    r.push(&input);
    assert!(r.next_reply().unwrap().is_some());
    let err = r.next_reply().unwrap_err();
    match &err {
        ReplyError::Malformed { line, .. } => assert_eq!(line.len(), 512),
        other => panic!("{other:?}"),
    }
    r.push(b"250 ok\r\n");
    assert_eq!(r.next_reply().unwrap_err(), err);
    assert_eq!(r.next_reply().unwrap_err(), err);
}

#[test]
fn rfc5321_4_2_mixed_codes() {
    for &e in ALL {
        let r = parse(&["250-a", "251-b", "250 c"], e);
        assert_eq!(r.code, 250);
        assert_eq!(
            without_bare_lf(&r),
            [Anomaly::MixedCodes { line: 1, code: 251 }]
        );
    }
}

#[test]
fn rfc5321_2_3_8_bare_lf_and_stray_cr() {
    let r = parse_reply(b"250-a\n250 b\r\n", Limits::default()).unwrap();
    assert_eq!(r.anomalies, [Anomaly::BareLf { line: 0 }]);
    assert_eq!(r.lines[0].ending, LineEnding::BareLf);
    assert_eq!(r.lines[1].ending, LineEnding::CrLf);
    // A CR not right before LF stays in the text.
    let r = parse_reply(b"250 a\rb\r\n", Limits::default()).unwrap();
    assert_eq!(r.lines[0].text, b"a\rb");
    assert_eq!(r.anomalies, [Anomaly::ControlChars { line: 0 }]);
    let r = parse_reply(b"250 a\r\r\n", Limits::default()).unwrap();
    assert_eq!(r.lines[0].text, b"a\r");
    // HTAB is allowed in textstring.
    let r = parse_reply(b"250 a\tb\r\n", Limits::default()).unwrap();
    assert!(r.anomalies.is_empty());
    let r = parse_reply(b"250 a\x1b[31mb\r\n", Limits::default()).unwrap();
    assert_eq!(r.anomalies, [Anomaly::ControlChars { line: 0 }]);
}

#[test]
fn rfc5321_4_2_non_utf8_text() {
    for &e in ALL {
        let mut input = b"250-ok\r\n250 caf\xe9".to_vec();
        input.extend_from_slice(&render(&[""], e));
        let r = parse_reply(&input, Limits::default()).unwrap();
        assert!(r.anomalies.contains(&Anomaly::NonUtf8 { line: 1 }));
        assert_eq!(r.text_lossy(1).trim_end(), "caf\u{fffd}");
    }
}

// ------------------------------------------------------ RFC 5321 4.5.3.1.5: reply line length

#[test]
fn rfc5321_4_5_3_1_5_reply_line_512() {
    for &e in ALL {
        let extra = if e == Ending::Lf { 1 } else { 2 } + usize::from(e == Ending::SpCrLf);
        // Exactly 512 octets with the line ending: fine.
        let text = "a".repeat(512 - 4 - extra);
        let r = parse(&[&format!("250 {text}")], e);
        assert!(without_bare_lf(&r).is_empty());
        // 513: flagged.
        let text = "a".repeat(513 - 4 - extra);
        let r = parse(&[&format!("250 {text}")], e);
        assert_eq!(
            without_bare_lf(&r),
            [Anomaly::LineTooLong { line: 0, len: 513 }]
        );
    }
}

#[test]
fn rfc5321_4_5_3_1_5_line_over_limit_is_an_error() {
    let limits = Limits {
        max_line_len: 100,
        ..Limits::default()
    };
    for &e in ALL {
        let line = format!("250 {}", "a".repeat(200));
        assert_eq!(
            parse_reply(&render(&[&line], e), limits),
            Err(ReplyError::LineTooLong { limit: 100 })
        );
    }
    // Without any LF: fires as soon as the partial line is too long, buffer bounded.
    let mut r = ReplyReader::new(limits);
    r.push(b"250-");
    assert_eq!(r.next_reply(), Ok(None));
    let mut err = None;
    for _ in 0..1000 {
        r.push(&[b'a'; 7]);
        match r.next_reply() {
            Ok(None) => assert!(r.buffered().len() <= 100),
            Ok(Some(_)) => panic!("no reply expected"),
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    assert_eq!(err, Some(ReplyError::LineTooLong { limit: 100 }));
    // Exactly at the limit (LF included) is fine.
    let mut input = b"250 ".to_vec();
    input.resize(99, b'a');
    input.push(b'\n');
    assert!(parse_reply(&input, limits).is_ok());
}

#[test]
fn rfc5321_4_2_too_many_lines_before_the_end() {
    let limits = Limits {
        max_lines_per_reply: 3,
        ..Limits::default()
    };
    for &e in ALL {
        assert!(parse_reply(&render(&["250-a", "250-b", "250 c"], e), limits).is_ok());
        let mut r = ReplyReader::new(limits);
        r.push(&render(&["250-a", "250-b", "250-c"], e));
        assert_eq!(r.next_reply(), Err(ReplyError::TooManyLines { limit: 3 }));
    }
}

#[test]
fn rfc5321_4_2_reply_too_large_before_the_end() {
    let limits = Limits {
        max_line_len: 100,
        max_reply_bytes: 250,
        max_lines_per_reply: 1000,
    };
    let mut r = ReplyReader::new(limits);
    let line = format!("250-{}\r\n", "a".repeat(40));
    let mut got = None;
    for _ in 0..100 {
        r.push(line.as_bytes());
        match r.next_reply() {
            Ok(None) => assert!(r.buffered().len() <= 250),
            Ok(Some(_)) => panic!("no reply expected"),
            Err(e) => {
                got = Some(e);
                break;
            }
        }
    }
    assert_eq!(got, Some(ReplyError::ReplyTooLarge { limit: 250 }));
}

#[test]
fn parse_reply_incomplete_and_trailing() {
    for &e in ALL {
        assert_eq!(
            parse_reply(&render(&["250-a"], e), Limits::default()),
            Err(ReplyError::Incomplete)
        );
        let mut input = render(&["250 a"], e);
        input.extend_from_slice(b"220 x");
        assert_eq!(
            parse_reply(&input, Limits::default()),
            Err(ReplyError::TrailingData { len: 5 })
        );
    }
    assert_eq!(
        parse_reply(b"250 a", Limits::default()),
        Err(ReplyError::Incomplete)
    );
    assert_eq!(
        parse_reply(b"", Limits::default()),
        Err(ReplyError::Incomplete)
    );
}

// ---------------------------------------------------------------------------- incremental

#[test]
fn incremental_one_byte_at_a_time() {
    for &e in ALL {
        let input = render(SEED_BROKEN, e);
        let whole = parse_reply(&input, Limits::default()).unwrap();
        let mut r = ReplyReader::new(Limits::default());
        let mut got = Vec::new();
        for b in &input {
            r.push(std::slice::from_ref(b));
            while let Some(reply) = r.next_reply().unwrap() {
                got.push(reply);
            }
        }
        assert_eq!(got, [whole]);
        assert!(r.buffered().is_empty());
    }
}

#[test]
fn rfc3207_5_buffered_after_220_is_exactly_the_extra_bytes() {
    for &e in ALL {
        let mut input = render(&["220 2.0.0 Ready to start TLS"], e);
        let extra = b"250-injected\r\n250 STARTTLS\r\n\x16\x03";
        input.extend_from_slice(extra);
        let mut r = ReplyReader::new(Limits::default());
        r.push(&input);
        let reply = r.next_reply().unwrap().unwrap();
        assert_eq!(reply.code, 220);
        assert_eq!(r.buffered(), extra);
        // Pulling a further (complete) reply consumes only its bytes.
        assert_eq!(r.next_reply().unwrap().unwrap().code, 250);
        assert_eq!(r.buffered(), b"\x16\x03");
        r.clear();
        assert!(r.buffered().is_empty());
        // Nothing extra: empty.
        let mut r = ReplyReader::new(Limits::default());
        r.push(&render(&["220 go ahead"], e));
        assert!(r.next_reply().unwrap().is_some());
        assert!(r.buffered().is_empty());
    }
    // A reply in progress is part of `buffered`.
    let mut r = ReplyReader::new(Limits::default());
    r.push(b"220 ok\r\n250-a\r\n25");
    assert!(r.next_reply().unwrap().is_some());
    assert_eq!(r.next_reply(), Ok(None));
    assert_eq!(r.buffered(), b"250-a\r\n25");
    r.push(b"0 b\r\n");
    assert_eq!(r.next_reply().unwrap().unwrap().lines.len(), 2);
    assert!(r.buffered().is_empty());
}

// ---------------------------------------------------------- RFC 5321 4.1.1.1: the EHLO reply

struct EhloCase {
    name: &'static str,
    lines: &'static [&'static str],
    endings: &'static [Ending],
    placement: StarttlsPlacement,
    domain: &'static str,
    /// Notes expected for CRLF/LF; with SpCrLf, notes_sp (when given).
    notes: fn(Ending) -> Vec<EhloNote>,
}

fn no_notes(_: Ending) -> Vec<EhloNote> {
    Vec::new()
}

fn trailing(e: Ending, as_sent: &str) -> Vec<EhloNote> {
    if e == Ending::SpCrLf {
        vec![EhloNote::StarttlsTrailing {
            as_sent: format!("{as_sent} "),
        }]
    } else {
        Vec::new()
    }
}

const EHLO_CASES: &[EhloCase] = &[
    EhloCase {
        name: "rfc5321_4_1_1_1_starttls_on_ehlo_line",
        lines: &["250-mx.example.com Hello", "250-8BITMIME", "250 STARTTLS"],
        endings: ALL,
        placement: StarttlsPlacement::EhloLine,
        domain: "mx.example.com",
        notes: |e| trailing(e, "STARTTLS"),
    },
    EhloCase {
        name: "rfc5321_4_1_1_1_first_line_is_greeting",
        lines: SEED_BROKEN,
        endings: ALL,
        placement: StarttlsPlacement::GreetingOnly,
        domain: "STARTTLS",
        notes: |e| trailing(e, "STARTTLS"),
    },
    EhloCase {
        name: "rfc5321_4_1_1_1_single_line_reply_is_greeting_only",
        lines: &["250 STARTTLS"],
        endings: NO_SP,
        placement: StarttlsPlacement::GreetingOnly,
        domain: "STARTTLS",
        notes: |_| vec![EhloNote::NoExtensions],
    },
    EhloCase {
        name: "rfc5321_4_1_1_1_starttls_in_greeting_text",
        lines: &["250-mx.example.com STARTTLS", "250 8BITMIME"],
        endings: ALL,
        placement: StarttlsPlacement::GreetingOnly,
        domain: "mx.example.com",
        notes: no_notes,
    },
    EhloCase {
        name: "rfc5321_4_1_1_1_greeting_and_ehlo_line",
        lines: &["250-STARTTLS", "250 STARTTLS"],
        endings: NO_SP,
        placement: StarttlsPlacement::GreetingAndEhloLine,
        domain: "STARTTLS",
        // Line 0 is not a keyword: no DuplicateKeyword.
        notes: no_notes,
    },
    EhloCase {
        name: "rfc5321_4_1_1_1_absent",
        lines: &["250-mx.example.com", "250-PIPELINING", "250 SIZE 1000"],
        endings: ALL,
        placement: StarttlsPlacement::Absent,
        domain: "mx.example.com",
        notes: no_notes,
    },
    EhloCase {
        name: "rfc5321_4_1_1_1_single_line_no_extensions",
        lines: &["250 mx.example.com"],
        endings: ALL,
        placement: StarttlsPlacement::Absent,
        domain: "mx.example.com",
        notes: |_| vec![EhloNote::NoExtensions],
    },
    EhloCase {
        name: "rfc1869_4_5_keywords_case_insensitive",
        lines: &["250-mx.example.com", "250 starttls"],
        endings: ALL,
        placement: StarttlsPlacement::EhloLine,
        domain: "mx.example.com",
        notes: |e| {
            let mut n = vec![EhloNote::StarttlsCase {
                as_sent: "starttls".into(),
            }];
            n.extend(trailing(e, "starttls"));
            n
        },
    },
    EhloCase {
        name: "rfc5321_4_1_1_1_starttls_with_param",
        lines: &["250-mx.example.com", "250 STARTTLS REQUIRED"],
        endings: ALL,
        placement: StarttlsPlacement::EhloLine,
        domain: "mx.example.com",
        notes: |e| {
            let sp = if e == Ending::SpCrLf { " " } else { "" };
            vec![EhloNote::StarttlsTrailing {
                as_sent: format!("STARTTLS REQUIRED{sp}"),
            }]
        },
    },
    EhloCase {
        name: "cisco_asa_masked_keywords",
        lines: &[
            "250-mx.example.com",
            "250-XXXXXXXA",
            "250-XXXB",
            "250 SIZE 10",
        ],
        endings: ALL,
        placement: StarttlsPlacement::Masked,
        domain: "mx.example.com",
        notes: |_| {
            vec![
                EhloNote::MaskedKeyword {
                    as_sent: "XXXXXXXA".into(),
                },
                EhloNote::MaskedKeyword {
                    as_sent: "XXXB".into(),
                },
            ]
        },
    },
    EhloCase {
        name: "cisco_asa_masked_but_starttls_present",
        lines: &["250-mx.example.com", "250-XXXXXXXA", "250 STARTTLS"],
        endings: NO_SP,
        placement: StarttlsPlacement::EhloLine,
        domain: "mx.example.com",
        notes: |_| {
            vec![EhloNote::MaskedKeyword {
                as_sent: "XXXXXXXA".into(),
            }]
        },
    },
    EhloCase {
        name: "rfc1869_4_5_duplicate_keyword",
        lines: &[
            "250-mx.example.com",
            "250-SIZE 10",
            "250-size 20",
            "250 SIZE",
        ],
        endings: ALL,
        placement: StarttlsPlacement::Absent,
        domain: "mx.example.com",
        notes: |_| {
            vec![EhloNote::DuplicateKeyword {
                keyword: "SIZE".into(),
            }]
        },
    },
];

#[test]
fn rfc5321_4_1_1_1_ehlo_table() {
    for case in EHLO_CASES {
        for &e in case.endings {
            let reply = parse(case.lines, e);
            let ehlo = interpret_ehlo(&reply).unwrap();
            let ctx = format!("{} {e:?}", case.name);
            assert_eq!(ehlo.starttls, case.placement, "{ctx}");
            assert_eq!(ehlo.greeting.domain, case.domain, "{ctx}");
            assert_eq!(ehlo.notes, (case.notes)(e), "{ctx}");
            assert_eq!(
                ehlo.keywords.len() + ehlo.invalid_lines.len() + 1,
                case.lines.len(),
                "{ctx}"
            );
            assert!(ehlo.keywords.iter().all(|k| k.line >= 1), "{ctx}");
        }
    }
}

#[test]
fn rfc5321_4_1_1_1_greeting_fields() {
    for &e in NO_SP {
        let r = parse(&["250-mx.example.com Hello [192.0.2.1]", "250 8BITMIME"], e);
        let g = interpret_ehlo(&r).unwrap().greeting;
        assert_eq!(g.domain, "mx.example.com");
        assert_eq!(g.text.as_deref(), Some("Hello [192.0.2.1]"));
        let r = parse(&["250 mx.example.com"], e);
        assert_eq!(interpret_ehlo(&r).unwrap().greeting.text, None);
    }
    let r = parse(&["250 mx.example.com"], Ending::SpCrLf);
    assert_eq!(interpret_ehlo(&r).unwrap().greeting.text, None);
}

#[test]
fn rfc5321_4_1_1_1_ehlo_lines_keywords_and_params() {
    for &e in ALL {
        let r = parse(
            &[
                "250-mx.example.com",
                "250-SIZE 33554432",
                "250-AUTH PLAIN LOGIN",
                "250-8BITMIME",
                "250 X-EXPS GSSAPI",
            ],
            e,
        );
        let ehlo = interpret_ehlo(&r).unwrap();
        let got: Vec<(&str, Vec<&str>, usize)> = ehlo
            .keywords
            .iter()
            .map(|k| {
                (
                    k.keyword.as_str(),
                    k.params.iter().map(String::as_str).collect(),
                    k.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("SIZE", vec!["33554432"], 1),
                ("AUTH", vec!["PLAIN", "LOGIN"], 2),
                ("8BITMIME", vec![], 3),
                ("X-EXPS", vec!["GSSAPI"], 4),
            ]
        );
        assert!(ehlo.has_keyword("auth"));
        assert!(!ehlo.has_keyword("STARTTLS"));
        assert!(ehlo.invalid_lines.is_empty());
    }
}

#[test]
fn rfc5321_4_1_1_1_invalid_ehlo_lines() {
    let cases: &[(&str, bool)] = &[
        ("mail.domain1.com", true),
        ("mail.domain1.com Hello there", true),
        ("[192.0.2.1]", true),
        ("[IPv6:2001:db8::1]", true),
        ("-STARTTLS", false),
        ("SIZE  10", false),
        ("", false),
        ("caf\u{e9}", false),
        ("a_b.example", false),
    ];
    for &(text, domain) in cases {
        for &e in NO_SP {
            let first = "250-mx.example.com".to_string();
            let line = format!("250 {text}");
            let r = parse(&[&first, &line], e);
            let ehlo = interpret_ehlo(&r).unwrap();
            assert!(ehlo.keywords.is_empty(), "{text:?}");
            assert_eq!(ehlo.invalid_lines.len(), 1, "{text:?}");
            assert_eq!(ehlo.invalid_lines[0].line, 1);
            assert_eq!(ehlo.invalid_lines[0].text, text);
            assert_eq!(ehlo.invalid_lines[0].looks_like_domain, domain, "{text:?}");
        }
    }
}

#[test]
fn rfc5321_4_1_1_1_not_250() {
    for &e in ALL {
        for (lines, code) in [
            (&["550 go away"][..], 550),
            (&["421-busy", "421 STARTTLS"][..], 421),
            (&["220 STARTTLS"][..], 220),
        ] {
            let r = parse(lines, e);
            assert_eq!(interpret_ehlo(&r), Err(EhloError::NotAccepted { code }));
            // Only clients that read no codes (OpenSSL s_client) or only the first digit can
            // take a 220 for success; every client refuses a 4xx or 5xx.
            let code_blind = |c: &smtp_grammar::ClientProfile| {
                c.rule.code == CodeRule::Ignored
                    || (code == 220
                        && !matches!(
                            c.rule.code,
                            CodeRule::FirstIs250 | CodeRule::LastIs250 | CodeRule::SameCodeOrWait
                        ))
            };
            assert!(CLIENTS
                .iter()
                .filter(|c| !code_blind(c))
                .all(|c| !sees_starttls(c.rule, &r)));
        }
    }
}

#[test]
fn rfc1869_4_3_ehlo_keyword_syntax() {
    for (word, ok) in [
        (&b"STARTTLS"[..], true),
        (b"8BITMIME", true),
        (b"X-EXPS", true),
        (b"a", true),
        (b"A-", true),
        (b"", false),
        (b"-A", false),
        (b"A_B", false),
        (b"A.B", false),
        (b"A B", false),
        (b"STARTTLS\r", false),
        (b"\xc3\xa9", false),
    ] {
        assert_eq!(
            is_ehlo_keyword(word),
            ok,
            "{:?}",
            String::from_utf8_lossy(word)
        );
    }
}

// ------------------------------------------------------------------------------ clients

fn sees(reply: &Reply) -> Vec<(&'static str, bool)> {
    client_view(reply)
        .into_iter()
        .map(|v| (v.client, v.sees_starttls))
        .collect()
}

fn who_sees(lines: &[&str], e: Ending) -> Vec<&'static str> {
    sees(&parse(lines, e))
        .into_iter()
        .filter(|(_, s)| *s)
        .map(|(c, _)| c)
        .collect()
}

/// The clients that skip line 1 of the EHLO reply (RFC 5321 4.1.1.1), in table order.
const STRICT: &[&str] = &[
    "cisco-esa",
    "postfix",
    "exim",
    "sendmail",
    "kumomta",
    "python-smtplib",
    "aiosmtplib",
    "go-net-smtp",
    "ruby-net-smtp",
    "jakarta-mail",
    "stalwart-mail-send",
];

/// The clients that also search line 1.
const LENIENT: &[&str] = &[
    "opensmtpd",
    "nodemailer",
    "perl-net-smtp",
    "lettre",
    "posttls-finger",
    "swaks",
    "openssl-s-client",
    "curl",
    "msmtp",
    "testssl-sh",
    "zgrab2",
];

#[test]
fn clients_table_is_complete() {
    let mut ids: Vec<_> = CLIENTS.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    let mut want: Vec<_> = STRICT.iter().chain(LENIENT).copied().collect();
    want.sort_unstable();
    assert_eq!(ids, want);
    for c in CLIENTS {
        assert!(!c.source.is_empty() && !c.name.is_empty() && !c.version.is_empty());
        assert_eq!(
            STRICT.contains(&c.id),
            c.rule.line_one == LineOne::Skipped,
            "{}",
            c.id
        );
    }
    for id in ["cisco-esa", "kumomta", "zgrab2"] {
        let p = CLIENTS.iter().find(|c| c.id == id).unwrap();
        assert_eq!(
            p.evidence,
            Evidence::Source,
            "{id} cannot be run in the lab"
        );
    }
}

#[test]
fn rfc5321_4_1_1_1_clients_on_seed_reply() {
    for &e in NO_SP {
        let r = parse(SEED_BROKEN, e);
        let view = client_view(&r);
        let get = |id: &str| view.iter().find(|v| v.client == id).unwrap().clone();
        for id in STRICT {
            assert!(!get(id).sees_starttls, "{id} {e:?}");
            assert!(!get(id).will_upgrade, "{id} {e:?}");
        }
        assert_eq!(
            get("cisco-esa").would_log,
            Some("STARTTLS command not supported.")
        );
        assert_eq!(
            get("python-smtplib").would_log,
            Some("STARTTLS extension not supported by server.")
        );
        for id in LENIENT {
            // lettre waits for a CRLF that a bare-LF reply never sends.
            if *id == "lettre" && e == Ending::Lf {
                assert_eq!(get(id).outcome, Outcome::Hangs(Stuck::BareLf));
                continue;
            }
            assert!(get(id).sees_starttls, "{id} {e:?}");
            assert!(get(id).will_upgrade, "{id} {e:?}");
            assert_eq!(get(id).would_log, None);
        }
    }
    // `250-STARTTLS ` with a trailing space: the whole-line matchers miss it.
    let r = parse(SEED_BROKEN, Ending::SpCrLf);
    let got: Vec<_> = sees(&r)
        .into_iter()
        .filter(|(_, s)| *s)
        .map(|(c, _)| c)
        .collect();
    let want: Vec<_> = LENIENT
        .iter()
        .copied()
        .filter(|c| !["opensmtpd", "swaks"].contains(c))
        .collect();
    let mut got_sorted = got.clone();
    got_sorted.sort_unstable();
    let mut want_sorted = want.clone();
    want_sorted.sort_unstable();
    assert_eq!(got_sorted, want_sorted);
}

#[test]
fn rfc1869_4_5_clients_on_lower_case_keyword() {
    {
        let e = Ending::CrLf;
        let got = who_sees(&["250-mx.example.com", "250-starttls", "250 SIZE 10"], e);
        // Case-sensitive: Exim's regex, Go's map, Ruby's hash, OpenSMTPD's strcmp, lettre,
        // swaks, curl, openssl, testssl.sh, zgrab2.
        let want = [
            "cisco-esa",
            "postfix",
            "sendmail",
            "kumomta",
            "python-smtplib",
            "aiosmtplib",
            "nodemailer",
            "perl-net-smtp",
            "jakarta-mail",
            "stalwart-mail-send",
            "posttls-finger",
            "msmtp",
        ];
        assert_eq!(got, want, "{e:?}");
        let r = parse(&["250-mx.example.com", "250 starttls"], e);
        let view = client_view(&r);
        let swaks = view.iter().find(|v| v.client == "swaks").unwrap();
        assert_eq!(swaks.would_log, Some("Host did not advertise STARTTLS"));
        let openssl = view
            .iter()
            .find(|v| v.client == "openssl-s-client")
            .unwrap();
        assert!(!openssl.sees_starttls);
        assert!(openssl.will_upgrade);
        assert_eq!(openssl.outcome, Outcome::SendsAnyway);
        assert_eq!(
            openssl.would_log,
            Some("Didn't find STARTTLS in server response, trying anyway...")
        );
    }
}

#[test]
fn rfc5321_4_1_1_1_clients_on_valid_reply() {
    for &e in NO_SP {
        let got = who_sees(&["250-mx.example.com", "250-8BITMIME", "250 STARTTLS"], e);
        let want = if e == Ending::Lf {
            CLIENTS.len() - 1 // lettre hangs on the bare LF
        } else {
            CLIENTS.len()
        };
        assert_eq!(got.len(), want, "{e:?}");
    }
}

#[test]
fn rfc5321_4_1_1_1_clients_on_greeting_text() {
    let e = Ending::CrLf;
    // STARTTLS as a later word of the greeting: substring and word-boundary matchers see it.
    let got = who_sees(&["250-mx.example.com STARTTLS", "250 SIZE 10"], e);
    assert_eq!(got, ["nodemailer", "openssl-s-client", "zgrab2"]);
    // Inside another keyword.
    let got = who_sees(&["250-mx.example.com", "250 X-STARTTLSX"], e);
    assert_eq!(got, ["openssl-s-client", "zgrab2"]);
    let got = who_sees(&["250-mx.example.com", "250 X-STARTTLS"], e);
    assert_eq!(got, ["nodemailer", "openssl-s-client", "zgrab2"]);
    let got = who_sees(&["250-mx.example.com", "250 STARTTLSX"], e);
    assert_eq!(
        got,
        ["openssl-s-client", "curl", "msmtp", "testssl-sh", "zgrab2"]
    );
    // Absent.
    assert!(who_sees(&["250-mx.example.com", "250 SIZE 10"], e).is_empty());
}

#[test]
fn rfc1869_4_3_clients_on_keyword_with_params() {
    let got = who_sees(
        &["250-mx.example.com", "250 STARTTLS REQUIRED"],
        Ending::CrLf,
    );
    let missing: Vec<_> = CLIENTS
        .iter()
        .map(|c| c.id)
        .filter(|c| !got.contains(c))
        .collect();
    assert_eq!(missing, ["opensmtpd", "swaks"]);
    let r = parse(&["250-mx.example.com", "250 STARTTLS"], Ending::CrLf);
    assert!(CLIENTS.iter().all(|c| sees_starttls(c.rule, &r)));
}

#[test]
fn rfc5321_4_2_clients_on_mixed_codes() {
    // The last line carries another code: last-line readers see no 250, Go waits.
    let r = parse(
        &["250-mx.example.com", "250-STARTTLS", "251 8BITMIME"],
        Ending::CrLf,
    );
    let view = client_view(&r);
    let get = |id: &str| view.iter().find(|v| v.client == id).unwrap().clone();
    for id in ["python-smtplib", "aiosmtplib", "swaks"] {
        assert!(!get(id).will_upgrade, "{id}");
        assert_eq!(get(id).outcome, Outcome::NoTls, "{id}");
    }
    // Measured: lettre's parser fails on the differing codes, mail-send gives up on the 251.
    assert_eq!(get("lettre").outcome, Outcome::Errors(Stuck::MixedCodes));
    assert_eq!(
        get("stalwart-mail-send").outcome,
        Outcome::Errors(Stuck::CodeRefused)
    );
    assert_eq!(
        get("go-net-smtp").outcome,
        Outcome::Hangs(Stuck::MixedCodes)
    );
    for id in [
        "postfix",
        "exim",
        "sendmail",
        "opensmtpd",
        "curl",
        "posttls-finger",
        "ruby-net-smtp",
        "jakarta-mail",
        "perl-net-smtp",
        "nodemailer",
    ] {
        assert!(get(id).will_upgrade, "{id}");
    }
}

#[test]
fn clients_on_tab_and_equals_after_the_keyword() {
    // Measured on the MTAs (9c): Postfix turns a TAB into '?', Sendmail cuts at SP or '=',
    // Exim's regex takes any white space, OpenSMTPD wants the whole line.
    let e = Ending::CrLf;
    let tab = who_sees(
        &["250-mx.example.com", "250-STARTTLS\tx", "250 8BITMIME"],
        e,
    );
    let eq = who_sees(&["250-mx.example.com", "250-STARTTLS=x", "250 8BITMIME"], e);
    let code251 = who_sees(&["250-mx.example.com", "251-STARTTLS", "250 8BITMIME"], e);
    for (id, t, q, c) in [
        ("postfix", false, true, true),
        ("exim", true, false, false),
        ("sendmail", false, true, true),
        ("opensmtpd", false, false, true),
    ] {
        assert_eq!(tab.contains(&id), t, "{id} tab");
        assert_eq!(eq.contains(&id), q, "{id} =");
        assert_eq!(code251.contains(&id), c, "{id} 251");
    }
}

// --------------------------------------------------------------------------- transcripts

#[test]
fn seed_incorrect_transcript_is_greeting_only() {
    let x = extract_ehlo_reply(SEED_INCORRECT, Limits::default()).unwrap();
    assert_eq!(x.ehlo_command.as_deref(), Some("EHLO ESA.com"));
    assert!(x.pasted_with_lf);
    let banner = x.banner.unwrap();
    assert_eq!(banner.code, 220);
    assert_eq!(
        banner.text_lossy(0),
        "mail.domain1.com ESMTTP Service ready"
    );
    assert_eq!(x.ehlo_reply.lines.len(), 7);
    assert!(x.ehlo_reply.anomalies.is_empty());
    let ehlo = interpret_ehlo(&x.ehlo_reply).unwrap();
    assert_eq!(ehlo.starttls, StarttlsPlacement::GreetingOnly);
    assert_eq!(ehlo.greeting.domain, "STARTTLS");
    assert_eq!(ehlo.invalid_lines.len(), 1);
    assert_eq!(ehlo.invalid_lines[0].text, "mail.domain1.com");
    assert!(ehlo.invalid_lines[0].looks_like_domain);
    let kw: Vec<_> = ehlo.keywords.iter().map(|k| k.keyword.as_str()).collect();
    assert_eq!(kw, ["8BITMIME", "PIPELINING", "HELP", "DELIVERBY", "SIZE"]);
    let v = client_view(&x.ehlo_reply);
    let sees = |id: &str| v.iter().find(|c| c.client == id).unwrap().sees_starttls;
    assert!(!sees("cisco-esa"));
    assert!(!sees("python-smtplib"));
    assert!(
        !sees("postfix"),
        "Postfix's smtp client reads line 1 as the server's name"
    );
    assert!(sees("posttls-finger"));
    assert!(sees("swaks"));
    assert!(sees("openssl-s-client"));
}

#[test]
fn seed_correct_transcript_is_ehlo_line() {
    for input in [SEED_CORRECT.to_vec(), SEED_CORRECT.to_vec().replace_lf()] {
        let x = extract_ehlo_reply(&input, Limits::default()).unwrap();
        assert_eq!(
            x.ehlo_command.as_deref(),
            Some("EHLO connecting.server.com")
        );
        assert_eq!(x.banner.unwrap().text_lossy(0), "mail-esa.com ESMTX");
        assert_eq!(x.ehlo_reply.lines.len(), 4);
        assert_eq!(x.ehlo_reply.text_lossy(3), "STARTTLS");
        let ehlo = interpret_ehlo(&x.ehlo_reply).unwrap();
        assert_eq!(ehlo.starttls, StarttlsPlacement::EhloLine);
        assert_eq!(ehlo.greeting.domain, "mail-esa.com");
        assert!(ehlo.notes.is_empty());
        // A paste is re-read line by line: its line endings are not the server's.
        assert!(client_view(&x.ehlo_reply).iter().all(|v| v.sees_starttls));
    }
}

trait ReplaceLf {
    fn replace_lf(self) -> Vec<u8>;
}

impl ReplaceLf for Vec<u8> {
    /// LF -> CRLF.
    fn replace_lf(self) -> Vec<u8> {
        let mut out = Vec::new();
        for b in self {
            if b == b'\n' {
                out.push(b'\r');
            }
            out.push(b);
        }
        out
    }
}

#[test]
fn transcript_prefixes_and_indentation() {
    let inputs: &[&str] = &[
        // swaks
        "=== Trying mx:25...\n<-  220 mx ESMTP\n -> EHLO me\n<-  250-mx\n<-  250-PIPELINING\n<-  250 STARTTLS\n -> STARTTLS\n",
        // S:/C:
        "S: 220 mx ESMTP\nC: EHLO me\nS: 250-mx\nS: 250-PIPELINING\nS: 250 STARTTLS\n",
        // <<< / >>>
        "<<< 220 mx ESMTP\n>>> EHLO me\n<<< 250-mx\n<<< 250-PIPELINING\n<<< 250 STARTTLS\n",
        // < / > with CRLF and indentation
        "  < 220 mx ESMTP\r\n  > EHLO me\r\n  < 250-mx\r\n  < 250-PIPELINING\r\n  < 250 STARTTLS\r\n",
        // a bare reply
        "250-mx\n250-PIPELINING\n250 STARTTLS",
    ];
    for input in inputs {
        let x = extract_ehlo_reply(input.as_bytes(), Limits::default())
            .unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(x.ehlo_reply.lines.len(), 3, "{input:?}");
        let ehlo = interpret_ehlo(&x.ehlo_reply).unwrap();
        assert_eq!(ehlo.greeting.domain, "mx");
        assert_eq!(ehlo.starttls, StarttlsPlacement::EhloLine, "{input:?}");
        assert_eq!(x.ehlo_command.is_some(), !input.starts_with("250"));
        assert_eq!(x.banner.is_some(), !input.starts_with("250"));
    }
}

#[test]
fn transcript_takes_the_reply_after_ehlo() {
    // A 250 before EHLO (to a HELO, say) is not the EHLO reply; the second EHLO's reply is not.
    let input = b"220 mx\nHELO a\n250 mx hi\nEHLO a\n250-mx\n250 SIZE 1\nSTARTTLS\n220 go\nEHLO a\n250-mx\n250 AUTH PLAIN\n";
    let x = extract_ehlo_reply(input, Limits::default()).unwrap();
    assert_eq!(x.ehlo_reply.text_lossy(1), "SIZE 1");
}

#[test]
fn transcript_errors() {
    assert_eq!(
        extract_ehlo_reply(b"", Limits::default()),
        Err(TranscriptError::NoEhloReply)
    );
    assert_eq!(
        extract_ehlo_reply(b"220 mx\nEHLO a\n550 no\n", Limits::default()),
        Err(TranscriptError::NoEhloReply)
    );
    assert_eq!(
        extract_ehlo_reply(b"220 mx\nEHLO a\n250-mx\n250-SIZE 1\n", Limits::default()),
        Err(TranscriptError::Incomplete)
    );
    let limits = Limits {
        max_lines_per_reply: 2,
        ..Limits::default()
    };
    assert_eq!(
        extract_ehlo_reply(b"250-a\n250-b\n250 c\n", limits),
        Err(TranscriptError::Reply(ReplyError::TooManyLines {
            limit: 2
        }))
    );
}

// ------------------------------------------------------------------------------- escape

#[test]
fn escape_controls_and_invalid_utf8() {
    let cases: &[(&[u8], &str)] = &[
        (b"250 STARTTLS", "250 STARTTLS"),
        (b"a\r\n\tb", "a\\r\\n\\tb"),
        (b"\\", "\\\\"),
        (b"\x1b[31mred", "\\x1b[31mred"),
        (b"\x00\x7f", "\\x00\\x7f"),
        (b"caf\xc3\xa9", "caf\u{e9}"),
        (b"caf\xe9", "caf\\xe9"),
        (b"\xc2\x85", "\\u{0085}"),
        (
            "a\u{202e}b\u{2028}c\u{2066}".as_bytes(),
            "a\\u{202e}b\\u{2028}c\\u{2066}",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(escape_bytes(input), *want);
    }
    let all: Vec<u8> = (0..=255).collect();
    let out = escape_bytes(&all);
    assert!(!out.chars().any(char::is_control));
}

// --------------------------------------------------------------------- fuzz regressions

/// Inputs kept from fuzzing runs and edge cases: no panic, stable results.
#[test]
fn fuzz_regressions() {
    let inputs: &[&[u8]] = &[
        b"",
        b"\n",
        b"\r",
        b"\r\n",
        b"250",
        b"250\r",
        b"250-\r\r\n250",
        b"250\xff\r\n",
        b"250-STARTTLS\r\n250-\r\n250 \r\n",
        b"250-\xe2\x80\xae\r\n250 XXXA \t\r\n",
        b"220 a\n220-b\n",
        b"<-- 250 a\n",
        b"EHLO\n250-a <--\n250 b\n",
        b"ehlo\t\n 250-a\n\tper RFC.\n 250 STARTTLS <== x\n",
        b"S:\nC:\n<\n>\n250",
        b"250 a <---",
        b" <---250 a\n",
    ];
    for input in inputs {
        let limits = Limits::default();
        if let Ok(reply) = parse_reply(input, limits) {
            let _ = interpret_ehlo(&reply);
            let _ = client_view(&reply);
        }
        if let Ok(x) = extract_ehlo_reply(input, limits) {
            assert_eq!(x.ehlo_reply.code, 250);
            assert!(interpret_ehlo(&x.ehlo_reply).is_ok());
        }
        let mut r = ReplyReader::new(Limits {
            max_line_len: 3,
            max_lines_per_reply: 1,
            max_reply_bytes: 4,
        });
        for b in input.iter() {
            r.push(std::slice::from_ref(b));
            if r.next_reply().is_err() {
                break;
            }
        }
        assert!(!escape_bytes(input).chars().any(char::is_control));
    }
    // The wrapped annotation line is ignored, `<==` annotations are stripped.
    let x = extract_ehlo_reply(
        b"ehlo\t\n 250-a\n\tper RFC.\n 250 STARTTLS <== x\n",
        Limits::default(),
    )
    .unwrap();
    assert_eq!(x.ehlo_command.as_deref(), Some("ehlo"));
    assert_eq!(x.ehlo_reply.text_lossy(1), "STARTTLS");
    // An empty continuation line is an invalid ehlo-line, not a keyword.
    let r = parse_reply(b"250-STARTTLS\r\n250-\r\n250 \r\n", Limits::default()).unwrap();
    let ehlo = interpret_ehlo(&r).unwrap();
    assert_eq!(ehlo.invalid_lines.len(), 2);
    assert_eq!(ehlo.starttls, StarttlsPlacement::GreetingOnly);
    // Masked keyword with trailing white space.
    let r = parse_reply(b"250-\xe2\x80\xae\r\n250 XXXA \t\r\n", Limits::default()).unwrap();
    assert_eq!(
        interpret_ehlo(&r).unwrap().starttls,
        StarttlsPlacement::Masked
    );
}

#[test]
fn rfc5321_4_1_1_1_starttls_on_a_malformed_line_is_still_offered() {
    // HTAB is not the ehlo-param separator, but clients split on white space and see STARTTLS.
    for &e in ALL {
        let r = parse(&["250-mx.example.com", "250 STARTTLS\tNOW"], e);
        let ehlo = interpret_ehlo(&r).unwrap();
        assert_eq!(ehlo.starttls, StarttlsPlacement::EhloLine, "{e:?}");
        assert_eq!(ehlo.invalid_lines.len(), 1, "{e:?}");
        assert!(client_view(&r).iter().any(|v| v.sees_starttls));
    }
}
