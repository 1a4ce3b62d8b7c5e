//! read_paste: decoding, format detection, reply choice and refusals, on small inline pastes.
//! The corpus of real tools' output is run through the binary (tests/it/pastes.rs).
#![allow(clippy::unwrap_used)]

use smtp_grammar::{interpret_ehlo, read_paste, Limits, PasteError, StarttlsPlacement};

const SEED: &str = "220 mx ESMTP\nEHLO a\n250-STARTTLS\n250-mx.example\n250 SIZE 1\n";

fn placement(input: &[u8]) -> StarttlsPlacement {
    let p = read_paste(input, Limits::default());
    let found = p.outcome.unwrap_or_else(|e| panic!("{e} {:?}", p.notes));
    interpret_ehlo(&found.ehlo_reply).unwrap().starttls
}

#[test]
fn decoding_keeps_the_seed_case() {
    let mut utf16le = vec![0xff, 0xfe];
    for u in SEED.encode_utf16() {
        utf16le.extend_from_slice(&u.to_le_bytes());
    }
    let mut utf16be = Vec::new();
    for u in SEED.encode_utf16() {
        utf16be.extend_from_slice(&u.to_be_bytes());
    }
    let cases: Vec<Vec<u8>> = vec![
        SEED.as_bytes().to_vec(),
        [b"\xef\xbb\xbf".as_slice(), SEED.as_bytes()].concat(),
        utf16le,
        utf16be,
        SEED.replace("250-STARTTLS", "\x1b[01;31m\x1b[K250-STARTTLS\x1b[m\x1b[K")
            .into_bytes(),
        SEED.replace("250-", "\u{a0}250-").into_bytes(),
        SEED.lines()
            .map(|l| format!("`{l}`\n"))
            .collect::<String>()
            .into_bytes(),
        format!("```\n{SEED}```\n").into_bytes(),
        SEED.lines()
            .map(|l| format!("> {l}\n"))
            .collect::<String>()
            .into_bytes(),
        SEED.replace("250-STARTTLS", "Nov 30 10:00:00 gw proxy[7]: 250-STARTTLS")
            .into_bytes(),
    ];
    for case in cases {
        assert_eq!(
            placement(&case),
            StarttlsPlacement::GreetingOnly,
            "{:?}",
            String::from_utf8_lossy(&case)
        );
    }
}

#[test]
fn families_are_detected_and_named() {
    let cases: &[(&str, &str)] = &[
        ("posttls-finger: < 220 mx\nposttls-finger: > EHLO a\nposttls-finger: < 250-STARTTLS\nposttls-finger: < 250 mx.example\n", "posttls-finger"),
        ("Nov 30 postfix/smtp[1]: < mx[192.0.2.1]:25: 220 mx\nNov 30 postfix/smtp[1]: > mx[192.0.2.1]:25: EHLO a\nNov 30 postfix/smtp[1]: < mx[192.0.2.1]:25: 250-STARTTLS\nNov 30 postfix/smtp[1]: < mx[192.0.2.1]:25: 250 mx.example\n", "postfix-log"),
        ("send: 'ehlo a\\r\\n'\nreply: b'250-STARTTLS\\r\\n'\nreply: b'250 mx.example\\r\\n'\n", "python-smtplib"),
        ("<-- 220 mx\n--> EHLO a\n<-- 250-STARTTLS\n<-- 250 mx.example\n", "msmtp"),
        ("  SMTP<< 220 mx\n  SMTP>> EHLO a\n  SMTP<< 250-STARTTLS\n         250 mx.example\n", "exim"),
        ("x SERVER -> CLIENT: 220 mx\nx CLIENT -> SERVER: EHLO a\nx SERVER -> CLIENT: 250-STARTTLS\n    250 mx.example\n", "phpmailer"),
        ("x SERVER -&gt; CLIENT: 220 mx<br>\nx CLIENT -&gt; SERVER: EHLO a<br>\nx SERVER -&gt; CLIENT: 250-STARTTLS250 mx.example<br>\n", "phpmailer"),
        ("mailnews.smtp: S: 220 mx\nmailnews.smtp: C: EHLO a\nmailnews.smtp: S: 250-STARTTLS\n250 mx.example\n", "thunderbird"),
    ];
    for (input, family) in cases {
        let p = read_paste(input.as_bytes(), Limits::default());
        assert_eq!(p.format, *family, "{input}");
        let found = p.outcome.unwrap_or_else(|e| panic!("{input}: {e}"));
        let ehlo = interpret_ehlo(&found.ehlo_reply).unwrap();
        assert_eq!(ehlo.starttls, StarttlsPlacement::GreetingOnly, "{input}");
        assert_eq!(found.reply_lines.len(), 2, "{input}");
    }
}

