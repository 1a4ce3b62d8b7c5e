//! Certificate inspection for the report. Works on hostile DER: never panics.

use std::time::SystemTime;

use rustls::pki_types::CertificateDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::objects::{oid2sn, oid_registry};
use x509_parser::oid_registry::{
    Oid, OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_NIST_EC_P521,
    OID_PKCS1_RSAENCRYPTION, OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS, OID_SIG_ED25519, OID_SIG_ED448,
};

/// Seconds in a day.
const DAY: i64 = 86_400;
use x509_parser::public_key::PublicKey;

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// Lowercase hex, colon-separated.
    pub serial: String,
    /// "DNS:mx.example.com", "IP:127.0.0.1", ...
    pub sans: Vec<String>,
    /// RFC 3339, UTC.
    pub not_before: String,
    pub not_after: String,
    /// Whole days until not_after; once expired, minus the whole days since (so -3 is
    /// "expired 3 days ago", the same count the sentences use).
    pub days_left: i64,
    /// Whole days since not_after, once expired (0: less than a day ago).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_days_ago: Option<i64>,
    /// Days until not_before (rounded up), while not yet valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_in_days: Option<i64>,
    /// Where the issuer's certificate can be fetched (AIA caIssuers): set by public CAs, whose
    /// leaves always have an intermediate above them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ca_issuers: Vec<String>,
    pub key_type: String,
    pub key_bits: Option<u32>,
    pub signature_algorithm: String,
    /// Subject equals issuer (self-issued); the signature is not checked here.
    pub self_signed: bool,
    pub is_ca: bool,
    /// SHA-256 of the DER, lowercase hex, colon-separated.
    pub sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
    /// The certificate as PEM, with `--show-certs` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pem: Option<String>,
    /// (not_before, not_after) as Unix seconds, for exact sentences in `describe`.
    #[serde(skip)]
    pub(crate) validity_unix: Option<(i64, i64)>,
}

pub fn inspect_chain(chain: &[CertificateDer<'_>], now: SystemTime) -> Vec<CertInfo> {
    let now = unix_seconds(now);
    chain.iter().map(|der| inspect_one(der, now)).collect()
}

fn inspect_one(der: &[u8], now: i64) -> CertInfo {
    let sha256 = sha256_hex(der);
    let cert = match x509_parser::parse_x509_certificate(der) {
        Ok((_, cert)) => cert,
        Err(e) => {
            return CertInfo {
                sha256,
                parse_error: Some(format!("certificate does not parse: {e}")),
                ..CertInfo::default()
            }
        }
    };
    let validity = cert.validity();
    let not_before = validity.not_before.timestamp();
    let not_after = validity.not_after.timestamp();
    let (key_type, key_bits) = key_description(&cert);
    let mut info = CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string(),
        sans: Vec::new(),
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        days_left: if now <= not_after {
            not_after.saturating_sub(now).div_euclid(DAY)
        } else {
            -now.saturating_sub(not_after).div_euclid(DAY)
        },
        expired_days_ago: (now > not_after).then(|| now.saturating_sub(not_after).div_euclid(DAY)),
        valid_in_days: (now < not_before).then(|| {
            not_before
                .saturating_sub(now)
                .saturating_add(DAY - 1)
                .div_euclid(DAY)
        }),
        ca_issuers: Vec::new(),
        key_type,
        key_bits,
        signature_algorithm: oid_name(&cert.signature_algorithm.algorithm),
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        is_ca: cert.is_ca(),
        sha256,
        parse_error: None,
        pem: None,
        validity_unix: Some((not_before, not_after)),
    };
    for ext in cert.extensions() {
        if let ParsedExtension::AuthorityInfoAccess(aia) = ext.parsed_extension() {
            for desc in &aia.accessdescs {
                if desc.access_method == OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS {
                    info.ca_issuers.push(san(&desc.access_location));
                }
            }
        }
    }
    match cert.subject_alternative_name() {
        Ok(Some(ext)) => info.sans = ext.value.general_names.iter().map(san).collect(),
        Ok(None) => {}
        Err(e) => info.parse_error = Some(format!("bad subjectAltName extension: {e}")),
    }
    info
}

