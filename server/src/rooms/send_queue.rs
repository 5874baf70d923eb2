//! The send queue: every `send` from every socket goes through one queue, and whatever arrived
//! while the last write was committing is stored together in the next one (grouped writes), so
//! storage keeps up with many senders. A message is published, and so acknowledged to its
//! sender, only after it is stored. The lines the server writes when someone joins or leaves
//! a small room go through it too, so a join storm shares its commits as a burst of messages
//! does.

use std::sync::Arc;

use chat_shared::frame::FrameError;
use chat_shared::{ErrorCode, ServerFrame};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Duration, Instant};

use crate::event::Event;
use crate::fanout::Fanout;
use crate::socket::outbox::{Outbound, Outbox};
use crate::store::{Inserted, NewMessage, Store, StoreError, MAX_BATCH};

/// A message to store, and who hears what became of it.
type Queued = (NewMessage, Reply);

/// Who hears what became of a queued message, besides the room it is published to.
enum Reply {
    /// The sender's socket: it gets the original frame for a repeated nonce, or an error.
    Socket(Outbox),
    /// The task that queued a line the server writes: told once the line is stored and
    /// published (or could not be stored), so what it publishes next comes after the line.
    Waiter(oneshot::Sender<bool>),
}

impl Reply {
    /// Tells a waiter whether its line was stored; a socket has had its answer already.
    fn done(self, stored: bool) {
        if let Reply::Waiter(waiter) = self {
            let _ = waiter.send(stored);
        }
    }
}

/// The handle sockets queue messages with. Cheap to clone.
#[derive(Clone)]
pub struct SendQueue {
    tx: mpsc::Sender<Queued>,
}

/// Room for one message in the queue, taken before the message is ready to go.
pub struct SendPermit<'a>(mpsc::Permit<'a, Queued>);

impl SendPermit<'_> {
    pub fn send(self, message: NewMessage, reply: Outbox) {
        self.0.send((message, Reply::Socket(reply)));
    }
}

impl SendQueue {
    /// Starts the task that stores and publishes what is queued. It ends once every handle is
    /// dropped, after storing everything queued; shutdown waits on the returned task.
    ///
    /// `batch` is the most messages in one write (`WRITE_BATCH`, at most [`MAX_BATCH`]);
    /// `interval` is the shortest time between the starts of two writes (`WRITE_INTERVAL_MS`).
    /// A lone message after a quiet spell is written at once; under load each write takes
    /// everything that arrived in the interval, so a commit (and the pages it writes, and the
    /// flush of each socket it delivers to) is shared by more messages.
    pub fn start(
        store: Arc<dyn Store>,
        fanout: Arc<dyn Fanout>,
        queue: usize,
        batch: usize,
        interval: Duration,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(queue);
        let task = tokio::spawn(run(rx, store, fanout, batch.clamp(1, MAX_BATCH), interval));
        (Self { tx }, task)
    }

    /// Waits for room in the queue; `None` once the server is shutting down. A socket waits on
    /// this in its loop beside its other work, so a full queue (the database behind) never
    /// stops it writing what others sent.
    pub async fn reserve(&self) -> Option<SendPermit<'_>> {
        self.tx.reserve().await.ok().map(SendPermit)
    }

    /// Stores a line the server writes (a join, a leave) with the next write and publishes it;
    /// returns once that is done, true if it was stored. Lines queued alone are written
    /// without waiting out the interval: what joins wait for is the commit, not the pacing.
    pub async fn store_line(&self, line: NewMessage) -> bool {
        let (waiter, stored) = oneshot::channel();
        if self.tx.send((line, Reply::Waiter(waiter))).await.is_err() {
            return false;
        }
        stored.await.unwrap_or(false)
    }
}

