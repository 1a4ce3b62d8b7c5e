//! The session engine: one SMTP conversation, from banner to QUIT, over any async stream.
//!
//! It knows the order of the steps and when to stop; it does not judge what it saw. The facts go
//! into a [`SessionRecord`], which [`crate::diagnose`] turns into findings. Every step runs under
//! its own deadline and every read is bounded, so a hostile server can neither stall the probe
//! past its deadline nor make it grow without limit.

mod config;
mod conn;
mod engine;
mod error;
mod record;
mod tap;

pub use config::{ExtraSteps, SessionConfig, SessionLimits, Timeouts, TlsPlan, TlsTarget};
pub(crate) use conn::render_line;
pub use engine::run_session;
pub use error::{Phase, SessionError};
pub use record::{CommandRecord, PipelinedRecord, SessionRecord, StarttlsRecord, TlsRecord};
