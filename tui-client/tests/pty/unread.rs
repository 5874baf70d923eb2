//! Read markers between devices (issue 17): bob reads in a browser-like client and chat-tui's
//! room list drops the count within a second; bob reads in chat-tui and his other lobby
//! socket hears the count go to zero; a room opened again shows "── new messages ──".

use std::time::{Duration, Instant};

use chat_shared::ServerFrame;

use crate::Scene;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unread_counts_move_between_the_terminal_and_another_device() -> anyhow::Result<()> {
    // Arrange: bob is a participant (his "browser" entered the room) and watches the list in
    // chat-tui; his browser also keeps a lobby socket.
    let mut scene = Scene::new("unread").await?;
    let mut browser = scene.server.visitor();
    browser.api_login("bob@example.com").await;
    browser.nickname = "bob".into();
    let (mut bob_ws, _) = browser.join(scene.room.id).await;
    let (mut bob_lobby, _) = browser.lobby().await;
    let mut tui = scene.start_tui()?;
    tui.log_in("bob@example.com").await?;
    let (mut alice_ws, _) = scene.alice.join(scene.room.id).await;

    // Act 1: alice mentions bob; the terminal's list counts it.
    alice_ws.send_message("@bob ping", None).await;
    let ping = alice_ws.next_message().await;
    tui.wait_until("the list shows @1", |screen| {
        screen
            .lines()
            .any(|l| l.contains("unread") && l.contains("@1"))
    })
    .await?;

    // Act 2: bob reads it in the browser-like client.
    bob_ws
        .next_matching(|f| matches!(f, ServerFrame::Message(m) if m.id == ping.id).then_some(()))
        .await;
    let started = Instant::now();
    bob_ws.send_read(ping.id).await;

    // Assert: chat-tui's list drops the count within a second.
    tui.wait_until("the count is gone", |screen| {
        screen
            .lines()
            .any(|l| l.contains("unread") && !l.contains("@1"))
    })
    .await?;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "cleared in the terminal within a second: {:?}",
        started.elapsed()
    );
    assert_eq!(bob_lobby.next_unread(scene.room.id).await, (1, true));
    assert_eq!(bob_lobby.next_unread(scene.room.id).await, (0, false));

    // Act 3: alice says more; bob opens the room in chat-tui, which reads it.
    alice_ws.send_message("are you there?", None).await;
    alice_ws.next_message().await;
    assert_eq!(bob_lobby.next_unread(scene.room.id).await, (1, false));
    tui.wait_until("the list shows 1", |screen| {
        screen
            .lines()
            .any(|l| l.contains("unread") && l.contains(" 1 "))
    })
    .await?;
    let started = Instant::now();
    tui.join(scene.room.id, &scene.room.title).await?;

    // Assert: the other device hears the count go, and the terminal marks where reading
    // stopped.
    assert_eq!(bob_lobby.next_unread(scene.room.id).await, (0, false));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "read from the terminal reached the other device: {:?}",
        started.elapsed()
    );
    tui.wait_for("── new messages ──").await?;
    let screen = tui.contents();
    let rows: Vec<&str> = screen.lines().collect();
    let at = rows
        .iter()
        .position(|l| l.contains("── new messages ──"))
        .expect("the divider");
    assert!(rows[at + 1].contains("are you there?"), "{screen}");
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}
