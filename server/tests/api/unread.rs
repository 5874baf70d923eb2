//! Read markers and unread counts (issue 17): the `read` frame, the marker in the welcome, the
//! counts in the room list (JSON and lobby), on SQLite and, with `TEST_DATABASE_URL`, Postgres.

use std::time::Duration;

use chat_shared::{ErrorCode, ServerFrame};
use serde_json::json;

use chat_test_support::{spawn_app, spawn_app_with, Socket, TestApp, Visitor};

/// Longer than the server's interval between two stored reads of one socket.
const READ_GAP: Duration = Duration::from_millis(150);

/// The user's read marker in the room, straight from the database.
async fn marker(app: &TestApp, user: &Visitor, room_id: i64) -> Option<i64> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url)
        .await
        .expect("the test database opens");
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT r.up_to FROM read_markers r JOIN users u ON u.id = r.user_id \
         WHERE u.nickname = $1 AND r.room_id = $2",
    )
    .bind(&user.nickname)
    .bind(room_id)
    .fetch_optional(&pool)
    .await
    .expect("marker query");
    pool.close().await;
    row.map(|r| r.0)
}

/// Sends `body` on `socket` and returns its id once it is stored.
async fn say(socket: &mut Socket, body: &str) -> i64 {
    socket.send_message(body, None).await;
    socket
        .next_matching(|f| match f {
            ServerFrame::Message(m) if m.body == body => Some(m.id),
            _ => None,
        })
        .await
}

fn read_up_to(welcome: ServerFrame) -> Option<i64> {
    match welcome {
        ServerFrame::Welcome { read_up_to, .. } => read_up_to,
        other => panic!("not a welcome: {other:?}"),
    }
}

#[tokio::test]
async fn a_marker_moves_forward_only_and_reaches_the_users_other_sockets() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Markers").await;
    let (mut bob_phone, welcome) = bob.join(room.id).await;
    let joined_at = read_up_to(welcome);
    let (mut bob_desk, _) = bob.join(room.id).await;
    let (mut a, _) = alice.join(room.id).await;
    let first = say(&mut a, "one").await;
    let second = say(&mut a, "two").await;
    let _third = say(&mut a, "three").await;

    bob_phone.send_read(second).await;
    let told = bob_desk
        .next_matching(|f| match f {
            ServerFrame::Read { up_to } => Some(up_to),
            _ => None,
        })
        .await;
    assert_eq!(told, second, "bob's other socket learns the marker");
    assert_eq!(marker(&app, &bob, room.id).await, Some(second));

    // Going back is ignored: the marker stays where it is, and nobody is told.
    tokio::time::sleep(READ_GAP).await;
    bob_phone.send_read(first).await;
    assert!(
        !bob_desk
            .next_matching_within(Duration::from_millis(400), |f| matches!(
                f,
                ServerFrame::Read { .. }
            ))
            .await,
        "no read frame for a marker that did not move"
    );
    assert_eq!(marker(&app, &bob, room.id).await, Some(second));

    let (_, welcome) = bob.join(room.id).await;
    assert_eq!(
        read_up_to(welcome),
        Some(second),
        "a new socket starts there"
    );
    assert!(joined_at.is_some(), "a participant always has a marker");
    // Alice was never told: reads are private.
    assert!(
        !a.next_matching_within(Duration::from_millis(300), |f| matches!(
            f,
            ServerFrame::Read { .. }
        ))
        .await
    );
}