async fn run(
    mut rx: mpsc::Receiver<Queued>,
    store: Arc<dyn Store>,
    fanout: Arc<dyn Fanout>,
    limit: usize,
    interval: Duration,
) {
    let mut batch = Vec::with_capacity(limit);
    let mut messages = Vec::with_capacity(limit);
    let mut replies = Vec::with_capacity(limit);
    let mut last_start = Instant::now();
    while rx.recv_many(&mut batch, limit).await > 0 {
        // Paced: under load, wait out the interval and take what arrived meanwhile too. Only
        // for sockets' messages: a batch of server lines (a join storm) is written at once, as
        // its writers wait for it, and is grouped by what arrives during the commit before.
        let next = last_start + interval;
        let paced = batch
            .iter()
            .any(|(_, reply)| matches!(reply, Reply::Socket(_)));
        if paced && batch.len() < limit && Instant::now() < next {
            tokio::time::sleep_until(next).await;
            while batch.len() < limit {
                match rx.try_recv() {
                    Ok(queued) => batch.push(queued),
                    Err(_) => break,
                }
            }
        }
        last_start = Instant::now();
        // Moved apart, not cloned: the store takes the messages as one slice.
        for (message, reply) in batch.drain(..) {
            messages.push(message);
            replies.push(reply);
        }
        let started = std::time::Instant::now();
        let stored = store.insert_messages(&messages).await;
        metrics::histogram!(crate::metrics::WRITE_BATCH_SECONDS)
            .record(started.elapsed().as_secs_f64());
        metrics::histogram!(crate::metrics::WRITE_BATCH_MESSAGES).record(messages.len() as f64);
        tracing::debug!(
            count = messages.len(),
            micros = started.elapsed().as_micros() as u64,
            "stored a batch"
        );
        match stored {
            Ok(results) => {
                publish(&fanout, replies.iter().zip(results)).await;
                replies.drain(..).for_each(|reply| reply.done(true));
            }
            Err(e @ StoreError::Refused(_)) if messages.len() > 1 => {
                // The database refused something in the batch, and stored none of it: store
                // them one at a time, so one bad message does not sink the others. (Not when
                // it is unreachable, where retrying would only wait again.)
                tracing::warn!(error = ?e, count = messages.len(), "a grouped write failed; storing one by one");
                for (reply, message) in replies.drain(..).zip(&messages) {
                    match store.insert_messages(std::slice::from_ref(message)).await {
                        Ok(results) => {
                            publish(&fanout, std::iter::once(&reply).zip(results)).await;
                            reply.done(true);
                        }
                        Err(e) => refuse(reply, message, &e),
                    }
                }
            }
            Err(e) => replies
                .drain(..)
                .zip(&messages)
                .for_each(|(reply, message)| refuse(reply, message, &e)),
        }
        messages.clear();
    }
}

/// Publishes stored messages in order; a repeated nonce goes back to its sender only.
async fn publish<'a>(
    fanout: &Arc<dyn Fanout>,
    stored: impl Iterator<Item = (&'a Reply, Inserted)>,
) {
    let mut events = Vec::new();
    // Users' messages: the lines the server writes are not counted as sent.
    let mut sent = 0u64;
    for (reply, inserted) in stored {
        if inserted.duplicate {
            // CONTRACT.md: a repeated nonce gets the original frame, on that socket only. (A
            // server line has no nonce, so it is never a repeat.)
            let Reply::Socket(reply) = reply else {
                continue;
            };
            let _ = reply.try_send(Outbound::frame(&ServerFrame::Message(
                inserted.stored.message,
            )));
        } else {
            sent += u64::from(matches!(reply, Reply::Socket(_)));
            events.push(Event::Message(inserted.stored));
        }
    }
    metrics::counter!(crate::metrics::MESSAGES_STORED).increment(sent);
    fanout.publish(events).await;
}

/// Tells the sender its message was not stored, so it sends it again (same nonce).
fn refuse(reply: Reply, message: &NewMessage, error: &StoreError) {
    tracing::error!(error = ?error, room = message.room_id, "could not store a message");
    let reply = match reply {
        Reply::Socket(reply) => reply,
        waiter => return waiter.done(false),
    };
    let error = FrameError::new(
        ErrorCode::StoreFailed,
        "the server could not save your message; send it again",
    );
    let _ = reply.try_send(Outbound::frame(&error.into_frame(message.nonce.as_deref())));
}
