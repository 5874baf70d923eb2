//! End to end, without a terminal: the client's own state machine (`update`) and network
//! runtime against the real server, which is stopped and started again mid-conversation.
//! Nothing may be lost and nothing may appear twice: the line typed while offline is sent once
//! the room is back (same nonce), and what was said meanwhile arrives through `?after=`.

mod support;

use std::time::Duration;

use anyhow::ensure;
use chat_test_support::{spawn_app_on, Socket, PASSWORD};
use chat_tui::action::Effect;
use chat_tui::app::{App, Screen, View};
use support::Client;

fn online(app: &App, room_id: i64) -> bool {
    app.room(room_id).is_some_and(|r| r.state.is_online())
}

async fn say(socket: &mut Socket, body: &str) {
    socket
        .send_message(body, Some(&format!("alice-{body}")))
        .await;
}

/// Every message body the socket receives within `quiet` of the previous one.
async fn drain_bodies(socket: &mut Socket, quiet: Duration) -> Vec<String> {
    socket
        .messages_until_quiet(quiet)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_loses_nothing_and_duplicates_nothing() -> anyhow::Result<()> {
    // Arrange: a server, alice with a room, bob logged in through the client's own code.
    let mut server = spawn_app_on(|_| {}).await;
    let base = server.url.clone();
    let alice = server.logged_in("alice").await;
    server.registered("bob").await;
    let room = alice.create_room("restart room").await.id;

    let mut bob = Client::new(&base)?;
    bob.runtime.run(Effect::Login {
        email: "bob@example.com".into(),
        password: PASSWORD.into(),
    });
    bob.until("login", |app| app.screen == Screen::Main).await?;
    bob.type_line(&format!("/join {room}"));
    bob.until("the room's welcome", |app| online(app, room))
        .await?;
    assert_eq!(bob.app.view, View::Room(room));

    let (mut alice_ws, _) = alice.join(room).await;
    say(&mut alice_ws, "before the restart").await;
    bob.until("alice's first line", |app| {
        app.room(room)
            .is_some_and(|r| r.messages.iter().any(|m| m.body == "before the restart"))
    })
    .await?;

    // Act: the server goes away; bob types; the server comes back on the same address and
    // alice speaks again, maybe before bob is back.
    server.stop().await;
    drop(alice_ws);
    bob.until("bob's room to go offline", |app| !online(app, room))
        .await?;
    bob.type_line("sent while offline");
    let pending = bob
        .app
        .room(room)
        .map(|r| r.pending.clone())
        .unwrap_or_default();
    assert_eq!(pending.len(), 1, "the line waits as pending");

    server.restart().await;
    let (mut alice_ws, _) = alice.join(room).await;
    say(&mut alice_ws, "while bob was away").await;

    bob.until("everything to settle", |app| {
        app.room(room).is_some_and(|r| {
            r.state.is_online()
                && r.pending.is_empty()
                && r.messages.iter().any(|m| m.body == "while bob was away")
                && r.messages.iter().any(|m| m.body == "sent while offline")
        })
    })
    .await?;

    // Assert: each line exactly once, in id order, on both sides.
    let bodies = bob.bodies(room);
    assert_eq!(bodies.len(), 3, "{bodies:?}");
    for body in [
        "before the restart",
        "while bob was away",
        "sent while offline",
    ] {
        let count = bodies.iter().filter(|b| *b == body).count();
        ensure!(count == 1, "{body:?} appears {count} times in {bodies:?}");
    }
    let ids: Vec<i64> = bob
        .app
        .room(room)
        .map(|r| r.messages.iter().map(|m| m.id).collect())
        .unwrap_or_default();
    ensure!(ids.windows(2).all(|w| w[0] < w[1]), "ids in order: {ids:?}");
    let seen_by_alice = drain_bodies(&mut alice_ws, Duration::from_millis(500)).await;
    let from_bob = seen_by_alice
        .iter()
        .filter(|b| *b == "sent while offline")
        .count();
    ensure!(
        from_bob == 1,
        "alice saw bob's line {from_bob} times: {seen_by_alice:?}"
    );

    server.stop().await;
    Ok(())
}
