//! Real-browser tests: headless Chromium, driven over WebDriver with `fantoccini`, walks the
//! seed's guide (`/work/shared/seed/README.md`) with two users, checks the Korean labels,
//! survives a server restart without losing or doubling a line, and fits a phone and a desktop
//! screen. The rest, one file per part of the page: the log over time (`history.rs`), sending
//! (`sending.rs`), the ways out of a room (`leaving.rs`), and the pages around the rooms
//! (`pages.rs`), links in bodies (`links.rs`), a big room's participant list (`participants.rs`), the room's notification level (`notify.rs`), and read markers (`unread.rs`). The browsers, the server and the users without a browser come from
//! `chat-test-support`; `steps.rs` holds what every test does in a page, and `room_socket.rs`
//! is a writer's socket that counts what it saw.
//!
//! Every step asserts on the page's DOM and saves a screenshot under `target/screenshots/`.
//! Skipped (with a note) when Chromium or chromedriver is missing, unless `CI=true`.
//!
//! Run: `cargo test -p chat-server --test browser -- --nocapture`

mod changes;
mod history;
mod joins;
mod leaving;
mod links;
mod notify;
mod pages;
mod participants;
mod room_socket;
mod search;
mod sending;
mod steps;
mod unread;

use chat_test_support::browser::Browser;
use chat_test_support::{spawn_app_on, PASSWORD};
use fantoccini::key::Key;
use room_socket::RoomSocket;
use serde_json::json;
use steps::{count_lines, driver, log_in, open_browser, wait_messages, wait_online, EN, KO};

/// Fills and submits the registration form; the caller checks where it leads.
async fn submit_registration(b: &Browser, email: &str, nickname: &str, pw1: &str, pw2: &str) {
    b.fill("#id_email", email).await;
    b.fill("#id_nickname", nickname).await;
    b.fill("#id_password1", pw1).await;
    b.fill("#id_password2", pw2).await;
    b.click_to_new_page("#register-submit").await;
}

/// The registration form after a refused POST: still there, with these errors under `field`.
async fn assert_field_errors(b: &Browser, field: &str, expected: &[&str]) {
    let css = format!("p.field-error[data-field={field}]");
    b.wait_for(&css).await;
    assert_eq!(
        b.texts(&css).await,
        expected,
        "{}: errors of {field}",
        b.label
    );
    // Right under its own field: the input, then its errors.
    let next_to_field = b
        .js(
            "const input = document.querySelector('#register-form [name=' + arguments[0] + ']');
             const next = input.nextElementSibling;
             return !!next && next.matches('p.field-error[data-field=' + arguments[0] + ']')
                 && input.classList.contains('invalid');",
            vec![json!(field)],
        )
        .await;
    assert_eq!(
        next_to_field, true,
        "the {field} error sits next to its field"
    );
}

/// Only these fields have errors.
async fn assert_error_fields(b: &Browser, fields: &[&str]) {
    let value = b
        .js(
            "return [...new Set([...document.querySelectorAll('p.field-error')]
                 .map(p => p.dataset.field))];",
            vec![],
        )
        .await;
    let got: Vec<String> = serde_json::from_value(value).expect("field names");
    assert_eq!(got, fields, "fields with errors");
}

