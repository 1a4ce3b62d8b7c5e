//! Finds the EHLO reply in what a support engineer pastes: the single-reply view of
//! [`crate::paste`], kept for callers that only need the reply.
//!
//! Accepted input: whatever [`read_paste`] reads — a bare EHLO reply, a conversation with or
//! without direction prefixes, and the output of the tools and logs listed there.

use crate::paste::{read_paste, PasteError};
use crate::reply::{Limits, Reply, ReplyError};

/// What was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The banner (220 reply), when the paste contains one before the EHLO reply.
    pub banner: Option<Reply>,
    /// The client's EHLO command line as pasted (`EHLO ESA.com`), when present.
    pub ehlo_command: Option<String>,
    /// The reply to EHLO, rebuilt from the cleaned lines (CRLF unless the paste kept the
    /// server's real line ends).
    pub ehlo_reply: Reply,
    /// True when the paste does not keep the server's line ends (a plain paste: LF or CRLF
    /// says nothing about the server), so bare LF and trailing white space cannot be judged.
    pub pasted_with_lf: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TranscriptError {
    #[error("no EHLO reply found (expected lines such as `250-mail.example.com`)")]
    NoEhloReply,
    #[error("the EHLO reply in the input is incomplete: its last line starts `250-`")]
    Incomplete,
    #[error(transparent)]
    Reply(#[from] ReplyError),
    /// The paste shows only part of the conversation (see [`PasteError::NoPlaintextReply`]).
    #[error("this paste does not contain the plaintext EHLO reply: {0}")]
    NoPlaintextReply(String),
}

/// Extracts the first plaintext reply to EHLO from pasted text (see [`read_paste`]).
pub fn extract_ehlo_reply(input: &[u8], limits: Limits) -> Result<Extracted, TranscriptError> {
    match read_paste(input, limits).outcome {
        Ok(found) => Ok(Extracted {
            banner: found.banner,
            ehlo_command: found.ehlo_command,
            ehlo_reply: found.ehlo_reply,
            pasted_with_lf: !found.bytes_kept,
        }),
        Err(PasteError::NoEhloReply) => Err(TranscriptError::NoEhloReply),
        Err(PasteError::Incomplete { .. }) => Err(TranscriptError::Incomplete),
        Err(PasteError::Reply(e)) => Err(TranscriptError::Reply(e)),
        Err(PasteError::NoPlaintextReply { why }) => Err(TranscriptError::NoPlaintextReply(why)),
    }
}
