use std::time::Instant;

use rustls::ProtocolVersion;
use smtp_grammar::{escape_bytes, interpret_ehlo};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_rustls::TlsConnector;

use super::conn::{ms, Conn, Ctx};
use super::record::{CommandRecord, PipelinedRecord};
use super::tap::Tap;
use super::{Phase, SessionConfig, SessionError, SessionRecord, TlsPlan, TlsRecord, TlsTarget};
use crate::model::TranscriptDirection;
use crate::tls::{classify_handshake_error_with, session_info, HandshakeCause, HandshakeFailure};

/// How long QUIT may take: politeness, not a finding, so it must not eat the deadline.
const QUIT_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What to do after EHLO.
enum AfterEhlo {
    Starttls {
        forced: bool,
    },
    Quit,
    /// The server refused or closed: nothing more to say to it.
    Stop,
}

/// Runs one SMTP session over `stream` (already connected) and records what happened.
///
/// `started` is when the connection attempt began (timings and transcript count from it);
/// `deadline` is when the whole probe must be over.
pub async fn run_session<S>(
    stream: S,
    cfg: &SessionConfig,
    started: Instant,
    deadline: Instant,
) -> SessionRecord
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let mut ctx = Ctx::new(
        started,
        deadline,
        cfg.timeouts.step,
        cfg.limits,
        cfg.transcript,
    );
    let mut record = SessionRecord::default();
    let result = match &cfg.tls {
        TlsPlan::Implicit { target } => implicit(stream, cfg, target, &mut ctx, &mut record).await,
        _ => plain(stream, cfg, &mut ctx, &mut record).await,
    };
    if let Err(e) = result {
        ctx.note(TranscriptDirection::Event, format!("stopped: {e}"));
        record.error = Some(e);
    }
    record.bytes_received = ctx.bytes_received;
    record.transcript = ctx.take_transcript();
    record
}

async fn plain<S>(
    stream: S,
    cfg: &SessionConfig,
    ctx: &mut Ctx,
    record: &mut SessionRecord,
) -> Result<(), SessionError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let mut conn = Conn::new(stream, ctx);
    let next = greet(&mut conn, cfg, ctx, record, Phase::Ehlo).await?;
    // A 421 to a check's command closes the session (RFC 5321 3.8): saying STARTTLS to it
    // would only blame STARTTLS for the server's going away.
    if !matches!(next, AfterEhlo::Stop) && before_starttls(&mut conn, cfg, ctx, record).await? {
        return Ok(());
    }
    let forced = match next {
        AfterEhlo::Starttls { forced } => forced,
        AfterEhlo::Quit => return quit(conn, ctx, record).await,
        AfterEhlo::Stop => return Ok(()),
    };
    let TlsPlan::Starttls { target, .. } = &cfg.tls else {
        return quit(conn, ctx, record).await;
    };

    record.starttls.sent = true;
    record.starttls.forced = forced;
    let t = Instant::now();
    // --check-injection: a second command in the same write as STARTTLS.
    let line = match &cfg.extra.pipeline_with_starttls {
        Some(cmd) => {
            record.pipelined = Some(PipelinedRecord {
                command: cmd.clone(),
                sent: true,
                ..PipelinedRecord::default()
            });
            format!("STARTTLS\r\n{cmd}")
        }
        None => "STARTTLS".to_string(),
    };
    let reply = conn.command(ctx, Phase::Starttls, &line).await?;
    record.timings.starttls = Some(ms(t.elapsed()));
    let accepted = reply.code == 220;
    record.starttls.reply = Some(reply);
    if !accepted {
        return quit(conn, ctx, record).await;
    }

    // Whatever came after the 220 arrived in plaintext and cannot be told apart from bytes a
    // man in the middle inserted: it must never be read as if it came inside TLS.
    let leftover = conn.reader.buffered();
    if !leftover.is_empty() {
        ctx.note(
            TranscriptDirection::Event,
            format!(
                "discarded {} octets sent in plaintext after 220: {}",
                leftover.len(),
                escape_bytes(leftover)
            ),
        );
        record.starttls.injected = Some(leftover.to_vec());
        conn.reader.clear();
    }

    let Some(tls_stream) = handshake(conn.stream, target, ctx, record, false).await? else {
        return Ok(());
    };
    let mut conn = Conn::new(tls_stream, ctx);
    // The EHLO step begins here: listening for an injected answer is part of it, so the check
    // adds nothing to the longest a silent server can hold the probe.
    let ehlo_deadline = ctx.step_deadline();
    if record.pipelined.is_some() {
        if let Err(e) = listen_inside_tls(&mut conn, ctx, record, cfg.timeouts.step / 2).await {
            return late_handshake_failure(e, target, ctx, record);
        }
    }
    let t = Instant::now();
    let helo = cfg.helo.clone();
    let reply = match conn
        .command_by(
            ctx,
            Phase::EhloAfterTls,
            &format!("EHLO {helo}"),
            ehlo_deadline,
        )
        .await
    {
        Ok(reply) => reply,
        Err(e) => return late_handshake_failure(e, target, ctx, record),
    };
    record.timings.ehlo_after_tls = Some(ms(t.elapsed()));
    record.ehlo_after_tls = Some(reply);
    if let Some(p) = record.pipelined.as_mut() {
        p.alive_after = true;
    }
    quit(conn, ctx, record).await
}

