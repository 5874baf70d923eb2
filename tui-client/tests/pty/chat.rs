//! Chatting through the terminal with a WebSocket user, and the saved session: the next start
//! goes straight in, `/logout` forgets it, a stale one brings the login screen back.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use chat_shared::ServerFrame;
use chat_test_support::spawn_app_on;
use chat_test_support::terminal::{Tui, WAIT};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::CHAT_TUI;

/// The `sessionid` value in the saved file.
fn extract_sessionid(saved: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_str(saved).ok()?;
    json.get("sessionid")?.as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_client_logs_in_and_chats_with_a_websocket_user() -> anyhow::Result<()> {
    // Arrange: a fresh server, two users, a room created by alice.
    let dir = tempfile::tempdir()?;
    let mut server = spawn_app_on(|_| {}).await;
    let base = server.url.clone();

    let alice = server.logged_in("alice").await;
    server.registered("bob").await;

    let room = alice.create_room("PTY 테스트 room").await;
    let (mut alice_ws, _) = alice.join(room.id).await;

    // Act 1: log in through the login screen and open the room from the list.
    let config_dir = dir.path().join("config");
    let mut tui = Tui::start(CHAT_TUI, &base, &config_dir)?;
    tui.log_in("bob@example.com").await?;
    tui.wait_for("PTY 테스트 room").await?;
    tui.wait_for("Rooms (1) live").await?;
    tui.type_keys("\r")?;
    tui.wait_for("[1] PTY 테스트 room").await?;
    tui.wait_for("● online").await?;

    // Assert 1: what alice sends shows up in the terminal.
    alice_ws
        .send_message("안녕 bob, from alice", Some("a-1"))
        .await;
    tui.wait_for("안녕 bob, from alice").await?;

    // Assert 2: what is typed in the terminal reaches alice, from bob, exactly once.
    tui.type_keys("hi alice 한글도 됩니다\r")?;
    let deadline = Instant::now() + WAIT;
    let received = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let next = tokio::time::timeout(left, alice_ws.stream.next())
            .await
            .context("alice never received bob's line")?;
        let Some(Ok(WsMessage::Text(text))) = next else {
            continue;
        };
        if let Ok(ServerFrame::Message(message)) = serde_json::from_str(text.as_str()) {
            if message.body == "hi alice 한글도 됩니다" {
                break message;
            }
        }
    };
    assert_eq!(received.sender, "bob");
    assert!(received.nonce.is_some(), "the terminal sends a nonce");
    // Bob's own copy comes back as the ack: the line is no longer pending.
    tui.wait_for("hi alice 한글도 됩니다").await?;
    let start = Instant::now();
    while tui.contents().contains("pending") && start.elapsed() < WAIT {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ensure!(
        !tui.contents().contains("pending"),
        "the line was never acked:\n{}",
        tui.contents()
    );
    tui.quit().await?;

    // The session was saved, readable by the user only.
    let session_file = config_dir.join("session.json");
    let saved = std::fs::read_to_string(&session_file).context("the session file exists")?;
    assert!(saved.contains("sessionid"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&session_file)?.permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Act 2: the next start goes straight in, no login, with the room open again; /logout
    // ends the session and deletes the file.
    let mut tui = Tui::start(CHAT_TUI, &base, &config_dir)?;
    tui.wait_for("[1] PTY 테스트 room").await?;
    tui.wait_for("● online").await?;
    assert!(!tui.contents().contains("Password"));
    tui.type_keys("/logout\r")?;
    tui.wait_for("Logged out.").await?;
    assert!(!session_file.exists(), "logout deletes the session file");
    tui.quit().await?;

    // Act 3: a saved session the server does not know brings the login screen back.
    let stale = saved.replace(
        &extract_sessionid(&saved).context("sessionid in the file")?,
        "not-a-session",
    );
    std::fs::write(&session_file, stale)?;
    let tui = Tui::start(CHAT_TUI, &base, &config_dir)?;
    tui.wait_for("Your saved session has expired").await?;
    tui.quit().await?;
    assert!(!session_file.exists(), "a stale session file is removed");

    server.stop().await;
    Ok(())
}
