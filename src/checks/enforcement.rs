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
    /// 530 that does not say it is about authentication, or a permanent refusal whose text
    /// names TLS: TLS is required first.
    Required(Reply),
    /// Some other answer (550 for the null sender, 503, any 4xx, 530 "Authentication
    /// required"): it does not tell; the reason says why.
    Unclear(Reply, &'static str),
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

/// Classifies the answer to MAIL (the report shows the reply, so the reading can be checked).
///
/// 530 is shared: RFC 3207 4 uses it for "Must issue a STARTTLS command first" and RFC 4954 6
/// for "Authentication required", which a submission server sends to MAIL before AUTH whether
/// or not it requires TLS. So a 530 whose text names authentication and not TLS says nothing
/// about TLS. A 4xx is a temporary answer (`454 TLS not available` is the opposite of
/// requiring it), so only a permanent refusal that names TLS counts besides 530.
pub fn classify(reply: Reply) -> Enforcement {
    let tls = names_tls(&reply);
    match reply.code {
        200..=299 => Enforcement::Accepted(reply),
        530 if !tls && names_auth(&reply) => Enforcement::Unclear(
            reply,
            "530 asks for authentication (RFC 4954 6), not for TLS: whether mail without TLS would be taken after AUTH is not known",
        ),
        530 => Enforcement::Required(reply),
        500..=599 if tls => Enforcement::Required(reply),
        400..=499 => Enforcement::Unclear(
            reply,
            "a temporary refusal says nothing about what the server requires",
        ),
        _ => Enforcement::Unclear(reply, "neither accepted nor refused for lack of TLS"),
    }
}

/// The reply's words (split on anything not a letter), upper-cased.
fn words(reply: &Reply) -> impl Iterator<Item = String> + '_ {
    reply.lines.iter().flat_map(|l| {
        String::from_utf8_lossy(&l.text)
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_uppercase)
            .collect::<Vec<_>>()
    })
}

/// Whole words only: a host name such as `atlsmtp.example` or a URL must not read as "TLS".
fn names_tls(reply: &Reply) -> bool {
    words(reply).any(|w| {
        matches!(w.as_str(), "TLS" | "STARTTLS" | "SSL")
            || w.starts_with("ENCRYPT")
            || w.starts_with("UNENCRYPT")
    })
}

fn names_auth(reply: &Reply) -> bool {
    words(reply).any(|w| w.starts_with("AUTH"))
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
            Enforcement::Unclear(..)
        ));
    }

    /// RFC 4954 6 reuses 530 for "Authentication required": on a submission port that is
    /// the answer to MAIL before AUTH, TLS required or not.
    #[test]
    fn rfc4954_530_authentication_required_is_not_about_tls() {
        assert!(matches!(
            classify(reply("530 5.7.0 Authentication required\r\n")),
            Enforcement::Unclear(..)
        ));
        // Both named: the TLS requirement is what the server states.
        assert!(matches!(
            classify(reply(
                "530 5.7.11 Encryption required for requested authentication mechanism\r\n"
            )),
            Enforcement::Required(_)
        ));
        assert!(matches!(
            classify(reply("530 Must issue a STARTTLS command first\r\n")),
            Enforcement::Required(_)
        ));
    }

    #[test]
    fn a_temporary_refusal_or_a_word_inside_a_name_does_not_mean_tls_required() {
        for text in [
            "454 4.7.0 TLS not available due to local problem\r\n",
            "451 4.7.1 Please use STARTTLS, try again later\r\n",
            "421 4.7.0 mx.example Too many connections\r\n",
            "550 5.7.1 rejected by policy at atlsmtp.example, see https://x.example/notls-faq\r\n",
        ] {
            assert!(
                matches!(classify(reply(text)), Enforcement::Unclear(..)),
                "{text}"
            );
        }
    }
}
