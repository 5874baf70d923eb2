//! A room socket's life: it takes its seat in the room (so nothing is missed from then on),
//! sends the welcome, then `select!`s over its outbound queue (drained in batches, flushed
//! once), the messages waiting for the send queue, client frames, pings, and the signal to stop.
//! Live `message` frames already in the welcome's history are skipped by id, so there is no
//! duplicate either.

use std::collections::VecDeque;
use std::future::Future;
use std::task::Poll;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use chat_shared::close::{LOGGED_OUT, NO_PONG, RESTARTING, SERVER_ERROR, TOO_SLOW};
use chat_shared::frame::FrameError;
use chat_shared::{ErrorCode, Room};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::close::{close, finish};
use super::outbox::{outbox, to_text, Outbound, Outbox, OutboxReceiver};
use super::slots::Slot;
use super::{FRAMES_PER_FLUSH, WRITE_TIMEOUT};
use crate::auth::session::CurrentUser;
use crate::metrics::OpenSocket;
use crate::rooms::Mark;
use crate::state::AppState;
use crate::store::{now_ms, Joins, NewMessage, RoomForUser};

/// Messages a socket holds while the send queue is full (the database is behind) before it
/// stops reading the client's frames.
const MAX_UNSENT: usize = 16;

pub(super) struct RoomSocket {
    pub(super) state: AppState,
    pub(super) room: Room,
    pub(super) user: CurrentUser,
    pub(super) tx: Outbox,
    rx: OutboxReceiver,
    kill: CancellationToken,
    /// Valid messages not yet in the send queue, oldest first.
    pub(super) unsent: VecDeque<NewMessage>,
    /// Whether this socket asked for join and leave lines (`?events=joins`).
    pub(super) joins: Joins,
    /// When this socket's last `read` was stored (`reads.rs`).
    pub(super) last_read_at: Option<Instant>,
    /// The user's place under `--sockets-per-user`, given back when the socket ends.
    _slot: Slot,
    /// What the upgrade read, for the welcome; taken by it.
    known: Option<Box<Known>>,
}

/// What the upgrade's read of the room told, and the live room's mark from before it: while
/// the room shows no change since ([`crate::rooms::Rooms::unchanged_since`]), the welcome
/// takes the room from that read, and a participant coming back their read marker too, so a
/// rejoin reads the room once, not twice.
pub(super) struct Known {
    pub(super) mark: Mark,
    /// Already a participant before this entry: the entry wrote no read marker.
    pub(super) participant: bool,
    pub(super) read_up_to: Option<i64>,
}

impl Known {
    pub(super) fn new(mark: Mark, found: &RoomForUser) -> Box<Self> {
        Box::new(Self {
            mark,
            participant: found.participant,
            read_up_to: found.read_up_to,
        })
    }
}

impl RoomSocket {
    pub(super) fn new(
        state: AppState,
        room: Room,
        user: CurrentUser,
        joins: Joins,
        slot: Slot,
        known: Option<Box<Known>>,
    ) -> Self {
        // Fires on shutdown too (see `serve`).
        let kill = state.shutdown.child_token();
        // A committed batch is one item however big (see `outbox`), so the limit is the
        // configured one even when a write carries more messages than it.
        let (tx, rx) = outbox(state.config.connection_queue, kill.clone());
        Self {
            state,
            room,
            user,
            tx,
            rx,
            kill,
            unsent: VecDeque::new(),
            joins,
            last_read_at: None,
            _slot: slot,
            known,
        }
    }

    pub(super) async fn run(
        mut self,
        mut sink: SplitSink<WebSocket, Message>,
        stream: SplitStream<WebSocket>,
        after: Option<i64>,
    ) {
        let _open = OpenSocket::new("room");
        let rooms = self.state.rooms.clone();
        // Boxed, as every one-off future of a socket's life: inline, the biggest of them sets
        // the size of the socket's task for as long as it lives (`chat-bench idle`).
        let seat = match Box::pin(rooms.connect(
            self.room.id,
            &self.user.user,
            &self.user.session_hash,
            self.tx.clone(),
            self.joins,
        ))
        .await
        {
            Ok(seat) => seat,
            Err(e) => {
                tracing::error!(error = ?e, room = self.room.id, "could not read the room's last message; refusing the socket");
                let frame = close(
                    SERVER_ERROR,
                    "the server could not open this room; try again",
                );
                let _ = Box::pin(tokio::time::timeout(
                    Duration::from_secs(1),
                    sink.send(frame),
                ))
                .await;
                return;
            }
        };
        // Boxed, like the cold paths inside it: inline, `serve`'s state made every socket's
        // task bigger for its whole life (`chat-bench idle`, BENCHMARKS.md). It borrows this
        // socket's state and takes the halves, so neither is held twice.
        Box::pin(self.serve(sink, stream, after)).await;
        Box::pin(rooms.disconnect(seat)).await;
    }

