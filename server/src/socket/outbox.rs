//! A socket's outbound queue: what the rooms (and the socket itself) ask its task to write,
//! bounded in frames rather than in queue items.
//!
//! A room's messages from one write travel as one item ([`Outbound::Messages`]), so a count of
//! items would let a client that stopped reading hold hundreds of times more frames than
//! `CONNECTION_QUEUE` says. The queue counts the frames inside its items and refuses new items
//! once `limit` frames are waiting; [`Outbox::offer`] then tells the socket to close (the
//! client resumes with `?after=`).
//!
//! An item is admitted whole while fewer than `limit` frames wait, whatever its own size: one
//! write to a busy room can carry more messages than the limit (up to `store::MAX_BATCH`), and
//! a reader that keeps up has an empty queue when it comes. So the queue holds at most
//! `limit - 1` frames plus one item.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What a socket's task is asked to write. Kept at 24 bytes (a test says so): the queue
/// allocates its first block of 32 slots for every socket, idle or not.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A frame's bytes, shared by every receiver (behind an `Arc`: `Utf8Bytes` inline would
    /// make every slot 40 bytes).
    Frame { text: Arc<Utf8Bytes> },
    /// A room's new `message` frames from one delivery, in seq order, shared by every
    /// receiver: one queue slot, one wake-up and one flush for all of them.
    Messages(Arc<[LiveMessage]>),
    /// Presence and participant frames a room held back for a moment
    /// (`rooms::notices`), in order, shared by every receiver.
    Frames(Arc<[Utf8Bytes]>),
    /// Close the socket with this code and reason.
    Close { code: u16, reason: &'static str },
}

impl Outbound {
    pub fn frame<T: Serialize>(frame: &T) -> Self {
        Outbound::Frame {
            text: Arc::new(to_text(frame)),
        }
    }
}

/// A `message` frame on its way to a room's sockets. The id lets a fresh connection skip live
/// messages its welcome history already held.
#[derive(Debug, Clone)]
pub struct LiveMessage {
    pub id: i64,
    pub text: Utf8Bytes,
}

/// Serializes a frame; our frame types always serialize.
pub fn to_text<T: Serialize>(frame: &T) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(frame).expect("frames serialize to JSON"))
}

/// Why an item was not queued.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The socket has more than its limit of frames waiting: it stopped reading.
    Full,
    /// The socket's task has ended.
    Closed,
}

/// The sending side; cheap to clone (the rooms, the send queue and the socket itself hold one).
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Outbound>,
    queued: Arc<AtomicUsize>,
    limit: usize,
    /// Cancelled to make the socket's task close the socket.
    kill: CancellationToken,
    /// Set with `kill`, read on every broadcast: an atomic, where the token takes a lock.
    closing: Arc<AtomicBool>,
}

/// The socket task's side.
pub struct OutboxReceiver {
    rx: mpsc::Receiver<Outbound>,
    queued: Arc<AtomicUsize>,
}

/// A queue that takes items while fewer than `limit` frames wait; `kill` is the socket's signal
/// to close, given when it falls too far behind.
pub fn outbox(limit: usize, kill: CancellationToken) -> (Outbox, OutboxReceiver) {
    // Every item holds at least one frame and is admitted only while fewer than `limit` frames
    // wait, so `limit` items is never the tighter bound.
    let (tx, rx) = mpsc::channel(limit.max(1));
    let queued = Arc::new(AtomicUsize::new(0));
    (
        Outbox {
            tx,
            queued: queued.clone(),
            limit,
            kill,
            closing: Arc::default(),
        },
        OutboxReceiver { rx, queued },
    )
}

fn frames(item: &Outbound) -> usize {
    match item {
        Outbound::Messages(messages) => messages.len(),
        Outbound::Frames(frames) => frames.len(),
        Outbound::Frame { .. } | Outbound::Close { .. } => 1,
    }
}

impl Outbox {
    /// Queues without waiting; false if the socket is gone or too far behind, in which case
    /// it is told to close (its task sends 1013 and the client resumes with `?after=`).
    pub fn offer(&self, item: Outbound) -> bool {
        match self.try_send(item) {
            Ok(()) => true,
            Err(Refused::Full) => {
                if !self.is_closing() {
                    tracing::info!("dropping a socket that stopped reading");
                    metrics::counter!(crate::metrics::SOCKETS_TOO_SLOW).increment(1);
                }
                self.tell_to_close();
                false
            }
            Err(Refused::Closed) => false,
        }
    }

