//! Mail domains through the real binary: a test DNS server on loopback (hickory-proto, UDP)
//! serving a test zone, scripted SMTP servers behind the MX names. Never a real resolver.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, MX};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use serde_json::Value;
use smtp_tls_check::tls::pki::Validity;

use super::common::{run_json, Pki};
use super::scripted::{closing, compliant_steps, opening, ScriptedServer, Step};

/// What the server does for one name.
#[derive(Clone)]
pub(crate) enum Answer {
    /// Records by type; a type not listed gets NOERROR with no answer (NODATA).
    Records(Vec<RData>),
    ServFail,
}

/// An authoritative responder on 127.0.0.1 (UDP): names not in the zone are NXDOMAIN.
pub(crate) struct TestDns {
    pub(crate) addr: std::net::SocketAddr,
    /// (name, type) of every query, in order.
    pub(crate) queries: Arc<Mutex<Vec<(String, RecordType)>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for TestDns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

pub(crate) fn name(s: &str) -> Name {
    Name::from_ascii(s).expect("test name")
}

pub(crate) fn mx(pref: u16, exchange: &str) -> RData {
    RData::MX(MX::new(pref, name(exchange)))
}

pub(crate) fn a(ip: [u8; 4]) -> RData {
    RData::A(A(Ipv4Addr::from(ip)))
}

pub(crate) fn aaaa(ip: Ipv6Addr) -> RData {
    RData::AAAA(AAAA(ip))
}

impl TestDns {
    /// `zone`: fully qualified lower-case names (`mx1.good.test.`).
    pub(crate) fn start(zone: Vec<(&str, Answer)>) -> Self {
        let zone: HashMap<String, Answer> = zone
            .into_iter()
            .map(|(n, a)| (n.to_ascii_lowercase(), a))
            .collect();
        Self::spawn(Some(zone))
    }

    /// A server that reads nothing and answers nothing: every query times out.
    pub(crate) fn silent() -> Self {
        Self::spawn(None)
    }

    fn spawn(zone: Option<HashMap<String, Answer>>) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind DNS");
        let addr = socket.local_addr().expect("DNS addr");
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        let stop = Arc::new(AtomicBool::new(false));
        let queries = Arc::new(Mutex::new(Vec::new()));
        let (stop2, log) = (stop.clone(), queries.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !stop2.load(Ordering::Relaxed) {
                let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let Some(zone) = &zone else {
                    continue;
                };
                let Ok(query) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let Some(reply) = answer(&query, zone, &log) else {
                    continue;
                };
                let _ = socket.send_to(&reply, peer);
            }
        });
        TestDns {
            addr,
            queries,
            stop,
        }
    }

    pub(crate) fn resolver_arg(&self) -> String {
        self.addr.to_string()
    }

    pub(crate) fn asked(&self, rtype: RecordType) -> bool {
        self.queries
            .lock()
            .map(|q| q.iter().any(|(_, t)| *t == rtype))
            .unwrap_or(false)
    }
}

fn answer(
    query: &Message,
    zone: &HashMap<String, Answer>,
    log: &Arc<Mutex<Vec<(String, RecordType)>>>,
) -> Option<Vec<u8>> {
    let q = query.queries.first()?.clone();
    let qname = q.name.to_ascii().to_ascii_lowercase();
    if let Ok(mut l) = log.lock() {
        l.push((qname.clone(), q.query_type));
    }
    let mut reply = Message::new(
        query.metadata.id,
        MessageType::Response,
        query.metadata.op_code,
    );
    reply.metadata.recursion_desired = query.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    reply.metadata.authoritative = true;
    reply.add_query(q.clone());
    match zone.get(&qname) {
        None => reply.metadata.response_code = ResponseCode::NXDomain,
        Some(Answer::ServFail) => reply.metadata.response_code = ResponseCode::ServFail,
        Some(Answer::Records(records)) => {
            for r in records.iter().filter(|r| r.record_type() == q.query_type) {
                reply.add_answer(Record::from_rdata(q.name.clone(), 60, r.clone()));
            }
        }
    }
    reply.to_vec().ok()
}

/// STARTTLS on the greeting line: strict clients never see it (a TLS problem, exit 3).
const GREETING_ONLY: &str = "250-STARTTLS\r\n250-mx.test\r\n250 8BITMIME\r\n";

pub(crate) fn good_steps(pki: &Pki, names: &[&str]) -> Vec<Step> {
    compliant_steps(pki.server(names, Validity::Valid))
}

