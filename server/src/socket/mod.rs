//! Every WebSocket the server holds: the upgrade (`upgrade.rs`), a room socket's life and its
//! select loop (`room.rs`), what it answers to client frames (`commands.rs`, `changes.rs`, `reads.rs`), its welcome and
//! resume backlog (`welcome.rs`), the lobby socket (`lobby.rs`), the outbound queue the rooms
//! fill (`outbox.rs`), and how sockets close (`close.rs`). `http/` only routes to these.

mod changes;
pub mod close;
mod commands;
pub mod echo;
pub mod lobby;
pub mod outbox;
mod reads;
mod room;
pub mod slots;
pub mod upgrade;
mod welcome;

use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use chat_shared::limits::MAX_CLIENT_FRAME_BYTES;
use tungstenite::protocol::WebSocketConfig;

/// The longest one write may take before the client counts as gone: a batch of live frames,
/// and equally the welcome, each page of a resume backlog and the lobby's first list, which a
/// client that never reads would otherwise hold forever (issue 18: ~260 MB for lobby
/// sockets against 20k rooms, 3.6 MB of kernel buffer for a `?after=0` socket).
const WRITE_TIMEOUT: Duration = Duration::from_secs(15);

/// Outbound frames a socket writes before one flush.
const FRAMES_PER_FLUSH: usize = 64;

/// What tungstenite reads at most per system call, and the read buffer a socket starts with
/// and keeps: client frames are small (a `send` is at most ~2 KiB, typing and read marks tens
/// of bytes), and every idle socket holds this much (`chat-bench idle`).
const READ_BUFFER_SIZE: usize = 1024;
/// Frames are gathered up to this many bytes before a write (the flush after a batch writes
/// the rest). Not a cap: a bigger frame takes what it needs, and our patched tungstenite frees
/// the buffer once it is written (vendor/README.md).
const WRITE_BUFFER_SIZE: usize = 8 * 1024;
/// Past this many unwritten bytes a send fails (the write deadline usually ends such a socket
/// first).
const MAX_WRITE_BUFFER_SIZE: usize = 16 * 1024 * 1024;

/// Socket buffers sized on purpose: tungstenite's defaults (128 KiB each way) would cost far
/// more per idle socket than the messages need.
pub fn configure(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(READ_BUFFER_SIZE)
        .write_buffer_size(WRITE_BUFFER_SIZE)
        .max_write_buffer_size(MAX_WRITE_BUFFER_SIZE)
        .max_message_size(MAX_CLIENT_FRAME_BYTES)
        .max_frame_size(MAX_CLIENT_FRAME_BYTES)
}

/// The same settings as [`configure`], for a socket built on tungstenite directly (tests of
/// the write buffer).
pub fn websocket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_SIZE)
        .write_buffer_size(WRITE_BUFFER_SIZE)
        .max_write_buffer_size(MAX_WRITE_BUFFER_SIZE)
        .max_message_size(Some(MAX_CLIENT_FRAME_BYTES))
        .max_frame_size(Some(MAX_CLIENT_FRAME_BYTES))
}
