//! Sending lines: pending until acked by nonce, one in flight at a time, queued while offline,
//! resent with the same nonce after every reconnect and after the wait a rate refusal names,
//! refused lines marked failed by their nonce, and the throttled `typing` frame.

use chat_shared::limits::BODY_MAX_CHARS;

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
        vec![
            Effect::LoadNotify { room_id: 1 },
            Effect::Send {
                room_id: 1,
                frame: ClientFrame::Send {
                    body: "queued line".into(),
                    nonce: Some(pending[0].nonce.clone()),
                    action: false,
                },
            }
        ]
    );
}

#[test]
fn a_reconnect_resends_every_pending_line_with_the_same_nonce_in_order() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    type_text(&mut app, "one");
    let first = sent_nonces(&press(&mut app, KeyCode::Enter));
    type_text(&mut app, "two");
    let second = sent_nonces(&press(&mut app, KeyCode::Enter));
    assert_eq!(first.len(), 1);
    assert!(second.is_empty(), "one line in flight at a time");
    let nonces = pending_nonces(&app, 1);
    assert_ne!(nonces[0], nonces[1], "every line has its own nonce");

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
        [nonces[0].clone()],
        "the first line again, same nonce"
    );

    // A second reconnect before any ack starts from the first line again.
    assert_eq!(sent_nonces(&welcome(&mut app, 1, vec![], false)), resent);
    // Its ack lets the second go.
    let next = ack(&mut app, 1, 7, &nonces[0]);
    assert_eq!(sent_nonces(&next), [nonces[1].clone()]);
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
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "lost");
    press(&mut app, KeyCode::Enter);
    let [nonce, lost] = <[String; 2]>::try_from(pending_nonces(&app, 1)).expect("two lines");
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
fn a_line_refused_for_what_it_is_is_marked_failed_by_its_nonce_and_the_rest_go_on() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    for line in ["fine", "refused", "after"] {
        type_text(&mut app, line);
        press(&mut app, KeyCode::Enter);
    }
    let nonces = pending_nonces(&app, 1);
    ack(&mut app, 1, 1, &nonces[0]);

    // The server refuses the second line, naming it.
    let effects = frame(
        &mut app,
        1,
        refusal(ErrorCode::InvalidFrame, &nonces[1], None),
    );
    assert_eq!(
        sent_nonces(&effects),
        [nonces[2].clone()],
        "the next line goes"
    );
    let room = app.room(1).expect("open");
    assert_eq!(room.pending[0].failed(), Some("no"));
    assert!(app
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("Not sent: no")));
    ack(&mut app, 1, 2, &nonces[2]);
    assert!(
        sent_nonces(&welcome(&mut app, 1, vec![], false)).is_empty(),
        "a failed line is not sent again"
    );

    // Up with an empty draft takes it back to edit; the queue forgets it.
    press(&mut app, KeyCode::Up);
    assert_eq!(app.input().text(), "refused");
    assert!(app.room(1).is_some_and(|r| r.pending.is_empty()));
}

#[test]
fn a_rate_refusal_sends_the_line_again_after_the_wait_before_the_lines_typed_after_it() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    for line in ["a", "b", "c"] {
        type_text(&mut app, line);
        press(&mut app, KeyCode::Enter);
    }
    let nonces = pending_nonces(&app, 1);

    // "a" is refused for its rate: nothing goes until the wait is over, not even "b".
    let effects = frame(
        &mut app,
        1,
        refusal(ErrorCode::RateLimited, &nonces[0], Some(850)),
    );
    assert!(sent_nonces(&effects).is_empty());
    app.now += Duration::from_millis(800);
    assert!(sent_nonces(&update(&mut app, Action::Tick)).is_empty());
    assert!(
        app.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("0.8 s") || n.text.contains("0.9 s")),
        "the user is told it goes by itself: {:?}",
        app.notice
    );

    // After the wait: "a" again, same nonce, and then the others, one by one, in order.
    app.now += Duration::from_millis(60);
    assert_eq!(
        sent_nonces(&update(&mut app, Action::Tick)),
        [nonces[0].clone()]
    );
    assert!(
        sent_nonces(&update(&mut app, Action::Tick)).is_empty(),
        "sent once"
    );
    assert_eq!(
        sent_nonces(&ack(&mut app, 1, 1, &nonces[0])),
        [nonces[1].clone()]
    );
    // A store failure: the same line again after a short pause.
    let effects = frame(
        &mut app,
        1,
        refusal(ErrorCode::StoreFailed, &nonces[1], None),
    );
    assert!(sent_nonces(&effects).is_empty());
    app.now += Duration::from_secs(1);
    assert_eq!(
        sent_nonces(&update(&mut app, Action::Tick)),
        [nonces[1].clone()]
    );
    assert_eq!(
        sent_nonces(&ack(&mut app, 1, 2, &nonces[1])),
        [nonces[2].clone()]
    );
    ack(&mut app, 1, 3, &nonces[2]);
    let room = app.room(1).expect("open");
    assert!(
        room.pending.is_empty(),
        "nothing stays pending while online"
    );
    assert_eq!(
        room.messages
            .iter()
            .map(|m| m.body.as_str())
            .collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
}

