//! Delivery under faults (issue: trust): `kill -9` mid-conversation, graceful shutdown on
//! SIGTERM and Ctrl+C, a client that stops reading, and connections that stop answering.
//! Each prints its counts; acknowledged messages lost and duplicates must both be 0.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_shared::{Message, ServerFrame};
use chat_test_support::{spawn_app_with, welcome_parts, ServerProcess, Socket, TestApp, Visitor};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// What one resilient client saw and had acknowledged.
#[derive(Default)]
struct Tally {
    /// Every message frame id received, in arrival order (welcome history included).
    seen: Vec<i64>,
    /// Our nonces the server acknowledged, with the id it gave.
    acked: HashMap<String, i64>,
    /// Close codes the server sent us.
    close_codes: Vec<u16>,
}

/// A client that behaves as the contract asks of one: resumes with `?after=` and resends
/// unacknowledged lines with their nonce until every line is acknowledged.
async fn resilient_sender(
    visitor: Visitor,
    room_id: i64,
    name: String,
    lines: usize,
    acked_total: Arc<AtomicUsize>,
) -> Tally {
    let mut tally = Tally::default();
    let mut last_seen = 0i64;
    let mut unacked: BTreeMap<String, String> = BTreeMap::new();
    let mut next_line = 0usize;
    let deadline = Instant::now() + Duration::from_secs(60);
    'connect: while tally.acked.len() < lines {
        assert!(
            Instant::now() < deadline,
            "{name}: not every line was acknowledged in time"
        );
        let (mut socket, welcome) = match visitor.try_join(room_id, last_seen).await {
            Ok(joined) => joined,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (_, _, _, history, _) = welcome_parts(welcome);
        for m in history {
            record(&mut tally, &mut last_seen, &mut unacked, &acked_total, m);
        }
        for (nonce, body) in &unacked {
            if try_send_message(&mut socket, body, nonce).await.is_err() {
                note_close(&mut socket, &mut tally).await;
                continue 'connect;
            }
        }
        loop {
            if next_line < lines && unacked.len() < 10 {
                let nonce = format!("{name}-{next_line}");
                let body = format!("{name} line {next_line}");
                unacked.insert(nonce.clone(), body.clone());
                next_line += 1;
                if try_send_message(&mut socket, &body, &nonce).await.is_err() {
                    note_close(&mut socket, &mut tally).await;
                    continue 'connect;
                }
                continue;
            }
            if tally.acked.len() == lines {
                break 'connect;
            }
            match tokio::time::timeout(Duration::from_secs(5), socket.stream.next()).await {
                Ok(Some(Ok(WsMessage::Text(text)))) => {
                    if let Ok(ServerFrame::Message(m)) = serde_json::from_str(&text) {
                        record(&mut tally, &mut last_seen, &mut unacked, &acked_total, m);
                    }
                }
                Ok(Some(Ok(WsMessage::Close(frame)))) => {
                    tally.close_codes.extend(frame.map(|f| u16::from(f.code)));
                    continue 'connect;
                }
                Ok(Some(Ok(_))) => {}
                _ => continue 'connect,
            }
        }
    }
    tally
}

