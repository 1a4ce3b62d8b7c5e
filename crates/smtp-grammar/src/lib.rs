//! The SMTP reply grammar of smtp-tls-check, as pure code.
//!
//! Nothing here performs I/O or knows about tokio or TLS: every function takes bytes and returns
//! data, so the rules of RFC 5321 and RFC 1869 can be tested on byte strings and fuzzed.
//!
//! - [`reply`]: bytes -> lines -> replies, incremental and bounded.
//! - [`ehlo`]: a 250 reply to EHLO -> greeting, ehlo-lines, STARTTLS placement.
//! - [`clients`]: what each family of real SMTP clients concludes from the same reply.
//! - [`paste`]: reads what people paste (tool output, logs, tickets) and finds the EHLO reply.
//! - [`transcript`]: the older single-reply entry point, now a view of [`paste`].
//! - [`escape`]: renders server bytes safely for a terminal or a log.
//! - [`sniff`]: names the protocol of a peer that answered with something other than SMTP.
#![forbid(unsafe_code)]

pub mod clients;
pub mod ehlo;
pub mod escape;
pub mod paste;
pub mod reply;
pub mod sniff;
pub mod transcript;

pub use clients::{
    client_view, sees_starttls, ClientProfile, ClientSet, ClientVerdict, Evidence, Group, Outcome,
    Rule, UnknownClient, CLIENTS,
};
pub use ehlo::is_ehlo_keyword;
pub use ehlo::{
    interpret_ehlo, EhloError, EhloKeyword, EhloNote, EhloReply, Greeting, InvalidEhloLine,
    StarttlsPlacement,
};
pub use escape::escape_bytes;
pub use paste::{read_paste, Found, Paste, PasteError};
pub use reply::{
    parse_reply, Anomaly, Limits, LineEnding, Reply, ReplyError, ReplyLine, ReplyReader, Separator,
    RFC_MAX_REPLY_LINE,
};
pub use sniff::{sniff, Foreign};
pub use transcript::{extract_ehlo_reply, Extracted, TranscriptError};
