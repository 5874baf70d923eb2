//! Big rooms (issue 19, `docs/protocol.md` "Big rooms"): a welcome that lists one page of
//! participants, a frame to page through the rest, and counts instead of one frame per join,
//! leave and presence once the room has more participants than a page. The tests lower the
//! page to 3 (`PARTICIPANT_PAGE`), so five users make a big room.

use std::time::Duration;

use chat_shared::{ErrorCode, Participant, ServerFrame};
use reqwest::StatusCode;
use serde_json::json;

use chat_test_support::{headcounts, spawn_app_with, Socket, TestApp, Visitor};

const PAGE: u32 = 3;

async fn big_room_app() -> TestApp {
    spawn_app_with(|c| c.participant_page = PAGE).await
}

/// Enters the room over HTTP (as the room page does): a participant, not online.
async fn enter(visitor: &Visitor, room_id: i64) {
    let response = visitor.get_json(&format!("/chat/{room_id}/")).await;
    assert_eq!(response.status(), StatusCode::OK);
}

struct Welcome {
    participants: Vec<Participant>,
    total: i64,
    online: Option<u32>,
    more: bool,
}

async fn join(visitor: &Visitor, room_id: i64, query: &str) -> (Socket, Welcome) {
    let (socket, frame) = visitor
        .join_path(&format!("/ws/chat/{room_id}/{query}"))
        .await;
    match frame {
        ServerFrame::Welcome {
            room,
            participants,
            online_count,
            participants_more,
            ..
        } => (
            socket,
            Welcome {
                participants,
                total: room.participant_count,
                online: online_count,
                more: participants_more,
            },
        ),
        other => panic!("not a welcome: {other:?}"),
    }
}

async fn page(socket: &mut Socket, offset: u32, limit: u32) -> (Vec<Participant>, u32, u32, bool) {
    socket
        .send_json(json!({"type": "participants", "offset": offset, "limit": limit}))
        .await;
    socket
        .next_matching(|f| match f {
            ServerFrame::ParticipantPage {
                offset: got,
                participants,
                total,
                online,
                has_more,
            } => {
                assert_eq!(got, offset, "the answer names its offset");
                Some((participants, total, online, has_more))
            }
            _ => None,
        })
        .await
}

fn nicknames(participants: &[Participant]) -> Vec<&str> {
    participants.iter().map(|p| p.nickname.as_str()).collect()
}

#[tokio::test]
async fn a_big_room_welcomes_with_one_page_online_first_and_pages_through_the_rest() {
    let app = big_room_app().await;
    let ana = app.user("ana").await;
    let room = ana.create_room("Stadium").await;
    let mut others = Vec::new();
    for name in ["bo", "cy", "di", "eve"] {
        let visitor = app.user(name).await;
        enter(&visitor, room.id).await;
        others.push(visitor);
    }
    // eve is online too; she joined last, so only "online first" puts her on the first page.
    let (_eve_socket, _) = join(&others[3], room.id, "").await;
    let (mut socket, welcome) = join(&ana, room.id, "").await;

    assert_eq!(welcome.total, 5, "room.participant_count is the total");
    assert_eq!(welcome.online, Some(2));
    assert!(welcome.more, "5 participants, a page of 3");
    let first = &welcome.participants;
    assert_eq!(first.len(), PAGE as usize);
    assert!(first[0].online && first[1].online && !first[2].online);
    assert!(
        nicknames(&first[..2]).iter().any(|n| n.starts_with("eve")),
        "{first:?}"
    );

    let (rest, total, online_now, has_more) = page(&mut socket, PAGE, PAGE).await;
    assert_eq!((total, online_now, has_more), (5, 2, false));
    assert_eq!(rest.len(), 2);
    let mut everyone: Vec<&str> = nicknames(first);
    everyone.extend(nicknames(&rest));
    everyone.sort_unstable();
    everyone.dedup();
    assert_eq!(everyone.len(), 5, "each participant once: {everyone:?}");

    let (past_the_end, total, _, has_more) = page(&mut socket, 50, PAGE).await;
    assert!(past_the_end.is_empty() && !has_more && total == 5);

    for limit in [0, 201] {
        socket
            .send_json(json!({"type": "participants", "offset": 0, "limit": limit}))
            .await;
        let (code, message) = socket.next_error().await;
        assert_eq!(code, ErrorCode::InvalidLimit);
        assert!(message.contains("between 1 and 200"), "{message}");
    }
    let (_, frame) = ana.join(room.id).await;
    assert!(matches!(frame, ServerFrame::Welcome { .. }), "still served");
}

