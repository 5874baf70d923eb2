//! The room's notification level on the page (docs/protocol.md "Notification levels"): the
//! "Notifications" control, read from the server and saved there, and what each level lets
//! count in a hidden tab's title and show as a desktop notification.

use chat_test_support::browser::Browser;
use chat_test_support::{spawn_app_on, Visitor};
use serde_json::{json, Value};

use crate::steps::{
    driver, enter_room, open_browser, record_notifications, send_line, set_tab_hidden,
    two_in_a_room, wait_line, EN,
};

/// Picks a level the way a keyboard user does: focus the control and type the option's label.
async fn choose_level(b: &Browser, label: &str, level: &str) {
    b.type_into("#notify-level", label).await;
    b.wait_js(
        &format!("the server has {level:?}"),
        "const s = document.querySelector('#notify-level');
         return s.dataset.saved === arguments[0] && s.value === arguments[0];",
        vec![json!(level)],
    )
    .await;
    assert!(!b.is_visible("#notify-error").await, "no error once saved");
}

/// The level `GET /chat/{id}` (JSON) reports for this user.
async fn stored_level(user: &Visitor, room_id: i64) -> Value {
    let detail: Value = user
        .get_json(&format!("/chat/{room_id}/"))
        .await
        .json()
        .await
        .expect("the room's JSON");
    detail["notify"].clone()
}

/// Notifications allowed and turned on with "Notify me", and recorded.
async fn notifications_on(b: &Browser, origin: &str) {
    b.allow_notifications(origin).await;
    b.click("#notify-toggle").await;
    b.wait_text("#notify-toggle", "Notifications on").await;
    record_notifications(b).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_keeps_a_mention_in_a_hidden_tab_quiet() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (ana, bo) = tokio::join!(
        open_browser(&driver, "ana", EN),
        open_browser(&driver, "bo", EN)
    );
    let (_, bo_elsewhere, room_id) = two_in_a_room(&server, &ana, &bo, "Quiet").await;
    assert_eq!(
        bo.text("label[for=notify-level]").await.as_deref(),
        Some("Notifications")
    );
    assert_eq!(bo.value("#notify-level").await, "mentions", "the default");
    notifications_on(&bo, &server.at("/")).await;

    choose_level(&bo, "Nothing", "none").await;
    assert_eq!(stored_level(&bo_elsewhere, room_id).await, "none");
    set_tab_hidden(&bo, true).await;
    send_line(&ana, "@bo are you there").await;
    send_line(&ana, "anyone?").await;

    // The mention is still highlighted; it just does not call.
    wait_line(&bo, "@bo are you there", ".mention").await;
    wait_line(&bo, "anyone?", "").await;
    assert_eq!(bo.js("return document.title;", vec![]).await, "Quiet");
    assert_eq!(
        bo.js("return window.shownNotifications;", vec![]).await,
        json!([]),
        "no desktop notification at Nothing"
    );
    bo.screenshot("90_notify_nothing").await;

    ana.close().await;
    bo.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn all_counts_every_line_from_others_and_stays_after_a_reload() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (ana, bo) = tokio::join!(
        open_browser(&driver, "ana", EN),
        open_browser(&driver, "bo", EN)
    );
    let (_, bo_elsewhere, room_id) = two_in_a_room(&server, &ana, &bo, "Busy").await;

    choose_level(&bo, "All", "all").await;
    // Kept on the server: a reload, and any other client, see it.
    enter_room(&bo, &server, room_id).await;
    assert_eq!(bo.value("#notify-level").await, "all", "after a reload");
    assert_eq!(stored_level(&bo_elsewhere, room_id).await, "all");

    notifications_on(&bo, &server.at("/")).await;
    set_tab_hidden(&bo, true).await;
    send_line(&ana, "plain line").await;
    bo.wait_js(
        "a plain line from someone else is counted",
        "return document.title === '(1) Busy';",
        vec![],
    )
    .await;
    // One's own line never counts.
    send_line(&bo, "my own line").await;
    wait_line(&bo, "my own line", "").await;
    send_line(&ana, "and another").await;
    wait_line(&bo, "and another", "").await;
    assert_eq!(bo.js("return document.title;", vec![]).await, "(2) Busy");
    assert_eq!(
        bo.js("return window.shownNotifications;", vec![]).await,
        json!([["ana — Busy", "plain line"], ["ana — Busy", "and another"]]),
    );
    bo.screenshot("91_notify_all").await;

    ana.close().await;
    bo.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_level_says_why_and_changes_nothing() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (ana, bo) = tokio::join!(
        open_browser(&driver, "ana", EN),
        open_browser(&driver, "bo", EN)
    );
    let (_, bo_elsewhere, room_id) = two_in_a_room(&server, &ana, &bo, "Strict").await;

    // A level the server does not know, as a tampered page would post it.
    bo.js(
        "const s = document.querySelector('#notify-level');
         s.append(new Option('Loud', 'loud'));
         s.value = 'loud';
         s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await;
    bo.wait_text(
        "#notify-error",
        "Not changed: \"loud\" is not a notification level; use all, mentions or none",
    )
    .await;
    assert_eq!(
        bo.value("#notify-level").await,
        "mentions",
        "back to the level in force"
    );
    assert_eq!(stored_level(&bo_elsewhere, room_id).await, "mentions");
    bo.screenshot("92_notify_refused").await;

    // The next good choice clears the error.
    choose_level(&bo, "Nothing", "none").await;

    ana.close().await;
    bo.close().await;
    server.stop().await;
}
