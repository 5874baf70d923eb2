//! The lobby socket's life (CONTRACT.md "Lobby"): the newest page of rooms, then every change
//! to the list.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use chat_shared::close::{RESTARTING, TOO_SLOW};
use chat_shared::limits::ROOM_PAGE;
use chat_shared::LobbyFrame;
use futures_util::{SinkExt, StreamExt};

use super::close::{close, finish};
use super::outbox::{outbox, to_text, Outbound};
use super::{FRAMES_PER_FLUSH, WRITE_TIMEOUT};
use crate::state::AppState;

pub async fn serve(state: AppState, socket: WebSocket) {
    let _open = crate::metrics::OpenSocket::new("lobby");
    let kill = state.shutdown.child_token();
    let (tx, mut rx) = outbox(state.config.connection_queue, kill.clone());
    // Register before reading the list: a room created in between arrives as an update.
    let id = state.rooms.join_lobby(tx);
    let (mut sink, mut stream) = socket.split();
    // Only the newest page: older rooms are for `GET /chat/list?before=`, so this frame's
    // size does not grow with the number of rooms.
    let page = ROOM_PAGE as usize;
    let (rooms, has_more) = match state.store.active_rooms(None, ROOM_PAGE + 1).await {
        Ok(mut rooms) => {
            let has_more = rooms.len() > page;
            rooms.truncate(page);
            (rooms, has_more)
        }
        Err(e) => {
            tracing::error!(error = ?e, "could not list rooms for the lobby");
            state.rooms.leave_lobby(id);
            return;
        }
    };
    let first = sink.send(Message::Text(to_text(&LobbyFrame::Rooms {
        rooms,
        has_more,
    })));
    // Under the write deadline: a client that never reads must not hold the list.
    if matches!(tokio::time::timeout(WRITE_TIMEOUT, first).await, Ok(Ok(()))) {
        let ping_every = Duration::from_secs(state.config.ping_seconds.max(1));
        let mut ping = tokio::time::interval(ping_every);
        let mut batch = Vec::new();
        loop {
            tokio::select! {
                biased;
                _ = kill.cancelled() => {
                    let frame = if state.shutdown.is_cancelled() {
                        close(RESTARTING, "server restarting")
                    } else {
                        // Its queue filled: it stopped reading the list's changes.
                        close(TOO_SLOW, "too slow: reconnect to get the room list again")
                    };
                    let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(frame)).await;
                    break;
                }
                n = rx.recv_many(&mut batch, FRAMES_PER_FLUSH) => {
                    if n == 0 {
                        break;
                    }
                    let write = async {
                        for item in batch.drain(..) {
                            if let Outbound::Frame { text } = item {
                                sink.feed(Message::Text(text)).await?;
                            }
                        }
                        sink.flush().await
                    };
                    // A client that stopped reading must not pin this task: the stop signal
                    // (its queue filled meanwhile) ends the write, and the next turn closes.
                    tokio::select! {
                        biased;
                        _ = kill.cancelled() => {}
                        written = write => if written.is_err() { break; },
                    }
                }
                incoming = stream.next() => match incoming {
                    Some(Ok(Message::Text(_) | Message::Binary(_) | Message::Ping(_) | Message::Pong(_))) => {}
                    ending => {
                        finish(&mut sink, &mut stream, ending).await;
                        break;
                    }
                },
                _ = ping.tick() => {
                    let ping = sink.send(Message::Ping(Default::default()));
                    if !matches!(tokio::time::timeout(WRITE_TIMEOUT, ping).await, Ok(Ok(()))) { break; }
                }
            }
        }
    }
    state.rooms.leave_lobby(id);
}
