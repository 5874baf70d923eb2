//! A big room's participant pane in the real terminal (`docs/protocol.md` "Big rooms", on a
//! server that makes a room of four big): the first page with "and N more", Alt+Down pages in
//! the rest, and a `headcount` moves the counts while the names stay.

use crate::Scene;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pane_pages_in_a_big_rooms_participants_and_follows_its_headcount() -> anyhow::Result<()>
{
    // Arrange: five participants (carol, dave and erin entered without a socket), bob in
    // chat-tui; the server lists three at a time.
    let mut scene = Scene::with_participant_page("crowd", Some(3)).await?;
    let (carol, dave, erin) = tokio::join!(
        scene.server.logged_in("carol"),
        scene.server.logged_in("dave"),
        scene.server.logged_in("erin"),
    );
    for visitor in [&carol, &dave, &erin] {
        let entered = visitor.get_json(&format!("/chat/{}/", scene.room.id)).await;
        anyhow::ensure!(
            entered.status().is_success(),
            "entering: {}",
            entered.status()
        );
    }
    let mut tui = scene.bob_in_the_room().await?;
    tui.wait_for("Users 1/5").await?;
    tui.wait_for("and 2 more").await?;
    assert!(!tui.contents().contains("erin"), "{}", tui.contents());

    // Act: Alt+Down with the end of the list in view.
    tui.type_keys("\x1b[1;3B")?;

    // Assert: everyone listed once, nothing more to load.
    tui.wait_until("every participant listed once", |screen| {
        ["● bob", "○ alice", "○ carol", "○ dave", "○ erin"]
            .iter()
            .all(|entry| screen.matches(entry).count() == 1)
            && !screen.contains("more")
    })
    .await?;

    // A newcomer online: counted by the headcount, not listed until paged in.
    let frank = scene.server.logged_in("frank").await;
    let (_frank_ws, _) = frank.join(scene.room.id).await;
    tui.wait_for("Users 2/6").await?;
    tui.wait_for("and 1 more").await?;
    assert!(!tui.contents().contains("frank"), "{}", tui.contents());
    tui.type_keys("\x1b[1;3B")?;
    tui.wait_for("● frank").await?;
    eprintln!("{}", tui.contents());
    tui.quit().await?;
    scene.server.stop().await;
    Ok(())
}
