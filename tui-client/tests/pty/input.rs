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
