//! `GET /ws/chat/{room_id}`: one task per room socket (CONTRACT.md "WebSocket").
//!
//! The task registers with the room's hub first, then reads the history, so nothing is missed
//! in between; live `message` frames already in the history are skipped by id, so there is no
//! duplicate either. It then `select!`s over its outbound queue (drained in batches, flushed
//! once), client frames, pings, and the signals to stop.

use std::collections::HashMap;
use std::future::Future;
use std::task::Poll;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use chat_shared::frame::FrameError;
use chat_shared::limits::{MAX_CLIENT_FRAME_BYTES, WELCOME_HISTORY};
use chat_shared::{ClientFrame, ErrorCode, Room, ServerFrame};
use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::chat::{active_room, join_room, participant_list};
use super::closing::{close, finish};
use super::Routes;
use crate::app::AppState;
use crate::auth::csrf::foreign_origin;
use crate::auth::session::{CurrentUser, MaybeUser};
use crate::error::{AppError, Refusal};
use crate::fanout::Event;
use crate::hub::{to_text, ConnHandle, Outbound};
use crate::outbox::{outbox, Outbox, OutboxReceiver};
use crate::store::{now_ms, NewMessage};
use crate::writer::SendRequest;

/// The most messages a resume (`?after=`) puts in its welcome frame; the rest follow at once
/// as `message` frames, oldest first, before any live one, so a long absence never makes one
/// giant frame.
const RESUME_PAGE: u32 = 200;
/// Outbound frames written before one flush.
const WRITE_BATCH: usize = 64;
/// The longest one batch may take to write before the client counts as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(15);

pub fn routes() -> Routes {
    vec![("/ws/chat/{id}", get(upgrade))]
}

/// Socket buffers sized on purpose: tungstenite's defaults (128 KiB each way) would cost far
/// more per idle connection than the messages need.
pub fn configure(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(2 * 1024)
        .write_buffer_size(8 * 1024)
        .max_write_buffer_size(16 * 1024 * 1024)
        .max_message_size(MAX_CLIENT_FRAME_BYTES)
        .max_frame_size(MAX_CLIENT_FRAME_BYTES)
}

async fn upgrade(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    let user = user.ok_or(AppError::Unauthenticated)?;
    if foreign_origin(&headers, false) {
        return Err(AppError::Forbidden(Refusal::CrossOrigin));
    }
    let record = active_room(&state, &id).await?;
    let after = match query.get("after") {
        Some(v) => Some(v.parse::<i64>().map_err(|_| AppError::BadRequest)?),
        None => None,
    };
    let ws = ws.map_err(|_| AppError::BadRequest)?;
    join_room(&state, record.room.id, &user).await?;
    Ok(configure(ws).on_upgrade(move |socket| async move {
        RoomSocket::new(state, record.room, user)
            .run(socket, after)
            .await
    }))
}

struct RoomSocket {
    state: AppState,
    room: Room,
    user: CurrentUser,
    tx: Outbox,
    rx: OutboxReceiver,
    kill: CancellationToken,
    last_typing: Option<Instant>,
}

impl RoomSocket {
    fn new(state: AppState, room: Room, user: CurrentUser) -> Self {
        // A committed batch is one item however big (see `outbox`), so the limit is the
        // configured one even when a write carries more messages than it.
        let (tx, rx) = outbox(state.config.connection_queue);
        // Fires on shutdown too (see `serve`).
        let kill = state.shutdown.child_token();
        Self {
            state,
            room,
            user,
            tx,
            rx,
            kill,
            last_typing: None,
        }
    }

    async fn run(mut self, socket: WebSocket, after: Option<i64>) {
        let room_id = self.room.id;
        let nickname = self.user.user.nickname.clone();
        let conn_id = self.state.hubs.next_conn_id();
        let last_seq = self.state.store.last_seq(room_id).await.unwrap_or(0);
        self.state.hubs.join(
            room_id,
            ConnHandle {
                id: conn_id,
                user_id: self.user.user.id,
                nickname: nickname.clone(),
                session_hash: self.user.session_hash.clone(),
                tx: self.tx.clone(),
                kill: self.kill.clone(),
            },
            last_seq,
        );
        if self.state.fanout.connected(room_id, &nickname).await {
            self.state
                .fanout
                .publish(vec![Event::Presence {
                    room_id,
                    nickname: nickname.clone(),
                    online: true,
                }])
                .await;
        }

        // Boxed, like the cold paths inside it: the compiler laid `serve`'s state out inline
        // here in a way that cost 5.3 KiB of this task's memory for 2.7 KiB of future, for the
        // whole life of every socket (`chat-bench idle`, BENCHMARKS.md).
        Box::pin(self.serve(socket, after)).await;

        self.state.hubs.leave(room_id, conn_id);
        if self.state.fanout.disconnected(room_id, &nickname).await {
            self.state
                .fanout
                .publish(vec![Event::Presence {
                    room_id,
                    nickname,
                    online: false,
                }])
                .await;
        }
    }

