//! The exporter's own metrics (`GET /metrics`), kept in atomics and rendered per request.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

#[derive(Debug, Default)]
pub struct ExporterMetrics {
    success: AtomicU64,
    failure: AtomicU64,
    rejected: AtomicU64,
    busy: AtomicU64,
    in_flight: AtomicI64,
    /// Microseconds spent answering /probe, summed.
    seconds_micros: AtomicU64,
}

impl ExporterMetrics {
    /// A scrape refused before any probe: `rejected` (bad request) or `busy` (no slot).
    pub fn count(&self, what: &str) {
        let c = if what == "busy" {
            &self.busy
        } else {
            &self.rejected
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn in_flight(&self, delta: i64) {
        self.in_flight.fetch_add(delta, Ordering::Relaxed);
    }

    pub fn finish(&self, success: bool, took: Duration) {
        let c = if success {
            &self.success
        } else {
            &self.failure
        };
        c.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.seconds_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub fn render(&self, max_concurrent: usize) -> String {
        let mut out = String::new();
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP smtp_tls_check_exporter_build_info The exporter's version"
        );
        let _ = writeln!(out, "# TYPE smtp_tls_check_exporter_build_info gauge");
        let _ = writeln!(
            out,
            "smtp_tls_check_exporter_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(
            out,
            "# HELP smtp_tls_check_exporter_probes_total Probe requests by result"
        );
        let _ = writeln!(out, "# TYPE smtp_tls_check_exporter_probes_total counter");
        for (result, v) in [
            ("success", get(&self.success)),
            ("failure", get(&self.failure)),
            ("rejected", get(&self.rejected)),
            ("busy", get(&self.busy)),
        ] {
            let _ = writeln!(
                out,
                "smtp_tls_check_exporter_probes_total{{result=\"{result}\"}} {v}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP smtp_tls_check_exporter_probe_seconds_total Time spent answering probes"
        );
        let _ = writeln!(
            out,
            "# TYPE smtp_tls_check_exporter_probe_seconds_total counter"
        );
        let _ = writeln!(
            out,
            "smtp_tls_check_exporter_probe_seconds_total {}",
            get(&self.seconds_micros) as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "# HELP smtp_tls_check_exporter_probes_in_flight Probes running now"
        );
        let _ = writeln!(out, "# TYPE smtp_tls_check_exporter_probes_in_flight gauge");
        let _ = writeln!(
            out,
            "smtp_tls_check_exporter_probes_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP smtp_tls_check_exporter_max_concurrent_probes --max-concurrent"
        );
        let _ = writeln!(
            out,
            "# TYPE smtp_tls_check_exporter_max_concurrent_probes gauge"
        );
        let _ = writeln!(
            out,
            "smtp_tls_check_exporter_max_concurrent_probes {max_concurrent}"
        );
        out
    }
}
