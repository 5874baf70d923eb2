//! `/static/*`: the pages' CSS, JS and icon, compiled into the binary so it runs from anywhere
//! and never needs a CDN; and `/favicon.ico`, which browsers ask for on their own.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

const JS: &str = "text/javascript; charset=utf-8";
const SVG: &str = "image/svg+xml";

const FAVICON: &str = include_str!("../../../static/favicon.svg");

/// Every file under `static/`: its name, its type and its content. The room page's scripts
/// are one file per job (see `templates/room.html` for their order).
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../../static/app.css"),
    ),
    ("favicon.svg", SVG, FAVICON),
    ("common.js", JS, include_str!("../../../static/common.js")),
    ("lobby.js", JS, include_str!("../../../static/lobby.js")),
    ("body.js", JS, include_str!("../../../static/body.js")),
    ("days.js", JS, include_str!("../../../static/days.js")),
    ("links.js", JS, include_str!("../../../static/links.js")),
    ("outbox.js", JS, include_str!("../../../static/outbox.js")),
    (
        "message_log.js",
        JS,
        include_str!("../../../static/message_log.js"),
    ),
    (
        "participants.js",
        JS,
        include_str!("../../../static/participants.js"),
    ),
    ("bans.js", JS, include_str!("../../../static/bans.js")),
    (
        "read_marker.js",
        JS,
        include_str!("../../../static/read_marker.js"),
    ),
    (
        "mention_picker.js",
        JS,
        include_str!("../../../static/mention_picker.js"),
    ),
    (
        "mention_alerts.js",
        JS,
        include_str!("../../../static/mention_alerts.js"),
    ),
    (
        "notify_level.js",
        JS,
        include_str!("../../../static/notify_level.js"),
    ),
    (
        "composer.js",
        JS,
        include_str!("../../../static/composer.js"),
    ),
    ("room.js", JS, include_str!("../../../static/room.js")),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/{name}", get(asset))
        // Browsers ask for it whatever the page links to; an SVG under that name draws too.
        .route("/favicon.ico", get(|| async { served(SVG, FAVICON) }))
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, mime, body)) => served(mime, body),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn served(mime: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod copies_of_chat_shared {
    use chat_shared::{close, limits};

    fn asset(name: &str) -> &'static str {
        super::ASSETS
            .iter()
            .find(|(n, _, _)| *n == name)
            .unwrap_or_else(|| panic!("{name} is served"))
            .2
    }

    /// `room.js` names the close codes it acts on; they must be the ones `chat-shared` defines.
    #[test]
    fn room_js_names_the_close_codes_chat_shared_defines() {
        let js = asset("room.js");
        for (name, code) in close::NAMED {
            assert!(
                js.contains(&format!("    {name}: {code},")),
                "room.js's CLOSE.{name} is {code}"
            );
        }
    }

    /// `body.js` counts a message against the limit the server checks.
    #[test]
    fn body_js_counts_against_the_limit_chat_shared_defines() {
        assert!(
            asset("body.js").contains(&format!("  MAX_CHARS: {},", limits::BODY_MAX_CHARS)),
            "body.js's MAX_CHARS is limits::BODY_MAX_CHARS"
        );
    }
}
