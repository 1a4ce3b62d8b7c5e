//! What the policy checks found (MTA-STS, TLS-RPT, DANE), as data. Every string that came
//! from the network is stored terminal-safe (escaped).

use serde::Serialize;

use super::Finding;

/// The domain's `policy` section.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PolicySection {
    /// `None` with `--no-mta-sts`.
    pub mta_sts: Option<MtaStsSection>,
    pub tls_rpt: Option<TlsRptSection>,
}

/// RFC 8461: the record, the fetch, the policy.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MtaStsSection {
    /// `_mta-sts.<domain>`.
    pub record_name: String,
    /// Every TXT record there, escaped.
    pub txt_records: Vec<String>,
    /// The TXT lookup failed (not "no record": that is an empty list).
    pub lookup_error: Option<String>,
    /// Why the STS record is invalid.
    pub record_error: Option<String>,
    /// The record's `id`.
    pub id: Option<String>,
    /// The policy URL, when it was fetched.
    pub url: Option<String>,
    /// The address the policy came from.
    pub address: Option<String>,
    pub fetch_error: Option<String>,
    /// The policy file as served, escaped.
    pub policy_text: Option<String>,
    /// The same, one escaped line per LF-terminated line (for the human report).
    pub policy_lines: Vec<String>,
    pub policy_error: Option<String>,
    /// `enforce`, `testing` or `none`, from a policy that parsed.
    pub mode: Option<String>,
    pub max_age: Option<u64>,
    pub mx_patterns: Vec<String>,
    /// What a strict reader noticed in a valid policy.
    pub notes: Vec<String>,
}

/// RFC 8460: the `_smtp._tls` record.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsRptSection {
    pub record_name: String,
    pub txt_records: Vec<String>,
    pub lookup_error: Option<String>,
    pub error: Option<String>,
    /// Report destinations of a valid record.
    pub rua: Vec<String>,
}

/// One MX under the domain's MTA-STS policy.
#[derive(Debug, Clone, Serialize)]
pub struct MxStsCheck {
    /// The policy pattern that matched the MX name, if any.
    pub matched_pattern: Option<String>,
    /// Every address completed STARTTLS with a certificate valid for the MX name (what a
    /// policy-following sender checks, RFC 8461 4.2).
    pub certificate_valid: bool,
    /// What a sender following the policy does with mail for this MX.
    pub outcome: String,
}

/// The DANE section of one MX (RFC 7672).
#[derive(Debug, Clone, Serialize)]
pub struct DaneSection {
    /// `_<port>._tcp.<mx>`.
    pub tlsa_name: String,
    /// The security of the domain's MX RRset: DANE needs it secure (RFC 7672 2.2.1).
    pub mx_rrset: String,
    /// secure, insecure, bogus or indeterminate.
    pub tlsa_rrset: String,
    /// The TLSA RRset does not exist (with `tlsa_rrset` secure: an authenticated denial).
    pub absent: bool,
    /// Each TLSA record, `usage selector matching data`.
    pub records: Vec<String>,
    pub error: Option<String>,
    /// The resolver serves no DNSSEC data, so nothing could be validated.
    pub no_dnssec: bool,
    /// Where DNSSEC trust comes from.
    pub trust_anchor: String,
    /// Per address probed: what the presented chain matched.
    pub addresses: Vec<DaneAddress>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DaneAddress {
    pub address: String,
    /// `match`, `mismatch`, `no-certificate` (no handshake) or `not-checked`.
    pub result: &'static str,
    /// The record that matched, presentation form.
    pub matched_record: Option<String>,
    /// Chain depth of the matching certificate (0: the leaf).
    pub depth: Option<usize>,
    /// The name a DANE-TA leaf was checked against.
    pub name: Option<String>,
    /// Why records failed, or were unusable.
    pub notes: Vec<String>,
}

/// Everything the policy checks add to one MX.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MxPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dane: Option<DaneSection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mta_sts: Option<MxStsCheck>,
    /// "DANE-validating senders: ...; MTA-STS senders: ...; opportunistic senders: ..."
    #[serde(skip_serializing_if = "Option::is_none")]
    pub senders: Option<String>,
    /// Findings about this MX's DANE and MTA-STS standing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}