fn record(
    tally: &mut Tally,
    last_seen: &mut i64,
    unacked: &mut BTreeMap<String, String>,
    acked_total: &AtomicUsize,
    m: Message,
) {
    tally.seen.push(m.id);
    *last_seen = (*last_seen).max(m.id);
    if let Some(nonce) = m.nonce {
        if unacked.remove(&nonce).is_some() {
            tally.acked.insert(nonce, m.id);
            acked_total.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// After a failed send: the server may have said goodbye first; note its close code.
/// (Messages read here are fetched again by the resume, so they are not recorded.)
async fn note_close(socket: &mut Socket, tally: &mut Tally) {
    while let Ok(Some(Ok(frame))) =
        tokio::time::timeout(Duration::from_millis(300), socket.stream.next()).await
    {
        if let WsMessage::Close(frame) = frame {
            tally.close_codes.extend(frame.map(|f| u16::from(f.code)));
            return;
        }
    }
}

async fn try_send_message(socket: &mut Socket, body: &str, nonce: &str) -> Result<(), ()> {
    use futures_util::SinkExt;
    let frame = serde_json::json!({"type": "send", "body": body, "nonce": nonce});
    socket
        .stream
        .send(WsMessage::text(frame.to_string()))
        .await
        .map_err(|_| ())
}

/// Counts what a fresh reader finds against what was acknowledged: (lost, duplicates).
async fn audit(visitor: &Visitor, room_id: i64, tallies: &[Tally]) -> (usize, usize, usize) {
    let (mut socket, welcome) = visitor
        .try_join(room_id, 0)
        .await
        .expect("the restarted server answers");
    let mut history = welcome_parts(welcome).3;
    history.extend(
        socket
            .messages_until_quiet(Duration::from_millis(500))
            .await,
    );
    let mut by_nonce: HashMap<String, usize> = HashMap::new();
    for m in &history {
        *by_nonce
            .entry(m.nonce.clone().unwrap_or_default())
            .or_default() += 1;
    }
    let acked: Vec<&String> = tallies.iter().flat_map(|t| t.acked.keys()).collect();
    let lost = acked.iter().filter(|n| !by_nonce.contains_key(**n)).count();
    let duplicates = by_nonce.values().filter(|c| **c > 1).count();
    (acked.len(), lost, duplicates)
}

/// Each client saw messages once each, in id order, across its reconnects, and everything
/// any client had acknowledged up to the last message it saw.
fn assert_everyone_saw_everything_once(tallies: &[Tally]) {
    let all: HashSet<i64> = tallies
        .iter()
        .flat_map(|t| t.acked.values().copied())
        .collect();
    for t in tallies {
        let seen: HashSet<i64> = t.seen.iter().copied().collect();
        assert_eq!(
            seen.len(),
            t.seen.len(),
            "no message reached a client twice"
        );
        assert!(t.seen.windows(2).all(|w| w[0] < w[1]), "in id order");
        let upto = t.seen.last().copied().unwrap_or(0);
        let missing = all
            .iter()
            .filter(|id| **id <= upto && !seen.contains(id))
            .count();
        assert_eq!(
            missing, 0,
            "a client missed {missing} messages before its last one"
        );
    }
}

async fn users_in_a_room(url: &str, n: usize) -> (Vec<Visitor>, i64) {
    let app = TestApp::external(url);
    let mut users = Vec::new();
    for i in 0..n {
        users.push(app.user(&format!("u{i}x")).await);
    }
    let room = users[0].create_room("Faults").await;
    (users, room.id)
}

async fn conversation_through(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("chat.db").display());
    let mut server = ServerProcess::start(
        env!("CARGO_BIN_EXE_chat-server"),
        &[
            ("DATABASE_URL", &database_url),
            ("MESSAGES_PER_SECOND", "10000"),
        ],
    )
    .await;
    let (users, room_id) = users_in_a_room(&server.url(), 3).await;
    let acked_total = Arc::new(AtomicUsize::new(0));
    const LINES: usize = 150;
    let mut tasks = Vec::new();
    for (i, visitor) in users.into_iter().enumerate() {
        let acked = acked_total.clone();
        tasks.push(tokio::spawn(resilient_sender(
            visitor,
            room_id,
            format!("s{i}"),
            LINES,
            acked,
        )));
    }
    while acked_total.load(Ordering::Relaxed) < 100 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (took, clean) = server.signal(signal).await;
    let acked_before = acked_total.load(Ordering::Relaxed);
    if signal != "KILL" {
        assert!(clean, "SIG{signal} ends the server with success");
        assert!(took < Duration::from_secs(5), "SIG{signal} took {took:?}");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.restart().await;
    let mut tallies = Vec::new();
    for task in tasks {
        tallies.push(task.await.unwrap());
    }
    let auditor = TestApp::external(&server.url()).user("auditor").await;
    let (acked, lost, duplicates) = audit(&auditor, room_id, &tallies).await;
    let codes: Vec<u16> = tallies.iter().flat_map(|t| t.close_codes.clone()).collect();
    println!(
        "SIG{signal}: exited in {took:?}; {acked_before} acknowledged before, {acked} in all; lost {lost}, duplicates {duplicates}; close codes seen {codes:?}"
    );
    assert_eq!((acked, lost, duplicates), (3 * LINES, 0, 0));
    assert_everyone_saw_everything_once(&tallies);
    if signal != "KILL" {
        assert!(
            codes.contains(&1012),
            "graceful shutdown closes sockets with 1012: {codes:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_conversation_loses_no_acknowledged_message() {
    conversation_through("KILL").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stores_what_it_received_and_closes_with_1012() {
    conversation_through("TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_shuts_down_gracefully_too() {
    conversation_through("INT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_without_slowing_the_room() {
    // Writes of at most 512: a stalled client holds up to two writes beyond its queue of 1024
    // before it is dropped, and the 4000 lines below must be more than that plus what the
    // kernel buffers take.
    let app = spawn_app_with(|c| {
        c.messages_per_second = 100_000;
        c.write_batch = 512;
    })
    .await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let slow = app.user("slow").await;
    let room = alice.create_room("Firehose").await;
    let (mut reader, _) = bob.join(room.id).await;
    let (mut stalled, _) = slow.join(room.id).await; // never read until the end
    let (sender, _) = alice.join(room.id).await;

    // Enough to fill the stalled client's kernel buffers and then its queue of 1024.
    const COUNT: usize = 4000;
    let body = "x".repeat(3000);
    let started = Instant::now();
    // The sender is a member too: it reads its acknowledgements while it sends.
    let (mut sink, mut acks) = sender.stream.split();
    let send = async {
        use futures_util::SinkExt;
        for i in 0..COUNT {
            let frame = serde_json::json!({"type": "send", "body": format!("{i} {body}"), "nonce": format!("n{i}")});
            sink.send(WsMessage::text(frame.to_string()))
                .await
                .expect("the sender stays connected");
        }
    };
    let drain = async {
        let mut acked = 0;
        while acked < COUNT {
            match acks.next().await {
                Some(Ok(WsMessage::Text(text))) if text.contains("\"type\":\"message\"") => {
                    acked += 1
                }
                Some(Ok(_)) => {}
                other => panic!("the sender lost its socket: {other:?}"),
            }
        }
    };
    let receive = async {
        let mut ids = Vec::new();
        while ids.len() < COUNT {
            ids.push(reader.next_message().await.id);
        }
        ids
    };
    let ((), (), ids) = tokio::join!(send, drain, receive);
    let elapsed = started.elapsed();

    // Now read what the stalled client got before it was dropped.
    let mut got = Vec::new();
    let mut close_code = None;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stalled.stream.next()).await {
            Ok(Some(Ok(WsMessage::Text(text)))) => {
                if let Ok(ServerFrame::Message(m)) = serde_json::from_str(&text) {
                    got.push(m.id);
                }
            }
            Ok(Some(Ok(WsMessage::Close(frame)))) => {
                close_code = frame.map(|f| u16::from(f.code));
                break;
            }
            Ok(Some(Ok(_))) => {}
            _ => break,
        }
    }
    println!(
        "slow consumer: the reader got {} of {COUNT} in {elapsed:?}; the stalled client got {} before being dropped (close {close_code:?})",
        ids.len(),
        got.len()
    );
    assert_eq!(ids.len(), COUNT);
    assert!(
        got.len() < COUNT,
        "the stalled client was dropped before the end"
    );

    // It resumes with nothing missing.
    let after = got.last().copied().unwrap_or(0);
    let (mut resumed, welcome) = slow
        .join_path(&format!("/ws/chat/{}/?after={after}", room.id))
        .await;
    let mut all = got.clone();
    all.extend(welcome_parts(welcome).3.iter().map(|m| m.id));
    all.extend(
        resumed
            .messages_until_quiet(Duration::from_millis(500))
            .await
            .iter()
            .map(|m| m.id),
    );
    assert!(
        all == ids,
        "before the drop plus the resume is everything, once, in order ({} of {})",
        all.len(),
        ids.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_stop_answering_pings_are_closed_and_go_offline() {
    let app = spawn_app_with(|c| c.ping_seconds = 1).await;
    let alice = app.user("alice").await;
    let ghost = app.user("ghost").await;
    let room = alice.create_room("Ghosts").await;
    let (mut a, _) = alice.join(room.id).await;
    let (mut g, welcome) = ghost.join(room.id).await;
    let ghost_nick = welcome_parts(welcome).1;
    assert!(
        a.next_matching(|f| match f {
            ServerFrame::Presence { nickname, online } if nickname == ghost_nick => Some(online),
            _ => None,
        })
        .await
    );
    // The ghost never reads again, so it never answers a ping; alice keeps reading (and so
    // answering) and must stay connected.
    let started = Instant::now();
    a.next_matching(|f| match f {
        ServerFrame::Presence {
            nickname,
            online: false,
        } if nickname == ghost_nick => Some(()),
        _ => None,
    })
    .await;
    let took = started.elapsed();
    println!("a silent connection was closed and its user shown offline after {took:?}");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(8),
        "{took:?}"
    );
    a.send_message("still here", None).await;
    assert_eq!(a.next_message().await.body, "still here");
    // The ghost's socket was closed by the server.
    let mut closed = false;
    while let Ok(Some(frame)) = tokio::time::timeout(Duration::from_secs(2), g.stream.next()).await
    {
        if matches!(frame, Ok(WsMessage::Close(_)) | Err(_)) {
            closed = true;
            break;
        }
    }
    assert!(closed, "the server closed the silent socket");
}
