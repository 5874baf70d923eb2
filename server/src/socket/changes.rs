//! A room socket's `edit` and `delete` frames: who may change which line, and the clear error
//! naming the message when they may not. A permitted change joins the room's stream through the
//! send queue, like a message, so every socket and every instance sees it in order.

use chat_shared::frame::FrameError;
use chat_shared::{ClientFrame, ErrorCode, MessageKind};

use super::room::RoomSocket;
use crate::store::{now_ms, NewEntry, NewMessage, StoredMessage};

impl RoomSocket {
    pub(super) async fn handle_edit(&mut self, id: i64, body: &str) {
        let valid = match ClientFrame::validate_send(body, None) {
            Ok(v) => v,
            Err(e) => {
                let message = format!("message {id} was not edited: {}", e.message);
                return self.reply_error(FrameError::new(e.code, message));
            }
        };
        // Before the read: every edit frame costs a database read, so each counts against the
        // sender's rate, stored or not.
        if let Some(refusal) = self.refuse_rate(None) {
            return self.reply(&refusal);
        }
        let Some(target) = self.changeable(id, "edit").await else {
            return;
        };
        if target.message.sender != self.user.user.nickname {
            return self.reply_error(FrameError::new(
                ErrorCode::Forbidden,
                format!("message {id} is someone else's; you can edit only your own"),
            ));
        }
        let window = i64::from(self.state.config.edit_window_minutes) * 60_000;
        let sent_at = chrono::DateTime::parse_from_rfc3339(&target.message.sent_at)
            .map(|t| t.timestamp_millis())
            .unwrap_or(0);
        if window > 0 && now_ms() - sent_at > window {
            return self.reply_error(FrameError::new(
                ErrorCode::Forbidden,
                format!(
                    "message {id} can no longer be edited: messages can be edited for {} minutes after sending",
                    self.state.config.edit_window_minutes
                ),
            ));
        }
        if target.message.body == valid.body {
            // Nothing changes: no stream entry, no "edited" mark.
            return;
        }
        let mentions = self.mentions_in(&valid.body).await;
        self.unsent.push_back(NewMessage {
            entry: NewEntry::Edit {
                target: target.message,
            },
            mentions,
            ..NewMessage::text(self.room.id, self.user.user.clone(), valid.body, None)
        });
    }

    pub(super) async fn handle_delete(&mut self, id: i64) {
        if !self.state.config.allow_delete {
            return self.reply_error(FrameError::new(
                ErrorCode::Forbidden,
                format!(
                    "message {id} was not deleted: this server does not allow deleting messages"
                ),
            ));
        }
        if let Some(refusal) = self.refuse_rate(None) {
            return self.reply(&refusal);
        }
        let Some(target) = self.changeable(id, "delete").await else {
            return;
        };
        if target.message.sender != self.user.user.nickname && !self.moderates().await {
            return self.reply_error(FrameError::new(
                ErrorCode::Forbidden,
                format!(
                    "message {id} is someone else's; only its sender or the room's creator can delete it"
                ),
            ));
        }
        let sender = target.message.sender.clone();
        self.unsent.push_back(NewMessage {
            entry: NewEntry::Delete {
                target: target.message,
            },
            ..NewMessage::text(self.room.id, self.user.user.clone(), String::new(), None)
        });
        if sender != self.user.user.nickname {
            // Someone else's line: the room sees who removed it, right after the removal.
            let me = &self.user.user.nickname;
            self.unsent.push_back(NewMessage {
                entry: NewEntry::Line(MessageKind::Notice),
                ..NewMessage::text(
                    self.room.id,
                    self.user.user.clone(),
                    format!("{me} removed a message by {sender}"),
                    None,
                )
            });
        }
    }

    /// The line `id` of this room, if it can still be changed; otherwise the error that says
    /// why has been sent.
    async fn changeable(&self, id: i64, verb: &str) -> Option<StoredMessage> {
        let found = match self.state.store.message(self.room.id, id).await {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(error = ?e, "could not read a message to {verb}");
                self.reply_error(FrameError::new(
                    ErrorCode::StoreFailed,
                    format!("the server could not {verb} message {id}; try again"),
                ));
                return None;
            }
        };
        let refusal = match &found {
            None => Some((
                ErrorCode::NotFound,
                format!("message {id} is not in this room"),
            )),
            Some(m) if m.message.deleted => {
                Some((ErrorCode::NotFound, format!("message {id} was deleted")))
            }
            Some(m) if m.message.kind.is_quiet() => Some((
                ErrorCode::Forbidden,
                format!("message {id} is a notice from the server; it cannot be changed"),
            )),
            Some(_) => None,
        };
        match refusal {
            Some((code, message)) => {
                self.reply_error(FrameError::new(code, message));
                None
            }
            None => found,
        }
    }

    /// Whether the user may delete anyone's message here: the room's creator, or a server admin.
    async fn moderates(&self) -> bool {
        if self.user.user.is_admin {
            return true;
        }
        matches!(
            self.state.store.room(self.room.id).await,
            Ok(Some(record)) if record.creator_id == self.user.user.id
        )
    }
}
