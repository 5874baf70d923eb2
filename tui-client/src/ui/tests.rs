//! Rendering tests on ratatui's `TestBackend`: whole screens as text (insta snapshots) plus
//! checks on the cells that matter (wide characters, alignment, dimmed pending lines).

use std::time::Duration;

use chat_shared::api::FieldErrors;
use chat_shared::{ErrorCode, LobbyFrame, Message, Participant, ServerFrame};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use ratatui::Terminal;
use unicode_width::UnicodeWidthStr;

use super::render;
use crate::action::{ConnState, NetEvent};
use crate::app::{App, LineState, LoginForm, PendingLine, RegisterForm, Screen};
use crate::input::{str_width, LineInput};
use crate::sanitize::is_dangerous;
use crate::update::tests::{app, frame, msg, net, open, room};

mod links;
mod multiline;
mod people;
mod reads;
mod redraw;
mod room_events;
mod search;

fn draw(app: &App, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|f| render(app, f)).expect("draw");
    terminal.backend().buffer().clone()
}

/// The screen as text, one line per row, wide characters once (the cell they cover is
/// skipped), trailing spaces trimmed.
pub fn screen_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = symbol.width().saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A room with Korean and English messages, participants, someone typing, one pending line,
/// and a second room with unread messages.
fn demo() -> App {
    let mut app = app();
    net(
        &mut app,
        NetEvent::Lobby(LobbyFrame::Rooms {
            rooms: vec![room(2, "Rust 모임"), room(1, "Hello world")],
            has_more: false,
        }),
    );
    open(&mut app, 2, vec![]);
    let conversation = [
        ("2026-11-23T21:40:00Z", "brothersoo", "Welcome to the room! Be nice 🙂"),
        ("2026-11-23T21:42:00Z", "moistybro", "thanks! is this the Rust meetup room?"),
        ("2026-11-24T09:01:00Z", "brothersoo", "Good morning everyone"),
        ("2026-11-24T09:02:00Z", "moistybro", "안녕하세요! 반갑습니다."),
        ("2026-11-24T09:03:00Z", "brothersoo", "한국어와 English가 섞여도 줄이 맞아야 합니다. Wide characters take two cells, so wrapping must count cells, not chars."),
        ("2026-11-24T09:04:00Z", "김민수", "저도 왔어요 👋"),
        ("2026-11-24T09:05:00Z", "me", "hi all — the terminal client speaks 한글 too"),
        ("2026-11-24T09:07:00Z", "김민수", "좋네요. 스크롤은 PageUp으로 하면 되나요?"),
        ("2026-11-24T09:08:00Z", "me", "네, 맨 위에서 PageUp을 누르면 이전 메시지를 더 불러와요."),
    ];
    let history = conversation
        .iter()
        .zip(1..)
        .map(|((at, who, body), id)| Message {
            sent_at: (*at).to_owned(),
            ..msg(id, 1, who, body, None)
        })
        .collect();
    open(&mut app, 1, history);
    if let Some(r) = app.room_mut(1) {
        r.participants = vec![
            Participant {
                nickname: "brothersoo".into(),
                online: true,
            },
            Participant {
                nickname: "moistybro".into(),
                online: true,
            },
            Participant {
                nickname: "김민수".into(),
                online: false,
            },
            Participant {
                nickname: "me".into(),
                online: true,
            },
        ];
        r.pending.push(PendingLine {
            nonce: "t-1".into(),
            body: "this one is on its way".into(),
            action: false,
            state: LineState::Waiting,
        });
    }
    frame(
        &mut app,
        1,
        ServerFrame::Typing {
            nickname: "moistybro".into(),
        },
    );
    frame(
        &mut app,
        2,
        ServerFrame::Message(msg(9, 2, "alice", "psst", None)),
    );
    frame(
        &mut app,
        2,
        ServerFrame::Message(msg(10, 2, "alice", "over here", None)),
    );
    app.input_mut().set("답장 쓰는 중");
    app
}

#[test]
fn the_login_screen_shows_the_fields_and_the_servers_error() {
    let mut app = app();
    app.screen = Screen::Login(LoginForm {
        email: LineInput::with_text("me@example.com"),
        password: LineInput::with_text("hunter22"),
        focus: 1,
        error: Some("Please enter a correct email and password.".into()),
        ..LoginForm::default()
    });
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("Server http://127.0.0.1:8000"));
    assert!(text.contains("Email     me@example.com"));
    assert!(
        text.contains("Password  ••••••••"),
        "the password is masked"
    );
    assert!(!text.contains("hunter22"));
    assert!(text.contains("Please enter a correct email and password."));
    insta::assert_snapshot!("login_80x24", text);
}

