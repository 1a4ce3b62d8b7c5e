//! `--output junit`: JUnit XML as Jenkins' junit step and GitLab's `artifacts:reports:junit`
//! read it. A `<testsuite>` per target, a `<testcase>` per check of each probe; which check
//! failed, errored or was skipped is decided in [`crate::diagnose::monitor`].

use std::fmt::Write;

use crate::model::{CheckOutcome, CheckResult, Finding, TargetFacts};

/// XML 1.0 text and attribute values: markup escaped, characters XML cannot carry replaced.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

fn finding_text(f: &Finding) -> String {
    let mut s = format!("[{}] {}: {}", f.severity.as_str(), f.id.as_str(), f.message);
    if let Some(e) = &f.evidence {
        let _ = write!(s, "\nevidence: {e}");
    }
    if let Some(h) = &f.hint {
        let _ = write!(s, "\nhint: {h}");
    }
    s
}

struct Case {
    name: String,
    time: Option<f64>,
    result: CheckResult,
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

fn cases(t: &TargetFacts) -> Vec<Case> {
    let mut out = Vec::new();
    for c in &t.checks {
        out.push(Case {
            name: format!("domain {}: {}", t.input, c.check.as_str()),
            time: None,
            result: c.clone(),
        });
    }
    let named = t.probes.len() > 1 || t.probes.iter().any(|p| p.mx.is_some());
    for p in &t.probes {
        for c in &p.checks {
            let name = if named {
                format!("{}: {}", p.name, c.check.as_str())
            } else {
                c.check.as_str().to_string()
            };
            out.push(Case {
                name,
                time: p
                    .duration_seconds
                    .filter(|_| c.check == crate::model::Check::Connection),
                result: c.clone(),
            });
        }
    }
    out
}

fn count(cases: &[Case]) -> Counts {
    let mut n = Counts {
        tests: cases.len(),
        ..Counts::default()
    };
    for c in cases {
        match c.result.outcome {
            CheckOutcome::Failed => n.failures += 1,
            CheckOutcome::Errored => n.errors += 1,
            CheckOutcome::Skipped(_) => n.skipped += 1,
            CheckOutcome::Passed => {}
        }
    }
    n
}

fn testcase(out: &mut String, classname: &str, case: &Case) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.6}\"",
        xml(&case.name),
        xml(classname),
        case.time.unwrap_or(0.0)
    );
    let findings = &case.result.findings;
    let first = findings.iter().max_by_key(|f| f.severity);
    let body: Vec<String> = findings.iter().map(finding_text).collect();
    let body = xml(&body.join("\n"));
    match (&case.result.outcome, first) {
        (CheckOutcome::Passed, _) if findings.is_empty() => out.push_str("/>\n"),
        (CheckOutcome::Passed, _) => {
            let _ = writeln!(
                out,
                ">\n      <system-out>{body}</system-out>\n    </testcase>"
            );
        }
        (CheckOutcome::Skipped(why), _) => {
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                xml(why)
            );
        }
        (outcome, first) => {
            let tag = if *outcome == CheckOutcome::Errored {
                "error"
            } else {
                "failure"
            };
            let (message, kind) =
                first.map_or((String::new(), ""), |f| (f.message.clone(), f.id.as_str()));
            let _ = writeln!(
                out,
                ">\n      <{tag} message=\"{}\" type=\"{}\">{body}</{tag}>\n    </testcase>",
                xml(&message),
                xml(kind)
            );
        }
    }
}

/// The targets as one `<testsuites>` document.
pub fn render_junit(targets: &[TargetFacts]) -> String {
    let suites: Vec<(&TargetFacts, Vec<Case>)> = targets.iter().map(|t| (t, cases(t))).collect();
    let mut total = Counts::default();
    let mut time = 0.0;
    for (t, cases) in &suites {
        let n = count(cases);
        total.tests += n.tests;
        total.failures += n.failures;
        total.errors += n.errors;
        total.skipped += n.skipped;
        time += t.duration_seconds.unwrap_or(0.0);
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"smtp-tls-check\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time:.6}\">",
        total.tests, total.failures, total.errors, total.skipped
    );
    for (t, cases) in &suites {
        let n = count(cases);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.6}\">",
            xml(&t.input),
            n.tests,
            n.failures,
            n.errors,
            n.skipped,
            t.duration_seconds.unwrap_or(0.0)
        );
        let classname = format!("smtp-tls-check.{}", t.input);
        for case in cases {
            testcase(&mut out, &classname, case);
        }
        let _ = writeln!(
            out,
            "    <system-out>{}: {}</system-out>\n  </testsuite>",
            t.verdict.as_str(),
            xml(&t.summary)
        );
    }
    out.push_str("</testsuites>\n");
    out
}
