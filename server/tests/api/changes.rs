//! Edits, deletes, mentions and action lines: room events in the same ordered stream as
//! messages (issue 16), on SQLite and, with `TEST_DATABASE_URL`, Postgres + Redis.

use std::time::Duration;

use chat_shared::{ErrorCode, MessageKind, ServerFrame};
use serde_json::json;

use chat_test_support::{spawn_app, spawn_app_with, welcome_parts, TestApp};

/// Rows of the messages table whose body contains `text`, read straight from the database.
async fn rows_containing(app: &TestApp, text: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM messages WHERE body LIKE '%' || $1 || '%'",
        text,
    )
    .await
}

async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url)
        .await
        .expect("the test database opens");
    let row: (i64,) = sqlx::query_as(sql)
        .bind(bind)
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    row.0
}

#[tokio::test]
async fn an_edit_reaches_everyone_in_order_and_history_shows_the_new_text() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Edits").await;
    let (mut a, _) = alice.join(room.id).await;
    let (mut b, _) = bob.join(room.id).await;
    a.send_message("helo wrld", Some("e1")).await;
    let original = a.next_message().await;
    assert_eq!(b.next_message().await, original);

    a.send_edit(original.id, "hello world").await;
    for socket in [&mut a, &mut b] {
        let (change_id, edited) = socket.next_change().await;
        assert!(
            change_id > original.id,
            "the change has its own place in the stream"
        );
        assert_eq!(edited.id, original.id);
        assert_eq!(edited.body, "hello world");
        assert!(edited.edited_at.is_some(), "marked edited: {edited:?}");
        assert_eq!(edited.sent_at, original.sent_at, "the line keeps its time");
    }
    a.send_message("after the edit", None).await;
    let after = b.next_message().await;

    // A newcomer's history has the line once, with its new text, and no trace of the change.
    let (_, welcome) = app.user("carol").await.join(room.id).await;
    let history = welcome_parts(welcome).3;
    let bodies: Vec<_> = history.iter().map(|m| (m.id, m.body.as_str())).collect();
    assert_eq!(
        bodies,
        [(original.id, "hello world"), (after.id, "after the edit")]
    );
    assert!(history[0].edited_at.is_some());
    assert_eq!(
        rows_containing(&app, "helo wrld").await,
        0,
        "the old text is not kept"
    );
}

#[tokio::test]
async fn a_delete_leaves_a_deleted_line_and_its_text_nowhere_in_the_database() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Deletes").await;
    let (mut a, _) = alice.join(room.id).await;
    let (mut b, _) = bob.join(room.id).await;
    a.send_message("my secret pin is 4711", None).await;
    let line = a.next_message().await;
    a.send_edit(line.id, "my secret pin is 4712").await;
    a.next_change().await;
    a.send_delete(line.id).await;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        seen.push(b.next_change().await);
    }
    let (_, deleted) = &seen[1];
    assert!(deleted.deleted, "{deleted:?}");
    assert_eq!(deleted.body, "");
    assert!(seen[0].0 < seen[1].0, "edit then delete, in stream order");

    let (_, welcome) = bob.join(room.id).await;
    let history = welcome_parts(welcome).3;
    assert_eq!(history.len(), 1);
    assert!(history[0].deleted && history[0].body.is_empty());
    assert_eq!(rows_containing(&app, "secret pin").await, 0);
}

