//! What a room socket answers to the client's frames: `send`, `history` and `typing` (`edit`
//! and `delete` are in `changes.rs`).

use chat_shared::frame::{FrameError, HistoryFrom};
use chat_shared::{mentions, ClientFrame, ErrorCode, MessageKind, ServerFrame};

use super::outbox::Outbound;
use super::room::RoomSocket;
use crate::history::{self, HistoryError};
use crate::store::{now_ms, NewEntry, NewMessage};

impl RoomSocket {
    pub(super) fn reply(&self, frame: &ServerFrame) {
        // A full queue means this connection is being dropped anyway.
        let _ = self.tx.try_send(Outbound::frame(frame));
    }

    /// Refuses a frame that was not a `send` (or whose nonce could not be read).
    pub(super) fn reply_error(&self, error: FrameError) {
        self.reply(&error.into_frame(None));
    }

    pub(super) async fn handle_text(&mut self, text: &str) {
        let frame = match ClientFrame::parse(text) {
            Ok(frame) => frame,
            Err(e) => return self.reply_error(e),
        };
        match frame {
            ClientFrame::Send {
                body,
                nonce,
                action,
            } => {
                let kind = if action {
                    MessageKind::Action
                } else {
                    MessageKind::Text
                };
                self.handle_send(&body, nonce.as_deref(), kind).await
            }
            ClientFrame::Edit { id, body } => self.handle_edit(id, &body).await,
            ClientFrame::Delete { id } => self.handle_delete(id).await,
            ClientFrame::History {
                before,
                after,
                around,
                limit,
            } => match HistoryFrom::of(before, after, around) {
                Ok(from) => self.handle_history(from, limit).await,
                Err(e) => self.reply_error(e),
            },
            ClientFrame::Typing => self.handle_typing().await,
            ClientFrame::Read { up_to } => self.handle_read(up_to).await,
            ClientFrame::Participants { offset, limit } => {
                self.handle_participants(offset, limit).await
            }
        }
    }

    /// Queues a valid message in this socket's unsent list; the select loop hands it to the
    /// send queue when there is room (`room.rs`), without waiting here.
    async fn handle_send(&mut self, body: &str, nonce: Option<&str>, kind: MessageKind) {
        let valid = match ClientFrame::validate_send(body, nonce) {
            Ok(v) => v,
            Err(e) => {
                if e.code == ErrorCode::TooLong {
                    crate::metrics::refused("size");
                }
                return self.reply(&e.into_frame(nonce));
            }
        };
        if let Some(refusal) = self.refuse_rate(valid.nonce.clone()) {
            return self.reply(&refusal);
        }
        let mentions = self.mentions_in(&valid.body).await;
        self.unsent.push_back(NewMessage {
            entry: NewEntry::Line(kind),
            mentions,
            ..NewMessage::text(
                self.room.id,
                self.user.user.clone(),
                valid.body,
                valid.nonce,
            )
        });
    }

    /// Answers a `participants` request (the limit was checked when the frame was parsed).
    async fn handle_participants(&self, offset: u32, limit: u32) {
        match self
            .state
            .rooms
            .participant_page(self.room.id, offset, limit)
            .await
        {
            Ok(page) => self.reply(&ServerFrame::ParticipantPage {
                offset,
                participants: page.participants,
                total: page.total,
                online: page.online,
                has_more: page.more,
            }),
            Err(e) => {
                tracing::error!(error = ?e, "could not read a participant page");
                self.reply_error(FrameError::new(
                    ErrorCode::StoreFailed,
                    "could not read the participants; try again",
                ));
            }
        }
    }

    /// The participants `body` mentions. Only a body with an `@` looks at the participants.
    pub(super) async fn mentions_in(&self, body: &str) -> Vec<String> {
        if !body.contains('@') {
            return Vec::new();
        }
        match self.state.rooms.participant_names(self.room.id).await {
            Ok(participants) => mentions::find(body, participants.iter().map(String::as_str)),
            Err(e) => {
                // The line still goes out, unhighlighted, rather than being refused.
                tracing::warn!(error = ?e, "could not read participants to find mentions");
                Vec::new()
            }
        }
    }

