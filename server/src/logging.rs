//! Log output: human-readable lines by default, or one JSON object per line with
//! `LOG_FORMAT=json` for log collectors. `RUST_LOG` filters (default `info`). Every line
//! written while serving a request or a socket carries its span's id (`request.rs`), so one
//! conversation can be followed through the log.

use tracing_subscriber::EnvFilter;

/// True with `LOG_FORMAT=json`: then standard output carries only JSON lines, and the
/// start-up banner is left to the log's own "listening" event.
pub fn is_json() -> bool {
    std::env::var("LOG_FORMAT").as_deref() == Ok("json")
}

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match std::env::var("LOG_FORMAT").as_deref() {
        Ok("json") => builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .init(),
        Ok("text") | Err(_) => builder.init(),
        Ok(other) => {
            builder.init();
            tracing::warn!(
                format = other,
                "LOG_FORMAT must be text or json; writing text"
            );
        }
    }
}
