//! extract_ehlo_reply and read_paste on arbitrary pastes: what they find must be a 250 reply,
//! each reply line must name its paste line, and no note may carry a control character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_grammar::{extract_ehlo_reply, interpret_ehlo, read_paste, Limits};

fuzz_target!(|data: &[u8]| {
    if let Ok(x) = extract_ehlo_reply(data, Limits::default()) {
        assert_eq!(x.ehlo_reply.code, 250);
        assert!(interpret_ehlo(&x.ehlo_reply).is_ok());
        if let Some(b) = &x.banner {
            assert_eq!(b.code, 220);
        }
    }
    let paste = read_paste(data, Limits::default());
    assert!(!paste.notes.is_empty(), "the format is always reported");
    for note in &paste.notes {
        assert!(!note.chars().any(char::is_control), "{note:?}");
    }
    if let Ok(found) = &paste.outcome {
        assert_eq!(found.ehlo_reply.code, 250);
        assert_eq!(found.reply_lines.len(), found.ehlo_reply.lines.len());
        assert!(found.reply_lines.iter().all(|&n| n >= 1));
        assert!(interpret_ehlo(&found.ehlo_reply).is_ok());
    }
});
