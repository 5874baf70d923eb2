//! Ways out of a room, and what the page and the others see: a link away (and Back), a leave
//! from another device, someone else leaving, the room removed, and logging out.

use std::time::Duration;

use chat_shared::{Participant, ServerFrame};
use chat_test_support::{spawn_app_on, Socket};
use reqwest::StatusCode;
use serde_json::Value;

use crate::steps::{driver, enter_room, log_in, open_browser, wait_online, EN};

/// Reads `socket` until `nickname`'s presence is `online`.
async fn wait_presence(socket: &mut Socket, nickname: &str, online: bool) {
    socket
        .next_matching(|frame| match frame {
            ServerFrame::Presence {
                nickname: n,
                online: o,
            } if n == nickname && o == online => Some(()),
            _ => None,
        })
        .await;
}

/// The room's participants as its JSON API lists them to `viewer` (a participant already, so
/// asking does not change the list).
async fn participants(viewer: &chat_test_support::Visitor, room_id: i64) -> Vec<String> {
    let detail: Value = viewer
        .get_json(&format!("/chat/{room_id}/"))
        .await
        .json()
        .await
        .expect("the room as JSON");
    let list: Vec<Participant> =
        serde_json::from_value(detail["participants"].clone()).expect("participants");
    list.into_iter().map(|p| p.nickname).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_away_takes_you_offline_and_back_brings_you_back_with_what_you_missed() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, owner, _) = tokio::join!(
        open_browser(&driver, "ana", EN),
        server.logged_in("owner"),
        server.registered("ana"),
    );
    let room_id = owner.create_room("Come and go").await.id;
    let (mut watch, _) = owner.join(room_id).await;
    log_in(&browser, &server, "ana@example.com").await;
    enter_room(&browser, &server, room_id).await;
    wait_presence(&mut watch, "ana", true).await;
    browser.mark_page().await;

    // "Chat rooms" in the bar: the room page goes away, and so does ana.
    browser.click(".brand").await;
    browser.wait_path("/chat/list/").await;
    wait_presence(&mut watch, "ana", false).await;

    // Back: the same page, online again, with what was said meanwhile.
    watch
        .send_message("said while ana was away", Some("away-1"))
        .await;
    browser.back().await;
    browser.wait_path(&format!("/chat/{room_id}/")).await;
    wait_online(&browser).await;
    assert!(
        browser.is_same_page().await,
        "Chromium brought the page back from its back/forward cache, the case this is about"
    );
    wait_presence(&mut watch, "ana", true).await;
    browser
        .wait_js(
            "the message sent meanwhile is shown",
            "return [...document.querySelectorAll('#messages li.message:not(.membership) .body')]
                 .some(e => e.innerText === 'said while ana was away');",
            vec![],
        )
        .await;
    browser.screenshot("70_back_online").await;

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn leaving_on_another_device_closes_the_room_here_for_good() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, owner, phone) = tokio::join!(
        open_browser(&driver, "ana", EN),
        server.logged_in("owner"),
        server.registered("ana"),
    );
    let room_id = owner.create_room("Left behind").await.id;
    let (mut watch, _) = owner.join(room_id).await;
    log_in(&browser, &server, "ana@example.com").await;
    enter_room(&browser, &server, room_id).await;
    wait_presence(&mut watch, "ana", true).await;

    // ana leaves on her phone.
    phone.api_login("ana@example.com").await;
    let response = phone
        .post_json(&format!("/chat/{room_id}/leave/"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // The page says so, offers the way out, and takes nothing more.
    browser
        .wait_text("#room-closed .why", "You left this room.")
        .await;
    assert!(
        browser
            .is_visible("#room-closed a[href='/chat/list/']")
            .await
    );
    let disabled = browser
        .js(
            "return [document.getElementById('chat-message-input').disabled,
                     document.getElementById('chat-message-submit').disabled];",
            vec![],
        )
        .await;
    assert_eq!(disabled, serde_json::json!([true, true]), "nothing to send");
    assert!(!browser.is_visible("#leave-room").await, "no second Leave");
    browser.screenshot("71_left_elsewhere").await;

    // And it stays left: the page does not come back into the room.
    let came_back = tokio::time::timeout(
        Duration::from_secs(3),
        watch.next_matching(|frame| match frame {
            ServerFrame::Participant { nickname } if nickname == "ana" => Some(()),
            _ => None,
        }),
    )
    .await;
    assert!(came_back.is_err(), "ana became a participant again");
    assert!(
        !participants(&owner, room_id)
            .await
            .contains(&"ana".to_owned()),
        "ana is not listed"
    );
    assert_eq!(
        browser.text("#room-closed .why").await.as_deref(),
        Some("You left this room.")
    );

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn someone_who_leaves_is_gone_from_the_participants_list() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, owner, bo, _) = tokio::join!(
        open_browser(&driver, "ana", EN),
        server.logged_in("owner"),
        server.logged_in("bo"),
        server.registered("ana"),
    );
    let room_id = owner.create_room("Who is here").await.id;
    let (mut owner_socket, _) = owner.join(room_id).await;
    log_in(&browser, &server, "ana@example.com").await;
    enter_room(&browser, &server, room_id).await;
    let (mut bo_socket, _) = bo.join(room_id).await;
    browser
        .wait_for("#participants li[data-nickname=bo].online")
        .await;

    // bo leaves: he is off the list at once.
    let response = bo.post_json(&format!("/chat/{room_id}/leave/"), &[]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    browser
        .wait_js(
            "bo is off the list",
            "return !document.querySelector('#participants li[data-nickname=bo]');",
            vec![],
        )
        .await;
    // His socket, closed with "you left", answers the close only now, so the server counts him
    // offline after that: a `presence` for someone no longer listed.
    assert_eq!(bo_socket.closed().await, Some(chat_shared::close::LEFT));
    // Then the owner says something: the page has had every frame about bo by the time it
    // shows that.
    owner_socket
        .send_message("bo has gone", Some("after-bo"))
        .await;
    browser
        .wait_js(
            "the owner's message is shown",
            "return [...document.querySelectorAll('#messages li.message:not(.membership) .body')]
                 .some(e => e.innerText === 'bo has gone');",
            vec![],
        )
        .await;
    let mut listed = browser.texts("#participants li").await;
    listed.sort();
    assert_eq!(
        listed,
        ["ana", "owner"],
        "bo is not listed, not even offline"
    );
    browser.screenshot("72_participant_left").await;

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_removed_room_says_so_and_offers_nothing_that_would_fail() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, owner, _) = tokio::join!(
        open_browser(&driver, "ana", EN),
        server.logged_in("owner"),
        server.registered("ana"),
    );
    let room_id = owner.create_room("Short-lived").await.id;
    log_in(&browser, &server, "ana@example.com").await;
    enter_room(&browser, &server, room_id).await;

    let response = owner
        .post_json(&format!("/chat/{room_id}/remove/"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    browser
        .wait_text("#room-closed .why", "This room was removed.")
        .await;
    let state = browser
        .js(
            "return [document.getElementById('chat-message-input').disabled,
                     document.getElementById('chat-message-submit').disabled];",
            vec![],
        )
        .await;
    assert_eq!(state, serde_json::json!([true, true]), "nothing to send");
    assert!(!browser.is_visible("#leave-room").await, "no Leave");
    browser.screenshot("73_room_removed").await;

    // The way out is the list, where the room is gone.
    browser
        .click_to_new_page("#room-closed a[href='/chat/list/']")
        .await;
    browser.wait_path("/chat/list/").await;
    assert!(browser
        .text(&format!("#room-rows tr[data-room-id=\"{room_id}\"]"))
        .await
        .is_none());

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logging_out_in_a_room_lands_on_the_room_list() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, owner, _) = tokio::join!(
        open_browser(&driver, "ana", EN),
        server.logged_in("owner"),
        server.registered("ana"),
    );
    let room_id = owner.create_room("Log out here").await.id;
    log_in(&browser, &server, "ana@example.com").await;
    enter_room(&browser, &server, room_id).await;

    browser.click_to_new_page("#logout").await;
    // Not the login page with `next` back to the room: the list, logged out.
    browser.wait_path("/chat/list/").await;
    browser.wait_text("#nav-login", "Log in").await;
    assert_eq!(
        browser.js("return location.search;", vec![]).await,
        "",
        "no `next`"
    );

    browser.close().await;
    server.stop().await;
}
