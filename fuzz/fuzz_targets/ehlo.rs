//! parse_reply -> interpret_ehlo -> client_view -> escape_bytes on every line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_grammar::{
    client_view, escape_bytes, interpret_ehlo, parse_reply, Limits, StarttlsPlacement,
};

fn check_escape(bytes: &[u8]) {
    let s = escape_bytes(bytes);
    assert!(
        !s.chars().any(|c| c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
        "escape_bytes let a control character through: {s:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    check_escape(data);
    let Ok(reply) = parse_reply(data, Limits::default()) else {
        return;
    };
    let view = client_view(&reply);
    for line in &reply.lines {
        check_escape(&line.text);
    }
    match interpret_ehlo(&reply) {
        Ok(ehlo) => {
            assert_eq!(reply.code, 250);
            assert_eq!(
                ehlo.keywords.len() + ehlo.invalid_lines.len() + 1,
                reply.lines.len()
            );
            let cisco = view
                .iter()
                .find(|v| v.client == "cisco-esa")
                .expect("cisco-esa");
            let postfix = view
                .iter()
                .find(|v| v.client == "postfix")
                .expect("postfix");
            // Postfix takes the last line's code, Cisco ESA the first's.
            let last_2xx = reply.lines.last().is_some_and(|l| l.code / 100 == 2);
            // A valid `STARTTLS` ehlo-line (a malformed one may start with white space, which
            // first-word readers do not skip).
            if ehlo.has_keyword("STARTTLS") {
                assert!(cisco.sees_starttls);
                assert_eq!(postfix.sees_starttls, last_2xx);
            }
            if ehlo.starttls == StarttlsPlacement::GreetingOnly {
                assert!(!ehlo.has_keyword("STARTTLS"));
            }
            if cisco.sees_starttls && last_2xx {
                assert!(postfix.sees_starttls);
            }
            let _ = ehlo.starttls.as_str();
        }
        Err(_) => {
            assert_ne!(reply.code, 250);
            // Clients that need 250 on the first line see nothing; code-blind ones may.
            for id in ["cisco-esa", "jakarta-mail", "go-net-smtp"] {
                assert!(view.iter().any(|v| v.client == id && !v.sees_starttls), "{id}");
            }
        }
    }
});
