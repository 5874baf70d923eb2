//! Changing and moderating lines from the keyboard: Up edits our last line (Esc gives up),
//! `/delete` asks first, `/me` sends an action that a resend keeps, Tab completes nicknames,
//! Alt+A goes to mentions first, a mention rings the bell, a ban ends the room's tab.

use super::*;
use crate::action::RoomEnd;
use crate::layout::input::prompt;

fn mention(id: i64, room_id: i64, sender: &str, body: &str) -> Message {
    Message {
        mentions: vec!["me".into()],
        ..msg(id, room_id, sender, body, None)
    }
}

fn a_conversation() -> App {
    let mut app = app();
    open(
        &mut app,
        1,
        vec![
            msg(1, 1, "alice", "hi", None),
            msg(2, 1, "me", "helo", None),
            msg(3, 1, "alice", "how are you?", None),
        ],
    );
    app
}

fn sent_frames(effects: &[Effect]) -> Vec<ClientFrame> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send { frame, .. } => Some(frame.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn up_in_an_empty_input_edits_my_last_line_and_enter_sends_the_edit() {
    let mut app = a_conversation();

    press(&mut app, KeyCode::Up);
    assert_eq!(app.input().text(), "helo");
    assert_eq!(app.room(1).and_then(|r| r.editing), Some(2));
    assert!(prompt(&app).contains("editing"), "{}", prompt(&app));

    press(&mut app, KeyCode::Left);
    type_text(&mut app, "l");
    let effects = press(&mut app, KeyCode::Enter);

    assert_eq!(
        sent_frames(&effects),
        vec![ClientFrame::Edit {
            id: 2,
            body: "hello".into()
        }]
    );
    assert!(app.input().is_empty());
    assert_eq!(app.room(1).and_then(|r| r.editing), None);
    assert!(
        app.room(1).is_some_and(|r| r.pending.is_empty()),
        "no new line"
    );
}

#[test]
fn up_again_while_editing_goes_to_my_line_before_and_stops_at_the_oldest() {
    let mut app = a_conversation();
    frame(
        &mut app,
        1,
        ServerFrame::Message(msg(4, 1, "me", "second", None)),
    );
    press(&mut app, KeyCode::Up);
    assert_eq!(app.input().text(), "second");

    press(&mut app, KeyCode::Up);
    assert_eq!(app.input().text(), "helo");
    assert_eq!(app.room(1).and_then(|r| r.editing), Some(2));

    press(&mut app, KeyCode::Up);
    assert_eq!(app.input().text(), "helo", "no older line of mine");
    assert_eq!(app.room(1).and_then(|r| r.editing), Some(2));
}

#[test]
fn editing_a_line_does_not_say_typing() {
    let mut app = a_conversation();
    press(&mut app, KeyCode::Up);
    let effects = type_text(&mut app, "!");
    assert!(
        !effects.iter().any(|e| matches!(
            e,
            Effect::Send {
                frame: ClientFrame::Typing,
                ..
            }
        )),
        "{effects:?}"
    );
}

#[test]
fn slash_edit_is_up_and_esc_gives_up_without_leaving_the_room() {
    let mut app = a_conversation();
    type_text(&mut app, "/edit");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.input().text(), "helo");

    let effects = press(&mut app, KeyCode::Esc);

    assert!(effects.is_empty());
    assert!(app.input().is_empty());
    assert_eq!(app.room(1).and_then(|r| r.editing), None);
    assert_eq!(app.view, View::Room(1), "Esc only cancelled the edit");
    assert!(!prompt(&app).contains("editing"));
}

#[test]
fn an_empty_edit_is_refused_here_and_nothing_is_sent() {
    let mut app = a_conversation();
    press(&mut app, KeyCode::Up);
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);

    let effects = press(&mut app, KeyCode::Enter);

    assert!(sent_frames(&effects).is_empty());
    let notice = app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("/delete"), "{notice}");
    assert_eq!(
        app.room(1).and_then(|r| r.editing),
        Some(2),
        "still editing"
    );
}

#[test]
fn slash_delete_asks_first_and_n_keeps_the_line() {
    let mut app = a_conversation();
    type_text(&mut app, "/delete");
    press(&mut app, KeyCode::Enter);
    assert!(
        prompt(&app).contains("your line “helo”"),
        "{}",
        prompt(&app)
    );

    let effects = press(&mut app, KeyCode::Char('n'));

    assert!(sent_frames(&effects).is_empty());
    assert_eq!(app.prompt, None);
}

