use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use smtp_grammar::Limits;

use crate::tls::{RecordingVerifier, TlsVersions};

/// How long each part of the session may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing the TCP connection, per address.
    pub connect: Duration,
    /// Each step: one command and its whole reply, or the TLS handshake.
    pub step: Duration,
    /// The whole probe, connection attempts included.
    pub overall: Duration,
}

impl Timeouts {
    /// Per-step timeout `step`; the connect timeout and overall deadline derived from it.
    pub fn from_step(step: Duration) -> Self {
        Timeouts {
            connect: step,
            step,
            overall: step.saturating_mul(3),
        }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts::from_step(Duration::from_secs(10))
    }
}

/// Size bounds on what the server may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub reply: Limits,
    /// Octets the server may send in the whole session, before and inside TLS.
    pub max_session_bytes: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            reply: Limits::default(),
            max_session_bytes: 1024 * 1024,
        }
    }
}

/// What the TLS handshake needs: a config with a fresh recording verifier, and the name.
#[derive(Debug, Clone)]
pub struct TlsTarget {
    pub config: Arc<rustls::ClientConfig>,
    pub verifier: Arc<RecordingVerifier>,
    pub server_name: ServerName<'static>,
    /// The versions `config` offers (rustls does not say), for the report.
    pub versions: TlsVersions,
}

#[derive(Debug, Clone)]
pub enum TlsPlan {
    /// `--no-tls`: stop after EHLO.
    None,
    /// Upgrade with STARTTLS when an ehlo-line offers it, or always when `force`.
    Starttls { target: TlsTarget, force: bool },
    /// TLS from the first byte (port 465, RFC 8314).
    Implicit { target: TlsTarget },
}

/// Steps added to the session by the active checks (`src/checks/`); none by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtraSteps {
    /// Commands sent in plaintext after EHLO and before STARTTLS, each reply recorded. Never
    /// on an implicit-TLS port (there is no plaintext there).
    pub before_starttls: Vec<String>,
    /// A command written in the same write as STARTTLS (the CVE-2011-0411 test): after the
    /// handshake the probe listens for an answer to it inside TLS before it says anything.
    pub pipeline_with_starttls: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The name sent with EHLO / HELO.
    pub helo: String,
    pub tls: TlsPlan,
    pub limits: SessionLimits,
    pub timeouts: Timeouts,
    /// Keep the whole conversation for `--transcript`.
    pub transcript: bool,
    pub extra: ExtraSteps,
}
