//! Rendering of [`crate::model::Report`]: human text and JSON. Formatting only, no decisions.
//!
//! Everything from the server reaches this module already escaped (see
//! [`smtp_grammar::escape_bytes`]), so nothing printed here can carry a raw control character.

mod clients;
mod domain;
mod human;
mod json;
mod style;

pub use clients::render_client_table;
pub use domain::{render_domain_human, render_target_human, render_target_verdict_line};
pub use human::render_human;
pub use json::{render_json, render_json_line};
pub use style::Style;
