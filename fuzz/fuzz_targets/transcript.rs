//! extract_ehlo_reply on arbitrary pastes; what it finds must be a 250 reply.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_grammar::{extract_ehlo_reply, interpret_ehlo, Limits};

fuzz_target!(|data: &[u8]| {
    if let Ok(x) = extract_ehlo_reply(data, Limits::default()) {
        assert_eq!(x.ehlo_reply.code, 250);
        assert!(interpret_ehlo(&x.ehlo_reply).is_ok());
        if let Some(b) = &x.banner {
            assert_eq!(b.code, 220);
        }
    }
});
