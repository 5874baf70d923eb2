//! Changing what was said, and who may stay: edits (Up in the empty box, then Enter), deletes
//! (one's own, and the creator's on anyone's), mentions (highlight, the hidden tab's title,
//! the `@` list), `/me` actions, notices, bans and unbans, and the colours of names in both
//! colour schemes.

use chat_shared::ServerFrame;
use chat_test_support::browser::Browser;
use chat_test_support::spawn_app_on;
use fantoccini::key::Key;
use serde_json::{json, Value};

use crate::steps::{
    count_lines, driver, enter_room, log_in, open_browser, record_notifications, send_line,
    set_tab_hidden, two_in_a_room, wait_line, wait_messages, wait_online, EN,
};

/// Answers the page's confirmation questions (Delete) with OK, as the user clicking it would.
async fn accept_confirmations(b: &Browser) {
    b.js("window.confirm = () => true;", vec![]).await;
}

/// The stored line with this body, as the page marks it: [classes, body text, "(edited)" mark
/// and its hover title].
async fn line_state(b: &Browser, body_css: &str) -> Value {
    b.js(
        "const li = [...document.querySelectorAll('#messages li.message:not(.membership)[data-id]')]
             .find(li => li.matches(arguments[0]));
         if (!li) return null;
         const edited = li.querySelector('.edited');
         return { classes: [...li.classList].sort(), body: li.querySelector('.body').innerText,
                  edited: edited ? [edited.innerText, edited.title !== ''] : null };",
        vec![json!(body_css)],
    )
    .await
}

/// The id of the stored line showing `body`.
async fn line_id(b: &Browser, body: &str) -> i64 {
    wait_line(b, body, "").await;
    b.js(
        "return Number([...document.querySelectorAll('#messages li.message:not(.membership)[data-id]')]
             .find(li => li.querySelector('.body').innerText.trim() === arguments[0]).dataset.id);",
        vec![json!(body)],
    )
    .await
    .as_i64()
    .expect("an id")
}

