//! When the peer is not speaking SMTP (or not TLS where TLS was expected): name what it is
//! from its first octets, at once, and say which flag would have talked to it properly.

use smtp_grammar::{escape_bytes, sniff, Foreign, ReplyError};

use crate::model::{Finding, FindingId, TargetSection};
use crate::session::{Phase, SessionError};
use crate::tls::{HandshakeCause, HandshakeFailure};

/// Octets shown as evidence of what came instead.
const SHOWN: usize = 120;

fn shown(bytes: &[u8]) -> String {
    let cut = bytes.get(..SHOWN).unwrap_or(bytes);
    let mut s = escape_bytes(cut);
    if cut.len() < bytes.len() {
        s.push_str(" ...");
    }
    s
}

/// `not-smtp` for a reply that is recognisably another protocol; `None` leaves the usual
/// `malformed-reply`.
pub(super) fn not_smtp(e: &SessionError, target: &TargetSection) -> Option<Finding> {
    let SessionError::Reply {
        source: ReplyError::Malformed { line, .. },
        phase,
    } = e
    else {
        return None;
    };
    let proto = sniff(line)?;
    let waiting = phase.waiting_for();
    let f = match proto {
        Foreign::Tls => Finding::error(
            FindingId::NotSmtp,
            format!("a TLS record came instead of {waiting}: this port speaks TLS from the first byte, not plaintext SMTP"),
        )
        .with_hint(if target.implicit_tls {
            "the server sent TLS where SMTP was expected inside TLS; it may expect another protocol"
        } else {
            "probe it with --implicit-tls (RFC 8314; usually port 465)"
        }),
        Foreign::Ssh => Finding::error(
            FindingId::NotSmtp,
            format!("an SSH server answered instead of an SMTP server ({waiting} was an SSH banner)"),
        )
        .with_hint("check the port: SSH usually listens on 22, SMTP on 25, 587 or 465"),
        Foreign::Http => Finding::error(
            FindingId::NotSmtp,
            format!("an HTTP server answered instead of an SMTP server ({waiting} was an HTTP response)"),
        )
        .with_hint("check the port: a web server or proxy is listening here"),
    };
    Some(f.with_evidence(shown(line)))
}

/// A hint for a silent banner: a port that waits for the client to speak first is not SMTP
/// (a greeting is owed at once, RFC 5321 3.1); on 465 it is most likely implicit TLS.
pub(super) fn silent_banner_hint(e: &SessionError, target: &TargetSection) -> Option<String> {
    if !(e.is_timeout() && e.phase() == Phase::Banner && e.partial().is_empty()) {
        return None;
    }
    if target.implicit_tls {
        return None;
    }
    Some(if target.port == 465 {
        "port 465 is the implicit-TLS submission port (RFC 8314): the server waits for a TLS ClientHello; probe it with --implicit-tls".to_string()
    } else {
        "an SMTP server greets at once; a port that waits for the client to speak first may expect TLS (try --implicit-tls) or another protocol; raise --timeout if the server is merely slow".to_string()
    })
}

/// What came instead of a ServerHello, named: a plaintext greeting or reply, or another
/// protocol. Sets the cause to `not-tls` and returns the evidence and hint for the finding.
pub(super) fn not_tls(
    failure: &mut HandshakeFailure,
    instead: &[u8],
    implicit: bool,
    after_starttls_220: bool,
) -> (String, Option<String>) {
    failure.cause = HandshakeCause::NotTls;
    let smtp_like = instead.len() >= 3 && instead.iter().take(3).all(u8::is_ascii_digit);
    let hint;
    if implicit && instead.starts_with(b"220") {
        failure.sentence = "the server sent a plaintext SMTP greeting (220) instead of a TLS ServerHello: this port speaks plaintext SMTP first".to_string();
        hint = Some("probe it without --implicit-tls: the client upgrades with STARTTLS (usually port 587 or 25)".to_string());
    } else if after_starttls_220 {
        failure.sentence = "the server accepted STARTTLS with 220 but then sent plaintext instead of a TLS ServerHello: it does not start TLS".to_string();
        hint = Some("the server (or a proxy in front of it) must start the TLS handshake after its 220 to STARTTLS (RFC 3207 4)".to_string());
    } else if smtp_like {
        failure.sentence =
            "the server sent a plaintext SMTP reply instead of a TLS ServerHello".to_string();
        hint = None;
    } else if let Some(p) = sniff(instead).filter(|p| *p != Foreign::Tls) {
        failure.sentence = format!(
            "the server answered the TLS ClientHello with {} instead of TLS",
            p.name()
        );
        hint = None;
    } else {
        hint = None;
    }
    (shown(instead), hint)
}
