/// The certificate the demo server presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertKind {
    /// Issued by the demo CA for the demo name: verifies.
    Valid,
    Expired,
    /// Issued for another name.
    WrongName,
    /// Not issued by any trusted CA.
    SelfSigned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StarttlsBehaviour {
    /// 220, then a TLS handshake with this certificate.
    Accept(CertKind),
    /// 220 followed in the same write by a forged plaintext reply (response injection).
    AcceptWithInjection(CertKind),
    /// 454, no TLS.
    Refuse,
}

/// One scripted server.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    pub description: &'static str,
    pub banner: &'static [&'static str],
    /// Reply lines to EHLO, code and separator included, without CRLF.
    pub ehlo: &'static [&'static str],
    pub starttls: StarttlsBehaviour,
    /// Reply lines to EHLO inside TLS.
    pub ehlo_tls: &'static [&'static str],
}

const TLS_EHLO: &[&str] = &[
    "250-mx.demo.test",
    "250-8BITMIME",
    "250-PIPELINING",
    "250 SIZE 30000000",
];

pub static SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "seeds-broken",
        description: "STARTTLS sent as the first (greeting) line of the EHLO reply, the case of Cisco's TechNote: strict clients such as the ESA never upgrade",
        banner: &["220 mail.domain1.com ESMTP Service ready"],
        ehlo: &[
            "250-STARTTLS",
            "250-mail.domain1.com",
            "250-8BITMIME",
            "250-PIPELINING",
            "250-HELP",
            "250-DELIVERBY 300",
            "250 SIZE 30000000",
        ],
        starttls: StarttlsBehaviour::Accept(CertKind::Valid),
        ehlo_tls: TLS_EHLO,
    },
    Scenario {
        name: "compliant",
        description: "the TechNote's correct conversation: greeting first, STARTTLS on an ehlo-line, a valid certificate",
        banner: &["220 mail-esa.com ESMTP"],
        ehlo: &["250-mail-esa.com", "250-8BITMIME", "250-SIZE 33554432", "250 STARTTLS"],
        starttls: StarttlsBehaviour::Accept(CertKind::Valid),
        ehlo_tls: &["250-mail-esa.com", "250-8BITMIME", "250 SIZE 33554432"],
    },
    Scenario {
        name: "no-starttls",
        description: "a server that offers no STARTTLS at all",
        banner: &["220 mx.demo.test ESMTP"],
        ehlo: &["250-mx.demo.test", "250-8BITMIME", "250 SIZE 30000000"],
        starttls: StarttlsBehaviour::Refuse,
        ehlo_tls: TLS_EHLO,
    },
    Scenario {
        name: "expired-cert",
        description: "STARTTLS offered properly, but the certificate expired 12 days ago",
        banner: &["220 mx.demo.test ESMTP"],
        ehlo: &["250-mx.demo.test", "250-8BITMIME", "250 STARTTLS"],
        starttls: StarttlsBehaviour::Accept(CertKind::Expired),
        ehlo_tls: TLS_EHLO,
    },
    Scenario {
        name: "wrong-name",
        description: "STARTTLS offered properly, but the certificate is for another host",
        banner: &["220 mx.demo.test ESMTP"],
        ehlo: &["250-mx.demo.test", "250-8BITMIME", "250 STARTTLS"],
        starttls: StarttlsBehaviour::Accept(CertKind::WrongName),
        ehlo_tls: TLS_EHLO,
    },
    Scenario {
        name: "self-signed",
        description: "STARTTLS offered properly, with a self-signed certificate",
        banner: &["220 mx.demo.test ESMTP"],
        ehlo: &["250-mx.demo.test", "250-8BITMIME", "250 STARTTLS"],
        starttls: StarttlsBehaviour::Accept(CertKind::SelfSigned),
        ehlo_tls: TLS_EHLO,
    },
    Scenario {
        name: "lowercase",
        description: "a legal lower-case `250-starttls` ehlo-line: Exim and Go net/smtp miss it, swaks reports \"Host did not advertise STARTTLS\"",
        banner: &["220 mx.demo.test ESMTP"],
        ehlo: &["250-mx.demo.test", "250-starttls", "250 8BITMIME"],
        starttls: StarttlsBehaviour::Accept(CertKind::Valid),
        ehlo_tls: TLS_EHLO,
    },
    Scenario {
        name: "masked",
        description: "a firewall with ESMTP inspection (Cisco ASA) masks STARTTLS as XXXXXXXA",
        banner: &["220 ****************************"],
        ehlo: &["250-mx.demo.test", "250-8BITMIME", "250-XXXXXXXA", "250 SIZE 30000000"],
        starttls: StarttlsBehaviour::Refuse,
        ehlo_tls: TLS_EHLO,
    },
    Scenario {
        name: "injection",
        description: "the server (or a man in the middle) sends a plaintext reply right after the 220 to STARTTLS",
        banner: &["220 mx.demo.test ESMTP"],
        ehlo: &["250-mx.demo.test", "250 STARTTLS"],
        starttls: StarttlsBehaviour::AcceptWithInjection(CertKind::Valid),
        ehlo_tls: TLS_EHLO,
    },
];

pub fn find_scenario(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}
