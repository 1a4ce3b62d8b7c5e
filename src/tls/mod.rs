//! TLS for the probe: trust anchors, a verifier that records instead of rejecting,
//! certificate inspection, human-readable failure descriptions, and an on-the-spot
//! test PKI for the demo server and the tests.

pub mod anchors;
pub mod cert;
pub mod describe;
pub mod pki;
pub mod verifier;

pub use anchors::{TlsSetupError, TlsVersions, TrustAnchors};
pub use cert::{inspect_chain, CertInfo};
pub use describe::{
    classify_handshake_error, classify_handshake_error_with, describe_verify_error, session_info,
    HandshakeCause, HandshakeFailure, SessionInfo, VerifyFailure, VerifyProblem,
};
pub use pki::{PkiError, ServerIdentity, ServerTlsOptions, TestCa, Validity};
pub use verifier::{RecordingVerifier, VerifyOutcome};

use std::sync::Arc;

/// A certificate as PEM (`--show-certs`), lines of 64 characters as RFC 7468 asks.
pub fn to_pem(der: &rustls::pki_types::CertificateDer<'_>) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Always the ring provider, passed explicitly: never depend on a process-wide default.
/// With the `aws-lc-rs` feature (benchmarks only), aws-lc-rs' provider instead.
pub(crate) fn ring_provider() -> Arc<rustls::crypto::CryptoProvider> {
    #[cfg(feature = "aws-lc-rs")]
    return Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    #[cfg(not(feature = "aws-lc-rs"))]
    Arc::new(rustls::crypto::ring::default_provider())
}

#[cfg(test)]
mod tests;
