//! Results of HTTP calls and lobby socket frames: logging in and out, the session expiring,
//! rooms created, renamed and left, and the live room list.

use chat_shared::LobbyFrame;

use super::{back_to_login, close_room, enter_main, open_room, room, upsert_room};
use crate::action::{Effect, NetEvent};
use crate::app::{App, LoginForm, Screen};
use crate::input::LineInput;

pub(super) fn on_net(app: &mut App, event: NetEvent) -> Vec<Effect> {
    match event {
        NetEvent::SessionRestored { nickname } => enter_main(app, nickname),
        NetEvent::SessionMissing { note } => {
            app.screen = Screen::Login(LoginForm {
                info: note,
                ..LoginForm::default()
            });
            Vec::new()
        }
        NetEvent::SessionExpired => {
            let mut effects = back_to_login(
                app,
                None,
                Some("Your session has expired or was ended. Log in again.".into()),
            );
            effects.push(Effect::ForgetSession);
            effects
        }
        NetEvent::LoggedIn { nickname } => enter_main(app, nickname),
        NetEvent::LoginFailed { message } => {
            match &mut app.screen {
                Screen::Login(form) => {
                    form.busy = false;
                    form.error = Some(message);
                    form.info = None;
                }
                // The automatic login right after registering failed.
                Screen::Register(form) => {
                    let email = form.email.text();
                    app.screen = Screen::Login(LoginForm {
                        email: LineInput::with_text(&email),
                        focus: 1,
                        error: Some(message),
                        ..LoginForm::default()
                    });
                }
                _ => {}
            }
            Vec::new()
        }
        NetEvent::Registered { nickname } => {
            let Screen::Register(form) = &app.screen else {
                return Vec::new();
            };
            // Log straight in with what was just typed, as the web page's next step would.
            let email = form.email.text().trim().to_owned();
            let password = form.password1.text();
            app.screen = Screen::Login(LoginForm {
                email: LineInput::with_text(&email),
                password: LineInput::with_text(&password),
                focus: 1,
                info: Some(format!("Registered as {nickname}. Logging in…")),
                busy: true,
                ..LoginForm::default()
            });
            vec![Effect::Login { email, password }]
        }
        NetEvent::RegisterFailed { errors } => {
            if let Screen::Register(form) = &mut app.screen {
                form.busy = false;
                let fields = ["email", "nickname", "password1", "password2"];
                if let Some(first) = fields.iter().position(|f| errors.errors.contains_key(*f)) {
                    form.focus = first;
                }
                form.errors = errors;
            }
            Vec::new()
        }
        NetEvent::LoggedOut => back_to_login(app, Some("Logged out.".into()), None),
        NetEvent::RoomCreated(room) => {
            let (id, title) = (room.id, room.title.clone());
            upsert_room(app, room);
            app.info(format!("Created room {id}: {title}"));
            open_room(app, id)
        }
        NetEvent::RoomRenamed(room) => {
            app.info(format!("Room {} is now called {}", room.id, room.title));
            upsert_room(app, room);
            Vec::new()
        }
        NetEvent::RoomLeft { room_id } => {
            app.info(format!("You left room {room_id}."));
            close_room(app, room_id)
        }
        NetEvent::RequestFailed { message } => {
            app.error(message);
            Vec::new()
        }
        NetEvent::Lobby(frame) => {
            on_lobby(app, frame);
            Vec::new()
        }
        NetEvent::LobbyState(state) => {
            app.lobby.state = state;
            Vec::new()
        }
        NetEvent::RoomFrame { room_id, frame } => room::on_frame(app, room_id, frame),
        NetEvent::RoomState { room_id, state } => {
            if let Some(room) = app.room_mut(room_id) {
                if !state.is_online() {
                    // An unanswered history request died with the connection.
                    room.loading_history = false;
                }
                room.state = state;
            }
            Vec::new()
        }
        NetEvent::RoomGone { room_id, message } => {
            app.error(format!("Room {room_id}: {message}"));
            close_room(app, room_id)
        }
    }
}

fn on_lobby(app: &mut App, frame: LobbyFrame) {
    match frame {
        LobbyFrame::Rooms { rooms } => {
            for open in &mut app.rooms {
                if let Some(room) = rooms.iter().find(|r| r.id == open.id) {
                    open.room = Some(room.clone());
                }
            }
            app.lobby.rooms = rooms;
        }
        LobbyFrame::Room { room } => upsert_room(app, room),
        LobbyFrame::RoomRemoved { id } => app.lobby.rooms.retain(|r| r.id != id),
    }
    let last = app.lobby.rooms.len().saturating_sub(1);
    app.lobby.selected = app.lobby.selected.min(last);
}