#[test]
fn python_literals_keep_the_bytes() {
    let p = read_paste(
        b"send: 'ehlo a\\r\\n'\nreply: b'250-mx.example\\n'\nreply: b'250 STARTTLS \\r\\n'\n",
        Limits::default(),
    );
    let found = p.outcome.unwrap();
    assert!(found.bytes_kept);
    assert_eq!(found.reply_lines, [2, 3]);
    // The bare LF and the trailing space are the server's, so they reach the linter.
    assert!(!found.ehlo_reply.anomalies.is_empty());
}

#[test]
fn refusals_name_what_is_missing() {
    let cases: &[&str] = &[
        // openssl: only the last line, after the handshake.
        "CONNECTED(00000003)\ndepth=0 CN = mx\nverify return:1\n---\nSSL handshake has read 1537 bytes\n---\n250 SIZE 1\n",
        // The tail of a reply.
        "250-PIPELINING\n250 SIZE 1\n",
        // An unreadable prefix inside the reply.
        "250-mx.example\n250-SIZE 1\n[gw] relay: 250-PIPELINING\n250 STARTTLS\n",
        // Only the conversation inside TLS.
        "STARTTLS\n220 go ahead\nEHLO a\n250-mx.example\n250 AUTH PLAIN\n",
    ];
    for input in cases {
        let p = read_paste(input.as_bytes(), Limits::default());
        match p.outcome {
            Err(PasteError::NoPlaintextReply { why }) => assert!(!why.is_empty()),
            other => panic!("{input}: {other:?}"),
        }
    }
}

#[test]
fn the_first_session_is_chosen_and_said_so() {
    let input = "220 a\nEHLO x\n250-a.example\n250 SIZE 1\nQUIT\n221 bye\n220 b\nEHLO x\n250-b.example\n250 STARTTLS\n";
    let p = read_paste(input.as_bytes(), Limits::default());
    let found = p.outcome.unwrap();
    assert_eq!(found.reply_lines, [3, 4]);
    assert!(
        p.notes.iter().any(|n| n.contains("2 sessions")),
        "{:?}",
        p.notes
    );
}

proptest::proptest! {
    /// Pastes made of every family's line shapes, shuffled and damaged: nothing panics, a found
    /// reply names one paste line per reply line, and no note carries a control character.
    #[test]
    fn any_mix_of_shapes_is_read_safely(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "250-STARTTLS", "250-mx.example", "250 SIZE 1", "220 mx", "EHLO a", "STARTTLS",
                "posttls-finger: < ", "<-  ", " -> ", "<~  ", "reply: b'", "\\r\\n'", "SMTP<< ",
                "SERVER -> CLIENT: ", "-&gt;", "<br>", "mailnews.smtp: S: ", "<-- ", "* ", "< ",
                "0000 - 32 35 30 2d 53 54", "read from 0x1 [0x2] (4 bytes => 4 (0x4))",
                "> 2026/11/30 16:27:53.0  length=14 from=0 to=13", "\\r", "\u{a0}", "\x1b[31m",
                "```", "`", "> ", "=", "=3D", "\t", ",", "2026-11-30T16:27:53.000Z,a,s,0,l,r,<,",
                "\n", "\r\n", "\n", "\n", "\x00", "\u{feff}",
            ]),
            0..60,
        ),
        utf16 in proptest::bool::ANY,
    ) {
        let text: String = parts.concat();
        let input: Vec<u8> = if utf16 {
            text.encode_utf16().flat_map(u16::to_le_bytes).collect()
        } else {
            text.into_bytes()
        };
        let p = read_paste(&input, Limits::default());
        proptest::prop_assert!(!p.notes.is_empty());
        for note in &p.notes {
            proptest::prop_assert!(!note.chars().any(char::is_control), "{:?}", note);
        }
        if let Ok(found) = &p.outcome {
            proptest::prop_assert_eq!(found.ehlo_reply.code, 250);
            proptest::prop_assert_eq!(found.reply_lines.len(), found.ehlo_reply.lines.len());
            proptest::prop_assert!(interpret_ehlo(&found.ehlo_reply).is_ok());
        }
    }
}
