//! `/search` in a real terminal against a real server (issue 17): the results list, Enter
//! opening the room at the line found, and PageDown reading on to the live edge.

use chat_test_support::spawn_app_on;
use chat_test_support::terminal::Tui;

use crate::CHAT_TUI;

/// What a terminal sends for PageDown.
const PAGE_DOWN: &str = "\x1b[6~";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_opens_the_room_at_the_line_found_and_reads_on_to_the_newest() -> anyhow::Result<()>
{
    // 120 lines at once is past the default rate for one user; this test is about search.
    let server = spawn_app_on(|c| c.messages_per_second = 1000).await;
    let alice = server.logged_in("alice").await;
    server.registered("bob").await;
    let room = alice.create_room("Searchable").await;
    let dir = tempfile::tempdir()?;
    let mut tui = Tui::start(CHAT_TUI, &server.url, &dir.path().join("config"))?;
    tui.log_in("bob@example.com").await?;
    tui.join(room.id, &room.title).await?;

    let (mut socket, _) = alice.join(room.id).await;
    for n in 1..=120 {
        let body = match n {
            30 => "line 30 needle 섞인대화방".to_owned(),
            n => format!("line {n}"),
        };
        socket.say(&body).await;
    }
    tui.wait_for("line 120").await?;

    // From the lobby: every room bob is in.
    tui.type_keys("\x1b")?;
    tui.wait_for("Rooms (1) live").await?;
    tui.type_keys("/search 대화 need\r")?;
    tui.wait_for("in all your rooms").await?;
    tui.wait_for("line 30 needle").await?;
    tui.wait_for("1 found · end of results").await?;
    tui.type_keys("\r")?;

    // The room, at the line: older and newer lines around it, not the newest.
    tui.wait_until("the room around line 30", |screen| {
        screen.contains("line 29")
            && screen.contains("line 31")
            && !screen.contains("in all your rooms")
    })
    .await?;
    let screen = tui.contents();
    assert!(screen.contains("line 30 needle"), "{screen}");
    assert!(!screen.contains("line 120"), "{screen}");

    // PageDown reads on until the newest line, then live lines follow.
    for _ in 0..40 {
        if tui.contents().contains("line 120") {
            break;
        }
        tui.type_keys(PAGE_DOWN)?;
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
    tui.wait_for("line 120").await?;
    socket.say("live after the search").await;
    tui.wait_for("live after the search").await?;
    assert!(!tui.contents().contains("PageDown for newer"));
    tui.quit().await?;
    Ok(())
}