#[tokio::test]
async fn a_resume_carries_the_edits_and_deletes_made_while_away() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Away").await;
    let (mut a, _) = alice.join(room.id).await;
    a.send_message("first", None).await;
    let first = a.next_message().await;
    a.send_message("second", None).await;
    let second = a.next_message().await;

    // Bob saw up to `second`, then went away.
    a.send_edit(first.id, "first, edited").await;
    let (edit_id, _) = a.next_change().await;
    a.send_message("third", None).await;
    let third = a.next_message().await;
    a.send_delete(second.id).await;
    let (delete_id, _) = a.next_change().await;

    let (mut b, welcome) = bob
        .join_path(&format!("/ws/chat/{}/?after={}", room.id, second.id))
        .await;
    let history = welcome_parts(welcome).3;
    assert_eq!(
        history.iter().map(|m| m.id).collect::<Vec<_>>(),
        [third.id],
        "only the line stored while away is new"
    );
    let (got_edit, edited) = b.next_change().await;
    let (got_delete, deleted) = b.next_change().await;
    assert_eq!(
        (got_edit, got_delete),
        (edit_id, delete_id),
        "in stream order"
    );
    assert_eq!(
        (edited.id, edited.body.as_str()),
        (first.id, "first, edited")
    );
    assert_eq!(deleted.id, second.id);
    assert!(deleted.deleted);

    // Resuming after the last change sends nothing again.
    drop(b);
    let (mut b, welcome) = bob
        .join_path(&format!("/ws/chat/{}/?after={delete_id}", room.id))
        .await;
    assert!(welcome_parts(welcome).3.is_empty());
    while let Ok(frame) = tokio::time::timeout(Duration::from_millis(300), b.next_frame()).await {
        assert!(
            !matches!(
                frame,
                ServerFrame::Message(_)
                    | ServerFrame::MessageEdited { .. }
                    | ServerFrame::MessageDeleted { .. }
            ),
            "nothing is sent again: {frame:?}"
        );
    }
}

#[tokio::test]
async fn bad_edits_and_deletes_name_the_message_and_change_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Rules").await;
    let other_room = bob.create_room("Elsewhere").await;
    let (mut a, _) = alice.join(room.id).await;
    let (mut b, _) = bob.join(room.id).await;
    let (mut b_other, _) = bob.join(other_room.id).await;
    a.send_message("alice's words", None).await;
    let alices = b.next_message().await;
    b.send_message("bob's words", None).await;
    let bobs = b.next_message().await;
    b_other.send_message("in another room", None).await;
    let elsewhere = b_other.next_message().await;
    b.send_message("soon gone", None).await;
    let gone = b.next_message().await;
    assert_eq!(
        [&alices.body, &bobs.body, &elsewhere.body, &gone.body],
        [
            "alice's words",
            "bob's words",
            "in another room",
            "soon gone"
        ]
    );
    b.send_delete(gone.id).await;
    b.next_change().await;

    let cases: Vec<(serde_json::Value, ErrorCode, String)> = vec![
        (
            json!({"type": "edit", "id": alices.id, "body": "bob was here"}),
            ErrorCode::Forbidden,
            format!("message {} is someone else's", alices.id),
        ),
        (
            json!({"type": "delete", "id": alices.id}),
            ErrorCode::Forbidden,
            format!("message {} is someone else's", alices.id),
        ),
        (
            json!({"type": "edit", "id": elsewhere.id, "body": "x"}),
            ErrorCode::NotFound,
            format!("message {} is not in this room", elsewhere.id),
        ),
        (
            json!({"type": "edit", "id": 999_999, "body": "x"}),
            ErrorCode::NotFound,
            "message 999999 is not in this room".into(),
        ),
        (
            json!({"type": "edit", "id": gone.id, "body": "back"}),
            ErrorCode::NotFound,
            format!("message {} was deleted", gone.id),
        ),
        (
            json!({"type": "delete", "id": gone.id}),
            ErrorCode::NotFound,
            format!("message {} was deleted", gone.id),
        ),
        (
            json!({"type": "edit", "id": bobs.id, "body": "   "}),
            ErrorCode::Empty,
            format!("message {} was not edited", bobs.id),
        ),
        (
            json!({"type": "edit", "id": bobs.id, "body": "a\u{1b}[2Jb"}),
            ErrorCode::InvalidFrame,
            "U+001B".into(),
        ),
        (
            json!({"type": "edit", "id": bobs.id, "body": "x".repeat(4001)}),
            ErrorCode::TooLong,
            format!("message {} was not edited", bobs.id),
        ),
        (
            json!({"type": "edit", "id": "7", "body": "x"}),
            ErrorCode::InvalidFrame,
            "invalid edit frame".into(),
        ),
    ];
    for (frame, code, says) in cases {
        b.send_json(frame.clone()).await;
        let (got, message) = b.next_error().await;
        assert_eq!(got, code, "{frame}: {message}");
        assert!(
            message.contains(&says),
            "{frame}: {message:?} should say {says:?}"
        );
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM messages WHERE $1 = $1", "").await,
        6,
        "four lines, one delete and bob's join line: no refused change was stored"
    );
    let (_, welcome) = alice.join(room.id).await;
    let history = welcome_parts(welcome).3;
    let now: Vec<_> = history
        .iter()
        .map(|m| (m.body.as_str(), m.edited_at.is_some(), m.deleted))
        .collect();
    assert_eq!(
        now,
        [
            ("alice's words", false, false),
            ("bob's words", false, false),
            ("", false, true)
        ]
    );
}

