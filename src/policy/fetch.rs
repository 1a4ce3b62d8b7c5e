//! The MTA-STS policy fetch (RFC 8461 3.3): `GET https://mta-sts.<domain>/.well-known/mta-sts.txt`
//! over TLS verified for that name with the probe's trust anchors (so `--ca-file` applies),
//! no redirects, 200 only, `text/plain`, at most [`MAX_POLICY_BYTES`], under one deadline.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// RFC 8461 3.3 suggests senders cap the policy at 64 KiB.
pub const MAX_POLICY_BYTES: usize = 64 * 1024;

/// Why the policy could not be had. Each says what a sender would see.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    #[error("cannot resolve {host}: {detail}")]
    Resolve { host: String, detail: String },
    #[error("cannot connect to {host} port 443: {detail}")]
    Connect { host: String, detail: String },
    #[error("the TLS handshake with {host} failed: {detail}")]
    Tls { host: String, detail: String },
    #[error("the certificate of {host} is not valid for that name: {detail}")]
    Certificate { host: String, detail: String },
    #[error("HTTP error: {0}")]
    Http(String),
    #[error("the server answered {status}, not 200{location}")]
    Status { status: u16, location: String },
    #[error("the Content-Type is {0:?}, not text/plain")]
    ContentType(String),
    #[error("the policy is larger than {MAX_POLICY_BYTES} octets")]
    TooLarge,
    #[error("the policy is not UTF-8")]
    NotUtf8,
    #[error("no answer within {0} s")]
    Timeout(u64),
}

impl FetchError {
    /// A redirect was refused (RFC 8461 3.3: senders must not follow them).
    pub fn is_redirect(&self) -> bool {
        matches!(self, FetchError::Status { status, .. } if (300..400).contains(status))
    }
}

/// A fetched policy, as text.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub url: String,
    pub address: SocketAddr,
    pub body: String,
}

/// Fetches the policy of `domain` from the first of `addrs` that accepts a connection.
pub async fn fetch_policy(
    domain: &str,
    addrs: &[SocketAddr],
    tls: Arc<rustls::ClientConfig>,
    timeout: Duration,
) -> Result<Fetched, FetchError> {
    let secs = timeout.as_secs().max(1);
    tokio::time::timeout(timeout, fetch_inner(domain, addrs, tls))
        .await
        .unwrap_or(Err(FetchError::Timeout(secs)))
}

async fn fetch_inner(
    domain: &str,
    addrs: &[SocketAddr],
    tls: Arc<rustls::ClientConfig>,
) -> Result<Fetched, FetchError> {
    let host = format!("mta-sts.{domain}");
    let url = format!("https://{host}/.well-known/mta-sts.txt");
    let mut last = None;
    let mut connected = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                connected = Some((s, *addr));
                break;
            }
            Err(e) => last = Some(format!("{addr}: {e}")),
        }
    }
    let Some((tcp, address)) = connected else {
        return Err(FetchError::Connect {
            host,
            detail: last.unwrap_or_else(|| "no address".into()),
        });
    };
    let name = ServerName::try_from(host.clone()).map_err(|e| FetchError::Resolve {
        host: host.clone(),
        detail: e.to_string(),
    })?;
    let stream = TlsConnector::from(tls)
        .connect(name, tcp)
        .await
        .map_err(|e| {
            let detail = e.to_string();
            match e.get_ref().and_then(|r| r.downcast_ref::<rustls::Error>()) {
                Some(rustls::Error::InvalidCertificate(_)) => FetchError::Certificate {
                    host: host.clone(),
                    detail,
                },
                _ => FetchError::Tls {
                    host: host.clone(),
                    detail,
                },
            }
        })?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| FetchError::Http(e.to_string()))?;
    let driver = tokio::spawn(conn);
    let request = hyper::Request::get("/.well-known/mta-sts.txt")
        .header(hyper::header::HOST, &host)
        .header(hyper::header::USER_AGENT, "smtp-tls-check")
        .header(hyper::header::CONNECTION, "close")
        .body(Empty::<Bytes>::new())
        .map_err(|e| FetchError::Http(e.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| FetchError::Http(e.to_string()))?;
    let status = response.status().as_u16();
    if status != 200 {
        let location = response
            .headers()
            .get(hyper::header::LOCATION)
            .map(|l| {
                format!(
                    " (a redirect to {}, which senders do not follow)",
                    smtp_grammar::escape_bytes(l.as_bytes())
                )
            })
            .unwrap_or_default();
        driver.abort();
        return Err(FetchError::Status { status, location });
    }
    let ctype = response
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .map(|v| smtp_grammar::escape_bytes(v.as_bytes()))
        .unwrap_or_default();
    // RFC 8461 3.3: media type text/plain; parameters such as charset are fine.
    let media = ctype.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("text/plain") {
        driver.abort();
        return Err(FetchError::ContentType(ctype));
    }
    let body = Limited::new(response.into_body(), MAX_POLICY_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                FetchError::TooLarge
            } else {
                FetchError::Http(e.to_string())
            }
        })?
        .to_bytes();
    driver.abort();
    let body = String::from_utf8(body.to_vec()).map_err(|_| FetchError::NotUtf8)?;
    Ok(Fetched { url, address, body })
}
