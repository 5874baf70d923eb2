//! What a room socket answers to the client's frames: `send`, `history` and `typing`.

use std::time::Duration;

use chat_shared::frame::FrameError;
use chat_shared::{ClientFrame, ErrorCode, ServerFrame};
use tokio::time::Instant;

use super::outbox::Outbound;
use super::room::RoomSocket;
use crate::store::{now_ms, NewMessage};

impl RoomSocket {
    pub(super) fn reply(&self, frame: &ServerFrame) {
        // A full queue means this connection is being dropped anyway.
        let _ = self.tx.try_send(Outbound::frame(frame));
    }

    pub(super) fn reply_error(&self, error: FrameError) {
        self.reply(&error.into_frame());
    }

    pub(super) async fn handle_text(&mut self, text: &str) {
        let frame = match ClientFrame::parse(text) {
            Ok(frame) => frame,
            Err(e) => return self.reply_error(e),
        };
        match frame {
            ClientFrame::Send { body, nonce } => self.handle_send(&body, nonce.as_deref()),
            ClientFrame::History { before, limit } => self.handle_history(before, limit).await,
            ClientFrame::Typing => self.handle_typing().await,
        }
    }

    /// Queues a valid message in this socket's unsent list; the select loop hands it to the
    /// send queue when there is room (`room.rs`), without waiting here.
    fn handle_send(&mut self, body: &str, nonce: Option<&str>) {
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
        self.unsent.push_back(NewMessage {
            room_id: self.room.id,
            sender: self.user.user.clone(),
            body: valid.body,
            nonce: valid.nonce,
            sent_at: now_ms(),
        });
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
        self.state.rooms.typing(self.room.id, &self.user.user).await;
    }
}
