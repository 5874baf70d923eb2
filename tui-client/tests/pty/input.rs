//! What the terminal sends in: a long line or a burst of keys arriving in one read is handled
//! whole, without waiting for another key.

use crate::Scene;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_3000_character_line_typed_in_one_burst_is_sent_without_another_key() -> anyhow::Result<()>
{
    // Arrange: bob in the room in chat-tui.
    let mut scene = Scene::new("burst").await?;
    let mut tui = scene.bob_in_the_room().await?;

    // Act: the whole line and its Enter reach the terminal in one write, as a fast paste
    // without bracketed paste or a key-repeat storm does; nothing is typed after it.
    let long: String = (0..3000)
        .map(|i| {
            if i % 10 == 9 {
                ' '
            } else {
                char::from(b'a' + (i % 26) as u8)
            }
        })
        .collect();
    tui.type_keys(&format!("{long}\r"))?;

    // Assert: the server stored it, once.
    let stored = scene
        .wait_stored("the 3000-character line", |m| {
            m.iter().any(|m| m.body == long.trim())
        })
        .await?;
    assert_eq!(stored.iter().filter(|m| m.body == long.trim()).count(), 1);
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_150_line_text_is_sent_as_one_message_that_keeps_its_lines() -> anyhow::Result<()>
{
    // Arrange: bob in the room in chat-tui.
    let mut scene = Scene::new("paste").await?;
    let mut tui = scene.bob_in_the_room().await?;

    // Act: a bracketed paste as terminals send it, line breaks as CR; then Enter.
    let lines: Vec<String> = (1..=150).map(|i| format!("pasted line {i:03}")).collect();
    tui.type_keys(&format!("\x1b[200~{}\x1b[201~", lines.join("\r")))?;
    tui.wait_for("pasted line 150").await?;
    tui.type_keys("\r")?;

    // Assert: one message, all 150 lines in it.
    let body = lines.join("\n");
    let stored = scene
        .wait_stored("the pasted message", |m| m.iter().any(|m| m.body == body))
        .await?;
    assert_eq!(stored.len(), 1, "one message, not one per line");
    tui.wait_until("the message on screen", |screen| {
        screen.contains("│ pasted line 150") && !screen.contains("pending")
    })
    .await?;
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_lines_past_the_rate_limit_is_stored_whole_once_and_in_order(
) -> anyhow::Result<()> {
    // Arrange: bob in the room; the server takes 80 lines at once, then 20 a second.
    let mut scene = Scene::new("burst of lines").await?;
    let mut tui = scene.bob_in_the_room().await?;

    // Act: 120 lines with their Enter, in one write (a paste without bracketed paste).
    let lines: Vec<String> = (1..=120).map(|i| format!("burst {i:03}")).collect();
    let typed: String = lines.iter().map(|l| format!("{l}\r")).collect();
    tui.type_keys(&typed)?;

    // Assert: every line stored once, in the order typed; none left pending on screen.
    let stored = scene
        .wait_stored("the last line", |m| m.iter().any(|m| m.body == "burst 120"))
        .await?;
    let bodies: Vec<&str> = stored.iter().map(|m| m.body.as_str()).collect();
    let newest: Vec<&str> = lines[lines.len() - bodies.len()..]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(bodies, newest, "the newest 50, each once, in order");
    tui.wait_until("no line left pending", |screen| {
        screen.contains("│ burst 120") && !screen.contains("pending")
    })
    .await?;
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}
