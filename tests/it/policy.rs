//! DANE (RFC 7672) through the real binary, against real servers started here:
//! nsd with zones signed now under a test root (given with --trust-anchor; hickory validates),
//! optionally behind a validating unbound, and the scripted SMTP server behind every MX. The
//! helpers here serve the MTA-STS tests (policy_sts.rs) too.

use serde_json::Value;
use smtp_tls_check::tls::pki::{server_config, ServerTlsOptions, Validity};

use super::common::{run, run_json, Pki, Run};
use super::policy_lab::{
    available, hex, sha256, sha512, spki, DnsLab, ResolverLab, Zone, DNS_TOOLS, RESOLVER_TOOLS,
};
use super::scripted::{compliant_steps, ScriptedServer};

/// Findings of the domain and of each MX's policy block.
pub(crate) fn all_ids(r: &Run) -> Vec<String> {
    let mut ids = r.finding_ids();
    for m in r.json["mx"].as_array().into_iter().flatten() {
        for f in m["findings"].as_array().into_iter().flatten() {
            if let Some(id) = f["id"].as_str() {
                ids.push(id.to_string());
            }
        }
    }
    ids
}

pub(crate) fn mx0(r: &Run) -> &Value {
    &r.json["mx"][0]
}

pub(crate) fn args<'a>(
    pki: &'a Pki,
    dns: &'a str,
    anchor: &'a str,
    port: &'a str,
    domain: &'a str,
) -> Vec<&'a str> {
    vec![
        "--ca-file",
        pki.ca_arg(),
        "--resolver",
        dns,
        "--trust-anchor",
        anchor,
        "--port",
        port,
        "--timeout",
        "3",
        domain,
    ]
}

/// Zones for `cases` under `test.` under the root, with the NS at `ns_ip`.
pub(crate) fn hierarchy(ns_ip: &str, cases: Vec<Zone>) -> Vec<Zone> {
    let mut test = vec![format!("ns.test. IN A {ns_ip}")];
    test.extend(cases.iter().map(|z| format!("{}. IN NS ns.test.", z.name)));
    let mut zones = cases;
    zones.push(Zone::new("test", "signed", test));
    zones.push(Zone::new(
        ".",
        "signed",
        vec![
            "test. IN NS ns.test.".into(),
            format!("ns.test. IN A {ns_ip}"),
        ],
    ));
    zones
}

/// MX `mx.<zone>` at 127.0.0.1 and its TLSA records at `_<port>._tcp`.
pub(crate) fn mail_zone(
    name: &str,
    mode: &'static str,
    port: u16,
    tlsa: &[String],
    extra: &[String],
) -> Zone {
    let mut records = vec![
        format!("{name}. IN MX 10 mx.{name}."),
        format!("mx.{name}. IN A 127.0.0.1"),
    ];
    records.extend(
        tlsa.iter()
            .map(|t| format!("_{port}._tcp.mx.{name}. IN TLSA {t}")),
    );
    records.extend(extra.iter().cloned());
    Zone::new(name, mode, records)
}

