//! The input line and the login/register forms, and what an expired session does.

use super::*;

#[test]
fn editing_keys_work_on_wide_characters() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    type_text(&mut app, "안녕하세요");
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Backspace);
    assert_eq!(app.input().text(), "안녕세요");
    press(&mut app, KeyCode::Home);
    press(&mut app, KeyCode::Delete);
    press(&mut app, KeyCode::End);
    type_text(&mut app, " 세계");
    assert_eq!(app.input().text(), "녕세요 세계");
    assert_eq!(
        app.input().visible(80, None).1,
        11,
        "cursor after 5 wide chars and a space"
    );
    press_with(&mut app, KeyCode::Char('w'), KeyModifiers::CONTROL);
    assert_eq!(app.input().text(), "녕세요 ");
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    assert!(app.input().is_empty());
}

#[test]
fn up_recalls_a_sent_line_in_a_room() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    type_text(&mut app, "first");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.input().text(), "first");
    press(&mut app, KeyCode::Down);
    assert!(app.input().is_empty());
}

#[test]
fn an_expired_session_goes_back_to_login_and_forgets_the_file() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    let effects = net(&mut app, NetEvent::SessionExpired);
    assert_eq!(
        effects,
        vec![Effect::CloseRoom { room_id: 1 }, Effect::ForgetSession]
    );
    assert!(app.rooms.is_empty());
    let Screen::Login(form) = &app.screen else {
        panic!("expected the login screen, got {:?}", app.screen);
    };
    assert!(form.error.as_deref().is_some_and(|e| e.contains("expired")));
}

#[test]
fn the_login_form_submits_and_shows_the_servers_message() {
    let mut app = app();
    app.screen = Screen::Starting;
    net(&mut app, NetEvent::SessionMissing { note: None });
    type_text(&mut app, "me@example.com");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "secret pw");
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::Login {
            email: "me@example.com".into(),
            password: "secret pw".into()
        }]
    );
    net(
        &mut app,
        NetEvent::LoginFailed {
            message: "Wrong email or password.".into(),
        },
    );
    let Screen::Login(form) = &app.screen else {
        panic!("still on the login screen");
    };
    assert_eq!(form.error.as_deref(), Some("Wrong email or password."));
    assert!(!form.busy);

    let effects = net(
        &mut app,
        NetEvent::LoggedIn {
            nickname: "me".into(),
        },
    );
    assert_eq!(
        effects,
        vec![
            Effect::WatchLobby,
            Effect::LoadOpenRooms {
                nickname: "me".into()
            },
            Effect::LoadUnsent {
                nickname: "me".into()
            }
        ]
    );
    assert_eq!(app.screen, Screen::Main);
}

#[test]
fn the_register_form_shows_field_errors_then_logs_in() {
    let mut app = app();
    app.screen = Screen::Starting;
    net(&mut app, NetEvent::SessionMissing { note: None });
    press_with(&mut app, KeyCode::Char('r'), KeyModifiers::CONTROL);
    type_text(&mut app, "new@example.com");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "민수");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "correct-horse-42");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "correct-horse-42");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(&effects[..], [Effect::Register { nickname, .. }] if nickname == "민수"));

    let mut errors = FieldErrors::default();
    errors.add("nickname", "This nickname is taken.");
    net(&mut app, NetEvent::RegisterFailed { errors });
    let Screen::Register(form) = &app.screen else {
        panic!("still registering");
    };
    assert_eq!(
        form.errors.first("nickname"),
        Some("This nickname is taken.")
    );
    assert_eq!(
        form.focus, 1,
        "the first field with an error gets the cursor"
    );

    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    let effects = net(
        &mut app,
        NetEvent::Registered {
            nickname: "민수".into(),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::Login {
            email: "new@example.com".into(),
            password: "correct-horse-42".into()
        }]
    );
}
