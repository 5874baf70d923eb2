//! What others wrote cannot steer the terminal: the server refuses control characters in
//! bodies (line feeds aside), and the direction controls it lets through are shown as
//! placeholders; a multi-line body is drawn as lines, not as raw line feeds.

use chat_shared::ErrorCode;

use crate::Scene;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_sequences_from_another_user_are_refused_or_shown_as_placeholders(
) -> anyhow::Result<()> {
    // Arrange: bob in the terminal, in a room where alice already said something.
    let mut scene = Scene::new("escapes").await?;
    let (mut alice_ws, _) = scene.alice.join(scene.room.id).await;
    alice_ws
        .send_message("before the attack", Some("a-1"))
        .await;
    let tui = scene.bob_in_the_room().await?;
    tui.wait_for("before the attack").await?;

    // Act: alice tries to retitle the window and clear the screen (refused by the server),
    // then to flip a line around and to break one with Unicode separators (both stored).
    alice_ws
        .send_message("\x1b]0;pwned\x07\x1b[2J\x1b[H", Some("a-2"))
        .await;
    let (code, _) = alice_ws.next_error().await;
    assert_eq!(code, ErrorCode::InvalidFrame, "ESC and BEL are refused");
    alice_ws
        .send_message("\u{202E}evil \u{2066}twice\u{2069}", Some("a-3"))
        .await;
    alice_ws
        .send_message("line one\nline two\u{2028}same line", Some("a-4"))
        .await;

    // Assert: the lines show what was sent, with placeholders, next to alice's name; the
    // line feed is a line break.
    tui.wait_for("alice │ �evil �twice�").await?;
    tui.wait_for("alice │ line one").await?;
    tui.wait_for("│ line two�same line").await?;
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
    assert!(!sent("\u{2066}".as_bytes()), "no LRI reached the terminal");
    assert!(!sent("\u{2028}".as_bytes()), "no LS reached the terminal");

    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}