#[tokio::test]
async fn counts_leave_out_own_lines_notices_and_deleted_ones() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Counting").await;
    let (mut b, _) = bob.join(room.id).await;
    let (mut a, _) = alice.join(room.id).await;
    let _kept = say(&mut a, "kept").await;
    let gone = say(&mut a, "gone").await;
    a.send_json(json!({"type": "send", "body": "waves", "action": true}))
        .await;
    a.next_message().await;
    a.send_delete(gone).await;
    a.next_change().await;
    say(&mut b, "bob's own line").await;
    // A rename stores a notice line: not unread.
    alice
        .post_json(&format!("/chat/{}/edit/", room.id), &[("title", "Counted")])
        .await;

    let listed = bob.listed_room(room.id).await;
    assert_eq!(
        (listed.unread, listed.mentioned),
        (2, false),
        "\"kept\" and the action; not the deleted line, the notice or bob's own"
    );
    let listed = alice.listed_room(room.id).await;
    assert_eq!(listed.unread, 1, "alice has bob's line unread");

    // Anonymous visitors get the base shape: no unread fields at all.
    let anonymous: serde_json::Value = app
        .visitor()
        .get_json("/chat/list/")
        .await
        .json()
        .await
        .unwrap();
    let row = &anonymous["rooms"][0];
    assert!(
        row.get("unread").is_none() && row.get("mentioned").is_none(),
        "{row}"
    );
}

#[tokio::test]
async fn a_mention_is_flagged_until_read_and_a_read_room_lists_no_count() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Mentions").await;
    let (mut b, _) = bob.join(room.id).await;
    let (mut a, _) = alice.join(room.id).await;
    say(&mut a, "plain").await;
    let mention = say(&mut a, &format!("hey @{}", bob.nickname)).await;
    b.next_matching(|f| matches!(f, ServerFrame::Message(m) if m.id == mention).then_some(()))
        .await;

    let listed = bob.listed_room(room.id).await;
    assert_eq!((listed.unread, listed.mentioned), (2, true));

    b.send_read(mention).await;
    b.next_matching(|f| matches!(f, ServerFrame::Read { .. }).then_some(()))
        .await;
    let body: serde_json::Value = bob.get_json("/chat/list/").await.json().await.unwrap();
    let row = body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == room.id)
        .unwrap()
        .clone();
    assert!(
        row.get("unread").is_none() && row.get("mentioned").is_none(),
        "read: the row has the base shape again: {row}"
    );
}

#[tokio::test]
async fn a_new_participant_starts_with_nothing_unread() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Old news").await;
    let (mut a, _) = alice.join(room.id).await;
    say(&mut a, "before carol").await;
    let carol = app.user("carol").await;
    let (_c, welcome) = carol.join(room.id).await;
    let last = say(&mut a, "after carol").await;
    assert!(read_up_to(welcome).is_some_and(|m| m < last));
    assert_eq!(
        carol.listed_room(room.id).await.unread,
        1,
        "only what came after"
    );
}

#[tokio::test]
async fn the_lobby_of_a_logged_in_user_counts_live_and_clears_on_read() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Live").await;
    let (mut b, _) = bob.join(room.id).await;
    let (mut a, _) = alice.join(room.id).await;
    let first = say(&mut a, "first").await;

    let (mut lobby, rooms) = bob.lobby().await;
    let listed = rooms.iter().find(|r| r.id == room.id).unwrap();
    assert_eq!(listed.unread, 1, "the first frame carries the count");

    say(&mut a, &format!("@{} look", bob.nickname)).await;
    assert_eq!(lobby.next_unread(room.id).await, (2, true));

    let last = b
        .next_matching(|f| match f {
            ServerFrame::Message(m) if m.body.ends_with("look") => Some(m.id),
            _ => None,
        })
        .await;
    assert!(last > first);
    let started = std::time::Instant::now();
    b.send_read(last).await;
    assert_eq!(lobby.next_unread(room.id).await, (0, false));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "cleared within a second: {:?}",
        started.elapsed()
    );

    // Someone else's lobby hears nothing of bob's counts.
    let (mut carols, rooms) = app.user("carol").await.lobby().await;
    assert!(rooms.iter().all(|r| r.unread == 0));
    say(&mut a, "more").await;
    assert!(carols.stays_quiet(Duration::from_millis(600)).await);
}