/// The active checks' plaintext commands (MAIL FROM:<>, RSET), each reply recorded. Never RCPT
/// or DATA: no check ever starts to deliver a message. True when the server answered 421 and
/// is closing the session.
async fn before_starttls<S>(
    conn: &mut Conn<S>,
    cfg: &SessionConfig,
    ctx: &mut Ctx,
    record: &mut SessionRecord,
) -> Result<bool, SessionError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    for command in &cfg.extra.before_starttls {
        record.before_starttls.push(CommandRecord {
            command: command.clone(),
            reply: None,
        });
        let reply = conn.command(ctx, Phase::Check, command).await?;
        let closing = reply.code == 421;
        if let Some(last) = record.before_starttls.last_mut() {
            last.reply = Some(reply);
        }
        if closing {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Inside TLS, before saying anything: a reply now can only answer the command that was
/// written together with STARTTLS in plaintext. A server answers at once, so the wait is three
/// times the handshake (at least one round trip), between 500 ms and 2 s (and at most half
/// the step): a busy server may take a moment, and an answer that comes later still shows
/// (see `checks::injection`).
async fn listen_inside_tls<S>(
    conn: &mut Conn<S>,
    ctx: &mut Ctx,
    record: &mut SessionRecord,
    cap: std::time::Duration,
) -> Result<(), SessionError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let handshake = record.timings.handshake.unwrap_or(0.0);
    // Never more than half the step, so EHLO keeps time of its own.
    let wait =
        std::time::Duration::from_secs_f64((handshake * 3.0 / 1000.0).clamp(0.5, 2.0)).min(cap);
    let t = Instant::now();
    ctx.note(
        TranscriptDirection::Event,
        format!(
            "listening {} ms inside TLS for an answer to the command sent with STARTTLS",
            wait.as_millis()
        ),
    );
    let until = ctx.until(wait);
    let reply = conn
        .read_reply_until(ctx, Phase::EhloAfterTls, until)
        .await?;
    if let Some(p) = record.pipelined.as_mut() {
        p.listened_ms = Some(ms(t.elapsed()));
        p.answered_inside_tls = reply;
    }
    Ok(())
}

async fn implicit<S>(
    stream: S,
    cfg: &SessionConfig,
    target: &TlsTarget,
    ctx: &mut Ctx,
    record: &mut SessionRecord,
) -> Result<(), SessionError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let Some(tls_stream) = handshake(stream, target, ctx, record, true).await? else {
        return Ok(());
    };
    let mut conn = Conn::new(tls_stream, ctx);
    match greet(&mut conn, cfg, ctx, record, Phase::Ehlo).await? {
        AfterEhlo::Stop => Ok(()),
        AfterEhlo::Quit | AfterEhlo::Starttls { .. } => quit(conn, ctx, record).await,
    }
}

/// Banner, then EHLO (HELO when EHLO is refused), and the decision whether to upgrade.
async fn greet<S>(
    conn: &mut Conn<S>,
    cfg: &SessionConfig,
    ctx: &mut Ctx,
    record: &mut SessionRecord,
    phase: Phase,
) -> Result<AfterEhlo, SessionError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let t = Instant::now();
    let banner = conn.read_reply(ctx, Phase::Banner).await?;
    record.timings.banner = Some(ms(t.elapsed()));
    let banner_ok = banner.code == 220;
    let banner_code = banner.code;
    record.banner = Some(banner);
    if !banner_ok {
        // 554 may keep the connection open (RFC 5321 3.1); 421 closes it. Either way QUIT is
        // the polite word and the only one worth saying.
        if banner_code != 421 {
            conn.send_quietly(ctx, "QUIT").await;
        }
        return Ok(AfterEhlo::Stop);
    }

    let t = Instant::now();
    let ehlo = conn
        .command(ctx, phase, &format!("EHLO {}", cfg.helo))
        .await?;
    record.timings.ehlo = Some(ms(t.elapsed()));
    let code = ehlo.code;
    let offered = interpret_ehlo(&ehlo)
        .map(|e| e.starttls.strict_clients_see_it())
        .unwrap_or(false);
    record.ehlo = Some(ehlo);

    if code == 421 {
        return Ok(AfterEhlo::Stop);
    }
    if (500..600).contains(&code) {
        // RFC 5321 3.2: a server that does not support EHLO answers 5xx; fall back to HELO,
        // which has no extensions and therefore no STARTTLS.
        let helo = conn
            .command(ctx, Phase::Helo, &format!("HELO {}", cfg.helo))
            .await?;
        let helo_ok = helo.code == 250;
        record.helo = Some(helo);
        if !helo_ok {
            conn.send_quietly(ctx, "QUIT").await;
            return Ok(AfterEhlo::Stop);
        }
    } else if code != 250 {
        conn.send_quietly(ctx, "QUIT").await;
        return Ok(AfterEhlo::Stop);
    }

    Ok(match &cfg.tls {
        TlsPlan::Starttls { force, .. } if offered || *force => {
            AfterEhlo::Starttls { forced: !offered }
        }
        _ => AfterEhlo::Quit,
    })
}

