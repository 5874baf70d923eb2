//! The room list in pages: chat-tui shows the lobby's first page, says older rooms exist, and
//! loads them from `GET /chat/list?before=` when the selection reaches the last room.

use chat_test_support::spawn_app_on;
use chat_test_support::terminal::Tui;

use crate::CHAT_TUI;

const PAGE_DOWN: &str = "\x1b[6~";
const DOWN: &str = "\x1b[B";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_rooms_load_when_the_selection_reaches_the_last_one() -> anyhow::Result<()> {
    // Arrange: 60 rooms, more than the lobby's first page of 50.
    let dir = tempfile::tempdir()?;
    let server = spawn_app_on(|c| c.rooms_per_hour = 1000).await;
    let alice = server.logged_in("alice").await;
    server.registered("bob").await;
    alice.create_rooms("Room", 60).await;

    let mut tui = Tui::start(CHAT_TUI, &server.url, &dir.path().join("config"))?;
    tui.log_in("bob@example.com").await?;
    tui.wait_for("Rooms (50+) live").await?;
    assert!(
        tui.row_with("Room 1 ").is_none(),
        "room 1 is on the second page"
    );

    // Act: PageDown to the last room of the first page, then down through the page it loads.
    for _ in 0..5 {
        tui.type_keys(PAGE_DOWN)?;
    }
    tui.wait_for("Rooms (60) live").await?;
    for _ in 0..10 {
        tui.type_keys(DOWN)?;
    }

    // Assert: the oldest room is there, selected, and nothing more is promised.
    tui.wait_until("room 1 selected", |screen| {
        screen
            .lines()
            .any(|line| line.contains("› ") && line.contains("Room 1 "))
    })
    .await?;
    assert!(!tui.contents().contains("Older rooms"));
    tui.quit().await?;
    Ok(())
}
