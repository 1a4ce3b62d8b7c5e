use serde::Serialize;

/// A report (host, domain or batch summary) as one pretty-printed JSON object.
pub fn render_json<T: Serialize>(report: &T) -> String {
    to_json(report, true)
}

/// The same on one line, for JSON Lines output.
pub fn render_json_line<T: Serialize>(report: &T) -> String {
    to_json(report, false)
}

fn to_json<T: Serialize>(value: &T, pretty: bool) -> String {
    let result = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    // Plain data with string keys cannot fail to serialise; stay valid JSON all the same.
    result.unwrap_or_else(|e| {
        format!(
            "{{\"schema_version\":1,\"verdict\":\"error\",\"summary\":{:?}}}",
            e.to_string()
        )
    })
}