    async fn serve(
        &mut self,
        mut sink: SplitSink<WebSocket, Message>,
        mut stream: SplitStream<WebSocket>,
        after: Option<i64>,
    ) {
        // Boxed: the one-off welcome and backlog (their futures, and the frame and pages they
        // hold) would otherwise take room in this long-lived task for the socket's whole life
        // (memory per idle connection).
        let known = self.known.take();
        let Some(seen_upto) = Box::pin(self.greet(&mut sink, after, known)).await else {
            return;
        };

        let ping_every = Duration::from_secs(self.state.config.ping_seconds.max(1));
        let mut ping = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
        let mut last_heard = Instant::now();
        // Holds what `recv_many` took while it is written, and is freed after: an idle
        // socket holds no queue memory (`chat-bench idle`).
        let mut batch = Vec::new();
        // One stop signal, created once and polled in place: `kill` is a child of the server's
        // shutdown token, so it fires for both, and no future is re-created on every wake-up
        // (a hot path under load, BENCHMARKS.md).
        let kill_token = self.kill.clone();
        let stop = kill_token.cancelled();
        tokio::pin!(stop);
        let sends = self.state.rooms.sends().clone();
        // A session that expires while its socket is open ends the socket too, as a logout
        // does: the socket must not outlive the login that opened it.
        let expiry = tokio::time::sleep(Duration::from_millis(
            u64::try_from(self.user.session_expires_at - now_ms()).unwrap_or(0),
        ));
        tokio::pin!(expiry);
        let mut expired = false;
        loop {
            tokio::select! {
                biased;
                _ = &mut stop => {
                    let frame = if self.state.shutdown.is_cancelled() {
                        // CONTRACT/SECURITY: 1012 tells clients to reconnect at once.
                        close(RESTARTING, "server restarting")
                    } else {
                        let mut frame = close(TOO_SLOW, "too slow: reconnect with ?after=");
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
                n = self.rx.recv_many(&mut batch, FRAMES_PER_FLUSH) => {
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
                    batch = Vec::new();
                    if !keep_going {
                        return;
                    }
                }
                // Sends waiting for room in the send queue go in order, one at a time, while
                // this loop goes on writing what others sent.
                permit = sends.reserve(), if !self.unsent.is_empty() => match permit {
                    Some(permit) => {
                        let message = self.unsent.pop_front().expect("checked not empty");
                        permit.send(message, self.tx.clone());
                    }
                    None => {
                        for message in std::mem::take(&mut self.unsent) {
                            let error = FrameError::new(
                                ErrorCode::StoreFailed,
                                "the server is shutting down; send the message again after reconnecting",
                            );
                            self.reply(&error.into_frame(message.nonce.as_deref()));
                        }
                    }
                },
                // Past MAX_UNSENT, this client's frames wait in its TCP buffers: back-pressure
                // on the one sender whose messages wait, nobody else.
                incoming = stream.next(), if self.unsent.len() < MAX_UNSENT => {
                    last_heard = Instant::now();
                    match incoming {
                        // Boxed (one small allocation per client frame) to keep this
                        // long-lived task small.
                        Some(Ok(Message::Text(text))) => Box::pin(self.handle_text(&text)).await,
                        Some(Ok(Message::Binary(_))) => self.reply_error(FrameError::new(
                            ErrorCode::InvalidFrame,
                            "binary frames are not supported; send JSON text",
                        )),
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                        ending => return Box::pin(finish(&mut sink, &mut stream, ending)).await,
                    }
                }
                _ = &mut expiry, if !expired => {
                    expired = true;
                    tracing::info!(nickname = %self.user.user.nickname, "closing a socket whose session expired");
                    self.tx.close(LOGGED_OUT, "your session expired; log in again");
                }
                _ = ping.tick() => {
                    // A client whose frames we stopped reading is not silent.
                    if self.unsent.is_empty() && last_heard.elapsed() > ping_every * 3 {
                        tracing::info!(nickname = %self.user.user.nickname, "closing a socket that stopped answering pings");
                        let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(close(NO_PONG, "no answer to ping"))).await;
                        return;
                    }
                    let ping = sink.send(Message::Ping(Default::default()));
                    if !matches!(tokio::time::timeout(WRITE_TIMEOUT, ping).await, Ok(Ok(()))) {
                        return;
                    }
                }
            }
        }
    }
    /// Sends the welcome and, when resuming, the backlog; returns the last message id they
    /// held, or `None` if the socket is done.
    async fn greet(
        &self,
        sink: &mut SplitSink<WebSocket, Message>,
        after: Option<i64>,
        known: Option<Box<Known>>,
    ) -> Option<i64> {
        let (welcome, seen_upto, changes) = match self.welcome(after, known).await {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(error = ?e, "could not build the welcome frame");
                let frame = close(SERVER_ERROR, "server error; try again");
                let _ = tokio::time::timeout(WRITE_TIMEOUT, sink.send(frame)).await;
                return None;
            }
        };
        // Serialized and dropped before the send, so a slow client does not make us hold the
        // frame and its text at once.
        let text = to_text(&welcome);
        drop(welcome);
        if !matches!(
            tokio::time::timeout(WRITE_TIMEOUT, sink.send(Message::Text(text))).await,
            Ok(Ok(()))
        ) {
            return None;
        }
        match after {
            Some(_) => self.send_backlog(sink, seen_upto, changes).await,
            None => Some(seen_upto),
        }
    }
}

/// Writes queued frames (skipping messages the welcome already held) and flushes once.
/// `Ok(false)` when a close frame was sent and the socket is done.
async fn write_batch(
    sink: &mut SplitSink<WebSocket, Message>,
    batch: &mut Vec<Outbound>,
    seen_upto: i64,
) -> Result<bool, axum::Error> {
    for item in batch.drain(..) {
        match item {
            Outbound::Frame { text } => sink.feed(Message::Text((*text).clone())).await?,
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
