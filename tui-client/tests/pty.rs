//! End to end: the real `chat-tui` binary in a pseudo-terminal against the real server,
//! started in-process. A second user on a plain WebSocket talks with it: the terminal shows
//! what that user sent, and that user receives what was typed in the terminal. A second
//! start then goes straight in with the saved session. Escape sequences that user sends are
//! shown as placeholders and never reach the terminal.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use chat_shared::ServerFrame;
use chat_test_support::spawn_app_on;
use chat_test_support::terminal::{Tui, WAIT};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The binary under test.
const CHAT_TUI: &str = env!("CARGO_BIN_EXE_chat-tui");

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

    // Act 2: the next start goes straight to the room list, no login; /logout ends the
    // session and deletes the file.
    let mut tui = Tui::start(CHAT_TUI, &base, &config_dir)?;
    tui.wait_for("Rooms (1) live").await?;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_sequences_from_another_user_are_shown_as_placeholders_not_obeyed(
) -> anyhow::Result<()> {
    // Arrange: bob in the terminal, in a room where alice already said something.
    let dir = tempfile::tempdir()?;
    let mut server = spawn_app_on(|_| {}).await;
    let base = server.url.clone();
    let alice = server.logged_in("alice").await;
    server.registered("bob").await;
    let room = alice.create_room("escapes").await;
    let (mut alice_ws, _) = alice.join(room.id).await;
    alice_ws
        .send_message("before the attack", Some("a-1"))
        .await;

    let mut tui = Tui::start(CHAT_TUI, &base, &dir.path().join("config"))?;
    tui.log_in("bob@example.com").await?;
    tui.join(room.id, "escapes").await?;
    tui.wait_for("before the attack").await?;

    // Act: alice tries to retitle the window, clear the screen and flip the line around.
    alice_ws
        .send_message("\x1b]0;pwned\x07\x1b[2J\x1b[H\u{202E}evil", Some("a-2"))
        .await;
    alice_ws
        .send_message("\x1b]2;pwned too\x1b\\ \u{9b}31m red", Some("a-3"))
        .await;

    // Assert: the lines show what was sent, as placeholders, next to alice's name.
    tui.wait_for("alice │ ␛]0;pwned␇␛[2J␛[H�evil").await?;
    tui.wait_for("alice │ ␛]2;pwned too␛\\ �31m red").await?;
    assert_eq!(tui.title(), "", "the window title was not changed");
    assert!(
        tui.contents().contains("before the attack"),
        "the screen was not cleared:\n{}",
        tui.contents()
    );
    let raw = tui.raw_output();
    let sent = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
    assert!(!sent(b"\x1b]"), "no OSC reached the terminal");
    assert!(!sent(b"\x07"), "no BEL reached the terminal");
    assert!(!sent("\u{202E}".as_bytes()), "no RLO reached the terminal");
    assert!(!sent("\u{9b}".as_bytes()), "no C1 CSI reached the terminal");

    tui.quit().await?;
    server.stop().await;
    Ok(())
}