#[tokio::test]
async fn a_small_room_lists_everyone_as_before() {
    let app = big_room_app().await;
    let ana = app.user("ana").await;
    let room = ana.create_room("Kitchen").await;
    let bo = app.user("bo").await;
    enter(&bo, room.id).await;
    let (_, welcome) = join(&ana, room.id, "").await;
    assert_eq!(welcome.participants.len(), 2);
    assert_eq!(
        (welcome.total, welcome.online, welcome.more),
        (2, Some(1), false)
    );
}

/// The frames a socket gets until it has been quiet for a while.
async fn frames_until_quiet(socket: &mut Socket) -> Vec<ServerFrame> {
    let mut frames = Vec::new();
    while let Ok(frame) =
        tokio::time::timeout(Duration::from_millis(1500), socket.next_frame()).await
    {
        frames.push(frame);
    }
    frames
}

#[tokio::test]
async fn a_big_room_counts_joins_leaves_and_presence_instead_of_listing_them() {
    let app = big_room_app().await;
    let ana = app.user("ana").await;
    let room = ana.create_room("Arena").await;
    let bo = app.user("bo").await;
    let cy = app.user("cy").await;
    enter(&bo, room.id).await;
    enter(&cy, room.id).await;
    let (mut watching, welcome) = join(&ana, room.id, "?events=joins").await;
    assert_eq!(welcome.total, 3, "a page's worth: still a small room");
    // Ana's own arrival, listed: the room is not big yet.
    let frames = frames_until_quiet(&mut watching).await;
    assert!(
        frames
            .iter()
            .all(|f| matches!(f, ServerFrame::Presence { online: true, .. })),
        "{frames:?}"
    );

    // The fourth participant makes it big: from then on, counts only.
    let di = app.user("di").await;
    let (di_socket, _) = join(&di, room.id, "").await;
    let frames = frames_until_quiet(&mut watching).await;
    let listed: Vec<&ServerFrame> = frames
        .iter()
        .filter(|f| {
            matches!(
                f,
                ServerFrame::Participant { .. }
                    | ServerFrame::Presence { .. }
                    | ServerFrame::ParticipantLeft { .. }
            )
        })
        .collect();
    assert!(listed.is_empty(), "a big room lists no one: {listed:?}");
    let joined_lines: Vec<_> = frames
        .iter()
        .filter(|f| matches!(f, ServerFrame::Message(m) if m.kind.is_membership()))
        .collect();
    assert!(
        joined_lines.is_empty(),
        "no join line in a big room: {joined_lines:?}"
    );
    let last_count = headcounts(&frames).last().copied();
    assert_eq!(
        last_count,
        Some((4, 2)),
        "di joined and is online: {frames:?}"
    );

    // Gone offline, then gone.
    drop(di_socket);
    let frames = frames_until_quiet(&mut watching).await;
    assert!(headcounts(&frames).contains(&(4, 1)), "{frames:?}");
    let response = di
        .post_json(&format!("/chat/{}/leave/", room.id), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let frames = frames_until_quiet(&mut watching).await;
    assert!(headcounts(&frames).contains(&(3, 1)), "{frames:?}");
    assert!(
        !frames
            .iter()
            .any(|f| matches!(f, ServerFrame::Message(m) if m.kind.is_membership())),
        "no leave line either: {frames:?}"
    );

    // From a page's worth to big again.
    let eve = app.user("eve").await;
    enter(&eve, room.id).await;
    let frames = frames_until_quiet(&mut watching).await;
    assert!(
        headcounts(&frames)
            .iter()
            .any(|&(participants, _)| participants == 4),
        "eve makes it big again: {frames:?}"
    );
}
