//! The lab's SMTP server: it answers EHLO with one scenario's reply, does a real TLS handshake
//! when STARTTLS arrives, accepts MAIL/RCPT/DATA/QUIT so clients finish their run, and records
//! what the client did. It answers commands rather than playing a fixed script, because real
//! clients differ in what they send (HELO after a failed EHLO, RSET, NOOP, a second EHLO).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::ServerConfig;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const GREETING: &[u8] = b"220 mx.test ESMTP lab\r\n";
/// The EHLO reply inside TLS: compliant, no STARTTLS (RFC 3207 4.2).
const TLS_EHLO: &[u8] = b"250-mx.test\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n";
/// Longest command line read; longer ones end the connection.
const MAX_LINE: u64 = 4096;
/// Most octets of message data kept reading before the server gives up.
const MAX_DATA: usize = 1 << 20;
/// A connection idle this long is closed (clients have shorter deadlines than this).
const IDLE: Duration = Duration::from_secs(30);

/// What the client did, over every connection it made to this server.
#[derive(Debug, Default, Clone)]
pub(crate) struct Record {
    pub(crate) connections: u32,
    /// Command lines as received (CR/LF trimmed), `tls:` prefixed once inside TLS.
    pub(crate) commands: Vec<String>,
    /// STARTTLS arrived (in plaintext) on some connection.
    pub(crate) starttls: bool,
    /// A TLS handshake completed after STARTTLS.
    pub(crate) handshake_ok: bool,
    /// Why a handshake failed, when one did.
    pub(crate) handshake_error: Option<String>,
    /// MAIL FROM arrived in plaintext / inside TLS.
    pub(crate) mail_plain: bool,
    pub(crate) mail_tls: bool,
    /// A message's data ended with `.` and was accepted.
    pub(crate) data_accepted: bool,
    pub(crate) quit: bool,
}

/// One server for one client run on one scenario; stops when dropped.
pub(crate) struct LabServer {
    pub(crate) addr: SocketAddr,
    record: Arc<Mutex<Record>>,
    task: JoinHandle<()>,
}

impl LabServer {
    pub(crate) fn start(
        rt: &tokio::runtime::Runtime,
        ehlo_reply: Arc<[u8]>,
        tls: Arc<ServerConfig>,
    ) -> Self {
        let listener = rt
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let record = Arc::new(Mutex::new(Record::default()));
        let rec = record.clone();
        let task = rt.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                if let Ok(mut r) = rec.lock() {
                    r.connections += 1;
                }
                tokio::spawn(serve(stream, ehlo_reply.clone(), tls.clone(), rec.clone()));
            }
        });
        LabServer { addr, record, task }
    }

    pub(crate) fn record(&self) -> Record {
        self.record.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for LabServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn note(rec: &Mutex<Record>, f: impl FnOnce(&mut Record)) {
    if let Ok(mut r) = rec.lock() {
        f(&mut r);
    }
}

async fn serve(
    stream: TcpStream,
    ehlo_reply: Arc<[u8]>,
    tls: Arc<ServerConfig>,
    rec: Arc<Mutex<Record>>,
) {
    let mut plain = BufReader::new(stream);
    if plain.get_mut().write_all(GREETING).await.is_err() {
        return;
    }
    if let Next::StartTls = dialog(&mut plain, &ehlo_reply, false, &rec).await {
        let acceptor = tokio_rustls::TlsAcceptor::from(tls);
        let handshake = tokio::time::timeout(IDLE, acceptor.accept(plain.into_inner())).await;
        match handshake {
            Ok(Ok(stream)) => {
                note(&rec, |r| r.handshake_ok = true);
                let mut tls = BufReader::new(stream);
                dialog(&mut tls, TLS_EHLO, true, &rec).await;
            }
            Ok(Err(e)) => note(&rec, |r| r.handshake_error = Some(e.to_string())),
            Err(_) => note(&rec, |r| r.handshake_error = Some("timed out".into())),
        }
    }
}

enum Next {
    StartTls,
    Done,
}

/// Answers commands until QUIT, STARTTLS (in plaintext), EOF or an idle timeout.
async fn dialog<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut BufReader<S>,
    ehlo_reply: &[u8],
    in_tls: bool,
    rec: &Mutex<Record>,
) -> Next {
    loop {
        let Some(line) = read_line(io).await else {
            return Next::Done;
        };
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        let verb = text
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        note(rec, |r| {
            let shown = if in_tls {
                format!("tls:{text}")
            } else {
                text.clone()
            };
            r.commands.push(shown);
        });
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => ehlo_reply,
            "HELO" => b"250 mx.test\r\n",
            "STARTTLS" if in_tls => b"503 5.5.1 TLS already active\r\n",
            "STARTTLS" => {
                note(rec, |r| r.starttls = true);
                if send(io, b"220 2.0.0 Ready to start TLS\r\n").await {
                    return Next::StartTls;
                }
                return Next::Done;
            }
            "MAIL" => {
                note(rec, |r| {
                    if in_tls {
                        r.mail_tls = true;
                    } else {
                        r.mail_plain = true;
                    }
                });
                b"250 2.1.0 Ok\r\n"
            }
            "RCPT" => b"250 2.1.5 Ok\r\n",
            "DATA" => {
                if !send(io, b"354 End data with <CR><LF>.<CR><LF>\r\n").await {
                    return Next::Done;
                }
                if !read_data(io).await {
                    return Next::Done;
                }
                note(rec, |r| r.data_accepted = true);
                b"250 2.0.0 Ok: queued as LAB1\r\n"
            }
            "RSET" | "NOOP" => b"250 2.0.0 Ok\r\n",
            "QUIT" => {
                note(rec, |r| r.quit = true);
                send(io, b"221 2.0.0 Bye\r\n").await;
                let _ = io.get_mut().shutdown().await;
                return Next::Done;
            }
            _ => b"502 5.5.2 Command not recognised\r\n",
        };
        if !send(io, reply).await {
            return Next::Done;
        }
    }
}

async fn send<S: AsyncRead + AsyncWrite + Unpin>(io: &mut BufReader<S>, bytes: &[u8]) -> bool {
    io.get_mut().write_all(bytes).await.is_ok() && io.get_mut().flush().await.is_ok()
}

/// One line, at most [`MAX_LINE`] octets; None on EOF, error, idle timeout or an overlong line.
async fn read_line<S: AsyncRead + Unpin>(io: &mut BufReader<S>) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    let mut limited = (&mut *io).take(MAX_LINE);
    let read = tokio::time::timeout(IDLE, limited.read_until(b'\n', &mut line));
    match read.await {
        Ok(Ok(n)) if n > 0 && line.ends_with(b"\n") => Some(line),
        _ => None,
    }
}

/// Message data up to the lone `.` line; false if the client went away first.
async fn read_data<S: AsyncRead + Unpin>(io: &mut BufReader<S>) -> bool {
    let mut total = 0usize;
    while total < MAX_DATA {
        let Some(line) = read_line(io).await else {
            return false;
        };
        total += line.len();
        if line == b".\r\n" || line == b".\n" {
            return true;
        }
    }
    false
}
