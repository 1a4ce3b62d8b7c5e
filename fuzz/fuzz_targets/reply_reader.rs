//! Push the input in chunks (sizes and limits chosen by the first bytes), pull replies until
//! None or an error, and check the reader's invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_grammar::{Limits, Reply, ReplyError, ReplyReader, Separator};

fn limits_from(b: u8) -> Limits {
    if b & 0x80 == 0 {
        Limits::default()
    } else {
        Limits {
            max_line_len: 1 + usize::from(b & 0x0f) * 16,
            max_lines_per_reply: 1 + usize::from((b >> 4) & 0x07),
            max_reply_bytes: 1 + usize::from(b & 0x3f) * 8,
        }
    }
}

/// Feeds `data` in chunks of `sizes` (cycled), draining after each push.
fn feed(data: &[u8], sizes: &[usize], limits: Limits) -> Vec<Result<Reply, ReplyError>> {
    let mut r = ReplyReader::new(limits);
    let mut out: Vec<Result<Reply, ReplyError>> = Vec::new();
    let mut rest = data;
    let mut sizes = sizes.iter().cycle();
    while !rest.is_empty() {
        let n = sizes.next().copied().unwrap_or(1).clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        r.push(chunk);
        loop {
            match r.next_reply() {
                Ok(Some(reply)) => {
                    check_reply(&reply);
                    out.push(Ok(reply));
                }
                Ok(None) => {
                    let bound = limits.max_line_len + limits.max_reply_bytes + n;
                    assert!(r.buffered().len() <= bound, "buffer grew past its bound");
                    break;
                }
                Err(e) => {
                    // Poisoned: the same error again, whatever is pushed.
                    r.push(b"250 ok\r\n");
                    assert_eq!(r.next_reply(), Err(e.clone()));
                    out.push(Err(e));
                    return out;
                }
            }
        }
    }
    out
}

fn check_reply(reply: &Reply) {
    let (last, init) = reply
        .lines
        .split_last()
        .expect("a reply has at least one line");
    assert_ne!(last.separator, Separator::Hyphen);
    assert!(init.iter().all(|l| l.separator == Separator::Hyphen));
    assert_eq!(reply.code, reply.lines[0].code);
    assert!((200..600).contains(&reply.code));
    for l in &reply.lines {
        assert!(!l.text.contains(&b'\n'));
        assert!(l.raw_len > l.text.len());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Some((&lim, input)) = rest.split_first() else {
        return;
    };
    let limits = limits_from(lim);
    let sizes: Vec<usize> = match sel % 4 {
        0 => vec![1],
        1 => vec![usize::from(sel / 4) + 1],
        2 => vec![1, 7, 3, 64, 2],
        _ => vec![input.len().max(1)],
    };
    let chunked = feed(input, &sizes, limits);
    let whole = feed(input, &[input.len().max(1)], limits);
    assert_eq!(chunked, whole, "chunking changed the replies");
});
