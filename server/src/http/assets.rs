//! `/static/*`: the pages' CSS, JS and icon, compiled into the binary so it runs from anywhere
//! and never needs a CDN; and `/favicon.ico`, which browsers ask for on their own.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

const SVG: &str = "image/svg+xml";

const FAVICON: &str = include_str!("../../../static/favicon.svg");

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../../static/app.css"),
    ),
    ("favicon.svg", SVG, FAVICON),
    (
        "lobby.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/lobby.js"),
    ),
    (
        "room.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/room.js"),
    ),
    (
        "common.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/common.js"),
    ),
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
mod close_codes {
    use chat_shared::close;

    /// `room.js` names the close codes it acts on; they must be the ones `chat-shared` defines.
    #[test]
    fn room_js_names_the_close_codes_chat_shared_defines() {
        let js = super::ASSETS
            .iter()
            .find(|(name, _, _)| *name == "room.js")
            .expect("room.js is served")
            .2;
        for (name, code) in close::NAMED {
            assert!(
                js.contains(&format!("    {name}: {code},")),
                "room.js's CLOSE.{name} is {code}"
            );
        }
    }
}