#[test]
fn the_login_screen_fits_a_narrow_terminal() {
    let mut app = app();
    app.screen = Screen::Login(LoginForm {
        info: Some("Your saved session has expired.".into()),
        ..LoginForm::default()
    });
    let text = screen_text(&draw(&app, 40, 12));
    assert!(text.contains("Email") && text.contains("Password"));
    insta::assert_snapshot!("login_40x12", text);
}

#[test]
fn the_register_form_shows_each_error_under_its_field() {
    let mut app = app();
    let mut errors = FieldErrors::default();
    errors.add("email", "Enter a valid email address.");
    errors.add("password2", "The two password fields didn’t match.");
    app.screen = Screen::Register(RegisterForm {
        email: LineInput::with_text("not-an-email"),
        nickname: LineInput::with_text("민수"),
        errors,
        ..RegisterForm::default()
    });
    let text = screen_text(&draw(&app, 80, 24));
    let lines: Vec<&str> = text.lines().collect();
    let email = lines
        .iter()
        .position(|l| l.contains("Email"))
        .expect("email row");
    assert!(lines[email + 1].contains("Enter a valid email address."));
    let again = lines
        .iter()
        .position(|l| l.contains("Again"))
        .expect("again row");
    assert!(lines[again + 1].contains("didn’t match"));
    insta::assert_snapshot!("register_80x24", text);
}

#[test]
fn a_long_register_error_wraps_under_its_field_instead_of_being_cut() {
    let mut app = app();
    let mut errors = FieldErrors::default();
    errors.add(
        "password1",
        "This password is too short. It must contain at least 8 characters.",
    );
    errors.add("password1", "This password is too common.");
    app.screen = Screen::Register(RegisterForm {
        errors,
        ..RegisterForm::default()
    });
    let text = screen_text(&draw(&app, 80, 24));
    let under: String = text
        .lines()
        .skip_while(|l| !l.contains("Password"))
        .skip(1)
        .take_while(|l| !l.contains("Again"))
        .map(|l| l.trim_matches(|c| c == '│' || c == ' ').to_owned() + " ")
        .collect();
    assert_eq!(
        under.split_whitespace().collect::<Vec<_>>().join(" "),
        "This password is too short. It must contain at least 8 characters. This password is too common.",
        "\n{text}"
    );
    assert!(
        text.contains("Enter next/register"),
        "the keys still show:\n{text}"
    );
}

#[test]
fn the_lobby_lists_rooms_with_their_creators() {
    let mut app = app();
    net(&mut app, NetEvent::LobbyState(ConnState::Online));
    net(
        &mut app,
        NetEvent::Lobby(LobbyFrame::Rooms {
            rooms: vec![room(12, "새로운 방"), room(3, "Hello world")],
            has_more: false,
        }),
    );
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("새로운 방"));
    assert!(text.contains("Rooms (2) live"));
    insta::assert_snapshot!("lobby_100x30", text);
}

#[test]
fn the_lobby_says_older_rooms_exist_and_when_they_load() {
    let mut app = app();
    net(&mut app, NetEvent::LobbyState(ConnState::Online));
    net(
        &mut app,
        NetEvent::Lobby(LobbyFrame::Rooms {
            rooms: vec![room(12, "twelve"), room(11, "eleven")],
            has_more: true,
        }),
    );
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("Rooms (2+) live"), "{text}");
    assert!(text.contains("Older rooms load as you move down"), "{text}");
    app.lobby.loading_older = true;
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("Loading older rooms…"), "{text}");
}

