//! The ceiling: the least a chat server must do, as a yardstick for ours. A tokio-tungstenite
//! server with no accounts, no storage and no ordering beyond what a channel gives: rooms are
//! tokio broadcast channels, a `send` is parsed with the same `chat_shared` types, turned into
//! the same `message` frame (serialized once) and broadcast; every socket writes what it gets
//! in batches, as the real server does. It runs in this process, on its own runtime with as
//! many worker threads as the real server gets (one per core), named so its CPU time can be
//! read apart from the clients'.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use chat_shared::close::TOO_SLOW;
use chat_shared::session::SESSION_COOKIE;
use chat_shared::{ClientFrame, Message, Room, ServerFrame};
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, oneshot};
use tokio_tungstenite::tungstenite::handshake::server::{
    Callback, ErrorResponse, Request, Response,
};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message as WsMessage, Utf8Bytes};

/// Worker threads are named this (and read by `sys::threads_cpu_seconds`).
pub const THREAD_NAME: &str = "ceiling";
/// Frames written before one flush, as the real server does.
const WRITE_BATCH: usize = 64;

/// A running ceiling server; dropping it stops it.
pub struct Ceiling {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ceiling {
    /// Starts listening on a free loopback port, with `threads` workers and room channels of
    /// `queue` frames (a receiver that falls further behind is dropped, as the real server
    /// drops a connection whose queue is full). `nodelay` sets TCP_NODELAY on every socket;
    /// without it Nagle's algorithm holds small writes until the last one is acknowledged.
    pub fn start(threads: usize, queue: usize, nodelay: bool) -> anyhow::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .thread_name(THREAD_NAME)
            .enable_all()
            .build()
            .context("starting the ceiling's runtime")?;
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name(format!("{THREAD_NAME}-main"))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => return eprintln!("ceiling: {e}"),
                    };
                    tokio::select! {
                        _ = accept_loop(listener, queue.max(1), nodelay) => {}
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime here ends every connection task.
            })?;
        Ok(Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// `chat-bench ceiling-server`: the ceiling alone in its own process, for `idle`, whose
/// figure is a whole process's memory. Prints `listening on ADDR`, then serves until its
/// standard input closes (the bench that started it ended or let it go).
pub fn serve_until_stdin_closes(threads: usize, queue: usize, nodelay: bool) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let ceiling = Ceiling::start(threads, queue, nodelay)?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {}", ceiling.addr())?;
    stdout.flush()?;
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(ceiling);
    Ok(())
}

/// A ceiling in a child process (`ceiling-server`); killed when dropped.
pub struct CeilingProcess {
    child: std::process::Child,
    addr: SocketAddr,
}

