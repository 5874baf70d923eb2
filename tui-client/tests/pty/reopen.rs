//! chat-tui opens again the rooms that were open when it quit (issue 17): their tabs in the
//! same order, kept next to the session (`rooms.json`).

use crate::Scene;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rooms_open_at_a_quit_are_open_again_at_the_next_start() -> anyhow::Result<()> {
    // Arrange: bob with three rooms open.
    let mut scene = Scene::new("first room").await?;
    let second = scene.alice.create_room("second room").await;
    let gone = scene.alice.create_room("soon gone").await;
    let mut tui = scene.bob_in_the_room().await?;
    tui.type_keys(&format!("/join {}\r", second.id))?;
    tui.wait_for("[2] second room").await?;
    tui.type_keys(&format!("/join {}\r", gone.id))?;
    tui.wait_for("[3] soon gone").await?;

    // Act: quit; one of the rooms is removed meanwhile; start again.
    tui.quit().await?;
    assert!(scene.config_dir().join("rooms.json").exists());
    let response = scene
        .alice
        .post_json(&format!("/chat/{}/remove", gone.id), &[])
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let tui = scene.start_tui()?;

    // Assert: both remaining tabs are back, in order, without typing anything; the removed
    // room's tab is dropped, and the file forgets it.
    tui.wait_until("both tabs in the side pane", |s| {
        let first = s.find("1 first room");
        let second = s.find("2 second room");
        matches!((first, second), (Some(a), Some(b)) if a < b)
    })
    .await?;
    tui.wait_until("the removed room's tab to go", |s| !s.contains("soon gone"))
        .await?;
    tui.wait_for("● online").await?;
    tui.quit().await?;
    let kept = std::fs::read_to_string(scene.config_dir().join("rooms.json"))?;
    let kept: serde_json::Value = serde_json::from_str(&kept)?;
    assert_eq!(
        kept["users"][0]["rooms"],
        serde_json::json!([scene.room.id, second.id]),
        "{kept}"
    );
    scene.server.stop().await;
    Ok(())
}
