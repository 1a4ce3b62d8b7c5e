//! DANE for SMTP (RFC 7672 3.1): TLSA records matched against the chain the server presented.
//!
//! - DANE-EE(3): the leaf's full certificate or SPKI; names and dates are not checked.
//! - DANE-TA(2): a certificate of the presented chain matches; the chain below it must verify
//!   up to it, and the leaf must carry the MX name or the TLSA base domain (3.2.3).
//! - PKIX-TA(0) and PKIX-EE(1) are not usable for SMTP (3.1.3), nor are unknown values.

use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::RootCertStore;
use serde::Serialize;

/// One TLSA record, as numbers and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlsa {
    pub usage: u8,
    pub selector: u8,
    pub matching: u8,
    pub data: Vec<u8>,
}

impl Tlsa {
    pub fn from_hickory(t: &hickory_resolver::proto::rr::rdata::TLSA) -> Self {
        Tlsa {
            usage: t.cert_usage.into(),
            selector: t.selector.into(),
            matching: t.matching.into(),
            data: t.cert_data.clone(),
        }
    }

    /// Presentation form, `3 1 1 <hex>`.
    pub fn text(&self) -> String {
        let hex: String = self.data.iter().map(|b| format!("{b:02x}")).collect();
        format!("{} {} {} {hex}", self.usage, self.selector, self.matching)
    }

    fn usable(&self) -> Result<(), String> {
        match self.usage {
            2 | 3 => {}
            0 | 1 => return Err("PKIX usages (0, 1) are not used for SMTP (RFC 7672 3.1.3)".into()),
            u => return Err(format!("unknown usage {u}")),
        }
        if self.selector > 1 {
            return Err(format!("unknown selector {}", self.selector));
        }
        match self.matching {
            0 => Ok(()),
            1 if self.data.len() == 32 => Ok(()),
            2 if self.data.len() == 64 => Ok(()),
            1 | 2 => Err("the digest has the wrong length".into()),
            m => Err(format!("unknown matching type {m}")),
        }
    }
}

