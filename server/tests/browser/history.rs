//! The room's log as it grows upwards and across days: older pages come back in order as the
//! reader scrolls up, and each day's messages sit under a line naming the day.

use std::time::Duration;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::room_socket::RoomSocket;
use crate::steps::{driver, enter_room, log_in, open_browser, EN};
use chat_test_support::browser::Browser;
use chat_test_support::spawn_app_on;

/// Scrolls the log to the top until the page has no older page left to load, and returns
/// every body shown, top to bottom. Scrolling is what loads older pages (room.js), so each
/// look scrolls again.
async fn scroll_to_the_first_line(b: &Browser, expected_lines: usize) -> Vec<String> {
    let lines = b
        .wait_js_within(
            Duration::from_secs(30),
            &format!("all {expected_lines} lines are shown after scrolling up"),
            "const log = document.getElementById('chat-log');
             log.scrollTop = 0;
             const lines = [...document.querySelectorAll('#messages li.message:not(.membership) .body')]
                 .map(e => e.innerText);
             const done = document.getElementById('load-older').hidden;
             return done && lines.length >= arguments[0] ? lines : null;",
            vec![json!(expected_lines)],
        )
        .await;
    serde_json::from_value(lines).expect("a list of bodies")
}

#[tokio::test(flavor = "multi_thread")]
async fn scrolling_up_brings_back_every_older_line_once_in_order() {
    let Some(driver) = driver().await else { return };
    // 120 lines at once is past the default rate for one user; this test is about paging.
    let mut server = spawn_app_on(|c| c.messages_per_second = 1000).await;
    let (browser, writer, _) = tokio::join!(
        open_browser(&driver, "reader", EN),
        server.logged_in("writer"),
        server.registered("reader"),
    );
    let room_id = writer.create_room("A long story").await.id;
    let mut socket = RoomSocket::open(&writer, room_id).await;
    let lines: Vec<String> = (1..=120).map(|n| format!("line {n}")).collect();
    for line in &lines {
        socket.send(line).await;
    }
    socket.wait_for_message("line 120").await;

    log_in(&browser, &server, "reader@example.com").await;
    enter_room(&browser, &server, room_id).await;
    browser
        .wait_js(
            "the latest 50 lines are shown (49 messages and the reader's own join line)",
            "return document.querySelectorAll('#messages li.message').length === 50
                 && document.querySelectorAll('#messages li.membership').length === 1;",
            vec![],
        )
        .await;
    let shown = scroll_to_the_first_line(&browser, lines.len()).await;
    assert_eq!(shown, lines, "every line once, oldest at the top");
    browser.screenshot("50_history_first_line").await;

    browser.close().await;
    server.stop().await;
}

/// Stores messages from `sender` with chosen times, as the server would have stored them on
/// earlier days. Only while the server is stopped: it numbers new messages after the last
/// stored ones when it starts.
async fn insert_history(
    database_url: &str,
    room_id: i64,
    sender: &str,
    rows: &[(DateTime<Utc>, String)],
) {
    let pool = sqlx::SqlitePool::connect(database_url)
        .await
        .expect("the test's SQLite file opens");
    let sender_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE nickname = ?")
        .bind(sender)
        .fetch_one(&pool)
        .await
        .expect("the sender is registered");
    for (seq, (sent_at, body)) in (1_i64..).zip(rows) {
        sqlx::query(
            "INSERT INTO messages (room_id, seq, sender_id, body, sent_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(room_id)
        .bind(seq)
        .bind(sender_id)
        .bind(body)
        .bind(sent_at.timestamp_millis())
        .execute(&pool)
        .await
        .expect("a message row is stored");
    }
    pool.close().await;
}

/// The log as the reader sees it: `["day", key, label]` for a day line, `["message", body]`.
async fn log_layout(b: &Browser) -> Vec<Value> {
    let layout = b
        .js(
            "return [...document.getElementById('messages').children]
               .filter(li => !li.classList.contains('membership')).map(li =>
                 li.classList.contains('day')
                     ? ['day', li.dataset.day, li.innerText.trim()]
                     : ['message', li.querySelector('.body').innerText]);",
            vec![],
        )
        .await;
    serde_json::from_value(layout).expect("a list")
}

fn day_line(day: NaiveDate, label: &str) -> Value {
    json!(["day", day.format("%Y-%m-%d").to_string(), label])
}

fn message_lines(bodies: &[String]) -> impl Iterator<Item = Value> + '_ {
    bodies.iter().map(|body| json!(["message", body]))
}

