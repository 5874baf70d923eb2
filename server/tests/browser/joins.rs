//! Joins and leaves in the room page's log (issue 17): quiet lines in the page's own words, in
//! order with the messages, still there after a reload.

use reqwest::StatusCode;
use serde_json::json;

use chat_test_support::spawn_app_on;

use crate::steps::{driver, enter_room, log_in, open_browser, EN};

/// The log's lines as the reader sees them: `text|<body>`, `join|bo joined`, `leave|bo left`.
const LOG: &str = "return [...document.querySelectorAll('#messages li.message')].map(li => {
       if (!li.classList.contains('membership'))
         return 'text|' + li.querySelector('.body').innerText.trim();
       const kind = li.classList.contains('join') ? 'join' : 'leave';
       return kind + '|' + li.querySelector('.body').innerText.trim();
     });";

#[tokio::test(flavor = "multi_thread")]
async fn a_join_and_a_leave_are_quiet_lines_that_survive_a_reload() {
    let Some(driver) = driver().await else { return };
    let server = spawn_app_on(|_| {}).await;
    let (browser, owner, bo, _) = tokio::join!(
        open_browser(&driver, "ana", EN),
        server.logged_in("owner"),
        server.logged_in("bo"),
        server.registered("ana"),
    );
    let room_id = owner.create_room("Doorway").await.id;
    let (mut watch, _) = owner.join(room_id).await;
    watch.send_message("before", None).await;
    watch.next_message().await;
    log_in(&browser, &server, "ana@example.com").await;
    enter_room(&browser, &server, room_id).await;

    // bo comes in (the room's JSON, as the page does) and goes.
    let response = bo.get_json(&format!("/chat/{room_id}/")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = bo.post_json(&format!("/chat/{room_id}/leave/"), &[]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let expected = json!([
        "text|before",
        "join|ana joined",
        "join|bo joined",
        "leave|bo left"
    ]);
    let wait = |what: &'static str| {
        let browser = &browser;
        let expected = expected.clone();
        async move {
            browser
                .wait_js(
                    what,
                    &format!(
                        "const got = (() => {{ {LOG} }})();
                         return JSON.stringify(got) === JSON.stringify(arguments[0]);"
                    ),
                    vec![expected],
                )
                .await
        }
    };
    wait("the join and the leave, live").await;
    let quiet = browser
        .js(
            "const li = document.querySelector('#messages li.membership');
             return getComputedStyle(li).color === getComputedStyle(document.querySelector('#messages li.message:not(.membership) .body')).color;",
            vec![],
        )
        .await;
    assert_eq!(quiet, json!(false), "dimmed, not a line like the others");

    enter_room(&browser, &server, room_id).await;
    wait("the same lines after a reload").await;
}
