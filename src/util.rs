//! Small helpers shared across modules.

use std::time::Duration;

/// Milliseconds with two decimals, as reported in `timings_ms`.
pub(crate) fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}
