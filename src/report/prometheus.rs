//! `--output prometheus`, `--prometheus-file` and `serve`: the Prometheus text exposition
//! format (version 0.0.4). The blackbox_exporter names a user already graphs and alerts on
//! (`probe_success`, `probe_duration_seconds`, `probe_ssl_earliest_cert_expiry`,
//! `probe_tls_version_info`, `probe_ssl_last_chain_info`), then this tool's own
//! `smtp_tls_check_*`. Every family is written whole (HELP, TYPE, all its samples), as the
//! format requires.

use std::fmt::Write;

use crate::model::{ProbeFacts, TargetFacts, STARTTLS_PLACEMENTS, VERDICTS};

type Labels = Vec<(&'static str, String)>;

/// Label values: backslash, double quote and line feed escaped.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn sample(out: &mut String, name: &str, labels: &Labels, value: impl std::fmt::Display) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"{}\"", escape_label(v));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

fn with(mut base: Labels, extra: &[(&'static str, &str)]) -> Labels {
    base.extend(extra.iter().map(|(k, v)| (*k, (*v).to_string())));
    base
}

fn b(v: bool) -> u8 {
    u8::from(v)
}

/// The targets' metrics. `target_label` adds `target="INPUT"` to every series (a batch, a
/// textfile); `serve` leaves it out, as Prometheus adds `instance` from its relabelling.
pub fn render_prometheus(targets: &[TargetFacts], target_label: bool) -> String {
    let base = |t: &TargetFacts| -> Labels {
        if target_label {
            vec![("target", t.input.clone())]
        } else {
            Vec::new()
        }
    };
    let probe_labels = |t: &TargetFacts, p: &ProbeFacts| -> Labels {
        let mut l = base(t);
        if let Some(mx) = &p.mx {
            l.push(("mx", mx.clone()));
        }
        l.push(("address", p.address.clone()));
        l
    };
    let mut out = String::new();

    family(
        &mut out,
        "probe_success",
        "Displays whether or not the probe was a success",
    );
    for t in targets {
        sample(&mut out, "probe_success", &base(t), b(t.success));
    }
    family(
        &mut out,
        "probe_duration_seconds",
        "Returns how long the probe took to complete in seconds",
    );
    for t in targets {
        if let Some(v) = t.duration_seconds {
            sample(&mut out, "probe_duration_seconds", &base(t), v);
        }
    }
    family(
        &mut out,
        "probe_ssl_earliest_cert_expiry",
        "Returns earliest SSL cert expiry in unixtime",
    );
    for t in targets {
        if let Some(v) = t.earliest_cert_expiry {
            sample(&mut out, "probe_ssl_earliest_cert_expiry", &base(t), v);
        }
    }
    family(
        &mut out,
        "probe_tls_version_info",
        "Contains the TLS version used",
    );
    for t in targets {
        for p in &t.probes {
            if let Some(v) = &p.tls_version {
                sample(
                    &mut out,
                    "probe_tls_version_info",
                    &with(probe_labels(t, p), &[("version", v)]),
                    1,
                );
            }
        }
    }
    family(
        &mut out,
        "probe_ssl_last_chain_info",
        "Contains SSL leaf certificate information",
    );
    for t in targets {
        for p in &t.probes {
            if let Some(c) = &p.leaf {
                let labels = with(
                    probe_labels(t, p),
                    &[
                        ("fingerprint_sha256", &c.fingerprint_sha256),
                        ("issuer", &c.issuer),
                        ("serialnumber", &c.serial),
                        ("subject", &c.subject),
                        ("subjectalternative", &c.sans),
                    ],
                );
                sample(&mut out, "probe_ssl_last_chain_info", &labels, 1);
            }
        }
    }

    family(
        &mut out,
        "smtp_tls_check_verdict",
        "The target's verdict: 1 for the one it got",
    );
    for t in targets {
        for v in VERDICTS {
            let labels = with(base(t), &[("verdict", v.as_str())]);
            sample(
                &mut out,
                "smtp_tls_check_verdict",
                &labels,
                b(*v == t.verdict),
            );
        }
    }
    family(
        &mut out,
        "smtp_tls_check_probe_success",
        "Whether each address probed succeeded",
    );
    for t in targets {
        for p in &t.probes {
            sample(
                &mut out,
                "smtp_tls_check_probe_success",
                &probe_labels(t, p),
                b(p.success),
            );
        }
    }
    family(
        &mut out,
        "smtp_tls_check_starttls_placement",
        "Where the EHLO reply offers STARTTLS (RFC 5321 4.1.1.1: line 1 is the greeting): 1 for the placement seen",
    );
    for t in targets {
        for p in &t.probes {
            let Some(seen) = p.starttls_placement else {
                continue;
            };
            for placement in STARTTLS_PLACEMENTS {
                let labels = with(probe_labels(t, p), &[("placement", placement)]);
                sample(
                    &mut out,
                    "smtp_tls_check_starttls_placement",
                    &labels,
                    b(*placement == seen),
                );
            }
        }
    }
    family(
        &mut out,
        "smtp_tls_check_client_sees_starttls",
        "Whether each known SMTP client sees the STARTTLS offer",
    );
    for t in targets {
        for p in &t.probes {
            for c in &p.clients {
                let labels = with(probe_labels(t, p), &[("client", c.client)]);
                sample(
                    &mut out,
                    "smtp_tls_check_client_sees_starttls",
                    &labels,
                    b(c.sees_starttls),
                );
            }
        }
    }
    family(
        &mut out,
        "smtp_tls_check_client_will_upgrade",
        "Whether each known SMTP client upgrades to TLS",
    );
    for t in targets {
        for p in &t.probes {
            for c in &p.clients {
                let labels = with(probe_labels(t, p), &[("client", c.client)]);
                sample(
                    &mut out,
                    "smtp_tls_check_client_will_upgrade",
                    &labels,
                    b(c.will_upgrade),
                );
            }
        }
    }
    family(
        &mut out,
        "smtp_tls_check_cert_verified",
        "Whether the certificate chain and name verified",
    );
    for t in targets {
        for p in &t.probes {
            if let Some(v) = p.cert_verified {
                sample(
                    &mut out,
                    "smtp_tls_check_cert_verified",
                    &probe_labels(t, p),
                    b(v),
                );
            }
        }
    }
    family(
        &mut out,
        "smtp_tls_check_handshake_duration_seconds",
        "How long the TLS handshake took",
    );
    for t in targets {
        for p in &t.probes {
            if let Some(v) = p.handshake_seconds {
                sample(
                    &mut out,
                    "smtp_tls_check_handshake_duration_seconds",
                    &probe_labels(t, p),
                    v,
                );
            }
        }
    }
    family(
        &mut out,
        "smtp_tls_check_findings",
        "Findings by id and severity",
    );
    for t in targets {
        for f in &t.findings {
            let labels = with(
                base(t),
                &[("id", f.id.as_str()), ("severity", f.severity.as_str())],
            );
            sample(&mut out, "smtp_tls_check_findings", &labels, 1);
        }
        for p in &t.probes {
            let mut counted: Vec<(&str, &str, u32)> = Vec::new();
            for f in &p.findings {
                let key = (f.id.as_str(), f.severity.as_str());
                match counted.iter_mut().find(|(i, s, _)| (*i, *s) == key) {
                    Some(c) => c.2 += 1,
                    None => counted.push((key.0, key.1, 1)),
                }
            }
            for (id, severity, n) in counted {
                let labels = with(probe_labels(t, p), &[("id", id), ("severity", severity)]);
                sample(&mut out, "smtp_tls_check_findings", &labels, n);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_label;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