#[tokio::test(flavor = "multi_thread")]
async fn up_arrow_edits_the_last_line_and_delete_removes_it_for_both() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (ana, bo) = tokio::join!(
        open_browser(&driver, "ana", EN),
        open_browser(&driver, "bo", EN)
    );
    two_in_a_room(&server, &ana, &bo, "Second thoughts").await;

    send_line(&ana, "hello wrld").await;
    wait_messages(&bo, &[("ana", "hello wrld")]).await;
    wait_messages(&ana, &[("ana", "hello wrld")]).await;

    // Up in the empty box: the line in the box, and the page says what Enter and Escape do.
    ana.type_into("#chat-message-input", &Key::Up.to_string())
        .await;
    assert_eq!(ana.value("#chat-message-input").await, "hello wrld");
    assert!(
        ana.is_visible("#editing").await,
        "the box says it is editing"
    );
    assert_eq!(
        ana.text("#editing").await.as_deref(),
        Some("Editing — Escape to cancel Cancel")
    );
    // Escape gives the empty box back; Up again, and this time the fix is saved.
    ana.type_into("#chat-message-input", &Key::Escape.to_string())
        .await;
    assert_eq!(ana.value("#chat-message-input").await, "");
    assert!(!ana.is_visible("#editing").await);
    ana.type_into("#chat-message-input", &Key::Up.to_string())
        .await;
    let fix = format!("{}orld{}", Key::Backspace.to_string().repeat(3), Key::Enter);
    ana.type_into("#chat-message-input", &fix).await;

    for b in [&bo, &ana] {
        wait_line(b, "hello world", "").await;
        let state = line_state(b, "*").await;
        assert_eq!(
            state["edited"],
            json!(["(edited)", true]),
            "{}: {state}",
            b.label
        );
    }
    wait_messages(&bo, &[("ana", "hello world")]).await;
    assert_eq!(
        ana.value("#chat-message-input").await,
        "",
        "the box is empty again"
    );
    ana.screenshot("80_edited").await;

    // Delete, from the line's own menu.
    accept_confirmations(&ana).await;
    assert_eq!(
        bo.texts("#messages li.message:not(.membership) .delete-line")
            .await
            .len(),
        0,
        "bo may not delete ana's line"
    );
    ana.click("#messages li.message:not(.membership).mine .line-menu")
        .await;
    ana.click("#messages li.message:not(.membership).mine .delete-line")
        .await;
    for b in [&bo, &ana] {
        wait_line(b, "message deleted", ".deleted").await;
        let style = b
            .js(
                "const body = document.querySelector('#messages li.message:not(.membership).deleted .body');
                 return getComputedStyle(body).fontStyle;",
                vec![],
            )
            .await;
        assert_eq!(style, "italic", "{}: a deleted line is in italics", b.label);
    }
    ana.screenshot("81_deleted").await;

    ana.close().await;
    bo.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_creator_deletes_anyones_line_and_changes_move_the_resume_point() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (ana, bo) = tokio::join!(
        open_browser(&driver, "ana", EN),
        open_browser(&driver, "bo", EN)
    );
    let (_, bo_api, room_id) = two_in_a_room(&server, &ana, &bo, "Moderated").await;

    send_line(&bo, "something rude").await;
    wait_messages(&ana, &[("bo", "something rude")]).await;
    accept_confirmations(&ana).await;
    ana.click("#messages li.message:not(.membership) .line-menu")
        .await;
    ana.click("#messages li.message:not(.membership) .delete-line")
        .await;
    wait_line(&bo, "message deleted", ".deleted").await;
    wait_line(&ana, "message deleted", ".deleted").await;

    let id = line_id(&bo, "message deleted").await;
    // A change made on bo's phone shows in place, and the page resumes after the change's own
    // id (its place in the stream), not only after the last line's.
    let (mut phone, _) = bo_api.join(room_id).await;
    phone.send_message("second", Some("p-1")).await;
    let second = line_id(&ana, "second").await;
    assert!(second > id);
    ana.js(
        "const Native = window.WebSocket;
         window.openedSockets = [];
         window.WebSocket = function (url) { window.openedSockets.push(url); return new Native(url); };
         window.WebSocket.OPEN = Native.OPEN;",
        vec![],
    )
    .await;
    phone.send_edit(second, "second, edited").await;
    let change = phone
        .next_matching(|frame| match frame {
            ServerFrame::MessageEdited { id, .. } => Some(id),
            _ => None,
        })
        .await;
    assert!(change > second, "the edit has its own place in the stream");
    wait_line(&ana, "second, edited", "").await;
    server.stop().await;
    server.restart().await;
    ana.wait_js(
        "the page reconnects after the edit's id",
        "return (window.openedSockets || []).some(u => u.endsWith('&after=' + arguments[0]));",
        vec![json!(change)],
    )
    .await;
    wait_online(&ana).await;
    assert_eq!(count_lines(&ana, "second, edited").await, 1);
    ana.screenshot("82_creator_deleted").await;

    ana.close().await;
    bo.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mention_is_highlighted_and_counted_in_a_hidden_tabs_title() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (ana, bo) = tokio::join!(
        open_browser(&driver, "ana", EN),
        open_browser(&driver, "bo", EN)
    );
    two_in_a_room(&server, &ana, &bo, "Calling").await;
    // Nothing asked for notification permission on load; bo turns them on with the toggle
    // (the browser's "Allow" given through DevTools, as nobody is there to click it).
    let asked = bo.js("return Notification.permission;", vec![]).await;
    assert_eq!(asked, "default", "the page asked nothing on load");
    assert_eq!(
        bo.text("#notify-toggle").await.as_deref(),
        Some("Notify me")
    );
    bo.allow_notifications(&server.at("/")).await;
    bo.click("#notify-toggle").await;
    bo.wait_text("#notify-toggle", "Notifications on").await;
    let stored = bo
        .js(
            "return localStorage.getItem('chat.notifyMentions');",
            vec![],
        )
        .await;
    assert_eq!(stored, "on");
    // What the page shows as notifications, seen through the browser's own constructor.
    record_notifications(&bo).await;
    // bo's tab goes to the background.
    set_tab_hidden(&bo, true).await;

    // ana types "@b": the list offers bo; Tab picks it.
    ana.type_into("#chat-message-input", "hey @b").await;
    ana.wait_text("#mention-list li.chosen", "bo").await;
    ana.type_into("#chat-message-input", &Key::Tab.to_string())
        .await;
    assert_eq!(ana.value("#chat-message-input").await, "hey @bo ");
    assert!(
        !ana.is_visible("#mention-list").await,
        "the list closes once picked"
    );
    ana.type_into("#chat-message-input", &format!("look{}", Key::Enter))
        .await;
    send_line(&ana, "nobody in particular").await;
    send_line(&ana, "@BO again").await;

    wait_line(&bo, "@BO again", ".mention").await;
    wait_line(&bo, "hey @bo look", ".mention").await;
    wait_line(&bo, "nobody in particular", ":not(.mention)").await;
    bo.wait_js(
        "the hidden tab's title counts the two mentions",
        "return document.title === '(2) Calling';",
        vec![],
    )
    .await;
    let shown = bo.js("return window.shownNotifications;", vec![]).await;
    assert_eq!(
        shown,
        json!([
            ["ana — Calling", "hey @bo look"],
            ["ana — Calling", "@BO again"]
        ]),
        "a notification for each mention, none for the other line"
    );
    // ana's own view: no highlight for lines that name someone else.
    wait_line(&ana, "hey @bo look", ":not(.mention)").await;
    bo.screenshot("83_mention").await;

    // Back to the tab: the count goes.
    set_tab_hidden(&bo, false).await;
    bo.wait_js(
        "the title is plain again",
        "return document.title === 'Calling';",
        vec![],
    )
    .await;
    // The toggle turns them off again.
    bo.click("#notify-toggle").await;
    bo.wait_text("#notify-toggle", "Notify me").await;

    ana.close().await;
    bo.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn me_sends_an_action_shown_in_italics_with_the_name_once() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (ana, bo) = tokio::join!(
        open_browser(&driver, "ana", EN),
        open_browser(&driver, "bo", EN)
    );
    two_in_a_room(&server, &ana, &bo, "Waving").await;

    send_line(&ana, "/me waves").await;
    send_line(&ana, "first").await;
    send_line(&ana, "second").await;
    wait_line(&bo, "waves", ".action").await;
    wait_line(&bo, "second", ".cont").await;
    let shown = bo
        .js(
            "const lines = [...document.querySelectorAll('#messages li.message:not(.membership)[data-id]')];
             const action = lines[0];
             return { action: [action.querySelector('.star').innerText + action.querySelector('.nick').innerText
                                + action.querySelector('.sep').textContent + action.querySelector('.body').innerText,
                               getComputedStyle(action.querySelector('.body')).fontStyle],
                      names: lines.map(li => getComputedStyle(li.querySelector('.nick')).display !== 'none') };",
            vec![],
        )
        .await;
    assert_eq!(
        shown,
        json!({ "action": ["* ana waves", "italic"], "names": [true, true, false] }),
        "the action line, then two lines of ana's with her name once"
    );
    bo.screenshot("84_action").await;

    ana.close().await;
    bo.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ban_closes_the_page_for_good_and_an_unban_lets_back_in() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (ana, bo) = tokio::join!(
        open_browser(&driver, "ana", EN),
        open_browser(&driver, "bo", EN)
    );
    let (creator, _, room_id) = two_in_a_room(&server, &ana, &bo, "Members only").await;

    // Only the creator is offered Ban, and never for herself.
    assert!(bo.texts("#participants .ban").await.is_empty());
    ana.wait_for("#participants li[data-nickname=bo] .ban")
        .await;
    assert!(ana
        .texts("#participants li[data-nickname=ana] .ban")
        .await
        .is_empty());
    ana.wait_text("#bans li.none", "Nobody is banned.").await;
    ana.click("#participants li[data-nickname=bo] .ban").await;

    bo.wait_text("#room-closed .why", "You were banned from this room.")
        .await;
    let closed = bo
        .js(
            "return [document.getElementById('chat-message-input').disabled,
                     document.querySelector('#room-closed .enter-again').hidden];",
            vec![],
        )
        .await;
    assert_eq!(
        closed,
        json!([true, true]),
        "bo can send nothing, and is not offered to enter"
    );
    ana.wait_js(
        "bo leaves ana's participants",
        "return !document.querySelector('#participants li[data-nickname=bo]');",
        vec![],
    )
    .await;
    ana.wait_for("#bans li[data-nickname=bo] .unban").await;
    // The server's notice: a quiet line, no sender column.
    wait_line(&ana, "ana banned bo from the room", ".notice").await;
    let notice = ana
        .js(
            "const li = document.querySelector('#messages li.notice');
             const muted = getComputedStyle(document.documentElement).getPropertyValue('--muted').trim();
             const probe = document.createElement('span');
             probe.style.color = muted;
             document.body.append(probe);
             const expected = getComputedStyle(probe).color;
             probe.remove();
             return [!!li.querySelector('.nick'), getComputedStyle(li).color === expected,
                     getComputedStyle(li).textAlign];",
            vec![],
        )
        .await;
    assert_eq!(
        notice,
        json!([false, true, "center"]),
        "the notice is muted and centred"
    );
    ana.screenshot("85_banned").await;
    bo.screenshot("86_banned_page").await;
    // Still closed a while later: it does not reconnect.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(bo.is_visible("#room-closed").await);

    ana.click("#bans li[data-nickname=bo] .unban").await;
    ana.wait_text("#bans li.none", "Nobody is banned.").await;
    let detail: Value = creator
        .get_json(&format!("/chat/{room_id}/"))
        .await
        .json()
        .await
        .expect("room JSON");
    assert_eq!(detail["bans"], json!([]));
    enter_room(&bo, &server, room_id).await;
    wait_line(&bo, "ana lifted the ban on bo", ".notice").await;

    ana.close().await;
    bo.close().await;
    server.stop().await;
}