#[tokio::test]
async fn bad_read_frames_are_refused_with_a_reason_and_store_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Here").await;
    let elsewhere = alice.create_room("Elsewhere").await;
    let (mut a, _) = alice.join(room.id).await;
    let (mut other, _) = alice.join(elsewhere.id).await;
    let (mut b, _) = bob.join(room.id).await;
    say(&mut a, "here").await;
    let foreign = say(&mut other, "in the other room").await;
    let before = marker(&app, &bob, room.id).await;

    for (frame, code, says) in [
        (
            json!({"type": "read", "up_to": -5}),
            ErrorCode::InvalidFrame,
            "up_to must be the id",
        ),
        (
            json!({"type": "read", "up_to": 0}),
            ErrorCode::InvalidFrame,
            "up_to must be the id",
        ),
        (
            json!({"type": "read", "up_to": "7"}),
            ErrorCode::InvalidFrame,
            "up_to must be the id",
        ),
        (
            json!({"type": "read", "up_to": 1e30}),
            ErrorCode::InvalidFrame,
            "up_to must be the id",
        ),
        (
            json!({"type": "read"}),
            ErrorCode::InvalidFrame,
            "up_to must be the id",
        ),
        (
            json!({"type": "read", "up_to": foreign}),
            ErrorCode::NotFound,
            "is not in this room",
        ),
        (
            json!({"type": "read", "up_to": i64::MAX}),
            ErrorCode::NotFound,
            "is not in this room",
        ),
    ] {
        tokio::time::sleep(READ_GAP).await;
        b.send_json(frame.clone()).await;
        let (got, message) = b.next_error().await;
        assert_eq!(got, code, "{frame}: {message}");
        assert!(message.contains(says), "{frame}: {message}");
        assert_eq!(
            marker(&app, &bob, room.id).await,
            before,
            "{frame} stored nothing"
        );
    }
    assert_eq!(bob.listed_room(room.id).await.unread, 1);
}

#[tokio::test]
async fn reads_faster_than_the_interval_are_refused_with_the_wait() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = alice.create_room("Fast").await;
    let (mut a, _) = alice.join(room.id).await;
    let one = say(&mut a, "one").await;
    let two = say(&mut a, "two").await;
    a.send_read(one).await;
    a.send_read(two).await;
    let (code, message) = a.next_error().await;
    assert_eq!(code, ErrorCode::RateLimited, "{message}");
    assert_eq!(marker(&app, &alice, room.id).await, Some(one));
}

#[tokio::test]
async fn counts_stop_at_the_cap() {
    let app = spawn_app_with(|c| c.messages_per_second = 100_000).await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = alice.create_room("Busy").await;
    let _ = bob.join(room.id).await;
    let (mut a, _) = alice.join(room.id).await;
    let cap = chat_shared::limits::UNREAD_CAP as usize;
    for n in 0..=cap {
        a.send_message(&format!("line {n}"), Some(&format!("n{n}")))
            .await;
    }
    let mut acked = 0;
    while acked <= cap {
        a.next_message().await;
        acked += 1;
    }
    assert_eq!(
        bob.listed_room(room.id).await.unread,
        chat_shared::limits::UNREAD_CAP
    );
    assert_eq!(
        chat_shared::limits::unread_label(chat_shared::limits::UNREAD_CAP),
        "999+"
    );
}

#[tokio::test]
async fn a_logged_in_lobby_socket_closes_at_logout_and_stops_counting() {
    let app = spawn_app().await;
    let bob = app.user("bob").await;
    let (mut lobby, _) = bob.lobby().await;
    let (mut anonymous, _) = app.visitor().lobby().await;
    bob.post_form("/accounts/logout/", &[]).await;
    assert_eq!(lobby.closed().await, Some(chat_shared::close::LOGGED_OUT));
    assert!(
        anonymous.stays_quiet(Duration::from_millis(300)).await,
        "an anonymous lobby stays open"
    );
}
