//! MTA-STS (RFC 8461): the `_mta-sts` TXT record (3.1), the policy file (3.2) and MX pattern
//! matching (4.1), parsed strictly. No I/O.

use serde::Serialize;

/// The longest `max_age` RFC 8461 3.2 allows: 31557600 seconds (about a year).
pub const MAX_AGE_LIMIT: u64 = 31_557_600;

/// A valid `v=STSv1` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StsRecord {
    pub id: String,
    /// Extension fields, as sent (RFC 8461 3.1 allows them; senders ignore them).
    pub extensions: Vec<(String, String)>,
}

/// Picks the STS record out of the TXT RRset, RFC 8461 3.1: records that do not begin with
/// `v=STSv1;` are ignored; exactly one must remain, and it must parse.
pub fn select_record(txts: &[String]) -> Result<StsRecord, String> {
    let candidates: Vec<&String> = txts.iter().filter(|t| t.starts_with("v=STSv1")).collect();
    match candidates.as_slice() {
        [] => Err("no TXT record starts with v=STSv1".into()),
        [one] => parse_record(one),
        many => Err(format!(
            "{} TXT records start with v=STSv1; RFC 8461 3.1 requires exactly one, so senders \
             treat the domain as having no policy",
            many.len()
        )),
    }
}

/// `v=STSv1; id=20160831085700Z;` (RFC 8461 3.1 ABNF: fields split by `*WSP ";" *WSP`).
pub fn parse_record(text: &str) -> Result<StsRecord, String> {
    let mut fields = text.split(';').map(|f| f.trim_matches([' ', '\t']));
    let version = fields.next().unwrap_or("");
    let (k, v) = split_kv(version, '=').ok_or("the record does not begin with v=STSv1")?;
    if k != "v" || v != "STSv1" {
        return Err(format!(
            "the record must begin with v=STSv1, not {version:?}"
        ));
    }
    let mut id = None;
    let mut extensions = Vec::new();
    let rest: Vec<&str> = fields.collect();
    for (i, field) in rest.iter().enumerate() {
        if field.is_empty() {
            // Only a trailing delimiter may be empty.
            if i + 1 == rest.len() {
                continue;
            }
            return Err("an empty field (\";;\")".into());
        }
        let (k, v) = split_kv(field, '=').ok_or_else(|| format!("field {field:?} has no '='"))?;
        if k == "id" {
            if id.is_some() {
                return Err("more than one id field".into());
            }
            if v.is_empty() || v.len() > 32 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(format!("id {v:?} must be 1 to 32 letters and digits"));
            }
            id = Some(v.to_string());
        } else {
            let name_ok = !k.is_empty()
                && k.len() <= 32
                && k.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
            let value_ok = !v.is_empty()
                && v.bytes()
                    .all(|b| (0x21..=0x7e).contains(&b) && b != b';' && b != b'=');
            if !name_ok || !value_ok {
                return Err(format!(
                    "field {field:?} is neither id nor a valid extension"
                ));
            }
            extensions.push((k.to_string(), v.to_string()));
        }
    }
    let id = id.ok_or("the record has no id field")?;
    Ok(StsRecord { id, extensions })
}

fn split_kv(field: &str, sep: char) -> Option<(&str, &str)> {
    let (k, v) = field.split_once(sep)?;
    Some((k.trim_matches([' ', '\t']), v.trim_matches([' ', '\t'])))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StsMode {
    Enforce,
    Testing,
    None,
}

impl StsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            StsMode::Enforce => "enforce",
            StsMode::Testing => "testing",
            StsMode::None => "none",
        }
    }
}

/// A policy that parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StsPolicy {
    pub mode: StsMode,
    pub max_age: u64,
    /// Patterns in the policy's order, lower-cased, without a trailing dot.
    pub mx: Vec<String>,
    /// Things a strict reader notices but senders accept (duplicate keys, unknown keys).
    pub notes: Vec<String>,
}