#[tokio::test]
async fn the_rooms_creator_may_delete_anyones_message_but_not_edit_it() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Mine").await;
    let (mut a, _) = alice.join(room.id).await;
    let (mut b, _) = bob.join(room.id).await;
    b.send_message("spam spam spam", None).await;
    let spam = b.next_message().await;
    a.send_edit(spam.id, "nicer").await;
    assert_eq!(a.next_error().await.0, ErrorCode::Forbidden);
    a.send_delete(spam.id).await;
    let (_, deleted) = b.next_change().await;
    assert!(deleted.deleted && deleted.id == spam.id);
}

#[tokio::test]
async fn settings_turn_deleting_off_and_close_the_edit_window() {
    let app = spawn_app_with(|c| {
        c.allow_delete = false;
        c.edit_window_minutes = 1;
    })
    .await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Strict").await;
    let (mut a, _) = alice.join(room.id).await;
    a.send_message("kept forever", None).await;
    let line = a.next_message().await;
    a.send_delete(line.id).await;
    let (code, message) = a.next_error().await;
    assert_eq!(code, ErrorCode::Forbidden);
    assert!(message.contains("does not allow deleting"), "{message}");

    a.send_edit(line.id, "kept forever, edited").await;
    assert_eq!(a.next_change().await.1.body, "kept forever, edited");

    // Two minutes later (moved back in the database), the one-minute window has closed.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    sqlx::query("UPDATE messages SET sent_at = sent_at - 120000 WHERE id = $1")
        .bind(line.id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    a.send_edit(line.id, "too late").await;
    let (code, message) = a.next_error().await;
    assert_eq!(code, ErrorCode::Forbidden);
    assert!(message.contains("can no longer be edited"), "{message}");
}

#[tokio::test]
async fn the_server_finds_mentions_of_participants_and_keeps_them_through_an_edit() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Mentions").await;
    let (mut a, _) = alice.join(room.id).await;
    let (mut b, welcome) = bob.join(room.id).await;
    let bob_nick = welcome_parts(welcome).1;

    a.send_message(
        &format!("hey @{}, and @nobody", bob_nick.to_uppercase()),
        None,
    )
    .await;
    let line = b.next_message().await;
    assert_eq!(line.mentions, vec![bob_nick.clone()]);
    assert!(line.mentions_nickname(&bob_nick));

    a.send_message(&format!("mail {bob_nick}@example.com"), None)
        .await;
    assert!(
        b.next_message().await.mentions.is_empty(),
        "an address is no mention"
    );

    a.send_edit(line.id, "never mind").await;
    assert!(b.next_change().await.1.mentions.is_empty());
    let (_, welcome) = bob.join(room.id).await;
    assert!(welcome_parts(welcome)
        .3
        .iter()
        .all(|m| m.mentions.is_empty()));
}

