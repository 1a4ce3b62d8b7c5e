//! `--samples N`: every address probed N times, to catch nodes behind one address (a load
//! balancer) or one name (several A records) that differ: one without STARTTLS, one with
//! another certificate, one that is down.
//!
//! Each sample is a plain session (no other active check), all under the probe's deadline, a
//! few at a time so the server's per-client connection limits are not the thing measured.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use smtp_grammar::{escape_bytes, interpret_ehlo};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::net::connect_any;
use crate::session::{run_session, SessionConfig, SessionRecord};
use crate::tls::inspect_chain;

/// Most sample sessions open at once.
const CONCURRENT: usize = 4;

/// What one session showed, reduced to what is compared across sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub address: SocketAddr,
    /// The first word of the banner text: the name the node gives itself. The rest of the
    /// line often holds a clock or a queue id, which differs on every connection.
    pub banner_name: Option<String>,
    /// STARTTLS on an ehlo-line (what strict clients see); `None` without an EHLO reply.
    pub offered: Option<bool>,
    /// The TLS handshake completed; `None` when it was not attempted.
    pub tls: Option<bool>,
    /// SHA-256 of the leaf certificate.
    pub leaf_sha256: Option<String>,
    /// Why the session stopped early (connection refused, timeout, ...).
    pub error: Option<String>,
}

impl Sample {
    /// The facts of one finished session at `address`.
    pub fn from_record(address: SocketAddr, record: &SessionRecord) -> Self {
        let banner_name = record.banner.as_ref().map(|b| {
            let text = b.lines.first().map(|l| l.text.as_slice()).unwrap_or(&[]);
            let word = text.split(|&c| c == b' ').next().unwrap_or(&[]);
            escape_bytes(word.get(..word.len().min(255)).unwrap_or(&[]))
        });
        let offered = record
            .ehlo
            .as_ref()
            .filter(|e| e.code == 250)
            .map(|e| interpret_ehlo(e).is_ok_and(|x| x.starttls.strict_clients_see_it()));
        let tls = record.tls.as_ref().map(|t| t.completed());
        let leaf_sha256 = record
            .tls
            .as_ref()
            .and_then(|t| t.verify.as_ref())
            .and_then(|v| {
                inspect_chain(&v.chain, SystemTime::now())
                    .into_iter()
                    .next()
            })
            .map(|c| c.sha256);
        Sample {
            address,
            banner_name,
            offered,
            tls,
            leaf_sha256,
            error: record.error.as_ref().map(|e| e.to_string()),
        }
    }

    fn failed(address: SocketAddr, why: String) -> Self {
        Sample {
            address,
            banner_name: None,
            offered: None,
            tls: None,
            leaf_sha256: None,
            error: Some(why),
        }
    }
}

/// Runs `count` sessions to each of `addrs` (address, count), each with a fresh config from
/// `config` (a fresh certificate verifier per connection), all ending by `deadline`.
pub async fn run_samples<F>(
    host: &str,
    addrs: &[(SocketAddr, u32)],
    config: F,
    connect_timeout: Duration,
    deadline: Instant,
) -> Vec<Sample>
where
    F: Fn() -> SessionConfig,
{
    let permits = Arc::new(Semaphore::new(CONCURRENT));
    let mut set = JoinSet::new();
    let mut index = 0usize;
    for &(addr, count) in addrs {
        for _ in 0..count {
            let cfg = config();
            let permits = permits.clone();
            let host = host.to_string();
            let i = index;
            index += 1;
            set.spawn(async move {
                let _permit = permits.acquire_owned().await;
                if Instant::now() >= deadline {
                    return (
                        i,
                        Sample::failed(addr, "the probe's deadline ran out first".into()),
                    );
                }
                let started = Instant::now();
                let sample = match connect_any(&host, &[addr], connect_timeout, deadline).await {
                    Ok(c) => {
                        let record = run_session(c.stream, &cfg, started, deadline).await;
                        Sample::from_record(addr, &record)
                    }
                    Err(e) => Sample::failed(addr, e.to_string()),
                };
                (i, sample)
            });
        }
    }
    let mut out: Vec<Option<Sample>> = vec![None; index];
    while let Some(joined) = set.join_next().await {
        if let Ok((i, sample)) = joined {
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(sample);
            }
        }
    }
    out.into_iter().flatten().collect()
}