#[test]
fn an_error_that_names_no_line_of_ours_leaves_the_queue_alone() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    type_text(&mut app, "hello");
    press(&mut app, KeyCode::Enter);
    frame(
        &mut app,
        1,
        ServerFrame::Error {
            code: ErrorCode::InvalidLimit,
            message: "limit must be between 1 and 100".into(),
            nonce: None,
            retry_after_ms: None,
        },
    );
    frame(
        &mut app,
        1,
        refusal(ErrorCode::TooLong, "someone-elses", None),
    );
    let room = app.room(1).expect("open");
    assert_eq!(room.pending.len(), 1);
    assert_eq!(room.pending[0].failed(), None);
}

#[test]
fn a_line_is_checked_as_the_server_would_before_it_is_sent_and_kept_if_refused() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    let long = "가".repeat(BODY_MAX_CHARS + 1);
    type_text(&mut app, &long);
    let effects = press(&mut app, KeyCode::Enter);
    assert!(sent_nonces(&effects).is_empty());
    assert_eq!(app.input().text(), long, "the draft stays to be shortened");
    assert!(app
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("4001 characters")));

    app.input_mut().clear();
    update(&mut app, Action::Paste("\u{1b}[31mred".into()));
    assert!(sent_nonces(&press(&mut app, KeyCode::Enter)).is_empty());
    assert!(app
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("U+001B")));

    // CRLF and tabs are sent the way the server counts them, pasted or however they got
    // into the draft.
    app.input_mut().clear();
    update(&mut app, Action::Paste("a\r\n\tb".into()));
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(sent_bodies(&effects), ["a\n    b"]);
    let nonce = pending_nonces(&app, 1).remove(0);
    ack(&mut app, 1, 1, &nonce);
    app.input_mut().set("c\td\r");
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(sent_bodies(&effects), ["c    d"]);
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

#[test]
fn unsent_lines_are_handed_to_the_runtime_to_keep_whenever_they_change() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    let saved = |effects: &[Effect]| -> Option<Vec<String>> {
        effects.iter().find_map(|e| match e {
            Effect::SaveUnsent { nickname, lines } => {
                assert_eq!(nickname, "me");
                Some(lines.iter().map(|l| l.body.clone()).collect())
            }
            _ => None,
        })
    };
    type_text(&mut app, "one");
    assert_eq!(
        saved(&press(&mut app, KeyCode::Enter)),
        Some(vec!["one".into()])
    );
    type_text(&mut app, "two");
    assert_eq!(
        saved(&press(&mut app, KeyCode::Enter)),
        Some(vec!["one".into(), "two".into()])
    );
    assert_eq!(
        saved(&update(&mut app, Action::Tick)),
        None,
        "no change, no write"
    );
    let nonces = pending_nonces(&app, 1);
    assert_eq!(
        saved(&ack(&mut app, 1, 1, &nonces[0])),
        Some(vec!["two".into()])
    );
    assert_eq!(saved(&ack(&mut app, 1, 2, &nonces[1])), Some(vec![]));

    // Logging out on purpose forgets them.
    type_text(&mut app, "three");
    press(&mut app, KeyCode::Enter);
    let effects = net(&mut app, NetEvent::LoggedOut);
    assert_eq!(saved(&effects), Some(vec![]));
}

#[test]
fn lines_from_a_previous_run_open_their_rooms_and_go_first_with_their_nonces() {
    let mut app = app();
    let line = |room_id: i64, nonce: &str, body: &str| crate::net::unsent::UnsentLine {
        room_id,
        nonce: nonce.into(),
        body: body.into(),
        action: false,
    };
    let effects = net(
        &mut app,
        NetEvent::UnsentLoaded {
            lines: vec![
                line(4, "old-1", "first"),
                line(4, "old-2", "second"),
                line(6, "old-3", "other"),
            ],
        },
    );
    assert!(effects.contains(&Effect::OpenRoom { room_id: 4 }));
    assert!(effects.contains(&Effect::OpenRoom { room_id: 6 }));
    assert!(
        sent_nonces(&effects).is_empty(),
        "not before the rooms are online"
    );
    assert!(app
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("Restored 3 unsent lines")));

    let effects = welcome(&mut app, 4, vec![], false);
    assert_eq!(sent_nonces(&effects), ["old-1"]);
    assert_eq!(sent_nonces(&ack(&mut app, 4, 9, "old-1")), ["old-2"]);
    assert_eq!(sent_nonces(&welcome(&mut app, 6, vec![], false)), ["old-3"]);
}

/// A socket's `LOGGED_OUT` close that arrives after the logout's own answer leaves the login
/// screen saying "Logged out.", not that the session expired.
#[test]
fn a_late_logged_out_close_does_not_say_the_session_expired() {
    let mut app = app();
    net(&mut app, NetEvent::LoggedOut);
    assert!(net(&mut app, NetEvent::SessionExpired).is_empty());
    match &app.screen {
        crate::app::Screen::Login(form) => {
            assert_eq!(form.info.as_deref(), Some("Logged out."));
            assert_eq!(form.error, None);
        }
        _ => panic!("not the login screen"),
    }
}
