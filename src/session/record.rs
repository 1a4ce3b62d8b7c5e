use smtp_grammar::Reply;

use super::SessionError;
use crate::model::{Timings, TranscriptEntry};
use crate::tls::{HandshakeFailure, SessionInfo, VerifyOutcome};

/// What happened around STARTTLS.
#[derive(Debug, Default)]
pub struct StarttlsRecord {
    /// STARTTLS was sent.
    pub sent: bool,
    /// Sent although no ehlo-line offered it (`--force-starttls`).
    pub forced: bool,
    pub reply: Option<Reply>,
    /// Octets that followed the 220 in plaintext before the handshake; thrown away unread.
    pub injected: Option<Vec<u8>>,
}

#[derive(Debug, Default)]
pub struct TlsRecord {
    pub implicit: bool,
    /// The versions the probe offered, newest first ("TLSv1.3", "TLSv1.2").
    pub offered: Vec<String>,
    /// The server sent a CertificateRequest (the probe never sends a certificate).
    pub client_cert_requested: bool,
    pub session: Option<SessionInfo>,
    /// What the certificate verifier saw, when the server got as far as sending a certificate.
    pub verify: Option<VerifyOutcome>,
    /// Also set when the server rejected the handshake only at the first read inside TLS
    /// (TLS 1.3 client authentication); `session` then says what had been negotiated.
    pub handshake_error: Option<HandshakeFailure>,
    /// The first octets the server sent during a failed handshake: what came instead of TLS.
    pub received_instead: Option<Vec<u8>>,
}

impl TlsRecord {
    /// The handshake completed and the server did not reject the client afterwards: the TLS
    /// session was usable.
    pub fn completed(&self) -> bool {
        self.session.is_some() && self.handshake_error.is_none()
    }
}

/// A command of [`crate::session::ExtraSteps::before_starttls`] and what came back.
#[derive(Debug)]
pub struct CommandRecord {
    pub command: String,
    /// `None` when the session stopped before a reply (the error says why).
    pub reply: Option<Reply>,
}

/// The command written together with STARTTLS, and where it was answered.
#[derive(Debug, Default)]
pub struct PipelinedRecord {
    pub command: String,
    /// The STARTTLS write went out with the command in it.
    pub sent: bool,
    /// A reply read inside TLS before the probe said anything there: the server carried the
    /// plaintext command across the TLS boundary.
    pub answered_inside_tls: Option<Reply>,
    /// How long the probe listened inside TLS, in milliseconds.
    pub listened_ms: Option<f64>,
    /// The server answered EHLO inside TLS after the listening: it was alive, not silent.
    pub alive_after: bool,
}

/// The facts of one session, in the order they happened. No judgement.
#[derive(Debug, Default)]
pub struct SessionRecord {
    pub banner: Option<Reply>,
    pub ehlo: Option<Reply>,
    /// Sent when EHLO was refused with 5xx.
    pub helo: Option<Reply>,
    pub starttls: StarttlsRecord,
    pub tls: Option<TlsRecord>,
    /// Banner and EHLO inside TLS on an implicit-TLS port land in `banner` and `ehlo`; this is
    /// the second EHLO after STARTTLS.
    pub ehlo_after_tls: Option<Reply>,
    pub quit: Option<Reply>,
    /// Plaintext commands the active checks added after EHLO.
    pub before_starttls: Vec<CommandRecord>,
    /// The command pipelined with STARTTLS (`--check-injection`).
    pub pipelined: Option<PipelinedRecord>,
    /// The step where the session stopped early, and why.
    pub error: Option<SessionError>,
    pub timings: Timings,
    pub transcript: Vec<TranscriptEntry>,
    pub bytes_received: usize,
}