impl CeilingProcess {
    pub fn spawn(threads: usize, queue: usize, nodelay: bool) -> anyhow::Result<Self> {
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        let mut command = Command::new(std::env::current_exe()?);
        command
            .args(["ceiling-server", "--threads", &threads.to_string()])
            .args(["--queue", &queue.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        if !nodelay {
            command.arg("--nagle");
        }
        let mut child = command.spawn().context("starting the ceiling process")?;
        let stdout = child.stdout.take().context("the ceiling's stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok())
            .with_context(|| format!("the ceiling process said {line:?}"))?;
        Ok(Self { child, addr })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for CeilingProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Ceiling {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What every connection shares.
struct Hub {
    rooms: Mutex<HashMap<i64, broadcast::Sender<Utf8Bytes>>>,
    next_id: AtomicI64,
    queue: usize,
}

impl Hub {
    fn room(&self, id: i64) -> broadcast::Sender<Utf8Bytes> {
        self.rooms
            .lock()
            .expect("ceiling room lock")
            .entry(id)
            .or_insert_with(|| broadcast::channel(self.queue).0)
            .clone()
    }
}

async fn accept_loop(listener: TcpListener, queue: usize, nodelay: bool) {
    let hub = Arc::new(Hub {
        rooms: Mutex::default(),
        next_id: AtomicI64::new(1),
        queue,
    });
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(nodelay);
                tokio::spawn(serve(stream, hub.clone()));
            }
            Err(e) => {
                eprintln!("ceiling: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
}

/// The same socket buffer sizes as the real server's room sockets.
fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(2 * 1024)
        .write_buffer_size(8 * 1024)
        .max_write_buffer_size(4 * 1024 * 1024)
        .max_message_size(Some(chat_shared::limits::MAX_CLIENT_FRAME_BYTES))
}

/// `/ws/chat/{id}/` → `id`.
fn room_id(path: &str) -> Option<i64> {
    path.strip_prefix("/ws/chat/")?
        .trim_end_matches('/')
        .parse()
        .ok()
}

/// The nickname is whatever the session cookie says: there are no accounts here.
fn nickname(request: &Request) -> String {
    request
        .headers()
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
        .unwrap_or("anonymous")
        .to_owned()
}

/// Keeps the request's path and nickname from the handshake.
struct Capture<'a> {
    path: &'a mut String,
    me: &'a mut String,
}

impl Callback for Capture<'_> {
    fn on_request(self, request: &Request, response: Response) -> Result<Response, ErrorResponse> {
        *self.path = request.uri().path().to_owned();
        *self.me = nickname(request);
        Ok(response)
    }
}

async fn serve(stream: TcpStream, hub: Arc<Hub>) {
    let mut path = String::new();
    let mut me = String::new();
    let capture = Capture {
        path: &mut path,
        me: &mut me,
    };
    let handshake =
        tokio_tungstenite::accept_hdr_async_with_config(stream, capture, Some(ws_config()));
    let Ok(ws) = handshake.await else {
        return;
    };
    let (mut sink, mut stream) = ws.split();
    let Some(room_id) = room_id(&path) else {
        let _ = sink.send(close(CloseCode::Policy, "unknown path")).await;
        return;
    };
    let room = hub.room(room_id);
    let mut inbox = room.subscribe();
    let welcome = ServerFrame::Welcome {
        room: Room {
            id: room_id,
            title: format!("ceiling room {room_id}"),
            creator: me.clone(),
            participant_count: room.receiver_count() as i64,
            created_at: now(),
            unread: 0,
            mentioned: false,
        },
        me: me.clone(),
        participants: Vec::new(),
        history: Vec::new(),
        has_more: false,
        read_up_to: None,
        online_count: None,
        participants_more: false,
    };
    if sink.send(text(&welcome)).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            item = inbox.recv() => {
                let first = match item {
                    Ok(first) => first,
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let _ = sink.send(close(CloseCode::from(TOO_SLOW), "too slow")).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if sink.feed(WsMessage::Text(first)).await.is_err() {
                    return;
                }
                for _ in 1..WRITE_BATCH {
                    match inbox.try_recv() {
                        Ok(next) => {
                            if sink.feed(WsMessage::Text(next)).await.is_err() {
                                return;
                            }
                        }
                        Err(broadcast::error::TryRecvError::Lagged(_)) => {
                            let _ = sink.send(close(CloseCode::from(TOO_SLOW), "too slow")).await;
                            return;
                        }
                        Err(_) => break,
                    }
                }
                if sink.flush().await.is_err() {
                    return;
                }
            }
            incoming = stream.next() => match incoming {
                Some(Ok(WsMessage::Text(frame))) => {
                    if let Some(message) = message_from(&frame, room_id, &me, &hub) {
                        // No receivers only means everyone left.
                        let _ = room.send(message);
                    }
                }
                Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// The `message` frame for a valid `send`, serialized once for every receiver.
fn message_from(frame: &str, room_id: i64, me: &str, hub: &Hub) -> Option<Utf8Bytes> {
    let ClientFrame::Send { body, nonce, .. } = ClientFrame::parse(frame).ok()? else {
        return None;
    };
    let valid = ClientFrame::validate_send(&body, nonce.as_deref()).ok()?;
    let message = ServerFrame::Message(Message::plain(
        hub.next_id.fetch_add(1, Ordering::Relaxed),
        room_id,
        me,
        valid.body,
        now(),
        valid.nonce,
    ));
    Some(Utf8Bytes::from(
        serde_json::to_string(&message).expect("frames serialize"),
    ))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn text(frame: &ServerFrame) -> WsMessage {
    WsMessage::Text(Utf8Bytes::from(
        serde_json::to_string(frame).expect("frames serialize"),
    ))
}

fn close(code: CloseCode, reason: &'static str) -> WsMessage {
    WsMessage::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_paths_parse_with_or_without_the_slash() {
        assert_eq!(room_id("/ws/chat/12/"), Some(12));
        assert_eq!(room_id("/ws/chat/12"), Some(12));
        assert_eq!(room_id("/ws/lobby"), None);
    }

    #[test]
    fn a_send_becomes_the_same_message_frame_the_server_sends() {
        let hub = Hub {
            rooms: Mutex::default(),
            next_id: AtomicI64::new(5),
            queue: 16,
        };
        let frame = message_from(
            r#"{"type":"send","body":" hi ","nonce":"n"}"#,
            3,
            "bench1",
            &hub,
        )
        .unwrap();
        let parsed: ServerFrame = serde_json::from_str(frame.as_str()).unwrap();
        let ServerFrame::Message(m) = parsed else {
            panic!("not a message frame: {frame}");
        };
        assert_eq!(
            (m.id, m.room_id, m.sender.as_str(), m.body.as_str()),
            (5, 3, "bench1", "hi")
        );
        assert_eq!(m.nonce.as_deref(), Some("n"));
        assert!(message_from(r#"{"type":"typing"}"#, 3, "bench1", &hub).is_none());
    }
}
