//! DNSSEC-validated lookups for DANE (RFC 7672 2.1): hickory-resolver's validator, with the
//! IANA root key built in or the keys of `--trust-anchor FILE`.
//!
//! The status of every answer is one of RFC 4035 4.3's four: secure, insecure, bogus,
//! indeterminate. An absent record counts as absent only with an authenticated denial.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::dnssec::rdata::DNSSECRData;
use hickory_resolver::proto::dnssec::{Proof, TrustAnchors};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::rdata::TLSA;
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use hickory_resolver::TokioResolver;
use serde::Serialize;

use super::anchors::{build_anchors, AnchorError, AnchorFile};

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
    let mut builder = crate::mx::resolver_builder(server).map_err(AnchorError::Resolver)?;
    builder.options_mut().timeout = timeout;
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

    /// The TLSA RRset of `host` on `port`, looked up only when the host's own address records
    /// are secure (RFC 7672 2.2.2): an unsigned A/AAAA RRset makes DANE not apply, and a bogus
    /// one is bogus whatever the TLSA RRset says.
    pub async fn host_tlsa(&self, host: &str, port: u16) -> Validated<TLSA> {
        let mut address = self
            .validated(host, RecordType::A, |d| match d {
                RData::A(a) => Some(a.0.to_string()),
                _ => None,
            })
            .await;
        if address.absent && address.security != Security::Bogus {
            address = self
                .validated(host, RecordType::AAAA, |d| match d {
                    RData::AAAA(a) => Some(a.0.to_string()),
                    _ => None,
                })
                .await;
        }
        let name = super::tlsa_name(host, port);
        match address.security {
            Security::Secure => self.tlsa(&name).await,
            Security::Insecure => {
                // Still fetched, so the report can show the records senders ignore.
                let mut tlsa = self.tlsa(&name).await;
                tlsa.security = Security::Insecure;
                tlsa.error = Some(format!(
                    "the address records of {host} are not signed: DANE does not apply \
                     (RFC 7672 2.2.2)"
                ));
                tlsa
            }
            security => Validated {
                security,
                records: Vec::new(),
                absent: false,
                error: address.error.map(|e| format!("address of {host}: {e}")),
                no_dnssec: address.no_dnssec,
            },
        }
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
