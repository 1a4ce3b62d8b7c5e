//! `--output prometheus`, `--prometheus-file` and `serve`: the Prometheus text exposition
//! format (version 0.0.4). The blackbox_exporter names a user already graphs and alerts on
//! (`probe_success`, `probe_duration_seconds`, `probe_ssl_earliest_cert_expiry`,
//! `probe_tls_version_info`, `probe_ssl_last_chain_info`), then this tool's own
//! `smtp_tls_check_*`. Every family is written whole (HELP, TYPE, all its samples), as the
//! format requires.

use std::fmt::Write;

use crate::model::{ClientFacts, ProbeFacts, TargetFacts, STARTTLS_PLACEMENTS, VERDICTS};

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

/// One family whole: its HELP and TYPE lines, then every sample under that one name.
fn gauge<V: std::fmt::Display>(
    out: &mut String,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (Labels, V)>,
) {
    family(out, name, help);
    for (labels, value) in samples {
        sample(out, name, &labels, value);
    }
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
    // Every probe with its target, in order.
    let probes = || {
        targets
            .iter()
            .flat_map(|t| t.probes.iter().map(move |p| (t, p)))
    };
    // One sample per known client of every probe.
    let per_client = |value: fn(&ClientFacts) -> bool| {
        probes().flat_map(move |(t, p)| {
            p.clients.iter().map(move |c| {
                let labels = with(probe_labels(t, p), &[("client", c.client)]);
                (labels, b(value(c)))
            })
        })
    };
    let mut out = String::new();

    gauge(
        &mut out,
        "probe_success",
        "Displays whether or not the probe was a success",
        targets.iter().map(|t| (base(t), b(t.success))),
    );
    gauge(
        &mut out,
        "probe_duration_seconds",
        "Returns how long the probe took to complete in seconds",
        targets
            .iter()
            .filter_map(|t| Some((base(t), t.duration_seconds?))),
    );
    gauge(
        &mut out,
        "probe_ssl_earliest_cert_expiry",
        "Returns earliest SSL cert expiry in unixtime",
        targets
            .iter()
            .filter_map(|t| Some((base(t), t.earliest_cert_expiry?))),
    );
    gauge(
        &mut out,
        "probe_tls_version_info",
        "Contains the TLS version used",
        probes().filter_map(|(t, p)| {
            let v = p.tls_version.as_deref()?;
            Some((with(probe_labels(t, p), &[("version", v)]), 1))
        }),
    );
    gauge(
        &mut out,
        "probe_ssl_last_chain_info",
        "Contains SSL leaf certificate information",
        probes().filter_map(|(t, p)| {
            let c = p.leaf.as_ref()?;
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
            Some((labels, 1))
        }),
    );

    gauge(
        &mut out,
        "smtp_tls_check_verdict",
        "The target's verdict: 1 for the one it got",
        targets.iter().flat_map(|t| {
            VERDICTS.iter().map(move |v| {
                let labels = with(base(t), &[("verdict", v.as_str())]);
                (labels, b(*v == t.verdict))
            })
        }),
    );
    gauge(
        &mut out,
        "smtp_tls_check_probe_success",
        "Whether each address probed succeeded",
        probes().map(|(t, p)| (probe_labels(t, p), b(p.success))),
    );
    gauge(
        &mut out,
        "smtp_tls_check_starttls_placement",
        "Where the EHLO reply offers STARTTLS (RFC 5321 4.1.1.1: line 1 is the greeting): 1 for the placement seen",
        probes().flat_map(|(t, p)| {
            // A probe with no placement known gets no samples.
            p.starttls_placement.into_iter().flat_map(move |seen| {
                STARTTLS_PLACEMENTS.iter().map(move |placement| {
                    let labels = with(probe_labels(t, p), &[("placement", placement)]);
                    (labels, b(*placement == seen))
                })
            })
        }),
    );
    gauge(
        &mut out,
        "smtp_tls_check_client_sees_starttls",
        "Whether each known SMTP client sees the STARTTLS offer",
        per_client(|c| c.sees_starttls),
    );
    gauge(
        &mut out,
        "smtp_tls_check_client_will_upgrade",
        "Whether each known SMTP client upgrades to TLS",
        per_client(|c| c.will_upgrade),
    );
    gauge(
        &mut out,
        "smtp_tls_check_cert_verified",
        "Whether the certificate chain and name verified",
        probes().filter_map(|(t, p)| Some((probe_labels(t, p), b(p.cert_verified?)))),
    );
    gauge(
        &mut out,
        "smtp_tls_check_handshake_duration_seconds",
        "How long the TLS handshake took",
        probes().filter_map(|(t, p)| Some((probe_labels(t, p), p.handshake_seconds?))),
    );
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
