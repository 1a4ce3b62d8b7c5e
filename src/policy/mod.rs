//! Will senders insist on TLS? MTA-STS (RFC 8461), TLS-RPT (RFC 8460) and DANE for SMTP
//! (RFC 7672): lookups, the policy fetch and certificate matching, as facts. Judgement is in
//! [`crate::diagnose::policy`].
//!
//! - [`mta_sts`]: record and policy grammar, MX patterns; [`fetch`]: the HTTPS fetch.
//! - [`tlsrpt`]: the `_smtp._tls` record.
//! - [`dnssec`]: validated lookups; [`dane`]: TLSA matching against the presented chain.

pub mod anchors;
pub mod dane;
pub mod dnssec;
pub mod fetch;
pub mod mta_sts;
pub mod tlsrpt;

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use smtp_grammar::escape_bytes;

pub use anchors::{AnchorError, AnchorFile};
pub use dane::{match_chain, DaneMatch, Tlsa};
pub use dnssec::{DnssecResolver, Security, Validated};
pub use fetch::{fetch_policy, FetchError, MAX_POLICY_BYTES};
pub use mta_sts::{StsMode, StsPolicy};

use crate::model::{DaneAddress, DaneSection, MtaStsSection, PolicySection, TlsRptSection};

/// What to check and with what.
#[derive(Debug, Clone)]
pub struct PolicyOptions {
    /// MTA-STS and TLS-RPT (off with `--no-mta-sts`).
    pub mta_sts: bool,
    /// DANE (off with `--no-dane`).
    pub dane: bool,
    pub resolver: DnssecResolver,
    /// Verifying client config for the policy fetch: the probe's trust anchors.
    pub fetch_tls: Arc<rustls::ClientConfig>,
    pub timeout: Duration,
}

/// The domain-wide facts.
#[derive(Debug, Clone, Default)]
pub struct DomainPolicy {
    pub section: PolicySection,
    /// The policy, when one was fetched and parsed.
    pub sts: Option<StsPolicy>,
    /// The MX RRset as validated, when DANE is checked.
    pub mx_security: Option<Validated<String>>,
}

/// MTA-STS, TLS-RPT and the MX RRset's DNSSEC status, all at once.
pub async fn check_domain(domain: &str, opts: &PolicyOptions) -> DomainPolicy {
    let sts = async {
        if opts.mta_sts {
            Some(mta_sts_facts(domain, opts).await)
        } else {
            None
        }
    };
    let rpt = async {
        if opts.mta_sts {
            Some(tls_rpt_facts(domain, opts).await)
        } else {
            None
        }
    };
    let mx = async {
        if opts.dane {
            Some(opts.resolver.mx_security(domain).await)
        } else {
            None
        }
    };
    let ((sts_section, sts), tls_rpt, mx_security) = tokio::join!(
        async {
            match sts.await {
                Some((s, p)) => (Some(s), p),
                None => (None, None),
            }
        },
        rpt,
        mx
    );
    DomainPolicy {
        section: PolicySection {
            mta_sts: sts_section,
            tls_rpt,
        },
        sts,
        mx_security,
    }
}

fn texts(records: &[Vec<u8>]) -> (Vec<String>, Vec<String>) {
    // Raw text for parsing (lossy: a record with invalid UTF-8 fails the grammar anyway),
    // escaped text for the report.
    let raw = records
        .iter()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect();
    let shown = records.iter().map(|r| escape_bytes(r)).collect();
    (raw, shown)
}

