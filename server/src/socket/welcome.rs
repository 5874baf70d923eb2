//! A room socket's first frames: the welcome (room, participants, recent history) and, on a
//! resume (`?after=`), every message stored since, page by page.

use axum::extract::ws::{Message, WebSocket};
use chat_shared::close::SERVER_ERROR;
use chat_shared::limits::WELCOME_HISTORY;
use chat_shared::ServerFrame;
use futures_util::SinkExt;

use super::close::close;
use super::outbox::to_text;
use super::room::RoomSocket;
use super::WRITE_TIMEOUT;
use crate::error::AppError;

/// The most messages a resume (`?after=`) puts in its welcome frame; the rest follow at once
/// as `message` frames, oldest first, before any live one, so a long absence never makes one
/// giant frame.
const RESUME_PAGE: u32 = 200;

impl RoomSocket {
    pub(super) async fn welcome(&self, after: Option<i64>) -> Result<(ServerFrame, i64), AppError> {
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
            participants: self.state.rooms.participants(self.room.id).await?,
            history: history.into_iter().map(|m| m.message).collect(),
            has_more,
        };
        Ok((frame, seen_upto))
    }

    /// After a resume's welcome: every later stored message as `message` frames, page by page.
    /// Returns the last id sent (live frames up to it are then skipped), `None` if the socket
    /// or the database failed.
    pub(super) async fn send_backlog(
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
                    let frame = close(SERVER_ERROR, "server error; reconnect with ?after=");
                    let _ = tokio::time::timeout(WRITE_TIMEOUT, sink.send(frame)).await;
                    return None;
                }
            };
            let Some(last) = page.last() else {
                return Some(upto);
            };
            upto = last.message.id;
            // Each page under the write deadline: a client that asked for everything and
            // never reads is dropped, not waited for.
            let write = async {
                for stored in page {
                    let frame = to_text(&ServerFrame::Message(stored.message));
                    sink.feed(Message::Text(frame)).await?;
                }
                sink.flush().await
            };
            if !matches!(tokio::time::timeout(WRITE_TIMEOUT, write).await, Ok(Ok(()))) {
                tracing::debug!("resume backlog not taken within the write deadline");
                return None;
            }
        }
    }
}
