//! -v shows the steps (resolve, MX, connect); -vv the wire, each line naming its address.

use super::common::{bin, Pki};
use super::dns::{domain_args, servers, test_zone, TestDns};

#[test]
fn verbose_logs_name_steps_and_addresses() {
    let pki = Pki::new();
    let s = servers(&pki);
    let dns = TestDns::start(test_zone());
    let resolver = dns.resolver_arg();
    let mut args = domain_args(&pki, &resolver, &s.port, "good.test");
    args.extend(["--color", "never"]);
    let out = bin().arg("-v").args(&args).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    for step in [
        "MX lookup for good.test",
        "good.test: MX 10 mx1.good.test, 20 mx2.good.test",
        "mx1.good.test: addresses 127.0.0.1",
        "mx2.good.test: addresses 127.0.0.2",
        "connecting to 127.0.0.1:",
        "connected to 127.0.0.2:",
    ] {
        assert!(log.contains(step), "-v lacks {step:?}:\n{log}");
    }
    assert!(!log.contains("EHLO"), "-v does not show the wire:\n{log}");

    // Two MX hosts probed at once: every wire line says which address it belongs to.
    let out = bin().arg("-vv").args(&args).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let wire: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(" C: ") || l.contains(" S: "))
        .collect();
    assert!(wire.len() >= 8, "{log}");
    for line in &wire {
        assert!(
            line.contains("addr=127.0.0.1:") || line.contains("addr=127.0.0.2:"),
            "wire line without its address: {line}"
        );
    }
    assert!(wire.iter().any(|l| l.contains("addr=127.0.0.2:")), "{log}");

    // Resolving a host literal and connecting are steps too.
    let target = format!("127.0.0.1:{}", s.port);
    let out = bin()
        .args([
            "-v",
            "--ca-file",
            pki.ca_arg(),
            "--tls-name",
            "mx1.good.test",
            &target,
        ])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("resolving 127.0.0.1"), "{log}");
    assert!(log.contains(&format!("connected to {target}")), "{log}");
}
