//! What happens to a line between the message box and the log: refused for its rate and sent
//! again by itself, refused for good and offered to edit or discard, too long and refused
//! before sending, and written on several lines.

use std::time::Duration;

use chat_test_support::{spawn_app_on, welcome_parts};
use fantoccini::key::Key;
use serde_json::json;

use crate::steps::{driver, enter_room, log_in, open_browser, send_line, EN};

/// Puts `text` in the message box as a paste would (no key events, nothing cut), and tells
/// the page it changed.
const SET_DRAFT: &str = "const input = document.getElementById('chat-message-input');
     input.value = arguments[0];
     input.dispatchEvent(new Event('input', { bubbles: true }));";

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_past_the_rate_limit_is_sent_again_by_itself_in_order() {
    let Some(driver) = driver().await else { return };
    // Two messages a second, in bursts of up to eight: most of a burst of 20 is refused.
    let mut server = spawn_app_on(|c| c.messages_per_second = 2).await;
    let (browser, owner, _) = tokio::join!(
        open_browser(&driver, "sender", EN),
        server.logged_in("owner"),
        server.registered("sender"),
    );
    let room_id = owner.create_room("Fast talk").await.id;
    log_in(&browser, &server, "sender@example.com").await;
    enter_room(&browser, &server, room_id).await;

    // 20 lines, sent as fast as a script can press Send.
    let lines: Vec<String> = (1..=20).map(|n| format!("burst {n}")).collect();
    browser
        .js(
            "const input = document.getElementById('chat-message-input');
             const form = document.getElementById('send-form');
             for (const line of arguments[0]) { input.value = line; form.requestSubmit(); }",
            vec![json!(lines)],
        )
        .await;

    // The page waits as the server says, sends the rest again, and ends with every line
    // stored, in order, none grey or failed.
    let shown = browser
        .wait_js_within(
            Duration::from_secs(30),
            "every line of the burst is stored",
            "const items = [...document.querySelectorAll('#messages li.message:not(.membership)')];
             if (items.some(li => li.matches('.pending, .failed'))) return null;
             const bodies = items.map(li => li.querySelector('.body').innerText);
             return bodies.length >= arguments[0] ? bodies : null;",
            vec![json!(lines.len())],
        )
        .await;
    let shown: Vec<String> = serde_json::from_value(shown).expect("bodies");
    assert_eq!(shown, lines, "every line once, in the order typed");
    browser.screenshot("60_burst_all_sent").await;

    // Stored once each, in that order.
    let (_, welcome) = owner.join(room_id).await;
    let stored: Vec<String> = welcome_parts(welcome)
        .3
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(stored, lines, "the server stored each line once, in order");

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_over_the_limit_is_refused_before_sending_and_kept() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, owner, _) = tokio::join!(
        open_browser(&driver, "writer", EN),
        server.logged_in("owner"),
        server.registered("writer"),
    );
    let room_id = owner.create_room("Short notes").await.id;
    let (mut watch, _) = owner.join(room_id).await;
    log_in(&browser, &server, "writer@example.com").await;
    enter_room(&browser, &server, room_id).await;

    // A paste of 4001 characters: not cut, and the page says it is too long at once.
    let too_long = "x".repeat(4001);
    browser.js(SET_DRAFT, vec![json!(too_long)]).await;
    browser.wait_text("#char-count", "4001 / 4000").await;
    browser
        .wait_text(
            "#send-error",
            "Too long: 4001 characters, the limit is 4000. Shorten it or send it in parts.",
        )
        .await;
    browser.screenshot("61_too_long").await;

    // Send refuses it: nothing in the log, nothing sent, the text still there to shorten.
    browser.click("#chat-message-submit").await;
    let lines = browser
        .js(
            "return document.querySelectorAll('#messages li.message:not(.membership)').length;",
            vec![],
        )
        .await;
    assert_eq!(lines, 0, "no line was added to the log");
    assert_eq!(
        browser.value("#chat-message-input").await.chars().count(),
        4001,
        "the text is kept"
    );
    assert!(browser.is_visible("#send-error").await, "the reason stays");
    let sent = watch.messages_until_quiet(Duration::from_millis(500)).await;
    assert!(sent.is_empty(), "nothing reached the server: {sent:?}");

    // One character fewer is within the limit: the warning goes and the line is sent whole.
    let at_limit = "x".repeat(4000);
    browser.js(SET_DRAFT, vec![json!(at_limit)]).await;
    browser
        .wait_js(
            "the warning is gone",
            "return document.getElementById('send-error').hidden;",
            vec![],
        )
        .await;
    browser.click("#chat-message-submit").await;
    let stored = watch.next_message().await;
    assert_eq!(stored.body, at_limit, "4000 characters arrive whole");

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_the_server_refuses_for_good_can_be_edited_or_discarded() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, owner, _) = tokio::join!(
        open_browser(&driver, "writer", EN),
        server.logged_in("owner"),
        server.registered("writer"),
    );
    let room_id = owner.create_room("Bells").await.id;
    log_in(&browser, &server, "writer@example.com").await;
    enter_room(&browser, &server, room_id).await;

    // A bell character (U+0007) pasted in: the page sends it as typed, the server refuses it.
    let rung = "ring \u{7} the bell";
    browser.js(SET_DRAFT, vec![json!(rung)]).await;
    browser.click("#chat-message-submit").await;
    send_line(&browser, "after the bell").await;

    // That one line is marked failed with the server's reason; the next one is stored.
    let failed = "#messages li.message:not(.membership).failed";
    browser.wait_for(failed).await;
    let reason = browser
        .text(&format!("{failed} .failure"))
        .await
        .expect("a reason");
    assert!(
        reason.contains("U+0007"),
        "the reason names the character: {reason:?}"
    );
    browser
        .wait_js(
            "the next line is stored",
            "return [...document.querySelectorAll('#messages li.message:not(.membership):not(.pending):not(.failed) .body')]
                 .some(e => e.innerText === 'after the bell');",
            vec![],
        )
        .await;
    browser.screenshot("62_failed_line").await;

    // Edit puts it back in the box and takes it out of the log.
    browser.click(&format!("{failed} button.edit")).await;
    browser
        .wait_js(
            "the failed line is gone",
            "return !document.querySelector('#messages li.failed');",
            vec![],
        )
        .await;
    assert_eq!(browser.value("#chat-message-input").await, rung);

    // Discard drops it and leaves the box alone.
    browser.click("#chat-message-submit").await;
    browser.wait_for(failed).await;
    browser.js(SET_DRAFT, vec![json!("a draft")]).await;
    browser.click(&format!("{failed} button.discard")).await;
    browser
        .wait_js(
            "the failed line is gone",
            "return !document.querySelector('#messages li.failed');",
            vec![],
        )
        .await;
    assert_eq!(browser.value("#chat-message-input").await, "a draft");

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shift_enter_writes_a_message_on_several_lines_that_arrives_as_written() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (writer, reader, _, _) = tokio::join!(
        open_browser(&driver, "writer", EN),
        open_browser(&driver, "reader", EN),
        server.registered("writer"),
        server.registered("reader"),
    );
    log_in(&writer, &server, "writer@example.com").await;
    log_in(&reader, &server, "reader@example.com").await;
    let room_id = {
        writer.goto(&server.at("/chat/create/")).await;
        writer.fill("#id_title", "Poems").await;
        writer.click_to_new_page("#create-submit").await;
        writer
            .js(
                "return Number(document.querySelector('section#room').dataset.roomId);",
                vec![],
            )
            .await
            .as_i64()
            .expect("the room id")
    };
    enter_room(&writer, &server, room_id).await;
    enter_room(&reader, &server, room_id).await;

    // Shift+Enter breaks the line, and the box grows with it.
    let one_line_height = writer
        .js(
            "return document.getElementById('chat-message-input').offsetHeight;",
            vec![],
        )
        .await;
    let shift_enter = format!("{}{}{}", Key::Shift, Key::Enter, Key::Null);
    writer
        .type_into(
            "#chat-message-input",
            &format!("roses are red{shift_enter}violets are blue{shift_enter}sugar is sweet"),
        )
        .await;
    let grown = writer
        .js(
            "return document.getElementById('chat-message-input').offsetHeight;",
            vec![],
        )
        .await;
    assert!(
        grown.as_f64() > one_line_height.as_f64().map(|h| h * 2.0),
        "the box grew to three lines: {one_line_height} -> {grown}"
    );
    writer.screenshot("63_multiline_draft").await;
    writer
        .type_into("#chat-message-input", &Key::Enter.to_string())
        .await;

    // The reader gets one message, on three lines.
    let poem = "roses are red\nviolets are blue\nsugar is sweet";
    let rendered = reader
        .wait_js(
            "the poem arrives",
            "const body = [...document.querySelectorAll('#messages li.message:not(.membership) .body')]
                 .find(e => e.innerText === arguments[0]);
             if (!body) return null;
             const tops = new Set([...body.getClientRects()].map(r => Math.round(r.top)));
             return { lines: tops.size, messages: document.querySelectorAll('#messages li.message:not(.membership)').length };",
            vec![json!(poem)],
        )
        .await;
    assert_eq!(
        rendered,
        json!({ "lines": 3, "messages": 1 }),
        "one message on three lines"
    );
    reader.screenshot("63_multiline_received").await;
    assert_eq!(
        writer.value("#chat-message-input").await,
        "",
        "the box is emptied"
    );
    let shrunk = writer
        .js(
            "return document.getElementById('chat-message-input').offsetHeight;",
            vec![],
        )
        .await;
    assert_eq!(shrunk, one_line_height, "the box is one line again");

    // A paste from elsewhere: its carriage returns are dropped and its tabs become spaces
    // (chat_shared::limits::prepare_body), so the server takes it as it stands.
    writer
        .js(SET_DRAFT, vec![json!("name\tscore\r\nkim\t10")])
        .await;
    writer
        .type_into("#chat-message-input", &Key::Enter.to_string())
        .await;
    reader
        .wait_js(
            "the table arrives",
            "return [...document.querySelectorAll('#messages li.message:not(.membership) .body')]
                 .some(e => e.innerText === arguments[0]);",
            vec![json!("name    score\nkim    10")],
        )
        .await;

    writer.close().await;
    reader.close().await;
    server.stop().await;
}
