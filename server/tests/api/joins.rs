//! Joins and leaves as lines of the room's log (issue 17), for sockets that ask for them with
//! `?events=joins`; every other socket sees the stream as before.

use std::time::Duration;

use chat_shared::{Message, MessageKind};
use reqwest::StatusCode;

use chat_test_support::{spawn_app_with, welcome_parts, Socket, Visitor};

/// Each line as `kind:sender:body` (the body left out of joins and leaves, whose text the
/// clients write), to compare whole logs at once.
fn log(lines: &[Message]) -> Vec<String> {
    lines
        .iter()
        .map(|m| match m.kind {
            MessageKind::Join | MessageKind::Leave => format!("{}:{}", m.kind.as_str(), m.sender),
            _ => format!("{}:{}:{}", m.kind.as_str(), m.sender, m.body),
        })
        .collect()
}

async fn join_with(visitor: &Visitor, room_id: i64, query: &str) -> (Socket, Vec<Message>) {
    let (socket, _, history) = join_as(visitor, room_id, query).await;
    (socket, history)
}

/// [`join_with`], with the nickname the server gave the visitor (the harness makes them unique).
async fn join_as(visitor: &Visitor, room_id: i64, query: &str) -> (Socket, String, Vec<Message>) {
    let (socket, welcome) = visitor
        .join_path(&format!("/ws/chat/{room_id}/{query}"))
        .await;
    let (_, me, _, history, _) = welcome_parts(welcome);
    (socket, me, history)
}

