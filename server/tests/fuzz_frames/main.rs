//! Property-style fuzzing of the room socket (CONTRACT.md "WebSocket"): thousands of random,
//! mutated and malformed frames thrown at one live connection of a real server.
//!
//! What must hold, whatever arrives: the server never drops the connection over a bad frame,
//! answers every rejected frame with exactly one `error` frame (in order, with the code the
//! shared crate's parser and validators give), acknowledges every valid `send` with its own
//! `message` frame, answers every valid `history` request, and keeps serving everybody else.
//! Only a frame over `MAX_CLIENT_FRAME_BYTES` ends a connection, and only that one.
//!
//! The generator is a seeded `StdRng`: `FUZZ_FRAMES_SEED=<n>` replays a run, and
//! `FUZZ_FRAMES_COUNT=<n>` changes its length (3000 by default). Each run prints its counts.
//! SQLite by default; `TEST_DATABASE_URL=postgres://…` runs it on a fresh Postgres database.

mod generator;
mod oracle;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chat_shared::limits::MAX_CLIENT_FRAME_BYTES;
use chat_shared::session::SESSION_COOKIE;
use chat_shared::{ErrorCode, ServerFrame};
use chat_test_support::{spawn_app_with, welcome_parts, TestApp, Visitor};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use generator::{Generator, Outgoing};
use oracle::{expect, Expect, InOrder};

/// How long any single expected frame may take to arrive.
const WAIT: Duration = Duration::from_secs(15);
/// After every expected reply has arrived, how long we listen for a surplus one.
const QUIET: Duration = Duration::from_millis(500);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

// ---------------------------------------------------------------------------------------------
// The server and its users
// ---------------------------------------------------------------------------------------------

/// The server on a fresh database: SQLite, or Postgres when `TEST_DATABASE_URL` names one;
/// fan-out through Redis when `TEST_REDIS_URL` is set.
async fn spawn_server() -> TestApp {
    spawn_app_with(|config| {
        // The barrage sends hundreds of valid messages in a second; the rate limit is not
        // under test.
        config.messages_per_second = 100_000;
        config.history_per_second = 100_000;
    })
    .await
}

/// A registered, logged-in user (through the forms, as a browser does).
async fn user(app: &TestApp, name: &str) -> Visitor {
    let user = app.user(name).await;
    assert!(
        user.cookie(SESSION_COOKIE).is_some(),
        "login sets sessionid"
    );
    user
}

/// Opens the room's socket with the session cookie and reads the welcome frame.
async fn join(user: &Visitor, room_id: i64) -> Ws {
    let (socket, welcome) = user.join(room_id).await;
    assert_eq!(welcome_parts(welcome).1, user.nickname, "welcome names me");
    socket.stream
}

/// The next server frame (pings and pongs are the library's business); panics on a close.
async fn next_server_frame(ws: &mut Ws) -> ServerFrame {
    loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame within the wait")
            .expect("the socket is open")
            .expect("a well-formed frame");
        match message {
            Message::Text(text) => {
                return serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("not a server frame ({e}): {text}"))
            }
            Message::Close(frame) => panic!("the server closed the socket: {frame:?}"),
            _ => {}
        }
    }
}

/// Sends a valid message and waits for its acknowledgement on the same socket.
async fn send_and_ack(ws: &mut Ws, me: &str, body: &str) -> i64 {
    let frame = json!({"type": "send", "body": body}).to_string();
    ws.send(Message::text(frame)).await.expect("send");
    loop {
        if let ServerFrame::Message(m) = next_server_frame(ws).await {
            if m.sender == me && m.body == body {
                return m.id;
            }
        }
    }
}

