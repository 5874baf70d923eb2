//! What a room socket does with a `read` frame (`docs/protocol.md` "Read markers"): the user
//! has seen the room up to an id, so their marker moves there and their other devices are told.

use std::time::Duration;

use chat_shared::frame::FrameError;
use chat_shared::limits::READ_INTERVAL_MS;
use chat_shared::{ErrorCode, ServerFrame};
use tokio::time::Instant;

use super::room::RoomSocket;
use crate::store::MarkRead;

impl RoomSocket {
    pub(super) async fn handle_read(&mut self, up_to: i64) {
        // Clients report at most every 500 ms; this bounds what a broken one costs (one
        // indexed read and one write per interval), per socket, without a shared limiter.
        let interval = Duration::from_millis(READ_INTERVAL_MS);
        if let Some(at) = self.last_read_at {
            let since = at.elapsed();
            if since < interval {
                let wait_ms = u64::try_from((interval - since).as_millis())
                    .unwrap_or(READ_INTERVAL_MS)
                    .max(1);
                return self.reply(&ServerFrame::Error {
                    code: ErrorCode::RateLimited,
                    message: format!(
                        "read positions are taken at most every {READ_INTERVAL_MS} ms; send the newest one again in {wait_ms} ms"
                    ),
                    nonce: None,
                    retry_after_ms: Some(wait_ms),
                });
            }
        }
        self.last_read_at = Some(Instant::now());
        let user = &self.user.user;
        match self.state.store.mark_read(self.room.id, user.id, up_to).await {
            Ok(MarkRead::Moved) => self.state.rooms.read(self.room.id, user, up_to).await,
            // Another device read further already: the marker stays where it is.
            Ok(MarkRead::Behind) => {}
            Ok(MarkRead::NotInRoom) => self.reply_error(FrameError::new(
                ErrorCode::NotFound,
                format!(
                    "message {up_to} is not in this room; up_to must be the id of a message or change this room's socket sent you"
                ),
            )),
            Err(e) => {
                tracing::error!(error = ?e, "could not store a read marker");
                self.reply_error(FrameError::new(
                    ErrorCode::StoreFailed,
                    "the server could not store how far you have read; it will be sent again",
                ));
            }
        }
    }
}
