//! The message writer: every `send` from every connection goes through one queue, and whatever
//! arrived while the last transaction was committing is stored together in the next one
//! (grouped writes), so storage keeps up with many senders. A message is published, and so
//! acknowledged to its sender, only after its transaction commits.

use std::sync::Arc;

use chat_shared::{ErrorCode, ServerFrame};
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant};

use crate::fanout::{Event, Fanout};
use crate::hub::Outbound;
use crate::outbox::Outbox;
use crate::store::{Inserted, NewMessage, Store};

/// The largest `WRITE_BATCH`, and its default: the most messages stored in one transaction.
/// A full batch is written without waiting out the interval, so under load throughput is one
/// batch per store-and-publish: with 512, 100 rooms of 10 members stopped at ~30k messages/s
/// (a full batch every ~17 ms), which was the measured limit (BENCHMARKS.md, fourth round).
/// The store takes a batch in one statement and a socket queue takes one write whole.
pub const MAX_BATCH: usize = 4096;

/// A message to store, and where to answer when it is not a plain new message.
pub struct SendRequest {
    pub message: NewMessage,
    /// The sender's connection: gets the original frame for a repeated nonce, or an error.
    pub reply: Outbox,
}

/// The handle connections use to submit messages.
#[derive(Clone)]
pub struct MessageWriter {
    tx: mpsc::Sender<SendRequest>,
}

impl MessageWriter {
    /// Starts the writer task. It stores everything queued and ends once every handle is
    /// dropped; shutdown waits on the returned task so nothing received is left unstored.
    ///
    /// `batch` is the most messages in one write (`WRITE_BATCH`, at most [`MAX_BATCH`]);
    /// `interval` is the shortest time between the starts of two writes (`WRITE_INTERVAL_MS`).
    /// A lone message after a quiet spell is written at once; under load each write takes
    /// everything that arrived in the interval, so a commit (and the pages it writes, and the
    /// flush of each socket it delivers to) is shared by more messages. BENCHMARKS.md has
    /// what it bought.
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

    /// Queues a message; waits if the writer is behind (backpressure on that sender only).
    pub async fn submit(&self, request: SendRequest) -> bool {
        self.tx.send(request).await.is_ok()
    }
}

async fn run(
    mut rx: mpsc::Receiver<SendRequest>,
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
                    Ok(request) => batch.push(request),
                    Err(_) => break,
                }
            }
        }
        last_start = Instant::now();
        // Moved apart, not cloned: the store takes the messages as one slice.
        for request in batch.drain(..) {
            messages.push(request.message);
            replies.push(request.reply);
        }
        let started = std::time::Instant::now();
        let stored = store.insert_messages(&messages).await;
        tracing::debug!(
            count = messages.len(),
            micros = started.elapsed().as_micros() as u64,
            "stored a batch"
        );
        match stored {
            Ok(results) => publish(&fanout, replies.iter().zip(results)).await,
            Err(e) if messages.len() > 1 && matches!(e.0, sqlx::Error::Database(_)) => {
                // The database refused something in the batch (not a lost connection, where
                // retrying would only wait again): store them one at a time, so one bad
                // message does not sink the others.
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
            // CONTRACT.md: a repeated nonce gets the original frame, on that connection only.
            let _ = reply.try_send(Outbound::frame(&ServerFrame::Message(
                inserted.stored.message,
            )));
        } else {
            events.push(Event::Message {
                message: inserted.stored.message,
                seq: inserted.stored.seq,
            });
        }
    }
    fanout.publish(events).await;
}

/// Tells the sender its message was not stored, so it sends it again (same nonce).
fn refuse(reply: &Outbox, message: &NewMessage, error: &crate::store::StoreError) {
    tracing::error!(error = ?error, room = message.room_id, "could not store a message");
    let _ = reply.try_send(Outbound::frame(&ServerFrame::Error {
        code: ErrorCode::StoreFailed,
        message: "the server could not save your message; send it again".into(),
    }));
}
