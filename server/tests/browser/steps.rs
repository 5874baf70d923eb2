//! The steps every browser test is written in: starting Chromium, logging in through the
//! form, entering a room, and reading the room's log as a user sees it.

use chat_test_support::browser::{Browser, Driver, Tools};
use chat_test_support::{TestApp, Visitor, PASSWORD};
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
/// Join and leave lines are not messages and are left out.
pub async fn wait_messages(b: &Browser, expected: &[(&str, &str)]) {
    let expected: Vec<_> = expected
        .iter()
        .map(|(nick, body)| json!([nick, body, false]))
        .collect();
    b.wait_js(
        &format!("the log shows {expected:?}"),
        "const got = [...document.querySelectorAll('#messages li.message:not(.membership)')].map(li => [
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

/// Waits until a stored line of the log shows `body` and matches `css` (extra classes).
pub async fn wait_line(b: &Browser, body: &str, css: &str) {
    b.wait_js(
        &format!("a line {css} showing {body:?}"),
        "return [...document.querySelectorAll('#messages li.message[data-id]' + arguments[1])]
             .some(li => li.querySelector('.body').innerText.trim() === arguments[0]);",
        vec![json!(body), json!(css)],
    )
    .await;
}

/// Two users in their browsers in one room that `creator` made.
pub async fn two_in_a_room(
    server: &TestApp,
    a: &Browser,
    b: &Browser,
    title: &str,
) -> (Visitor, Visitor, i64) {
    let (creator, other) = tokio::join!(server.logged_in(&a.label), server.logged_in(&b.label));
    let room_id = creator.create_room(title).await.id;
    let (email_a, email_b) = (
        format!("{}@example.com", a.label),
        format!("{}@example.com", b.label),
    );
    tokio::join!(log_in(a, server, &email_a), log_in(b, server, &email_b));
    enter_room(a, server, room_id).await;
    enter_room(b, server, room_id).await;
    (creator, other, room_id)
}

/// Sends the tab to the background (or brings it back), as the page sees it.
pub async fn set_tab_hidden(b: &Browser, hidden: bool) {
    b.js(
        "const state = arguments[0] ? 'hidden' : 'visible';
         Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
         document.dispatchEvent(new Event('visibilitychange'));",
        vec![json!(hidden)],
    )
    .await;
}

/// Keeps what the page shows as desktop notifications in `window.shownNotifications`, as
/// [title, body], still shown through the browser's own constructor.
pub async fn record_notifications(b: &Browser) {
    b.js(
        "const Native = window.Notification;
         window.shownNotifications = [];
         window.Notification = function (title, options) {
           window.shownNotifications.push([title, options.body]);
           return new Native(title, options);
         };
         Object.defineProperty(window.Notification, 'permission', { get: () => Native.permission });",
        vec![],
    )
    .await;
}
