//! `serve`: a Prometheus exporter in the manner of blackbox_exporter. `GET /probe?target=T`
//! (and `&module=NAME`) runs one probe and answers with its metrics, rendered fresh for that
//! request; `GET /metrics` answers with the exporter's own.
//!
//! A scrape never waits longer than Prometheus does: the deadline is the
//! `X-Prometheus-Scrape-Timeout-Seconds` header minus an offset, and it bounds the wait for a
//! probe slot as well as the probe. Each probe is its own task with its own deadline, so a
//! hostile target (slow banner, endless reply) holds one slot for at most one deadline and
//! never another scrape.

mod metrics;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::Semaphore;

use crate::diagnose::error_report;
use crate::diagnose::monitor::target_facts;
use crate::model::{FindingId, Mode, TargetReport, Thresholds};
use crate::mx::{probe_target, DomainOptions};
use crate::probe::ProbeOptions;
use crate::report::render_prometheus;

pub use metrics::ExporterMetrics;

/// The exposition format's content type (text format 0.0.4).
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Longest `target` accepted.
const MAX_TARGET: usize = 1024;

/// One named set of probe flags (`module=NAME`); the flags of `serve` itself are the module
/// named `default`.
#[derive(Debug, Clone)]
pub struct Module {
    pub opts: Arc<ProbeOptions>,
    pub dopts: Arc<DomainOptions>,
    /// The module sets `--port`: it is shown in each host target's input.
    pub port_flag: bool,
    pub thresholds: Thresholds,
}

#[derive(Debug)]
pub struct ServeConfig {
    pub modules: HashMap<String, Module>,
    /// Most probes running at once.
    pub max_concurrent: usize,
    /// Taken off the scrape timeout Prometheus announces.
    pub timeout_offset: Duration,
}

struct AppState {
    config: ServeConfig,
    slots: Semaphore,
    metrics: ExporterMetrics,
}

/// The exporter's routes, for a listener of the caller's choosing.
pub fn router(config: ServeConfig) -> Router {
    let slots = Semaphore::new(config.max_concurrent.max(1));
    let state = Arc::new(AppState {
        config,
        slots,
        metrics: ExporterMetrics::default(),
    });
    Router::new()
        .route("/", get(index))
        .route("/probe", get(probe))
        .route("/metrics", get(own_metrics))
        .with_state(state)
}

/// Serves until the listener fails.
pub async fn serve(listener: tokio::net::TcpListener, config: ServeConfig) -> std::io::Result<()> {
    axum::serve(listener, router(config)).await
}

async fn index() -> &'static str {
    "smtp-tls-check exporter\n\n/probe?target=HOST[:PORT][&module=NAME]  one probe's metrics\n/metrics  the exporter's own metrics\n"
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The scrape's deadline: Prometheus' timeout minus the offset, else the module's own
/// overall deadline.
fn deadline(headers: &HeaderMap, offset: Duration, module: &Module) -> Duration {
    let announced = headers
        .get("X-Prometheus-Scrape-Timeout-Seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| Duration::from_secs_f64(s.min(86_400.0)));
    match announced {
        // Never less than a tenth of a second: a probe needs some time to say "timeout".
        Some(t) => t.saturating_sub(offset).max(Duration::from_millis(100)),
        None => module.opts.timeouts.overall,
    }
}

async fn probe(
    State(state): State<Arc<AppState>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let started = Instant::now();
    let Some(target) = params.get("target").filter(|t| !t.is_empty()) else {
        state.metrics.count("rejected");
        return text(
            StatusCode::BAD_REQUEST,
            "target parameter is missing\n".into(),
        );
    };
    if target.len() > MAX_TARGET {
        state.metrics.count("rejected");
        return text(
            StatusCode::BAD_REQUEST,
            "target parameter is too long\n".into(),
        );
    }
    let name = params.get("module").map_or("default", String::as_str);
    let Some(module) = state.config.modules.get(name) else {
        state.metrics.count("rejected");
        let shown = crate::smtp_grammar::escape_bytes(name.as_bytes());
        return text(
            StatusCode::BAD_REQUEST,
            format!("unknown module {shown:?}\n"),
        );
    };
    let budget = deadline(&headers, state.config.timeout_offset, module);
    let until = started + budget;

    // A slot, within the same deadline: a full exporter answers 503 rather than late.
    let Ok(Ok(permit)) = tokio::time::timeout_at(until.into(), state.slots.acquire()).await else {
        state.metrics.count("busy");
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "all probe slots are busy (--max-concurrent)\n".into(),
        );
    };
    let remaining = until.saturating_duration_since(Instant::now());
    let mut opts = (*module.opts).clone();
    opts.timeouts.overall = opts.timeouts.overall.min(remaining);
    opts.timeouts.step = opts.timeouts.step.min(remaining);
    opts.timeouts.connect = opts.timeouts.connect.min(remaining);
    let dopts = module.dopts.clone();
    let port_flag = module.port_flag;
    let input = target.clone();
    // Its own task: whatever the target does, this scrape's answer comes at the deadline.
    let task = tokio::spawn(async move { probe_target(&input, &opts, &dopts, port_flag).await });
    // Ends the probe and counts it out even when Prometheus hangs up first.
    let _guard = InFlight::new(&state.metrics, task.abort_handle());
    let report = match tokio::time::timeout_at(until.into(), task).await {
        Ok(Ok(report)) => report,
        Ok(Err(_)) | Err(_) => {
            let mut r = error_report(
                Mode::Probe,
                FindingId::Timeout,
                format!(
                    "the probe did not finish within the scrape's {:.1} s",
                    budget.as_secs_f64()
                ),
            );
            r.timings_ms.total = Some(started.elapsed().as_secs_f64() * 1000.0);
            TargetReport::Host(r)
        }
    };
    drop(permit);
    let mut facts = target_facts(&report, &module.thresholds);
    // blackbox_exporter always reports a duration, a probe that never connected included.
    facts
        .duration_seconds
        .get_or_insert(started.elapsed().as_secs_f64());
    state.metrics.finish(facts.success, started.elapsed());
    let body = render_prometheus(std::slice::from_ref(&facts), false);
    (StatusCode::OK, [(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}

async fn own_metrics(State(state): State<Arc<AppState>>) -> Response {
    let body = state.metrics.render(state.config.max_concurrent);
    (StatusCode::OK, [(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}

struct InFlight<'a> {
    metrics: &'a ExporterMetrics,
    abort: tokio::task::AbortHandle,
}

impl<'a> InFlight<'a> {
    fn new(metrics: &'a ExporterMetrics, abort: tokio::task::AbortHandle) -> Self {
        metrics.in_flight(1);
        InFlight { metrics, abort }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.abort.abort();
        self.metrics.in_flight(-1);
    }
}
