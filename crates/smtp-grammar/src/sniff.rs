//! What a peer that is not an SMTP server sent instead of a reply.
//!
//! Only the first octets are looked at, and only protocols that speak first or answer a
//! line of text with a recognisable header: SSH (RFC 4253 4.2: "SSH-protoversion-..."),
//! HTTP (an answer to the EHLO line, or a proxy's canned error), and TLS records
//! (RFC 8446 5.1: content type, then legacy version 0x03 0x0N), which mean the port speaks TLS
//! from the first byte.

use serde::Serialize;

/// A protocol recognised from the first octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Foreign {
    Ssh,
    Http,
    /// A TLS record (handshake or alert): the port expects TLS at once (implicit TLS).
    Tls,
}

impl Foreign {
    pub fn name(self) -> &'static str {
        match self {
            Foreign::Ssh => "SSH",
            Foreign::Http => "HTTP",
            Foreign::Tls => "TLS",
        }
    }
}

/// The protocol `first` (the first octets received) belongs to, if it is one of [`Foreign`].
pub fn sniff(first: &[u8]) -> Option<Foreign> {
    match first {
        [b'S', b'S', b'H', b'-', ..] => Some(Foreign::Ssh),
        [b'H', b'T', b'T', b'P', b'/', ..] => Some(Foreign::Http),
        // 20 change_cipher_spec, 21 alert, 22 handshake, 23 application data; version 3.x.
        [20..=23, 3, 0..=4, ..] => Some(Foreign::Tls),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each() {
        assert_eq!(sniff(b"SSH-2.0-OpenSSH_9.2p1\r\n"), Some(Foreign::Ssh));
        assert_eq!(sniff(b"HTTP/1.1 400 Bad Request\r\n"), Some(Foreign::Http));
        assert_eq!(
            sniff(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32]),
            Some(Foreign::Tls)
        );
        assert_eq!(sniff(&[0x16, 0x03, 0x01]), Some(Foreign::Tls));
        assert_eq!(sniff(b"220 mx ESMTP\r\n"), None);
        assert_eq!(sniff(b"SS"), None);
        assert_eq!(sniff(&[0x16, 0x04, 0x01]), None);
    }
}
