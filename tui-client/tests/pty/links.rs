//! Links in messages: sent to the terminal as OSC 8 hyperlinks to exactly the URL, and
//! `/open N` hands the Nth link on the screen to the opener (`CHAT_TUI_OPENER`) as its one
//! argument, or says there is no such link.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use chat_test_support::terminal::{Tui, WAIT};

use crate::{Scene, CHAT_TUI};

/// A script that writes its arguments, one per line, to `out`.
fn recording_opener(
    dir: &std::path::Path,
) -> anyhow::Result<(std::path::PathBuf, std::path::PathBuf)> {
    use std::os::unix::fs::PermissionsExt;
    let out = dir.join("opened");
    let script = dir.join("opener");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > '{}.tmp' && mv '{0}.tmp' '{0}'\n",
            out.display()
        ),
    )?;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    Ok((script, out))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_are_hyperlinks_and_open_with_the_opener() -> anyhow::Result<()> {
    // Arrange: bob in the terminal with a recording opener, alice posts two links.
    let scene = Scene::new("links").await?;
    let (script, opened) = recording_opener(scene.dir.path())?;
    let mut tui = Tui::start_with_env(
        CHAT_TUI,
        &scene.server.url,
        &scene.config_dir(),
        &[("CHAT_TUI_OPENER", script.as_os_str())],
    )?;
    tui.log_in("bob@example.com").await?;
    tui.join(scene.room.id, &scene.room.title).await?;
    let (mut alice_ws, _) = scene.alice.join(scene.room.id).await;
    alice_ws
        .send_message("first https://example.com/one.", Some("l-1"))
        .await;
    alice_ws
        .send_message("then https://example.org/a_(b)?q=1&r=$(id) ok", Some("l-2"))
        .await;
    tui.wait_for("│ https://example.org/a_(b)?q=1&r=$(id) ok")
        .await?;

    // Assert: the terminal got OSC 8 hyperlinks to each URL, without the final ".".
    let raw = String::from_utf8_lossy(&tui.raw_output()).into_owned();
    assert!(
        raw.contains("\x1b]8;;https://example.com/one\x1b\\ht"),
        "an OSC 8 hyperlink to the first URL opens on its first cells"
    );
    assert!(raw.contains("\x1b]8;;https://example.org/a_(b)?q=1&r=$(id)\x1b\\"));
    assert!(!raw.contains("\x1b]8;;https://example.com/one.\x1b"));

    // Act: /open 2 opens the second link on the screen.
    tui.type_keys("/open 2\r")?;

    // Assert: the opener got the URL as its one argument, and the screen says so.
    let args = wait_file(&opened).await?;
    assert_eq!(args, "1\nhttps://example.org/a_(b)?q=1&r=$(id)\n");
    tui.wait_for("Opening https://example.org/a_(b)?q=1&r=$(id)")
        .await?;

    // Act: a link that is not there.
    std::fs::remove_file(&opened)?;
    tui.type_keys("/open 9\r")?;

    // Assert: a clear message, and nothing was opened.
    tui.wait_for("No link 9 to open: there are 2 links on the screen")
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!opened.exists(), "nothing was opened");

    tui.quit().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_opener_the_link_is_shown() -> anyhow::Result<()> {
    let scene = Scene::new("no opener").await?;
    let mut tui = Tui::start_with_env(
        CHAT_TUI,
        &scene.server.url,
        &scene.config_dir(),
        &[("CHAT_TUI_OPENER", OsStr::new(""))],
    )?;
    tui.log_in("bob@example.com").await?;
    tui.join(scene.room.id, &scene.room.title).await?;
    let (mut alice_ws, _) = scene.alice.join(scene.room.id).await;
    alice_ws
        .send_message("see https://example.com/x", Some("n-1"))
        .await;
    tui.wait_for("alice │ see https://example.com/x").await?;

    tui.type_keys("/open 1\r")?;

    tui.wait_for("No program is set to open links: https://example.com/x")
        .await?;
    tui.quit().await?;
    Ok(())
}

/// The file's contents once it exists.
async fn wait_file(path: &std::path::Path) -> anyhow::Result<String> {
    let start = Instant::now();
    while start.elapsed() < WAIT {
        if let Ok(text) = std::fs::read_to_string(path) {
            return Ok(text);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("{} was never written", path.display())
}