/// What matching found, per address.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DaneMatch {
    /// The record that matched, presentation form, and the chain depth (0: the leaf).
    pub matched: Option<MatchedRecord>,
    /// Records that are usable for SMTP.
    pub usable: usize,
    /// Why each other record is not usable.
    pub unusable: Vec<String>,
    /// Why records that were tried did not authenticate the server.
    pub failures: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatchedRecord {
    pub record: String,
    pub depth: usize,
    /// `dane-ee` or `dane-ta`.
    pub usage: &'static str,
    /// For DANE-TA: the name the leaf was checked against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

fn digest(matching: u8, data: &[u8]) -> Vec<u8> {
    match matching {
        1 => ring::digest::digest(&ring::digest::SHA256, data)
            .as_ref()
            .to_vec(),
        2 => ring::digest::digest(&ring::digest::SHA512, data)
            .as_ref()
            .to_vec(),
        _ => data.to_vec(),
    }
}

/// The selected part of a certificate: the whole DER (0) or its SubjectPublicKeyInfo (1).
fn selected(cert: &[u8], selector: u8) -> Option<Vec<u8>> {
    if selector == 0 {
        return Some(cert.to_vec());
    }
    let (_, parsed) = x509_parser::parse_x509_certificate(cert).ok()?;
    Some(parsed.tbs_certificate.subject_pki.raw.to_vec())
}

fn matches(record: &Tlsa, cert: &[u8]) -> bool {
    selected(cert, record.selector).is_some_and(|s| digest(record.matching, &s) == record.data)
}

/// Matches `records` against `chain` (leaf first, as sent). `names`: the names a DANE-TA leaf
/// may carry (the MX name, then the TLSA base domain).
pub fn match_chain(records: &[Tlsa], chain: &[CertificateDer<'_>], names: &[&str]) -> DaneMatch {
    let mut out = DaneMatch::default();
    for record in records {
        if let Err(why) = record.usable() {
            out.unusable.push(format!("{}: {why}", record.text()));
            continue;
        }
        out.usable += 1;
        if out.matched.is_some() {
            continue;
        }
        match record.usage {
            3 => match chain.first() {
                Some(leaf) if matches(record, leaf) => {
                    out.matched = Some(MatchedRecord {
                        record: record.text(),
                        depth: 0,
                        usage: "dane-ee",
                        name: None,
                    });
                }
                Some(_) => out.failures.push(format!(
                    "{}: the leaf certificate does not match",
                    record.text()
                )),
                None => out.failures.push("no certificate was presented".into()),
            },
            _ => match chain.iter().position(|c| matches(record, c)) {
                None => out.failures.push(format!(
                    "{}: no certificate of the presented chain matches",
                    record.text()
                )),
                Some(depth) => match ta_verify(chain, depth, names) {
                    Ok(name) => {
                        out.matched = Some(MatchedRecord {
                            record: record.text(),
                            depth,
                            usage: "dane-ta",
                            name: Some(name),
                        });
                    }
                    Err(why) => out.failures.push(format!(
                        "{}: matches the certificate at depth {depth}, but {why}",
                        record.text()
                    )),
                },
            },
        }
    }
    out
}

/// The chain below `depth` verifies up to the certificate at `depth`, taken as the trust
/// anchor, for one of `names` (webpki also checks dates and the key usage).
fn ta_verify(chain: &[CertificateDer<'_>], depth: usize, names: &[&str]) -> Result<String, String> {
    let (Some(leaf), Some(anchor)) = (chain.first(), chain.get(depth)) else {
        return Err("the chain is empty".into());
    };
    if depth == 0 {
        // The leaf is its own anchor: only the name is left to check.
        return leaf_names_match(leaf, names);
    }
    let mut roots = RootCertStore::empty();
    roots
        .add(anchor.clone().into_owned())
        .map_err(|e| format!("it cannot serve as a trust anchor ({e})"))?;
    let verifier = WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .build()
    .map_err(|e| e.to_string())?;
    let intermediates: Vec<CertificateDer<'_>> = chain[1..depth].to_vec();
    let mut last = String::new();
    for name in names {
        let Ok(server_name) = ServerName::try_from(name.to_string()) else {
            continue;
        };
        match verifier.verify_server_cert(leaf, &intermediates, &server_name, &[], UnixTime::now())
        {
            Ok(_) => return Ok(name.to_string()),
            Err(e) => last = format!("the chain does not verify for {name}: {e}"),
        }
    }
    Err(last)
}

fn leaf_names_match(leaf: &CertificateDer<'_>, names: &[&str]) -> Result<String, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(leaf).map_err(|e| e.to_string())?;
    let mut dns: Vec<String> = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            if let x509_parser::extensions::GeneralName::DNSName(d) = n {
                dns.push(d.to_ascii_lowercase());
            }
        }
    }
    for name in names {
        let name = name.to_ascii_lowercase();
        let hit = dns.iter().any(|d| match d.strip_prefix("*.") {
            Some(base) => name.split_once('.').is_some_and(|(_, rest)| rest == base),
            None => *d == name,
        });
        if hit {
            return Ok(name);
        }
    }
    Err(format!("the leaf names none of {}", names.join(", ")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::tls::pki::{TestCa, Validity};

    #[test]
    fn ee_and_ta_match_and_mismatch() {
        let ca = TestCa::new("dane test CA").unwrap();
        let id = ca.issue(&["mx.example.test"], Validity::Valid).unwrap();
        let chain = vec![id.chain[0].clone(), ca.cert_der()];
        let leaf_spki = selected(&chain[0], 1).unwrap();
        let ee = Tlsa {
            usage: 3,
            selector: 1,
            matching: 1,
            data: digest(1, &leaf_spki),
        };
        let m = match_chain(std::slice::from_ref(&ee), &chain, &["mx.example.test"]);
        assert_eq!(m.matched.as_ref().map(|r| r.depth), Some(0));

        let ta = Tlsa {
            usage: 2,
            selector: 0,
            matching: 2,
            data: digest(2, &chain[1]),
        };
        let m = match_chain(std::slice::from_ref(&ta), &chain, &["mx.example.test"]);
        assert_eq!(
            m.matched.as_ref().map(|r| (r.depth, r.usage)),
            Some((1, "dane-ta"))
        );
        // The anchor matches, but the leaf does not carry the name.
        let m = match_chain(std::slice::from_ref(&ta), &chain, &["other.example.test"]);
        assert!(m.matched.is_none());
        assert_eq!(m.failures.len(), 1);

        let pkix = Tlsa {
            usage: 1,
            ..ee.clone()
        };
        let wrong = Tlsa {
            data: vec![0; 32],
            ..ee
        };
        let m = match_chain(&[pkix, wrong], &chain, &["mx.example.test"]);
        assert!(m.matched.is_none());
        assert_eq!((m.usable, m.unusable.len()), (1, 1));
    }
}
