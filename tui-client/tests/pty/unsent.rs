//! Lines typed while the server is away outlive a quit: chat-tui keeps them next to its
//! session and sends them at the next start, each stored once.

use std::time::{Duration, Instant};

use crate::Scene;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_pending_at_a_quit_are_sent_at_the_next_start_once() -> anyhow::Result<()> {
    // Arrange: bob in the room; the server goes away and bob types two lines.
    let mut scene = Scene::new("unsent").await?;
    let mut tui = scene.bob_in_the_room().await?;
    scene.server.stop().await;
    tui.wait_for("(offline) >").await?;
    tui.type_keys("typed while away 1\r")?;
    // Alt+Enter (ESC CR) breaks the second line in two.
    tui.type_keys("typed while away\x1b\r2\r")?;
    tui.wait_for("2 pending").await?;

    // Act: quit (at once, asking nothing), bring the server back, start again.
    let quitting = Instant::now();
    tui.quit().await?;
    assert!(
        quitting.elapsed() < Duration::from_secs(5),
        "quitting took {:?}",
        quitting.elapsed()
    );
    assert!(
        scene.config_dir().join("unsent.json").exists(),
        "the lines are on disk"
    );
    scene.server.restart().await;
    let tui = scene.start_tui()?;

    // Assert: the next start says so, opens the room and sends both, each once, in order.
    tui.wait_for("Restored 2 unsent lines").await?;
    let stored = scene.wait_stored("both lines", |m| m.len() >= 2).await?;
    let bodies: Vec<&str> = stored.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["typed while away 1", "typed while away\n2"]);
    tui.wait_until("nothing pending", |screen| {
        screen.contains("│ typed while away 1") && !screen.contains("pending")
    })
    .await?;
    assert!(
        !scene.config_dir().join("unsent.json").exists(),
        "nothing is left to keep"
    );
    tui.quit().await?;
    // A third start has nothing to send again.
    let tui = scene.start_tui()?;
    tui.wait_for("● online").await?;
    assert!(!tui.contents().contains("Restored"));
    tui.quit().await?;
    assert_eq!(scene.stored().await.len(), 2, "nothing stored twice");
    scene.server.stop().await;
    Ok(())
}