#[test]
fn a_room_with_korean_text_lines_up() {
    let app = demo();
    let buffer = draw(&app, 100, 30);
    let text = screen_text(&buffer);
    insta::assert_snapshot!("room_100x30", text);
    assert!(text.contains("안녕하세요! 반갑습니다."));
    assert!(text.contains("── Mon 23 Nov 2026 ──") && text.contains("── Tue 24 Nov 2026 ──"));
    assert!(text.contains("moistybro is typing…"));
    assert!(text.contains("1 pending"));
    // The separator before the text sits in the same column whatever the nickname.
    let columns: Vec<usize> = text
        .lines()
        .filter_map(|l| {
            let time = l.find("09:0").or_else(|| l.find("21:4"))?;
            let sep = time + l[time..].find(" │ ")?;
            Some(str_width(&l[..sep]))
        })
        .collect();
    assert_eq!(columns.len(), 9, "one per message");
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{columns:?}");
    // No line is wider than the screen.
    assert!(text.lines().all(|l| str_width(l) <= 100));

    // The picture for the README.
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(|p| p.to_path_buf()));
    if let Some(target) = target {
        std::fs::write(target.join("chat-tui-screen.txt"), &text)
            .expect("write the screen picture");
    }
}

#[test]
fn pending_lines_are_dimmed_until_acked() {
    let app = demo();
    let buffer = draw(&app, 100, 30);
    let text = screen_text(&buffer);
    let row = text
        .lines()
        .position(|l| l.contains("this one is on its way"))
        .expect("pending line shown");
    let col = buffer
        .content()
        .chunks(100)
        .nth(row)
        .and_then(|cells| cells.iter().position(|c| c.symbol() == "t"))
        .expect("cell");
    let cell = &buffer[(col as u16, row as u16)];
    assert!(cell.modifier.contains(Modifier::DIM));
}

#[test]
fn a_narrow_terminal_drops_the_side_panes() {
    let app = demo();
    let text = screen_text(&draw(&app, 40, 12));
    insta::assert_snapshot!("room_40x12", text);
    assert!(!text.contains("Users"), "no participant pane at 40 columns");
    assert!(text.contains("[2] Hello world"));
    assert!(text.lines().all(|l| str_width(l) <= 40));
}

#[test]
fn a_wide_terminal_shows_every_pane() {
    let app = demo();
    let text = screen_text(&draw(&app, 160, 50));
    insta::assert_snapshot!("room_160x50", text);
    assert!(text.contains("Users 3/4"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("1 Rust 모임") && l.contains(" 2│")),
        "the other room's unread count"
    );
}

#[test]
fn an_offline_room_says_why_and_when_it_retries() {
    let mut app = demo();
    net(
        &mut app,
        NetEvent::RoomState {
            room_id: 1,
            state: ConnState::Offline {
                reason: "server unreachable (connection refused)".into(),
                retry_in: Duration::from_millis(2000),
            },
        },
    );
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("✗ offline: server unreachable (connection refused); retry in 2.0s"));
    assert!(text.contains("(offline) >"));
}

#[test]
fn the_help_lists_every_command() {
    let mut app = demo();
    app.show_help = true;
    let text = screen_text(&draw(&app, 100, 40));
    for (usage, _) in crate::command::COMMANDS {
        assert!(text.contains(usage), "{usage}");
    }
}

#[test]
fn help_taller_than_the_terminal_scrolls_to_its_last_command() {
    let mut app = demo();
    crate::update::tests::press(&mut app, crossterm::event::KeyCode::F(1));
    let (last, _) = crate::command::COMMANDS[crate::command::COMMANDS.len() - 1];
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("Down/PgDn: more"), "{text}");
    assert!(!text.contains(last), "{text}");

    // Ten lines a press: the help is a bit more than two screens of 22 lines.
    crate::update::tests::press(&mut app, crossterm::event::KeyCode::PageDown);
    crate::update::tests::press(&mut app, crossterm::event::KeyCode::PageDown);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(app.show_help, "PageDown reads on");
    assert!(text.contains(last), "{text}");
    assert!(text.contains("any other key closes"), "{text}");

    crate::update::tests::press(&mut app, crossterm::event::KeyCode::Char('x'));
    assert!(!app.show_help);
    assert_eq!(app.help_scroll, 0);
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut screens = vec![demo()];
    let mut login = app();
    login.screen = Screen::Login(LoginForm {
        error: Some("x".repeat(300)),
        ..LoginForm::default()
    });
    screens.push(login);
    let mut register = app();
    register.screen = Screen::Register(RegisterForm::default());
    screens.push(register);
    let mut help = demo();
    help.show_help = true;
    screens.push(help);
    let mut lobby = demo();
    lobby.view = crate::app::View::Lobby;
    screens.push(lobby);
    for app in &screens {
        for (w, h) in [(1, 1), (2, 2), (10, 3), (20, 5), (59, 8), (61, 4), (90, 2)] {
            draw(app, w, h);
        }
    }
}