#[test]
fn rfc7672_dane_ee_ta_mismatch_bogus_insecure_and_denial() {
    if !available("rfc7672_dane", DNS_TOOLS) {
        return;
    }
    let pki = Pki::new();
    let cases = [
        "ee", "ta", "ee512", "mismatch", "bogus", "insecure", "absent", "pkix",
    ];
    let names: Vec<String> = cases.iter().map(|c| format!("mx.{c}.test")).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    // The leaf and the CA that issued it, both presented: DANE-TA anchors at depth 1.
    let id = pki
        .ca
        .issue(&name_refs, Validity::Valid)
        .expect("issue")
        .with_ca(&pki.ca);
    let server = ScriptedServer::start(compliant_steps(
        server_config(&id, ServerTlsOptions::default()).expect("config"),
    ));
    let port = server.addr.port();
    let ee = format!("3 1 1 {}", hex(&sha256(&spki(&id.chain[0]))));
    let ee512 = format!("3 0 2 {}", hex(&sha512(&id.chain[0])));
    let ta = format!("2 0 1 {}", hex(&sha256(&id.chain[1])));
    let wrong = format!("3 1 1 {}", "ab".repeat(32));
    let pkix = format!("1 1 1 {}", hex(&sha256(&spki(&id.chain[0]))));
    let ns = "127.11.1.1";
    let zones = hierarchy(
        ns,
        vec![
            mail_zone("ee.test", "signed", port, std::slice::from_ref(&ee), &[]),
            mail_zone("ta.test", "signed", port, std::slice::from_ref(&ta), &[]),
            mail_zone("ee512.test", "signed", port, &[wrong.clone(), ee512], &[]),
            mail_zone("mismatch.test", "signed", port, &[wrong], &[]),
            mail_zone(
                "bogus.test",
                "bogus-tlsa",
                port,
                std::slice::from_ref(&ee),
                &[],
            ),
            mail_zone(
                "insecure.test",
                "unsigned",
                port,
                std::slice::from_ref(&ee),
                &[],
            ),
            mail_zone("absent.test", "signed", port, &[], &[]),
            mail_zone("pkix.test", "signed", port, &[pkix], &[]),
            // A signed domain whose MX host lives in an unsigned zone (RFC 7672 2.2.2).
            Zone::new(
                "outsourced.test",
                "signed",
                vec!["outsourced.test. IN MX 10 mx.insecure.test.".into()],
            ),
        ],
    );
    let lab = DnsLab::start(ns, &zones);
    let port_s = port.to_string();
    let anchor = lab.anchor_dnskey();

    // (domain, finding on the MX, verdict, per-address result)
    let expect: &[(&str, &str, &str, &str)] = &[
        ("ee.test", "dane-valid", "ok", "match"),
        ("ta.test", "dane-valid", "ok", "match"),
        ("ee512.test", "dane-valid", "ok", "match"),
        ("mismatch.test", "dane-mismatch", "fail", "mismatch"),
        ("bogus.test", "dane-bogus", "fail", "not-checked"),
        ("insecure.test", "dane-insecure", "ok", "not-checked"),
        ("absent.test", "dane-absent", "ok", "not-checked"),
        ("pkix.test", "dane-unusable", "warning", "unusable"),
        ("outsourced.test", "dane-insecure", "ok", "not-checked"),
    ];
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = expect
            .iter()
            .map(|(domain, ..)| {
                let a = args(&pki, &lab.addr, &anchor, &port_s, domain);
                s.spawn(move || run_json(&a))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("run"))
            .collect()
    });
    for ((domain, id, verdict, result), r) in expect.iter().zip(&runs) {
        let ids = all_ids(r);
        assert!(
            ids.iter().any(|i| i == id),
            "{domain}: {id} missing from {ids:?}\n{}",
            r.stdout
        );
        assert_eq!(r.verdict(), *verdict, "{domain}: {}", r.stdout);
        let dane = &mx0(r)["dane"];
        assert_eq!(dane["addresses"][0]["result"], *result, "{domain}: {dane}");
        assert_eq!(
            dane["trust_anchor"]
                .as_str()
                .map(|t| t.contains("--trust-anchor")),
            Some(true)
        );
        let senders = mx0(r)["senders"].as_str().unwrap_or("");
        assert!(
            senders.starts_with("DANE-validating senders: "),
            "{senders}"
        );
        assert!(
            senders.contains("; MTA-STS senders: ")
                && senders.contains("; opportunistic senders: ")
        );
        // No MTA-STS record anywhere here.
        assert!(r.has("mta-sts-absent"), "{domain}: {:?}", r.finding_ids());
    }
    // Which record matched at which depth, as posttls-finger says it.
    let depth = |r: &Run| mx0(r)["dane"]["addresses"][0]["depth"].as_u64();
    assert_eq!(depth(&runs[0]), Some(0));
    assert_eq!(
        mx0(&runs[0])["dane"]["addresses"][0]["matched_record"],
        ee.as_str()
    );
    assert_eq!(
        depth(&runs[1]),
        Some(1),
        "DANE-TA anchors at the CA, depth 1"
    );
    assert_eq!(mx0(&runs[1])["dane"]["addresses"][0]["name"], "mx.ta.test");
    assert_eq!(
        mx0(&runs[2])["dane"]["addresses"][0]["matched_record"]
            .as_str()
            .map(|s| s.starts_with("3 0 2 ")),
        Some(true)
    );
    assert_eq!(mx0(&runs[3])["dane"]["tlsa_rrset"], "secure");
    assert_eq!(mx0(&runs[4])["dane"]["tlsa_rrset"], "bogus");
    assert_eq!(mx0(&runs[5])["dane"]["tlsa_rrset"], "insecure");
    assert_eq!(
        mx0(&runs[5])["dane"]["records"][0],
        ee.as_str(),
        "insecure TLSA shown, ignored"
    );
    assert_eq!(mx0(&runs[6])["dane"]["absent"], true);
    assert_eq!(
        mx0(&runs[6])["dane"]["tlsa_rrset"],
        "secure",
        "authenticated denial"
    );
    assert_eq!(mx0(&runs[8])["dane"]["mx_rrset"], "secure");
    assert!(
        mx0(&runs[8])["dane"]["error"]
            .as_str()
            .unwrap_or("")
            .contains("address records of mx.insecure.test are not signed"),
        "{}",
        runs[8].stdout
    );
    assert_eq!(
        runs[3].code, 3,
        "a DANE mismatch is a TLS problem found: exit 3"
    );

    // The same through a DS trust anchor, and the failure without the test root's key.
    let ds = lab.anchor_ds();
    let r = run_json(&args(&pki, &lab.addr, &ds, &port_s, "ee.test"));
    assert!(
        all_ids(&r).contains(&"dane-valid".to_string()),
        "{}",
        r.stdout
    );
    let r = run_json(&[
        "--ca-file",
        pki.ca_arg(),
        "--resolver",
        &lab.addr,
        "--port",
        &port_s,
        "--timeout",
        "3",
        "ee.test",
    ]);
    assert!(
        all_ids(&r).contains(&"dane-bogus".to_string()),
        "IANA root vs a test root: {}",
        r.stdout
    );
    // --no-dane: no DANE section, no DANE finding.
    let mut a = args(&pki, &lab.addr, &anchor, &port_s, "mismatch.test");
    a.insert(0, "--no-dane");
    let r = run_json(&a);
    assert!(
        mx0(&r).get("dane").is_none() && r.verdict() == "ok",
        "{}",
        r.stdout
    );
    // A host target does DANE when asked (--dane with --host): findings join the host's.
    let host = |target: &'static str| {
        let mut a = args(&pki, &lab.addr, &anchor, &port_s, target);
        a.splice(0..0, ["--host", "--dane"]);
        run_json(&a)
    };
    let r = host("mx.ee.test");
    assert!(r.has("dane-valid") && r.verdict() == "ok", "{}", r.stdout);
    let r = host("mx.mismatch.test");
    assert!(
        r.has("dane-mismatch") && r.verdict() == "fail",
        "{}",
        r.stdout
    );
    // Without --dane a host gets no DANE finding.
    let r = run_json(&[
        "--host",
        "--ca-file",
        pki.ca_arg(),
        "--resolver",
        &lab.addr,
        "--port",
        &port_s,
        "mx.mismatch.test",
    ]);
    assert!(
        !r.finding_ids().iter().any(|i| i.starts_with("dane-")),
        "{}",
        r.stdout
    );
    // The human report says it per MX.
    let h = run(&args(&pki, &lab.addr, &anchor, &port_s, "ta.test"));
    assert!(
        h.stdout.contains("DANE-validating senders: deliver"),
        "{}",
        h.stdout
    );
    assert!(h.stdout.contains("at depth 1"), "{}", h.stdout);
}

