use std::io::ErrorKind;
use std::time::{Duration, Instant};

use smtp_grammar::{escape_bytes, Reply, ReplyReader};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{Phase, SessionError, SessionLimits};
use crate::model::{TranscriptDirection, TranscriptEntry};

/// Largest single read; the reply reader's limits are checked after each one.
const READ_CHUNK: usize = 4096;

/// State shared by the plaintext and the TLS part of one session.
pub(super) struct Ctx {
    started: Instant,
    deadline: Instant,
    step: Duration,
    limits: SessionLimits,
    pub(super) bytes_received: usize,
    transcript: Option<Vec<TranscriptEntry>>,
}

impl Ctx {
    pub(super) fn new(
        started: Instant,
        deadline: Instant,
        step: Duration,
        limits: SessionLimits,
        transcript: bool,
    ) -> Self {
        Ctx {
            started,
            deadline,
            step,
            limits,
            bytes_received: 0,
            transcript: transcript.then(Vec::new),
        }
    }

    pub(super) fn limits(&self) -> SessionLimits {
        self.limits
    }

    /// When the current step must end: its own timeout, or the overall deadline if sooner.
    pub(super) fn step_deadline(&self) -> Instant {
        self.until(self.step)
    }

    /// `limit` from now, or the overall deadline if sooner: nothing may outlive the deadline,
    /// not even the polite QUIT after a failure.
    pub(super) fn until(&self, limit: Duration) -> Instant {
        Instant::now()
            .checked_add(limit)
            .unwrap_or(self.deadline)
            .min(self.deadline)
    }

    /// The error for a step that did not end by `deadline`; `begun` is when it started.
    pub(super) fn timeout(
        &self,
        phase: Phase,
        begun: Instant,
        deadline: Instant,
        partial: &[u8],
    ) -> SessionError {
        SessionError::Timeout {
            phase,
            secs: begun.elapsed().as_secs_f64(),
            overall: deadline >= self.deadline,
            partial: evidence_prefix(partial),
        }
    }

    pub(super) fn elapsed_ms(&self) -> f64 {
        ms(self.started.elapsed())
    }

    pub(super) fn note(&mut self, direction: TranscriptDirection, text: String) {
        // Steps at debug (-v), every line on the wire at trace (-vv); both already escaped.
        match direction {
            TranscriptDirection::Event => tracing::debug!("{}", text),
            _ => tracing::trace!(target: "smtp_tls_check::wire", "{} {}", arrow(direction), text),
        }
        let t_ms = self.elapsed_ms();
        if let Some(entries) = self.transcript.as_mut() {
            entries.push(TranscriptEntry {
                t_ms,
                direction,
                text,
            });
        }
    }

    pub(super) fn take_transcript(&mut self) -> Vec<TranscriptEntry> {
        self.transcript.take().unwrap_or_default()
    }

    /// Runs `fut` under the step deadline; a timeout becomes an error naming `phase`.
    pub(super) async fn timed<T>(
        &self,
        phase: Phase,
        fut: impl std::future::Future<Output = Result<T, SessionError>>,
    ) -> Result<T, SessionError> {
        let deadline = self.step_deadline();
        let begun = Instant::now();
        match tokio::time::timeout_at(deadline.into(), fut).await {
            Ok(result) => result,
            Err(_) => Err(self.timeout(phase, begun, deadline, &[])),
        }
    }
}

/// Most octets of a partial reply kept in an error: enough for evidence, never the whole
/// (possibly endless) reply.
const MAX_PARTIAL: usize = 1024;

fn evidence_prefix(bytes: &[u8]) -> Vec<u8> {
    bytes.get(..MAX_PARTIAL).unwrap_or(bytes).to_vec()
}

pub(super) use crate::util::ms;

fn arrow(direction: TranscriptDirection) -> &'static str {
    match direction {
        TranscriptDirection::Sent => "C:",
        TranscriptDirection::Received => "S:",
        TranscriptDirection::Event => "--",
    }
}

/// One stream with its reply reader.
pub(super) struct Conn<S> {
    pub(super) stream: S,
    pub(super) reader: ReplyReader,
    buf: Box<[u8; READ_CHUNK]>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    pub(super) fn new(stream: S, ctx: &Ctx) -> Self {
        Conn {
            stream,
            reader: ReplyReader::new(ctx.limits().reply),
            buf: Box::new([0; READ_CHUNK]),
        }
    }

    /// Sends one command line (CRLF added) and reads its reply, all under one step deadline.
    pub(super) async fn command(
        &mut self,
        ctx: &mut Ctx,
        phase: Phase,
        line: &str,
    ) -> Result<Reply, SessionError> {
        let deadline = ctx.step_deadline();
        self.command_by(ctx, phase, line, deadline).await
    }

    /// As `command`, with a step deadline of the caller's (a step that began earlier).
    pub(super) async fn command_by(
        &mut self,
        ctx: &mut Ctx,
        phase: Phase,
        line: &str,
        deadline: Instant,
    ) -> Result<Reply, SessionError> {
        ctx.note(TranscriptDirection::Sent, escape_bytes(line.as_bytes()));
        let begun = Instant::now();
        let fut = async {
            self.send(phase, line).await?;
            self.read_reply_inner(ctx, phase).await
        };
        let result = tokio::time::timeout_at(deadline.into(), fut).await;
        self.finish(ctx, phase, begun, deadline, result)
    }