    async fn welcome(&self, after: Option<i64>) -> Result<(ServerFrame, i64), AppError> {
        let store = &self.state.store;
        let (history, has_more) = match after {
            Some(after) => (
                store
                    .messages_after(self.room.id, after, RESUME_PAGE)
                    .await?,
                false,
            ),
            None => {
                let mut latest = store
                    .latest_messages(self.room.id, WELCOME_HISTORY + 1)
                    .await?;
                let has_more = latest.len() > WELCOME_HISTORY as usize;
                if has_more {
                    latest.remove(0);
                }
                (latest, has_more)
            }
        };
        let seen_upto = history
            .last()
            .map(|m| m.message.id)
            .unwrap_or(after.unwrap_or(0));
        let room = store
            .room(self.room.id)
            .await?
            .map(|r| r.room)
            .unwrap_or_else(|| self.room.clone());
        let frame = ServerFrame::Welcome {
            room,
            me: self.user.user.nickname.clone(),
            participants: participant_list(&self.state, self.room.id).await?,
            history: history.into_iter().map(|m| m.message).collect(),
            has_more,
        };
        Ok((frame, seen_upto))
    }

    async fn serve(&mut self, socket: WebSocket, after: Option<i64>) {
        let (mut sink, mut stream) = socket.split();
        // Boxed: the one-off welcome and backlog futures would otherwise sit inline in this
        // long-lived task for the socket's whole life (memory per idle connection).
        let (welcome, seen_upto) = match Box::pin(self.welcome(after)).await {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(error = ?e, "could not build the welcome frame");
                let _ = sink.send(close(1011, "server error; try again")).await;
                return;
            }
        };
        // Serialized and dropped before the first await, so its history and participant list
        // are not kept for the life of the socket.
        let text = to_text(&welcome);
        drop(welcome);
        if sink.send(Message::Text(text)).await.is_err() {
            return;
        }
        let seen_upto = match after {
            Some(_) => match Box::pin(self.send_backlog(&mut sink, seen_upto)).await {
                Some(upto) => upto,
                None => return,
            },
            None => seen_upto,
        };

