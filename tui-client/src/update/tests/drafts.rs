//! The input box: each room keeps its own draft and history, a message may span lines (typed
//! line breaks and pastes), and what was typed is kept when it cannot be used yet.

use super::*;

#[test]
fn each_room_keeps_its_own_draft_and_its_own_history() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    open(&mut app, 2, vec![]);
    press_with(&mut app, KeyCode::Char('1'), KeyModifiers::ALT);
    type_text(&mut app, "sent in one");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "draft for room one");

    // Another room: its own empty draft, so Enter sends nothing there from room 1's.
    press_with(&mut app, KeyCode::Char('2'), KeyModifiers::ALT);
    assert!(app.input().is_empty());
    let effects = press(&mut app, KeyCode::Enter);
    assert!(sent_nonces(&effects).is_empty(), "{effects:?}");
    assert!(app.room(2).is_some_and(|r| r.pending.is_empty()));
    press(&mut app, KeyCode::Up);
    assert!(
        app.input().is_empty(),
        "room 2 has no history of room 1's lines"
    );

    // Ctrl+N / Ctrl+P and the room list keep theirs too.
    type_text(&mut app, "two's");
    press_with(&mut app, KeyCode::Char('0'), KeyModifiers::ALT);
    assert!(app.input().is_empty());
    type_text(&mut app, "/join 9");
    press_with(&mut app, KeyCode::Char('p'), KeyModifiers::CONTROL);
    assert_eq!(app.view, View::Room(2));
    assert_eq!(app.input().text(), "two's");
    press_with(&mut app, KeyCode::Char('p'), KeyModifiers::CONTROL);
    assert_eq!(app.input().text(), "draft for room one");
    press_with(&mut app, KeyCode::Char('p'), KeyModifiers::CONTROL);
    assert_eq!(app.input().text(), "/join 9");

    // Back in room 1, its draft is sent there, and Up recalls its own lines.
    press_with(&mut app, KeyCode::Char('1'), KeyModifiers::ALT);
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(sent_bodies(&effects), Vec::<String>::new(), "one in flight");
    let bodies: Vec<_> = app
        .room(1)
        .map(|r| r.pending.iter().map(|p| p.body.clone()).collect())
        .unwrap_or_default();
    assert_eq!(bodies, ["sent in one", "draft for room one"]);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.input().text(), "draft for room one");
    press(&mut app, KeyCode::Up);
    assert_eq!(app.input().text(), "sent in one");
}

#[test]
fn alt_enter_and_ctrl_j_break_the_line_and_enter_sends_it_whole() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    type_text(&mut app, "first");
    press_with(&mut app, KeyCode::Enter, KeyModifiers::ALT);
    type_text(&mut app, "second");
    press_with(&mut app, KeyCode::Char('j'), KeyModifiers::CONTROL);
    type_text(&mut app, "third");
    press_with(&mut app, KeyCode::Enter, KeyModifiers::SHIFT);
    type_text(&mut app, "fourth");
    assert_eq!(app.input().text(), "first\nsecond\nthird\nfourth");

    // Up and Down move between the lines before they recall anything.
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::End);
    type_text(&mut app, "!");
    assert_eq!(app.input().text(), "first\nsecond!\nthird\nfourth");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::End);

    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(sent_bodies(&effects), ["first\nsecond!\nthird\nfourth"]);
    assert!(app.input().is_empty());
}

#[test]
fn a_paste_is_one_draft_with_its_line_breaks_and_enter_sends_it_as_one_message() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    // Terminals send pasted line breaks as CR.
    let pasted: String = (1..=150).map(|i| format!("line {i}\r")).collect();
    let effects = update(&mut app, Action::Paste(pasted));
    assert!(sent_nonces(&effects).is_empty(), "a paste sends nothing");
    assert_eq!(app.input().text().lines().count(), 150);

    let effects = press(&mut app, KeyCode::Enter);
    let bodies = sent_bodies(&effects);
    assert_eq!(bodies.len(), 1);
    let expected: Vec<String> = (1..=150).map(|i| format!("line {i}")).collect();
    assert_eq!(bodies[0], expected.join("\n"));
}

#[test]
fn a_paste_into_a_form_field_or_the_room_list_stays_on_one_line() {
    let mut app = app();
    update(&mut app, Action::Paste("not\r\nsent".into()));
    assert_eq!(app.input().text(), "not sent");
    app.screen = Screen::Login(Default::default());
    update(&mut app, Action::Paste(" bob@example.com\r".into()));
    let Screen::Login(form) = &app.screen else {
        panic!("the login form");
    };
    assert_eq!(form.email.text(), "bob@example.com");
}

#[test]
fn an_unknown_command_keeps_what_was_typed_and_says_what_to_do() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    type_text(&mut app, "/shrug ¯\\_(ツ)_/¯");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.is_empty());
    assert_eq!(app.input().text(), "/shrug ¯\\_(ツ)_/¯");
    let notice = app.notice.clone().expect("an error");
    assert!(notice.text.contains("/help"), "{}", notice.text);
    assert!(notice.text.contains("//"), "{}", notice.text);
}

#[test]
fn notices_fade_after_a_few_seconds_errors_a_little_later() {
    let mut app = app();
    app.info("created");
    app.now += Duration::from_secs(7);
    update(&mut app, Action::Tick);
    assert!(app.notice.is_none(), "an info notice fades");
    app.error("could not");
    app.now += Duration::from_secs(7);
    update(&mut app, Action::Tick);
    assert!(app.notice.is_some(), "an error stays longer");
    app.now += Duration::from_secs(6);
    update(&mut app, Action::Tick);
    assert!(app.notice.is_none(), "and fades too");
}

#[test]
fn ctrl_l_asks_for_the_screen_to_be_drawn_again_anywhere() {
    let mut app = app();
    let ctrl_l = |app: &mut App| press_with(app, KeyCode::Char('l'), KeyModifiers::CONTROL);
    assert_eq!(ctrl_l(&mut app), vec![Effect::ClearScreen]);
    open(&mut app, 1, vec![]);
    type_text(&mut app, "kept");
    assert_eq!(ctrl_l(&mut app), vec![Effect::ClearScreen]);
    assert_eq!(app.input().text(), "kept", "Ctrl+L is not typed");
    app.screen = Screen::Login(Default::default());
    assert_eq!(ctrl_l(&mut app), vec![Effect::ClearScreen]);
}

#[test]
fn end_when_scrolled_back_jumps_to_the_newest_and_new_messages_are_counted() {
    let mut app = app();
    let history: Vec<_> = (1..=60).map(|id| msg(id, 1, "alice", "x", None)).collect();
    open(&mut app, 1, history);
    press(&mut app, KeyCode::PageUp);
    assert!(app.room(1).is_some_and(|r| r.scroll > 0));
    for id in 61..=63 {
        frame(
            &mut app,
            1,
            ServerFrame::Message(msg(id, 1, "alice", "new", None)),
        );
    }
    assert_eq!(app.room(1).map(|r| r.new_below), Some(3));
    press(&mut app, KeyCode::End);
    let room = app.room(1).expect("open");
    assert_eq!((room.scroll, room.new_below), (0, 0));
}
