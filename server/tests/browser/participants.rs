//! A big room's participant list in the page (issue 19, `docs/protocol.md` "Big rooms"): the
//! first page and "and N more", paged in by scrolling it into view or by a click, one entry
//! per nickname, and the counts under the heading moved by `headcount` frames.

use serde_json::{json, Value};

use chat_test_support::spawn_app_on;

use crate::steps::{driver, enter_room, log_in, open_browser, EN};

/// The list's nicknames, in order.
const NAMES: &str = "return [...document.querySelectorAll('#participants li[data-nickname]')]
     .map(li => li.dataset.nickname);";

async fn names(b: &chat_test_support::browser::Browser) -> Vec<String> {
    serde_json::from_value(b.js(NAMES, vec![]).await).expect("nicknames")
}

/// Waits until the list holds `count` names, none twice, and the "and N more" line says
/// `more` (`None`: hidden).
async fn wait_list(b: &chat_test_support::browser::Browser, count: usize, more: Option<&str>) {
    b.wait_js(
        &format!("{count} names, none twice, and {more:?}"),
        &format!(
            "const names = (() => {{ {NAMES} }})();
             const more = document.getElementById('participants-more');
             const line = more.hidden ? null : more.innerText.trim();
             return names.length === arguments[0] && new Set(names).size === names.length
                 && line === arguments[1];"
        ),
        vec![json!(count), json!(more)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_big_room_lists_a_page_and_pages_in_the_rest_by_scroll_and_by_click() {
    let Some(driver) = driver().await else { return };
    let server = spawn_app_on(|c| c.participant_page = 3).await;
    let (browser, owner, bo, cy, di, _) = tokio::join!(
        open_browser(&driver, "ana", EN),
        server.logged_in("owner"),
        server.logged_in("bo"),
        server.logged_in("cy"),
        server.logged_in("di"),
        server.registered("ana"),
    );
    let room_id = owner.create_room("Crowd").await.id;
    for visitor in [&bo, &cy, &di] {
        let entered = visitor.get_json(&format!("/chat/{room_id}/")).await;
        assert!(entered.status().is_success());
    }
    log_in(&browser, &server, "ana@example.com").await;

    enter_room(&browser, &server, room_id).await;

    // The page as the server renders it: a first page of 3 of the 5, the rest counted; the
    // JSON still lists everyone.
    let html = owner
        .get(&format!("/chat/{room_id}/"))
        .await
        .text()
        .await
        .expect("html");
    assert_eq!(html.matches("<li data-nickname=").count(), 3, "{html}");
    assert!(html.contains(">and 2 more</button>"), "{html}");
    assert!(html.contains("5 participants · 1 online"), "{html}");
    assert_eq!(owner.room_detail(room_id).await.participants.len(), 5);

    wait_list(&browser, 3, Some("and 2 more")).await;
    browser
        .wait_text("#headcount", "5 participants · 1 online")
        .await;
    assert_eq!(names(&browser).await[0], "ana", "online first");
    browser.screenshot("big-room-first-page").await;

    // Scrolled into view: a box too short for the list, scrolled to its end.
    browser
        .js(
            "const box = document.getElementById('participants-box');
             box.style.maxHeight = '3rem';
             box.scrollTop = box.scrollHeight;",
            vec![],
        )
        .await;
    wait_list(&browser, 5, None).await;
    let got = names(&browser).await;
    for nick in ["ana", "owner", "bo", "cy", "di"] {
        assert!(got.iter().any(|n| n == nick), "{nick} in {got:?}");
    }
    browser.screenshot("big-room-paged-in").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_headcount_moves_the_counts_and_a_click_pages_in_the_newcomer() {
    let Some(driver) = driver().await else { return };
    let server = spawn_app_on(|c| c.participant_page = 3).await;
    let (browser, owner, bo, cy, di, _) = tokio::join!(
        open_browser(&driver, "ana", EN),
        server.logged_in("owner"),
        server.logged_in("bo"),
        server.logged_in("cy"),
        server.logged_in("di"),
        server.registered("ana"),
    );
    let room_id = owner.create_room("Crowd").await.id;
    for visitor in [&bo, &cy] {
        let entered = visitor.get_json(&format!("/chat/{room_id}/")).await;
        assert!(entered.status().is_success());
    }
    log_in(&browser, &server, "ana@example.com").await;
    enter_room(&browser, &server, room_id).await;
    browser.click("#participants-more").await;
    wait_list(&browser, 4, None).await;
    browser
        .wait_text("#headcount", "4 participants · 1 online")
        .await;

    // di comes in and bo comes online: counted, not listed.
    let (_bo_socket, _) = bo.join(room_id).await;
    let (_di_socket, _) = di.join(room_id).await;
    browser
        .wait_text("#headcount", "5 participants · 3 online")
        .await;
    wait_list(&browser, 4, Some("and 1 more")).await;

    browser.click("#participants-more").await;
    wait_list(&browser, 5, None).await;
    let got: Value = json!(names(&browser).await);
    assert!(
        got.as_array().is_some_and(|a| a.contains(&json!("di"))),
        "{got}"
    );
}
