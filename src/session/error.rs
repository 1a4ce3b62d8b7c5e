use std::fmt;

use serde::Serialize;
use smtp_grammar::ReplyError;

/// A step of the session; names the step in timings, timeouts and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Connect,
    Banner,
    Ehlo,
    Helo,
    Starttls,
    Handshake,
    EhloAfterTls,
    Quit,
    /// A command an active check added (MAIL FROM, RSET).
    Check,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Connect => "connect",
            Phase::Banner => "banner",
            Phase::Ehlo => "EHLO",
            Phase::Helo => "HELO",
            Phase::Starttls => "STARTTLS",
            Phase::Handshake => "TLS handshake",
            Phase::EhloAfterTls => "EHLO after TLS",
            Phase::Quit => "QUIT",
            Phase::Check => "check",
        }
    }

    /// What the probe was waiting for, for sentences such as "timed out waiting for ...".
    pub fn waiting_for(self) -> &'static str {
        match self {
            Phase::Connect => "the TCP connection",
            Phase::Banner => "the server's banner",
            Phase::Ehlo => "the reply to EHLO",
            Phase::Helo => "the reply to HELO",
            Phase::Starttls => "the reply to STARTTLS",
            Phase::Handshake => "the TLS handshake to complete",
            Phase::EhloAfterTls => "the reply to EHLO inside TLS",
            Phase::Quit => "the reply to QUIT",
            Phase::Check => "the reply to a check's command",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a session stopped before its end.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The step took too long. `overall` when it was the whole probe's deadline that ran out
    /// rather than the step's own timeout; `partial` holds what had arrived of the reply.
    #[error("{} after {secs:.1} s waiting for {}", if *overall { "the probe's overall deadline ran out" } else { "timed out" }, phase.waiting_for())]
    Timeout {
        phase: Phase,
        secs: f64,
        overall: bool,
        partial: Vec<u8>,
    },
    /// The server closed the connection (FIN); `partial` holds what it had sent of the reply.
    #[error("the server closed the connection while the probe waited for {}", phase.waiting_for())]
    Closed { phase: Phase, partial: Vec<u8> },
    /// The server aborted the connection (RST); `partial` holds what it had sent of the reply.
    #[error("the server reset the connection (TCP RST) while the probe waited for {}", phase.waiting_for())]
    Reset { phase: Phase, partial: Vec<u8> },
    #[error("network error during {phase}: {source}")]
    Io {
        phase: Phase,
        #[source]
        source: std::io::Error,
    },
    #[error("unreadable reply during {phase}: {source}")]
    Reply {
        phase: Phase,
        #[source]
        source: ReplyError,
    },
    #[error("the server sent more than {limit} octets in one session")]
    SessionTooLarge { phase: Phase, limit: usize },
}

impl SessionError {
    pub fn phase(&self) -> Phase {
        match self {
            SessionError::Timeout { phase, .. }
            | SessionError::Closed { phase, .. }
            | SessionError::Reset { phase, .. }
            | SessionError::Io { phase, .. }
            | SessionError::Reply { phase, .. }
            | SessionError::SessionTooLarge { phase, .. } => *phase,
        }
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, SessionError::Timeout { .. })
    }

    /// Closed or reset by the server.
    pub fn is_closed(&self) -> bool {
        matches!(
            self,
            SessionError::Closed { .. } | SessionError::Reset { .. }
        )
    }

    /// What had arrived of the reply the probe was waiting for, when it stopped.
    pub fn partial(&self) -> &[u8] {
        match self {
            SessionError::Timeout { partial, .. }
            | SessionError::Closed { partial, .. }
            | SessionError::Reset { partial, .. } => partial,
            _ => &[],
        }
    }
}
