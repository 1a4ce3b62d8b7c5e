//! The binary's own surface: parse, demo, usage errors, output forms.

use super::common::{run, run_json, run_stdin};

const SEED_INCORRECT: &[u8] = include_bytes!("../fixtures/seed-incorrect.txt");
const SEED_CORRECT: &[u8] = include_bytes!("../fixtures/seed-correct.txt");

#[test]
fn parse_seed_incorrect_is_greeting_only() {
    let r = run_stdin(&["parse", "--json", "-"], SEED_INCORRECT);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert_eq!(r.json["schema_version"], 1);
    assert_eq!(r.json["verdict"], "fail");
    assert_eq!(r.json["ehlo"]["starttls"], "greeting-only");
    assert_eq!(r.json["ehlo"]["greeting"]["domain"], "STARTTLS");
    let ids: Vec<&str> = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"starttls-in-greeting"), "{ids:?}");
    assert!(ids.contains(&"invalid-ehlo-keyword"), "{ids:?}");
    let esa = r.json["client_view"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client"] == "cisco-esa")
        .unwrap()
        .clone();
    assert_eq!(esa["sees_starttls"], false);
    assert_eq!(esa["will_upgrade"], false);
    assert!(esa["would_log"]
        .as_str()
        .unwrap()
        .contains("STARTTLS command not supported"));
    let postfix = r.json["client_view"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client"] == "posttls-finger")
        .unwrap()
        .clone();
    assert_eq!(postfix["sees_starttls"], true);
}

#[test]
fn parse_seed_correct_is_ehlo_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paste.txt");
    std::fs::write(&path, SEED_CORRECT).unwrap();
    // Output flags are global: before or after the subcommand.
    let r = run_json(&["parse", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json["verdict"], "ok");
    assert_eq!(r.json["ehlo"]["starttls"], "ehlo-line");
    assert_eq!(r.json["ehlo"]["greeting"]["domain"], "mail-esa.com");
    assert!(r.json["client_view"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["sees_starttls"] == true));
}

#[test]
fn parse_human_annotates_each_line() {
    let r = run_stdin(&["parse", "--color", "never"], SEED_INCORRECT);
    assert_eq!(r.code, 3);
    let first = r.stdout.lines().next().unwrap();
    assert!(first.starts_with("FAIL"), "{first}");
    assert!(first.contains("greeting line"), "{first}");
    let line1 = r
        .stdout
        .lines()
        .find(|l| l.contains("250-STARTTLS"))
        .unwrap();
    assert!(line1.contains("greeting"), "{line1}");
    let line2 = r
        .stdout
        .lines()
        .find(|l| l.contains("250-mail.domain1.com"))
        .unwrap();
    assert!(line2.contains("not an ehlo-keyword"), "{line2}");
    // The client view by group; `*` marks the clients that decide the verdict (MTAs and
    // libraries by default), test tools are shown but do not decide.
    let mtas = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("MTAs"))
        .unwrap();
    assert!(
        mtas.contains("no TLS") && mtas.contains("Cisco ESA (AsyncOS)*"),
        "{mtas}"
    );
    let tools = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("test tools"))
        .unwrap();
    assert!(
        tools.contains("TLS") && tools.contains("swaks") && !tools.contains("swaks*"),
        "{tools}"
    );
    assert!(!r.stdout.contains('\x1b'), "no colour when asked for none");
}

#[test]
fn parse_without_ehlo_reply_is_exit_4() {
    let r = run_stdin(&["parse", "--json"], b"hello, this is not SMTP\n");
    assert_eq!(r.code, 4);
    assert_eq!(r.json["verdict"], "error");
}

#[test]
fn parse_escapes_control_characters() {
    let r = run_stdin(
        &["parse", "--color", "always"],
        b"250-mx.test \x1b[31mred\x07\r\n250 STARTTLS\r\n",
    );
    assert_eq!(r.code, 1, "control characters are a warning: {}", r.stdout);
    // The only escape sequences are our own colours, never the server's ESC or BEL.
    assert!(!r.stdout.contains('\x07'));
    assert!(r.stdout.contains("\\x1b[31mred"), "{}", r.stdout);
}

