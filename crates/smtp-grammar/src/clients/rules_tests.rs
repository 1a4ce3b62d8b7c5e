//! Table-driven tests, one table per rule property: each case is one reply and the property's
//! values that see STARTTLS in it, every other property held at the strict baseline.

use super::*;
use crate::reply::{parse_reply, Limits};

use crate::clients::table::STRICT as BASE;

fn reply(s: &str) -> Reply {
    parse_reply(s.as_bytes(), Limits::default()).expect("test reply parses")
}

fn sees(rule: Rule, s: &str) -> bool {
    rule.evaluate(&reply(s)).sees_starttls
}

#[test]
fn line_one() {
    let cases = [
        (
            "250-STARTTLS\r\n250-mx.example\r\n250 SIZE 1\r\n",
            [false, true],
        ),
        ("250-mx.example\r\n250 STARTTLS\r\n", [true, true]),
        ("250 STARTTLS\r\n", [false, true]),
        ("250-mx.example\r\n250 SIZE 1\r\n", [false, false]),
    ];
    for (input, want) in cases {
        for (v, w) in [LineOne::Skipped, LineOne::Scanned].into_iter().zip(want) {
            let rule = Rule {
                line_one: v,
                ..BASE
            };
            assert_eq!(sees(rule, input), w, "{v:?} {input:?}");
        }
    }
}

#[test]
fn single_line() {
    let cases = [
        ("250 STARTTLS\r\n", [false, true]),
        // A multi-line reply's line 1 stays skipped either way.
        ("250-STARTTLS\r\n250 SIZE 1\r\n", [false, false]),
    ];
    for (input, want) in cases {
        for (v, w) in [SingleLine::LikeLineOne, SingleLine::Scanned]
            .into_iter()
            .zip(want)
        {
            let rule = Rule {
                single_line: v,
                ..BASE
            };
            assert_eq!(sees(rule, input), w, "{v:?} {input:?}");
        }
    }
}

#[test]
fn keyword_match() {
    use KeywordMatch::*;
    let all = [
        FirstWord,
        LeadingToken,
        WholeLine,
        Prefix,
        Substring,
        WordBoundary,
    ];
    // Per input: which of `all` see it (line 2 carries the text under test).
    let cases: [(&str, [bool; 6]); 9] = [
        ("STARTTLS", [true, true, true, true, true, true]),
        ("STARTTLS ", [true, true, false, true, true, true]),
        ("STARTTLS REQUIRED", [true, true, false, true, true, true]),
        ("STARTTLS=1", [false, true, false, true, true, true]),
        ("STARTTLSX", [false, false, false, true, true, false]),
        ("X-STARTTLS", [false, false, false, false, true, true]),
        ("XSTARTTLS", [false, false, false, false, true, false]),
        ("SIZE 1 STARTTLS", [false, false, false, false, true, true]),
        ("STARTTLS\tx", [true, true, false, true, true, true]),
    ];
    for (text, want) in cases {
        let input = format!("250-mx.example\r\n250 {text}\r\n");
        for (v, w) in all.into_iter().zip(want) {
            let rule = Rule { keyword: v, ..BASE };
            assert_eq!(sees(rule, &input), w, "{v:?} {text:?}");
        }
    }
}

#[test]
fn case() {
    let cases = [
        ("STARTTLS", [true, true]),
        ("starttls", [true, false]),
        ("StartTLS", [true, false]),
    ];
    for (text, want) in cases {
        let input = format!("250-mx.example\r\n250 {text}\r\n");
        for (v, w) in [Case::Insensitive, Case::UpperOnly].into_iter().zip(want) {
            let rule = Rule { case: v, ..BASE };
            assert_eq!(sees(rule, &input), w, "{v:?} {text:?}");
        }
    }
}

#[test]
fn code_rule() {
    use CodeRule::*;
    let all = [
        FirstIs250,
        FirstIs2xx,
        LastIs250,
        LastIs2xx,
        KeywordLineIs250,
        SameCodeOrWait,
        Ignored,
        SameCodeOrError,
        KeywordAndLastLineAre250,
    ];
    // None: the client hangs (Go) or errors (lettre) on mixed codes.
    let cases: [(&str, [Option<bool>; 9]); 4] = [
        // Plain 250: everyone sees it.
        ("250-mx\r\n250-STARTTLS\r\n250 SIZE 1\r\n", [Some(true); 9]),
        // Mixed codes, last line 251: last-line readers see no 250, Go waits (None).
        (
            "250-mx\r\n250-STARTTLS\r\n251 8BITMIME\r\n",
            [
                Some(true),
                Some(true),
                Some(false),
                Some(true),
                Some(true),
                None,
                Some(true),
                None,
                Some(false),
            ],
        ),
        // STARTTLS on a line coded 251 inside a 250 reply.
        (
            "250-mx\r\n251-STARTTLS\r\n250 SIZE 1\r\n",
            [
                Some(true),
                Some(true),
                Some(true),
                Some(true),
                Some(false),
                Some(false),
                Some(true),
                None,
                Some(false),
            ],
        ),
        // A 252 reply: only 2xx readers and code-blind ones accept it.
        (
            "252-mx\r\n252 STARTTLS\r\n",
            [
                Some(false),
                Some(true),
                Some(false),
                Some(true),
                Some(false),
                Some(false),
                Some(true),
                Some(true),
                Some(false),
            ],
        ),
    ];
    for (input, want) in cases {
        for (v, w) in all.into_iter().zip(want) {
            let rule = Rule { code: v, ..BASE };
            let e = rule.evaluate(&reply(input));
            match w {
                Some(w) => assert_eq!(e.sees_starttls, w, "{v:?} {input:?}"),
                None => assert!(
                    matches!(
                        e.outcome,
                        Outcome::Hangs(Stuck::MixedCodes) | Outcome::Errors(Stuck::MixedCodes)
                    ),
                    "{v:?}"
                ),
            }
        }
    }
}

