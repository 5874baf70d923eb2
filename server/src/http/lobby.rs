//! `GET /ws/lobby`: the live room list (CONTRACT.md "Lobby"). No session needed.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chat_shared::LobbyFrame;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;

use super::closing::{close, finish};
use super::ws::configure;
use super::Routes;
use crate::app::AppState;
use crate::error::AppError;
use crate::hub::{to_text, Outbound};

pub fn routes() -> Routes {
    vec![("/ws/lobby", get(upgrade))]
}

async fn upgrade(
    State(state): State<AppState>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    let ws = ws.map_err(|_| AppError::BadRequest)?;
    Ok(configure(ws).on_upgrade(move |socket| serve(state, socket)))
}

async fn serve(state: AppState, socket: WebSocket) {
    let (tx, mut rx) = mpsc::channel(state.config.connection_queue);
    // Register before reading the list: a room created in between arrives as an update.
    let id = state.hubs.join_lobby(tx);
    let (mut sink, mut stream) = socket.split();
    let rooms = match state.store.active_rooms().await {
        Ok(rooms) => rooms,
        Err(e) => {
            tracing::error!(error = ?e, "could not list rooms for the lobby");
            state.hubs.leave_lobby(id);
            return;
        }
    };
    if sink
        .send(Message::Text(to_text(&LobbyFrame::Rooms { rooms })))
        .await
        .is_ok()
    {
        let ping_every = Duration::from_secs(state.config.ping_seconds.max(1));
        let mut ping = tokio::time::interval(ping_every);
        loop {
            tokio::select! {
                _ = state.shutdown.cancelled() => {
                    let _ = sink.send(close(1012, "server restarting")).await;
                    break;
                }
                item = rx.recv() => match item {
                    Some(Outbound::Frame { text }) => {
                        if sink.send(Message::Text(text)).await.is_err() { break; }
                    }
                    _ => break,
                },
                incoming = stream.next() => match incoming {
                    Some(Ok(Message::Text(_) | Message::Binary(_) | Message::Ping(_) | Message::Pong(_))) => {}
                    ending => {
                        finish(&mut sink, &mut stream, ending).await;
                        break;
                    }
                },
                _ = ping.tick() => {
                    if sink.send(Message::Ping(Default::default())).await.is_err() { break; }
                }
            }
        }
    }
    state.hubs.leave_lobby(id);
}