        let ping_every = Duration::from_secs(self.state.config.ping_seconds.max(1));
        let mut ping = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
        let mut last_heard = Instant::now();
        // Grown by `recv_many` only for sockets that get traffic.
        let mut batch = Vec::new();
        // One stop signal, created once and polled in place: `kill` is a child of the server's
        // shutdown token, so it fires for both (re-creating the futures on every wake-up was a
        // tenth of the socket task's time under load).
        let kill_token = self.kill.clone();
        let stop = kill_token.cancelled();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                biased;
                _ = &mut stop => {
                    let frame = if self.state.shutdown.is_cancelled() {
                        // CONTRACT/SECURITY: 1012 tells clients to reconnect at once.
                        close(1012, "server restarting")
                    } else {
                        let mut frame = close(1013, "too slow: reconnect with ?after=");
                        while let Some(item) = self.rx.try_recv() {
                            if let Outbound::Close { code, reason } = item {
                                frame = close(code, reason);
                            }
                        }
                        frame
                    };
                    let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(frame)).await;
                    return;
                }
                n = self.rx.recv_many(&mut batch, WRITE_BATCH) => {
                    if n == 0 {
                        return;
                    }
                    let keep_going = {
                        let write = write_batch(&mut sink, &mut batch, seen_upto);
                        tokio::pin!(write);
                        // Most writes finish at once (the socket buffer has room), and those
                        // need no timer. A client that stops reading must not pin this task:
                        // a write that waits gives way to the stop signal (handled on the
                        // next turn) and to a deadline.
                        match std::future::poll_fn(|cx| Poll::Ready(write.as_mut().poll(cx))).await {
                            Poll::Ready(written) => matches!(written, Ok(true)),
                            Poll::Pending => tokio::select! {
                                biased;
                                _ = &mut stop => true,
                                written = tokio::time::timeout(WRITE_TIMEOUT, &mut write) => {
                                    matches!(written, Ok(Ok(true)))
                                }
                            },
                        }
                    };
                    batch.clear();
                    if !keep_going {
                        return;
                    }
                }
                incoming = stream.next() => {
                    last_heard = Instant::now();
                    match incoming {
                        // Boxed (one small allocation per client frame) to keep this
                        // long-lived task small.
                        Some(Ok(Message::Text(text))) => Box::pin(self.handle_text(&text)).await,
                        Some(Ok(Message::Binary(_))) => self.reply_error(FrameError {
                            code: ErrorCode::InvalidFrame,
                            message: "binary frames are not supported; send JSON text".into(),
                        }),
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                        ending => return Box::pin(finish(&mut sink, &mut stream, ending)).await,
                    }
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > ping_every * 3 {
                        tracing::info!(nickname = %self.user.user.nickname, "closing a socket that stopped answering pings");
                        let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(close(1001, "no answer to ping"))).await;
                        return;
                    }
                    if sink.send(Message::Ping(Default::default())).await.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// After a resume's welcome: every later stored message as `message` frames, page by page.
    /// Returns the last id sent (live frames up to it are then skipped), `None` if the socket
    /// or the database failed.
    async fn send_backlog(
        &self,
        sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
        mut upto: i64,
    ) -> Option<i64> {
        loop {
            let page = match self
                .state
                .store
                .messages_after(self.room.id, upto, RESUME_PAGE)
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    tracing::error!(error = ?e, "could not read the resume backlog");
                    let _ = sink
                        .send(close(1011, "server error; reconnect with ?after="))
                        .await;
                    return None;
                }
            };
            let Some(last) = page.last() else {
                return Some(upto);
            };
            upto = last.message.id;
            for stored in page {
                let frame = to_text(&ServerFrame::Message(stored.message));
                sink.feed(Message::Text(frame)).await.ok()?;
            }
            sink.flush().await.ok()?;
        }
    }

    fn reply(&self, frame: &ServerFrame) {
        // A full queue means this connection is being dropped anyway.
        let _ = self.tx.try_send(Outbound::frame(frame));
    }

    fn reply_error(&self, error: FrameError) {
        self.reply(&error.into_frame());
    }

    async fn handle_text(&mut self, text: &str) {
        let frame = match ClientFrame::parse(text) {
            Ok(frame) => frame,
            Err(e) => return self.reply_error(e),
        };
        match frame {
            ClientFrame::Send { body, nonce } => self.handle_send(&body, nonce.as_deref()).await,
            ClientFrame::History { before, limit } => self.handle_history(before, limit).await,
            ClientFrame::Typing => self.handle_typing().await,
        }
    }

    async fn handle_send(&mut self, body: &str, nonce: Option<&str>) {
        let valid = match ClientFrame::validate_send(body, nonce) {
            Ok(v) => v,
            Err(e) => return self.reply_error(e),
        };
        if let Err(not_until) = self.state.send_limiter.check_key(&self.user.user.id) {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            return self.reply_error(FrameError {
                code: ErrorCode::RateLimited,
                message: format!(
                    "you are sending messages too fast; wait {:.1} s and send again",
                    wait.as_secs_f64().max(0.1)
                ),
            });
        }
        let request = SendRequest {
            message: NewMessage {
                room_id: self.room.id,
                sender: self.user.user.clone(),
                body: valid.body,
                nonce: valid.nonce,
                sent_at: now_ms(),
            },
            reply: self.tx.clone(),
        };
        if !self.state.writer.submit(request).await {
            self.reply(&ServerFrame::Error {
                code: ErrorCode::StoreFailed,
                message: "the server is shutting down; send the message again after reconnecting"
                    .into(),
            });
        }
    }

    async fn handle_history(&mut self, before: i64, limit: u32) {
        let limit = match ClientFrame::validate_history_limit(limit) {
            Ok(l) => l,
            Err(e) => return self.reply_error(e),
        };
        match self
            .state
            .store
            .messages_before(self.room.id, before, limit + 1)
            .await
        {
            Ok(mut messages) => {
                let has_more = messages.len() > limit as usize;
                if has_more {
                    messages.remove(0);
                }
                self.reply(&ServerFrame::History {
                    messages: messages.into_iter().map(|m| m.message).collect(),
                    has_more,
                });
            }
            Err(e) => {
                tracing::error!(error = ?e, "history query failed");
                self.reply(&ServerFrame::Error {
                    code: ErrorCode::StoreFailed,
                    message: "the server could not load older messages; try again".into(),
                });
            }
        }
    }

    async fn handle_typing(&mut self) {
        // At most one typing event a second per connection: it is a hint, not a stream.
        if self
            .last_typing
            .is_some_and(|t| t.elapsed() < Duration::from_secs(1))
        {
            return;
        }
        self.last_typing = Some(Instant::now());
        self.state
            .fanout
            .publish(vec![Event::Typing {
                room_id: self.room.id,
                user_id: self.user.user.id,
                nickname: self.user.user.nickname.clone(),
            }])
            .await;
    }
}

/// Writes queued frames (skipping messages the welcome already held) and flushes once.
/// `Ok(false)` when a close frame was sent and the socket is done.
async fn write_batch(
    sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    batch: &mut Vec<Outbound>,
    seen_upto: i64,
) -> Result<bool, axum::Error> {
    for item in batch.drain(..) {
        match item {
            Outbound::Frame { text } => sink.feed(Message::Text(text)).await?,
            Outbound::Frames(frames) => {
                for text in frames.iter() {
                    sink.feed(Message::Text(text.clone())).await?;
                }
            }
            Outbound::Messages(messages) => {
                for message in messages.iter().filter(|m| m.id > seen_upto) {
                    sink.feed(Message::Text(message.text.clone())).await?;
                }
            }
            Outbound::Close { code, reason } => {
                sink.send(close(code, reason)).await?;
                return Ok(false);
            }
        }
    }
    sink.flush().await?;
    Ok(true)
}
