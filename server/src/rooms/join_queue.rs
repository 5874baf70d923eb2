//! The join queue: users entering rooms they are not participants of yet are written together.
//! Whatever arrived while the last write was committing goes in the next one, so a join storm
//! costs one transaction per group instead of one per member, and its writers do not queue on
//! the database's write lock one by one. The rooms they joined (their counts moved) are read
//! once per group too.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::store::{distinct, RoomRecord, Store, StoreError, StoreResult};

/// The most joins in one write: three parameters each stay far inside SQLite's limit.
const MAX_GROUP: usize = 1024;

/// A (room, user) pair to write, and who waits for what it did.
type Queued = ((i64, i64), oneshot::Sender<StoreResult<Entry>>);

/// What a queued join did.
#[derive(Debug)]
pub enum Entry {
    /// The user was a participant already: nothing changed.
    Already,
    /// The user joined; the room as the write left it (`None` if it could not be read).
    Joined(Option<RoomRecord>),
}

/// The handle [`crate::rooms::Rooms`] queues joins with.
pub struct JoinQueue {
    tx: mpsc::Sender<Queued>,
}

impl JoinQueue {
    /// Starts the task that writes what is queued; it ends once the handle is dropped.
    pub fn start(store: Arc<dyn Store>, queue: usize) -> Self {
        let (tx, rx) = mpsc::channel(queue);
        tokio::spawn(run(rx, store));
        Self { tx }
    }

    /// Makes the user a participant of the room with the next write
    /// ([`Store::add_participant`]).
    pub async fn add(&self, room_id: i64, user_id: i64) -> StoreResult<Entry> {
        let (reply, joined) = oneshot::channel();
        if self.tx.send(((room_id, user_id), reply)).await.is_err() {
            return Err(StoreError::Unavailable(sqlx::Error::PoolClosed));
        }
        joined
            .await
            .unwrap_or(Err(StoreError::Unavailable(sqlx::Error::PoolClosed)))
    }
}

async fn run(mut rx: mpsc::Receiver<Queued>, store: Arc<dyn Store>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    let mut pairs = Vec::with_capacity(MAX_GROUP);
    while rx.recv_many(&mut group, MAX_GROUP).await > 0 {
        pairs.extend(group.iter().map(|(pair, _)| *pair));
        match store.add_participants(&pairs).await {
            Ok(joined) => {
                let rooms = rooms_joined(&store, pairs.iter().zip(&joined)).await;
                for ((_, reply), (pair, joined)) in group.drain(..).zip(pairs.iter().zip(joined)) {
                    let entry = match joined {
                        true => Entry::Joined(rooms.get(&pair.0).cloned()),
                        false => Entry::Already,
                    };
                    let _ = reply.send(Ok(entry));
                }
            }
            Err(StoreError::Unavailable(e)) => {
                // Trying each again would only wait again; the cause is logged once here.
                tracing::error!(error = ?e, count = group.len(), "could not write joins");
                for (_, reply) in group.drain(..) {
                    let _ = reply.send(Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut)));
                }
            }
            Err(e) => {
                // Nothing of the group was stored: each is written alone, so one that the
                // database refuses does not refuse the others, and each gets its own answer.
                tracing::warn!(error = ?e, count = group.len(), "a grouped join failed; writing one by one");
                for ((room_id, user_id), reply) in group.drain(..) {
                    let entry = match store.add_participant(room_id, user_id).await {
                        Ok(true) => Ok(Entry::Joined(
                            rooms_joined(&store, [(&(room_id, user_id), &true)])
                                .await
                                .remove(&room_id),
                        )),
                        Ok(false) => Ok(Entry::Already),
                        Err(e) => Err(e),
                    };
                    let _ = reply.send(entry);
                }
            }
        }
        group.clear();
        pairs.clear();
    }
}

/// The rooms someone joined, by id, in one read. Best effort: the joins are stored, and a
/// room that cannot be read only leaves its count untold.
async fn rooms_joined<'a>(
    store: &Arc<dyn Store>,
    pairs: impl IntoIterator<Item = (&'a (i64, i64), &'a bool)>,
) -> HashMap<i64, RoomRecord> {
    let ids = distinct(
        pairs
            .into_iter()
            .filter(|(_, joined)| **joined)
            .map(|((room_id, _), _)| *room_id),
    );
    if ids.is_empty() {
        return HashMap::new();
    }
    match store.rooms(&ids).await {
        Ok(rooms) => rooms.into_iter().map(|r| (r.room.id, r)).collect(),
        Err(e) => {
            tracing::warn!(error = ?e, "could not read the rooms joined");
            HashMap::new()
        }
    }
}
