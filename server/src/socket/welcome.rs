//! A room socket's first frames: the welcome (room, participants, recent history) and, on a
//! resume (`?after=`), every message stored since, page by page.

use axum::extract::ws::{Message, WebSocket};
use chat_shared::close::SERVER_ERROR;
use chat_shared::limits::WELCOME_HISTORY;
use chat_shared::{Room, ServerFrame};
use futures_util::SinkExt;

use super::close::close;
use super::outbox::to_text;
use super::room::{Known, RoomSocket};
use super::WRITE_TIMEOUT;
use crate::error::AppError;
use crate::store::StoredMessage;

/// The most messages a resume (`?after=`) puts in its welcome frame; the rest follow at once
/// as `message` frames, oldest first, before any live one, so a long absence never makes one
/// giant frame.
const RESUME_PAGE: u32 = 200;

impl RoomSocket {
    /// The welcome frame, the last stream id it covers, and the changes (edits, deletes) in
    /// the resume's first page: those go out right after it, as frames of their own.
    pub(super) async fn welcome(
        &self,
        after: Option<i64>,
        known: Option<Box<Known>>,
    ) -> Result<(ServerFrame, i64, Vec<StoredMessage>), AppError> {
        let store = &self.state.store;
        let (history, has_more) = match after {
            Some(after) => {
                let page = store
                    .messages_after(self.room.id, after, RESUME_PAGE, self.joins)
                    .await?;
                // The welcome's lines already show their current text, so each change can
                // follow them: applied in any order after them, they leave the same log.
                let seen = page.last().map(StoredMessage::stream_id);
                let (lines, changes): (Vec<_>, Vec<_>) =
                    page.into_iter().partition(|m| m.change.is_none());
                return self
                    .welcome_with(lines, false, seen.unwrap_or(after), changes, known)
                    .await;
            }
            None => {
                let mut latest = store
                    .latest_messages(self.room.id, WELCOME_HISTORY + 1, self.joins)
                    .await?;
                let has_more = latest.len() > WELCOME_HISTORY as usize;
                if has_more {
                    latest.remove(0);
                }
                (latest, has_more)
            }
        };
        let seen_upto = history.last().map_or(0, StoredMessage::stream_id);
        self.welcome_with(history, has_more, seen_upto, Vec::new(), known)
            .await
    }

    async fn welcome_with(
        &self,
        history: Vec<StoredMessage>,
        has_more: bool,
        seen_upto: i64,
        changes: Vec<StoredMessage>,
        known: Option<Box<Known>>,
    ) -> Result<(ServerFrame, i64, Vec<StoredMessage>), AppError> {
        let store = &self.state.store;
        let unchanged = known.filter(|k| self.state.rooms.unchanged_since(&k.mark));
        let (room, read_up_to) = match unchanged {
            // Nothing moved since the upgrade's read: a returning participant's welcome
            // needs no read of its own (the rejoins of a storm), a new one's only the read
            // marker its entry wrote.
            Some(known) if known.participant => (self.room.clone(), known.read_up_to),
            Some(_) => (
                self.room.clone(),
                store.read_marker(self.room.id, self.user.user.id).await?,
            ),
            // The room as it is now (renamed since the socket was let in?) and the read
            // marker, in one read.
            None => match store.room_for_user(self.room.id, self.user.user.id).await? {
                Some(found) => (found.record.room, found.read_up_to),
                None => (self.room.clone(), None),
            },
        };
        let page = self
            .state
            .rooms
            .participant_page(self.room.id, 0, self.state.config.participant_page)
            .await?;
        let frame = ServerFrame::Welcome {
            room: Room {
                participant_count: i64::from(page.total),
                ..room
            },
            me: self.user.user.nickname.clone(),
            participants: page.participants,
            history: history.into_iter().map(|m| m.message).collect(),
            has_more,
            read_up_to,
            online_count: Some(page.online),
            participants_more: page.more,
        };
        Ok((frame, seen_upto, changes))
    }

    /// After a resume's welcome: every later stored message as `message` frames, page by page.
    /// Returns the last id sent (live frames up to it are then skipped), `None` if the socket
    /// or the database failed.
    pub(super) async fn send_backlog(
        &self,
        sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
        mut upto: i64,
        first: Vec<StoredMessage>,
    ) -> Option<i64> {
        if !Self::write_entries(sink, first).await {
            return None;
        }
        loop {
            let page = match self
                .state
                .store
                .messages_after(self.room.id, upto, RESUME_PAGE, self.joins)
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
            upto = last.stream_id();
            if !Self::write_entries(sink, page).await {
                return None;
            }
        }
    }

    /// Writes entries as their frames, under the write deadline: a client that asked for
    /// everything and never reads is dropped, not waited for. False if it was.
    async fn write_entries(
        sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
        entries: Vec<StoredMessage>,
    ) -> bool {
        if entries.is_empty() {
            return true;
        }
        let write = async {
            for stored in entries {
                let frame = to_text(&stored.into_frame());
                sink.feed(Message::Text(frame)).await?;
            }
            sink.flush().await
        };
        let written = matches!(tokio::time::timeout(WRITE_TIMEOUT, write).await, Ok(Ok(())));
        if !written {
            tracing::debug!("resume backlog not taken within the write deadline");
        }
        written
    }
}
