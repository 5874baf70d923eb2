//! `GET /ws/chat/{room_id}` and `GET /ws/lobby`: who may open a socket, and the hand-over to
//! its task (CONTRACT.md "WebSocket", "Lobby").

use std::collections::HashMap;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::future::BoxFuture;
use futures_util::StreamExt;
use tracing::Instrument;

use super::configure;
use super::room::{Known, RoomSocket};
use crate::auth::csrf::foreign_origin;
use crate::auth::session::MaybeUser;
use crate::error::{AppError, Refusal};
use crate::state::AppState;
use crate::store::Joins;

/// A room socket: for a logged-in participant of an active room, from this site's pages (or
/// a client that sends no `Origin`). Entering makes the user a participant.
pub async fn room(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    let user = user.ok_or(AppError::Unauthenticated)?;
    if foreign_origin(&headers, false) {
        return Err(AppError::Forbidden(Refusal::CrossOrigin));
    }
    let (found, mark) = state.rooms.active_for_socket(&id, &user.user).await?;
    let after = match query.get("after") {
        Some(v) => Some(v.parse::<i64>().map_err(|_| AppError::BadRequest)?),
        None => None,
    };
    let joins = asked_for_joins(query.get("events").map(String::as_str));
    let ws = ws.map_err(|_| AppError::BadRequest)?;
    let slot = state
        .socket_slots
        .take(user.user.id)
        .ok_or(AppError::TooManySockets)?;
    state.rooms.enter_found(&found, &user.user).await?;
    let known = mark.map(|mark| Known::new(mark, &found));
    let record = found.record;
    // A child of the request's span, so the socket's lines carry the request id it began as.
    let span = tracing::info_span!("socket", room = record.room.id, user = %user.user.nickname);
    // axum keeps the callback and its future in the socket's task for the socket's whole
    // life: so the callback holds one box, and the future is boxed (memory per connection,
    // `chat-bench idle`). The socket is split before the future is made, and the future is
    // `run`'s own, not wrapped in another `async` block: a future's arguments keep their
    // place in it for its whole life, so a wrapper holding `run`, or `run` holding the
    // unsplit socket, would hold each of them twice.
    let start = Box::new((state, record.room, user, joins, after, slot, known, span));
    Ok(
        configure(ws).on_upgrade(move |socket| -> BoxFuture<'static, ()> {
            let (state, room, user, joins, after, slot, known, span) = *start;
            let (sink, stream) = socket.split();
            Box::pin(
                RoomSocket::new(state, room, user, joins, slot, known)
                    .run(sink, stream, after)
                    .instrument(span),
            )
        }),
    )
}

/// Whether `?events=` (a comma-separated list) asks for join and leave lines. Names this
/// server does not know are ignored, so a client may ask for events a newer server adds.
fn asked_for_joins(events: Option<&str>) -> Joins {
    match events {
        Some(list) if list.split(',').any(|name| name.trim() == "joins") => Joins::Included,
        _ => Joins::Excluded,
    }
}

/// The lobby's socket: the live room list. No session needed; with one, the list carries the
/// user's unread counts.
pub async fn lobby(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    let ws = ws.map_err(|_| AppError::BadRequest)?;
    let span = tracing::info_span!("lobby_socket");
    let user = user.map(|u| (u.user, u.session_hash));
    Ok(configure(ws)
        .on_upgrade(move |socket| super::lobby::serve(state, socket, user).instrument(span)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_list_that_names_joins_asks_for_them() {
        assert_eq!(asked_for_joins(None), Joins::Excluded);
        assert_eq!(asked_for_joins(Some("")), Joins::Excluded);
        assert_eq!(asked_for_joins(Some("typing")), Joins::Excluded);
        assert_eq!(asked_for_joins(Some("joins")), Joins::Included);
        assert_eq!(asked_for_joins(Some("later,joins")), Joins::Included);
    }
}