#[test]
fn parse_raw_bare_reply() {
    let r = run_stdin(&["parse", "--json"], b"250 STARTTLS\r\n");
    assert_eq!(r.code, 3);
    assert_eq!(r.json["ehlo"]["starttls"], "greeting-only");
}

#[test]
fn parse_masked_and_absent() {
    let r = run_stdin(
        &["parse", "--json"],
        b"250-mx.test\r\n250-XXXXXXXA\r\n250 8BITMIME\r\n",
    );
    assert_eq!(r.json["ehlo"]["starttls"], "masked");
    assert_eq!(r.code, 3);
    let r = run_stdin(&["parse", "--json"], b"250-mx.test\r\n250 8BITMIME\r\n");
    assert_eq!(r.json["ehlo"]["starttls"], "absent");
    let r = run_stdin(
        &["parse", "--json"],
        b"250-mx.test STARTTLS\r\n250 STARTTLS\r\n",
    );
    assert_eq!(r.json["ehlo"]["starttls"], "greeting-and-ehlo-line");
    assert_eq!(r.code, 0);
}

#[test]
fn demo_default_is_the_seeds_case() {
    let r = run(&["demo", "--json"]);
    let v = super::common::parse_json(&r.stdout);
    assert_eq!(r.code, 3);
    assert_eq!(v["mode"], "demo");
    assert_eq!(v["ehlo"]["starttls"], "greeting-only");
    assert!(v["tls"].is_null(), "a strict probe does not upgrade");
}

#[test]
fn demo_list_names_every_scenario() {
    let r = run(&["demo", "--list"]);
    assert_eq!(r.code, 0);
    for name in smtp_tls_check::demo::SCENARIOS.iter().map(|s| s.name) {
        assert!(r.stdout.contains(name), "{name} missing");
    }
}

#[test]
fn demo_every_scenario_gives_its_verdict() {
    let expected = [
        ("seeds-broken", "fail", "starttls-in-greeting"),
        ("compliant", "ok", ""),
        ("no-starttls", "fail", "starttls-not-offered"),
        ("expired-cert", "fail", "cert-expired"),
        ("wrong-name", "fail", "cert-name-mismatch"),
        ("self-signed", "fail", "cert-untrusted"),
        // Legal, but Exim (and Go, Ruby, lettre, OpenSMTPD) would send in plaintext.
        ("lowercase", "fail", "starttls-case"),
        ("masked", "fail", "starttls-masked"),
        ("injection", "fail", "starttls-response-injection"),
    ];
    for (scenario, verdict, id) in expected {
        let r = run(&["demo", scenario, "--json"]);
        let v = super::common::parse_json(&r.stdout);
        assert_eq!(v["verdict"], verdict, "{scenario}: {}", r.stdout);
        if !id.is_empty() {
            assert!(
                v["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["id"] == id),
                "{scenario}: no {id}"
            );
        }
    }
}

#[test]
fn demo_force_starttls_shows_what_lenient_clients_get() {
    let r = run(&["demo", "seeds-broken", "--force-starttls", "--json"]);
    let v = super::common::parse_json(&r.stdout);
    assert_eq!(v["tls"]["established"], true);
    assert_eq!(v["tls"]["verified"], true);
    assert_eq!(
        v["verdict"], "fail",
        "the greeting placement still fails strict clients"
    );
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "starttls-forced"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&[]).code, 2);
    assert_eq!(run(&["--no-such-flag", "x"]).code, 2);
    assert_eq!(run(&["mx..bad"]).code, 2);
    assert_eq!(run(&["demo", "no-such-scenario"]).code, 2);
    assert_eq!(run(&["--timeout", "0", "127.0.0.1"]).code, 2);
    assert_eq!(run(&["--help"]).code, 0);
}

#[test]
fn json_never_colours() {
    let r = run(&["demo", "compliant", "--json", "--color", "always"]);
    assert!(!r.stdout.contains('\x1b'));
}

