//! A scripted SMTP server on 127.0.0.1:0 for integration tests: it plays a list of steps
//! (send bytes, expect a command, sleep, start TLS, close, reset, hang) against whatever
//! connects, and records what the client sent.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::ServerConfig;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One thing the server does.
#[derive(Clone)]
pub(crate) enum Step {
    /// Write these bytes as they are.
    Send(Vec<u8>),
    /// Write these bytes one octet per write (and per TCP segment: NODELAY is on).
    SendFragmented(Vec<u8>),
    /// Read one command line from the client; the script stops if the client closed.
    Expect(&'static str),
    Sleep(Duration),
    /// TLS server handshake; later steps run inside TLS.
    StartTls(Arc<ServerConfig>),
    /// Close the connection (FIN).
    Close,
    /// Abort the connection (RST).
    Reset,
    /// Keep the connection open, say nothing, until the client goes away.
    Hang,
    /// Write these bytes over and over until the client goes away (or `max` octets).
    SendForever {
        chunk: Vec<u8>,
        max: usize,
    },
    /// Answer every command line with this reply until the client goes away.
    AnswerAll(Vec<u8>),
    /// Write these bytes one octet at a time, one every `every`, round and round, until the
    /// client goes away: a server that is never silent long enough for a step timeout.
    Drip {
        bytes: Vec<u8>,
        every: Duration,
    },
}

pub(crate) fn send(s: &str) -> Step {
    Step::Send(s.as_bytes().to_vec())
}

/// A compliant EHLO reply: the server's name first, STARTTLS on an ehlo-line.
pub(crate) const GOOD_EHLO: &str = "250-mx.test\r\n250-8BITMIME\r\n250 STARTTLS\r\n";
/// The EHLO reply inside TLS.
pub(crate) const TLS_EHLO: &str = "250-mx.test\r\n250 8BITMIME\r\n";

/// A compliant conversation: banner, EHLO, STARTTLS, TLS with `config`, EHLO inside, QUIT.
pub(crate) fn compliant_steps(config: Arc<ServerConfig>) -> Vec<Step> {
    let mut steps = opening(GOOD_EHLO);
    steps.extend([
        Step::Expect("STARTTLS"),
        send("220 go ahead\r\n"),
        Step::StartTls(config),
        Step::Expect("EHLO"),
        send(TLS_EHLO),
    ]);
    steps.extend(closing());
    steps
}

/// A compliant STARTTLS server with `config` as its TLS side.
pub(crate) fn tls_server(config: Arc<ServerConfig>) -> ScriptedServer {
    ScriptedServer::start(compliant_steps(config))
}

/// The usual plaintext opening: banner, EHLO, the given EHLO reply.
pub(crate) fn opening(ehlo_reply: &str) -> Vec<Step> {
    vec![
        send("220 mx.test ESMTP\r\n"),
        Step::Expect("EHLO"),
        send(ehlo_reply),
    ]
}

/// The usual polite ending: QUIT and 221.
pub(crate) fn closing() -> Vec<Step> {
    vec![Step::Expect("QUIT"), send("221 bye\r\n"), Step::Close]
}

pub(crate) struct ScriptedServer {
    pub(crate) addr: SocketAddr,
    /// Command lines the client sent, in order (without CRLF).
    pub(crate) received: Arc<Mutex<Vec<String>>>,
    _runtime: tokio::runtime::Runtime,
}

impl ScriptedServer {
    /// Starts the server on its own runtime; each connection plays `steps` from the start.
    pub(crate) fn start(steps: Vec<Step>) -> Self {
        Self::start_on("127.0.0.1:0", steps)
    }

