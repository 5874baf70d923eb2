//! The room's notification level decides the bell: learned from the server on each welcome,
//! changed with `/notify LEVEL` (kept by the server first), shown with `/notify` alone.

use chat_shared::{MessageKind, NotifyLevel};

use super::*;

fn level(app: &mut App, room_id: i64, level: NotifyLevel, said: bool) {
    net(
        app,
        NetEvent::NotifyLevel {
            room_id,
            level,
            said,
        },
    );
}

fn notice_text(app: &App) -> String {
    app.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

fn rings(app: &mut App, message: Message) -> bool {
    let room_id = message.room_id;
    frame(app, room_id, ServerFrame::Message(message)).contains(&Effect::Bell)
}

fn mentioning_me(id: i64, sender: &str) -> Message {
    Message {
        mentions: vec!["me".into()],
        ..msg(id, 1, sender, "@me look", None)
    }
}

#[test]
fn each_welcome_asks_the_server_for_the_rooms_level() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    assert_eq!(app.room(1).map(|r| r.notify), Some(NotifyLevel::Mentions));

    let effects = welcome(&mut app, 1, vec![], false);

    assert!(effects.contains(&Effect::LoadNotify { room_id: 1 }));
}

#[test]
fn a_room_set_to_none_does_not_ring_on_a_mention() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    level(&mut app, 1, NotifyLevel::None, false);

    assert!(!rings(&mut app, mentioning_me(5, "alice")));
    assert_eq!(notice_text(&app), "", "a level learned on connect is quiet");
    assert_eq!(
        app.room(1).map(|r| (r.unread, r.mentions)),
        Some((0, 0)),
        "on screen: nothing unread either way"
    );
}

#[test]
fn a_room_set_to_all_rings_for_any_line_from_others_never_for_mine() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    level(&mut app, 1, NotifyLevel::All, false);

    assert!(rings(&mut app, msg(5, 1, "alice", "plain", None)));
    assert!(!rings(&mut app, msg(6, 1, "me", "mine", None)));
    let notice = Message {
        kind: MessageKind::Notice,
        ..msg(7, 1, "alice", "bo was banned", None)
    };
    assert!(!rings(&mut app, notice), "not for a notice");
    app.bell = false;
    assert!(!rings(&mut app, msg(8, 1, "alice", "again", None)));
}

#[test]
fn the_default_level_rings_only_for_mentions() {
    let mut app = app();
    open(&mut app, 1, vec![]);

    assert!(!rings(&mut app, msg(5, 1, "alice", "plain", None)));
    assert!(rings(&mut app, mentioning_me(6, "alice")));
}

#[test]
fn slash_notify_asks_the_server_and_says_the_new_level_once_kept() {
    let mut app = app();
    open(&mut app, 1, vec![]);

    type_text(&mut app, "/notify all");
    let effects = press(&mut app, KeyCode::Enter);

    assert_eq!(
        effects,
        vec![Effect::SetNotify {
            room_id: 1,
            level: NotifyLevel::All
        }]
    );
    assert_eq!(
        app.room(1).map(|r| r.notify),
        Some(NotifyLevel::Mentions),
        "unchanged until the server keeps it"
    );
    level(&mut app, 1, NotifyLevel::All, true);
    assert_eq!(app.room(1).map(|r| r.notify), Some(NotifyLevel::All));
    assert_eq!(notice_text(&app), "Notifications here: all lines.");
}

#[test]
fn slash_notify_alone_shows_the_level_and_a_refusal_shows_the_servers_words() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    level(&mut app, 1, NotifyLevel::None, false);

    type_text(&mut app, "/notify");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.is_empty());
    assert_eq!(notice_text(&app), "Notifications here: nothing.");

    net(
        &mut app,
        NetEvent::RequestFailed {
            message: "Could not change notifications: you are not in this room".into(),
        },
    );
    assert!(notice_text(&app).contains("not in this room"));
    assert_eq!(app.room(1).map(|r| r.notify), Some(NotifyLevel::None));
}

#[test]
fn slash_notify_with_a_bad_level_says_what_to_type_and_asks_nothing() {
    let mut app = app();
    open(&mut app, 1, vec![]);

    type_text(&mut app, "/notify loud");
    let effects = press(&mut app, KeyCode::Enter);

    assert!(effects.is_empty());
    assert!(
        notice_text(&app).contains("/notify all"),
        "{}",
        notice_text(&app)
    );
    assert_eq!(app.room(1).map(|r| r.notify), Some(NotifyLevel::Mentions));
}

#[test]
fn slash_notify_in_the_room_list_says_it_works_inside_a_room() {
    let mut app = app();
    type_text(&mut app, "/notify all");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.is_empty());
    assert!(notice_text(&app).contains("inside a room"));
}
