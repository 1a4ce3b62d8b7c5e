//! A server-certificate verifier that records the verdict instead of enforcing it,
//! so the probe can finish the handshake and report both the certificate and the problem.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, SignatureScheme};

/// What the real (webpki) verifier said about the chain the server sent.
#[derive(Debug, Clone)]
pub struct VerifyOutcome {
    /// End-entity first, then intermediates, exactly as sent.
    pub chain: Vec<CertificateDer<'static>>,
    pub result: Result<(), rustls::Error>,
}

/// One per connection. Never use a connection verified this way to send anything secret:
/// the handshake succeeds whatever the chain looks like (signatures are still checked).
#[derive(Debug)]
pub struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    outcome: Mutex<Option<VerifyOutcome>>,
    client_cert_requested: AtomicBool,
    /// `--client-cert`: offered when the server asks.
    client_identity: Option<Arc<CertifiedKey>>,
}

impl RecordingVerifier {
    pub(crate) fn new(inner: Arc<WebPkiServerVerifier>) -> Self {
        Self {
            inner,
            outcome: Mutex::new(None),
            client_cert_requested: AtomicBool::new(false),
            client_identity: None,
        }
    }

    pub(crate) fn with_client_identity(mut self, identity: Option<Arc<CertifiedKey>>) -> Self {
        self.client_identity = identity;
        self
    }

    /// `None` until the server's Certificate message has been processed.
    pub fn outcome(&self) -> Option<VerifyOutcome> {
        self.outcome
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether the server sent a CertificateRequest (we always answer with no certificate).
    pub fn client_cert_requested(&self) -> bool {
        self.client_cert_requested.load(Ordering::Relaxed)
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map(|_| ());
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        *self.outcome.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(VerifyOutcome { chain, result });
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Installed as the client-cert resolver only to notice a CertificateRequest: some servers
/// answer our empty Certificate with a generic handshake_failure, and this disambiguates it.
impl ResolvesClientCert for RecordingVerifier {
    fn resolve(&self, _hints: &[&[u8]], schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        self.client_cert_requested.store(true, Ordering::Relaxed);
        // Only a key the server accepts a signature from; otherwise no certificate, as before.
        self.client_identity
            .as_ref()
            .filter(|k| k.key.choose_scheme(schemes).is_some())
            .cloned()
    }

    fn has_certs(&self) -> bool {
        self.client_identity.is_some()
    }
}