/// The probe behind a site's validating resolver (unbound trusting the test root): the
/// answers keep their signatures and hickory validates them again; a bogus RRset reaches the
/// probe only as SERVFAIL, which it cannot tell from a broken resolver (indeterminate).
#[test]
fn rfc7672_dane_through_a_validating_unbound() {
    if !available("dane_through_unbound", DNS_TOOLS)
        || !available("dane_through_unbound", RESOLVER_TOOLS)
    {
        return;
    }
    let pki = Pki::new();
    let id = pki
        .ca
        .issue(&["mx.ee.test", "mx.bogus.test"], Validity::Valid)
        .expect("issue");
    let server = ScriptedServer::start(compliant_steps(
        server_config(&id, ServerTlsOptions::default()).expect("config"),
    ));
    let port = server.addr.port();
    let ee = format!("3 1 1 {}", hex(&sha256(&spki(&id.chain[0]))));
    let ns = "127.11.3.1";
    let zones = hierarchy(
        ns,
        vec![
            mail_zone("ee.test", "signed", port, std::slice::from_ref(&ee), &[]),
            mail_zone(
                "bogus.test",
                "bogus-tlsa",
                port,
                std::slice::from_ref(&ee),
                &[],
            ),
        ],
    );
    let lab = DnsLab::start(ns, &zones);
    let unbound = ResolverLab::start("127.11.3.3", &lab);
    let (anchor, port_s) = (lab.anchor_ds(), port.to_string());
    let r = run_json(&args(&pki, &unbound.addr, &anchor, &port_s, "ee.test"));
    assert!(
        all_ids(&r).contains(&"dane-valid".to_string()),
        "{}",
        r.stdout
    );
    assert_eq!(r.verdict(), "ok");
    let r = run_json(&args(&pki, &unbound.addr, &anchor, &port_s, "bogus.test"));
    assert!(
        all_ids(&r).contains(&"dane-indeterminate".to_string()),
        "{}",
        r.stdout
    );
    assert_eq!(mx0(&r)["dane"]["tlsa_rrset"], "indeterminate");
    assert!(
        mx0(&r)["dane"]["error"]
            .as_str()
            .unwrap_or("")
            .contains("SERVFAIL"),
        "{}",
        r.stdout
    );
    assert_eq!(r.verdict(), "warning");
}
