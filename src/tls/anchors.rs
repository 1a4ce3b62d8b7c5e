//! Trust anchors, parsed once and shared by every connection.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::pki_types::CertificateDer;
use rustls::sign::CertifiedKey;
use rustls::version::{TLS12, TLS13};
use rustls::{ClientConfig, RootCertStore, SupportedProtocolVersion};

use crate::tls::verifier::RecordingVerifier;

/// Which TLS versions a client (or the test server) offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TlsVersions {
    #[default]
    Both = 0,
    Tls12Only = 1,
    Tls13Only = 2,
}

impl TlsVersions {
    pub(crate) fn protocol_versions(self) -> &'static [&'static SupportedProtocolVersion] {
        static BOTH: [&SupportedProtocolVersion; 2] = [&TLS13, &TLS12];
        static ONLY_12: [&SupportedProtocolVersion; 1] = [&TLS12];
        static ONLY_13: [&SupportedProtocolVersion; 1] = [&TLS13];
        match self {
            Self::Both => &BOTH,
            Self::Tls12Only => &ONLY_12,
            Self::Tls13Only => &ONLY_13,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsSetupError {
    #[error("cannot read CA file {}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("CA file {} contains no PEM certificates", path.display())]
    NoCertificates { path: PathBuf },
    #[error("CA file {} has a malformed PEM section", path.display())]
    BadPem {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("trust anchor #{} is not a usable CA certificate", index + 1)]
    BadAnchor { index: usize, source: rustls::Error },
    #[error(transparent)]
    Verifier(#[from] rustls::client::VerifierBuilderError),
    #[error("{} contains no PEM private key", path.display())]
    NoKey { path: PathBuf },
    #[error("the key in {} does not belong to the client certificate", path.display())]
    KeyMismatch { path: PathBuf },
    #[error(transparent)]
    Rustls(#[from] rustls::Error),
}

/// Parsed trust anchors plus ready-made client config templates.
#[derive(Debug, Clone)]
pub struct TrustAnchors {
    verifier: Arc<WebPkiServerVerifier>,
    /// One template per `TlsVersions`, built up front so `connection_config` cannot fail.
    templates: [ClientConfig; 3],
    description: String,
    anchor_count: usize,
    /// `--client-cert`/`--client-key`, offered to servers that ask.
    client_identity: Option<Arc<CertifiedKey>>,
}

impl TrustAnchors {
    /// The Mozilla root program, as bundled by webpki-roots.
    pub fn webpki_roots() -> Result<Self, TlsSetupError> {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        Self::build(roots, "webpki-roots (Mozilla)".to_owned())
    }

    /// `--ca-file`: trust only the certificates in this PEM file.
    pub fn from_pem_file(path: &Path) -> Result<Self, TlsSetupError> {
        let bytes = std::fs::read(path).map_err(|source| TlsSetupError::Io {
            path: path.to_owned(),
            source,
        })?;
        let certs = rustls_pemfile::certs(&mut bytes.as_slice())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| TlsSetupError::BadPem {
                path: path.to_owned(),
                source,
            })?;
        if certs.is_empty() {
            return Err(TlsSetupError::NoCertificates {
                path: path.to_owned(),
            });
        }
        let description = format!("CA file {} ({})", path.display(), plural(certs.len()));
        Self::build(roots_from(certs)?, description)
    }

    /// `--ca-path`: every certificate in the PEM files of a directory (`*.pem`, `*.crt`,
    /// `*.cer` and OpenSSL's hashed `*.0`..`*.9` names; a certificate found twice counts once).
    pub fn from_pem_dir(dir: &Path) -> Result<Self, TlsSetupError> {
        let entries = std::fs::read_dir(dir).map_err(|source| TlsSetupError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default();
                matches!(ext, "pem" | "crt" | "cer")
                    || (ext.len() == 1 && ext.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect();
        paths.sort();
        let mut certs = Vec::new();
        for path in &paths {
            let bytes = std::fs::read(path).map_err(|source| TlsSetupError::Io {
                path: path.clone(),
                source,
            })?;
            for cert in rustls_pemfile::certs(&mut bytes.as_slice()) {
                let cert = cert.map_err(|source| TlsSetupError::BadPem {
                    path: path.clone(),
                    source,
                })?;
                if !certs.contains(&cert) {
                    certs.push(cert);
                }
            }
        }
        if certs.is_empty() {
            return Err(TlsSetupError::NoCertificates {
                path: dir.to_owned(),
            });
        }
        let description = format!("CA directory {} ({})", dir.display(), plural(certs.len()));
        Self::build(roots_from(certs)?, description)
    }

    /// `--system-roots`: this machine's trust store, as rustls-native-certs finds it
    /// (SSL_CERT_FILE / SSL_CERT_DIR, else the distribution's bundle). Certificates the store
    /// holds that are not usable anchors are skipped, as OpenSSL does.
    pub fn system() -> Result<Self, TlsSetupError> {
        let found = rustls_native_certs::load_native_certs();
        let mut roots = RootCertStore::empty();
        let (_added, _skipped) = roots.add_parsable_certificates(found.certs);
        if roots.is_empty() {
            let path = PathBuf::from("the system trust store");
            return Err(match found.errors.into_iter().next() {
                Some(e) => TlsSetupError::Io {
                    path,
                    source: std::io::Error::other(e.to_string()),
                },
                None => TlsSetupError::NoCertificates { path },
            });
        }
        let description = format!("system trust store ({})", plural(roots.len()));
        Self::build(roots, description)
    }

    /// `--client-cert`/`--client-key`: offer this identity when a server asks for one.
    pub fn with_client_identity(mut self, cert: &Path, key: &Path) -> Result<Self, TlsSetupError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| TlsSetupError::Io {
                path: path.to_owned(),
                source,
            })
        };
        let cert_pem = read(cert)?;
        let chain = rustls_pemfile::certs(&mut cert_pem.as_slice())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| TlsSetupError::BadPem {
                path: cert.to_owned(),
                source,
            })?;
        if chain.is_empty() {
            return Err(TlsSetupError::NoCertificates {
                path: cert.to_owned(),
            });
        }
        let key_pem = read(key)?;
        let key_der = rustls_pemfile::private_key(&mut key_pem.as_slice())
            .map_err(|source| TlsSetupError::BadPem {
                path: key.to_owned(),
                source,
            })?
            .ok_or_else(|| TlsSetupError::NoKey {
                path: key.to_owned(),
            })?;
        let provider = crate::tls::ring_provider();
        let signing = provider.key_provider.load_private_key(key_der)?;
        let identity = CertifiedKey::new(chain, signing);
        identity
            .keys_match()
            .map_err(|_| TlsSetupError::KeyMismatch {
                path: key.to_owned(),
            })?;
        self.client_identity = Some(Arc::new(identity));
        Ok(self)
    }

    /// Trust exactly these DER certificates.
    pub fn from_ders(certs: Vec<CertificateDer<'static>>) -> Result<Self, TlsSetupError> {
        let description = format!("explicit trust anchors ({})", plural(certs.len()));
        Self::build(roots_from(certs)?, description)
    }

    fn build(roots: RootCertStore, description: String) -> Result<Self, TlsSetupError> {
        let provider = crate::tls::ring_provider();
        let anchor_count = roots.len();
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()?;
        let template = |versions: TlsVersions| -> Result<ClientConfig, TlsSetupError> {
            let mut config = ClientConfig::builder_with_provider(provider.clone())
                .with_protocol_versions(versions.protocol_versions())?
                .with_webpki_verifier(verifier.clone())
                .with_no_client_auth();
            // Every probe must see a full handshake, certificate included.
            config.resumption = Resumption::disabled();
            config.enable_sni = true;
            config.alpn_protocols = Vec::new();
            Ok(config)
        };
        // Indexed by `TlsVersions as usize`.
        let templates = [
            template(TlsVersions::Both)?,
            template(TlsVersions::Tls12Only)?,
            template(TlsVersions::Tls13Only)?,
        ];
        Ok(Self {
            verifier,
            templates,
            description,
            anchor_count,
            client_identity: None,
        })
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn anchor_count(&self) -> usize {
        self.anchor_count
    }

    /// A client config that enforces verification (a handshake with a bad certificate fails),
    /// offering HTTP/1.1 by ALPN: for fetches where a bad certificate must stop everything,
    /// such as the MTA-STS policy (RFC 8461 3.3).
    pub fn verifying_config(&self) -> Arc<ClientConfig> {
        let mut config = self.templates[TlsVersions::Both as usize].clone();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }

    /// A fresh client config for ONE connection, with its own `RecordingVerifier`.
    /// Cloning the template is cheap: the anchors and provider sit behind `Arc`s.
    pub fn connection_config(
        &self,
        versions: TlsVersions,
    ) -> (Arc<ClientConfig>, Arc<RecordingVerifier>) {
        let recorder = Arc::new(
            RecordingVerifier::new(self.verifier.clone())
                .with_client_identity(self.client_identity.clone()),
        );
        let mut config = self.templates[versions as usize].clone();
        config
            .dangerous()
            .set_certificate_verifier(recorder.clone());
        // Never offers a certificate; only notices that the server asked for one.
        config.client_auth_cert_resolver = recorder.clone();
        (Arc::new(config), recorder)
    }
}

fn roots_from(certs: Vec<CertificateDer<'static>>) -> Result<RootCertStore, TlsSetupError> {
    let mut roots = RootCertStore::empty();
    for (index, cert) in certs.into_iter().enumerate() {
        roots
            .add(cert)
            .map_err(|source| TlsSetupError::BadAnchor { index, source })?;
    }
    Ok(roots)
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 certificate".to_owned()
    } else {
        format!("{n} certificates")
    }
}
