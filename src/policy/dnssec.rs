//! DNSSEC-validated lookups for DANE (RFC 7672 2.1): hickory-resolver's validator, with the
//! IANA root key built in or the keys of `--trust-anchor FILE`.
//!
//! The status of every answer is one of RFC 4035 4.3's four: secure, insecure, bogus,
//! indeterminate. An absent record counts as absent only with an authenticated denial.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::dnssec::rdata::{DNSSECRData, DNSKEY, DS};
use hickory_resolver::proto::dnssec::{Algorithm, DigestType, Proof, PublicKey, TrustAnchors};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::rdata::TLSA;
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use hickory_resolver::TokioResolver;
use serde::Serialize;

/// RFC 4035 4.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Security {
    Secure,
    Insecure,
    Bogus,
    Indeterminate,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Secure => "secure",
            Security::Insecure => "insecure",
            Security::Bogus => "bogus",
            Security::Indeterminate => "indeterminate",
        }
    }

    fn from_proof(proof: Proof) -> Self {
        match proof {
            Proof::Secure => Security::Secure,
            Proof::Insecure => Security::Insecure,
            Proof::Bogus => Security::Bogus,
            _ => Security::Indeterminate,
        }
    }
}

/// One validated lookup: the records (empty when absent) and how far to trust them.
#[derive(Debug, Clone)]
pub struct Validated<T> {
    pub security: Security,
    pub records: Vec<T>,
    /// The name or type does not exist (NXDOMAIN or NODATA). Authenticated when `security`
    /// is secure.
    pub absent: bool,
    /// Why the lookup failed (timeout, SERVFAIL, validation failure), when it did.
    pub error: Option<String>,
    /// The resolver serves no DNSSEC data at all (no DNSKEY at the trust anchor): nothing can
    /// be validated, so the status is indeterminate whatever the zone does.
    pub no_dnssec: bool,
}

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
    dnskeys: Vec<(Name, DNSKEY)>,
    ds: Vec<(Name, DS)>,
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

/// Resolvers for DANE: one validating (DO bit, hickory's validator), one plain for TXT.
#[derive(Clone)]
pub struct DnssecResolver {
    validating: TokioResolver,
    plain: TokioResolver,
    limit: Duration,
    /// Where the trust comes from, for the report.
    pub anchor_description: String,
    /// The trust anchor's owner: its DNSKEY RRset must be served for anything to validate.
    anchor_owner: Name,
    /// Whether the resolver serves that DNSKEY RRset, asked once.
    capable: Arc<tokio::sync::OnceCell<bool>>,
}

impl std::fmt::Debug for DnssecResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnssecResolver")
            .field("anchor", &self.anchor_description)
            .finish_non_exhaustive()
    }
}

fn builder(
    server: Option<SocketAddr>,
    timeout: Duration,
) -> Result<hickory_resolver::ResolverBuilder<TokioRuntimeProvider>, AnchorError> {
    let provider = TokioRuntimeProvider::default();
    let mut builder = match server {
        Some(addr) => {
            let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
            for conn in &mut ns.connections {
                conn.port = addr.port();
            }
            let config = ResolverConfig::from_parts(None, Vec::new(), vec![ns]);
            TokioResolver::builder_with_config(config, provider)
        }
        None => {
            TokioResolver::builder(provider).map_err(|e| AnchorError::Resolver(e.to_string()))?
        }
    };
    let opts = builder.options_mut();
    opts.timeout = timeout;
    opts.attempts = 2;
    opts.ndots = 0;
    Ok(builder)
}

