//! End to end across both clients: one user in real headless Chromium on the room page, one
//! in the real `chat-tui` binary in a pseudo-terminal, in the same room of the real server.
//! Each sees the other's line under the right nickname.
//!
//! Leaves `target/screenshots/mixed_browser.png` and `mixed_tui.txt` behind. Skipped (with a
//! note) when Chromium or chromedriver is missing, unless `CI=true`, where that fails.
//!
//! Run: `cargo test -p chat-tui --test mixed -- --nocapture`

#[path = "mixed/browser.rs"]
mod browser;
mod common;

use std::path::{Path, PathBuf};

use anyhow::{ensure, Context};
use fantoccini::{Client, Locator};
use serde_json::json;

use browser::{wait_for, wait_js, Chromedriver, Tools};
use common::terminal::Tui;
use common::{User, PASSWORD};

const WEB_EMAIL: &str = "minji@example.com";
const WEB_NICK: &str = "web_minji";
const TTY_EMAIL: &str = "junho@example.com";
const TTY_NICK: &str = "tty_junho";
const ROOM_TITLE: &str = "mixed 대화";
const FROM_BROWSER: &str = "hello from the browser 안녕";
const FROM_TERMINAL: &str = "hello from the terminal";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_user_and_a_terminal_user_chat_in_one_room() -> anyhow::Result<()> {
    let Some(tools) = Tools::find()? else {
        return Ok(());
    };

    // Arrange: a fresh server, both users registered, a room created by the browser user.
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("chat.db");
    let config = chat_server::Config::for_tests(&format!("sqlite://{}", db.display()));
    let server = chat_server::start(config).await?;
    let base = server.url();
    let web_http = User::new(&base)?;
    web_http.register(WEB_EMAIL, WEB_NICK).await?;
    web_http.login(WEB_EMAIL).await?;
    User::new(&base)?.register(TTY_EMAIL, TTY_NICK).await?;
    let room = web_http.create_room(ROOM_TITLE).await?;

    let mut driver = Chromedriver::start(&tools).await?;
    let web = driver.open_browser().await?;
    let mut tty = Tui::start(&base, &dir.path().join("config"))?;

    let outcome = converse(&web, &mut tty, &base, room.id).await;
    // The pictures are worth having most when something went wrong.
    let saved = save_pictures(&web, &tty).await;
    driver.close(web).await?;
    outcome?;
    saved?;
    tty.quit().await?;
    server.stop().await?;
    Ok(())
}

async fn converse(web: &Client, tty: &mut Tui, base: &str, room_id: i64) -> anyhow::Result<()> {
    // The browser user logs in through the form and opens the room.
    web.goto(&format!("{base}/accounts/login/")).await?;
    web.find(Locator::Css("#id_username"))
        .await?
        .send_keys(WEB_EMAIL)
        .await?;
    web.find(Locator::Css("#id_password"))
        .await?
        .send_keys(PASSWORD)
        .await?;
    web.find(Locator::Css("#login-submit"))
        .await?
        .click()
        .await?;
    wait_js(
        web,
        "the login lands on the room list",
        "return location.pathname === '/chat/list/' && document.readyState === 'complete';",
        vec![],
    )
    .await?;
    web.goto(&format!("{base}/chat/{room_id}/")).await?;
    wait_for(web, "#status[data-state=online]").await?;

    // The terminal user logs in and joins; the browser sees them arrive.
    tty.log_in(TTY_EMAIL).await?;
    tty.join(room_id, ROOM_TITLE).await?;
    wait_for(
        web,
        &format!("ul#participants li[data-nickname=\"{TTY_NICK}\"]"),
    )
    .await?;

    // Browser → terminal, under the browser user's nickname.
    web.find(Locator::Css("#chat-message-input"))
        .await?
        .send_keys(FROM_BROWSER)
        .await?;
    web.find(Locator::Css("#chat-message-submit"))
        .await?
        .click()
        .await?;
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
    let nick = wait_js(
        web,
        "the terminal's line is in the browser's log",
        "const line = [...document.querySelectorAll('ol#messages li.message')]
             .find(li => li.querySelector('.body')?.textContent.trim() === arguments[0]);
         return line ? line.querySelector('.nick')?.textContent.trim() ?? '' : null;",
        vec![json!(FROM_TERMINAL)],
    )
    .await?;
    ensure!(
        nick == json!(TTY_NICK),
        "the browser shows the terminal's line under {nick}, not {TTY_NICK}"
    );
    // The browser user's own line was confirmed by the server, once, under its own name.
    let own = wait_js(
        web,
        "the browser's own line is confirmed",
        "if (document.querySelector('ol#messages li.pending')) return null;
         return [...document.querySelectorAll('ol#messages li.message')]
             .filter(li => li.querySelector('.body')?.textContent.trim() === arguments[0])
             .map(li => li.querySelector('.nick')?.textContent.trim());",
        vec![json!(FROM_BROWSER)],
    )
    .await?;
    ensure!(own == json!([WEB_NICK]), "the browser's own line: {own}");
    // The terminal's line was acknowledged, so nothing is left pending.
    tty.wait_until("the terminal's line to be acknowledged", |screen| {
        screen.contains(FROM_TERMINAL) && !screen.contains("pending")
    })
    .await
}

/// The browser's screenshot and the terminal's screen text, under `target/screenshots/`.
async fn save_pictures(web: &Client, tty: &Tui) -> anyhow::Result<()> {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir)?;
    let png = web.screenshot().await?;
    std::fs::write(dir.join("mixed_browser.png"), png)?;
    std::fs::write(dir.join("mixed_tui.txt"), tty.contents())?;
    println!("screenshots in {}", dir.display());
    Ok(())
}

/// `target/screenshots` of this workspace (`$CARGO_TARGET_DIR` when set).
fn screenshot_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest.parent().unwrap_or(manifest);
    let target = match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    target.join("screenshots")
}
