use std::fmt::Write;

use super::{visible_ends, Style};
use crate::model::{ClientViewEntry, LineRole, Report, TranscriptDirection};

fn opt_ms(v: Option<f64>) -> Option<String> {
    v.map(|ms| format!("{ms:.1} ms"))
}

/// Whether TARGET was typed as an address (`192.0.2.1`, `[2001:db8::1]:25`), not a name.
fn typed_ip_literal(input: &str) -> bool {
    input.parse::<std::net::SocketAddr>().is_ok()
        || input
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok()
}

/// The human report: verdict line first, then the annotated EHLO reply, the client view, TLS,
/// findings and timings.
pub fn render_human(report: &Report, style: &Style) -> String {
    let mut out = String::new();
    let who = report
        .target
        .as_ref()
        .map(|t| match &t.address {
            // An IP literal typed is the address connected to: say it once, with its port.
            // (A named input such as `demo:seeds-broken` on 127.0.0.1 keeps its name.)
            Some(addr) if typed_ip_literal(&t.input) => addr.clone(),
            Some(addr) => format!("{} ({addr})", t.input),
            None => t.input.clone(),
        })
        .unwrap_or_else(|| "EHLO reply".to_string());
    let _ = writeln!(
        out,
        "{}  {}: {}",
        style.verdict(report.verdict),
        style.bold(&who),
        report.summary
    );

    if let Some(input) = &report.input {
        let lines = match (input.reply_lines.first(), input.reply_lines.last()) {
            (Some(a), Some(b)) if a != b => format!("; EHLO reply on paste lines {a}-{b}"),
            (Some(a), _) => format!("; EHLO reply on paste line {a}"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "\n{}  {}{lines}",
            style.bold("Input"),
            input.format_name
        );
        for note in &input.notes {
            let _ = writeln!(out, "  - {note}");
        }
    }

    if let Some(target) = &report.target {
        let failed: Vec<_> = target
            .attempts
            .iter()
            .filter(|a| a.error.is_some())
            .collect();
        if !failed.is_empty() {
            let _ = writeln!(out, "\n{}", style.bold("Connection attempts"));
            for a in &target.attempts {
                match &a.error {
                    Some(e) => {
                        let _ = writeln!(out, "  {}  {e}", a.address);
                    }
                    None => {
                        let _ = writeln!(out, "  {}  connected", a.address);
                    }
                }
            }
        }
    }

    if let Some(banner) = &report.banner {
        let _ = writeln!(out, "\n{}", style.bold("Banner"));
        for line in &banner.lines {
            let _ = writeln!(out, "  {} {line}", banner.code);
        }
    }

    if let Some(ehlo) = &report.ehlo {
        let _ = writeln!(
            out,
            "\n{}  {}",
            style.bold("EHLO reply"),
            style.dim("(RFC 5321 4.1.1.1: line 1 is the greeting; keywords start on line 2)")
        );
        let width = ehlo
            .lines
            .iter()
            .map(|l| visible_ends(&l.raw).chars().count())
            .max()
            .unwrap_or(0)
            .min(48);
        for (i, line) in ehlo.lines.iter().enumerate() {
            let note = line.note.clone().unwrap_or_default();
            let note = match line.role {
                LineRole::GreetingIgnoredByStrictClients => style.red(&note),
                LineRole::InvalidEhloLine => style.yellow(&note),
                LineRole::Greeting | LineRole::EhloLine => style.dim(&note),
            };
            let raw = visible_ends(&line.raw);
            let _ = writeln!(out, "  {:>2}  {raw:<width$}  <- {note}", i + 1);
        }
        let _ = writeln!(out, "  STARTTLS: {}", style.bold(ehlo.starttls));
    }

    if !report.client_view.is_empty() {
        render_client_view(&mut out, &report.client_view, style);
    }

    if let Some(tls) = &report.tls {
        let _ = writeln!(
            out,
            "\n{}  {}",
            style.bold("TLS"),
            style.dim(&format!("({})", tls.mode))
        );
        if tls.established {
            let _ = writeln!(
                out,
                "  {} {} {}",
                tls.version.as_deref().unwrap_or("?"),
                tls.cipher.as_deref().unwrap_or("?"),
                tls.group.as_deref().unwrap_or("")
            );
        } else if let Some(h) = &tls.handshake_error {
            let _ = writeln!(out, "  {} {}", style.red("handshake failed:"), h.sentence);
        }
        match (&tls.verify_error, tls.verified) {
            (_, true) => {
                let _ = writeln!(
                    out,
                    "  certificate {} (trust: {})",
                    style.green("verified"),
                    tls.trust_anchors
                );
            }
            (Some(e), false) => {
                let _ = writeln!(
                    out,
                    "  certificate {}: {}",
                    style.red("NOT verified"),
                    e.sentence
                );
            }
            (None, false) => {}
        }
        if !tls.verification_enabled {
            let _ = writeln!(
                out,
                "  {}",
                style.yellow("verification disabled (--insecure)")
            );
        }
        for (i, c) in tls.certificates.iter().enumerate() {
            if let Some(err) = &c.parse_error {
                let _ = writeln!(out, "  [{i}] unparsable certificate: {err}");
                write_pem(&mut out, c.pem.as_deref());
                continue;
            }
            let _ = writeln!(out, "  [{i}] {}", c.subject);
            if !c.sans.is_empty() {
                let _ = writeln!(out, "      names   {}", c.sans.join(", "));
            }
            let _ = writeln!(out, "      issuer  {}", c.issuer);
            // The same day counts as the findings' sentences.
            let when = match (c.valid_in_days, c.expired_days_ago) {
                (Some(1), _) => "not valid for another day".to_string(),
                (Some(d), _) => format!("not valid for another {d} days"),
                (None, Some(0)) => "expired less than a day ago".to_string(),
                (None, Some(1)) => "expired 1 day ago".to_string(),
                (None, Some(d)) => format!("expired {d} days ago"),
                (None, None) => format!("{} days left", c.days_left),
            };
            let _ = writeln!(
                out,
                "      valid   {} .. {} ({when})",
                c.not_before, c.not_after
            );
            let bits = c.key_bits.map(|b| format!(" {b} bits")).unwrap_or_default();
            let _ = writeln!(
                out,
                "      key     {}{bits}, {}",
                c.key_type, c.signature_algorithm
            );
            write_pem(&mut out, c.pem.as_deref());
        }
    }

    if let Some(after) = &report.ehlo_after_tls {
        let kws: Vec<&str> = after.iter().map(|k| k.keyword.as_str()).collect();
        let _ = writeln!(
            out,
            "\n{}  {}",
            style.bold("EHLO inside TLS"),
            kws.join(" ")
        );
    }

    if !report.findings.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Findings"));
        for f in &report.findings {
            let _ = writeln!(
                out,
                "  {} {:<28} {}",
                style.severity(f.severity),
                f.id.as_str(),
                f.message
            );
            if let Some(e) = &f.evidence {
                let _ = writeln!(
                    out,
                    "  {:<7} {:<28} {}",
                    "",
                    "",
                    style.dim(&format!("evidence: {}", visible_ends(e)))
                );
            }
            if let Some(h) = &f.hint {
                let _ = writeln!(out, "  {:<7} {:<28} fix: {h}", "", "");
            }
        }
    }

    let t = &report.timings_ms;
    let steps: Vec<String> = [
        ("resolve", t.resolve),
        ("connect", t.connect),
        ("banner", t.banner),
        ("EHLO", t.ehlo),
        ("STARTTLS", t.starttls),
        ("handshake", t.handshake),
        ("EHLO/TLS", t.ehlo_after_tls),
        ("QUIT", t.quit),
        ("total", t.total),
    ]
    .iter()
    .filter_map(|(name, v)| opt_ms(*v).map(|ms| format!("{name} {ms}")))
    .collect();
    if !steps.is_empty() {
        let _ = writeln!(out, "\n{}  {}", style.bold("Timings"), steps.join(" · "));
    }

    if let Some(transcript) = &report.transcript {
        let _ = writeln!(out, "\n{}", style.bold("Transcript"));
        for e in transcript {
            let arrow = match e.direction {
                TranscriptDirection::Sent => "C:",
                TranscriptDirection::Received => "S:",
                TranscriptDirection::Event => "--",
            };
            let _ = writeln!(out, "  {:>9.2} ms  {arrow} {}", e.t_ms, e.text);
        }
    }
    out
}