impl DnssecResolver {
    /// `anchors`: `None` for the IANA root keys hickory carries.
    pub async fn new(
        server: Option<SocketAddr>,
        timeout: Duration,
        anchors: Option<&AnchorFile>,
    ) -> Result<Self, AnchorError> {
        let plain = builder(server, timeout)?
            .build()
            .map_err(|e| AnchorError::Resolver(e.to_string()))?;
        let anchor_owner = anchors
            .and_then(|f| {
                f.dnskeys
                    .first()
                    .map(|(o, _)| o.clone())
                    .or_else(|| f.ds.first().map(|(o, _)| o.clone()))
            })
            .unwrap_or_else(Name::root);
        let (trust, anchor_description) = match anchors {
            None => (
                TrustAnchors::default(),
                "the IANA root keys (built in)".to_string(),
            ),
            Some(file) => (
                build_anchors(file, &plain, timeout).await?,
                format!("--trust-anchor {}", file.path),
            ),
        };
        let mut b = builder(server, timeout)?;
        b.options_mut().validate = true;
        let validating = b
            .with_trust_anchor(Arc::new(trust))
            .build()
            .map_err(|e| AnchorError::Resolver(e.to_string()))?;
        Ok(DnssecResolver {
            validating,
            plain,
            limit: timeout * 3 + Duration::from_secs(1),
            anchor_description,
            anchor_owner,
            capable: Arc::new(tokio::sync::OnceCell::new()),
        })
    }

    /// TXT strings of each record at `name` (each record's strings joined, RFC 7208 3.3
    /// style), unvalidated: MTA-STS and TLS-RPT do not need DNSSEC.
    pub async fn txt(&self, name: &str) -> Result<Vec<Vec<u8>>, String> {
        let name = fqdn(name)?;
        let lookup = tokio::time::timeout(self.limit, self.plain.lookup(name, RecordType::TXT));
        match lookup.await {
            Err(_) => Err("timed out".into()),
            Ok(Err(e)) if e.is_no_records_found() => Ok(Vec::new()),
            Ok(Err(e)) => Err(e.to_string()),
            Ok(Ok(l)) => Ok(l
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::TXT(t) => {
                        Some(t.txt_data.iter().flat_map(|s| s.iter().copied()).collect())
                    }
                    _ => None,
                })
                .collect()),
        }
    }

    /// Unvalidated addresses, for the policy host.
    pub async fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
        let name = fqdn(host)?;
        let lookup = tokio::time::timeout(self.limit, self.plain.lookup_ip(name));
        match lookup.await {
            Err(_) => Err(format!("timed out resolving {host}")),
            Ok(Err(e)) => Err(e.to_string()),
            Ok(Ok(l)) => Ok(l.iter().map(|ip| SocketAddr::new(ip, port)).collect()),
        }
    }

    /// The TLSA RRset at `name` (`_25._tcp.mx.example.`), validated.
    pub async fn tlsa(&self, name: &str) -> Validated<TLSA> {
        self.validated(name, RecordType::TLSA, |d| match d {
            RData::TLSA(t) => Some(t.clone()),
            _ => None,
        })
        .await
    }

    /// The security of `domain`'s MX RRset (RFC 7672 2.2.1: DANE needs a secure MX RRset).
    pub async fn mx_security(&self, domain: &str) -> Validated<String> {
        self.validated(domain, RecordType::MX, |d| match d {
            RData::MX(m) => Some(m.exchange.to_ascii()),
            _ => None,
        })
        .await
    }

    /// Whether the resolver serves the trust anchor's DNSKEY RRset (a resolver or middlebox
    /// that strips DNSSEC makes every answer look bogus: that is not the zone's fault).
    async fn serves_dnssec(&self) -> bool {
        *self
            .capable
            .get_or_init(|| async {
                let q = self
                    .plain
                    .lookup(self.anchor_owner.clone(), RecordType::DNSKEY);
                match tokio::time::timeout(self.limit, q).await {
                    Ok(Ok(l)) => l
                        .answers()
                        .iter()
                        .any(|r| r.record_type() == RecordType::DNSKEY),
                    _ => false,
                }
            })
            .await
    }

    async fn validated<T>(
        &self,
        name: &str,
        rtype: RecordType,
        pick: impl Fn(&RData) -> Option<T>,
    ) -> Validated<T> {
        let mut v = self.validated_inner(name, rtype, pick).await;
        if v.security != Security::Secure && !self.serves_dnssec().await {
            v.security = Security::Indeterminate;
            v.no_dnssec = true;
            v.error = Some(format!(
                "the resolver serves no DNSKEY for {} (the trust anchor), so nothing can be \
                 validated: use a DNSSEC-aware resolver (--resolver)",
                self.anchor_owner
            ));
        }
        v
    }

    async fn validated_inner<T>(
        &self,
        name: &str,
        rtype: RecordType,
        pick: impl Fn(&RData) -> Option<T>,
    ) -> Validated<T> {
        let fail = |security, error: String| Validated {
            security,
            records: Vec::new(),
            absent: false,
            error: Some(error),
            no_dnssec: false,
        };
        let qname = match fqdn(name) {
            Ok(n) => n,
            Err(e) => return fail(Security::Indeterminate, e),
        };
        let lookup = tokio::time::timeout(self.limit, self.validating.lookup(qname, rtype));
        match lookup.await {
            Err(_) => fail(
                Security::Indeterminate,
                format!("timed out asking for {name} {rtype}"),
            ),
            Ok(Ok(l)) => {
                let wanted: Vec<&Record> = l
                    .answers()
                    .iter()
                    .filter(|r| r.record_type() == rtype)
                    .collect();
                // The RRset is as secure as its least secure record.
                let security = wanted
                    .iter()
                    .map(|r| Security::from_proof(r.proof))
                    .reduce(worst)
                    .unwrap_or(Security::Indeterminate);
                Validated {
                    security,
                    records: wanted.iter().filter_map(|r| pick(&r.data)).collect(),
                    absent: wanted.is_empty(),
                    error: None,
                    no_dnssec: false,
                }
            }
            Ok(Err(e)) => from_error(&e, name, rtype),
        }
    }
}

