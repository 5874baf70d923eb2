//! Read markers in the browser (issue 17, docs/protocol.md "Read markers"): a page reports a
//! line read only while the tab is visible and the line is in view, the room list's badges move
//! live, and a reload shows a "New messages" line with a button that jumps to it.

use std::time::Duration;

use chat_test_support::spawn_app_on;
use serde_json::json;

use crate::steps::{
    driver, enter_room, open_browser, send_line, set_tab_hidden, two_in_a_room, wait_line, EN,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_hidden_tab_leaves_lines_unread_and_showing_it_reads_them_everywhere() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (ana, bo) = tokio::join!(
        open_browser(&driver, "ana", EN),
        open_browser(&driver, "bo", EN)
    );
    let (_, bo_elsewhere, room_id) = two_in_a_room(&server, &ana, &bo, "Seen").await;
    // Bo's other device: a lobby socket, as chat-tui keeps one.
    let (mut bo_lobby, _) = bo_elsewhere.lobby().await;

    set_tab_hidden(&bo, true).await;
    send_line(&ana, "while you were away").await;
    wait_line(&bo, "while you were away", "").await;
    assert_eq!(bo_lobby.next_unread(room_id).await, (1, false));
    // The line is on bo's screen, but the tab is hidden: it stays unread.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(bo_elsewhere.listed_room(room_id).await.unread, 1);
    bo.screenshot("95_unread_hidden_tab").await;

    let started = std::time::Instant::now();
    set_tab_hidden(&bo, false).await;
    assert_eq!(bo_lobby.next_unread(room_id).await, (0, false));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the other device's count cleared within a second: {:?}",
        started.elapsed()
    );
    assert_eq!(bo_elsewhere.listed_room(room_id).await.unread, 0);

    ana.close().await;
    bo.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_list_counts_live_and_a_reload_shows_the_new_messages_line() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|c| c.messages_per_second = 1000).await;
    let (ana, bo) = tokio::join!(
        open_browser(&driver, "ana", EN),
        open_browser(&driver, "bo", EN)
    );
    let (ana_elsewhere, _, room_id) = two_in_a_room(&server, &ana, &bo, "Backlog").await;
    bo.goto(&server.at("/chat/list/")).await;
    bo.wait_for("#lobby[data-live=true]").await;
    let badge = format!("tr[data-room-id=\"{room_id}\"] .unread");
    assert!(!bo.is_visible(&badge).await, "nothing unread yet");

    // More than the welcome's 50 lines: the first unread one is not loaded at first.
    let (mut writer, _) = ana_elsewhere.join(room_id).await;
    for n in 1..=70 {
        writer.send_message(&format!("line {n}"), None).await;
    }
    for _ in 1..=70 {
        writer.next_message().await;
    }
    writer
        .send_message(&format!("@{} look", bo.label), None)
        .await;
    writer.next_message().await;
    bo.wait_text(&badge, "71").await;
    bo.wait_for(&format!("{badge}.mentioned")).await;
    bo.screenshot("96_unread_list_badge").await;

    enter_room(&bo, &server, room_id).await;
    wait_line(&bo, "@bo look", ".mention").await;
    // The line it belongs above is older than what the page loaded: the button says so.
    bo.wait_for("#jump-new:not([hidden])").await;
    bo.click("#jump-new").await;
    bo.wait_js(
        "older pages load until the new messages line shows, above line 1",
        "const line = document.getElementById('new-messages');
         if (!line) return false;
         const next = [...document.querySelectorAll('#messages li')]
           .slice([...document.querySelectorAll('#messages li')].indexOf(line) + 1)
           .find(li => li.matches('li.message[data-id]'));
         const box = document.getElementById('chat-log').getBoundingClientRect();
         const at = line.getBoundingClientRect();
         return next && next.querySelector('.body').innerText.trim() === 'line 1'
           && at.top >= box.top && at.bottom <= box.bottom;",
        vec![],
    )
    .await;
    assert_eq!(
        bo.text("#new-messages").await.as_deref(),
        Some("New messages")
    );
    bo.wait_for("#jump-new[hidden]").await;
    bo.screenshot("97_unread_new_messages_line").await;

    // Scrolled away from it, the button comes back.
    bo.js(
        "const log = document.getElementById('chat-log'); log.scrollTop = log.scrollHeight;",
        vec![],
    )
    .await;
    bo.wait_for("#jump-new:not([hidden])").await;

    // Reading in the room cleared the list's count, which the list page shows after a reload.
    bo.goto(&server.at("/chat/list/")).await;
    bo.wait_for("#lobby[data-live=true]").await;
    assert!(!bo.is_visible(&badge).await, "read: no badge");
    assert_eq!(
        bo.js(
            "return document.querySelector(arguments[0]).dataset.count;",
            vec![json!(badge)]
        )
        .await,
        "0"
    );

    ana.close().await;
    bo.close().await;
    server.stop().await;
}
