//! Throwaway PKI generated on the spot (ECDSA P-256): the built-in demo server and the tests.

use std::fmt;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use time::{Duration, OffsetDateTime};

use crate::tls::anchors::TlsVersions;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    #[error("certificate generation failed")]
    Rcgen(#[from] rcgen::Error),
    #[error("a server certificate needs at least one name")]
    NoNames,
    #[error("validity period out of range")]
    TimeOutOfRange,
    #[error(transparent)]
    ClientVerifier(#[from] rustls::server::VerifierBuilderError),
    #[error(transparent)]
    Rustls(#[from] rustls::Error),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// now-1d .. now+90d
    Valid,
    /// now-100d .. now-12d
    Expired,
    /// now+30d .. now+120d
    NotYetValid,
    /// now-1d .. now+n days (n may be negative)
    ExpiresInDays(i64),
}

impl Validity {
    fn window(self) -> Result<(OffsetDateTime, OffsetDateTime), PkiError> {
        let now = OffsetDateTime::now_utc();
        let at = |days: i64| {
            now.checked_add(Duration::days(days))
                .ok_or(PkiError::TimeOutOfRange)
        };
        let (from, to) = match self {
            Self::Valid => (at(-1)?, at(90)?),
            Self::Expired => (at(-100)?, at(-12)?),
            Self::NotYetValid => (at(30)?, at(120)?),
            Self::ExpiresInDays(n) => {
                let days = n.clamp(-36_500, 36_500);
                let to = at(days)?;
                (at(-1)?.min(to - Duration::days(1)), to)
            }
        };
        Ok((from, to))
    }
}

/// A CA (root or intermediate) that can issue server certificates.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl fmt::Debug for TestCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

/// A server's certificate chain and key. The key is kept as PKCS#8 bytes so this is `Clone`.
#[derive(Clone)]
pub struct ServerIdentity {
    /// Leaf first; `with_ca` appends issuing certificates.
    pub chain: Vec<CertificateDer<'static>>,
    /// The certificate that signed the leaf (the leaf itself when self-signed). The test
    /// server trusts it for client certificates when `require_client_cert` is set.
    pub issuer_cert: CertificateDer<'static>,
    pub chain_pem: String,
    pub key_pem: String,
    key_pkcs8: Vec<u8>,
}

impl fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl ServerIdentity {
    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_pkcs8.clone()))
    }

    /// Send `ca`'s certificate after the existing chain (an intermediate, or the root itself).
    pub fn with_ca(mut self, ca: &TestCa) -> Self {
        self.chain.push(ca.cert_der());
        self.chain_pem.push_str(&ca.cert_pem());
        self
    }
}

impl TestCa {
    pub fn new(common_name: &str) -> Result<Self, PkiError> {
        let issuer = CertifiedIssuer::self_signed(ca_params(common_name)?, KeyPair::generate()?)?;
        Ok(Self { issuer })
    }

    /// An intermediate CA signed by this one.
    pub fn intermediate(&self, common_name: &str) -> Result<TestCa, PkiError> {
        let issuer = CertifiedIssuer::signed_by(
            ca_params(common_name)?,
            KeyPair::generate()?,
            &self.issuer,
        )?;
        Ok(Self { issuer })
    }

    pub fn cert_der(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    pub fn cert_pem(&self) -> String {
        self.issuer.pem()
    }

    /// A leaf for `names` (DNS names or IP literals); the chain holds only the leaf.
    pub fn issue(&self, names: &[&str], validity: Validity) -> Result<ServerIdentity, PkiError> {
        let params = leaf_params(names, validity)?;
        let key = KeyPair::generate()?;
        let leaf = params.signed_by(&key, &self.issuer)?;
        Ok(identity(&leaf, self.cert_der(), &key))
    }

    /// A leaf as a public CA issues it: with an Authority Information Access extension naming
    /// where the issuer's certificate is (`ca_issuers_url`, id-ad-caIssuers, RFC 5280 4.2.2.1).
    pub fn issue_with_aia(
        &self,
        names: &[&str],
        ca_issuers_url: &str,
    ) -> Result<ServerIdentity, PkiError> {
        let mut params = leaf_params(names, Validity::Valid)?;
        params
            .custom_extensions
            .push(rcgen::CustomExtension::from_oid_content(
                &[1, 3, 6, 1, 5, 5, 7, 1, 1],
                aia_der(ca_issuers_url),
            ));
        let key = KeyPair::generate()?;
        let leaf = params.signed_by(&key, &self.issuer)?;
        Ok(identity(&leaf, self.cert_der(), &key))
    }
}

/// DER of `SEQUENCE { SEQUENCE { id-ad-caIssuers, [6] uri } }` for short URIs (< 128 octets).
fn aia_der(uri: &str) -> Vec<u8> {
    let uri = uri.as_bytes();
    let uri = uri.get(..uri.len().min(100)).unwrap_or(uri);
    let oid: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    let mut desc = oid.to_vec();
    desc.push(0x86);
    desc.push(uri.len() as u8);
    desc.extend_from_slice(uri);
    let mut seq = vec![0x30, desc.len() as u8];
    seq.extend(desc);
    let mut out = vec![0x30, seq.len() as u8];
    out.extend(seq);
    out
}

/// A self-signed leaf, valid now.
pub fn self_signed(names: &[&str]) -> Result<ServerIdentity, PkiError> {
    let params = leaf_params(names, Validity::Valid)?;
    let key = KeyPair::generate()?;
    let leaf = params.self_signed(&key)?;
    Ok(identity(&leaf, leaf.der().clone(), &key))
}

fn identity(
    leaf: &rcgen::Certificate,
    issuer_cert: CertificateDer<'static>,
    key: &KeyPair,
) -> ServerIdentity {
    ServerIdentity {
        chain: vec![leaf.der().clone()],
        chain_pem: leaf.pem(),
        issuer_cert,
        key_pem: key.serialize_pem(),
        key_pkcs8: key.serialize_der(),
    }
}

fn ca_params(common_name: &str) -> Result<CertificateParams, PkiError> {
    let mut params = CertificateParams::new(Vec::new())?;
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let (from, to) = Validity::ExpiresInDays(3650).window()?;
    params.not_before = from;
    params.not_after = to;
    Ok(params)
}

fn leaf_params(names: &[&str], validity: Validity) -> Result<CertificateParams, PkiError> {
    let first = names.first().ok_or(PkiError::NoNames)?;
    // rcgen turns IP literals into IP SANs by itself.
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())?;
    params.distinguished_name.push(DnType::CommonName, *first);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    // ClientAuth too: the tests of --client-cert present a leaf of the same test CA.
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.use_authority_key_identifier_extension = true;
    let (from, to) = validity.window()?;
    params.not_before = from;
    params.not_after = to;
    Ok(params)
}

#[derive(Clone, Copy, Debug, Default)]
pub struct ServerTlsOptions {
    pub versions: TlsVersions,
    pub require_client_cert: bool,
}

pub fn server_config(
    identity: &ServerIdentity,
    opts: ServerTlsOptions,
) -> Result<Arc<ServerConfig>, PkiError> {
    let provider = crate::tls::ring_provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(opts.versions.protocol_versions())?;
    let builder = if opts.require_client_cert {
        let mut roots = RootCertStore::empty();
        roots.add(identity.issuer_cert.clone())?;
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build()?;
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder.with_single_cert(identity.chain.clone(), identity.key())?;
    Ok(Arc::new(config))
}