#[test]
fn slash_delete_n_counts_lines_from_the_bottom_and_y_deletes() {
    let mut app = a_conversation();
    type_text(&mut app, "/delete 1");
    press(&mut app, KeyCode::Enter);
    assert!(
        prompt(&app).contains("alice's line “how are you?”"),
        "{}",
        prompt(&app)
    );

    let effects = press(&mut app, KeyCode::Char('y'));

    assert_eq!(sent_frames(&effects), vec![ClientFrame::Delete { id: 3 }]);
    assert_eq!(app.prompt, None);
}

#[test]
fn slash_delete_without_such_a_line_says_so_and_sends_nothing() {
    let mut app = a_conversation();
    type_text(&mut app, "/delete 9");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(sent_frames(&effects).is_empty());
    assert_eq!(app.prompt, None);
    let notice = app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("no line 9"), "{notice}");
}

#[test]
fn the_servers_refusal_of_an_edit_names_the_message_in_the_status_line() {
    let mut app = a_conversation();
    frame(
        &mut app,
        1,
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            message: "message 3 is someone else's; you can edit only your own".into(),
            nonce: None,
            retry_after_ms: None,
        },
    );
    let notice = app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("message 3"), "{notice}");
}

#[test]
fn slash_me_sends_an_action_and_a_resend_keeps_it_one() {
    let mut app = a_conversation();
    type_text(&mut app, "/me waves");
    let effects = press(&mut app, KeyCode::Enter);
    let first = sent_frames(&effects);
    let [ClientFrame::Send {
        body,
        nonce: Some(nonce),
        action: true,
    }] = first.as_slice()
    else {
        panic!("not one action line: {first:?}");
    };
    assert_eq!(body, "waves");

    net(
        &mut app,
        NetEvent::RoomState {
            room_id: 1,
            state: offline(),
        },
    );
    let effects = welcome(&mut app, 1, vec![], false);

    assert_eq!(
        sent_frames(&effects),
        vec![ClientFrame::Send {
            body: "waves".into(),
            nonce: Some(nonce.clone()),
            action: true,
        }]
    );
}

#[test]
fn a_refused_action_comes_back_as_slash_me_and_shows_as_an_action_meanwhile() {
    let mut app = a_conversation();
    type_text(&mut app, "/me waves");
    let effects = press(&mut app, KeyCode::Enter);
    let nonce = sent_nonces(&effects).pop().expect("sent");
    let room = app.room(1).expect("open");
    let shown: Vec<String> = crate::layout::messages::rows(&app, room, 100)
        .into_iter()
        .filter_map(|r| match r {
            crate::layout::messages::Row::Entry(e) => {
                Some(e.lines.iter().map(|l| l.text.as_str()).collect::<String>())
            }
            _ => None,
        })
        .collect();
    assert_eq!(shown.last().map(String::as_str), Some("* me waves"));

    frame(
        &mut app,
        1,
        ServerFrame::Error {
            code: ErrorCode::TooLong,
            message: "too long".into(),
            nonce: Some(nonce),
            retry_after_ms: None,
        },
    );
    press(&mut app, KeyCode::Up);

    assert_eq!(app.input().text(), "/me waves");
}

#[test]
fn tab_completes_a_nickname_and_cycles_on_repeat() {
    let mut app = a_conversation();
    if let Some(room) = app.room_mut(1) {
        room.participants = ["alice", "Alan", "bob", "me"]
            .iter()
            .map(|n| Participant {
                nickname: (*n).into(),
                online: true,
            })
            .collect();
    }
    type_text(&mut app, "hi @al");

    press(&mut app, KeyCode::Tab);
    assert_eq!(app.input().text(), "hi @Alan");
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.input().text(), "hi @alice");
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.input().text(), "hi @Alan");

    type_text(&mut app, " and b");
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.input().text(), "hi @Alan and bob", "without @ too");
}

