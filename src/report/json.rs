use crate::model::Report;

/// The report as one pretty-printed JSON object.
pub fn render_json(report: &Report) -> String {
    // Serialising plain data with string keys cannot fail; fall back to a valid object anyway.
    serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        format!(
            "{{\"schema_version\":1,\"verdict\":\"error\",\"summary\":{:?}}}",
            e.to_string()
        )
    })
}

/// The report as one line, for JSON Lines output.
pub fn render_json_line(report: &Report) -> String {
    serde_json::to_string(report).unwrap_or_else(|e| {
        format!(
            "{{\"schema_version\":1,\"verdict\":\"error\",\"summary\":{:?}}}",
            e.to_string()
        )
    })
}
