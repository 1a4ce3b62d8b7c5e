//! The TLS half of a session's report: the certificate chain and its verification, the
//! handshake (and what came instead of TLS when it failed), the negotiated version.

use super::session::{terminal_safe, DiagnoseContext};
use crate::model::{Finding, FindingId, Severity, TlsSection};
use crate::tls::{describe_verify_error, inspect_chain, HandshakeCause, VerifyProblem};

/// `instead`: what the server sent where a ServerHello belonged, and whether it came right
/// after the 220 to STARTTLS.
pub(super) fn tls_findings(
    tls: &crate::session::TlsRecord,
    ctx: &DiagnoseContext,
    instead: Option<(&[u8], bool)>,
    findings: &mut Vec<Finding>,
) -> TlsSection {
    let cert_severity = if ctx.verify_enabled {
        Severity::Error
    } else {
        Severity::Warning
    };
    let certificates = tls
        .verify
        .as_ref()
        .map(|v| inspect_chain(&v.chain, ctx.now))
        .unwrap_or_default();
    let mut verified = false;
    let mut verify_error = None;
    if let Some(outcome) = &tls.verify {
        match &outcome.result {
            Ok(()) => verified = true,
            Err(err) => {
                let failure =
                    describe_verify_error(err, certificates.first(), &ctx.tls_name, ctx.now);
                let id = match failure.problem {
                    VerifyProblem::Untrusted => FindingId::CertUntrusted,
                    VerifyProblem::NameMismatch => FindingId::CertNameMismatch,
                    VerifyProblem::Expired => FindingId::CertExpired,
                    VerifyProblem::NotYetValid => FindingId::CertNotYetValid,
                    _ => FindingId::CertInvalid,
                };
                findings.push(
                    Finding::new(id, cert_severity, failure.sentence.clone())
                        .with_evidence(failure.detail.clone()),
                );
                // A lone leaf from an unknown issuer is either signed directly by a root the
                // probe does not trust (a private CA) or missing its intermediate. Only a leaf
                // that names its issuer's certificate (AIA caIssuers, as public CAs' leaves
                // do) says an intermediate exists; otherwise the report says it cannot tell.
                let lone_leaf = failure.problem == VerifyProblem::Untrusted
                    && certificates.len() == 1
                    && certificates.first().is_some_and(|c| !c.self_signed);
                let aia = certificates
                    .first()
                    .and_then(|c| c.ca_issuers.first())
                    .filter(|_| lone_leaf);
                if let Some(url) = aia {
                    findings.push(
                        Finding::new(
                            FindingId::CertIncompleteChain,
                            Severity::Warning,
                            "the server sent only its own certificate, without the intermediate CA certificate its issuer field and AIA name: clients that do not fetch intermediates cannot verify it",
                        )
                        .with_evidence(format!("issuer certificate at {url}"))
                        .with_hint("configure the server with the full chain (leaf, then intermediates)"),
                    );
                } else if lone_leaf {
                    if let Some(f) = findings.last_mut() {
                        f.hint = Some(format!(
                            "the server sent its leaf alone, and its issuer ({}) is not a trusted root: if that is your private CA, pass it with --ca-file; if it is an intermediate, the server must send it (the certificate has no AIA URL to tell which)",
                            certificates.first().map_or("unknown", |c| c.issuer.as_str())
                        ));
                    }
                }
                let mut failure = failure;
                terminal_safe(&mut failure.sentence);
                terminal_safe(&mut failure.detail);
                verify_error = Some(failure);
            }
        }
    }
    if !ctx.verify_enabled {
        findings.push(Finding::info(
            FindingId::CertVerificationDisabled,
            "--insecure: the certificate was verified as always, but problems count as warnings, not failures",
        ));
    }
    if let Some(leaf) = certificates.first() {
        if leaf.parse_error.is_none() && leaf.sans.is_empty() {
            findings.push(Finding::warning(
                FindingId::CertNoSan,
                "the certificate has no subjectAltName: modern clients ignore the common name and will reject it",
            ));
        }
        if leaf.parse_error.is_none() && leaf.days_left >= 0 && leaf.days_left < ctx.warn_days {
            findings.push(Finding::warning(
                FindingId::CertExpiresSoon,
                format!(
                    "the certificate expires in {} days (not after {})",
                    leaf.days_left, leaf.not_after
                ),
            ));
        }
    }
    let mut not_tls = None;
    let handshake_error = tls.handshake_error.clone().map(|mut failure| {
        if failure.cause == HandshakeCause::Version {
            failure.sentence = version_sentence(&tls.offered);
        }
        if let Some((bytes, after_220)) = instead {
            if matches!(
                failure.cause,
                HandshakeCause::NotTls | HandshakeCause::Closed | HandshakeCause::Other
            ) {
                not_tls = Some(super::foreign::not_tls(
                    &mut failure,
                    bytes,
                    tls.implicit,
                    after_220,
                ));
            }
        }
        terminal_safe(&mut failure.sentence);
        terminal_safe(&mut failure.detail);
        failure
    });
    if let Some(failure) = &handshake_error {
        let mut f = Finding::error(
            FindingId::TlsHandshakeFailed,
            format!("the TLS handshake failed: {}", failure.sentence),
        );
        f = match not_tls {
            Some((evidence, hint)) => {
                let f = f.with_evidence(evidence);
                match hint {
                    Some(h) => f.with_hint(h),
                    None => f,
                }
            }
            None => f.with_evidence(failure.detail.clone()),
        };
        findings.push(f);
    }
    let offered_13 = tls.offered.iter().any(|v| v == "TLSv1.3");
    if let Some(session) = &tls.session {
        if session.version == "TLSv1.2" && offered_13 {
            findings.push(Finding::info(
                FindingId::TlsVersion,
                "the server negotiated TLS 1.2 although TLS 1.3 was offered: it does not support TLS 1.3",
            ));
        }
    }
    let mut certificates = certificates;
    for c in &mut certificates {
        terminal_safe(&mut c.subject);
        terminal_safe(&mut c.issuer);
        c.sans.iter_mut().for_each(terminal_safe);
    }
    TlsSection {
        mode: if tls.implicit { "implicit" } else { "starttls" },
        // A TLS 1.3 server that rejects the client after its Finished leaves a negotiated
        // session and a handshake error: the connection was not usable.
        established: tls.session.is_some() && handshake_error.is_none(),
        version: tls.session.as_ref().map(|s| s.version.clone()),
        cipher: tls.session.as_ref().map(|s| s.cipher.clone()),
        group: tls.session.as_ref().and_then(|s| s.group.clone()),
        certificates,
        verified,
        verification_enabled: ctx.verify_enabled,
        trust_anchors: ctx.trust_anchors.clone(),
        verify_error,
        handshake_error,
    }
}

/// "The server does not support TLS 1.3" when the probe offered one version only; the plain
/// fact otherwise.
fn version_sentence(offered: &[String]) -> String {
    let name = |v: &str| v.replace("TLSv", "TLS ");
    match offered {
        [only] => format!(
            "the server does not support {}, the only version offered (--tls-version); it may support another",
            name(only)
        ),
        [] => "the server refused the TLS version offered".to_string(),
        several => format!(
            "the server supports none of the TLS versions offered ({}): it may speak only TLS 1.1 or older",
            several.iter().map(|v| name(v)).collect::<Vec<_>>().join(", ")
        ),
    }
}
