//! Room events from the terminal against the real server: an edit made with Up and Enter
//! reaches the others, a line that mentions the user rings the terminal bell, and the room's
//! creator bans and lets back someone with `/ban` and `/unban`; a banned user's tab says so
//! and stops. `/notify` keeps the room's notification level on the server and the bell
//! follows it.

use std::ffi::OsStr;
use std::time::Duration;

use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::http::HeaderMap;

use chat_test_support::terminal::Tui;

use crate::{Scene, CHAT_TUI};

/// The BEL byte a terminal rings its bell for.
const BEL: u8 = 0x07;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_then_enter_edits_the_last_line_for_everyone() -> anyhow::Result<()> {
    // Arrange: bob in chat-tui has said "helo"; alice watches the room.
    let mut scene = Scene::new("edits").await?;
    let (mut alice_ws, _) = scene.alice.join(scene.room.id).await;
    let mut tui = scene.bob_in_the_room().await?;
    tui.type_keys("helo\r")?;
    let sent = alice_ws.next_message().await;
    assert_eq!(sent.body, "helo");
    tui.wait_until("the line to be stored", |screen| {
        screen.contains("bob │ helo") && !screen.contains("--:--")
    })
    .await?;

    // Act: Up takes it back into the input; fix it and press Enter.
    tui.type_keys("\x1b[A")?;
    tui.wait_for("editing").await?;
    tui.type_keys("\x15hello\r")?;

    // Assert: alice gets the change of that very line, and bob's screen shows it edited.
    let (_, changed) = alice_ws.next_change().await;
    assert_eq!((changed.id, changed.body.as_str()), (sent.id, "hello"));
    assert!(changed.edited_at.is_some());
    tui.wait_for("bob │ hello (edited)").await?;
    assert!(!tui.contents().contains("editing"));
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_that_mentions_me_rings_the_bell() -> anyhow::Result<()> {
    // Arrange: bob in chat-tui; alice says something that does not mention him.
    let mut scene = Scene::new("bells").await?;
    let (mut alice_ws, _) = scene.alice.join(scene.room.id).await;
    let tui = scene.bob_in_the_room().await?;
    alice_ws.send_message("just talking", None).await;
    tui.wait_for("just talking").await?;
    assert!(
        !tui.raw_output().contains(&BEL),
        "no bell before anyone mentions bob"
    );

    // Act: alice mentions bob.
    alice_ws.send_message("@bob look at this", None).await;

    // Assert: the line shows and the bell byte reached the terminal.
    tui.wait_for("@bob look at this").await?;
    let start = std::time::Instant::now();
    while !tui.raw_output().contains(&BEL) && start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(tui.raw_output().contains(&BEL), "no BEL in the output");
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}

/// Waits up to five seconds for the bell byte in everything the terminal was sent.
async fn rang(tui: &Tui) -> bool {
    let start = std::time::Instant::now();
    while !tui.raw_output().contains(&BEL) && start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tui.raw_output().contains(&BEL)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_all_rings_for_a_plain_line_and_the_server_keeps_it() -> anyhow::Result<()> {
    // Arrange: bob in chat-tui at the default level; a plain line from alice is quiet.
    let mut scene = Scene::new("loud").await?;
    let (mut alice_ws, _) = scene.alice.join(scene.room.id).await;
    let mut tui = scene.bob_in_the_room().await?;
    alice_ws.send_message("nothing for bob", None).await;
    tui.wait_for("nothing for bob").await?;
    assert!(!tui.raw_output().contains(&BEL), "mentions only, at first");

    // Act: bob asks for every line.
    tui.type_keys("/notify all\r")?;
    tui.wait_for("Notifications here: all lines.").await?;
    alice_ws.send_message("a plain line", None).await;

    // Assert: the plain line rings, and the server keeps the level for bob.
    tui.wait_for("a plain line").await?;
    assert!(rang(&tui).await, "no BEL for a plain line at `all`");
    let phone = scene.server.visitor();
    phone.api_login("bob@example.com").await;
    let detail = phone.room_detail(scene.room.id).await;
    assert_eq!(detail.notify, Some(chat_shared::NotifyLevel::All));
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_level_set_on_another_device_is_learned_when_the_room_opens() -> anyhow::Result<()> {
    // Arrange: on his phone bob is in the room and has silenced it.
    let mut scene = Scene::new("hushed").await?;
    let (mut alice_ws, _) = scene.alice.join(scene.room.id).await;
    let phone = scene.server.visitor();
    phone.api_login("bob@example.com").await;
    phone.room_detail(scene.room.id).await;
    let path = format!("/chat/{}/notify", scene.room.id);
    let response = phone.post_json(&path, &[("level", "none")]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // Act: bob opens the room in chat-tui; alice mentions him.
    let mut tui = scene.bob_in_the_room().await?;
    tui.type_keys("/notify\r")?;
    tui.wait_for("Notifications here: nothing.").await?;
    alice_ws.send_message("@bob look at this", None).await;
    alice_ws.send_message("and this", None).await;

    // Assert: the mention is drawn, and no bell rang for it.
    tui.wait_for("and this").await?;
    assert!(tui.contents().contains("@bob look at this"));
    assert!(!tui.raw_output().contains(&BEL), "the bell rang at `none`");
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_tui_bell_0_keeps_the_bell_quiet() -> anyhow::Result<()> {
    // Arrange: bob in chat-tui with the bell switched off.
    let mut scene = Scene::new("quiet").await?;
    let (mut alice_ws, _) = scene.alice.join(scene.room.id).await;
    let mut tui = Tui::start_with_env(
        CHAT_TUI,
        &scene.server.url,
        &scene.config_dir(),
        &[("CHAT_TUI_BELL", OsStr::new("0"))],
    )?;
    tui.log_in("bob@example.com").await?;
    tui.join(scene.room.id, &scene.room.title).await?;

    // Act: alice mentions bob, then says something after it.
    alice_ws.send_message("@bob look at this", None).await;
    alice_ws.send_message("and this", None).await;

    // Assert: the mention is drawn, and no bell rang for it.
    tui.wait_for("and this").await?;
    assert!(tui.contents().contains("@bob look at this"));
    assert!(!tui.raw_output().contains(&BEL), "the bell rang");
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_creator_bans_and_unbans_from_the_terminal() -> anyhow::Result<()> {
    // Arrange: bob creates a room (on his phone) and opens it in chat-tui; alice is in it.
    let mut scene = Scene::new("unused").await?;
    let phone = scene.server.visitor();
    phone.api_login("bob@example.com").await;
    let room = phone.create_room("bob's room").await;
    let (mut alice_ws, _) = scene.alice.join(room.id).await;
    let mut tui = scene.start_tui()?;
    tui.log_in("bob@example.com").await?;
    tui.join(room.id, "bob's room").await?;

    // Act: bob bans alice.
    tui.type_keys("/ban alice\r")?;

    // Assert: her socket is closed with BANNED, the terminal says it is done, and she cannot
    // come back.
    assert_eq!(alice_ws.closed().await, Some(chat_shared::close::BANNED));
    tui.wait_for("alice is banned from this room").await?;
    let path = format!("/ws/chat/{}/", room.id);
    let refused = scene.alice.open_ws(&path, HeaderMap::new()).await;
    assert_eq!(refused.err(), Some(403));

    // Act: bob lets her back.
    tui.type_keys("/unban alice\r")?;

    // Assert: she may enter again.
    tui.wait_for("alice may come back to this room").await?;
    let (_alice_again, _) = scene.alice.join(room.id).await;

    // A ban of someone who is not banned is the server's clear error, shown as such.
    tui.type_keys("/unban alice\r")?;
    tui.wait_for("Could not unban alice").await?;
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banned_user_sees_why_and_the_tab_does_not_reconnect() -> anyhow::Result<()> {
    // Arrange: bob in chat-tui in alice's room.
    let mut scene = Scene::new("strict").await?;
    let tui = scene.bob_in_the_room().await?;

    // Act: alice bans bob.
    let response = scene
        .alice
        .post_json(
            &format!("/chat/{}/ban", scene.room.id),
            &[("nickname", "bob")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // Assert: the tab stays and says so, and it does not try again (which the server would
    // refuse with 403, closing the tab with another message).
    tui.wait_for("You were banned from this room").await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let screen = tui.contents();
    assert!(screen.contains("[1] strict"), "{screen}");
    assert!(
        screen.contains("You were banned from this room"),
        "{screen}"
    );
    assert!(
        !screen.contains("no such room") && !screen.contains("403"),
        "{screen}"
    );
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}