pub(crate) fn greeting_only_steps() -> Vec<Step> {
    let mut steps = opening(GREETING_ONLY);
    steps.extend(closing());
    steps
}

/// Every name the test zone's servers present certificates for.
pub(crate) const CERT_NAMES: &[&str] = &[
    "mx1.good.test",
    "mx2.good.test",
    "mx.first.test",
    "implicit.test",
    "mx.dual.test",
];

/// The test zone. Addresses: 127.0.0.1 (a good server), 127.0.0.2 (a greeting-only one),
/// 127.0.0.3 (nothing listens: connection refused), all on the same port.
pub(crate) fn test_zone() -> Vec<(&'static str, Answer)> {
    vec![
        (
            "good.test.",
            Answer::Records(vec![mx(20, "mx2.good.test."), mx(10, "mx1.good.test.")]),
        ),
        ("mx1.good.test.", Answer::Records(vec![a([127, 0, 0, 1])])),
        ("mx2.good.test.", Answer::Records(vec![a([127, 0, 0, 2])])),
        ("one.test.", Answer::Records(vec![mx(10, "mx1.good.test.")])),
        (
            "first.test.",
            Answer::Records(vec![mx(10, "mx.first.test.")]),
        ),
        (
            "mx.first.test.",
            Answer::Records(vec![a([127, 0, 0, 3]), a([127, 0, 0, 1])]),
        ),
        ("null.test.", Answer::Records(vec![mx(0, ".")])),
        ("implicit.test.", Answer::Records(vec![a([127, 0, 0, 1])])),
        ("empty.test.", Answer::Records(vec![])),
        (
            "dangling.test.",
            Answer::Records(vec![mx(10, "gone.test.")]),
        ),
        ("fail.test.", Answer::ServFail),
        ("dual.test.", Answer::Records(vec![mx(10, "mx.dual.test.")])),
        (
            "mx.dual.test.",
            Answer::Records(vec![a([127, 0, 0, 1]), aaaa(Ipv6Addr::LOCALHOST)]),
        ),
    ]
}

/// A good server on 127.0.0.1:P and a greeting-only one on 127.0.0.2:P.
pub(crate) struct Servers {
    pub(crate) good: ScriptedServer,
    pub(crate) bad: ScriptedServer,
    pub(crate) port: String,
}

pub(crate) fn servers(pki: &Pki) -> Servers {
    let good = ScriptedServer::start(good_steps(pki, CERT_NAMES));
    let port = good.addr.port();
    let bad = ScriptedServer::start_on(&format!("127.0.0.2:{port}"), greeting_only_steps());
    Servers {
        good,
        bad,
        port: port.to_string(),
    }
}

/// A domain probe against the test zone's resolver, every MX on `port`.
pub(crate) fn domain_args<'a>(
    pki: &'a Pki,
    dns: &'a str,
    port: &'a str,
    target: &'a str,
) -> Vec<&'a str> {
    vec![
        "--ca-file",
        pki.ca_arg(),
        "--resolver",
        dns,
        "--port",
        port,
        "--timeout",
        "3",
        target,
    ]
}

