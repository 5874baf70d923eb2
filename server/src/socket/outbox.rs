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
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use axum::extract::ws::Utf8Bytes;
use futures_util::task::AtomicWaker;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

/// What a socket's task is asked to write. Kept at 24 bytes (a test says so): every waiting
/// item takes one slot.
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

/// What the senders and the socket's task share: one small allocation per socket. The items
/// live in a `Vec` that the task takes whole, so a socket holds no queue memory while nothing
/// waits (a channel such as tokio's bounded mpsc keeps a block of 32 slots and ~500 bytes of
/// channel state for every socket, idle or not: `chat-bench idle`).
#[derive(Debug)]
struct Shared {
    queue: Mutex<Queue>,
    /// The socket task's waker, while it waits for items.
    waker: AtomicWaker,
    /// Live [`Outbox`] handles; the task sees the end of the queue when none is left.
    senders: AtomicUsize,
    /// Set with `kill`, read on every broadcast: an atomic, where the token takes a lock.
    closing: AtomicBool,
}

#[derive(Debug, Default)]
struct Queue {
    /// Oldest first; unallocated while empty.
    items: Vec<Outbound>,
    /// Frames inside `items`.
    frames: usize,
    /// The socket's task has ended: nothing is taken any more.
    receiver_gone: bool,
}

impl Shared {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().expect("outbox lock")
    }
}

/// The sending side; cheap to clone (the rooms, the send queue and the socket itself hold one).
#[derive(Debug)]
pub struct Outbox {
    shared: Arc<Shared>,
    limit: usize,
    /// Cancelled to make the socket's task close the socket.
    kill: CancellationToken,
}

/// The socket task's side.
#[derive(Debug)]
pub struct OutboxReceiver {
    shared: Arc<Shared>,
}

/// A queue that takes items while fewer than `limit` frames wait; `kill` is the socket's signal
/// to close, given when it falls too far behind.
pub fn outbox(limit: usize, kill: CancellationToken) -> (Outbox, OutboxReceiver) {
    let shared = Arc::new(Shared {
        queue: Mutex::default(),
        waker: AtomicWaker::new(),
        senders: AtomicUsize::new(1),
        closing: AtomicBool::new(false),
    });
    (
        Outbox {
            shared: shared.clone(),
            limit,
            kill,
        },
        OutboxReceiver { shared },
    )
}

fn frames(item: &Outbound) -> usize {
    match item {
        Outbound::Messages(messages) => messages.len(),
        Outbound::Frames(frames) => frames.len(),
        Outbound::Frame { .. } | Outbound::Close { .. } => 1,
    }
}

impl Clone for Outbox {
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Self {
            shared: self.shared.clone(),
            limit: self.limit,
            kill: self.kill.clone(),
        }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.waker.wake();
        }
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
        self.shared.closing.load(Ordering::Acquire)
    }

    /// Queues the close frame (if there is room) and tells the socket to close.
    pub fn close(&self, code: u16, reason: &'static str) {
        let _ = self.try_send(Outbound::Close { code, reason });
        self.tell_to_close();
    }

    fn tell_to_close(&self) {
        self.shared.closing.store(true, Ordering::Release);
        self.kill.cancel();
    }

    /// Queues without waiting; refused once `limit` frames are waiting.
    pub fn try_send(&self, item: Outbound) -> Result<(), Refused> {
        {
            let mut queue = self.shared.queue();
            if queue.receiver_gone {
                return Err(Refused::Closed);
            }
            if queue.frames >= self.limit {
                return Err(Refused::Full);
            }
            queue.frames += frames(&item);
            queue.items.push(item);
        }
        self.shared.waker.wake();
        Ok(())
    }
}