/// The TLS handshake. `Ok(None)` when it failed: that is a fact for the record, not an error
/// of the session.
async fn handshake<S>(
    stream: S,
    target: &TlsTarget,
    ctx: &mut Ctx,
    record: &mut SessionRecord,
    implicit: bool,
) -> Result<Option<tokio_rustls::client::TlsStream<Tap<S>>>, SessionError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let offered: Vec<String> = target
        .versions
        .protocol_versions()
        .iter()
        .map(|v| version_name(v.version))
        .collect();
    ctx.note(
        TranscriptDirection::Event,
        format!("TLS handshake, offering {}", offered.join(", ")),
    );
    let connector = TlsConnector::from(target.config.clone());
    let t = Instant::now();
    let result = ctx
        .timed(Phase::Handshake, async {
            Ok(connector
                .connect(target.server_name.clone(), Tap::new(stream))
                .into_fallible()
                .await)
        })
        .await;
    record.timings.handshake = Some(ms(t.elapsed()));
    let mut tls = TlsRecord {
        implicit,
        offered,
        verify: target.verifier.outcome(),
        client_cert_requested: target.verifier.client_cert_requested(),
        ..TlsRecord::default()
    };
    let outcome = match result {
        Ok(Ok(stream)) => {
            let info = session_info(stream.get_ref().1);
            ctx.note(
                TranscriptDirection::Event,
                format!(
                    "TLS established: {} {} {}",
                    info.version,
                    info.cipher,
                    info.group.as_deref().unwrap_or("")
                ),
            );
            tls.session = Some(info);
            Ok(Some(stream))
        }
        Ok(Err((e, tap))) => {
            if !tap.first().is_empty() {
                tls.received_instead = Some(tap.first().to_vec());
            }
            let failure = classify_handshake_error_with(&e, tls.client_cert_requested);
            ctx.note(
                TranscriptDirection::Event,
                format!("TLS handshake failed: {}", failure.sentence),
            );
            tls.handshake_error = Some(failure);
            Ok(None)
        }
        Err(e) => Err(e),
    };
    record.tls = Some(tls);
    outcome
}

fn version_name(v: ProtocolVersion) -> String {
    match v {
        ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
        ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
        other => format!("{other:?}"),
    }
}

/// The first read inside TLS failed. In TLS 1.3 the client's handshake is over once it has
/// sent its Finished, so a server that rejects it (no client certificate, a failed
/// verification on its side) says so only now, with an alert: that is a handshake failure,
/// not a broken EHLO. Anything else stays an error of the EHLO step.
fn late_handshake_failure(
    e: SessionError,
    target: &TlsTarget,
    ctx: &mut Ctx,
    record: &mut SessionRecord,
) -> Result<(), SessionError> {
    let requested = target.verifier.client_cert_requested();
    let failure = match &e {
        SessionError::Io { source, .. }
            if source
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>()) =>
        {
            classify_handshake_error_with(source, requested)
        }
        SessionError::Closed { partial, .. } | SessionError::Reset { partial, .. }
            if requested && partial.is_empty() =>
        {
            HandshakeFailure {
                cause: HandshakeCause::ClientCertRequired,
                sentence: "the server asked for a client certificate and dropped the connection when the probe sent none".to_string(),
                detail: e.to_string(),
            }
        }
        _ => return Err(e),
    };
    ctx.note(
        TranscriptDirection::Event,
        format!("TLS handshake rejected by the server: {}", failure.sentence),
    );
    if let Some(tls) = record.tls.as_mut() {
        tls.client_cert_requested = requested;
        tls.handshake_error = Some(failure);
    }
    Ok(())
}

/// QUIT, its reply if it comes soon, and a TLS close_notify where there is TLS.
async fn quit<S>(
    mut conn: Conn<S>,
    ctx: &mut Ctx,
    record: &mut SessionRecord,
) -> Result<(), SessionError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let t = Instant::now();
    // A server that does not answer QUIT has still answered everything that matters.
    // Both waits end at the overall deadline at the latest.
    let until = ctx.until(QUIT_WAIT);
    let reply = tokio::time::timeout_at(until.into(), conn.command(ctx, Phase::Quit, "QUIT")).await;
    if let Ok(Ok(reply)) = reply {
        record.quit = Some(reply);
    }
    record.timings.quit = Some(ms(t.elapsed()));
    let until = ctx.until(QUIT_WAIT);
    let _ = tokio::time::timeout_at(until.into(), conn.stream.shutdown()).await;
    Ok(())
}
