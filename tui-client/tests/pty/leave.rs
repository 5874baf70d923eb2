//! Leaving from another device: the server closes the user's room sockets with `LEFT`, and
//! chat-tui stops there instead of reconnecting, which would make the user a participant
//! again and undo the leave.

use std::time::Duration;

use chat_shared::api::RoomDetail;
use reqwest::StatusCode;

use crate::Scene;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_on_another_device_closes_the_tab_and_the_leave_stays() -> anyhow::Result<()> {
    // Arrange: bob in the room in chat-tui, and bob on his phone too.
    let mut scene = Scene::new("leave me").await?;
    let tui = scene.bob_in_the_room().await?;
    let phone = scene.server.visitor();
    phone.api_login("bob@example.com").await;

    // Act: bob leaves the room from the phone.
    let response = phone
        .post_json(&format!("/chat/{}/leave", scene.room.id), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // Assert: the terminal says so and closes the tab ...
    tui.wait_for("You left “leave me”").await?;
    tui.wait_until("the tab to close", |screen| {
        !screen.contains("[1] leave me")
    })
    .await?;
    // ... and stays away: a reconnect would take a moment, so give it one, then look.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let detail: RoomDetail = scene
        .alice
        .get_json(&format!("/chat/{}", scene.room.id))
        .await
        .json()
        .await?;
    let names: Vec<&str> = detail
        .participants
        .iter()
        .map(|p| p.nickname.as_str())
        .collect();
    assert!(
        !names.contains(&"bob"),
        "bob is a participant again: {names:?}"
    );
    assert!(!tui.contents().contains("[1] leave me"));
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}
