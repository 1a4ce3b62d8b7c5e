//! The binary's edge: arguments, configuration, output streams. `anyhow` lives here only.

pub(crate) mod args;
pub(crate) mod config;
mod monitor;
mod placement;
mod run;
mod serve;

pub(crate) use run::run;
