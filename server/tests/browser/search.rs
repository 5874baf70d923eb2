//! Search (issue 17) as a user does it: type in the box, click a result, and the room opens
//! at that line, highlighted, with the log reading on in both directions to the live edge.

use std::time::Duration;

use fantoccini::key::Key;
use serde_json::json;

use crate::room_socket::RoomSocket;
use crate::steps::{count_lines, driver, enter_room, log_in, open_browser, wait_line, EN};
use chat_test_support::spawn_app_on;

#[tokio::test(flavor = "multi_thread")]
async fn a_search_result_opens_the_room_at_its_line_and_scrolls_both_ways() {
    let Some(driver) = driver().await else { return };
    // 150 lines at once is past the default rate for one user; this test is about search.
    let mut server = spawn_app_on(|c| c.messages_per_second = 1000).await;
    let (browser, writer, _) = tokio::join!(
        open_browser(&driver, "reader", EN),
        server.logged_in("writer"),
        server.registered("reader"),
    );
    let room_id = writer.create_room("Long log").await.id;
    log_in(&browser, &server, "reader@example.com").await;
    enter_room(&browser, &server, room_id).await;

    let mut socket = RoomSocket::open(&writer, room_id).await;
    let lines: Vec<String> = (1..=150)
        .map(|n| match n {
            60 => "line 60 marmalade 섞인대화방".to_owned(),
            n => format!("line {n}"),
        })
        .collect();
    for line in &lines {
        socket.send(line).await;
    }
    socket.wait_for_message("line 150").await;

    // The box in the top bar, from the room list: every room the reader is in.
    browser.goto(&server.at("/chat/list/")).await;
    browser
        .type_into("#search-box", &format!("대화 marma{}", Key::Enter))
        .await;
    browser.wait_path("/chat/search/").await;
    browser.wait_for(".search-result").await;
    assert_eq!(browser.texts(".result-body").await, [lines[59].clone()]);
    browser.click_to_new_page(".result-link").await;

    // The room opens at the line, highlighted, with lines on both sides of it.
    wait_line(&browser, &lines[59], ".highlight").await;
    let shown = browser
        .js(
            "return [...document.querySelectorAll('#messages li.message:not(.membership) .body')].map(e => e.innerText);",
            vec![],
        )
        .await;
    let shown: Vec<String> = serde_json::from_value(shown).unwrap();
    assert!(
        shown.contains(&lines[40]) && shown.contains(&lines[80]),
        "{shown:?}"
    );
    assert!(
        !shown.contains(&lines[149]),
        "not the newest lines: {shown:?}"
    );
    browser.screenshot("search_opened_at_line").await;

    // Scrolling up and down brings every line, once, in order.
    let all = browser
        .wait_js_within(
            Duration::from_secs(30),
            "every line after scrolling both ways",
            "const log = document.getElementById('chat-log');
             log.scrollTop = (window.__down = !window.__down) ? log.scrollHeight : 0;
             const lines = [...document.querySelectorAll('#messages li.message:not(.membership) .body')]
                 .map(e => e.innerText);
             return lines.length >= arguments[0] ? lines : null;",
            vec![json!(lines.len())],
        )
        .await;
    let all: Vec<String> = serde_json::from_value(all).unwrap();
    assert_eq!(all, lines, "every line once, in order");

    // At the live edge, live lines follow with no gap and no repeat.
    socket.send("after the jump").await;
    wait_line(&browser, "after the jump", "").await;
    assert_eq!(count_lines(&browser, "after the jump").await, 1);
    assert_eq!(count_lines(&browser, "line 150").await, 1);

    browser.close().await;
    server.stop().await;
}
