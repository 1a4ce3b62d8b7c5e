use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use crate::model::AddressAttempt;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    #[error("could not resolve {host}: {source}")]
    Resolve {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{host} has no address")]
    NoAddress { host: String },
    /// `-4`/`-6`/`--source` left none of the addresses found.
    #[error("{host} has no {family} address (found: {})", found.join(", "))]
    NoAddressInFamily {
        host: String,
        family: &'static str,
        found: Vec<String>,
    },
    #[error("timed out resolving {host}")]
    ResolveTimeout { host: String },
    /// Every address was tried; each attempt says why it failed.
    #[error("could not connect to any address of {host}")]
    AllFailed {
        host: String,
        attempts: Vec<AddressAttempt>,
        timed_out: bool,
    },
}

impl ConnectError {
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            ConnectError::ResolveTimeout { .. }
                | ConnectError::AllFailed {
                    timed_out: true,
                    ..
                }
        )
    }
}

pub struct Connected {
    pub stream: TcpStream,
    pub address: SocketAddr,
    /// Failed attempts before this one, then this one.
    pub attempts: Vec<AddressAttempt>,
    pub connect_ms: f64,
}

/// A/AAAA lookup through the system resolver, in the order it returns them.
pub async fn resolve_host(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, ConnectError> {
    let lookup = tokio::net::lookup_host((host, port));
    let addrs: Vec<SocketAddr> = match tokio::time::timeout(timeout, lookup).await {
        Ok(Ok(addrs)) => addrs.collect(),
        Ok(Err(source)) => {
            return Err(ConnectError::Resolve {
                host: host.to_string(),
                source,
            })
        }
        Err(_) => {
            return Err(ConnectError::ResolveTimeout {
                host: host.to_string(),
            })
        }
    };
    if addrs.is_empty() {
        return Err(ConnectError::NoAddress {
            host: host.to_string(),
        });
    }
    Ok(addrs)
}

/// `-4`, `-6`, `--source`: which addresses to try and where to connect from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectFrom {
    pub ipv4_only: bool,
    pub ipv6_only: bool,
    /// Bind to this local address before connecting; implies its family.
    pub source: Option<IpAddr>,
}

impl ConnectFrom {
    fn wants(&self, addr: &SocketAddr) -> bool {
        let v4 = addr.is_ipv4();
        match self.source {
            Some(src) => src.is_ipv4() == v4,
            None => !((self.ipv4_only && !v4) || (self.ipv6_only && v4)),
        }
    }

    /// The addresses of the chosen family, in their order.
    pub fn keep(&self, addrs: &[SocketAddr]) -> Vec<SocketAddr> {
        addrs.iter().copied().filter(|a| self.wants(a)).collect()
    }

    pub fn family_name(&self) -> &'static str {
        match self.source {
            Some(IpAddr::V4(_)) => "IPv4 (--source)",
            Some(IpAddr::V6(_)) => "IPv6 (--source)",
            None if self.ipv4_only => "IPv4 (-4)",
            None if self.ipv6_only => "IPv6 (-6)",
            None => "usable",
        }
    }
}

/// Tries each address in order; the first that accepts wins.
pub async fn connect_any(
    host: &str,
    addrs: &[SocketAddr],
    per_address: Duration,
    deadline: Instant,
) -> Result<Connected, ConnectError> {
    connect_any_from(host, addrs, per_address, deadline, None).await
}

/// A TCP connection to `addr`, from `source` when given.
async fn connect_one(addr: SocketAddr, source: Option<IpAddr>) -> std::io::Result<TcpStream> {
    tracing::debug!("connecting to {addr}");
    let result = connect_from(addr, source).await;
    match &result {
        Ok(_) => tracing::debug!("connected to {addr}"),
        Err(e) => tracing::debug!("connecting to {addr}: {e}"),
    }
    result
}

async fn connect_from(addr: SocketAddr, source: Option<IpAddr>) -> std::io::Result<TcpStream> {
    let Some(src) = source else {
        return TcpStream::connect(addr).await;
    };
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket
        .bind(SocketAddr::new(src, 0))
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot bind --source {src}: {e}")))?;
    socket.connect(addr).await
}

/// As [`connect_any`], binding each socket to `source` when given.
pub async fn connect_any_from(
    host: &str,
    addrs: &[SocketAddr],
    per_address: Duration,
    deadline: Instant,
    source: Option<IpAddr>,
) -> Result<Connected, ConnectError> {
    let mut attempts = Vec::new();
    let mut timed_out = false;
    for &addr in addrs {
        let now = Instant::now();
        if now >= deadline {
            timed_out = true;
            break;
        }
        let until = (now + per_address).min(deadline);
        let result = tokio::time::timeout_at(until.into(), connect_one(addr, source)).await;
        match result {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                attempts.push(AddressAttempt {
                    address: addr.to_string(),
                    error: None,
                });
                return Ok(Connected {
                    stream,
                    address: addr,
                    attempts,
                    connect_ms: crate::util::ms(now.elapsed()),
                });
            }
            Ok(Err(e)) => attempts.push(AddressAttempt {
                address: addr.to_string(),
                error: Some(e.to_string()),
            }),
            Err(_) => {
                timed_out = true;
                attempts.push(AddressAttempt {
                    address: addr.to_string(),
                    error: Some(format!(
                        "timed out after {:.1} s",
                        now.elapsed().as_secs_f64()
                    )),
                });
            }
        }
    }
    Err(ConnectError::AllFailed {
        host: host.to_string(),
        attempts,
        timed_out,
    })
}
