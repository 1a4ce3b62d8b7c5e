//! Active checks: what the probe does beyond "is STARTTLS offered and does TLS work".
//!
//! Each check is one file. A check either adds steps to the one SMTP session
//! ([`crate::session::ExtraSteps`]: enforcement, injection) or runs more sessions of its own
//! (samples). Checks gather facts only; [`crate::diagnose`] judges them.
//!
//! - [`enforcement`] (`--check-enforcement`): `MAIL FROM:<>` before TLS, then `RSET`.
//! - [`injection`] (`--check-injection`): a command pipelined with STARTTLS (CVE-2011-0411).
//! - [`samples`] (`--samples N`): every address probed N times, the sessions compared.

pub mod enforcement;
pub mod injection;
pub mod samples;

use crate::session::ExtraSteps;

pub use samples::{run_samples, Sample};

/// The active checks asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveChecks {
    pub enforcement: bool,
    pub injection: bool,
    /// Sessions per address; 1 takes no extra samples.
    pub samples: u32,
}

impl Default for ActiveChecks {
    fn default() -> Self {
        ActiveChecks {
            enforcement: false,
            injection: false,
            samples: 1,
        }
    }
}

impl ActiveChecks {
    /// The steps the session engine adds for these checks.
    pub fn extra_steps(&self) -> ExtraSteps {
        ExtraSteps {
            before_starttls: if self.enforcement {
                enforcement::COMMANDS
                    .iter()
                    .map(|c| c.to_string())
                    .collect()
            } else {
                Vec::new()
            },
            pipeline_with_starttls: self.injection.then(|| injection::COMMAND.to_string()),
        }
    }
}
