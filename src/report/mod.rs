//! Rendering of [`crate::model::Report`]: human text and JSON. Formatting only, no decisions.
//!
//! Everything from the server reaches this module already escaped (see
//! [`smtp_grammar::escape_bytes`]), so nothing printed here can carry a raw control character.

mod clients;
mod domain;
mod human;
mod json;
mod junit;
mod nagios;
mod policy;
mod prometheus;
mod style;
mod wrap;

pub use clients::render_client_table;
pub use domain::{render_domain_human, render_target_human, render_target_verdict_line};
pub use human::render_human;
pub use json::{render_json, render_json_line};
pub use json::{timestamp_now, TOOL_VERSION};
pub use junit::render_junit;
pub use nagios::{render_nagios, render_nagios_fleet};
pub use policy::{render_mx_policy_human, render_policy_human};
pub use prometheus::render_prometheus;
pub use style::Style;
pub use wrap::{visible_ends, wrap_to_width};
