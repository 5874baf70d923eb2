//! Closing one tab (`/close`) ends that room's socket only: in the user's other rooms they
//! stay online, for everyone.

use std::time::Duration;

use chat_shared::ServerFrame;
use chat_test_support::welcome_parts;

use crate::Scene;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_one_tab_keeps_the_user_online_in_their_other_rooms() -> anyhow::Result<()> {
    // Arrange: bob in chat-tui with two rooms open; alice watches the second one.
    let mut scene = Scene::new("first").await?;
    let second = scene.alice.create_room("second").await;
    let mut tui = scene.bob_in_the_room().await?;
    tui.type_keys(&format!("/join {}\r", second.id))?;
    tui.wait_for("[2] second").await?;
    let (mut alice_ws, welcome) = scene.alice.join(second.id).await;
    let (_, _, participants, _, _) = welcome_parts(welcome);
    assert!(participants.iter().any(|p| p.nickname == "bob" && p.online));
    tui.wait_for("● alice").await?;

    // Act: back to the first room, and close its tab.
    tui.type_keys("\x1b1")?;
    tui.wait_for("[1] first").await?;
    tui.type_keys("/close\r")?;
    tui.wait_for("[1] second").await?;

    // Assert: alice hears nothing about bob going offline in the second room, a newcomer
    // sees him online there, and so does his own terminal.
    let quiet = Duration::from_millis(1500);
    while let Ok(frame) = tokio::time::timeout(quiet, alice_ws.next_frame()).await {
        assert!(
            !matches!(&frame, ServerFrame::Presence { nickname, online: false } if nickname == "bob"),
            "alice was told bob went offline in the second room"
        );
    }
    let carol = scene.server.logged_in("carol").await;
    let (_carol_ws, welcome) = carol.join(second.id).await;
    let (_, _, participants, _, _) = welcome_parts(welcome);
    assert!(
        participants.iter().any(|p| p.nickname == "bob" && p.online),
        "{participants:?}"
    );
    tui.wait_for("● bob").await?;
    eprintln!("{}", tui.contents());
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}
