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
