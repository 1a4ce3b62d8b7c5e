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
            "the server sent no certificate".into(),
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
    let fixed = |p: P, sentence: &str| (p, sentence.to_owned());
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
        // Prefer the leaf's SANs (what the report shows); rustls' list holds Debug strings.
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            let names: Vec<&str> = match (leaf, err) {
                (Some(l), _) if !l.sans.is_empty() => {
                    l.sans.iter().map(|s| strip_san_kind(s)).collect()
                }
                (_, C::NotValidForNameContext { presented, .. }) => {
                    presented.iter().map(|s| unquote(s)).collect()
                }
                _ => Vec::new(),
            };
            (P::NameMismatch, name_mismatch(&names, tls_name))
        }
        C::ExpiredContext { not_after, .. } => (P::Expired, expired(now, Some(unix(not_after)))),
        C::Expired => (P::Expired, expired(now, leaf_validity(leaf).map(|v| v.1))),
        C::NotValidYetContext { not_before, .. } => {
            (P::NotYetValid, not_yet_valid(now, Some(unix(not_before))))
        }
        C::NotValidYet => (
            P::NotYetValid,
            not_yet_valid(now, leaf_validity(leaf).map(|v| v.0)),
        ),
        C::Revoked => fixed(P::Revoked, "certificate has been revoked by its issuer"),
        #[allow(deprecated)]
        C::UnsupportedSignatureAlgorithm
        | C::UnsupportedSignatureAlgorithmContext { .. }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => (
            P::UnsupportedSignature,
            format!(
                "certificate chain uses a signature algorithm this client does not accept \
                 (leaf: {})",
                leaf.map_or("unknown", |l| l.signature_algorithm.as_str())
            ),
        ),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => fixed(
            P::Other,
            "certificate is not allowed for TLS server authentication (extended key usage)",
        ),
        C::BadEncoding => fixed(P::Other, "certificate is malformed"),
        C::UnhandledCriticalExtension => {
            fixed(P::Other, "certificate has an unknown critical extension")
        }
        C::UnknownRevocationStatus
        | C::ExpiredRevocationList
        | C::ExpiredRevocationListContext { .. } => fixed(
            P::Other,
            "certificate revocation status could not be determined",
        ),
        C::Other(other) if format!("{other:?}").contains("CaUsedAsEndEntity") => fixed(
            P::Other,
            "the server's certificate is a CA certificate (basicConstraints CA:TRUE), which \
             clients refuse as a server certificate (the default of `openssl req -x509`)",
        ),
        // The detail (the rustls error) goes into the finding's evidence.
        _ => fixed(P::Other, "certificate rejected by the verifier"),
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

fn leaf_validity(leaf: Option<&CertInfo>) -> Option<(i64, i64)> {
    leaf.and_then(|l| l.validity_unix)
}

/// `DnsName("mx.example.com")` -> `mx.example.com`.
fn unquote(s: &str) -> &str {
    s.split_once("(\"")
        .and_then(|(_, rest)| rest.strip_suffix("\")"))
        .unwrap_or(s)
}

fn name_mismatch(names: &[&str], tls_name: &str) -> String {
    if names.is_empty() {
        format!("certificate names no host (no subjectAltName), not {tls_name}")
    } else {
        format!("certificate is for {}, not {tls_name}", names.join(", "))
    }
}

fn expired(now: i64, not_after: Option<i64>) -> String {
    let Some(t) = not_after else {
        return "certificate has expired".to_owned();
    };
    let when = human_time(t);
    match now.saturating_sub(t).div_euclid(DAY) {
        d if d <= 0 => format!("certificate expired less than a day ago (not after {when})"),
        1 => format!("certificate expired 1 day ago (not after {when})"),
        d => format!("certificate expired {d} days ago (not after {when})"),
    }
}

fn not_yet_valid(now: i64, not_before: Option<i64>) -> String {
    let Some(t) = not_before else {
        return "certificate is not valid yet".to_owned();
    };
    // Round up: "in 30 days" for a certificate issued to start 30 days from now.
    let days = t
        .saturating_sub(now)
        .saturating_add(DAY - 1)
        .div_euclid(DAY);
    let unit = if days == 1 { "day" } else { "days" };
    format!(
        "certificate is not valid until {} (in {days} {unit})",
        human_time(t)
    )
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
                "the server closed the connection during the TLS handshake".into(),
            ),
            io::ErrorKind::TimedOut => (H::Other, "the TLS handshake timed out".into()),
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
    use AlertDescription as A;
    use HandshakeCause as H;
    use PeerIncompatible as I;
    match err {
        // What rustls reports when the bytes back do not even form a TLS record header.
        Error::InvalidMessage(M::InvalidContentType | M::UnknownProtocolVersion)
        | Error::InvalidMessage(M::MessageTooLarge) => (
            H::NotTls,
            "the server answered with something that is not TLS (plaintext after STARTTLS?)".into(),
        ),
        Error::AlertReceived(A::ProtocolVersion) => (
            H::Version,
            "the server refused the TLS version(s) we offered (alert protocol_version)".into(),
        ),
        Error::PeerIncompatible(
            I::ServerDoesNotSupportTls12Or13
            | I::ServerTlsVersionIsDisabledByOurConfig
            | I::SupportedVersionsExtensionRequired
            | I::Tls12NotOffered
            | I::Tls12NotOfferedOrEnabled,
        ) => (
            H::Version,
            "the server only speaks a TLS version we did not offer".into(),
        ),
        Error::AlertReceived(A::CertificateRequired) => (
            H::ClientCertRequired,
            "the server requires a client certificate (alert certificate_required)".into(),
        ),
        Error::AlertReceived(a @ (A::HandshakeFailure | A::BadCertificate))
            if client_cert_requested =>
        {
            let alert = alert_name(*a);
            let why = "the server asked for a client certificate and rejected us without one";
            (H::ClientCertRequired, format!("{why} (alert {alert})"))
        }
        Error::AlertReceived(a) => {
            let alert = alert_name(*a);
            (
                H::Alert,
                format!("the server aborted the handshake with alert {alert}"),
            )
        }
        Error::InvalidMessage(m) => (
            H::Other,
            format!("the server sent a malformed TLS message ({m:?})"),
        ),
        Error::PeerIncompatible(p) => (H::Other, format!("no common TLS parameters ({p:?})")),
        other => (H::Other, format!("the TLS handshake failed: {other}")),
    }
}

/// "HandshakeFailure" -> "handshake_failure", the name used in the RFCs and in server logs.
fn alert_name(alert: AlertDescription) -> String {
    let camel = name_or_debug(alert.as_str(), alert);
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
    let cipher = conn.negotiated_cipher_suite().map(|s| s.suite());
    let cipher = cipher.map_or_else(String::new, |s| name_or_debug(s.as_str(), s));
    let group = conn.negotiated_key_exchange_group().map(|g| g.name());
    let group = group.map(|g| name_or_debug(g.as_str(), g));
    SessionInfo {
        version,
        cipher,
        group,
        alpn: conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
    }
}

/// rustls' enums name known values; unknown ones only have a Debug form ("Unknown(0x1234)").
fn name_or_debug(name: Option<&str>, value: impl std::fmt::Debug) -> String {
    name.map_or_else(|| format!("{value:?}"), str::to_owned)
}