/// `--show-certs`: the certificate as PEM, unindented so it can be copied as it is.
fn write_pem(out: &mut String, pem: Option<&str>) {
    if let Some(pem) = pem {
        out.push_str(pem);
    }
}

/// "What clients conclude": per group, who uses TLS, who does not (with what it logs), who
/// hangs, who tries anyway. A `*` marks the clients whose view decides the verdict.
fn render_client_view(out: &mut String, view: &[ClientViewEntry], style: &Style) {
    let _ = writeln!(
        out,
        "\n{}  {}",
        style.bold("What clients conclude"),
        style.dim("(* decides the verdict; choose with --clients)")
    );
    let groups = [
        ("mta", "MTAs"),
        ("library", "libraries"),
        ("test-tool", "test tools"),
        ("scanner", "scanners"),
    ];
    let name = |c: &ClientViewEntry| {
        let star = if c.deciding { "*" } else { "" };
        format!("{}{star}", c.name)
    };
    for (group, label) in groups {
        let members: Vec<&ClientViewEntry> = view.iter().filter(|c| c.group == group).collect();
        if members.is_empty() {
            continue;
        }
        let mut rows: Vec<(String, String)> = Vec::new();
        // One line per client that logs something, then the quiet ones together.
        let mut status = style.red("no TLS  ");
        let mut quiet = Vec::new();
        for c in members.iter().filter(|c| c.outcome == "no-tls") {
            match c.would_log {
                Some(log) => {
                    rows.push((status.clone(), format!("{}: \"{log}\"", name(c))));
                    status = " ".repeat(8);
                }
                None => quiet.push(name(c)),
            }
        }
        if !quiet.is_empty() {
            rows.push((status, quiet.join(", ")));
        }
        for c in members
            .iter()
            .filter(|c| c.outcome == "hangs" || c.outcome == "errors")
        {
            let what = c.outcome_detail.unwrap_or(c.outcome);
            rows.push((style.red("stuck   "), format!("{}: {what}", name(c))));
        }
        let sees: Vec<String> = members
            .iter()
            .filter(|c| c.outcome == "upgrades")
            .map(|c| name(c))
            .collect();
        if !sees.is_empty() {
            rows.push((style.green("TLS     "), sees.join(", ")));
        }
        let anyway: Vec<String> = members
            .iter()
            .filter(|c| c.outcome == "sends-anyway")
            .map(|c| name(c))
            .collect();
        if !anyway.is_empty() {
            rows.push((
                style.yellow("tries   "),
                format!(
                    "{} (sends STARTTLS without seeing an offer)",
                    anyway.join(", ")
                ),
            ));
        }
        for (i, (status, names)) in rows.iter().enumerate() {
            let lead = if i == 0 { label } else { "" };
            let _ = writeln!(out, "  {lead:<11} {status}  {names}");
        }
    }
}
