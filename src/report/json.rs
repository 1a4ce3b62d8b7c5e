use serde::Serialize;

/// The version of the tool that wrote a report: the `tool_version` key.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A report as written: the model's keys, then when and by which version it was written. These
/// two describe the document, not the finding, so they are added here, at the one JSON writer.
#[derive(Serialize)]
struct Document<'a, T: Serialize> {
    #[serde(flatten)]
    report: &'a T,
    /// RFC 3339, UTC, whole seconds.
    timestamp: String,
    tool_version: &'static str,
}

/// A report (host or domain) as one pretty-printed JSON object.
pub fn render_json<T: Serialize>(report: &T) -> String {
    to_json(report, true)
}

/// The same on one line, for JSON Lines output.
pub fn render_json_line<T: Serialize>(report: &T) -> String {
    to_json(report, false)
}

/// Now, as RFC 3339 in UTC (`2026-11-30T16:40:00Z`).
pub fn timestamp_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn to_json<T: Serialize>(value: &T, pretty: bool) -> String {
    let doc = Document {
        report: value,
        timestamp: timestamp_now(),
        tool_version: TOOL_VERSION,
    };
    let result = if pretty {
        serde_json::to_string_pretty(&doc)
    } else {
        serde_json::to_string(&doc)
    };
    // Plain data with string keys cannot fail to serialise; stay valid JSON all the same.
    result.unwrap_or_else(|e| {
        format!(
            "{{\"schema_version\":1,\"verdict\":\"error\",\"summary\":{:?}}}",
            e.to_string()
        )
    })
}