fn san(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(d) => format!("DNS:{d}"),
        GeneralName::IPAddress(bytes) => match *bytes {
            [a, b, c, d] => format!("IP:{}", std::net::Ipv4Addr::new(*a, *b, *c, *d)),
            _ => match <[u8; 16]>::try_from(*bytes) {
                Ok(v6) => format!("IP:{}", std::net::Ipv6Addr::from(v6)),
                Err(_) => format!("IP:<{} bytes>", bytes.len()),
            },
        },
        GeneralName::RFC822Name(m) => format!("email:{m}"),
        GeneralName::URI(u) => format!("URI:{u}"),
        other => format!("{other}"),
    }
}

fn key_description(cert: &X509Certificate<'_>) -> (String, Option<u32>) {
    let spki = cert.public_key();
    let alg = &spki.algorithm.algorithm;
    if *alg == OID_PKCS1_RSAENCRYPTION {
        // x509-parser's own key_size() reports 0 for moduli without a leading zero byte.
        let bits = match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => significant_bits(rsa.modulus),
            _ => None,
        };
        ("RSA".to_owned(), bits)
    } else if *alg == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        match curve {
            Some(c) if c == OID_EC_P256 => ("EC P-256".to_owned(), Some(256)),
            Some(c) if c == OID_NIST_EC_P384 => ("EC P-384".to_owned(), Some(384)),
            Some(c) if c == OID_NIST_EC_P521 => ("EC P-521".to_owned(), Some(521)),
            Some(c) => (format!("EC {}", oid_name(&c)), None),
            None => ("EC".to_owned(), None),
        }
    } else if *alg == OID_SIG_ED25519 {
        ("Ed25519".to_owned(), Some(256))
    } else if *alg == OID_SIG_ED448 {
        ("Ed448".to_owned(), Some(456))
    } else {
        (oid_name(alg), None)
    }
}

fn significant_bits(be: &[u8]) -> Option<u32> {
    let start = be.iter().position(|b| *b != 0)?;
    let len = u32::try_from(be.len() - start).ok()?;
    Some(len * 8 - be[start].leading_zeros())
}

fn oid_name(oid: &Oid<'_>) -> String {
    oid2sn(oid, oid_registry())
        .map(str::to_owned)
        .unwrap_or_else(|_| oid.to_id_string())
}

/// rustls' ring provider already carries SHA-256; reuse it rather than add a hash crate.
fn sha256_hex(data: &[u8]) -> String {
    use rustls::crypto::hash::HashAlgorithm;
    let hash = rustls::crypto::ring::ALL_CIPHER_SUITES
        .iter()
        .find_map(|suite| {
            let h = match suite {
                rustls::SupportedCipherSuite::Tls13(s) => s.common.hash_provider,
                rustls::SupportedCipherSuite::Tls12(s) => s.common.hash_provider,
            };
            (h.algorithm() == HashAlgorithm::SHA256).then_some(h)
        });
    match hash {
        Some(h) => hex_colon(h.hash(data).as_ref()),
        None => String::new(),
    }
}

fn hex_colon(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

fn civil(unix: i64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(unix).ok()
}

/// "2026-11-13T10:00:00Z" (hand-formatted: the `time` formatting feature is not enabled).
fn rfc3339(unix: i64) -> String {
    match civil(unix) {
        Some(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        None => format!("@{unix}"),
    }
}

/// "2026-11-13 10:00:00 UTC", for sentences.
pub(crate) fn human_time(unix: i64) -> String {
    rfc3339(unix).replacen('T', " ", 1).replacen('Z', " UTC", 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_and_time_formatting() {
        let abc = super::sha256_hex(b"abc").replace(':', "");
        assert_eq!(
            abc,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(super::rfc3339(1_794_564_000), "2026-11-13T10:00:00Z");
        assert_eq!(super::human_time(1_794_564_000), "2026-11-13 10:00:00 UTC");
    }
}
