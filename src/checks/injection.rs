//! `--check-injection`: STARTTLS command injection (CVE-2011-0411 and its kin, such as
//! aiosmtpd's CVE-2024-34083).
//!
//! The probe writes `STARTTLS\r\nNOOP\r\n` in one write. A correct server discards whatever
//! followed STARTTLS in its plaintext buffer (RFC 3207 4 leaves no room for it); a vulnerable
//! one keeps it and answers `NOOP` inside TLS, so a man in the middle could prepend commands
//! to the encrypted session. After the handshake the probe listens before it says anything:
//! any reply then can only be the answer to the injected command. It then sends EHLO, so a
//! server that stays silent but alive is told from one that is dead.

use smtp_grammar::Reply;

use crate::session::SessionRecord;

/// The command written after STARTTLS. NOOP changes no state and every server knows it.
pub const COMMAND: &str = "NOOP";

/// What the check saw.
#[derive(Debug, Clone, PartialEq)]
pub enum Injection {
    /// The injected command was answered inside TLS.
    Vulnerable(Reply),
    /// Nothing came while listening, and the server then answered EHLO inside TLS.
    NotVulnerable { listened_ms: f64 },
    /// The test could not be completed; the reason says where it stopped.
    Inconclusive(&'static str),
}

/// The injection fact of a session, if the check was asked for.
pub fn outcome(record: &SessionRecord) -> Option<Injection> {
    let p = record.pipelined.as_ref()?;
    // NOOP is answered 250, 5xx or 421 (RFC 5321 4.3.2), never 220: a 220 inside TLS is a
    // greeting some servers (or a TLS proxy's backend) send again, not the injected answer.
    // If the NOOP answer follows it, the shifted replies below still show it.
    if let Some(reply) = p.answered_inside_tls.as_ref().filter(|r| r.code != 220) {
        return Some(Injection::Vulnerable(reply.clone()));
    }
    let tls_ok = record.tls.as_ref().is_some_and(|t| t.completed());
    let accepted = record.starttls.reply.as_ref().map(|r| r.code) == Some(220);
    if !accepted {
        return Some(Injection::Inconclusive(
            "the server did not accept STARTTLS, so there was no TLS to inject into",
        ));
    }
    if !tls_ok {
        return Some(Injection::Inconclusive(
            "the TLS handshake did not complete after the pipelined STARTTLS",
        ));
    }
    // An answer that came after the listening ends up read as the reply to EHLO, and the
    // real EHLO reply as the reply to QUIT: a single-line 250 then a multi-line 250 to QUIT
    // (an EHLO reply; QUIT is answered 221 in one line) shows the shift. A single-line 250 to
    // QUIT could be either a shifted one-line EHLO reply or a server that answers QUIT oddly
    // after a bare EHLO reply: that cannot be told.
    if let (Some(ehlo), Some(quit)) = (&record.ehlo_after_tls, &record.quit) {
        if ehlo.lines.len() == 1 && ehlo.code == 250 && quit.code == 250 {
            if quit.lines.len() > 1 {
                return Some(Injection::Vulnerable(ehlo.clone()));
            }
            return Some(Injection::Inconclusive(
                "inside TLS, EHLO was answered with a single line and QUIT with 250: either a late answer to the injected command shifted the replies, or the server answers that way; the two cannot be told apart",
            ));
        }
    }
    match p.listened_ms {
        Some(listened_ms) if p.alive_after => Some(Injection::NotVulnerable { listened_ms }),
        Some(_) => Some(Injection::Inconclusive(
            "the server answered nothing inside TLS, not even EHLO: it is dead or stuck, not merely safe",
        )),
        None => Some(Injection::Inconclusive(
            "the session ended before the probe could listen inside TLS",
        )),
    }
}