/// The form kept what was typed, except the passwords.
async fn assert_kept(b: &Browser, email: &str, nickname: &str) {
    assert_eq!(b.value("#id_email").await, email, "the email is kept");
    assert_eq!(
        b.value("#id_nickname").await,
        nickname,
        "the nickname is kept"
    );
    assert_eq!(b.value("#id_password1").await, "", "password1 is not kept");
    assert_eq!(b.value("#id_password2").await, "", "password2 is not kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_walks_the_seed_guide_with_two_users() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (a, b) = tokio::join!(
        open_browser(&driver, "brothersoo", EN),
        open_browser(&driver, "moistybro", EN)
    );

    // 1. No rooms yet; anonymous visitors are offered Register and Log in.
    a.goto(&server.at("/chat/list/")).await;
    a.wait_path("/chat/list/").await;
    a.wait_text(".brand", "Chat rooms").await;
    a.wait_text("#nav-register", "Register").await;
    a.wait_text("#nav-login", "Log in").await;
    assert!(a.is_visible("#no-rooms").await, "the empty list says so");
    assert_eq!(a.text("#no-rooms").await.as_deref(), Some("No rooms yet."));
    assert!(a.texts("#room-rows tr").await.is_empty());
    assert!(a.text("#create-room").await.is_none(), "no create button");
    a.screenshot("01_pre_login_chat_list").await;

    // The second user registers and waits on the room list (the right-hand browser).
    b.goto(&server.at("/accounts/register/")).await;
    submit_registration(&b, "moistybro@example.com", "moistybro", PASSWORD, PASSWORD).await;
    b.wait_path("/accounts/login/").await;
    log_in(&b, &server, "moistybro@example.com").await;
    b.wait_text("#nav-nickname", "moistybro").await;
    b.mark_page().await;

    // 2. The registration form.
    a.click_to_new_page("#nav-register").await;
    a.wait_path("/accounts/register/").await;
    a.wait_text("#register-form h1", "Register").await;
    for field in [
        "#id_email",
        "#id_nickname",
        "#id_password1",
        "#id_password2",
    ] {
        assert_eq!(a.value(field).await, "", "{field} starts empty");
    }
    a.screenshot("02_register_form").await;

    // 3. An email without @ is refused next to the email field; the rest is kept.
    submit_registration(
        &a,
        "brothersoo.example.com",
        "brothersoo",
        PASSWORD,
        PASSWORD,
    )
    .await;
    a.wait_path("/accounts/register/").await;
    assert_field_errors(&a, "email", &["Enter a valid email address."]).await;
    assert_error_fields(&a, &["email"]).await;
    assert_kept(&a, "brothersoo.example.com", "brothersoo").await;
    a.screenshot("03_register_fail_invalid_email_format").await;

    // 4. The seed's "1234": too short, too common, all digits, all under the second password.
    let weak_password_errors = [
        "This password is too short. It must contain at least 8 characters.",
        "This password is too common.",
        "This password is entirely numeric.",
    ];
    submit_registration(&a, "brothersoo@example.com", "brothersoo", "1234", "1234").await;
    assert_field_errors(&a, "password2", &weak_password_errors).await;
    assert_error_fields(&a, &["password2"]).await;
    assert_kept(&a, "brothersoo@example.com", "brothersoo").await;
    a.screenshot("04_register_fail_weak_password").await;

    // The seed's "etc." screenshot: a taken email (in another case), a taken nickname and
    // "1234" in one submit; every error shows at once, each under its own field.
    submit_registration(&a, "MoistyBro@example.com", "moistybro", "1234", "1234").await;
    assert_field_errors(&a, "email", &["Already existing email"]).await;
    assert_field_errors(&a, "nickname", &["Already existing nickname"]).await;
    assert_field_errors(&a, "password2", &weak_password_errors).await;
    assert_error_fields(&a, &["email", "nickname", "password2"]).await;
    assert_kept(&a, "MoistyBro@example.com", "moistybro").await;
    a.screenshot("04_register_fail_etc").await;

    // 5. An email someone already has (in any case), then a nickname someone already has,
    // each on its own.
    submit_registration(
        &a,
        "MoistyBro@example.com",
        "brothersoo",
        PASSWORD,
        PASSWORD,
    )
    .await;
    assert_field_errors(&a, "email", &["Already existing email"]).await;
    assert_error_fields(&a, &["email"]).await;
    assert_kept(&a, "MoistyBro@example.com", "brothersoo").await;
    a.screenshot("05_register_fail_existing_email").await;
    submit_registration(
        &a,
        "brothersoo@example.com",
        "moistybro",
        PASSWORD,
        PASSWORD,
    )
    .await;
    assert_field_errors(&a, "nickname", &["Already existing nickname"]).await;
    assert_error_fields(&a, &["nickname"]).await;
    assert_kept(&a, "brothersoo@example.com", "moistybro").await;
    a.screenshot("05_register_fail_existing_nickname").await;

    // 6. Two passwords that differ.
    submit_registration(
        &a,
        "brothersoo@example.com",
        "brothersoo",
        PASSWORD,
        "other-pass-123",
    )
    .await;
    assert_field_errors(&a, "password2", &["The two password fields didn't match."]).await;
    assert_error_fields(&a, &["password2"]).await;
    assert_kept(&a, "brothersoo@example.com", "brothersoo").await;
    a.screenshot("06_register_fail_password_mismatch").await;

    // 7. A good registration leads to the login page.
    submit_registration(
        &a,
        "brothersoo@example.com",
        "brothersoo",
        PASSWORD,
        PASSWORD,
    )
    .await;
    a.wait_path("/accounts/login/").await;
    a.wait_text("#login-form h1", "Log in").await;
    assert_eq!(a.value("#id_username").await, "");
    a.screenshot("07_register_success_redirect").await;

    // A wrong password: one generic error, the email kept.
    a.fill("#id_username", "brothersoo@example.com").await;
    a.fill("#id_password", "not-my-password").await;
    a.click_to_new_page("#login-submit").await;
    a.wait_text("#login-error", "Please enter a correct email and password.")
        .await;
    assert_eq!(a.value("#id_username").await, "brothersoo@example.com");

    // 8. Logged in: the list, with the nickname and Log out in the bar.
    log_in(&a, &server, "brothersoo@example.com").await;
    a.wait_text("#nav-nickname", "brothersoo").await;
    a.wait_text("button#logout", "Log out").await;
    assert!(
        a.text("#nav-register").await.is_none(),
        "no Register when logged in"
    );
    assert!(
        a.text("#nav-login").await.is_none(),
        "no Log in when logged in"
    );
    a.wait_text("a#create-room", "Create a new room").await;
    a.screenshot("08_post_login_chat_list").await;

    // 9. The room creation form; an empty title is refused next to the field.
    a.click_to_new_page("a#create-room").await;
    a.wait_path("/chat/create/").await;
    a.wait_text("#create-form h1", "Create a new room").await;
    a.screenshot("09_room_create_form").await;
    a.click_to_new_page("#create-submit").await;
    a.wait_text("#error-title", "Enter a title.").await;

    // 10. A title typed in.
    a.fill("#id_title", "Hello world").await;
    assert_eq!(a.value("#id_title").await, "Hello world");
    a.screenshot("10_room_create_form_enter_title").await;

    // 11. Created: the room opens, its creator online in it.
    a.click_to_new_page("#create-submit").await;
    let path = a
        .wait_js(
            "the new room's page has loaded",
            "return /^\\/chat\\/\\d+\\/$/.test(location.pathname)
                 && document.readyState === 'complete' ? location.pathname : null;",
            vec![],
        )
        .await;
    let room_id: i64 = a
        .js(
            "return Number(document.querySelector('section#room').dataset.roomId);",
            vec![],
        )
        .await
        .as_i64()
        .expect("the room id");
    assert_eq!(path, format!("/chat/{room_id}/"));
    a.wait_text("#room-title", "Hello world").await;
    wait_online(&a).await;
    a.wait_text("#status", "Connected").await;
    a.wait_for("#participants li[data-nickname=brothersoo].online")
        .await;
    a.mark_page().await;
    a.screenshot("11_room_enter_after_create").await;

    // 12. The other user's list shows the new room without a reload (the lobby socket).
    let row = format!("#room-rows tr[data-room-id=\"{room_id}\"]");
    b.wait_text(&format!("{row} .title a"), "Hello world").await;
    b.wait_text(&format!("{row} .creator"), "brothersoo").await;
    b.wait_text(&format!("{row} .num"), &room_id.to_string())
        .await;
    b.wait_text(&format!("{row} .count"), "1").await;
    assert!(!b.is_visible("#no-rooms").await, "the empty note is gone");
    assert!(b.is_same_page().await, "the list was not reloaded");
    b.screenshot("12_chat_list_after_room_create").await;

    // 13. moistybro enters; brothersoo sees them join, live.
    b.click_to_new_page(&format!("{row} .title a")).await;
    b.wait_path(&format!("/chat/{room_id}/")).await;
    wait_online(&b).await;
    b.wait_for("#participants li[data-nickname=brothersoo].online")
        .await;
    b.wait_for("#participants li[data-nickname=moistybro].online")
        .await;
    a.wait_for("#participants li[data-nickname=moistybro].online")
        .await;
    assert!(
        a.is_same_page().await,
        "the creator's room page was not reloaded"
    );
    b.mark_page().await;
    a.screenshot("13_enter_room_brothersoo").await;
    b.screenshot("13_enter_room_moistybro").await;

    // 14. brothersoo writes and clicks Send; both see it with the sender's nickname.
    a.type_into("#chat-message-input", "Welcome!").await;
    a.click("#chat-message-submit").await;
    wait_messages(&a, &[("brothersoo", "Welcome!")]).await;
    wait_messages(&b, &[("brothersoo", "Welcome!")]).await;
    assert_eq!(
        a.value("#chat-message-input").await,
        "",
        "the input is emptied"
    );
    a.screenshot("14_chat_scenario1_brothersoo").await;
    b.screenshot("14_chat_scenario1_moistybro").await;

    // 15. moistybro replies with Enter.
    b.type_into("#chat-message-input", &format!("Thanks!{}", Key::Enter))
        .await;
    let both = [("brothersoo", "Welcome!"), ("moistybro", "Thanks!")];
    wait_messages(&a, &both).await;
    wait_messages(&b, &both).await;
    assert!(
        a.is_same_page().await && b.is_same_page().await,
        "no reloads"
    );
    a.screenshot("15_chat_scenario2_brothersoo").await;
    b.screenshot("15_chat_scenario2_moistybro").await;

    a.close().await;
    b.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_shows_korean_labels_when_preferred() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let browser = open_browser(&driver, "korean", KO).await;

    browser.goto(&server.at("/chat/list/")).await;
    browser.wait_path("/chat/list/").await;
    browser.wait_text(".brand", "채팅 목록").await;
    browser.wait_text("#nav-register", "가입하기").await;
    browser.wait_text("#nav-login", "로그인").await;
    browser
        .wait_text("table.rooms th:nth-child(2)", "제목")
        .await;
    let lang = browser
        .js("return document.documentElement.lang;", vec![])
        .await;
    assert_eq!(lang, "ko");
    browser.screenshot("20_korean_chat_list").await;

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_reconnects_and_misses_nothing() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, writer, _) = tokio::join!(
        open_browser(&driver, "reader", EN),
        server.logged_in("writer"),
        server.registered("reader"),
    );
    let room_id = writer.create_room("Stays up").await.id;

    log_in(&browser, &server, "reader@example.com").await;
    browser.goto(&server.at(&format!("/chat/{room_id}/"))).await;
    wait_online(&browser).await;
    browser.mark_page().await;
    let mut socket = RoomSocket::open(&writer, room_id).await;
    socket.send("before the restart").await;
    wait_messages(&browser, &[("writer", "before the restart")]).await;

    // The server goes away: the page says so, and a line typed now waits as pending.
    server.stop().await;
    drop(socket);
    browser.wait_for("#status[data-state=offline]").await;
    browser
        .wait_text("#status", "Connection lost. Reconnecting…")
        .await;
    let offline_line = "typed while the server was down";
    browser
        .type_into(
            "#chat-message-input",
            &format!("{offline_line}{}", Key::Enter),
        )
        .await;
    browser
        .wait_for("#messages li.message:not(.membership).pending")
        .await;
    assert_eq!(count_lines(&browser, offline_line).await, 1);
    browser.screenshot("30_reconnect_offline_pending").await;

    // Back on the same address and database: the page reconnects by itself and resends.
    // Its retries back off up to 10 s (static/common.js), so allow for one full wait.
    server.restart().await;
    browser
        .wait_js_within(
            std::time::Duration::from_secs(25),
            "the page is back online",
            "return document.querySelector('#status').dataset.state === 'online';",
            vec![],
        )
        .await;
    let mut socket = RoomSocket::open(&writer, room_id).await;
    socket.send("after the restart").await;
    socket.wait_for_message(offline_line).await;
    socket.wait_for_message("after the restart").await;

    let expected_bodies = ["before the restart", offline_line, "after the restart"];
    let lines = browser
        .wait_js(
            "the page has every line, none pending",
            "const lines = [...document.querySelectorAll('#messages li.message:not(.membership)')]
                 .map(li => li.querySelector('.body').innerText.trim());
             const pending = document.querySelector('#messages li.pending');
             return lines.length >= 3 && !pending ? lines : null;",
            vec![],
        )
        .await;
    let mut lines: Vec<String> = serde_json::from_value(lines).expect("strings");
    assert_eq!(lines[0], "before the restart", "older lines stay first");
    lines.sort();
    let mut want = expected_bodies.map(str::to_owned).to_vec();
    want.sort();
    assert_eq!(lines, want, "every line exactly once");
    assert!(browser.is_same_page().await, "the page was not reloaded");
    browser.wait_text("#status", "Connected").await;
    browser.screenshot("31_reconnect_back_online").await;

    // The server stored the offline line once: a fresh socket's history agrees.
    let fresh = RoomSocket::open(&writer, room_id).await;
    for body in expected_bodies {
        assert_eq!(fresh.count(body), 1, "{body:?} is stored exactly once");
        assert_eq!(count_lines(&browser, body).await, 1, "{body:?} shown once");
    }
    assert_eq!(socket.count(offline_line), 1, "the writer got it once");

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_room_fits_phone_and_desktop_screens() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, writer, _) = tokio::join!(
        open_browser(&driver, "reader", EN),
        server.logged_in("writer"),
        server.registered("reader"),
    );
    let room_id = writer.create_room("Lunch on Friday").await.id;
    let mut socket = RoomSocket::open(&writer, room_id).await;
    let lines = [
        "Who is in for noodles at 12:30?",
        "The place on the corner has a lunch set, and they take reservations for groups \
         of six or more, so tell me by Thursday evening.",
        "Menu: https://example.com/a/very/long/link/that/should/wrap/instead/of/overflowing",
    ];
    for line in lines {
        socket.send(line).await;
        socket.wait_for_message(line).await;
    }

    log_in(&browser, &server, "reader@example.com").await;
    browser.goto(&server.at(&format!("/chat/{room_id}/"))).await;
    wait_online(&browser).await;
    browser
        .type_into(
            "#chat-message-input",
            &format!("Count me in!{}", Key::Enter),
        )
        .await;
    let mut expected: Vec<(&str, &str)> = lines.iter().map(|l| ("writer", *l)).collect();
    expected.push(("reader", "Count me in!"));
    wait_messages(&browser, &expected).await;

    for (name, width, height, scale, mobile) in [
        ("40_room_phone", 390, 844, 2.0, true),
        ("41_room_desktop", 1280, 800, 1.0, false),
    ] {
        browser.emulate_screen(width, height, scale, mobile).await;
        browser
            .wait_js(
                &format!("the page is laid out {width} wide"),
                "return window.innerWidth === arguments[0];",
                vec![json!(width)],
            )
            .await;
        let fits = browser
            .js(
                "const send = document.querySelector('#chat-message-submit').getBoundingClientRect();
                 const input = document.querySelector('#chat-message-input').getBoundingClientRect();
                 return {
                     overflow: document.documentElement.scrollWidth - window.innerWidth,
                     sendRight: send.right, inputWidth: input.width,
                 };",
                vec![],
            )
            .await;
        assert!(
            fits["overflow"].as_f64() <= Some(0.0),
            "{name}: no sideways scroll: {fits}"
        );
        assert!(
            fits["sendRight"].as_f64() <= Some(f64::from(width)),
            "{name}: Send is on screen: {fits}"
        );
        assert!(
            fits["inputWidth"].as_f64() >= Some(f64::from(width) * 0.4),
            "{name}: the input is wide enough to type in: {fits}"
        );
        assert!(
            browser
                .is_visible("#participants li[data-nickname=writer]")
                .await
        );
        browser.screenshot(name).await;
    }

    browser.close().await;
    server.stop().await;
}
