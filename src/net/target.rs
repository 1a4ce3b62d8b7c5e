use std::net::IpAddr;

/// A probe target as typed: `mx.example.com`, `mx.example.com:587`, `192.0.2.1`, `[::1]:2525`, `::1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name (without trailing dot) or IP literal (without brackets).
    pub host: String,
    /// The port given in the target itself, if any.
    pub port: Option<u16>,
    pub ip: Option<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    #[error("empty target")]
    Empty,
    #[error("invalid port in {0:?}")]
    BadPort(String),
    #[error("{0:?} is not a host name or IP address")]
    BadHost(String),
}

pub fn parse_target(input: &str) -> Result<Target, TargetError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(TargetError::Empty);
    }
    let (host, port) = if let Some(rest) = input.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| TargetError::BadHost(input.to_string()))?;
        let port = match after {
            "" => None,
            p => Some(parse_port(
                p.strip_prefix(':')
                    .ok_or_else(|| TargetError::BadPort(input.to_string()))?,
                input,
            )?),
        };
        (host.to_string(), port)
    } else if input.matches(':').count() > 1 {
        // A bare IPv6 literal: its colons are not a port separator.
        (input.to_string(), None)
    } else if let Some((host, port)) = input.rsplit_once(':') {
        (host.to_string(), Some(parse_port(port, input)?))
    } else {
        (input.to_string(), None)
    };
    let host = host.trim_end_matches('.').to_string();
    let ip = host.parse::<IpAddr>().ok();
    if ip.is_none() && !is_host_name(&host) {
        return Err(TargetError::BadHost(input.to_string()));
    }
    Ok(Target { host, port, ip })
}

fn parse_port(p: &str, input: &str) -> Result<u16, TargetError> {
    match p.parse::<u16>() {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(TargetError::BadPort(input.to_string())),
    }
}

/// Letters, digits, hyphens and underscores (seen in real MX names) in dot-separated labels.
fn is_host_name(host: &str) -> bool {
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

/// What a TARGET's form says beyond host and port: a URL scheme or a mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetForm {
    /// The target with the scheme, path or local part removed: what [`parse_target`] reads.
    pub target: String,
    /// `smtps://`: TLS from the first byte.
    pub implicit_tls: bool,
    /// A mail address: its domain is a mail domain, whatever its form.
    pub mail_domain: bool,
    /// What was understood, for the user (`None` when the target was plain).
    pub note: Option<String>,
}

/// Reads `smtp://host[:port]`, `smtps://host[:port]` and `user@domain`; refuses web and other
/// URLs with a hint. A plain target comes back unchanged.
pub fn read_target_form(input: &str) -> Result<TargetForm, String> {
    let trimmed = input.trim();
    let plain = |t: &str| TargetForm {
        target: t.to_string(),
        implicit_tls: false,
        mail_domain: false,
        note: None,
    };
    if let Some((scheme, rest)) = trimmed.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        // The authority only: no user info, path, query or fragment.
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        return match scheme.as_str() {
            "smtp" => Ok(TargetForm {
                note: Some(format!("{trimmed:?} read as the SMTP server {host}")),
                ..plain(host)
            }),
            "smtps" => Ok(TargetForm {
                implicit_tls: true,
                note: Some(format!(
                    "{trimmed:?} read as {host} with TLS from the first byte (--implicit-tls, \
                     port 465 unless one is given)"
                )),
                ..plain(host)
            }),
            "http" | "https" => Err(format!(
                "{trimmed:?} is a web address; smtp-tls-check speaks SMTP: give the mail \
                 domain ({}) or a mail server (mx.example.com, mx.example.com:587)",
                host.split(':').next().unwrap_or(host)
            )),
            _ => Err(format!(
                "{trimmed:?}: {scheme}:// is not understood; give a mail domain, a host, \
                 host:port, or smtp:// / smtps:// URLs"
            )),
        };
    }
    if let Some((local, domain)) = trimmed.rsplit_once('@') {
        if local.is_empty() || domain.is_empty() {
            return Err(format!("{trimmed:?} is not a mail address or a host"));
        }
        return Ok(TargetForm {
            mail_domain: true,
            note: Some(format!(
                "{trimmed:?} is a mail address: probing the mail servers of its domain {domain}"
            )),
            ..plain(domain)
        });
    }
    Ok(plain(trimmed))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let t = parse_target("mx.example.com").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.ip),
            ("mx.example.com", None, None)
        );
        let t = parse_target("mx.example.com.:587").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("mx.example.com", Some(587)));
        let t = parse_target("[::1]:2525").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", Some(2525)));
        assert!(t.ip.is_some());
        let t = parse_target("2001:db8::25").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("2001:db8::25", None));
        let t = parse_target("192.0.2.1:25").unwrap();
        assert_eq!(t.ip, Some("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn url_and_address_forms() {
        let f = read_target_form("smtps://mx.example.com/").unwrap();
        assert_eq!(
            (f.target.as_str(), f.implicit_tls),
            ("mx.example.com", true)
        );
        let f = read_target_form("smtp://mx.example.com:587").unwrap();
        assert_eq!(
            (f.target.as_str(), f.implicit_tls),
            ("mx.example.com:587", false)
        );
        let f = read_target_form("postmaster@example.com").unwrap();
        assert_eq!((f.target.as_str(), f.mail_domain), ("example.com", true));
        assert!(read_target_form("https://example.com/")
            .unwrap_err()
            .contains("web address"));
        assert!(read_target_form("ftp://x").is_err());
        assert_eq!(read_target_form("example.com").unwrap().note, None);
    }

    #[test]
    fn rejects() {
        assert_eq!(parse_target(""), Err(TargetError::Empty));
        assert!(matches!(parse_target("mx:0"), Err(TargetError::BadPort(_))));
        assert!(matches!(
            parse_target("mx:99999"),
            Err(TargetError::BadPort(_))
        ));
        assert!(matches!(parse_target("[::1"), Err(TargetError::BadHost(_))));
        assert!(matches!(parse_target("a b"), Err(TargetError::BadHost(_))));
        assert!(matches!(parse_target("x..y"), Err(TargetError::BadHost(_))));
    }
}
