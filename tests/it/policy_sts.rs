//! MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) through the real binary: nginx serving each
//! case's policy with a test CA, nsd serving the records under a signed test root, the
//! scripted SMTP server behind every MX.

use smtp_tls_check::tls::pki::Validity;

use super::common::{run, run_json, Pki, Run};
use super::policy::{all_ids, args, hierarchy, mail_zone, mx0};
use super::policy_lab::{available, DnsLab, HttpsLab, Zone, DNS_TOOLS, HTTPS_TOOLS};
use super::scripted::{compliant_steps, ScriptedServer};

/// A policy file.
fn policy(mode: &str, mx: &[&str], max_age: &str) -> String {
    let mut p = format!("version: STSv1\r\nmode: {mode}\r\n");
    for m in mx {
        p.push_str(&format!("mx: {m}\r\n"));
    }
    p.push_str(&format!("max_age: {max_age}\r\n"));
    p
}

/// An nginx location that serves `body` as text/plain.
fn serve(body: &str) -> String {
    let escaped = body
        .replace('\r', "\\r")
        .replace('\n', "\\n")
        .replace('"', "\\\"");
    format!("default_type text/plain; return 200 \"{escaped}\";")
}

#[test]
fn rfc8461_mta_sts_and_rfc8460_tls_rpt_cases() {
    if !available("rfc8461_mta_sts", DNS_TOOLS) || !available("rfc8461_mta_sts", HTTPS_TOOLS) {
        return;
    }
    let pki = Pki::new();
    // Hostile policies, served from files: one past the 64 KiB cap, one with an escape
    // sequence and a bidi override in an mx line.
    let files = tempfile::tempdir().expect("tempdir");
    let huge = files.path().join("huge.txt");
    let mut text = policy("enforce", &["mx.huge.test"], "86400");
    while text.len() <= 70 * 1024 {
        text.push_str("x-padding: 0123456789abcdef0123456789abcdef0123456789abcdef\r\n");
    }
    std::fs::write(&huge, text).expect("huge policy");
    let hostile = files.path().join("hostile.txt");
    std::fs::write(
        &hostile,
        "version: STSv1\r\nmode: enforce\r\nmx: \u{1b}[31mmx.hostile.test\u{202e}\r\nmax_age: 86400\r\n",
    )
    .expect("hostile policy");
    let file = |p: &std::path::Path| format!("default_type text/plain; alias {};", p.display());
    let https_ip = "127.11.2.2";
    let ns = "127.11.2.1";
    // (case, policy location in nginx, extra records)
    let good = |mode: &str, mx: &str| serve(&policy(mode, &[mx], "86400"));
    let cases: Vec<(&str, String)> = vec![
        ("enforce", good("enforce", "mx.enforce.test")),
        ("testing", good("testing", "mx.testing.test")),
        ("none", serve(&policy("none", &[], "86400"))),
        ("notfound", "return 404;".into()),
        ("redirect", "return 301 https://mta-sts.enforce.test/.well-known/mta-sts.txt;".into()),
        ("ctype", format!("default_type text/html; return 200 \"{}\";", "version: STSv1\\r\\nmode: enforce\\r\\nmx: mx.ctype.test\\r\\nmax_age: 86400\\r\\n")),
        ("nomx", serve(&policy("enforce", &[], "86400"))),
        ("maxage", serve(&policy("enforce", &["mx.maxage.test"], "31557601"))),
        ("mismatch", good("enforce", "mx.elsewhere.example")),
        ("wild", good("enforce", "*.wild.test")),
        ("badcert", good("enforce", "mx.badcert.test")),
        ("tworecords", good("enforce", "mx.tworecords.test")),
        ("certfail", good("enforce", "mx.certfail.test")),
        ("huge", file(&huge)),
        ("hostile", file(&hostile)),
    ];
    // The SMTP server's certificate names every MX but mx.certfail.test.
    let mx_names: Vec<String> = cases
        .iter()
        .filter(|(c, _)| *c != "certfail")
        .map(|(c, _)| format!("mx.{c}.test"))
        .collect();
    let mx_refs: Vec<&str> = mx_names.iter().map(String::as_str).collect();
    let server = ScriptedServer::start(compliant_steps(pki.server(&mx_refs, Validity::Valid)));
    let port = server.addr.port();

    let good_cert = {
        let names: Vec<String> = cases
            .iter()
            .filter(|(c, _)| *c != "badcert")
            .map(|(c, _)| format!("mta-sts.{c}.test"))
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        pki.ca.issue(&refs, Validity::Valid).expect("issue")
    };
    let wrong_cert = pki
        .ca
        .issue(&["www.badcert.test"], Validity::Valid)
        .expect("issue");
    let servers: Vec<(String, String, String, String)> = cases
        .iter()
        .map(|(c, loc)| {
            let cert = if *c == "badcert" {
                &wrong_cert
            } else {
                &good_cert
            };
            (
                format!("mta-sts.{c}.test"),
                cert.chain_pem.clone(),
                cert.key_pem.clone(),
                loc.clone(),
            )
        })
        .collect();
    let _https = HttpsLab::start(https_ip, &servers);

    let zones: Vec<Zone> = cases
        .iter()
        .map(|(c, _)| {
            let name = format!("{c}.test");
            let mut extra = vec![format!("mta-sts.{name}. IN A {https_ip}")];
            extra.push(match *c {
                "tworecords" => format!("_mta-sts.{name}. IN TXT \"v=STSv1; id=1;\"\n_mta-sts.{name}. IN TXT \"v=STSv1; id=2;\""),
                _ => format!("_mta-sts.{name}. IN TXT \"v=STSv1; id=20240101;\""),
            });
            match *c {
                "enforce" => extra.push(format!("_smtp._tls.{name}. IN TXT \"v=TLSRPTv1; rua=mailto:tls@{name}\"")),
                "testing" => extra.push(format!("_smtp._tls.{name}. IN TXT \"v=TLSRPTv1; rua=ftp://x\"")),
                _ => {}
            }
            mail_zone(&name, "unsigned", port, &[], &extra)
        })
        .collect();
    let lab = DnsLab::start(ns, &hierarchy(ns, zones));
    let anchor = lab.anchor_dnskey();
    let port_s = port.to_string();

    // (case, domain finding, MX finding or "", verdict)
    let expect: &[(&str, &str, &str, &str)] = &[
        ("enforce", "mta-sts-enforce", "", "ok"),
        ("testing", "mta-sts-testing", "", "warning"),
        ("none", "mta-sts-none", "", "ok"),
        ("notfound", "mta-sts-policy-unavailable", "", "warning"),
        ("redirect", "mta-sts-policy-unavailable", "", "warning"),
        ("ctype", "mta-sts-policy-unavailable", "", "warning"),
        ("nomx", "mta-sts-policy-invalid", "", "warning"),
        ("maxage", "mta-sts-policy-invalid", "", "warning"),
        ("mismatch", "mta-sts-enforce", "mta-sts-mx-mismatch", "fail"),
        ("wild", "mta-sts-enforce", "", "ok"),
        ("badcert", "mta-sts-policy-unavailable", "", "warning"),
        ("tworecords", "mta-sts-record-invalid", "", "warning"),
        (
            "certfail",
            "mta-sts-enforce",
            "mta-sts-cert-invalid",
            "fail",
        ),
        ("huge", "mta-sts-policy-unavailable", "", "warning"),
        ("hostile", "mta-sts-policy-invalid", "", "warning"),
    ];
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = expect
            .iter()
            .map(|(c, ..)| {
                let domain = format!("{c}.test");
                let (pki, dns, anchor, port) = (&pki, &lab.addr, &anchor, &port_s);
                s.spawn(move || run_json(&args(pki, dns, anchor, port, &domain)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("run"))
            .collect()
    });
    for ((case, domain_id, mx_id, verdict), r) in expect.iter().zip(&runs) {
        assert!(
            r.has(domain_id),
            "{case}: {domain_id} missing from {:?}\n{}",
            r.finding_ids(),
            r.stdout
        );
        if !mx_id.is_empty() {
            assert!(
                all_ids(r).iter().any(|i| i == mx_id),
                "{case}: {mx_id}\n{}",
                r.stdout
            );
        }
        assert_eq!(r.verdict(), *verdict, "{case}: {}", r.stdout);
        // Every zone here is unsigned under a signed root: DANE does not apply.
        assert!(
            all_ids(r).iter().any(|i| i == "dane-insecure"),
            "{case}: {:?}",
            all_ids(r)
        );
    }
    let by = |c: &str| &runs[expect.iter().position(|e| e.0 == c).expect("case")];
    let sts = |c: &str| by(c).json["policy"]["mta_sts"].clone();
    // The policy text is shown, escaped; the mode and patterns parsed.
    assert_eq!(sts("enforce")["mode"], "enforce");
    assert_eq!(
        sts("enforce")["policy_text"]
            .as_str()
            .map(|t| t.contains("mode: enforce\\r\\n")),
        Some(true)
    );
    assert_eq!(
        by("enforce").json["policy"]["tls_rpt"]["rua"][0],
        "mailto:tls@enforce.test"
    );
    assert!(by("enforce").has("tls-rpt-present"));
    assert!(by("testing").has("tls-rpt-invalid"));
    assert!(by("none").has("tls-rpt-absent"));
    assert_eq!(
        mx0(by("enforce"))["mta_sts"]["outcome"],
        "deliver over verified TLS"
    );
    assert_eq!(mx0(by("wild"))["mta_sts"]["matched_pattern"], "*.wild.test");
    assert!(
        sts("redirect")["fetch_error"]
            .as_str()
            .unwrap_or("")
            .contains("301"),
        "{}",
        sts("redirect")
    );
    assert!(sts("ctype")["fetch_error"]
        .as_str()
        .unwrap_or("")
        .contains("text/html"));
    assert!(sts("notfound")["fetch_error"]
        .as_str()
        .unwrap_or("")
        .contains("404"));
    assert!(
        sts("badcert")["fetch_error"]
            .as_str()
            .unwrap_or("")
            .contains("certificate"),
        "{}",
        sts("badcert")
    );
    assert!(sts("maxage")["policy_error"]
        .as_str()
        .unwrap_or("")
        .contains("max_age"));
    assert!(sts("nomx")["policy_error"]
        .as_str()
        .unwrap_or("")
        .contains("mx"));
    assert_eq!(
        sts("tworecords")["txt_records"].as_array().map(Vec::len),
        Some(2)
    );
    let senders = mx0(by("mismatch"))["senders"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        senders.contains("MTA-STS senders: mail not delivered"),
        "{senders}"
    );
    assert_eq!(by("mismatch").code, 3);
    assert!(
        sts("huge")["fetch_error"]
            .as_str()
            .unwrap_or("")
            .contains("larger than 65536"),
        "{}",
        sts("huge")
    );
    let shown = sts("hostile")["policy_text"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        shown.contains("\\x1b[31m") && shown.contains("\\u{202e}"),
        "{shown}"
    );
    let h = run(&args(&pki, &lab.addr, &anchor, &port_s, "hostile.test"));
    assert!(
        !h.stdout.contains('\u{1b}') && !h.stdout.contains('\u{202e}'),
        "raw control characters reached the terminal"
    );
    assert!(
        h.stdout.contains("\\x1b[31mmx.hostile.test"),
        "{}",
        h.stdout
    );
    let summary = by("mismatch").json["summary"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        summary.contains("senders refuse: mta-sts-mx-mismatch mx.mismatch.test"),
        "{summary}"
    );

    // Without --ca-file the test CA is not trusted: the policy fetch fails like a sender's.
    let r = run_json(&[
        "--resolver",
        &lab.addr,
        "--trust-anchor",
        &anchor,
        "--port",
        &port_s,
        "--timeout",
        "3",
        "enforce.test",
    ]);
    assert!(r.has("mta-sts-policy-unavailable"), "{}", r.stdout);
    // --no-mta-sts: no policy section, no MTA-STS finding.
    let mut a = args(&pki, &lab.addr, &anchor, &port_s, "mismatch.test");
    a.insert(0, "--no-mta-sts");
    let r = run_json(&a);
    assert!(
        r.json.get("policy").is_none() && r.verdict() == "ok",
        "{}",
        r.stdout
    );
    // The human report shows the record, the policy and the senders line.
    let h = run(&args(&pki, &lab.addr, &anchor, &port_s, "enforce.test"));
    for want in [
        "MTA-STS (RFC 8461)",
        "_mta-sts.enforce.test TXT \"v=STSv1; id=20240101;\"",
        "| mode: enforce\\r",
        "TLS-RPT (RFC 8460)",
        "MTA-STS senders: deliver over verified TLS",
    ] {
        assert!(h.stdout.contains(want), "{want} missing:\n{}", h.stdout);
    }
}
