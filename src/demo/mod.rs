//! The built-in demo: a scripted SMTP server on loopback, probed by the real probe code.
//!
//! It lets anyone see the tool's diagnosis with no network and no mail server of their own, and
//! it is the README's first command.

mod scenarios;
mod server;

pub use scenarios::{find_scenario, CertKind, Scenario, StarttlsBehaviour, SCENARIOS};
pub use server::{DemoError, DemoServer};

/// The name the demo certificate is issued for and the probe checks.
pub const DEMO_TLS_NAME: &str = "mx.demo.test";