fn mx_list(json: &Value) -> Vec<(String, u64)> {
    json["mx"]
        .as_array()
        .expect("mx array")
        .iter()
        .map(|m| {
            (
                m["exchange"].as_str().unwrap_or("").to_string(),
                m["preference"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn rfc5321_5_1_every_mx_in_preference_order_worst_verdict_wins() {
    let pki = Pki::new();
    let s = servers(&pki);
    let dns = TestDns::start(test_zone());
    let resolver = dns.resolver_arg();
    let r = run_json(&domain_args(&pki, &resolver, &s.port, "good.test"));
    assert_eq!(r.json["kind"], "domain", "{}", r.stdout);
    assert_eq!(r.json["schema_version"], 1);
    assert_eq!(r.json["domain"], "good.test");
    assert_eq!(
        mx_list(&r.json),
        vec![
            ("mx1.good.test".to_string(), 10),
            ("mx2.good.test".to_string(), 20)
        ]
    );
    let mx1 = &r.json["mx"][0]["addresses"];
    let mx2 = &r.json["mx"][1]["addresses"];
    assert_eq!(mx1.as_array().map(Vec::len), Some(1));
    assert_eq!(mx1[0]["verdict"], "ok", "{}", r.stdout);
    assert_eq!(mx1[0]["target"]["address"], format!("127.0.0.1:{}", s.port));
    assert_eq!(
        mx1[0]["target"]["tls_name"], "mx1.good.test",
        "the MX name, not the domain"
    );
    assert_eq!(mx2[0]["verdict"], "fail");
    assert_eq!(mx2[0]["ehlo"]["starttls"], "greeting-only");
    assert_eq!(r.verdict(), "fail");
    assert_eq!(r.code, 3);
    assert!(s.good.received().iter().any(|c| c == "STARTTLS"));
    assert!(s.bad.received().iter().any(|c| c.starts_with("EHLO")));
}

#[test]
fn one_good_mx_is_ok_and_human_output_groups_per_mx() {
    let pki = Pki::new();
    let s = servers(&pki);
    let dns = TestDns::start(test_zone());
    let resolver = dns.resolver_arg();
    let r = run_json(&domain_args(&pki, &resolver, &s.port, "one.test"));
    assert_eq!(r.verdict(), "ok", "{}", r.stdout);
    assert_eq!(r.code, 0);

    let mut args = domain_args(&pki, &resolver, &s.port, "good.test");
    args.extend(["--color", "never"]);
    let h = super::common::run(&args);
    assert_eq!(h.code, 3);
    assert!(
        h.stdout.starts_with("FAIL  domain good.test"),
        "{}",
        h.stdout
    );
    let mx1 = h.stdout.find("MX 10 mx1.good.test").expect("mx1 heading");
    let mx2 = h.stdout.find("MX 20 mx2.good.test").expect("mx2 heading");
    assert!(mx1 < mx2);
}

#[test]
fn every_address_unless_first_address() {
    let pki = Pki::new();
    let s = servers(&pki);
    let dns = TestDns::start(test_zone());
    let resolver = dns.resolver_arg();
    // 127.0.0.3 refuses: probing every address reports it.
    let r = run_json(&domain_args(&pki, &resolver, &s.port, "first.test"));
    let addrs = r.json["mx"][0]["addresses"]
        .as_array()
        .expect("addresses")
        .clone();
    assert_eq!(addrs.len(), 2, "{}", r.stdout);
    assert_eq!(addrs[0]["verdict"], "error");
    assert_eq!(addrs[1]["verdict"], "ok");
    assert_eq!(r.verdict(), "error");
    assert_eq!(r.code, 4);

    let mut args = domain_args(&pki, &resolver, &s.port, "first.test");
    args.insert(0, "--first-address");
    let r = run_json(&args);
    let addrs = r.json["mx"][0]["addresses"]
        .as_array()
        .expect("addresses")
        .clone();
    assert_eq!(addrs.len(), 1, "{}", r.stdout);
    assert_eq!(addrs[0]["verdict"], "ok");
    assert_eq!(
        addrs[0]["target"]["attempts"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(r.code, 0);
}

#[test]
fn rfc7505_null_mx_probes_nothing() {
    let pki = Pki::new();
    let s = servers(&pki);
    let dns = TestDns::start(test_zone());
    let resolver = dns.resolver_arg();
    let r = run_json(&domain_args(&pki, &resolver, &s.port, "null.test"));
    assert!(r.has("null-mx"), "{}", r.stdout);
    assert_eq!(r.finding("null-mx")["severity"], "info");
    assert_eq!(r.json["mx"].as_array().map(Vec::len), Some(0));
    assert_eq!(r.verdict(), "ok");
    assert_eq!(r.code, 0);
    assert!(!dns.asked(RecordType::A), "no address looked up");
    assert!(s.good.received().is_empty() && s.bad.received().is_empty());
}

#[test]
fn rfc5321_5_1_implicit_mx() {
    let pki = Pki::new();
    let s = servers(&pki);
    let dns = TestDns::start(test_zone());
    let resolver = dns.resolver_arg();
    let r = run_json(&domain_args(&pki, &resolver, &s.port, "implicit.test"));
    assert!(r.has("implicit-mx"), "{}", r.stdout);
    assert_eq!(r.finding("implicit-mx")["severity"], "info");
    assert_eq!(r.json["mx"][0]["implicit"], true);
    assert_eq!(r.json["mx"][0]["exchange"], "implicit.test");
    assert_eq!(r.json["mx"][0]["addresses"][0]["verdict"], "ok");
    assert_eq!(r.code, 0);

    // Neither MX nor address.
    let r = run_json(&domain_args(&pki, &resolver, &s.port, "empty.test"));
    assert!(r.has("dns-no-records"), "{}", r.stdout);
    assert_eq!(r.code, 4);
}

#[test]
fn dns_failures_each_have_a_finding_and_exit_4() {
    let pki = Pki::new();
    let s = servers(&pki);
    let dns = TestDns::start(test_zone());
    let resolver = dns.resolver_arg();
    for (domain, id) in [("nx.test", "dns-nxdomain"), ("fail.test", "dns-servfail")] {
        let r = run_json(&domain_args(&pki, &resolver, &s.port, domain));
        assert!(r.has(id), "{domain}: {}", r.stdout);
        assert_eq!(r.verdict(), "error");
        assert_eq!(r.code, 4, "{domain}");
    }
    // An MX whose name does not resolve: that MX is an error, named.
    let r = run_json(&domain_args(&pki, &resolver, &s.port, "dangling.test"));
    let report = &r.json["mx"][0]["addresses"][0];
    assert_eq!(report["findings"][0]["id"], "dns-nxdomain", "{}", r.stdout);
    assert_eq!(r.code, 4);
}

#[test]
fn dns_timeout_is_a_finding() {
    let pki = Pki::new();
    let dns = TestDns::silent();
    let resolver = dns.resolver_arg();
    let started = std::time::Instant::now();
    let r = run_json(&[
        "--ca-file",
        pki.ca_arg(),
        "--resolver",
        &resolver,
        "--timeout",
        "0.5",
        "example.test",
    ]);
    assert!(r.has("dns-timeout"), "{}", r.stdout);
    assert_eq!(r.code, 4);
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn host_skips_mx_and_mx_forces_domain() {
    let pki = Pki::new();
    let s = servers(&pki);
    let dns = TestDns::start(test_zone());
    let resolver = dns.resolver_arg();
    let mut args = domain_args(&pki, &resolver, &s.port, "mx1.good.test");
    args.insert(0, "--host");
    let r = run_json(&args);
    assert_eq!(r.json["mode"], "probe", "a host report: {}", r.stdout);
    assert_eq!(r.verdict(), "ok");
    assert!(
        !dns.asked(RecordType::MX),
        "{:?}",
        dns.queries.lock().map(|q| q.clone())
    );

    // --mx with an address is a usage error.
    let r = super::common::run(&["--mx", "127.0.0.1"]);
    assert_eq!(r.code, 2);
}

#[test]
fn ipv6_and_ipv4_addresses_are_all_probed() {
    let pki = Pki::new();
    let s = servers(&pki);
    // The same port on ::1; without IPv6 loopback there is nothing to test.
    let Ok(v6) = std::net::TcpListener::bind(format!("[::1]:{}", s.port)) else {
        eprintln!("no IPv6 loopback: skipped");
        return;
    };
    drop(v6);
    let _good6 =
        ScriptedServer::start_on(&format!("[::1]:{}", s.port), good_steps(&pki, CERT_NAMES));
    let dns = TestDns::start(test_zone());
    let resolver = dns.resolver_arg();
    let r = run_json(&domain_args(&pki, &resolver, &s.port, "dual.test"));
    let addrs: Vec<String> = r.json["mx"][0]["addresses"]
        .as_array()
        .expect("addresses")
        .iter()
        .map(|a| a["target"]["address"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        addrs,
        vec![format!("[::1]:{}", s.port), format!("127.0.0.1:{}", s.port)],
        "{}",
        r.stdout
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn too_many_mx_hosts_are_capped_in_preference_order() {
    let pki = Pki::new();
    let s = servers(&pki);
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let mut zone = test_zone();
    let records = (1..=20u16)
        .map(|i| mx(i, leak(format!("m{i}.many.test."))))
        .collect();
    zone.push(("many.test.", Answer::Records(records)));
    for i in 1..=20 {
        zone.push((
            leak(format!("m{i}.many.test.")),
            Answer::Records(vec![a([127, 0, 0, 1])]),
        ));
    }
    let dns = TestDns::start(zone);
    let resolver = dns.resolver_arg();
    let r = run_json(&domain_args(&pki, &resolver, &s.port, "many.test"));
    assert!(r.has("too-many-mx"), "{}", r.stdout);
    let mx = mx_list(&r.json);
    assert_eq!(mx.len(), 16);
    assert_eq!(mx[0], ("m1.many.test".to_string(), 1));
    assert_eq!(mx[15].1, 16, "the most preferred are kept");
    assert!(r.json["mx"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["addresses"].as_array().unwrap().len() == 1));
}
