//! The lobby socket's life (CONTRACT.md "Lobby"): the newest page of rooms, then every change
//! to the list.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use chat_shared::close::{RESTARTING, TOO_SLOW};
use chat_shared::limits::ROOM_PAGE;
use chat_shared::LobbyFrame;
use futures_util::{SinkExt, StreamExt};

use super::close::{close, finish};
use super::outbox::{outbox, to_text, Outbound};
use super::{FRAMES_PER_FLUSH, WRITE_TIMEOUT};
use crate::rooms::unread::{annotate, UnreadWatch, RECOUNT_AFTER};
use crate::state::AppState;
use crate::store::{StoreResult, Unread, User};

/// A logged-in lobby socket's unread counts: what it last told the client, per room.
struct Counts {
    user: User,
    watch: Arc<UnreadWatch>,
    told: HashMap<i64, Unread>,
}

/// `user`: the logged-in user and their session's hash, if any.
pub async fn serve(state: AppState, socket: WebSocket, user: Option<(User, String)>) {
    let _open = crate::metrics::OpenSocket::new("lobby");
    let kill = state.shutdown.child_token();
    let (tx, mut rx) = outbox(state.config.connection_queue, kill.clone());
    // Register before reading the list: a room created in between arrives as an update.
    let id = state.rooms.join_lobby(tx.clone());
    let (mut sink, mut stream) = socket.split();
    let first = async {
        let mut counts = None;
        if let Some((user, session_hash)) = user {
            // Watched before the rooms are read, so a line or a join in between is counted.
            let watch = Arc::new(UnreadWatch::new(&user, &session_hash));
            state.rooms.watch_unread(id, watch.clone());
            let theirs = state.store.rooms_of(user.id).await?;
            state.rooms.watch_unread_rooms(id, &theirs);
            counts = Some(Counts {
                user,
                watch,
                told: HashMap::new(),
            });
        }
        // Only the newest page: older rooms are for `GET /chat/list?before=`, so this
        // frame's size does not grow with the number of rooms.
        let mut rooms = state.store.active_rooms(None, ROOM_PAGE + 1).await?;
        let has_more = rooms.len() > ROOM_PAGE as usize;
        rooms.truncate(ROOM_PAGE as usize);
        if let Some(counts) = &mut counts {
            annotate(state.store.as_ref(), &counts.user, &mut rooms).await?;
            for room in &rooms {
                counts.told.insert(
                    room.id,
                    Unread {
                        count: room.unread,
                        mentioned: room.mentioned,
                    },
                );
            }
        }
        StoreResult::Ok((rooms, has_more, counts))
    };
    let (rooms, has_more, mut counts) = match first.await {
        Ok(first) => first,
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
        // When to count the touched rooms again: set by the first touch after a count.
        let mut recount_at: Option<tokio::time::Instant> = None;
        loop {
            let touched = async {
                match &counts {
                    Some(c) => c.watch.touched().await,
                    None => std::future::pending().await,
                }
            };
            let recount = async {
                match recount_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                _ = kill.cancelled() => {
                    let frame = if state.shutdown.is_cancelled() {
                        close(RESTARTING, "server restarting")
                    } else {
                        // Its queue filled: it stopped reading the list's changes; or its
                        // session was logged out, which queued a close of its own.
                        let mut frame = close(TOO_SLOW, "too slow: reconnect to get the room list again");
                        while let Some(item) = rx.try_recv() {
                            if let Outbound::Close { code, reason } = item {
                                frame = close(code, reason);
                            }
                        }
                        frame
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
                                sink.feed(Message::Text((*text).clone())).await?;
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
                    // Freed, not kept: an idle socket holds no queue memory.
                    batch = Vec::new();
                }
                incoming = stream.next() => match incoming {
                    Some(Ok(Message::Text(_) | Message::Binary(_) | Message::Ping(_) | Message::Pong(_))) => {}
                    ending => {
                        finish(&mut sink, &mut stream, ending).await;
                        break;
                    }
                },
                _ = touched, if recount_at.is_none() => {
                    recount_at = Some(tokio::time::Instant::now() + RECOUNT_AFTER);
                }
                _ = recount => {
                    recount_at = None;
                    if let Some(counts) = &mut counts {
                        tell_unread(&state, counts, &tx).await;
                    }
                }
                _ = ping.tick() => {
                    let ping = sink.send(Message::Ping(Default::default()));
                    if !matches!(tokio::time::timeout(WRITE_TIMEOUT, ping).await, Ok(Ok(()))) { break; }
                }
            }
        }
    }
    state.rooms.leave_lobby(id);
}

/// Counts the touched rooms again and queues an `unread` frame for each whose count or
/// mention changed since the client was last told.
async fn tell_unread(state: &AppState, counts: &mut Counts, tx: &super::outbox::Outbox) {
    let rooms = counts.watch.take();
    if rooms.is_empty() {
        return;
    }
    let now = match state.store.unread(&counts.user, &rooms).await {
        Ok(now) => now,
        Err(e) => {
            tracing::warn!(error = ?e, "could not count unread lines; trying again shortly");
            for room in rooms {
                counts.watch.touch(room);
            }
            return;
        }
    };
    for room_id in rooms {
        let unread = now.get(&room_id).copied().unwrap_or_default();
        let before = counts.told.insert(room_id, unread).unwrap_or_default();
        if before != unread {
            // False only when the socket is closing: nothing left to tell.
            let _ = tx.offer(Outbound::frame(&LobbyFrame::Unread {
                room_id,
                unread: unread.count,
                mentioned: unread.mentioned,
            }));
        }
    }
}
