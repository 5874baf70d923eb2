//! The send queue: every `send` from every socket goes through one queue, and whatever arrived
//! while the last write was committing is stored together in the next one (grouped writes), so
//! storage keeps up with many senders. A message is published, and so acknowledged to its
//! sender, only after it is stored.

use std::sync::Arc;

use chat_shared::frame::FrameError;
use chat_shared::{ErrorCode, ServerFrame};
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant};

use crate::event::Event;
use crate::fanout::Fanout;
use crate::socket::outbox::{Outbound, Outbox};
use crate::store::{Inserted, NewMessage, Store, StoreError, MAX_BATCH};

/// A message to store, and the sender's socket: it gets the original frame for a repeated
/// nonce, or an error.
type Queued = (NewMessage, Outbox);

/// The handle sockets queue messages with. Cheap to clone.
#[derive(Clone)]
pub struct SendQueue {
    tx: mpsc::Sender<Queued>,
}

/// Room for one message in the queue, taken before the message is ready to go.
pub struct SendPermit<'a>(mpsc::Permit<'a, Queued>);

impl SendPermit<'_> {
    pub fn send(self, message: NewMessage, reply: Outbox) {
        self.0.send((message, reply));
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
        // Paced: under load, wait out the interval and take what arrived meanwhile too.
        let next = last_start + interval;
        if batch.len() < limit && Instant::now() < next {
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
            Ok(results) => publish(&fanout, replies.iter().zip(results)).await,
            Err(e @ StoreError::Refused(_)) if messages.len() > 1 => {
                // The database refused something in the batch, and stored none of it: store
                // them one at a time, so one bad message does not sink the others. (Not when
                // it is unreachable, where retrying would only wait again.)
                tracing::warn!(error = ?e, count = messages.len(), "a grouped write failed; storing one by one");
                for (reply, message) in replies.iter().zip(&messages) {
                    match store.insert_messages(std::slice::from_ref(message)).await {
                        Ok(results) => publish(&fanout, std::iter::once(reply).zip(results)).await,
                        Err(e) => refuse(reply, message, &e),
                    }
                }
            }
            Err(e) => replies
                .iter()
                .zip(&messages)
                .for_each(|(reply, message)| refuse(reply, message, &e)),
        }
        messages.clear();
        replies.clear();
    }
}

/// Publishes stored messages in order; a repeated nonce goes back to its sender only.
async fn publish<'a>(
    fanout: &Arc<dyn Fanout>,
    stored: impl Iterator<Item = (&'a Outbox, Inserted)>,
) {
    let mut events = Vec::new();
    for (reply, inserted) in stored {
        if inserted.duplicate {
            // CONTRACT.md: a repeated nonce gets the original frame, on that socket only.
            let _ = reply.try_send(Outbound::frame(&ServerFrame::Message(
                inserted.stored.message,
            )));
        } else {
            events.push(Event::Message(inserted.stored));
        }
    }
    metrics::counter!(crate::metrics::MESSAGES_STORED).increment(events.len() as u64);
    fanout.publish(events).await;
}

/// Tells the sender its message was not stored, so it sends it again (same nonce).
fn refuse(reply: &Outbox, message: &NewMessage, error: &StoreError) {
    tracing::error!(error = ?error, room = message.room_id, "could not store a message");
    let error = FrameError::new(
        ErrorCode::StoreFailed,
        "the server could not save your message; send it again",
    );
    let _ = reply.try_send(Outbound::frame(&error.into_frame(message.nonce.as_deref())));
}