    pub(crate) fn start_on(bind: &str, steps: Vec<Step>) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("test runtime");
        let listener = runtime
            .block_on(TcpListener::bind(bind))
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let steps = steps.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    play(stream, steps, log).await;
                });
            }
        });
        ScriptedServer {
            addr,
            received,
            _runtime: runtime,
        }
    }

    pub(crate) fn target(&self) -> String {
        self.addr.to_string()
    }

    pub(crate) fn received(&self) -> Vec<String> {
        self.received.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

enum Outcome {
    /// The script (or this part of it) is over.
    Done,
    /// Start TLS with this config and continue at step `next`.
    StartTls(Arc<ServerConfig>, usize),
    Reset,
    /// The client went away or misbehaved.
    Stop,
}

async fn play(stream: tokio::net::TcpStream, steps: Vec<Step>, log: Arc<Mutex<Vec<String>>>) {
    let mut plain = BufReader::new(stream);
    match run_steps(&mut plain, &steps, 0, &log).await {
        Outcome::Done => linger(&mut plain).await,
        Outcome::Stop => {}
        Outcome::Reset => {
            // SO_LINGER 0 turns the close into an RST.
            let stream = plain.into_inner();
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            drop(stream);
        }
        Outcome::StartTls(config, next) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(config);
            let Ok(tls) = acceptor.accept(plain.into_inner()).await else {
                return;
            };
            let mut tls = BufReader::new(tls);
            if let Outcome::Done = run_steps(&mut tls, &steps, next, &log).await {
                linger(&mut tls).await;
            }
        }
    }
}

/// Keeps the socket until the client closes, so a close is never an accident of the script.
async fn linger<S: AsyncRead + Unpin>(io: &mut S) {
    let mut sink = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match io.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
}

async fn read_command<S: AsyncRead + Unpin>(
    io: &mut BufReader<S>,
    log: &Arc<Mutex<Vec<String>>>,
) -> Option<String> {
    let mut line = Vec::new();
    match (&mut *io).take(4096).read_until(b'\n', &mut line).await {
        Ok(0) | Err(_) => return None,
        Ok(_) => {}
    }
    let text = String::from_utf8_lossy(&line).trim_end().to_string();
    if let Ok(mut v) = log.lock() {
        v.push(text.clone());
    }
    Some(text)
}

async fn run_steps<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut BufReader<S>,
    steps: &[Step],
    from: usize,
    log: &Arc<Mutex<Vec<String>>>,
) -> Outcome {
    for (i, step) in steps.iter().enumerate().skip(from) {
        match step {
            Step::Send(bytes) => {
                if io.get_mut().write_all(bytes).await.is_err() {
                    return Outcome::Stop;
                }
                let _ = io.get_mut().flush().await;
            }
            Step::SendFragmented(bytes) => {
                for b in bytes {
                    if io.get_mut().write_all(&[*b]).await.is_err() {
                        return Outcome::Stop;
                    }
                    let _ = io.get_mut().flush().await;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            Step::Expect(verb) => {
                let Some(text) = read_command(io, log).await else {
                    return Outcome::Stop;
                };
                if !text.to_ascii_uppercase().starts_with(verb) {
                    // The client said something else: the test sees it in `received`.
                    return Outcome::Stop;
                }
            }
            Step::Sleep(d) => tokio::time::sleep(*d).await,
            Step::StartTls(config) => return Outcome::StartTls(config.clone(), i + 1),
            Step::Close => {
                let _ = io.get_mut().shutdown().await;
                return Outcome::Stop;
            }
            Step::Reset => return Outcome::Reset,
            Step::Hang => {
                linger(io).await;
                return Outcome::Stop;
            }
            Step::SendForever { chunk, max } => {
                let mut sent = 0usize;
                while sent < *max {
                    if io.get_mut().write_all(chunk).await.is_err() {
                        return Outcome::Stop;
                    }
                    sent += chunk.len();
                }
            }
            Step::Drip { bytes, every } => {
                for b in bytes.iter().cycle() {
                    if io.get_mut().write_all(&[*b]).await.is_err() {
                        return Outcome::Stop;
                    }
                    let _ = io.get_mut().flush().await;
                    tokio::time::sleep(*every).await;
                }
            }
            Step::AnswerAll(reply) => loop {
                if read_command(io, log).await.is_none() {
                    return Outcome::Stop;
                }
                if io.get_mut().write_all(reply).await.is_err() {
                    return Outcome::Stop;
                }
            },
        }
    }
    Outcome::Done
}
