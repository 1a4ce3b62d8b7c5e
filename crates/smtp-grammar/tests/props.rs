//! Property tests of the reply reader and the EHLO interpreter.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use smtp_grammar::{
    client_view, escape_bytes, extract_ehlo_reply, interpret_ehlo, parse_reply, Limits, Reply,
    ReplyError, ReplyReader,
};

/// Pulls every available reply; stops at None or the first error.
fn drain(r: &mut ReplyReader, out: &mut Vec<Result<Reply, ReplyError>>) {
    loop {
        match r.next_reply() {
            Ok(Some(reply)) => out.push(Ok(reply)),
            Ok(None) => return,
            Err(e) => {
                out.push(Err(e));
                return;
            }
        }
    }
}

fn feed(input: &[u8], chunks: &[usize], limits: Limits) -> Vec<Result<Reply, ReplyError>> {
    let mut r = ReplyReader::new(limits);
    let mut out = Vec::new();
    let mut rest = input;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        if matches!(out.last(), Some(Err(_))) {
            break;
        }
        let n = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        r.push(chunk);
        drain(&mut r, &mut out);
        if !matches!(out.last(), Some(Err(_))) {
            let bound = limits.max_line_len + limits.max_reply_bytes + n;
            assert!(
                r.buffered().len() <= bound,
                "buffered {} > {bound}",
                r.buffered().len()
            );
        }
    }
    // A malformed line is reported as soon as its first octets show it, so the octets kept as
    // evidence depend on how much had arrived; the reason does not.
    out.into_iter()
        .map(|r| match r {
            Err(ReplyError::Malformed { reason, .. }) => Err(ReplyError::Malformed {
                line: Vec::new(),
                reason,
            }),
            other => other,
        })
        .collect()
}

/// Bytes biased towards the SMTP alphabet.
fn smtp_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b"250-".to_vec()),
        Just(b"250 ".to_vec()),
        Just(b"220 ".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"STARTTLS".to_vec()),
        Just(b"mail.example.com".to_vec()),
        Just(b"XXXXXXXA".to_vec()),
        Just(b" ".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
        proptest::collection::vec(b'a'..=b'z', 0..40),
    ];
    proptest::collection::vec(token, 0..60).prop_map(|v| v.concat())
}

fn small_limits() -> impl Strategy<Value = Limits> {
    (1usize..200, 1usize..12, 1usize..600).prop_map(|(l, n, b)| Limits {
        max_line_len: l,
        max_lines_per_reply: n,
        max_reply_bytes: b,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn chunking_does_not_change_replies(
        input in prop_oneof![smtp_bytes(), proptest::collection::vec(any::<u8>(), 0..400)],
        chunks in proptest::collection::vec(1usize..64, 1..8),
        limits in prop_oneof![Just(Limits::default()), small_limits()],
    ) {
        let whole = feed(&input, &[input.len().max(1)], limits);
        let chunked = feed(&input, &chunks, limits);
        prop_assert_eq!(&whole, &chunked);
        let bytewise = feed(&input, &[1], limits);
        prop_assert_eq!(&whole, &bytewise);
    }

    #[test]
    fn nothing_panics(input in prop_oneof![smtp_bytes(), proptest::collection::vec(any::<u8>(), 0..400)]) {
        if let Ok(reply) = parse_reply(&input, Limits::default()) {
            let _ = interpret_ehlo(&reply);
            let _ = client_view(&reply);
        }
        let _ = extract_ehlo_reply(&input, Limits::default());
        prop_assert!(!escape_bytes(&input).chars().any(char::is_control));
    }

    #[test]
    fn render_then_parse_round_trip(
        domain in "[a-z]{1,10}(\\.[a-z]{1,10}){1,3}",
        keywords in proptest::collection::vec(
            ("[A-Za-z0-9][A-Za-z0-9-]{0,15}", proptest::collection::vec("[!-~]{1,10}", 0..3)),
            0..10,
        ),
        crlf in any::<bool>(),
    ) {
        let mut lines = vec![domain.clone()];
        for (k, params) in &keywords {
            let mut l = k.clone();
            for p in params {
                l.push(' ');
                l.push_str(p);
            }
            lines.push(l);
        }
        let mut input = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let sep = if i + 1 == lines.len() { ' ' } else { '-' };
            input.extend_from_slice(format!("250{sep}{l}").as_bytes());
            input.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
        let reply = parse_reply(&input, Limits::default()).unwrap();
        prop_assert_eq!(reply.lines.len(), lines.len());
        let ehlo = interpret_ehlo(&reply).unwrap();
        prop_assert_eq!(&ehlo.greeting.domain, &domain);
        prop_assert!(ehlo.invalid_lines.is_empty());
        let got: Vec<(String, Vec<String>)> = ehlo
            .keywords
            .iter()
            .map(|k| (k.keyword.clone(), k.params.clone()))
            .collect();
        prop_assert_eq!(got, keywords);
    }
}