/// Waits until `ws` receives the message `body` from `sender`.
async fn receives(ws: &mut Ws, sender: &str, body: &str) {
    loop {
        if let ServerFrame::Message(m) = next_server_frame(ws).await {
            if m.sender == sender && m.body == body {
                return;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

/// What came back on the fuzzed connection.
#[derive(Debug, Default)]
struct Received {
    in_order: Vec<InOrder>,
    acks: usize,
    others: usize,
    pongs: usize,
}

fn seed() -> u64 {
    std::env::var("FUZZ_FRAMES_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random)
}

fn frame_count() -> usize {
    std::env::var("FUZZ_FRAMES_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_barrage_of_random_frames_gets_one_answer_each_and_breaks_nothing() {
    // Arrange: a real server, two users in one room, both connected.
    let started = Instant::now();
    let app = spawn_server().await;
    let alice = user(&app, "fuzzalice").await;
    let bob = user(&app, "fuzzbob").await;
    let room = alice.create_room("fuzzing").await.id;
    let mut bob_ws = join(&bob, room).await;
    let alice_ws = join(&alice, room).await;

    let seed = seed();
    let count = frame_count();
    println!("fuzz_frames: seed {seed} (replay with FUZZ_FRAMES_SEED={seed}), {count} frames");
    let mut generator = Generator::new(seed);
    let frames: Vec<Outgoing> = (0..count).map(|_| generator.frame()).collect();
    let expected: Vec<Expect> = frames.iter().map(expect).collect();
    let expected_in_order: Vec<InOrder> = expected
        .iter()
        .filter_map(|e| match e {
            Expect::Error(code) => Some(InOrder::Error(*code)),
            Expect::History => Some(InOrder::History),
            Expect::Participants => Some(InOrder::Participants),
            Expect::Ack | Expect::Nothing => None,
        })
        .collect();
    let expected_acks = expected.iter().filter(|e| **e == Expect::Ack).count();

    // Act: one task writes the barrage while this one reads every answer.
    let (mut sink, mut stream) = alice_ws.split();
    let writer = tokio::spawn(async move {
        for frame in frames {
            let message = match frame {
                Outgoing::Text(t) => Message::text(t),
                Outgoing::Binary(b) => Message::binary(b),
                Outgoing::Ping(p) => Message::Ping(p.into()),
            };
            sink.send(message).await.expect("the server keeps reading");
        }
        sink
    });
    let mut received = Received::default();
    let mut done_at: Option<Instant> = None;
    loop {
        let complete =
            received.in_order.len() >= expected_in_order.len() && received.acks >= expected_acks;
        if complete && done_at.is_none() {
            done_at = Some(Instant::now());
        }
        let wait = match done_at {
            Some(at) => match QUIET.checked_sub(at.elapsed()) {
                Some(left) => left,
                None => break,
            },
            None => WAIT,
        };
        let message = match tokio::time::timeout(wait, stream.next()).await {
            Err(_) if done_at.is_some() => break,
            Err(_) => panic!(
                "no frame for {WAIT:?} with answers missing: {} of {} errors/history pages, {} of {} acks",
                received.in_order.len(),
                expected_in_order.len(),
                received.acks,
                expected_acks
            ),
            Ok(None) => panic!("the server ended the fuzzed socket"),
            Ok(Some(Err(e))) => panic!("the fuzzed socket failed: {e}"),
            Ok(Some(Ok(message))) => message,
        };
        let text = match message {
            Message::Text(text) => text,
            Message::Close(frame) => panic!("the server closed the fuzzed socket: {frame:?}"),
            Message::Pong(_) => {
                received.pongs += 1;
                continue;
            }
            _ => continue,
        };
        let frame: ServerFrame = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the server sent a frame the contract lacks ({e}): {text}"));
        match frame {
            ServerFrame::Error { code, message, .. } => {
                assert!(!message.is_empty(), "error frames explain themselves");
                received.in_order.push(InOrder::Error(code));
            }
            ServerFrame::History { .. } => received.in_order.push(InOrder::History),
            ServerFrame::ParticipantPage { .. } => received.in_order.push(InOrder::Participants),
            ServerFrame::Message(m) if m.sender == alice.nickname => received.acks += 1,
            _ => received.others += 1,
        }
        // Stop at the first wrong answer: it names the frame that went wrong.
        if let Some((at, got)) = received.in_order.iter().enumerate().next_back() {
            assert_eq!(
                Some(got),
                expected_in_order.get(at),
                "answer {at} (error or history frame) differs from what the contract says"
            );
        }
    }
    let sink = writer.await.expect("the writer task finished");
    let mut alice_ws = sink.reunite(stream).expect("the halves of one socket");

    // Assert: one answer per frame, in order, and nothing extra.
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    for item in &received.in_order {
        if let InOrder::Error(code) = item {
            *by_code.entry(format!("{code:?}")).or_default() += 1;
        }
    }
    let histories = received
        .in_order
        .iter()
        .filter(|i| **i == InOrder::History)
        .count();
    let expected_nothing = expected.iter().filter(|e| **e == Expect::Nothing).count();
    println!(
        "fuzz_frames: {count} frames sent; {} error frames {by_code:?}; {} acks; {histories} history pages; \
         {expected_nothing} frames needing no answer (typing, ping); {} pongs; {} other frames",
        received.in_order.len() - histories,
        received.acks,
        received.pongs,
        received.others,
    );
    if let Some(at) = received
        .in_order
        .iter()
        .zip(&expected_in_order)
        .position(|(got, want)| got != want)
    {
        panic!(
            "answer {at} differs: got {:?}, the contract says {:?}",
            received.in_order[at], expected_in_order[at]
        );
    }
    assert_eq!(
        received.in_order.len(),
        expected_in_order.len(),
        "one error or history frame per frame that needs one"
    );
    assert_eq!(received.acks, expected_acks, "one ack per valid send");
    assert!(
        by_code.values().sum::<usize>() > count / 3 && expected_acks > count / 10,
        "the generator exercises both rejection and acceptance: {by_code:?}, {expected_acks} acks"
    );

    // The fuzzed socket and the other user's socket both still work, in both directions.
    send_and_ack(&mut alice_ws, &alice.nickname, "alice after the barrage").await;
    receives(&mut bob_ws, &alice.nickname, "alice after the barrage").await;
    send_and_ack(&mut bob_ws, &bob.nickname, "bob after the barrage").await;
    receives(&mut alice_ws, &bob.nickname, "bob after the barrage").await;
    println!("fuzz_frames: barrage done in {:.1?}", started.elapsed());
}

/// Sends one text frame of exactly `len` bytes: a `send` frame whose body pads it out.
fn frame_of_len(len: usize) -> String {
    let head = r#"{"type":"send","body":""#;
    let tail = r#""}"#;
    let text = format!("{head}{}{tail}", "a".repeat(len - head.len() - tail.len()));
    assert_eq!(text.len(), len);
    text
}

/// How an oversize frame ended the socket: the close code, or `None` if the TCP connection
/// was dropped without a close frame.
async fn how_it_ends(ws: &mut Ws) -> Result<Option<CloseFrame>, String> {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await {
            Err(_) => return Err("the socket stayed open".into()),
            Ok(Some(Ok(Message::Close(frame)))) => return Ok(frame),
            Ok(Some(Ok(Message::Text(text)))) => {
                // The one frame at the limit is answered before the oversize one ends the socket.
                let frame: ServerFrame = serde_json::from_str(&text).expect("a server frame");
                assert!(
                    matches!(
                        frame,
                        ServerFrame::Error {
                            code: ErrorCode::TooLong,
                            ..
                        } | ServerFrame::Presence { .. }
                            | ServerFrame::Participant { .. }
                    ),
                    "unexpected frame before the close: {frame:?}"
                );
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => return Ok(None),
        }
    }
}

/// Frames up to `MAX_CLIENT_FRAME_BYTES` are parsed (and this one refused as too long); one
/// byte more ends that connection, and only that one. Returns the close frame, if any.
async fn oversize_frame_on_a_fresh_socket() -> Option<CloseFrame> {
    let app = spawn_server().await;
    let alice = user(&app, "bigalice").await;
    let bob = user(&app, "bigbob").await;
    let room = alice.create_room("limits").await.id;
    let mut bob_ws = join(&bob, room).await;
    let mut alice_ws = join(&alice, room).await;

    alice_ws
        .send(Message::text(frame_of_len(MAX_CLIENT_FRAME_BYTES)))
        .await
        .expect("send at the limit");
    loop {
        if let ServerFrame::Error { code, .. } = next_server_frame(&mut alice_ws).await {
            assert_eq!(code, ErrorCode::TooLong, "a frame at the limit is parsed");
            break;
        }
    }
    // The writer may see the connection reset while the server is already gone.
    let _ = alice_ws
        .send(Message::text(frame_of_len(MAX_CLIENT_FRAME_BYTES + 1)))
        .await;
    let ending = how_it_ends(&mut alice_ws)
        .await
        .expect("an oversize frame ends the socket");

    // Everybody else is still served, and so is alice on a new socket.
    send_and_ack(&mut bob_ws, &bob.nickname, "bob after the oversize frame").await;
    let mut alice_again = join(&alice, room).await;
    send_and_ack(&mut alice_again, &alice.nickname, "alice reconnected").await;
    receives(&mut bob_ws, &alice.nickname, "alice reconnected").await;
    ending
}

#[tokio::test]
async fn an_oversize_frame_ends_only_that_socket() {
    let ending = oversize_frame_on_a_fresh_socket().await;
    println!("fuzz_frames: a frame of MAX_CLIENT_FRAME_BYTES + 1 ended the socket with {ending:?}");
}

/// CONTRACT/SECURITY: an oversize frame should be answered with close code 1009 (Message Too
/// Big), so a client can tell "too big" from a network failure.
#[tokio::test]
async fn an_oversize_frame_closes_the_socket_with_1009() {
    let ending = oversize_frame_on_a_fresh_socket().await;
    let code = ending.map(|f| u16::from(f.code));
    assert_eq!(code, Some(1009), "close code for an oversize frame");
}

/// RFC 6455 5.5.1 (Autobahn 1.*–7.* "UNCLEAN"): a client's close frame is answered with a
/// close frame before the server drops the connection.
#[tokio::test]
async fn a_client_close_is_answered_with_a_close_frame() {
    let app = spawn_server().await;
    let alice = user(&app, "closealice").await;
    let room = alice.create_room("closing").await.id;
    let mut ws = join(&alice, room).await;

    ws.close(None).await.expect("the close frame is sent");
    let answer = loop {
        match tokio::time::timeout(WAIT, ws.next()).await {
            Err(_) => break Err("no answer".to_owned()),
            Ok(Some(Ok(Message::Close(frame)))) => break Ok(frame),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => break Err(e.to_string()),
            Ok(None) => break Err("the connection ended".to_owned()),
        }
    };
    assert!(
        answer.is_ok(),
        "the server answers a close with a close: {answer:?}"
    );
}
