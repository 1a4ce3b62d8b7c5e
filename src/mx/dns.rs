//! DNS for mail domains: MX and A/AAAA through hickory-resolver, failures as typed causes.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData};
use hickory_resolver::TokioResolver;

use crate::model::FindingId;

/// Why a lookup gave no answer. Each cause is its own finding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DnsFailure {
    #[error("{name} does not exist (NXDOMAIN)")]
    NxDomain { name: String },
    #[error("{name} has no {rtype} record")]
    NoRecords { name: String, rtype: &'static str },
    #[error("the resolver failed for {name} (SERVFAIL)")]
    ServFail { name: String },
    #[error("timed out asking the resolver about {name}")]
    Timeout { name: String },
    #[error("DNS error for {name}: {detail}")]
    Other { name: String, detail: String },
}

impl DnsFailure {
    pub fn finding_id(&self) -> FindingId {
        match self {
            DnsFailure::NxDomain { .. } => FindingId::DnsNxdomain,
            DnsFailure::NoRecords { .. } => FindingId::DnsNoRecords,
            DnsFailure::ServFail { .. } => FindingId::DnsServfail,
            DnsFailure::Timeout { .. } => FindingId::DnsTimeout,
            DnsFailure::Other { .. } => FindingId::DnsError,
        }
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, DnsFailure::Timeout { .. })
    }

    fn from_net(name: &str, rtype: &'static str, e: &NetError) -> Self {
        let name = name.to_string();
        match e {
            e if e.is_nx_domain() => DnsFailure::NxDomain { name },
            e if e.is_no_records_found() => DnsFailure::NoRecords { name, rtype },
            NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => {
                DnsFailure::ServFail { name }
            }
            NetError::Timeout => DnsFailure::Timeout { name },
            e => DnsFailure::Other {
                name,
                detail: e.to_string(),
            },
        }
    }
}

/// An MX lookup's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MxAnswer {
    /// `0 .` (RFC 7505): the domain accepts no mail.
    Null,
    /// Exchanges (without the trailing dot) sorted by preference, lowest first; a null MX
    /// published alongside real ones is dropped and flagged.
    Hosts {
        records: Vec<(u16, String)>,
        null_alongside: bool,
    },
}

/// The resolver for domains: the system's (resolv.conf) or one server given by `--resolver`.
#[derive(Clone)]
pub struct MxResolver {
    inner: TokioResolver,
    /// The most one lookup may take (--timeout), a backstop over hickory's own timeouts.
    limit: Duration,
}

impl std::fmt::Debug for MxResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MxResolver")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// A resolver builder for `server` (one name server, UDP and TCP for truncated answers) or
/// resolv.conf, shared by the MX and the DNSSEC lookups: two attempts (a lost UDP datagram is
/// common), names always fully qualified (no search list). The caller sets the timeout.
pub(crate) fn resolver_builder(
    server: Option<SocketAddr>,
) -> Result<hickory_resolver::ResolverBuilder<TokioRuntimeProvider>, String> {
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
        None => TokioResolver::builder(provider).map_err(|e| e.to_string())?,
    };
    let opts = builder.options_mut();
    opts.attempts = 2;
    opts.ndots = 0;
    Ok(builder)
}

impl MxResolver {
    /// `server`: one name server (UDP, TCP for truncated answers) instead of resolv.conf.
    /// `timeout`: the most a lookup may take, both of its attempts together.
    pub fn new(server: Option<SocketAddr>, timeout: Duration) -> Result<Self, DnsFailure> {
        let mut builder = resolver_builder(server).map_err(|detail| DnsFailure::Other {
            name: "resolv.conf".to_string(),
            detail,
        })?;
        // Two attempts that together fit in `timeout`: a lookup takes no longer than any
        // other step (--timeout).
        builder.options_mut().timeout = (timeout / 2).max(Duration::from_millis(100));
        let inner = builder.build().map_err(|e| DnsFailure::Other {
            name: "resolver".to_string(),
            detail: e.to_string(),
        })?;
        Ok(MxResolver {
            inner,
            limit: timeout,
        })
    }

    fn fqdn(name: &str) -> Result<Name, DnsFailure> {
        let text = format!("{}.", name.trim_end_matches('.'));
        Name::from_ascii(&text).map_err(|e| DnsFailure::Other {
            name: name.to_string(),
            detail: e.to_string(),
        })
    }

    /// The domain's MX records.
    pub async fn mx(&self, domain: &str) -> Result<MxAnswer, DnsFailure> {
        let name = Self::fqdn(domain)?;
        let lookup = match tokio::time::timeout(self.limit, self.inner.mx_lookup(name)).await {
            Err(_) => {
                return Err(DnsFailure::Timeout {
                    name: domain.to_string(),
                })
            }
            Ok(Err(e)) => return Err(DnsFailure::from_net(domain, "MX", &e)),
            Ok(Ok(lookup)) => lookup,
        };
        let mut null = false;
        let mut records: Vec<(u16, String)> = Vec::new();
        for record in lookup.answers() {
            // A CNAME chain may come along; only MX data counts.
            let RData::MX(mx) = &record.data else {
                continue;
            };
            if mx.exchange.is_root() {
                null = true;
                continue;
            }
            let exchange = mx.exchange.to_ascii();
            let exchange = exchange.trim_end_matches('.').to_ascii_lowercase();
            if !records.iter().any(|(_, e)| *e == exchange) {
                records.push((mx.preference, exchange));
            }
        }
        // Stable: equal preferences keep the server's order.
        records.sort_by_key(|(pref, _)| *pref);
        if records.is_empty() {
            if null {
                return Ok(MxAnswer::Null);
            }
            return Err(DnsFailure::NoRecords {
                name: domain.to_string(),
                rtype: "MX",
            });
        }
        Ok(MxAnswer::Hosts {
            records,
            null_alongside: null,
        })
    }

    /// Every address of `host`: IPv6 first, then IPv4, each in the server's order.
    pub async fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, DnsFailure> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let name = Self::fqdn(host)?;
        let both = async {
            tokio::join!(
                self.inner.ipv6_lookup(name.clone()),
                self.inner.ipv4_lookup(name.clone())
            )
        };
        let (v6, v4) =
            tokio::time::timeout(self.limit, both)
                .await
                .map_err(|_| DnsFailure::Timeout {
                    name: host.to_string(),
                })?;
        let mut addrs = Vec::new();
        let mut failures = Vec::new();
        for (result, rtype) in [(v6, "AAAA"), (v4, "A")] {
            match result {
                Ok(lookup) => addrs.extend(lookup.answers().iter().filter_map(|r| match &r.data {
                    RData::A(a) => Some(SocketAddr::new(IpAddr::V4(a.0), port)),
                    RData::AAAA(a) => Some(SocketAddr::new(IpAddr::V6(a.0), port)),
                    _ => None,
                })),
                Err(e) => failures.push(DnsFailure::from_net(host, rtype, &e)),
            }
        }
        if !addrs.is_empty() {
            return Ok(addrs);
        }
        // The most telling cause: NXDOMAIN, then a server failure, then "no records".
        failures.sort_by_key(|f| match f {
            DnsFailure::NxDomain { .. } => 0,
            DnsFailure::ServFail { .. } => 1,
            DnsFailure::Timeout { .. } => 2,
            DnsFailure::Other { .. } => 3,
            DnsFailure::NoRecords { .. } => 4,
        });
        Err(match failures.into_iter().next() {
            Some(DnsFailure::NoRecords { .. }) | None => DnsFailure::NoRecords {
                name: host.to_string(),
                rtype: "A or AAAA",
            },
            Some(f) => f,
        })
    }
}