fn from_error<T>(e: &NetError, name: &str, rtype: RecordType) -> Validated<T> {
    let absent = |security| Validated {
        security,
        records: Vec::new(),
        absent: true,
        error: None,
        no_dnssec: false,
    };
    match e {
        // A denial that validated: the NSEC/NSEC3 records came back secure.
        NetError::Dns(DnsError::NoRecordsFound(nr)) => {
            let proofs: Vec<Security> = nr
                .authorities
                .iter()
                .flat_map(|a| a.iter())
                .filter(|r| {
                    matches!(
                        r.data,
                        RData::DNSSEC(DNSSECRData::NSEC(_)) | RData::DNSSEC(DNSSECRData::NSEC3(_))
                    )
                })
                .map(|r| Security::from_proof(r.proof))
                .collect();
            let security = if !proofs.is_empty() && proofs.iter().all(|p| *p == Security::Secure) {
                Security::Secure
            } else if proofs.is_empty() {
                // hickory proved the name insecure (no DS on the way) before accepting it.
                Security::Insecure
            } else {
                proofs
                    .into_iter()
                    .reduce(worst)
                    .unwrap_or(Security::Indeterminate)
            };
            absent(security)
        }
        NetError::Dns(DnsError::Nsec { proof, .. }) => match Security::from_proof(*proof) {
            Security::Bogus => Validated {
                security: Security::Bogus,
                records: Vec::new(),
                absent: false,
                error: Some(format!("the denial of {name} {rtype} does not validate")),
                no_dnssec: false,
            },
            s => absent(s),
        },
        NetError::Dns(DnsError::DnssecBogus) => Validated {
            security: Security::Bogus,
            records: Vec::new(),
            absent: false,
            error: Some(format!("{name} {rtype} does not validate (bogus)")),
            no_dnssec: false,
        },
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => Validated {
            security: Security::Indeterminate,
            records: Vec::new(),
            absent: false,
            // A validating resolver answers SERVFAIL for bogus data; so does a broken one.
            error: Some(format!(
                "the resolver failed for {name} {rtype} (SERVFAIL: bogus data or a broken server)"
            )),
            no_dnssec: false,
        },
        other => Validated {
            security: Security::Indeterminate,
            records: Vec::new(),
            absent: false,
            error: Some(format!("{name} {rtype}: {other}")),
            no_dnssec: false,
        },
    }
}

/// The less trustworthy of two statuses.
fn worst(a: Security, b: Security) -> Security {
    let rank = |s| match s {
        Security::Secure => 0,
        Security::Insecure => 1,
        Security::Indeterminate => 2,
        Security::Bogus => 3,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

fn fqdn(name: &str) -> Result<Name, String> {
    Name::from_ascii(format!("{}.", name.trim_end_matches('.'))).map_err(|e| e.to_string())
}

async fn build_anchors(
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
    if s.len() % 2 != 0 {
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