/// RFC 8461 3.2: `key: value` lines ending in CRLF or LF; `version`, `mode`, `max_age`
/// required; `mx` required unless the mode is `none`; unknown keys ignored.
pub fn parse_policy(text: &str) -> Result<StsPolicy, String> {
    let mut version = None;
    let mut mode = None;
    let mut max_age = None;
    let mut mx = Vec::new();
    let mut notes = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| format!("line {} is not \"key: value\"", n + 1))?;
        let (k, v) = (k.trim_matches([' ', '\t']), v.trim_matches([' ', '\t']));
        match k {
            "version" => {
                if first(version.is_none(), k, &mut notes) {
                    version = Some(v.to_string());
                }
            }
            "mode" => {
                if first(mode.is_none(), k, &mut notes) {
                    mode = Some(match v {
                        "enforce" => StsMode::Enforce,
                        "testing" => StsMode::Testing,
                        "none" => StsMode::None,
                        other => {
                            return Err(format!("mode {other:?} is not enforce, testing or none"))
                        }
                    });
                }
            }
            "max_age" => {
                if first(max_age.is_none(), k, &mut notes) {
                    if v.is_empty() || v.len() > 10 || !v.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(format!("max_age {v:?} is not 1 to 10 digits"));
                    }
                    let age: u64 = v.parse().map_err(|_| format!("max_age {v:?}"))?;
                    if age > MAX_AGE_LIMIT {
                        return Err(format!(
                            "max_age {age} is above the RFC 8461 maximum of {MAX_AGE_LIMIT}"
                        ));
                    }
                    max_age = Some(age);
                }
            }
            "mx" => {
                if !valid_pattern(v) {
                    return Err(format!("mx {v:?} is not a host name or *.domain pattern"));
                }
                mx.push(v.trim_end_matches('.').to_ascii_lowercase());
            }
            other => notes.push(format!("unknown key {other:?} ignored")),
        }
    }
    match version.as_deref() {
        Some("STSv1") => {}
        Some(v) => return Err(format!("version {v:?} is not STSv1")),
        None => return Err("no version field".into()),
    }
    let mode = mode.ok_or("no mode field")?;
    let max_age = max_age.ok_or("no max_age field")?;
    if mx.is_empty() && mode != StsMode::None {
        return Err(format!(
            "no mx field, which mode {} requires",
            mode.as_str()
        ));
    }
    Ok(StsPolicy {
        mode,
        max_age,
        mx,
        notes,
    })
}

/// True the first time a key is seen; later ones are noted and ignored.
fn first(unseen: bool, key: &str, notes: &mut Vec<String>) -> bool {
    if !unseen {
        notes.push(format!("{key} appears more than once; the first is used"));
    }
    unseen
}

fn valid_pattern(p: &str) -> bool {
    let host = p.strip_prefix("*.").unwrap_or(p).trim_end_matches('.');
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// RFC 8461 4.1: a pattern matches the MX name exactly, or `*.` matches exactly one leftmost
/// label. Returns the matching pattern.
pub fn matching_pattern<'a>(policy: &'a StsPolicy, mx: &str) -> Option<&'a str> {
    let mx = mx.trim_end_matches('.').to_ascii_lowercase();
    policy
        .mx
        .iter()
        .find(|p| match p.strip_prefix("*.") {
            Some(base) => mx
                .split_once('.')
                .is_some_and(|(first, rest)| !first.is_empty() && rest == base),
            None => **p == mx,
        })
        .map(String::as_str)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn record_selection_and_syntax() {
        let r = select_record(&["v=STSv1; id=2024a;".into(), "other".into()]).unwrap();
        assert_eq!(r.id, "2024a");
        assert!(select_record(&["v=STSv1; id=a".into(), "v=STSv1; id=b".into()]).is_err());
        assert!(parse_record("v=STSv1;").is_err());
        assert!(parse_record("v=STSv1; id=has-dash").is_err());
        assert!(parse_record("v=STSv1; id=abc;;").is_err());
        assert_eq!(
            parse_record("v=STSv1 ;id=1;ext=v")
                .unwrap()
                .extensions
                .len(),
            1
        );
    }

    #[test]
    fn policy_parsing_is_strict() {
        let p = parse_policy(
            "version: STSv1\r\nmode: enforce\r\nmx: *.example.com\r\nmax_age: 86400\r\n",
        )
        .unwrap();
        assert_eq!(p.mode, StsMode::Enforce);
        assert_eq!(
            matching_pattern(&p, "mx1.example.com."),
            Some("*.example.com")
        );
        assert_eq!(matching_pattern(&p, "a.b.example.com"), None);
        assert_eq!(matching_pattern(&p, "example.com"), None);
        assert!(parse_policy("version: STSv1\nmode: testing\nmax_age: 1\n").is_err());
        assert!(parse_policy("version: STSv1\nmode: none\nmax_age: 1\n").is_ok());
        assert!(
            parse_policy("version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 31557601\n").is_err()
        );
        assert!(parse_policy("version: STSv1\nmode: enforce\nmx: a.b\nmax_age: -1\n").is_err());
        assert!(parse_policy("version: STSv1\nmode: strict\nmx: a.b\nmax_age: 1\n").is_err());
        assert!(parse_policy("<html>").is_err());
    }
}
