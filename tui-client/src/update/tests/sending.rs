//! Sending lines: pending until acked by nonce, queued while offline, resent with the same
//! nonce after every reconnect, rejected lines, and the throttled `typing` frame.

use super::*;

#[test]
fn a_line_typed_while_offline_is_queued_and_sent_with_its_nonce_after_the_welcome() {
    let mut app = app();
    open(&mut app, 1, vec![msg(1, 1, "alice", "hello", None)]);
    net(
        &mut app,
        NetEvent::RoomState {
            room_id: 1,
            state: offline(),
        },
    );

    type_text(&mut app, "queued line");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        sent_nonces(&effects).is_empty(),
        "nothing goes out while offline"
    );
    let pending = app.room(1).map(|r| r.pending.clone()).unwrap_or_default();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].body, "queued line");

    let effects = welcome(&mut app, 1, vec![], false);
    assert_eq!(
        effects,
        vec![Effect::Send {
            room_id: 1,
            frame: ClientFrame::Send {
                body: "queued line".into(),
                nonce: Some(pending[0].nonce.clone()),
            },
        }]
    );
}

#[test]
fn a_reconnect_resends_every_pending_line_with_the_same_nonce() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    type_text(&mut app, "one");
    let first = sent_nonces(&press(&mut app, KeyCode::Enter));
    type_text(&mut app, "two");
    let second = sent_nonces(&press(&mut app, KeyCode::Enter));
    assert_eq!(first.len(), 1);
    assert_eq!(second.len(), 1);
    assert_ne!(first, second, "every line has its own nonce");

    net(
        &mut app,
        NetEvent::RoomState {
            room_id: 1,
            state: offline(),
        },
    );
    net(
        &mut app,
        NetEvent::RoomState {
            room_id: 1,
            state: ConnState::Connecting,
        },
    );
    let resent = sent_nonces(&welcome(&mut app, 1, vec![], false));
    assert_eq!(
        resent,
        [first[0].clone(), second[0].clone()],
        "same nonces, same order"
    );

    // A second reconnect before any ack resends them again, still with the same nonces.
    let again = sent_nonces(&welcome(&mut app, 1, vec![], false));
    assert_eq!(again, resent);
}

#[test]
fn a_pending_line_is_settled_only_by_a_message_with_its_own_nonce() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    type_text(&mut app, "hello");
    let nonce = sent_nonces(&press(&mut app, KeyCode::Enter)).remove(0);

    frame(
        &mut app,
        1,
        ServerFrame::Message(msg(3, 1, "alice", "hello", Some("other"))),
    );
    assert_eq!(app.room(1).map(|r| r.pending.len()), Some(1));

    frame(
        &mut app,
        1,
        ServerFrame::Message(msg(4, 1, "me", "hello", Some(&nonce))),
    );
    let room = app.room(1).expect("open");
    assert!(room.pending.is_empty());
    assert_eq!(
        room.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        [3, 4]
    );
}

#[test]
fn a_welcome_whose_history_already_holds_the_line_settles_it_instead_of_resending() {
    let mut app = app();
    open(&mut app, 1, vec![msg(1, 1, "alice", "a", None)]);
    type_text(&mut app, "made it");
    let nonce = sent_nonces(&press(&mut app, KeyCode::Enter)).remove(0);
    type_text(&mut app, "lost");
    let lost = sent_nonces(&press(&mut app, KeyCode::Enter)).remove(0);
    net(
        &mut app,
        NetEvent::RoomState {
            room_id: 1,
            state: offline(),
        },
    );

    // The server stored the first line before the connection dropped.
    let effects = welcome(
        &mut app,
        1,
        vec![msg(2, 1, "me", "made it", Some(&nonce))],
        false,
    );
    assert_eq!(sent_nonces(&effects), [lost]);
    let room = app.room(1).expect("open");
    assert_eq!(room.messages.len(), 2);
    assert_eq!(room.pending.len(), 1);
}

#[test]
fn a_rejected_line_is_marked_failed_and_not_resent() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    type_text(&mut app, "spam");
    press(&mut app, KeyCode::Enter);
    frame(
        &mut app,
        1,
        ServerFrame::Error {
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
            nonce: None,
            retry_after_ms: None,
        },
    );
    let room = app.room(1).expect("open");
    assert_eq!(room.pending[0].failed.as_deref(), Some("slow down"));
    assert!(app
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("slow down")));
    assert!(sent_nonces(&welcome(&mut app, 1, vec![], false)).is_empty());
}

#[test]
fn typing_is_sent_at_most_every_three_seconds_and_shown_for_five() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    let typing = |effects: Vec<Effect>| {
        effects
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    Effect::Send {
                        frame: ClientFrame::Typing,
                        ..
                    }
                )
            })
            .count()
    };
    assert_eq!(typing(type_text(&mut app, "abc")), 1);
    app.now += Duration::from_secs(2);
    assert_eq!(typing(type_text(&mut app, "d")), 0);
    app.now += Duration::from_secs(2);
    assert_eq!(typing(type_text(&mut app, "e")), 1);

    frame(
        &mut app,
        1,
        ServerFrame::Typing {
            nickname: "alice".into(),
        },
    );
    frame(
        &mut app,
        1,
        ServerFrame::Typing {
            nickname: "me".into(),
        },
    );
    assert_eq!(
        app.room(1).map(|r| r.typing.len()),
        Some(1),
        "our own typing is not shown"
    );
    app.now += Duration::from_secs(4);
    update(&mut app, Action::Tick);
    assert_eq!(app.room(1).map(|r| r.typing.len()), Some(1));
    app.now += Duration::from_secs(2);
    update(&mut app, Action::Tick);
    assert_eq!(app.room(1).map(|r| r.typing.len()), Some(0));
}
