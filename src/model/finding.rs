use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! finding_ids {
    ($($variant:ident => $id:literal,)*) => {
        /// Stable finding identifiers. The kebab-case strings are part of the JSON schema: never
        /// rename one, only add.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum FindingId {
            $(#[serde(rename = $id)] $variant,)*
        }

        impl FindingId {
            pub const ALL: &'static [FindingId] = &[$(FindingId::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(FindingId::$variant => $id,)*
                }
            }
        }
    };
}

finding_ids! {
    // The EHLO grammar (offline and live).
    StarttlsInGreeting => "starttls-in-greeting",
    StarttlsNotOffered => "starttls-not-offered",
    StarttlsMasked => "starttls-masked",
    StarttlsCase => "starttls-case",
    StarttlsTrailing => "starttls-trailing",
    InvalidEhloKeyword => "invalid-ehlo-keyword",
    DuplicateEhloKeyword => "duplicate-ehlo-keyword",
    BareLf => "bare-lf",
    MixedReplyCodes => "mixed-reply-codes",
    LineTooLong => "line-too-long",
    MalformedReply => "malformed-reply",
    BadSeparator => "bad-separator",
    NonUtf8 => "non-utf8",
    ControlCharacters => "control-characters",
    StarttlsMissedByClients => "starttls-missed-by-clients",
    // The live session.
    ConnectFailed => "connect-failed",
    Timeout => "timeout",
    ConnectionClosed => "connection-closed",
    BannerRefused => "banner-refused",
    EhloRejected => "ehlo-rejected",
    StarttlsRejected => "starttls-rejected",
    StarttlsForced => "starttls-forced",
    StarttlsResponseInjection => "starttls-response-injection",
    TlsHandshakeFailed => "tls-handshake-failed",
    TlsSkipped => "tls-skipped",
    TlsVersion => "tls-version",
    CertUntrusted => "cert-untrusted",
    CertNameMismatch => "cert-name-mismatch",
    CertExpired => "cert-expired",
    CertNotYetValid => "cert-not-yet-valid",
    CertExpiresSoon => "cert-expires-soon",
    CertIncompleteChain => "cert-incomplete-chain",
    CertNoSan => "cert-no-san",
    CertInvalid => "cert-invalid",
    CertVerificationDisabled => "cert-verification-disabled",
    StarttlsAfterTls => "starttls-after-tls",
    CapabilitiesChanged => "capabilities-changed",
    ReplyTooLong => "reply-too-long",
    SessionTooLarge => "session-too-large",
    UnexpectedReply => "unexpected-reply",
    StarttlsEnforced => "starttls-enforced",
    StarttlsNotEnforced => "starttls-not-enforced",
    StarttlsCommandInjection => "starttls-command-injection",
    StarttlsInjectionNotVulnerable => "starttls-injection-not-vulnerable",
    StarttlsInjectionInconclusive => "starttls-injection-inconclusive",
    StarttlsIntermittent => "starttls-intermittent",
    SamplesConsistent => "samples-consistent",
    AuthBeforeTls => "auth-before-tls",
    NotSmtp => "not-smtp",
    // Domains.
    NullMx => "null-mx",
    ImplicitMx => "implicit-mx",
    TooManyMx => "too-many-mx",
    DnsNxdomain => "dns-nxdomain",
    DnsNoRecords => "dns-no-records",
    DnsServfail => "dns-servfail",
    DnsTimeout => "dns-timeout",
    DnsError => "dns-error",
    InvalidTarget => "invalid-target",
    // Will senders insist on TLS: MTA-STS, TLS-RPT, DANE (src/policy/, diagnose/policy.rs).
    MtaStsAbsent => "mta-sts-absent",
    MtaStsEnforce => "mta-sts-enforce",
    MtaStsTesting => "mta-sts-testing",
    MtaStsNone => "mta-sts-none",
    MtaStsRecordInvalid => "mta-sts-record-invalid",
    MtaStsPolicyUnavailable => "mta-sts-policy-unavailable",
    MtaStsPolicyInvalid => "mta-sts-policy-invalid",
    MtaStsMxMismatch => "mta-sts-mx-mismatch",
    MtaStsCertInvalid => "mta-sts-cert-invalid",
    MtaStsLookupFailed => "mta-sts-lookup-failed",
    TlsRptPresent => "tls-rpt-present",
    TlsRptAbsent => "tls-rpt-absent",
    TlsRptInvalid => "tls-rpt-invalid",
    DaneAbsent => "dane-absent",
    DaneInsecure => "dane-insecure",
    DaneBogus => "dane-bogus",
    DaneValid => "dane-valid",
    DaneMismatch => "dane-mismatch",
    DaneUnusable => "dane-unusable",
    DaneIndeterminate => "dane-indeterminate",
    // Pasted input (`parse`).
    PasteIncomplete => "paste-incomplete",
    PasteTooLarge => "paste-too-large",
}

/// One thing the probe noticed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub id: FindingId,
    pub severity: Severity,
    /// A sentence a person can act on.
    pub message: String,
    /// The server's bytes or values that show it, terminal-safe.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub evidence: Option<String>,
    /// What to change on the server, where there is a clear answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hint: Option<String>,
}

impl Finding {
    pub fn new(id: FindingId, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            id,
            severity,
            message: message.into(),
            evidence: None,
            hint: None,
        }
    }

    pub fn info(id: FindingId, message: impl Into<String>) -> Self {
        Self::new(id, Severity::Info, message)
    }

    pub fn warning(id: FindingId, message: impl Into<String>) -> Self {
        Self::new(id, Severity::Warning, message)
    }

    pub fn error(id: FindingId, message: impl Into<String>) -> Self {
        Self::new(id, Severity::Error, message)
    }

    pub fn with_evidence(mut self, evidence: impl Into<String>) -> Self {
        self.evidence = Some(evidence.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}
