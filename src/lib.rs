//! smtp-tls-check: does a mail server's STARTTLS really work, and for which clients?
//!
//! - [`smtp_grammar`] (its own crate, no I/O): replies, EHLO interpretation, client view.
//! - [`session`]: the SMTP conversation over any async stream, bounded and under deadlines.
//! - [`tls`]: rustls configuration, a verifier that records its verdict, certificate details.
//! - [`checks`]: active checks (enforcement, injection, samples) that gather more facts.
//! - [`diagnose`]: facts -> findings and a verdict. The only place that judges.
//! - [`model`]: the report as data; [`report`] renders it.
//! - [`probe`], [`net`], [`mx`], [`batch`]: targets, connections, domains, many targets.
//! - [`serve`]: the Prometheus exporter (`/probe`, `/metrics`).
//! - [`demo`]: a built-in scripted server for trying the tool with no network.
#![forbid(unsafe_code)]

pub mod batch;
pub mod checks;
pub mod demo;
pub mod diagnose;
pub mod model;
pub mod mx;
pub mod net;
pub mod policy;
pub mod probe;
pub mod report;
pub mod serve;
pub mod session;
pub mod tls;
mod util;

pub use smtp_grammar;
