//! End to end across both clients: one user in real headless Chromium on the room page, one
//! in the real `chat-tui` binary in a pseudo-terminal, in the same room of the real server.
//! Each sees the other's line under the right nickname.
//!
//! Leaves `target/screenshots/mixed_browser.png` and `mixed_tui.txt` behind. Skipped (with a
//! note) when Chromium or chromedriver is missing, unless `CI=true`, where that fails.
//!
//! Run: `cargo test -p chat-tui --test mixed -- --nocapture`

use std::time::Duration;

use anyhow::{ensure, Context};
use chat_test_support::browser::{screenshot_dir, Browser, Driver, Tools};
use chat_test_support::terminal::Tui;
use chat_test_support::{spawn_app_on, PASSWORD};
use serde_json::json;

const WEB_EMAIL: &str = "minji@example.com";
const WEB_NICK: &str = "web_minji";
const TTY_EMAIL: &str = "junho@example.com";
const TTY_NICK: &str = "tty_junho";
const ROOM_TITLE: &str = "mixed 대화";
const FROM_BROWSER: &str = "hello from the browser 안녕";
const FROM_TERMINAL: &str = "hello from the terminal";
/// How long the page may take to show anything we wait for.
const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_user_and_a_terminal_user_chat_in_one_room() -> anyhow::Result<()> {
    let Some(tools) = Tools::find("the mixed browser/terminal test") else {
        return Ok(());
    };

    // Arrange: a fresh server, both users registered, a room created by the browser user.
    let dir = tempfile::tempdir()?;
    let mut server = spawn_app_on(|_| {}).await;
    let base = server.url.clone();
    let web_http = server.visitor();
    web_http.api_register(WEB_EMAIL, WEB_NICK).await;
    web_http.api_login(WEB_EMAIL).await;
    server.visitor().api_register(TTY_EMAIL, TTY_NICK).await;
    let room = web_http.create_room(ROOM_TITLE).await;

    let driver = Driver::start(&tools).await?;
    let web = driver.browser("mixed_browser", "en-US,en").await?;
    let mut tty = Tui::start(
        env!("CARGO_BIN_EXE_chat-tui"),
        &base,
        &dir.path().join("config"),
    )?;

    let outcome = converse(&web, &mut tty, &base, room.id).await;
    // The pictures are worth having most when something went wrong.
    let saved = save_pictures(&web, &tty).await;
    web.close().await;
    outcome?;
    saved?;
    tty.quit().await?;
    server.stop().await;
    Ok(())
}

async fn converse(web: &Browser, tty: &mut Tui, base: &str, room_id: i64) -> anyhow::Result<()> {
    // The browser user logs in through the form and opens the room.
    web.goto(&format!("{base}/accounts/login/")).await;
    web.type_into("#id_username", WEB_EMAIL).await;
    web.type_into("#id_password", PASSWORD).await;
    web.click("#login-submit").await;
    web.wait_js_within(
        WAIT,
        "the login lands on the room list",
        "return location.pathname === '/chat/list/' && document.readyState === 'complete';",
        vec![],
    )
    .await;
    web.goto(&format!("{base}/chat/{room_id}/")).await;
    web.wait_for_within(WAIT, "#status[data-state=online]")
        .await;

    // The terminal user logs in and joins; the browser sees them arrive.
    tty.log_in(TTY_EMAIL).await?;
    tty.join(room_id, ROOM_TITLE).await?;
    web.wait_for_within(
        WAIT,
        &format!("ul#participants li[data-nickname=\"{TTY_NICK}\"]"),
    )
    .await;

    // Browser → terminal, under the browser user's nickname.
    web.type_into("#chat-message-input", FROM_BROWSER).await;
    web.click("#chat-message-submit").await;
    tty.wait_for(FROM_BROWSER).await?;
    let row = tty
        .row_with(FROM_BROWSER)
        .context("the line is on screen")?;
    ensure!(
        row.contains(&format!("{WEB_NICK} │ {FROM_BROWSER}")),
        "the terminal shows the line under {WEB_NICK}: {row:?}"
    );

    // Terminal → browser, under the terminal user's nickname.
    tty.type_keys(&format!("{FROM_TERMINAL}\r"))?;
    let nick = web
        .wait_js_within(
            WAIT,
            "the terminal's line is in the browser's log",
            "const line = [...document.querySelectorAll('ol#messages li.message')]
                 .find(li => li.querySelector('.body')?.textContent.trim() === arguments[0]);
             return line ? line.querySelector('.nick')?.textContent.trim() ?? '' : null;",
            vec![json!(FROM_TERMINAL)],
        )
        .await;
    ensure!(
        nick == json!(TTY_NICK),
        "the browser shows the terminal's line under {nick}, not {TTY_NICK}"
    );
    // The browser user's own line was confirmed by the server, once, under its own name.
    let own = web
        .wait_js_within(
            WAIT,
            "the browser's own line is confirmed",
            "if (document.querySelector('ol#messages li.pending')) return null;
             return [...document.querySelectorAll('ol#messages li.message')]
                 .filter(li => li.querySelector('.body')?.textContent.trim() === arguments[0])
                 .map(li => li.querySelector('.nick')?.textContent.trim());",
            vec![json!(FROM_BROWSER)],
        )
        .await;
    ensure!(own == json!([WEB_NICK]), "the browser's own line: {own}");
    // The terminal's line was acknowledged, so nothing is left pending.
    tty.wait_until("the terminal's line to be acknowledged", |screen| {
        screen.contains(FROM_TERMINAL) && !screen.contains("pending")
    })
    .await
}

/// The browser's screenshot and the terminal's screen text, under `target/screenshots/`.
async fn save_pictures(web: &Browser, tty: &Tui) -> anyhow::Result<()> {
    let png = web.save_screenshot("mixed_browser").await?;
    let dir = screenshot_dir();
    std::fs::write(dir.join("mixed_tui.txt"), tty.contents())?;
    println!("screenshots in {}", png.parent().unwrap_or(&dir).display());
    Ok(())
}
