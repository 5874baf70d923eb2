//! The steps every browser test is written in: starting Chromium, logging in through the
//! form, entering a room, and reading the room's log as a user sees it.

use chat_test_support::browser::{Browser, Driver, Tools};
use chat_test_support::{TestApp, PASSWORD};
use serde_json::json;

pub const EN: &str = "en-US,en";
pub const KO: &str = "ko-KR,ko";

/// Starts chromedriver, or `None` when the test should be skipped.
pub async fn driver() -> Option<Driver> {
    let tools = Tools::find("the browser test")?;
    Some(Driver::start(&tools).await.expect("chromedriver starts"))
}

pub async fn open_browser(driver: &Driver, label: &str, lang: &str) -> Browser {
    driver
        .browser(label, lang)
        .await
        .unwrap_or_else(|e| panic!("Chromium starts for {label}: {e:#}"))
}

/// Logs in through the form and lands on the room list.
pub async fn log_in(b: &Browser, server: &TestApp, email: &str) {
    b.goto(&server.at("/accounts/login/")).await;
    b.fill("#id_username", email).await;
    b.fill("#id_password", PASSWORD).await;
    b.click_to_new_page("#login-submit").await;
    b.wait_path("/chat/list/").await;
}

/// Waits until the room log shows exactly `expected` (nickname, body), all acknowledged.
pub async fn wait_messages(b: &Browser, expected: &[(&str, &str)]) {
    let expected: Vec<_> = expected
        .iter()
        .map(|(nick, body)| json!([nick, body, false]))
        .collect();
    b.wait_js(
        &format!("the log shows {expected:?}"),
        "const got = [...document.querySelectorAll('#messages li.message')].map(li => [
             li.querySelector('.nick').innerText.trim(),
             li.querySelector('.body').innerText.trim(),
             li.classList.contains('pending')]);
         return JSON.stringify(got) === JSON.stringify(arguments[0]);",
        vec![json!(expected)],
    )
    .await;
}

/// Waits until the room's socket is up, as the status line says.
pub async fn wait_online(b: &Browser) {
    b.wait_for("#status[data-state=online]").await;
}

/// How many lines (stored or pending) in the log have this body.
pub async fn count_lines(b: &Browser, body: &str) -> u64 {
    b.js(
        "return [...document.querySelectorAll('#messages li.message .body')]
             .filter(e => e.innerText.trim() === arguments[0]).length;",
        vec![json!(body)],
    )
    .await
    .as_u64()
    .expect("a count")
}

/// Opens the room's page and waits until its socket is up.
pub async fn enter_room(b: &Browser, server: &TestApp, room_id: i64) {
    b.goto(&server.at(&format!("/chat/{room_id}/"))).await;
    wait_online(b).await;
}

/// Types `text` into the message box and sends it with Enter.
pub async fn send_line(b: &Browser, text: &str) {
    b.type_into(
        "#chat-message-input",
        &format!("{text}{}", fantoccini::key::Key::Enter),
    )
    .await;
}
