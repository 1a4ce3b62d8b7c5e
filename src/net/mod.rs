//! Targets, name resolution and TCP connection.

mod connect;
mod target;

pub use connect::{connect_any, resolve_host, ConnectError, Connected};
pub use connect::{connect_any_from, ConnectFrom};
pub use target::{parse_target, Target, TargetError};
pub use target::{read_target_form, TargetForm};
