//! TLS-RPT (RFC 8460 3): the `_smtp._tls` TXT record. No I/O.

use serde::Serialize;

/// A valid `v=TLSRPTv1` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsRptRecord {
    /// Where reports go: `mailto:` and `https:` URIs, in order.
    pub rua: Vec<String>,
}

/// RFC 8460 3: records not beginning with `v=TLSRPTv1` are ignored; exactly one must remain.
pub fn select_record(txts: &[String]) -> Result<TlsRptRecord, String> {
    let candidates: Vec<&String> = txts
        .iter()
        .filter(|t| t.starts_with("v=TLSRPTv1"))
        .collect();
    match candidates.as_slice() {
        [] => Err("no TXT record starts with v=TLSRPTv1".into()),
        [one] => parse_record(one),
        many => Err(format!(
            "{} TXT records start with v=TLSRPTv1; RFC 8460 3 requires exactly one",
            many.len()
        )),
    }
}

/// `v=TLSRPTv1; rua=mailto:tls@example.com,https://r.example.com/v1`.
pub fn parse_record(text: &str) -> Result<TlsRptRecord, String> {
    let fields: Vec<&str> = text
        .split(';')
        .map(|f| f.trim_matches([' ', '\t']))
        .collect();
    if fields.first().copied() != Some("v=TLSRPTv1") {
        return Err("the record must begin with v=TLSRPTv1".into());
    }
    let mut rua = None;
    for (i, field) in fields.iter().enumerate().skip(1) {
        if field.is_empty() {
            if i + 1 == fields.len() {
                continue;
            }
            return Err("an empty field (\";;\")".into());
        }
        let (k, v) = field
            .split_once('=')
            .ok_or_else(|| format!("field {field:?} has no '='"))?;
        let (k, v) = (k.trim(), v.trim());
        if k == "rua" {
            if rua.is_some() {
                return Err("more than one rua field".into());
            }
            let uris: Vec<String> = v.split(',').map(|u| u.trim().to_string()).collect();
            for u in &uris {
                let ok = match u.split_once(':') {
                    Some(("mailto", addr)) => {
                        addr.contains('@') && !addr.starts_with('@') && !addr.ends_with('@')
                    }
                    Some(("https", rest)) => rest.starts_with("//") && rest.len() > 2,
                    _ => false,
                };
                if !ok {
                    return Err(format!(
                        "rua {u:?} is neither mailto:ADDRESS nor https://URL"
                    ));
                }
            }
            rua = Some(uris);
        } else if k.is_empty()
            || !k
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        {
            return Err(format!("field {field:?} is not a valid extension"));
        }
    }
    let rua = rua.ok_or("the record has no rua field")?;
    Ok(TlsRptRecord { rua })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tlsrpt_syntax() {
        let r = parse_record("v=TLSRPTv1; rua=mailto:a@b.c,https://r.example/x").unwrap();
        assert_eq!(r.rua.len(), 2);
        assert!(parse_record("v=TLSRPTv1;").is_err());
        assert!(parse_record("v=TLSRPTv1; rua=http://x").is_err());
        assert!(parse_record("v=TLSRPTv1; rua=mailto:nobody").is_err());
        assert!(select_record(&[
            "v=TLSRPTv1; rua=mailto:a@b".into(),
            "v=TLSRPTv1; rua=mailto:c@d".into()
        ])
        .is_err());
    }
}