#[test]
fn bare_lf() {
    let crlf = "250-mx\r\n250 STARTTLS\r\n";
    let lf = "250-mx\n250 STARTTLS\n";
    for (input, accepted, hangs) in [(crlf, true, true), (lf, true, false)] {
        let a = Rule {
            bare_lf: BareLf::Accepted,
            ..BASE
        };
        let h = Rule {
            bare_lf: BareLf::Hangs,
            ..BASE
        };
        assert_eq!(sees(a, input), accepted, "{input:?}");
        assert_eq!(sees(h, input), hangs, "{input:?}");
    }
    let h = Rule {
        bare_lf: BareLf::Hangs,
        ..BASE
    };
    assert_eq!(
        h.evaluate(&reply(lf)).outcome,
        Outcome::Hangs(Stuck::BareLf)
    );
}

#[test]
fn max_line() {
    let long = format!("250-mx\r\n250-X {}\r\n250 STARTTLS\r\n", "a".repeat(1994));
    for (max, want) in [(None, true), (Some(8192), true), (Some(1000), false)] {
        let rule = Rule {
            max_line: max,
            ..BASE
        };
        let e = rule.evaluate(&reply(&long));
        assert_eq!(e.sees_starttls, want, "{max:?}");
        if !want {
            assert_eq!(e.outcome, Outcome::Errors(Stuck::LineTooLong));
        }
    }
}

#[test]
fn sends_anyway() {
    let input = "250-STARTTLS\r\n250 SIZE 1\r\n";
    for (v, outcome) in [(false, Outcome::NoTls), (true, Outcome::SendsAnyway)] {
        let rule = Rule {
            sends_anyway: v,
            ..BASE
        };
        let e = rule.evaluate(&reply(input));
        assert!(!e.sees_starttls);
        assert_eq!(e.outcome, outcome);
        assert_eq!(e.outcome.sends_starttls(), v);
    }
}

#[test]
fn every_property_is_described() {
    let rule = Rule {
        max_line: Some(1000),
        sends_anyway: true,
        refused: Refused::Errors,
        ..BASE
    };
    let words = rule.describe();
    assert_eq!(words.len(), 8, "{words:?}");
    assert!(words.iter().any(|w| w.contains("1000")));
}

#[test]
fn word_end() {
    use WordEnd::*;
    // Per text: Space, SpaceTab, SpaceEquals.
    let cases = [
        ("STARTTLS", [true, true, true]),
        ("STARTTLS REQUIRED", [true, true, true]),
        ("STARTTLS\tx", [false, true, false]),
        ("STARTTLS=x", [false, false, true]),
    ];
    for (text, want) in cases {
        let input = format!("250-mx.example\r\n250 {text}\r\n");
        for (v, w) in [Space, SpaceTab, SpaceEquals].into_iter().zip(want) {
            let rule = Rule {
                word_end: v,
                ..BASE
            };
            assert_eq!(sees(rule, &input), w, "{v:?} {text:?}");
        }
    }
}

#[test]
fn refused() {
    let input = "250-mx\r\n250-STARTTLS\r\n251 8BITMIME\r\n";
    let rule = |r| Rule {
        code: CodeRule::LastIs250,
        refused: r,
        ..BASE
    };
    assert_eq!(
        rule(Refused::FallsBack).evaluate(&reply(input)).outcome,
        Outcome::NoTls
    );
    let e = rule(Refused::Errors).evaluate(&reply(input));
    assert_eq!(e.outcome, Outcome::Errors(Stuck::CodeRefused));
    assert!(e.outcome.detail().is_some());
    // An accepted code is not affected.
    let ok = "250-mx\r\n250 STARTTLS\r\n";
    assert!(rule(Refused::Errors).evaluate(&reply(ok)).sees_starttls);
}

#[test]
fn code_rule_names_keep_their_digits_apart() {
    // The README and `clients --json` spell these with a hyphen before the digits.
    let names = [
        (CodeRule::FirstIs250, "\"first-is-250\""),
        (CodeRule::LastIs2xx, "\"last-is-2xx\""),
        (
            CodeRule::KeywordAndLastLineAre250,
            "\"keyword-and-last-line-are-250\"",
        ),
        (CodeRule::SameCodeOrWait, "\"same-code-or-wait\""),
    ];
    for (rule, want) in names {
        assert_eq!(serde_json::to_string(&rule).expect("serialises"), want);
    }
}