async fn mta_sts_facts(domain: &str, opts: &PolicyOptions) -> (MtaStsSection, Option<StsPolicy>) {
    let record_name = format!("_mta-sts.{domain}");
    let mut s = MtaStsSection {
        record_name: record_name.clone(),
        ..Default::default()
    };
    let records = match opts.resolver.txt(&record_name).await {
        Ok(r) => r,
        Err(e) => {
            s.lookup_error = Some(e);
            return (s, None);
        }
    };
    let (raw, shown) = texts(&records);
    s.txt_records = shown;
    if !raw.iter().any(|t| t.starts_with("v=STSv1")) {
        return (s, None);
    }
    match mta_sts::select_record(&raw) {
        Ok(rec) => s.id = Some(rec.id),
        Err(e) => {
            // RFC 8461 3.1: an invalid record means no policy; senders never fetch.
            s.record_error = Some(escape_bytes(e.as_bytes()));
            return (s, None);
        }
    }
    let host = format!("mta-sts.{domain}");
    s.url = Some(format!("https://{host}/.well-known/mta-sts.txt"));
    let addrs = match opts.resolver.addresses(&host, 443).await {
        Ok(a) if !a.is_empty() => a,
        Ok(_) => {
            s.fetch_error = Some(format!("{host} has no address"));
            return (s, None);
        }
        Err(e) => {
            s.fetch_error = Some(format!("cannot resolve {host}: {e}"));
            return (s, None);
        }
    };
    match fetch_policy(domain, &addrs, opts.fetch_tls.clone(), opts.timeout).await {
        Err(e) => {
            s.fetch_error = Some(e.to_string());
            (s, None)
        }
        Ok(fetched) => {
            s.address = Some(fetched.address.to_string());
            s.policy_text = Some(escape_bytes(fetched.body.as_bytes()));
            s.policy_lines = fetched
                .body
                .split_inclusive('\n')
                .map(|l| escape_bytes(l.trim_end_matches('\n').as_bytes()))
                .collect();
            match mta_sts::parse_policy(&fetched.body) {
                Ok(p) => {
                    s.mode = Some(p.mode.as_str().to_string());
                    s.max_age = Some(p.max_age);
                    s.mx_patterns = p.mx.iter().map(|m| escape_bytes(m.as_bytes())).collect();
                    s.notes = p.notes.iter().map(|n| escape_bytes(n.as_bytes())).collect();
                    (s, Some(p))
                }
                Err(e) => {
                    s.policy_error = Some(escape_bytes(e.as_bytes()));
                    (s, None)
                }
            }
        }
    }
}

async fn tls_rpt_facts(domain: &str, opts: &PolicyOptions) -> TlsRptSection {
    let record_name = format!("_smtp._tls.{domain}");
    let mut s = TlsRptSection {
        record_name: record_name.clone(),
        ..Default::default()
    };
    match opts.resolver.txt(&record_name).await {
        Err(e) => s.lookup_error = Some(e),
        Ok(records) => {
            let (raw, shown) = texts(&records);
            s.txt_records = shown;
            if raw.iter().any(|t| t.starts_with("v=TLSRPTv1")) {
                match tlsrpt::select_record(&raw) {
                    Ok(r) => s.rua = r.rua.iter().map(|u| escape_bytes(u.as_bytes())).collect(),
                    Err(e) => s.error = Some(escape_bytes(e.as_bytes())),
                }
            }
        }
    }
    s
}

/// `_<port>._tcp.<host>` (RFC 6698 3).
pub fn tlsa_name(host: &str, port: u16) -> String {
    format!("_{port}._tcp.{}", host.trim_end_matches('.'))
}

/// The DANE section of one MX: its TLSA RRset, matched against each address's chain
/// (`None`: no certificate was presented there).
pub fn dane_section(
    host: &str,
    port: u16,
    mx_rrset: Security,
    tlsa: &Validated<hickory_resolver::proto::rr::rdata::TLSA>,
    chains: &[(String, Option<Vec<CertificateDer<'static>>>)],
    trust_anchor: &str,
) -> DaneSection {
    let records: Vec<Tlsa> = tlsa.records.iter().map(Tlsa::from_hickory).collect();
    let host = host.trim_end_matches('.');
    // Matching only means something for a secure RRset of a secure MX (RFC 7672 2.2).
    let applies =
        tlsa.security == Security::Secure && mx_rrset == Security::Secure && !records.is_empty();
    let addresses = chains
        .iter()
        .map(|(address, chain)| {
            let mut a = DaneAddress {
                address: address.clone(),
                result: "not-checked",
                matched_record: None,
                depth: None,
                name: None,
                notes: Vec::new(),
            };
            if !applies {
                return a;
            }
            let Some(chain) = chain else {
                a.result = "no-certificate";
                return a;
            };
            let m = match_chain(&records, chain, &[host]);
            a.notes = m.unusable.iter().chain(&m.failures).cloned().collect();
            match m.matched {
                Some(r) => {
                    a.result = "match";
                    a.matched_record = Some(r.record);
                    a.depth = Some(r.depth);
                    a.name = r.name;
                }
                None if m.usable == 0 => a.result = "unusable",
                None => a.result = "mismatch",
            }
            a
        })
        .collect();
    DaneSection {
        tlsa_name: tlsa_name(host, port),
        mx_rrset: mx_rrset.as_str().to_string(),
        tlsa_rrset: tlsa.security.as_str().to_string(),
        absent: tlsa.absent,
        records: records.iter().map(Tlsa::text).collect(),
        error: tlsa.error.clone(),
        no_dnssec: tlsa.no_dnssec,
        trust_anchor: trust_anchor.to_string(),
        addresses,
    }
}
