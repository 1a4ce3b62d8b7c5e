//! Turn rustls errors and session state into sentences a person can act on.

use std::io;
use std::time::SystemTime;

use rustls::{AlertDescription, CertificateError, Error, PeerIncompatible, ProtocolVersion};

use crate::tls::cert::{human_time, unix_seconds, CertInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyProblem {
    Untrusted,
    NameMismatch,
    Expired,
    NotYetValid,
    Revoked,
    UnsupportedSignature,
    Other,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyFailure {
    pub problem: VerifyProblem,
    pub sentence: String,
    /// The rustls error, verbatim.
    pub detail: String,
}

const DAY: i64 = 86_400;

pub fn describe_verify_error(
    err: &Error,
    leaf: Option<&CertInfo>,
    tls_name: &str,
    now: SystemTime,
) -> VerifyFailure {
    let now = unix_seconds(now);
    let (problem, sentence) = match err {
        Error::InvalidCertificate(cert_err) => describe_cert_error(cert_err, leaf, tls_name, now),
        Error::NoCertificatesPresented => (
            VerifyProblem::Other,
            "the server sent no certificate".to_owned(),
        ),
        Error::UnsupportedNameType => (
            VerifyProblem::Other,
            format!("cannot check the certificate against the name {tls_name}"),
        ),
        other => (
            VerifyProblem::Other,
            format!("certificate verification failed: {other}"),
        ),
    };
    VerifyFailure {
        problem,
        sentence,
        detail: err.to_string(),
    }
}

fn describe_cert_error(
    err: &CertificateError,
    leaf: Option<&CertInfo>,
    tls_name: &str,
    now: i64,
) -> (VerifyProblem, String) {
    use CertificateError as C;
    use VerifyProblem as P;
    let issuer = leaf.map_or("unknown", |l| l.issuer.as_str());
    match err {
        C::UnknownIssuer if leaf.is_some_and(|l| l.self_signed) => (
            P::Untrusted,
            format!("certificate is self-signed and not trusted (subject: {issuer})"),
        ),
        C::UnknownIssuer => (
            P::Untrusted,
            format!("certificate is not signed by a trusted CA (issuer: {issuer})"),
        ),
        C::BadSignature => (
            P::Untrusted,
            format!("certificate signature does not verify against its issuer (issuer: {issuer})"),
        ),
        C::NotValidForNameContext { presented, .. } => (
            P::NameMismatch,
            name_mismatch(presented.iter().map(String::as_str), tls_name),
        ),
        C::NotValidForName => {
            let names = leaf.map(|l| l.sans.iter().map(|s| strip_san_kind(s))).into_iter();
            (P::NameMismatch, name_mismatch(names.flatten(), tls_name))
        }
        C::ExpiredContext { not_after, .. } => {
            (P::Expired, expired(now, Some(unix(not_after)), leaf))
        }
        C::Expired => (P::Expired, expired(now, None, leaf)),
        C::NotValidYetContext { not_before, .. } => {
            (P::NotYetValid, not_yet_valid(now, Some(unix(not_before)), leaf))
        }
        C::NotValidYet => (P::NotYetValid, not_yet_valid(now, None, leaf)),
        C::Revoked => (P::Revoked, "certificate has been revoked by its issuer".to_owned()),
        #[allow(deprecated)]
        C::UnsupportedSignatureAlgorithm
        | C::UnsupportedSignatureAlgorithmContext { .. }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => (
            P::UnsupportedSignature,
            match leaf {
                Some(l) => format!(
                    "certificate chain uses a signature algorithm this client does not accept (leaf: {})",
                    l.signature_algorithm
                ),
                None => "certificate chain uses a signature algorithm this client does not accept"
                    .to_owned(),
            },
        ),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => (
            P::Other,
            "certificate is not allowed for TLS server authentication (extended key usage)"
                .to_owned(),
        ),
        C::BadEncoding => (P::Other, "certificate is malformed".to_owned()),
        C::UnhandledCriticalExtension => (
            P::Other,
            "certificate has a critical extension this client does not understand".to_owned(),
        ),
        C::UnknownRevocationStatus
        | C::ExpiredRevocationList
        | C::ExpiredRevocationListContext { .. } => (
            P::Other,
            "certificate revocation status could not be determined".to_owned(),
        ),
        other => (P::Other, format!("certificate rejected: {other}")),
    }
}

fn unix(t: &rustls::pki_types::UnixTime) -> i64 {
    i64::try_from(t.as_secs()).unwrap_or(i64::MAX)
}

fn strip_san_kind(san: &str) -> &str {
    san.split_once(':')
        .filter(|(kind, _)| matches!(*kind, "DNS" | "IP"))
        .map_or(san, |(_, name)| name)
}

fn name_mismatch<'a>(presented: impl Iterator<Item = &'a str>, tls_name: &str) -> String {
    let names: Vec<&str> = presented.collect();
    if names.is_empty() {
        format!("certificate names no host (no subjectAltName), not {tls_name}")
    } else {
        format!("certificate is for {}, not {tls_name}", names.join(", "))
    }
}

fn expired(now: i64, not_after: Option<i64>, leaf: Option<&CertInfo>) -> String {
    let (days, when) = match (not_after, leaf) {
        (Some(t), _) => (now.saturating_sub(t).div_euclid(DAY), human_time(t)),
        (None, Some(l)) => (-l.days_left - 1, l.not_after.clone()),
        (None, None) => return "certificate has expired".to_owned(),
    };
    match days {
        d if d <= 0 => format!("certificate expired less than a day ago (not after {when})"),
        1 => format!("certificate expired 1 day ago (not after {when})"),
        d => format!("certificate expired {d} days ago (not after {when})"),
    }
}

fn not_yet_valid(now: i64, not_before: Option<i64>, leaf: Option<&CertInfo>) -> String {
    match (not_before, leaf) {
        (Some(t), _) => {
            // Round up: "in 30 days" for a certificate issued to start 30 days from now.
            let days = t.saturating_sub(now).saturating_add(DAY - 1).div_euclid(DAY);
            let unit = if days == 1 { "day" } else { "days" };
            format!("certificate is not valid until {} (in {days} {unit})", human_time(t))
        }
        (None, Some(l)) => format!("certificate is not valid until {}", l.not_before),
        (None, None) => "certificate is not valid yet".to_owned(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HandshakeCause {
    Closed,
    NotTls,
    Version,
    ClientCertRequired,
    Alert,
    Other,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct HandshakeFailure {
    pub cause: HandshakeCause,
    pub sentence: String,
    pub detail: String,
}

/// Classify an error from `TlsConnector::connect` — or from the first read after it:
/// a TLS 1.3 server rejects a missing client certificate only after our handshake finished.
pub fn classify_handshake_error(err: &io::Error) -> HandshakeFailure {
    classify_handshake_error_with(err, false)
}

/// As `classify_handshake_error`, knowing whether the server sent a CertificateRequest
/// (`RecordingVerifier::client_cert_requested`): then a handshake_failure or bad_certificate
/// alert means "client certificate required" (OpenSSL's TLS 1.2 behaviour).
pub fn classify_handshake_error_with(
    err: &io::Error,
    client_cert_requested: bool,
) -> HandshakeFailure {
    use HandshakeCause as H;
    let tls = err.get_ref().and_then(|e| e.downcast_ref::<Error>());
    let (cause, sentence) = match tls {
        Some(e) => classify_rustls(e, client_cert_requested),
        None => match err.kind() {
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => (
                H::Closed,
                "the server closed the connection during the TLS handshake".to_owned(),
            ),
            io::ErrorKind::TimedOut => (H::Other, "the TLS handshake timed out".to_owned()),
            _ => (H::Other, format!("the TLS handshake failed: {err}")),
        },
    };
    HandshakeFailure {
        cause,
        sentence,
        detail: err.to_string(),
    }
}

fn classify_rustls(err: &Error, client_cert_requested: bool) -> (HandshakeCause, String) {
    use rustls::InvalidMessage as M;
    use HandshakeCause as H;
    match err {
        // What rustls reports when the first bytes back are not a TLS record header.
        Error::InvalidMessage(M::InvalidContentType | M::UnknownProtocolVersion | M::MessageTooLarge) => (
            H::NotTls,
            "the server answered with something that is not TLS (plaintext after STARTTLS?)"
                .to_owned(),
        ),
        Error::InvalidMessage(m) => (
            H::Other,
            format!("the server sent a malformed TLS message ({m:?})"),
        ),
        Error::AlertReceived(AlertDescription::ProtocolVersion) => (
            H::Version,
            "the server refused the TLS version(s) we offered (alert protocol_version)".to_owned(),
        ),
        Error::PeerIncompatible(
            PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::SupportedVersionsExtensionRequired
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled,
        ) => (
            H::Version,
            "the server only speaks a TLS version we did not offer".to_owned(),
        ),
        Error::AlertReceived(AlertDescription::CertificateRequired) => (
            H::ClientCertRequired,
            "the server requires a client certificate (alert certificate_required)".to_owned(),
        ),
        Error::AlertReceived(
            a @ (AlertDescription::HandshakeFailure | AlertDescription::BadCertificate),
        ) if client_cert_requested => (
            H::ClientCertRequired,
            format!(
                "the server asked for a client certificate and rejected the handshake without one (alert {})",
                alert_name(*a)
            ),
        ),
        Error::AlertReceived(a) => (
            H::Alert,
            format!("the server aborted the handshake with alert {}", alert_name(*a)),
        ),
        Error::PeerIncompatible(p) => (
            H::Other,
            format!("the server and this client have nothing in common ({p:?})"),
        ),
        other => (H::Other, format!("the TLS handshake failed: {other}")),
    }
}

/// "HandshakeFailure" -> "handshake_failure", the name used in the RFCs and in server logs.
fn alert_name(alert: AlertDescription) -> String {
    let camel = alert
        .as_str()
        .map_or_else(|| format!("{alert:?}"), str::to_owned);
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, ch) in camel.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SessionInfo {
    pub version: String,
    pub cipher: String,
    pub group: Option<String>,
    pub alpn: Option<String>,
}

pub fn session_info(conn: &rustls::ClientConnection) -> SessionInfo {
    let version = match conn.protocol_version() {
        Some(ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
        Some(ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
        Some(v) => format!("{v:?}"),
        None => String::new(),
    };
    let cipher = conn
        .negotiated_cipher_suite()
        .map(|s| s.suite())
        .map_or_else(String::new, |s| {
            s.as_str().map_or_else(|| format!("{s:?}"), str::to_owned)
        });
    let group = conn.negotiated_key_exchange_group().map(|g| {
        let name = g.name();
        name.as_str()
            .map_or_else(|| format!("{name:?}"), str::to_owned)
    });
    SessionInfo {
        version,
        cipher,
        group,
        alpn: conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
    }
}