#[test]
fn clients_lists_the_table_with_evidence() {
    let r = run(&["clients", "--json"]);
    assert_eq!(r.code, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap();
    let ids: Vec<&str> = rows.iter().map(|c| c["id"].as_str().unwrap()).collect();
    for id in [
        "postfix",
        "posttls-finger",
        "swaks",
        "openssl-s-client",
        "testssl-sh",
        "python-smtplib",
        "aiosmtplib",
        "curl",
        "msmtp",
        "exim",
        "sendmail",
        "opensmtpd",
        "go-net-smtp",
        "nodemailer",
        "ruby-net-smtp",
        "perl-net-smtp",
        "jakarta-mail",
        "lettre",
        "stalwart-mail-send",
        "cisco-esa",
        "kumomta",
        "zgrab2",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
    for row in &rows {
        assert!(["measured", "source"].contains(&row["evidence"].as_str().unwrap()));
        assert!(
            ["mta", "library", "test-tool", "scanner"].contains(&row["group"].as_str().unwrap())
        );
        assert!(!row["rule_words"].as_array().unwrap().is_empty());
        // Default deciding set: MTAs and libraries.
        let deciding = ["mta", "library"].contains(&row["group"].as_str().unwrap());
        assert_eq!(row["deciding"], deciding, "{}", row["id"]);
    }
    let esa = rows.iter().find(|c| c["id"] == "cisco-esa").unwrap();
    assert_eq!(esa["group"], "mta");
    assert_eq!(esa["evidence"], "source");
    let r = run(&["clients", "--clients", "cisco-esa,scanner"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Cisco ESA (AsyncOS) (cisco-esa)"));
    assert_eq!(
        r.stdout.matches("decides the verdict").count(),
        3,
        "{}",
        r.stdout
    );
    assert_eq!(run(&["clients", "--clients", "no-such-client"]).code, 2);
}

#[test]
fn clients_flag_chooses_whose_view_decides() {
    // The seeds' reply: Cisco ESA will not use TLS, swaks will.
    for (clients, code, verdict) in [
        ("mta,library", 3, "fail"),
        ("cisco-esa", 3, "fail"),
        ("swaks", 1, "warning"),
        ("test-tool", 1, "warning"),
        ("all", 3, "fail"),
    ] {
        let r = run_stdin(
            &["parse", "--json", "--clients", clients, "-"],
            SEED_INCORRECT,
        );
        assert_eq!(r.code, code, "{clients}: {}", r.stdout);
        assert_eq!(r.json["verdict"], verdict, "{clients}");
        let deciding: Vec<&str> = r.json["client_view"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["deciding"] == true)
            .map(|c| c["client"].as_str().unwrap())
            .collect();
        assert!(!deciding.is_empty(), "{clients}");
    }
    // A legal lower-case keyword: Postfix sees it, Exim does not.
    let lower = b"250-mx.example.com\r\n250-starttls\r\n250 SIZE 1\r\n";
    let r = run_stdin(&["parse", "--json", "--clients", "postfix", "-"], lower);
    assert_eq!((r.code, r.json["verdict"].as_str()), (1, Some("warning")));
    let r = run_stdin(&["parse", "--json", "--clients", "exim", "-"], lower);
    assert_eq!((r.code, r.json["verdict"].as_str()), (3, Some("fail")));
    let r = run_stdin(&["parse", "--json", "-"], lower);
    assert_eq!(
        r.json["verdict"], "fail",
        "default: Exim is an MTA in the deciding set"
    );
    let exim = r.json["client_view"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client"] == "exim")
        .unwrap()
        .clone();
    assert_eq!(exim["group"], "mta");
    assert_eq!(exim["outcome"], "no-tls");
    assert_eq!(exim["will_upgrade"], false);
    // STARTTLS on an ehlo-line, but the last line says 251: smtplib sees no 250, Go waits,
    // lettre and mail-send give up, the MTAs read on.
    let mixed = b"250-mx.example.com\r\n250-STARTTLS\r\n251 8BITMIME\r\n";
    let r = run_stdin(&["parse", "--json", "-"], mixed);
    assert_eq!(r.code, 3, "{}", r.stdout);
    let f = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "starttls-missed-by-clients")
        .unwrap()
        .clone();
    assert_eq!(f["severity"], "error");
    let go = r.json["client_view"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client"] == "go-net-smtp")
        .unwrap()
        .clone();
    assert_eq!(go["outcome"], "hangs");
    assert!(go["outcome_detail"].as_str().unwrap().contains("timeout"));
    let r = run_stdin(&["parse", "--json", "--clients", "mta", "-"], mixed);
    assert_eq!((r.code, r.json["verdict"].as_str()), (1, Some("warning")));
}