#[tokio::test(flavor = "multi_thread")]
async fn each_day_has_its_own_line_and_a_time_shows_its_full_date_on_hover() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, writer, _) = tokio::join!(
        open_browser(&driver, "reader", EN),
        server.logged_in("writer"),
        server.registered("reader"),
    );
    let room_id = writer.create_room("Since the weekend").await.id;

    // The reader is in Seoul (no daylight saving time, so days are exactly 24 hours there).
    let seoul = FixedOffset::east_opt(9 * 3600).expect("a valid offset");
    let today = Utc::now().with_timezone(&seoul).date_naive();
    let yesterday = today - Days::new(1);
    let earlier = today - Days::new(3);
    let at_noon_plus = |day: NaiveDate, minutes: u32| {
        day.and_hms_opt(12, minutes, 0)
            .expect("a valid time")
            .and_local_timezone(seoul)
            .single()
            .expect("one instant")
            .with_timezone(&Utc)
    };
    let earlier_bodies: Vec<String> = (1..=40).map(|n| format!("earlier {n}")).collect();
    let yesterday_bodies: Vec<String> = (1..=20).map(|n| format!("yesterday {n}")).collect();
    let rows: Vec<(DateTime<Utc>, String)> = (1..)
        .zip(&earlier_bodies)
        .map(|(m, b)| (at_noon_plus(earlier, m), b.clone()))
        .chain(
            (1..)
                .zip(&yesterday_bodies)
                .map(|(m, b)| (at_noon_plus(yesterday, m), b.clone())),
        )
        .collect();
    server.stop().await;
    insert_history(&server.database_url, room_id, "writer", &rows).await;
    server.restart().await;

    browser.emulate_time_zone("Asia/Seoul").await;
    log_in(&browser, &server, "reader@example.com").await;
    enter_room(&browser, &server, room_id).await;
    // A live message today, after yesterday's: the day changes between two messages.
    let mut socket = RoomSocket::open(&writer, room_id).await;
    socket.send("today 1").await;
    browser
        .wait_js(
            "today's message is shown",
            "return [...document.querySelectorAll('#messages li.message:not(.membership) .body')]
                 .some(e => e.innerText === 'today 1');",
            vec![],
        )
        .await;

    // The welcome's 50: the last 29 of the earlier day, then yesterday's 20, then today's and
    // the reader's own join line (a line of the log too, not listed here).
    let earlier_label = earlier.format("%A, %B %-d, %Y").to_string();
    let mut expected = vec![day_line(earlier, &earlier_label)];
    expected.extend(message_lines(&earlier_bodies[11..]));
    expected.push(day_line(yesterday, "Yesterday"));
    expected.extend(message_lines(&yesterday_bodies));
    expected.push(day_line(today, "Today"));
    expected.extend(message_lines(&["today 1".to_owned()]));
    assert_eq!(log_layout(&browser).await, expected, "days after entering");
    browser.screenshot("51_history_day_lines").await;

    // The older page goes under the same day line, which moves to the top, once.
    scroll_to_the_first_line(&browser, 61).await;
    let mut expected = vec![day_line(earlier, &earlier_label)];
    expected.extend(message_lines(&earlier_bodies));
    expected.push(day_line(yesterday, "Yesterday"));
    expected.extend(message_lines(&yesterday_bodies));
    expected.push(day_line(today, "Today"));
    expected.extend(message_lines(&["today 1".to_owned()]));
    assert_eq!(
        log_layout(&browser).await,
        expected,
        "days after scrolling up"
    );

    // The time shows the hour; hovering it (its title) shows the whole date too.
    let first_time = browser
        .js(
            "const t = document.querySelector('#messages li.message:not(.membership) time');
             return [t.innerText.trim(), t.title];",
            vec![],
        )
        .await;
    let (shown, title) = (first_time[0].as_str(), first_time[1].as_str().unwrap_or(""));
    assert_eq!(shown, Some("12:01 PM"), "the time alone in the log");
    for part in [
        earlier.format("%A").to_string(),
        earlier.format("%B %-d, %Y").to_string(),
        "12:01".to_owned(),
    ] {
        assert!(title.contains(&part), "the title {title:?} has {part:?}");
    }

    browser.close().await;
    server.stop().await;
}

/// Issue 18: bodies may hold bidi controls (Arabic and Hebrew need them), so each body and
/// name is isolated: a right-to-left override in a body, or a Hebrew nickname, reorders
/// nothing around it. The time, the name and the body stay left to right in that order.
#[tokio::test(flavor = "multi_thread")]
async fn right_to_left_text_cannot_reorder_the_time_or_the_name() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, _) = tokio::join!(
        open_browser(&driver, "reader", EN),
        server.registered("reader"),
    );
    // A Hebrew nickname: right-to-left text right before the separator and the body.
    let mut writer = server.visitor();
    writer
        .api_register("writer@example.com", "\u{05e9}\u{05dc}\u{05d5}\u{05dd}")
        .await;
    writer.api_login("writer@example.com").await;
    writer.nickname = "\u{05e9}\u{05dc}\u{05d5}\u{05dd}".into();
    let room_id = writer.create_room("Directions").await.id;
    let mut socket = RoomSocket::open(&writer, room_id).await;
    socket
        .send("\u{202E}txt.exe 123 \u{05e2}\u{05d1}\u{05e8}\u{05d9}\u{05ea}")
        .await;
    socket
        .wait_for_message("\u{202E}txt.exe 123 \u{05e2}\u{05d1}\u{05e8}\u{05d9}\u{05ea}")
        .await;

    log_in(&browser, &server, "reader@example.com").await;
    enter_room(&browser, &server, room_id).await;
    let layout = browser
        .wait_js(
            "the message is shown",
            "const li = document.querySelector('#messages li.message:not(.membership)');
             if (!li) return null;
             const box = (sel) => li.querySelector(sel).getBoundingClientRect();
             const style = (sel) => getComputedStyle(li.querySelector(sel)).unicodeBidi;
             return [style('.nick'), style('.body'),
                     box('time').right <= box('.nick').left + 1,
                     box('.nick').right <= box('.sep').left + 1,
                     box('.sep').right <= box('.body').left + 1];",
            vec![],
        )
        .await;
    assert_eq!(
        layout,
        json!(["isolate", "isolate", true, true, true]),
        "time, name, separator and body in reading order"
    );

    browser.close().await;
    server.stop().await;
}
