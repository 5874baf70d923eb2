//! A socket's buffers give back what they took (issue 19, vendor/README.md): a resume page or
//! a long history must not leave every socket that carried one holding its size for the rest
//! of the connection, and an idle socket holds no read buffer.
//!
//! Its own test binary because it counts the heap bytes the process holds, through a global
//! allocator that would see every other test's allocations too; the tests take turns.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Heap bytes allocated and not yet freed.
static LIVE: AtomicUsize = AtomicUsize::new(0);

struct Counting;

// SAFETY: every call goes to the system allocator unchanged; only the byte count is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = System.realloc(ptr, layout, new_size);
        if !moved.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A welcome with a long history: 200 messages of 2000 characters.
const BIG_FRAME: usize = 200 * 2000;

/// Held by each test for its whole run, so that one test's allocations are not counted in
/// another's (`cargo test` runs them on parallel threads).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A server-side socket with the server's settings over real TCP (the kernel's buffers are
/// not heap), and the client's end of its connection.
async fn server_socket() -> (WebSocketStream<TcpStream>, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server_io, _) = listener.accept().await.unwrap();
    let socket = WebSocketStream::from_raw_socket(
        server_io,
        Role::Server,
        Some(chat_server::socket::websocket_config()),
    )
    .await;
    (socket, client)
}

#[tokio::test(flavor = "current_thread")]
async fn a_socket_gives_back_the_write_buffer_a_big_frame_took() {
    let _turn = ONE_AT_A_TIME.lock().await;
    // Arrange: a client that reads and throws the bytes away.
    let (mut socket, client) = server_socket().await;
    let reader = tokio::spawn(async move {
        let mut client = client;
        let mut buf = [0u8; 8192];
        let mut total = 0;
        while let Ok(n @ 1..) = client.read(&mut buf).await {
            total += n;
        }
        total
    });
    // A small frame first, so that one-off allocations are in the baseline.
    socket.send(Message::text("hello")).await.unwrap();
    let before = LIVE.load(Ordering::Relaxed);

    // Act: one big frame, then a batch of small ones fed and flushed together.
    socket
        .send(Message::text("x".repeat(BIG_FRAME)))
        .await
        .unwrap();
    let after_big = LIVE.load(Ordering::Relaxed);
    for _ in 0..64 {
        socket.feed(Message::text("y".repeat(300))).await.unwrap();
    }
    socket.flush().await.unwrap();
    let after_batch = LIVE.load(Ordering::Relaxed);

    // Assert: nothing of either is still held, and every byte went out.
    let held = |after: usize| after.saturating_sub(before);
    assert!(
        held(after_big) < 4 * 1024,
        "{} bytes still held after a {BIG_FRAME}-byte frame was written",
        held(after_big)
    );
    assert!(
        held(after_batch) < 4 * 1024,
        "{} bytes still held after a batch was written",
        held(after_batch)
    );
    drop(socket);
    let read = reader.await.unwrap();
    assert!(
        read > BIG_FRAME + 64 * 300,
        "the client read {read} bytes, fewer than were sent"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_idle_socket_holds_no_read_buffer_and_frames_still_arrive_whole() {
    let _turn = ONE_AT_A_TIME.lock().await;
    // Arrange: the server's side with the server's settings over real TCP, which has read one
    // frame and waited for more, so that its one-off allocations are in the baseline.
    let (mut socket, client) = server_socket().await;
    let mut client = WebSocketStream::from_raw_socket(client, Role::Client, None).await;
    client.send(Message::text("hello")).await.unwrap();
    assert_eq!(next_text(&mut socket).await, "hello");
    assert!(idle(&mut socket).await);
    // The biggest last: a read buffer kept after it would hold its ~3 KiB.
    let frames: Vec<String> = [10, 900, 70, 3000]
        .iter()
        .enumerate()
        .map(|(i, &n)| i.to_string().repeat(n))
        .collect();
    let before = LIVE.load(Ordering::Relaxed);

    // Act: frames larger and smaller than the read buffer (1 KiB), read, then a wait for more.
    for frame in &frames {
        client.send(Message::text(frame.as_str())).await.unwrap();
    }
    let mut read = Vec::new();
    for _ in &frames {
        read.push(next_text(&mut socket).await);
    }
    let waited = idle(&mut socket).await;

    // Assert: every frame arrived as sent, and the waiting socket holds nothing more than
    // before them.
    assert!(waited, "nothing more was sent");
    assert_eq!(read, frames);
    drop(read);
    let held = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    assert!(held < 512, "an idle socket holds {held} more bytes of heap");
}

async fn next_text(socket: &mut WebSocketStream<TcpStream>) -> String {
    match socket.next().await {
        Some(Ok(Message::Text(text))) => text.to_string(),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// True if the socket waited for a frame that did not come.
async fn idle(socket: &mut WebSocketStream<TcpStream>) -> bool {
    tokio::time::timeout(std::time::Duration::from_millis(50), socket.next())
        .await
        .is_err()
}
