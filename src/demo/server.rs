use std::net::SocketAddr;

use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::{CertKind, Scenario, StarttlsBehaviour, DEMO_TLS_NAME};
use crate::tls::pki::{self, ServerTlsOptions, TestCa, Validity};

/// Longest command line the demo server reads; the probe sends short ones.
const MAX_COMMAND: u64 = 1024;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    #[error("could not listen on loopback: {0}")]
    Listen(#[source] std::io::Error),
    #[error("could not make the demo certificates: {0}")]
    Pki(#[from] pki::PkiError),
}

/// A scripted SMTP server on 127.0.0.1, alive until dropped.
pub struct DemoServer {
    pub addr: SocketAddr,
    /// The demo CA: the only certificate the demo probe trusts.
    pub ca_der: CertificateDer<'static>,
    /// The same, PEM-encoded, for other tools pointed at the demo server (`--ca-file`, benches).
    pub ca_pem: String,
    task: JoinHandle<()>,
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DemoServer {
    pub async fn start(scenario: &'static Scenario) -> Result<Self, DemoError> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(DemoError::Listen)?;
        let addr = listener.local_addr().map_err(DemoError::Listen)?;
        let ca = TestCa::new("smtp-tls-check demo CA")?;
        let ca_der = ca.cert_der();
        let ca_pem = ca.cert_pem();
        let acceptor = match scenario.starttls {
            StarttlsBehaviour::Accept(kind) | StarttlsBehaviour::AcceptWithInjection(kind) => {
                let identity = match kind {
                    CertKind::Valid => ca.issue(&[DEMO_TLS_NAME, "127.0.0.1"], Validity::Valid)?,
                    CertKind::Expired => ca.issue(&[DEMO_TLS_NAME], Validity::Expired)?,
                    CertKind::WrongName => ca.issue(&["mail.other.test"], Validity::Valid)?,
                    CertKind::SelfSigned => pki::self_signed(&[DEMO_TLS_NAME])?,
                };
                Some(TlsAcceptor::from(pki::server_config(
                    &identity,
                    ServerTlsOptions::default(),
                )?))
            }
            StarttlsBehaviour::Refuse => None,
        };
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                // Small replies written back to back must not wait for delayed ACKs.
                let _ = stream.set_nodelay(true);
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, scenario, acceptor).await;
                });
            }
        });
        Ok(DemoServer {
            addr,
            ca_der,
            ca_pem,
            task,
        })
    }
}

fn reply(lines: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines {
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

enum Next<S> {
    Closed,
    Upgrade(S),
}

async fn serve(
    stream: tokio::net::TcpStream,
    scenario: &'static Scenario,
    acceptor: Option<TlsAcceptor>,
) -> std::io::Result<()> {
    let mut stream = stream;
    stream.write_all(&reply(scenario.banner)).await?;
    let stream = match dialogue(stream, scenario, false).await? {
        Next::Closed => return Ok(()),
        Next::Upgrade(s) => s,
    };
    let Some(acceptor) = acceptor else {
        return Ok(());
    };
    let tls = acceptor.accept(stream).await?;
    let _ = dialogue(tls, scenario, true).await?;
    Ok(())
}

/// Answers commands until QUIT, end of stream or STARTTLS (which hands the stream back).
async fn dialogue<S>(stream: S, scenario: &Scenario, in_tls: bool) -> std::io::Result<Next<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut reader)
            .take(MAX_COMMAND)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Ok(Next::Closed);
        }
        let text = String::from_utf8_lossy(&line).trim().to_ascii_uppercase();
        let verb = text.split(' ').next().unwrap_or("");
        let answer: Vec<u8> = match verb {
            "EHLO" if in_tls => reply(scenario.ehlo_tls),
            "EHLO" => reply(scenario.ehlo),
            "HELO" => reply(&["250 mx.demo.test"]),
            "STARTTLS" if !in_tls => match scenario.starttls {
                StarttlsBehaviour::Accept(_) => {
                    let mut stream = reader.into_inner();
                    stream
                        .write_all(b"220 2.0.0 Ready to start TLS\r\n")
                        .await?;
                    return Ok(Next::Upgrade(stream));
                }
                StarttlsBehaviour::AcceptWithInjection(_) => {
                    let mut stream = reader.into_inner();
                    stream
                        .write_all(b"220 2.0.0 Ready to start TLS\r\n250-forged.example\r\n250 AUTH PLAIN\r\n")
                        .await?;
                    return Ok(Next::Upgrade(stream));
                }
                StarttlsBehaviour::Refuse => b"454 4.7.0 TLS not available\r\n".to_vec(),
            },
            "QUIT" => {
                let mut stream = reader.into_inner();
                stream.write_all(b"221 2.0.0 Bye\r\n").await?;
                let _ = stream.shutdown().await;
                return Ok(Next::Closed);
            }
            _ => b"502 5.5.1 Command not implemented\r\n".to_vec(),
        };
        reader.get_mut().write_all(&answer).await?;
    }
}