/// The lowest text contrast on the page (WCAG's ratio) of names, times and bodies, each against
/// the background it is drawn on.
async fn lowest_contrast(b: &Browser) -> Value {
    b.js(
        "const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
         const lum = ([r, g, b]) => {
           const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
           return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
         };
         const background = (node) => {
           for (let n = node; n; n = n.parentElement) {
             const c = rgb(getComputedStyle(n).backgroundColor);
             if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
           }
           return [255, 255, 255];
         };
         let lowest = { ratio: 99 };
         for (const node of document.querySelectorAll('#messages .nick, #messages .time, #messages .body')) {
           const a = lum(rgb(getComputedStyle(node).color).slice(0, 3));
           const b = lum(background(node));
           const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
           if (ratio < lowest.ratio) lowest = { ratio, what: node.className + ' ' + node.textContent };
         }
         return { lowest, page: lum(background(document.body)) };",
        vec![],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn names_keep_a_readable_contrast_in_light_and_dark_schemes() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    // Names whose colours were 3.7:1 on white; "ana" reads them.
    let names = ["hal", "gus", "jo", "tom", "vic"];
    let reader = open_browser(&driver, "ana", EN).await;
    let owner = server.logged_in("ana").await;
    let room_id = owner.create_room("Colours").await.id;
    for name in names {
        let user = server.logged_in(name).await;
        let (mut socket, _) = user.join(room_id).await;
        socket
            .send_message(&format!("hi @ana from {name}"), None)
            .await;
        socket
            .send_message(&format!("plain from {name}"), None)
            .await;
        // Stored once acknowledged: a socket dropped before that may take its lines with it.
        let last = format!("plain from {name}");
        socket
            .next_matching(|f| match f {
                ServerFrame::Message(m) if m.body == last => Some(()),
                _ => None,
            })
            .await;
    }
    log_in(&reader, &server, "ana@example.com").await;
    enter_room(&reader, &server, room_id).await;
    wait_line(&reader, "plain from vic", "").await;

    for (scheme, dark) in [("light", false), ("dark", true)] {
        reader.emulate_color_scheme(scheme).await;
        let seen = lowest_contrast(&reader).await;
        let ratio = seen["lowest"]["ratio"].as_f64().expect("a ratio");
        assert!(ratio >= 4.5, "{scheme}: {seen}");
        let page = seen["page"].as_f64().expect("the page's luminance");
        assert_eq!(
            page < 0.2,
            dark,
            "{scheme}: the page's background follows the scheme ({page})"
        );
        reader.screenshot(&format!("87_colours_{scheme}")).await;
    }

    reader.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_edit_says_why_next_to_the_box_and_changes_nothing() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (ana, bo) = tokio::join!(
        open_browser(&driver, "ana", EN),
        open_browser(&driver, "bo", EN)
    );
    let (creator, _, room_id) = two_in_a_room(&server, &ana, &bo, "Too late").await;

    send_line(&bo, "my first take").await;
    let id = line_id(&ana, "my first take").await;
    // bo starts editing; meanwhile ana, the creator, deletes the line.
    bo.type_into("#chat-message-input", &Key::Up.to_string())
        .await;
    assert_eq!(bo.value("#chat-message-input").await, "my first take");
    accept_confirmations(&ana).await;
    ana.click("#messages li.message:not(.membership) .line-menu")
        .await;
    ana.click("#messages li.message:not(.membership) .delete-line")
        .await;
    wait_line(&bo, "message deleted", ".deleted").await;
    bo.type_into("#chat-message-input", &format!(", revised{}", Key::Enter))
        .await;

    bo.wait_text(
        "#socket-error",
        &format!("message {id} was deleted (“my first take”)"),
    )
    .await;
    assert_eq!(
        bo.value("#chat-message-input").await,
        "my first take, revised",
        "the refused text is back in the box"
    );
    // Nothing was stored: the line is still deleted, for both and in the room's history.
    wait_line(&ana, "message deleted", ".deleted:not(:has(.edited))").await;
    let (_, welcome) = creator.join(room_id).await;
    let ServerFrame::Welcome { history, .. } = welcome else {
        panic!("a welcome")
    };
    let line = history.iter().find(|m| m.id == id).expect("the line");
    assert!(line.deleted && line.edited_at.is_none() && line.body.is_empty());
    bo.screenshot("88_edit_refused").await;

    ana.close().await;
    bo.close().await;
    server.stop().await;
}
