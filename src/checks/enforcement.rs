//! `--check-enforcement`: does the server take mail without TLS?
//!
//! After the plaintext EHLO the session sends `MAIL FROM:<>` and reads the answer, then `RSET`
//! (QUIT follows as always). RFC 3207 4: a server that requires TLS answers
//! `530 Must issue a STARTTLS command first`. No RCPT, no DATA: nothing is ever delivered.
//! The null reverse-path is what bounces use, and every MX must accept it (RFC 5321 4.5.5).

use smtp_grammar::Reply;

use crate::session::SessionRecord;

/// Sent in plaintext after EHLO, in this order.
pub const COMMANDS: &[&str] = &["MAIL FROM:<>", "RSET"];

/// What the answer to `MAIL FROM:<>` before TLS says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enforcement {
    /// 2xx: a mail transaction started without TLS.
    Accepted(Reply),
    /// 530, or a refusal whose text names TLS: TLS is required first.
    Required(Reply),
    /// Some other answer (550 for the null sender, 503, a 4xx): it does not tell.
    Unclear(Reply),
}

/// The enforcement fact of a session, if the check ran and MAIL got an answer.
pub fn outcome(record: &SessionRecord) -> Option<Enforcement> {
    let mail = record
        .before_starttls
        .iter()
        .find(|c| c.command.starts_with("MAIL"))?;
    let reply = mail.reply.clone()?;
    Some(classify(reply))
}

/// Classifies the answer to MAIL. A refusal other than 530 counts as "TLS required" only when
/// its text says so (the report shows the reply, so the reading can be checked).
pub fn classify(reply: Reply) -> Enforcement {
    match reply.code {
        200..=299 => Enforcement::Accepted(reply),
        530 => Enforcement::Required(reply),
        400..=599 if names_tls(&reply) => Enforcement::Required(reply),
        _ => Enforcement::Unclear(reply),
    }
}

fn names_tls(reply: &Reply) -> bool {
    reply.lines.iter().any(|l| {
        let text = String::from_utf8_lossy(&l.text).to_ascii_uppercase();
        text.contains("STARTTLS") || text.contains("TLS") || text.contains("ENCRYPT")
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use smtp_grammar::{parse_reply, Limits};

    fn reply(s: &str) -> Reply {
        parse_reply(s.as_bytes(), Limits::default()).unwrap()
    }

    #[test]
    fn rfc3207_4_530_means_tls_required() {
        assert!(matches!(
            classify(reply("530 5.7.0 Must issue a STARTTLS command first\r\n")),
            Enforcement::Required(_)
        ));
        assert!(matches!(
            classify(reply("554 5.7.1 Encryption required\r\n")),
            Enforcement::Required(_)
        ));
        assert!(matches!(
            classify(reply("250 2.1.0 Ok\r\n")),
            Enforcement::Accepted(_)
        ));
        assert!(matches!(
            classify(reply("550 5.1.0 null sender refused\r\n")),
            Enforcement::Unclear(_)
        ));
    }
}