impl OutboxReceiver {
    /// Takes up to `limit` items into `buffer` (which, when empty, takes over the queue's
    /// allocation: the caller frees it once written), waiting for one; 0 once every sender is
    /// gone.
    pub async fn recv_many(&mut self, buffer: &mut Vec<Outbound>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.poll_recv_many(cx, buffer, limit)).await
    }

    fn poll_recv_many(
        &self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<Outbound>,
        limit: usize,
    ) -> Poll<usize> {
        if let Some(n) = self.take(buffer, limit) {
            return Poll::Ready(n);
        }
        // Registered before looking again, so an item queued in between wakes us.
        self.shared.waker.register(cx.waker());
        match self.take(buffer, limit) {
            Some(n) => Poll::Ready(n),
            None => Poll::Pending,
        }
    }

    /// `Some(n)` with the items taken, `Some(0)` once every sender is gone, `None` to wait.
    fn take(&self, buffer: &mut Vec<Outbound>, limit: usize) -> Option<usize> {
        let mut queue = self.shared.queue();
        if queue.items.is_empty() {
            return (self.shared.senders.load(Ordering::Acquire) == 0).then_some(0);
        }
        let start = buffer.len();
        if start == 0 && queue.items.len() <= limit {
            *buffer = std::mem::take(&mut queue.items);
        } else {
            let n = queue.items.len().min(limit);
            buffer.extend(queue.items.drain(..n));
        }
        let taken: usize = buffer[start..].iter().map(frames).sum();
        queue.frames -= taken;
        Some(buffer.len() - start)
    }

    /// Takes one item if there is one.
    pub fn try_recv(&mut self) -> Option<Outbound> {
        let mut queue = self.shared.queue();
        if queue.items.is_empty() {
            return None;
        }
        let item = queue.items.remove(0);
        queue.frames -= frames(&item);
        Some(item)
    }
}

impl Drop for OutboxReceiver {
    fn drop(&mut self) {
        // Taken out under the lock, dropped after it: the items may hold the last reference
        // to a big batch.
        let items = {
            let mut queue = self.shared.queue();
            queue.receiver_gone = true;
            queue.frames = 0;
            std::mem::take(&mut queue.items)
        };
        drop(items);
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
    async fn a_queue_holds_no_slots_while_nothing_waits() {
        let (tx, mut rx) = outbox(10, CancellationToken::new());
        assert_eq!(tx.shared.queue().items.capacity(), 0, "a new queue");

        tx.try_send(messages(3)).unwrap();
        tx.try_send(messages(1)).unwrap();
        let mut batch = Vec::new();
        assert_eq!(rx.recv_many(&mut batch, 64).await, 2);

        assert_eq!(
            tx.shared.queue().items.capacity(),
            0,
            "a queue whose items were taken"
        );
        assert_eq!(tx.shared.queue().frames, 0);
    }

    #[tokio::test]
    async fn a_batch_over_the_limit_is_taken_in_order_in_parts() {
        let (tx, mut rx) = outbox(100, CancellationToken::new());
        for _ in 0..5 {
            tx.try_send(messages(1)).unwrap();
        }
        tx.try_send(Outbound::Close {
            code: 1000,
            reason: "x",
        })
        .unwrap();
        let mut batch = Vec::new();
        assert_eq!(rx.recv_many(&mut batch, 4).await, 4);
        assert_eq!(rx.recv_many(&mut batch, 4).await, 2);
        assert_eq!(batch.len(), 6);
        assert!(matches!(batch[5], Outbound::Close { .. }), "{batch:?}");
    }

    #[tokio::test]
    async fn a_waiting_receiver_wakes_for_an_item_and_ends_when_every_sender_is_gone() {
        let (tx, mut rx) = outbox(10, CancellationToken::new());
        let other = tx.clone();
        let sender = tokio::spawn(async move {
            tokio::task::yield_now().await;
            other.try_send(messages(1)).unwrap();
        });
        let mut batch = Vec::new();
        assert_eq!(rx.recv_many(&mut batch, 64).await, 1);
        sender.await.unwrap();

        let waiting = tokio::spawn(async move { rx.recv_many(&mut Vec::new(), 64).await });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "a sender is left");
        drop(tx);
        assert_eq!(waiting.await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_closed_socket_refuses_without_counting() {
        let (tx, rx) = outbox(10, CancellationToken::new());
        drop(rx);
        assert_eq!(tx.try_send(messages(3)), Err(Refused::Closed));
        assert_eq!(tx.shared.queue().frames, 0);
    }
}