#[test]
fn escape_sequences_and_bidi_controls_from_other_users_are_drawn_as_placeholders() {
    // Arrange: everything another user or the server controls carries escapes.
    let attack = "\x1b]0;pwned\x07\x1b[2J\u{202E}evil";
    let mut app = app();
    net(
        &mut app,
        NetEvent::Lobby(LobbyFrame::Rooms {
            rooms: vec![room(1, "\u{2066}room\u{2069} \u{9b}31m")],
            has_more: false,
        }),
    );
    let evil = "mal\u{202E}\x1b[1mlory";
    open(&mut app, 1, vec![msg(1, 1, evil, attack, None)]);
    if let Some(r) = app.room_mut(1) {
        r.participants.push(Participant {
            nickname: evil.into(),
            online: true,
        });
    }
    frame(
        &mut app,
        1,
        ServerFrame::Typing {
            nickname: evil.into(),
        },
    );
    frame(
        &mut app,
        1,
        ServerFrame::Error {
            code: ErrorCode::InvalidFrame,
            message: "no\x1b[2Jthanks\x07".into(),
            nonce: None,
            retry_after_ms: None,
        },
    );
    app.input_mut().set("pasted \u{202E}\x1b[H");

    // Act
    let buffer = draw(&app, 120, 30);
    let text = screen_text(&buffer);

    // Assert: no cell holds a control or bidi character, and each one is visible instead.
    for cell in buffer.content() {
        assert!(
            !cell.symbol().chars().any(is_dangerous),
            "{:?} reached the terminal in:\n{text}",
            cell.symbol()
        );
    }
    assert!(text.contains("␛]0;pwned␇␛[2J�evil"), "{text}");
    assert!(
        text.contains("mal�␛[1mlory │"),
        "the sender, in the log:\n{text}"
    );
    assert!(
        text.contains("● mal�␛[1mlory"),
        "the participant list:\n{text}"
    );
    assert!(text.contains("mal�␛[1mlory is typing…"), "{text}");
    assert!(text.contains("[1] �room� �31m"), "the header:\n{text}");
    assert!(
        text.contains("The server refused: no␛[2Jthanks␇"),
        "the status line:\n{text}"
    );
    assert!(text.contains("> pasted �␛[H"), "the input line:\n{text}");

    // The room list shows the title and the creator the same way.
    app.view = crate::app::View::Lobby;
    app.input_mut().clear();
    let buffer = draw(&app, 120, 30);
    let text = screen_text(&buffer);
    assert!(!buffer
        .content()
        .iter()
        .any(|c| c.symbol().chars().any(is_dangerous)));
    assert!(text.contains("›    1 �room� �31m"), "the lobby:\n{text}");
    assert!(text.contains("\n1 �room� �31m"), "the sidebar:\n{text}");
}

#[test]
fn the_server_messages_on_the_login_and_register_forms_are_sanitized() {
    let mut login = app();
    login.screen = Screen::Login(LoginForm {
        error: Some("wrong\x1b]0;pwned\x07".into()),
        ..LoginForm::default()
    });
    let mut errors = FieldErrors::default();
    errors.add("nickname", "taken\u{9b}2J\u{202E}");
    let mut register = app();
    register.screen = Screen::Register(RegisterForm {
        errors,
        ..RegisterForm::default()
    });
    for (app, shown) in [(login, "wrong␛]0;pwned␇"), (register, "taken�2J�")] {
        let buffer = draw(&app, 80, 24);
        assert!(!buffer
            .content()
            .iter()
            .any(|c| c.symbol().chars().any(is_dangerous)));
        assert!(screen_text(&buffer).contains(shown), "{shown}");
    }
}

#[test]
fn update_counts_as_many_lines_as_the_pane_draws() {
    let mut app = demo();
    if let Some(r) = app.room_mut(1) {
        r.pending.push(PendingLine {
            nonce: "t-2".into(),
            body: "refused, with a long enough body to wrap onto a second line or more".into(),
            action: false,
            state: LineState::Failed("too long".into()),
        });
    }
    let room = app.room(1).expect("room 1 is open");
    for width in [20, 40, 59, 60, 100] {
        assert_eq!(
            crate::layout::messages::line_count(&app, room, width),
            super::messages::build_lines(&app, room, width).len(),
            "width {width}"
        );
    }
}