    /// The `rate_limited` error for a write (a message, edit or delete) over the user's rate,
    /// naming `nonce`; `None` if it may go.
    pub(super) fn refuse_rate(&self, nonce: Option<String>) -> Option<ServerFrame> {
        let new_for_ms = i64::from(self.state.config.new_account_minutes) * 60_000;
        let is_new = now_ms() - self.user.user.created_at < new_for_ms;
        let limited = if is_new {
            self.state
                .new_account_limiter
                .check_key(&self.user.user.id)
                .and_then(|()| self.state.send_limiter.check_key(&self.user.user.id))
        } else {
            self.state.send_limiter.check_key(&self.user.user.id)
        };
        if let Err(not_until) = limited {
            crate::metrics::refused("rate");
            let wait_ms = wait_ms(not_until);
            return Some(ServerFrame::Error {
                code: ErrorCode::RateLimited,
                message: if is_new {
                    let rate = (self.state.config.messages_per_second / 4).max(1);
                    format!(
                        "new accounts send at most {rate} message{} a second for their first {} minutes; wait {:.1} s and send again",
                        if rate == 1 { "" } else { "s" },
                        self.state.config.new_account_minutes,
                        wait_ms as f64 / 1000.0
                    )
                } else {
                    format!(
                        "you are sending messages too fast; wait {:.1} s and send again",
                        wait_ms as f64 / 1000.0
                    )
                },
                nonce,
                retry_after_ms: Some(wait_ms),
            });
        }
        None
    }

    async fn handle_history(&mut self, from: HistoryFrom, limit: u32) {
        let limit = match ClientFrame::validate_history_limit(limit) {
            Ok(l) => l,
            Err(e) => return self.reply_error(e),
        };
        if let Err(not_until) = self.state.history_limiter.check_key(&self.user.user.id) {
            crate::metrics::refused("rate");
            let wait_ms = wait_ms(not_until);
            return self.reply(&ServerFrame::Error {
                code: ErrorCode::RateLimited,
                message: format!(
                    "you are loading older messages too fast; wait {:.1} s and ask again",
                    wait_ms as f64 / 1000.0
                ),
                nonce: None,
                retry_after_ms: Some(wait_ms),
            });
        }
        match history::read(
            self.state.store.as_ref(),
            self.room.id,
            from,
            limit,
            self.joins,
        )
        .await
        {
            Ok(page) => self.reply(&ServerFrame::History {
                messages: page.messages,
                has_more: page.has_more,
                has_newer: page.has_newer,
            }),
            Err(e @ HistoryError::NotFound(_)) => {
                self.reply_error(FrameError::new(ErrorCode::NotFound, e.message()))
            }
            Err(e) => {
                tracing::error!(error = ?e, "history query failed");
                self.reply_error(FrameError::new(ErrorCode::StoreFailed, e.message()));
            }
        }
    }

    async fn handle_typing(&mut self) {
        // A hint, not a stream: past the user's rate (across all their sockets) it is
        // dropped without a word.
        if self
            .state
            .typing_limiter
            .check_key(&self.user.user.id)
            .is_ok()
        {
            self.state.rooms.typing(self.room.id, &self.user.user).await;
        }
    }
}

/// How long until a refused request would pass, in whole milliseconds rounded up (so a client
/// that waits exactly this long is let through), at least 1.
pub(super) fn wait_ms(not_until: governor::NotUntil<governor::clock::QuantaInstant>) -> u64 {
    let wait = not_until.wait_time_from(governor::clock::Clock::now(
        &governor::clock::DefaultClock::default(),
    ));
    u64::try_from(wait.as_micros().div_ceil(1000))
        .unwrap_or(u64::MAX)
        .max(1)
}
