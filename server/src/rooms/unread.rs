//! Unread counts for the room list (`docs/protocol.md` "Read markers"). Counting is the
//! database's (`store::read_markers`); this module says which rooms of a logged-in lobby
//! socket need counting again, and puts the counts on rooms.
//!
//! Delivery only marks rooms as changed ([`UnreadWatch::touch`], a set insert): the lobby
//! socket's own task counts them again, at most once per [`RECOUNT_AFTER`], so a busy room
//! costs each watching socket one query per interval however many lines arrive.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use chat_shared::Room;
use tokio::sync::Notify;

use crate::store::{Store, StoreResult, User};

/// How long a lobby socket gathers changes before counting again.
pub const RECOUNT_AFTER: Duration = Duration::from_millis(250);

/// A logged-in lobby socket's rooms that changed since its task last counted them.
pub struct UnreadWatch {
    pub user_id: i64,
    pub nickname: String,
    /// The session the socket was opened with: its logout closes the socket, which must not
    /// go on counting for a user who logged out.
    pub session_hash: String,
    changed: Mutex<HashSet<i64>>,
    wake: Notify,
}

impl UnreadWatch {
    pub fn new(user: &User, session_hash: &str) -> Self {
        Self {
            user_id: user.id,
            nickname: user.nickname.clone(),
            session_hash: session_hash.to_owned(),
            changed: Mutex::default(),
            wake: Notify::new(),
        }
    }

    /// The room's unread lines may have changed.
    pub fn touch(&self, room_id: i64) {
        self.changed.lock().expect("unread lock").insert(room_id);
        // Kept as a permit when the task is busy: a touch is never lost.
        self.wake.notify_one();
    }

    /// Waits until a room is touched.
    pub async fn touched(&self) {
        self.wake.notified().await;
    }

    /// The rooms touched since the last call.
    pub fn take(&self) -> Vec<i64> {
        self.changed.lock().expect("unread lock").drain().collect()
    }
}

/// Puts the user's unread counts on the rooms they take part in.
pub async fn annotate(store: &dyn Store, user: &User, rooms: &mut [Room]) -> StoreResult<()> {
    let ids: Vec<i64> = rooms.iter().map(|r| r.id).collect();
    let unread = store.unread(user, &ids).await?;
    for room in rooms {
        if let Some(u) = unread.get(&room.id) {
            room.unread = u.count;
            room.mentioned = u.mentioned;
        }
    }
    Ok(())
}