#[tokio::test]
async fn an_action_line_is_stored_as_one_and_a_plain_message_keeps_the_base_shape() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Actions").await;
    let (mut a, _) = alice.join(room.id).await;
    a.send_json(json!({"type": "send", "body": "waves", "action": true}))
        .await;
    let action = a.next_message().await;
    assert_eq!(
        (action.kind, action.body.as_str()),
        (MessageKind::Action, "waves")
    );

    a.send_message("plain", None).await;
    let text = a.next_text().await;
    let keys: std::collections::BTreeSet<String> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text)
            .unwrap()
            .keys()
            .cloned()
            .collect();
    assert_eq!(
        keys.into_iter().collect::<Vec<_>>(),
        ["body", "id", "nonce", "room_id", "sender", "sent_at", "type"],
        "a base client sees exactly the base contract's fields: {text}"
    );
    let (_, welcome) = alice.join(room.id).await;
    assert_eq!(welcome_parts(welcome).3[0].kind, MessageKind::Action);
}

/// Each `edit` or `delete` reads the database, so a flood of them (even of lines that do not
/// exist) is refused at the sender's message rate, before any read.
#[tokio::test]
async fn a_flood_of_edits_and_deletes_is_held_to_the_message_rate() {
    let app = spawn_app_with(|c| c.messages_per_second = 2).await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Flood").await;
    let (mut a, _) = alice.join(room.id).await;
    for i in 0..30 {
        if i % 2 == 0 {
            a.send_edit(999_999, "x").await;
        } else {
            a.send_delete(999_999).await;
        }
    }
    let mut codes = Vec::new();
    for _ in 0..30 {
        codes.push(a.next_error().await.0);
    }
    let not_found = codes.iter().filter(|c| **c == ErrorCode::NotFound).count();
    let limited = codes
        .iter()
        .filter(|c| **c == ErrorCode::RateLimited)
        .count();
    assert_eq!(not_found + limited, 30, "{codes:?}");
    assert!(not_found <= 10, "at most the burst was read: {codes:?}");
    assert!(limited >= 20, "{codes:?}");
}

/// What happened while a participant was away stays in the log: a rename and the creator's
/// removal of someone else's line are notice lines, in order, and survive a reload.
#[tokio::test]
async fn a_rename_and_a_removal_by_the_creator_leave_notice_lines() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Before").await;
    let (mut a, welcome) = alice.join(room.id).await;
    let alice_nick = welcome_parts(welcome).1;
    let (mut b, welcome) = bob.join(room.id).await;
    let bob_nick = welcome_parts(welcome).1;
    b.send_message("off topic", None).await;
    let line = a.next_message().await;
    a.send_delete(line.id).await;
    let removal = b
        .next_matching(|f| match f {
            ServerFrame::Message(m) if m.kind == MessageKind::Notice => Some(m),
            _ => None,
        })
        .await;
    assert_eq!(
        removal.body,
        format!("{alice_nick} removed a message by {bob_nick}")
    );
    // Her own lines go without a notice.
    a.send_message("mine", None).await;
    let mine = a
        .next_matching(|f| match f {
            ServerFrame::Message(m) if m.body == "mine" => Some(m),
            _ => None,
        })
        .await;
    a.send_delete(mine.id).await;
    assert_eq!(a.next_change().await.1.id, mine.id);

    let response = alice
        .post_json(&format!("/chat/{}/edit", room.id), &[("title", "After")])
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let renamed = b
        .next_matching(|f| match f {
            ServerFrame::Message(m) if m.kind == MessageKind::Notice => Some(m),
            _ => None,
        })
        .await;
    assert_eq!(
        renamed.body,
        format!("{alice_nick} renamed the room to “After”")
    );

    let (_, welcome) = bob.join(room.id).await;
    let log: Vec<_> = welcome_parts(welcome)
        .3
        .into_iter()
        .map(|m| (m.kind, m.deleted))
        .collect();
    assert_eq!(
        log,
        [
            (MessageKind::Text, true),
            (MessageKind::Notice, false),
            (MessageKind::Text, true),
            (MessageKind::Notice, false)
        ]
    );
}