async fn leave(visitor: &Visitor, room_id: i64) {
    let response = visitor
        .post_json(&format!("/chat/{room_id}/leave/"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

/// Enters the room over HTTP (as the room page does), which makes a participant.
async fn enter(visitor: &Visitor, room_id: i64) {
    let response = visitor.get_json(&format!("/chat/{room_id}/")).await;
    assert_eq!(response.status(), StatusCode::OK);
}

const QUIET: Duration = Duration::from_millis(400);

#[tokio::test]
async fn an_opted_in_socket_sees_joins_and_leaves_in_order_live_after_a_reload_and_on_resume() {
    let app = spawn_app_with(|c| c.messages_per_second = 10_000).await;
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    let cy = app.user("cy").await;
    let room = ana.create_room("Arrivals").await;
    let (mut watching, ana_nick, history) = join_as(&ana, room.id, "?events=joins").await;
    assert!(
        history.is_empty(),
        "the creator's own entry is the room's start"
    );
    let (mut base, cy_nick, _) = join_as(&cy, room.id, "").await;

    watching.send_message("hello", None).await;
    let (mut b, bo_nick, _) = join_as(&bo, room.id, "?events=joins").await;
    b.send_message("hi", None).await;
    b.next_matching(|f| match f {
        chat_shared::ServerFrame::Message(m) if m.body == "hi" => Some(()),
        _ => None,
    })
    .await;
    leave(&bo, room.id).await;

    let expected = [
        format!("join:{cy_nick}"),
        format!("text:{ana_nick}:hello"),
        format!("join:{bo_nick}"),
        format!("text:{bo_nick}:hi"),
        format!("leave:{bo_nick}"),
    ];
    let live = watching.messages_until_quiet(QUIET).await;
    assert_eq!(log(&live), expected, "live, in order with the messages");
    assert_eq!(
        log(&base.messages_until_quiet(QUIET).await),
        [expected[1].clone(), expected[3].clone()],
        "a socket that did not ask sees no join or leave"
    );

    let (_reloaded, history) = join_with(&ana, room.id, "?events=joins").await;
    assert_eq!(log(&history), expected, "a reload keeps them");

    let hello = live[1].id;
    let (mut resumed, history) =
        join_with(&ana, room.id, &format!("?after={hello}&events=joins")).await;
    let mut resumed_log = log(&history);
    resumed_log.extend(log(&resumed.messages_until_quiet(QUIET).await));
    assert_eq!(resumed_log, expected[2..], "a resume carries them");

    let (mut base_resumed, history) = join_with(&cy, room.id, &format!("?after={hello}")).await;
    let mut base_log = log(&history);
    base_log.extend(log(&base_resumed.messages_until_quiet(QUIET).await));
    assert_eq!(base_log, [expected[3].clone()], "a base resume skips them");
}

/// Joins at once share the send queue's writes, and each waits for its own: every joiner's
/// welcome (opted in) already holds their join line, and the log holds each line once.
#[tokio::test]
async fn joins_at_once_each_find_their_own_line_in_their_welcome() {
    let app = spawn_app_with(|_| {}).await;
    let ana = app.user("ana").await;
    let room = ana.create_room("Crowd").await;
    let mut visitors = Vec::new();
    for i in 0..12 {
        visitors.push(app.user(&format!("crowd{i}")).await);
    }

    let joined = futures_util::future::join_all(
        visitors
            .iter()
            .map(|visitor| join_as(visitor, room.id, "?events=joins")),
    )
    .await;

    let mut nicknames = Vec::new();
    for (_socket, me, history) in &joined {
        assert!(
            history
                .iter()
                .any(|m| m.kind == MessageKind::Join && &m.sender == me),
            "{me}'s welcome holds their join line: {:?}",
            log(history)
        );
        nicknames.push(format!("join:{me}"));
    }
    let (_, history) = join_with(&ana, room.id, "?events=joins").await;
    let mut stored = log(&history);
    stored.sort();
    nicknames.sort();
    assert_eq!(stored, nicknames, "each join stored once");
}

#[tokio::test]
async fn a_ban_is_a_leave_line_after_its_notice() {
    let app = spawn_app_with(|_| {}).await;
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    let room = ana.create_room("Kept").await;
    let (_bo_socket, bo_nick, _) = join_as(&bo, room.id, "").await;
    let (mut watching, ana_nick, _) = join_as(&ana, room.id, "?events=joins").await;

    let response = ana
        .post_json(
            &format!("/chat/{}/ban/", room.id),
            &[("nickname", &bo_nick)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let live = watching.messages_until_quiet(QUIET).await;
    assert_eq!(
        log(&live),
        [
            format!("notice:{ana_nick}:{ana_nick} banned {bo_nick} from the room"),
            format!("leave:{bo_nick}")
        ]
    );
}

#[tokio::test]
async fn a_join_storm_leaves_a_base_welcome_and_history_full_of_messages() {
    let app = spawn_app_with(|c| c.messages_per_second = 10_000).await;
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    let room = ana.create_room("Busy").await;
    let (mut a, _) = join_with(&ana, room.id, "").await;
    for i in 1..=50 {
        a.send_message(&format!("before {i}"), None).await;
    }
    assert_eq!(a.messages_until_quiet(QUIET).await.len(), 50);
    // 60 lines of comings and goings.
    for _ in 0..30 {
        enter(&bo, room.id).await;
        leave(&bo, room.id).await;
    }
    for i in 1..=10 {
        a.send_message(&format!("after {i}"), None).await;
    }
    assert_eq!(a.messages_until_quiet(QUIET).await.len(), 10);

    let (mut base, welcome) = ana.join(room.id).await;
    let (_, _, _, history, has_more) = welcome_parts(welcome);
    assert_eq!(
        history.len(),
        50,
        "a full page, joins left out in the query"
    );
    assert!(history.iter().all(|m| m.kind == MessageKind::Text));
    assert_eq!(history[0].body, "before 11");
    assert_eq!(history[49].body, "after 10");
    assert!(has_more);

    base.send_json(serde_json::json!({"type": "history", "before": history[0].id, "limit": 20}))
        .await;
    let (older, has_more) = base
        .next_matching(|f| match f {
            chat_shared::ServerFrame::History {
                messages, has_more, ..
            } => Some((messages, has_more)),
            _ => None,
        })
        .await;
    assert_eq!(older.len(), 10);
    assert_eq!(older[0].body, "before 1");
    assert!(!has_more);

    let (_, welcome) = ana
        .join_path(&format!("/ws/chat/{}/?events=joins", room.id))
        .await;
    let (_, _, _, history, _) = welcome_parts(welcome);
    assert_eq!(history.len(), 50);
    assert_eq!(
        history.iter().filter(|m| m.kind.is_membership()).count(),
        40,
        "an opted-in welcome's page holds the latest lines of every kind"
    );
}

#[tokio::test]
async fn a_join_line_cannot_be_edited_or_deleted() {
    let app = spawn_app_with(|_| {}).await;
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    let room = ana.create_room("Fixed").await;
    let (_bo_socket, bo_nick, history) = join_as(&bo, room.id, "?events=joins").await;
    let join = history.last().expect("bo's join line").id;
    let (mut b, _) = join_with(&bo, room.id, "").await;

    b.send_edit(join, "changed").await;
    let (code, message) = b.next_error().await;
    assert_eq!(code, chat_shared::ErrorCode::Forbidden, "{message}");
    b.send_delete(join).await;
    let (code, _) = b.next_error().await;
    assert_eq!(code, chat_shared::ErrorCode::Forbidden);

    let (_, history) = join_with(&bo, room.id, "?events=joins").await;
    assert_eq!(
        log(&history),
        [format!("join:{bo_nick}")],
        "nothing was stored or changed"
    );
}
