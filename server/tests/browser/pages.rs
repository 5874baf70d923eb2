//! The pages around the rooms: the icon every page names (error pages too), and the logged-out room list's way
//! to create a room.

use chat_test_support::spawn_app_on;
use serde_json::json;

use crate::steps::{driver, open_browser, EN};

#[tokio::test(flavor = "multi_thread")]
async fn every_page_names_an_icon_that_loads() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let browser = open_browser(&driver, "visitor", EN).await;

    for path in ["/chat/list/", "/accounts/login/", "/no-such-page/"] {
        browser.goto(&server.at(path)).await;
        // The icon the page links to, and /favicon.ico, which browsers ask for on their own:
        // both answer with an image Chromium can draw.
        let icon = browser
            .wait_js(
                &format!("{path}: the icon loads"),
                "const link = document.querySelector('link[rel=icon]');
                 if (!link) return null;
                 const load = (src) => new Promise((resolve) => {
                     const img = new Image();
                     img.onload = () => resolve(img.naturalWidth);
                     img.onerror = () => resolve(0);
                     img.src = src;
                 });
                 return Promise.all([load(link.href), load('/favicon.ico'),
                                     fetch('/favicon.ico').then(r => r.status)]);",
                vec![],
            )
            .await;
        let [linked, ico, status] = [&icon[0], &icon[1], &icon[2]];
        assert!(linked.as_u64() > Some(0), "{path}: the linked icon draws");
        assert!(ico.as_u64() > Some(0), "{path}: /favicon.ico draws");
        assert_eq!(status, &json!(200), "{path}: /favicon.ico is found");
    }

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_logged_out_list_offers_to_log_in_and_create_a_room() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, _) = tokio::join!(
        open_browser(&driver, "newcomer", EN),
        server.registered("newcomer"),
    );

    browser.goto(&server.at("/chat/list/")).await;
    browser
        .wait_text("a#login-to-create", "Log in to create a room")
        .await;
    browser.screenshot("80_logged_out_list").await;

    // It leads to the login form, and from there straight to the room form.
    browser.click_to_new_page("a#login-to-create").await;
    browser.wait_path("/accounts/login/").await;
    browser.fill("#id_username", "newcomer@example.com").await;
    browser
        .fill("#id_password", chat_test_support::PASSWORD)
        .await;
    browser.click_to_new_page("#login-submit").await;
    browser.wait_path("/chat/create/").await;
    browser
        .wait_text("#create-form h1", "Create a new room")
        .await;

    browser.close().await;
    server.stop().await;
}

/// The room list in pages: "Older rooms" leads to page two, a room created meanwhile
/// appears live on page one only, and a room on page two changes there live.
#[tokio::test(flavor = "multi_thread")]
async fn the_room_list_pages_with_older_and_newer_links_and_stays_live() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|c| c.rooms_per_hour = 1000).await;
    let (browser, owner) = tokio::join!(open_browser(&driver, "reader", EN), server.user("owner"),);
    let rooms = owner.create_rooms("Room", 120).await;
    let shown = "return [...document.querySelectorAll('#room-rows tr')]
                     .map((tr) => Number(tr.dataset.roomId));";

    browser.goto(&server.at("/chat/list/")).await;
    browser.wait_for("#lobby[data-live='true']").await;
    let first: Vec<i64> = serde_json::from_value(browser.js(shown, vec![]).await).unwrap();
    let newest: Vec<i64> = rooms.iter().rev().take(50).map(|r| r.id).collect();
    assert_eq!(first, newest, "page one: the 50 newest rooms");
    assert!(
        browser.text("#newer-rooms").await.is_none(),
        "page one has no Newer link"
    );

    // A room created now appears on top of page one.
    let live = owner.create_room("Made while watching").await;
    browser
        .wait_text("#room-rows tr:first-child td.title", "Made while watching")
        .await;
    browser.screenshot("81_room_list_page_one").await;

    browser.click_to_new_page("#older-rooms").await;
    browser.wait_path("/chat/list/").await;
    browser.wait_for("#lobby[data-live='true']").await;
    let second: Vec<i64> = serde_json::from_value(browser.js(shown, vec![]).await).unwrap();
    let expected: Vec<i64> = rooms.iter().rev().skip(50).take(50).map(|r| r.id).collect();
    assert_eq!(second, expected, "page two: the next 50, newest first");

    // On page two a new room stays away, while a room shown there changes live. The lobby
    // sends changes in order, so once the rename shows, the new room was seen and left out.
    let unseen = owner.create_room("Belongs on page one").await;
    let renamed = expected[10];
    let response = owner
        .post_json(
            &format!("/chat/{renamed}/edit/"),
            &[("title", "Renamed on page two")],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    browser
        .wait_text(
            &format!("#room-rows tr[data-room-id='{renamed}'] td.title"),
            "Renamed on page two",
        )
        .await;
    let now: Vec<i64> = serde_json::from_value(browser.js(shown, vec![]).await).unwrap();
    assert!(
        !now.contains(&unseen.id) && !now.contains(&live.id),
        "{now:?}"
    );
    assert_eq!(now.len(), 50);
    browser.screenshot("82_room_list_page_two").await;

    // "Newer rooms" goes up one page of 50: the rooms just above page two (two rooms were
    // created since, so that is not page one yet), then page one.
    browser.click_to_new_page("#newer-rooms").await;
    let above: Vec<i64> = serde_json::from_value(browser.js(shown, vec![]).await).unwrap();
    assert_eq!(above, newest);
    browser.click_to_new_page("#newer-rooms").await;
    browser.wait_for("#lobby[data-live='true']").await;
    assert!(browser.text("#newer-rooms").await.is_none());
    let back: Vec<i64> = serde_json::from_value(browser.js(shown, vec![]).await).unwrap();
    assert_eq!(
        back[..3],
        [unseen.id, live.id, newest[0]],
        "page one, newest on top"
    );

    browser.close().await;
    server.stop().await;
}
