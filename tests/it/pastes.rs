//! The paste corpus (tests/fixtures/pastes): real tools' output against a scripted server,
//! documented formats, and the damage copying does. Every sample runs through the binary and
//! must give the placement, exit code and findings its manifest entry names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::common::{run_json, run_stdin};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pastes")
}

fn manifest() -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(dir().join("expect.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Formats whose pasted lines hold the reply's text as written (not hex, not re-wrapped).
fn lines_hold_text(name: &str, format: &str) -> bool {
    !matches!(format, "dotnet-trace" | "openssl")
        && !name.starts_with("dec-utf16")
        && !name.starts_with("dec-quoted-printable")
}

#[test]
fn every_sample_gives_its_expected_diagnosis() {
    let manifest = manifest();
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    on_disk.sort();
    let listed: Vec<String> = manifest.keys().cloned().collect();
    assert_eq!(
        on_disk, listed,
        "every sample has a manifest entry and vice versa"
    );
    assert!(listed.len() >= 100, "{} samples", listed.len());

    let mut wrong = Vec::new();
    for (name, want) in &manifest {
        let path = dir().join(name);
        let r = run_json(&["parse", path.to_str().unwrap()]);
        let ehlo = &r.json["ehlo"];
        let mut ids = r.finding_ids();
        ids.sort();
        let input = &r.json["input"];
        let got = serde_json::json!({
            "exit": r.code,
            "starttls": ehlo["starttls"],
            "findings": ids,
            "format": input["format"],
            "bytes_judged": input["bytes_judged"],
        });
        let mut ok = got["exit"] == want["exit"]
            && got["starttls"] == want["starttls"]
            && got["findings"] == want["findings"];
        for key in ["format", "bytes_judged"] {
            if !want[key].is_null() {
                ok &= got[key] == want[key];
            }
        }
        // No verdict the paste cannot support: exit 4 never comes with an EHLO diagnosis.
        if r.code == 4 {
            ok &= ehlo.is_null() && r.verdict() == "error";
        }
        // Every assumption is reported.
        let notes = input["notes"].as_array().cloned().unwrap_or_default();
        ok &= !notes.is_empty();
        // The reply lines named are the paste's lines that hold the reply.
        let reply_lines: Vec<usize> = input["reply_lines"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_u64())
                    .map(|v| v as usize)
                    .collect()
            })
            .unwrap_or_default();
        if r.code != 4 {
            ok &= !reply_lines.is_empty();
            let format = input["format"].as_str().unwrap_or("");
            if lines_hold_text(name, format) {
                let text = std::fs::read(&path).unwrap();
                let text = String::from_utf8_lossy(&text);
                let pasted: Vec<&str> = text.split('\n').collect();
                let entries = ehlo["lines"].as_array().cloned().unwrap_or_default();
                for (no, entry) in reply_lines.iter().zip(&entries) {
                    let raw = entry["raw"].as_str().unwrap_or("");
                    let words = raw.get(4..).unwrap_or("");
                    let line = pasted.get(no - 1).copied().unwrap_or("");
                    if !line.contains(words) {
                        ok = false;
                        eprintln!("{name}: paste line {no} ({line:?}) does not hold {raw:?}");
                    }
                }
            }
        }
        if !ok {
            wrong.push(format!(
                "{name}\n  want {want}\n  got  {got}\n  summary: {}",
                r.json["summary"]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} samples wrong:\n{}",
        wrong.len(),
        manifest.len(),
        wrong.join("\n")
    );
}

#[test]
fn a_paste_over_1_mib_is_reported_not_cut_silently() {
    let seed = std::fs::read(dir().join("swaks-seed.txt")).unwrap();
    let filler = "x".repeat(79) + "\n";
    let mut after = seed.clone();
    while after.len() < 1_200_000 {
        after.extend_from_slice(filler.as_bytes());
    }
    let r = run_stdin(&["parse", "--json", "-"], &after);
    assert_eq!(r.code, 3, "{}", r.stdout);
    let notes = r.json["input"]["notes"].to_string();
    assert!(notes.contains("larger than 1048576 octets"), "{notes}");

    let mut before = Vec::new();
    while before.len() < 1_200_000 {
        before.extend_from_slice(filler.as_bytes());
    }
    before.extend_from_slice(&seed);
    let r = run_stdin(&["parse", "--json", "-"], &before);
    assert_eq!(r.code, 4, "{}", r.stdout);
    assert!(r.has("paste-too-large"), "{:?}", r.finding_ids());
    assert!(r.json["ehlo"].is_null());
}

#[test]
fn human_output_lists_every_assumption() {
    let paste = std::fs::read(dir().join("dec-unknown-prefix-first-line-seed.txt")).unwrap();
    let r = run_stdin(&["parse", "--color", "never", "-"], &paste);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("Input  plain SMTP conversation; EHLO reply on paste lines 3-9"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("removed a prefix"), "{}", r.stdout);
    assert!(r.stdout.contains("could not be judged"), "{}", r.stdout);
}

#[test]
fn openssl_without_debug_says_what_is_missing_and_how_to_capture_it() {
    let paste = std::fs::read(dir().join("openssl-seed.txt")).unwrap();
    let r = run_stdin(&["parse", "--json", "-"], &paste);
    assert_eq!(r.code, 4, "{}", r.stdout);
    let f = r.finding("paste-incomplete");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("does not contain the plaintext EHLO reply"),
        "{msg}"
    );
    assert!(msg.contains("--transcript"), "{msg}");
    assert!(f["hint"].as_str().unwrap().contains("swaks"), "{f}");
    // The fragment after the handshake is named, not diagnosed.
    assert!(msg.contains("inside TLS"), "{msg}");
}