#[test]
fn a_mention_counts_apart_and_rings_the_bell_unless_switched_off() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    open(&mut app, 2, vec![]);

    let effects = frame(
        &mut app,
        1,
        ServerFrame::Message(mention(5, 1, "alice", "@me look")),
    );
    assert!(effects.contains(&Effect::Bell));
    let effects = frame(
        &mut app,
        1,
        ServerFrame::Message(msg(6, 1, "alice", "plain", None)),
    );
    assert!(!effects.contains(&Effect::Bell));
    let room = app.room(1).expect("open");
    assert_eq!((room.unread, room.mentions), (2, 1));

    let effects = frame(
        &mut app,
        1,
        ServerFrame::Message(mention(7, 1, "me", "talking to @me")),
    );
    assert!(!effects.contains(&Effect::Bell), "not for our own line");

    app.bell = false;
    let effects = frame(
        &mut app,
        1,
        ServerFrame::Message(mention(8, 1, "alice", "@me again")),
    );
    assert!(!effects.contains(&Effect::Bell));
}

#[test]
fn alt_a_goes_to_rooms_that_mention_me_first_then_to_unread_ones() {
    let mut app = app();
    for id in 1..=3 {
        open(&mut app, id, vec![]);
    }
    super::super::switch_to(&mut app, View::Lobby);
    frame(
        &mut app,
        1,
        ServerFrame::Message(msg(1, 1, "alice", "plain", None)),
    );
    frame(
        &mut app,
        3,
        ServerFrame::Message(mention(2, 3, "alice", "@me here")),
    );

    press_with(&mut app, KeyCode::Char('a'), KeyModifiers::ALT);
    assert_eq!(app.view, View::Room(3), "the mention first");
    assert_eq!(app.room(3).map(|r| (r.unread, r.mentions)), Some((0, 0)));
    press_with(&mut app, KeyCode::Char('a'), KeyModifiers::ALT);
    assert_eq!(app.view, View::Room(1), "then the unread room");
    press_with(&mut app, KeyCode::Char('a'), KeyModifiers::ALT);
    assert_eq!(app.view, View::Room(1), "nothing left: stays");
}

#[test]
fn ban_commands_ask_the_server_and_need_a_room() {
    let mut app = a_conversation();
    type_text(&mut app, "/ban @bob");
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::Ban {
            room_id: 1,
            nickname: "bob".into(),
            ban: true
        }]
    );
    type_text(&mut app, "/unban bob");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.contains(&Effect::Ban {
        room_id: 1,
        nickname: "bob".into(),
        ban: false
    }));

    super::super::switch_to(&mut app, View::Lobby);
    type_text(&mut app, "/ban bob");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.is_empty());
    assert!(app.notice.is_some_and(|n| n.text.contains("inside a room")));
}

#[test]
fn a_ban_keeps_the_tab_says_why_and_sends_nothing_more() {
    let mut app = a_conversation();

    let effects = net(
        &mut app,
        NetEvent::RoomEnded {
            room_id: 1,
            why: RoomEnd::Banned,
        },
    );

    assert!(effects.is_empty(), "no reconnect, no close: {effects:?}");
    let room = app.room(1).expect("the tab stays");
    assert!(room
        .ended
        .as_deref()
        .is_some_and(|w| w.contains("You were banned from this room")));
    type_text(&mut app, "still here?");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(sent_frames(&effects).is_empty());
    assert!(app.room(1).is_some_and(|r| r.pending.is_empty()));
    assert_eq!(
        app.input().text(),
        "still here?",
        "kept, as it was not sent"
    );
}

#[test]
fn slash_names_lists_the_participants_as_a_local_line_after_the_newest_message() {
    let mut app = a_conversation();
    if let Some(room) = app.room_mut(1) {
        room.participants = vec![
            Participant {
                nickname: "zoe".into(),
                online: false,
            },
            Participant {
                nickname: "alice".into(),
                online: true,
            },
        ];
    }
    type_text(&mut app, "/names");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        sent_frames(&effects).is_empty(),
        "nothing goes to the server"
    );
    frame(
        &mut app,
        1,
        ServerFrame::Message(msg(4, 1, "alice", "later", None)),
    );

    let room = app.room(1).expect("open");
    let rows = crate::layout::messages::rows(&app, room, 100);
    let at = |pick: &dyn Fn(&crate::layout::messages::Row<'_>) -> bool| {
        rows.iter().position(pick).expect("row shown")
    };
    let names = at(&|r| {
        matches!(r, crate::layout::messages::Row::Local(l)
            if l.concat().contains("(2): alice, zoe (away)"))
    });
    let later = at(
        &|r| matches!(r, crate::layout::messages::Row::Entry(e) if e.lines.iter().map(|l| l.text.as_str()).collect::<String>() == "later"),
    );
    assert!(names < later, "the list stays where it was asked for");
}
