//! Each room keeps its own draft: what is typed in one room is never sent to another.

use chat_test_support::welcome_parts;

use crate::Scene;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_stays_in_its_room_when_switching_and_enter_elsewhere_does_not_send_it(
) -> anyhow::Result<()> {
    // Arrange: bob in chat-tui with two rooms open, back in the first.
    let mut scene = Scene::new("first").await?;
    let second = scene.alice.create_room("second").await;
    let mut tui = scene.bob_in_the_room().await?;
    tui.type_keys(&format!("/join {}\r", second.id))?;
    tui.wait_for("[2] second").await?;
    tui.type_keys("\x1b1")?;
    tui.wait_for("[1] first").await?;

    // Act: a draft in the first room, then Alt+2 and Enter in the second.
    tui.type_keys("only for the first room")?;
    tui.wait_for("> only for the first room").await?;
    tui.type_keys("\x1b2")?;
    tui.wait_for("[2] second").await?;
    tui.type_keys("\r")?;
    tui.type_keys("said in the second\r")?;
    tui.wait_until("the second room's own line, acknowledged", |screen| {
        screen.contains("│ said in the second") && !screen.contains("pending")
    })
    .await?;

    // Assert: the second room got only its own line; the draft waits in the first.
    let (_socket, welcome) = scene.alice.join(second.id).await;
    let bodies: Vec<String> = welcome_parts(welcome)
        .3
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, ["said in the second"]);
    tui.type_keys("\x1b1")?;
    tui.wait_for("> only for the first room").await?;
    assert!(
        scene.stored().await.is_empty(),
        "nothing sent in the first room yet"
    );
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}