    /// Reads one reply if it comes before `until`; `Ok(None)` when nothing complete came (what
    /// had arrived stays buffered for the next read).
    pub(super) async fn read_reply_until(
        &mut self,
        ctx: &mut Ctx,
        phase: Phase,
        until: Instant,
    ) -> Result<Option<Reply>, SessionError> {
        match tokio::time::timeout_at(until.into(), self.read_reply_inner(ctx, phase)).await {
            Ok(result) => result.map(Some),
            Err(_) => Ok(None),
        }
    }

    /// Reads one whole reply under the step deadline.
    pub(super) async fn read_reply(
        &mut self,
        ctx: &mut Ctx,
        phase: Phase,
    ) -> Result<Reply, SessionError> {
        let deadline = ctx.step_deadline();
        let begun = Instant::now();
        let result =
            tokio::time::timeout_at(deadline.into(), self.read_reply_inner(ctx, phase)).await;
        self.finish(ctx, phase, begun, deadline, result)
    }

    /// A step's result; on timeout, what had arrived of the reply goes into the error and the
    /// transcript.
    fn finish(
        &self,
        ctx: &mut Ctx,
        phase: Phase,
        begun: Instant,
        deadline: Instant,
        result: Result<Result<Reply, SessionError>, tokio::time::error::Elapsed>,
    ) -> Result<Reply, SessionError> {
        match result {
            Ok(result) => result,
            Err(_) => {
                let partial = self.reader.buffered();
                if !partial.is_empty() {
                    ctx.note(
                        TranscriptDirection::Received,
                        escape_bytes(&evidence_prefix(partial)),
                    );
                }
                Err(ctx.timeout(phase, begun, deadline, partial))
            }
        }
    }

    /// What had arrived of the reply in progress, for evidence.
    fn partial(&self, ctx: &mut Ctx) -> Vec<u8> {
        let partial = evidence_prefix(self.reader.buffered());
        if !partial.is_empty() {
            ctx.note(TranscriptDirection::Received, escape_bytes(&partial));
        }
        partial
    }

    async fn send(&mut self, phase: Phase, line: &str) -> Result<(), SessionError> {
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        let io = |source: std::io::Error| match source.kind() {
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => SessionError::Reset {
                phase,
                partial: Vec::new(),
            },
            ErrorKind::BrokenPipe => SessionError::Closed {
                phase,
                partial: Vec::new(),
            },
            _ => SessionError::Io { phase, source },
        };
        self.stream.write_all(&bytes).await.map_err(io)?;
        self.stream.flush().await.map_err(io)
    }

    async fn read_reply_inner(
        &mut self,
        ctx: &mut Ctx,
        phase: Phase,
    ) -> Result<Reply, SessionError> {
        loop {
            match self.reader.next_reply() {
                Ok(Some(reply)) => {
                    for line in &reply.lines {
                        ctx.note(
                            TranscriptDirection::Received,
                            escape_bytes(&render_line(line)),
                        );
                    }
                    return Ok(reply);
                }
                Ok(None) => {}
                Err(source) => return Err(SessionError::Reply { phase, source }),
            }
            let n = match self.stream.read(&mut self.buf[..]).await {
                Ok(0) => {
                    let partial = self.partial(ctx);
                    return Err(SessionError::Closed { phase, partial });
                }
                Ok(n) => n,
                // A TLS peer that closes without close_notify.
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                    let partial = self.partial(ctx);
                    return Err(SessionError::Closed { phase, partial });
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                    ) =>
                {
                    let partial = self.partial(ctx);
                    return Err(SessionError::Reset { phase, partial });
                }
                Err(source) => return Err(SessionError::Io { phase, source }),
            };
            ctx.bytes_received = ctx.bytes_received.saturating_add(n);
            let limit = ctx.limits().max_session_bytes;
            if ctx.bytes_received > limit {
                return Err(SessionError::SessionTooLarge { phase, limit });
            }
            self.reader.push(&self.buf[..n]);
        }
    }

    /// Sends without waiting for a reply, ignoring failures: used for QUIT after a refusal.
    pub(super) async fn send_quietly(&mut self, ctx: &mut Ctx, line: &str) {
        ctx.note(TranscriptDirection::Sent, escape_bytes(line.as_bytes()));
        let deadline = ctx.step_deadline();
        let _ = tokio::time::timeout_at(deadline.into(), self.send(Phase::Quit, line)).await;
    }
}

/// The line as it was on the wire (code, separator, text), without its line ending.
pub(crate) fn render_line(line: &smtp_grammar::ReplyLine) -> Vec<u8> {
    let mut out = format!("{:03}", line.code).into_bytes();
    match line.separator {
        smtp_grammar::Separator::Hyphen => out.push(b'-'),
        smtp_grammar::Separator::Space => out.push(b' '),
        smtp_grammar::Separator::None | smtp_grammar::Separator::Other(_) => {}
    }
    out.extend_from_slice(&line.text);
    out
}
