//! The room shortcuts against the real server: `/me` sends an action the others see as one,
//! Tab completes a participant's nickname into a mention the server recognises, and Alt+A
//! jumps to the room that mentions the user before a room with plain unread lines.

use chat_shared::MessageKind;

use crate::Scene;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_me_reaches_another_client_as_an_action() -> anyhow::Result<()> {
    // Arrange: bob in chat-tui; alice watches the room.
    let mut scene = Scene::new("actions").await?;
    let (mut alice_ws, _) = scene.alice.join(scene.room.id).await;
    let mut tui = scene.bob_in_the_room().await?;

    // Act: bob acts.
    tui.type_keys("/me waves\r")?;

    // Assert: alice gets an action from bob, and bob's screen draws it as one.
    let sent = alice_ws.next_message().await;
    assert_eq!(
        (sent.kind, sent.sender.as_str(), sent.body.as_str()),
        (MessageKind::Action, "bob", "waves")
    );
    tui.wait_for("* bob waves").await?;
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tab_completes_a_participants_nickname_in_the_real_terminal() -> anyhow::Result<()> {
    // Arrange: zedekiah is in the room; bob opens it in chat-tui and sees him there.
    let mut scene = Scene::new("completion").await?;
    let zed = scene.server.logged_in("zedekiah").await;
    let (mut zed_ws, _) = zed.join(scene.room.id).await;
    let mut tui = scene.bob_in_the_room().await?;
    tui.wait_for("● zedekiah").await?;

    // Act: the start of his nickname, Tab, Enter.
    tui.type_keys("@ze")?;
    tui.wait_for("> @ze").await?;
    tui.type_keys("\t")?;
    tui.wait_for("> @zedekiah").await?;
    tui.type_keys("\r")?;

    // Assert: zedekiah gets the whole nickname, and the server counts it as a mention.
    let sent = zed_ws.next_message().await;
    assert_eq!(sent.body, "@zedekiah");
    assert_eq!(sent.mentions, ["zedekiah"]);
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alt_a_jumps_to_the_room_that_mentions_me() -> anyhow::Result<()> {
    // Arrange: bob in chat-tui with three rooms open and back in the first; the room with
    // plain lines comes before the one that will mention him, so order alone would pick it.
    let mut scene = Scene::new("home").await?;
    let chatter = scene.alice.create_room("chatter").await;
    let calls = scene.alice.create_room("calls").await;
    let mut tui = scene.bob_in_the_room().await?;
    tui.type_keys(&format!("/join {}\r", chatter.id))?;
    tui.wait_for("[2] chatter").await?;
    tui.type_keys(&format!("/join {}\r", calls.id))?;
    tui.wait_for("[3] calls").await?;
    tui.type_keys("\x1b1")?;
    tui.wait_for("[1] home").await?;

    // Act: alice talks plainly in "chatter", then mentions bob in "calls"; bob presses Alt+A.
    let (mut chatter_ws, _) = scene.alice.join(chatter.id).await;
    let (mut calls_ws, _) = scene.alice.join(calls.id).await;
    chatter_ws.send_message("just chatting", None).await;
    chatter_ws.next_message().await;
    calls_ws.send_message("@bob are you there?", None).await;
    calls_ws.next_message().await;
    tui.wait_for("@1").await?;
    tui.type_keys("\x1ba")?;

    // Assert: "calls" is the room on screen, with the line that mentions him.
    tui.wait_for("[3] calls").await?;
    tui.wait_for("@bob are you there?").await?;
    let screen = tui.contents();
    assert!(!screen.contains("[1] home"), "{screen}");
    assert!(!screen.contains("[2] chatter"), "{screen}");
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}
