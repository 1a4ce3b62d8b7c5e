//! `--trust-anchor FILE`: DNSKEY or DS records in zone-file syntax, turned into hickory trust
//! anchors. A DS names a key by digest: the owner's DNSKEY RRset is fetched and only the keys
//! it covers are kept.

use std::path::Path;
use std::time::Duration;

use hickory_resolver::proto::dnssec::rdata::{DNSSECRData, DNSKEY, DS};
use hickory_resolver::proto::dnssec::{Algorithm, DigestType, PublicKey, TrustAnchors};
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::TokioResolver;

/// Why the trust anchors cannot be used: a usage error at the binary's edge.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnchorError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("line {line}: {reason}")]
    Syntax { line: usize, reason: String },
    #[error("no DNSKEY or DS record in the file")]
    Empty,
    #[error("no DNSKEY of {owner} matches the DS record(s): {detail}")]
    DsUnmatched { owner: String, detail: String },
    #[error("cannot build the resolver: {0}")]
    Resolver(String),
}

/// Trust anchors as read from `--trust-anchor`: DNSKEY records are keys; DS records name keys
/// that are fetched (unvalidated) and kept only when their digest matches.
#[derive(Debug, Clone, Default)]
pub struct AnchorFile {
    pub(crate) dnskeys: Vec<(Name, DNSKEY)>,
    pub(crate) ds: Vec<(Name, DS)>,
    pub path: String,
}

impl AnchorFile {
    /// Reads zone-file lines: `owner [ttl] [class] DNSKEY|DS rdata`; `;` starts a comment.
    pub fn read(path: &Path) -> Result<Self, AnchorError> {
        let text = std::fs::read_to_string(path).map_err(|source| AnchorError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let mut file = Self::parse(&text)?;
        file.path = path.display().to_string();
        Ok(file)
    }

    pub fn parse(text: &str) -> Result<Self, AnchorError> {
        let mut file = AnchorFile::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.split(';').next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with('$') {
                continue;
            }
            let syntax = |reason: String| AnchorError::Syntax {
                line: i + 1,
                reason,
            };
            let tokens: Vec<&str> = line.split_whitespace().collect();
            let Some(ty) = tokens
                .iter()
                .position(|t| t.eq_ignore_ascii_case("DNSKEY") || t.eq_ignore_ascii_case("DS"))
            else {
                // SOA, NS and the like may sit in a copied zone file: not anchors.
                continue;
            };
            let owner = tokens.first().copied().unwrap_or(".");
            let owner = Name::from_ascii(owner).map_err(|e| syntax(e.to_string()))?;
            let rdata = &tokens[ty + 1..];
            let num = |j: usize| -> Result<u64, AnchorError> {
                rdata
                    .get(j)
                    .and_then(|t| t.parse::<u64>().ok())
                    .ok_or_else(|| syntax(format!("field {} is not a number", j + 1)))
            };
            if tokens[ty].eq_ignore_ascii_case("DNSKEY") {
                let flags = u16::try_from(num(0)?).map_err(|e| syntax(e.to_string()))?;
                let alg = u8::try_from(num(2)?).map_err(|e| syntax(e.to_string()))?;
                let key = base64_decode(&rdata.get(3..).unwrap_or_default().concat())
                    .ok_or_else(|| syntax("the key is not base64".into()))?;
                let public = hickory_resolver::proto::dnssec::PublicKeyBuf::new(
                    key,
                    Algorithm::from_u8(alg),
                );
                file.dnskeys
                    .push((owner, DNSKEY::with_flags(flags, public)));
            } else {
                let tag = u16::try_from(num(0)?).map_err(|e| syntax(e.to_string()))?;
                let alg = u8::try_from(num(1)?).map_err(|e| syntax(e.to_string()))?;
                let dt = u8::try_from(num(2)?).map_err(|e| syntax(e.to_string()))?;
                let digest = hex_decode(&rdata.get(3..).unwrap_or_default().concat())
                    .ok_or_else(|| syntax("the digest is not hex".into()))?;
                file.ds.push((
                    owner,
                    DS::new(tag, Algorithm::from_u8(alg), DigestType::from(dt), digest),
                ));
            }
        }
        if file.dnskeys.is_empty() && file.ds.is_empty() {
            return Err(AnchorError::Empty);
        }
        Ok(file)
    }
}

pub(crate) async fn build_anchors(
    file: &AnchorFile,
    plain: &TokioResolver,
    timeout: Duration,
) -> Result<TrustAnchors, AnchorError> {
    let mut anchors = TrustAnchors::empty();
    for (owner, key) in &file.dnskeys {
        anchors.insert_with_name(key.public_key(), owner.into());
    }
    // Each DS names a key by digest: fetch the owner's DNSKEY RRset and keep the keys it covers.
    let mut owners: Vec<&Name> = file.ds.iter().map(|(o, _)| o).collect();
    owners.dedup();
    for owner in owners {
        let fetched =
            tokio::time::timeout(timeout * 3, plain.lookup(owner.clone(), RecordType::DNSKEY))
                .await
                .map_err(|_| AnchorError::DsUnmatched {
                    owner: owner.to_string(),
                    detail: "timed out fetching the DNSKEY RRset".into(),
                })?
                .map_err(|e| AnchorError::DsUnmatched {
                    owner: owner.to_string(),
                    detail: e.to_string(),
                })?;
        let mut matched = false;
        for r in fetched.answers() {
            let RData::DNSSEC(DNSSECRData::DNSKEY(key)) = &r.data else {
                continue;
            };
            let covered = file
                .ds
                .iter()
                .filter(|(o, _)| o == owner)
                .any(|(_, ds)| ds.covers(owner, key).unwrap_or(false));
            if covered {
                anchors.insert_with_name(key.public_key() as &dyn PublicKey, owner.into());
                matched = true;
            }
        }
        if !matched {
            return Err(AnchorError::DsUnmatched {
                owner: owner.to_string(),
                detail: "no fetched key has the DS digest".into(),
            });
        }
    }
    Ok(anchors)
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            acc |= val(*b)? << (18 - 6 * i);
        }
        let n = chunk.len() * 6 / 8;
        for i in 0..n {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn anchor_file_reads_dnskey_and_ds_and_skips_other_records() {
        let text = ". 3600 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n\
                    . IN DS 12345 13 2 0011AAff\n. IN SOA a b 1 2 3 4 5 ; not an anchor\n";
        let f = AnchorFile::parse(text).unwrap();
        assert_eq!(f.dnskeys.len(), 1);
        assert_eq!(f.dnskeys[0].1.public_key().public_bytes().len(), 64);
        assert_eq!(f.ds.len(), 1);
        assert!(matches!(
            AnchorFile::parse("; nothing\n"),
            Err(AnchorError::Empty)
        ));
        assert!(AnchorFile::parse(". DS x 13 2 00").is_err());
    }

    #[test]
    fn base64_round_trip() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGk=").unwrap(), b"hi");
        assert!(base64_decode("a*==").is_none());
    }
}