    /// True once the socket was told to close (not counting a server shutdown, which every
    /// socket hears by itself).
    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    /// Queues the close frame (if there is room) and tells the socket to close.
    pub fn close(&self, code: u16, reason: &'static str) {
        let _ = self.try_send(Outbound::Close { code, reason });
        self.tell_to_close();
    }

    fn tell_to_close(&self) {
        self.closing.store(true, Ordering::Release);
        self.kill.cancel();
    }

    /// Queues without waiting; refused once `limit` frames are waiting.
    pub fn try_send(&self, item: Outbound) -> Result<(), Refused> {
        let n = frames(&item);
        if self.queued.fetch_add(n, Ordering::AcqRel) >= self.limit {
            self.queued.fetch_sub(n, Ordering::AcqRel);
            return Err(Refused::Full);
        }
        self.tx.try_send(item).map_err(|e| {
            self.queued.fetch_sub(n, Ordering::AcqRel);
            match e {
                mpsc::error::TrySendError::Full(_) => Refused::Full,
                mpsc::error::TrySendError::Closed(_) => Refused::Closed,
            }
        })
    }
}

impl OutboxReceiver {
    /// Appends up to `limit` items to `buffer`; 0 once every sender is gone.
    pub async fn recv_many(&mut self, buffer: &mut Vec<Outbound>, limit: usize) -> usize {
        let start = buffer.len();
        let n = self.rx.recv_many(buffer, limit).await;
        let taken: usize = buffer[start..].iter().map(frames).sum();
        self.queued.fetch_sub(taken, Ordering::AcqRel);
        n
    }

    /// Takes one item if there is one.
    pub fn try_recv(&mut self) -> Option<Outbound> {
        let item = self.rx.try_recv().ok()?;
        self.queued.fetch_sub(frames(&item), Ordering::AcqRel);
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(n: usize) -> Outbound {
        Outbound::Messages(
            (0..n)
                .map(|i| LiveMessage {
                    id: i as i64,
                    text: "{}".into(),
                })
                .collect(),
        )
    }

    #[test]
    fn a_queue_slot_stays_small() {
        assert!(std::mem::size_of::<Outbound>() <= 24);
    }

    #[tokio::test]
    async fn the_limit_counts_frames_inside_batches_and_frees_them_when_taken() {
        let (tx, mut rx) = outbox(10, CancellationToken::new());
        tx.try_send(messages(6)).unwrap();
        tx.try_send(messages(5)).unwrap();
        assert_eq!(
            tx.try_send(messages(1)),
            Err(Refused::Full),
            "11 frames wait"
        );
        assert_eq!(
            tx.try_send(Outbound::Close {
                code: 1000,
                reason: "x"
            }),
            Err(Refused::Full)
        );

        let mut buffer = Vec::new();
        assert_eq!(rx.recv_many(&mut buffer, 1).await, 1);
        tx.try_send(messages(5)).unwrap();
        assert_eq!(tx.try_send(messages(1)), Err(Refused::Full), "5 + 5 wait");
        assert!(rx.try_recv().is_some());
        tx.try_send(messages(1)).unwrap();
    }

    #[tokio::test]
    async fn an_item_bigger_than_the_limit_enters_a_queue_that_is_not_full() {
        let (tx, mut rx) = outbox(10, CancellationToken::new());
        tx.try_send(messages(25)).unwrap();
        assert_eq!(tx.try_send(messages(1)), Err(Refused::Full));
        assert!(rx.try_recv().is_some());
        tx.try_send(messages(25)).unwrap();
    }

    #[tokio::test]
    async fn a_full_queue_tells_its_socket_to_close() {
        let kill = CancellationToken::new();
        let (tx, _rx) = outbox(2, kill.clone());
        assert!(tx.offer(messages(2)));
        assert!(!kill.is_cancelled());
        assert!(!tx.offer(messages(1)));
        assert!(kill.is_cancelled());
    }

    #[tokio::test]
    async fn a_closed_socket_refuses_without_counting() {
        let (tx, rx) = outbox(10, CancellationToken::new());
        drop(rx);
        assert_eq!(tx.try_send(messages(3)), Err(Refused::Closed));
        assert_eq!(tx.queued.load(Ordering::Acquire), 0);
    }
}
