//! Results of HTTP calls, of the room and lobby sockets, and of the unsent-lines file: logging
//! in and out, the session expiring, rooms created, renamed, left and ended by the server,
//! the live room list, and lines restored from a previous run.

use super::search;
use super::{
    back_to_login, close_room, commands, enter_main, lobby, open_room, open_rooms, room, sending,
    unsent,
};
use crate::action::{ConnState, Effect, NetEvent, RoomEnd};
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
        // Already logged out: a socket's `LOGGED_OUT` close that comes after the logout's own
        // answer says nothing new, and must not turn "Logged out." into "expired".
        NetEvent::SessionExpired if app.me.is_none() => Vec::new(),
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
        NetEvent::LoggedOut => {
            // Logging out on purpose drops what was not sent (a session that merely expired
            // keeps it for the next login).
            let forget = app.me.clone().map(|nickname| Effect::SaveUnsent {
                nickname,
                lines: Vec::new(),
            });
            let mut effects = back_to_login(app, Some("Logged out.".into()), None);
            effects.extend(forget);
            effects
        }
        NetEvent::RoomCreated(room) => {
            let (id, title) = (room.id, room.title.clone());
            lobby::upsert(app, room);
            app.info(format!("Created room {id}: {title}"));
            open_room(app, id)
        }
        NetEvent::RoomRenamed(room) => {
            app.info(format!("Room {} is now called {}", room.id, room.title));
            lobby::upsert(app, room);
            Vec::new()
        }
        // The socket's `LEFT` close usually comes first and has closed the tab already.
        NetEvent::RoomLeft { room_id } => left(app, room_id),
        NetEvent::RequestFailed { message } => {
            app.error(message);
            Vec::new()
        }
        NetEvent::Lobby(frame) => {
            lobby::on_frame(app, frame);
            Vec::new()
        }
        NetEvent::OlderRooms { before, list } => {
            lobby::on_older(app, before, list);
            Vec::new()
        }
        NetEvent::SearchResults { before, results } => {
            search::on_results(app, before, results);
            Vec::new()
        }
        NetEvent::SearchFailed { message } => {
            search::on_failed(app, message);
            Vec::new()
        }
        NetEvent::OlderRoomsFailed { message } => {
            lobby::on_older_failed(app, message);
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
                    // An unanswered history request died with the connection, and a line in
                    // flight may have too: it goes again after the next welcome.
                    room.loading_history = false;
                    sending::rewind(room);
                }
                room.state = state;
            }
            Vec::new()
        }
        NetEvent::RoomGone { room_id, message } => {
            app.error(format!("Room {room_id}: {message}"));
            close_room(app, room_id)
        }
        NetEvent::RoomEnded {
            room_id,
            why: RoomEnd::Left,
        } => left(app, room_id),
        NetEvent::RoomEnded {
            room_id,
            why: RoomEnd::Removed,
        } => {
            let title = app.room(room_id).map(|r| r.title());
            if let Some(title) = title {
                app.error(format!("Room “{title}” was removed by its creator."));
            }
            close_room(app, room_id)
        }
        NetEvent::RoomEnded {
            room_id,
            why: RoomEnd::Banned,
        } => {
            banned(app, room_id);
            Vec::new()
        }
        NetEvent::NotifyLevel {
            room_id,
            level,
            said,
        } => {
            if let Some(room) = app.room_mut(room_id) {
                room.notify = level;
                if said {
                    app.info(commands::notify_status(level));
                }
            }
            Vec::new()
        }
        NetEvent::Moderated { message } => {
            app.info(message);
            Vec::new()
        }
        NetEvent::UnsentLoaded { lines } => unsent::restore(app, lines),
        NetEvent::OpenRoomsLoaded { rooms } => open_rooms::restore(app, rooms),
    }
}

/// We are no longer a participant of the room (left here or on another device): its tab
/// closes, and anything not yet sent there cannot be any more.
fn left(app: &mut App, room_id: i64) -> Vec<Effect> {
    let Some(room) = app.room(room_id) else {
        return Vec::new();
    };
    let title = room.title();
    let dropped = room.pending.iter().filter(|p| p.failed().is_none()).count();
    let mut text = format!("You left “{title}”.");
    if dropped > 0 {
        text.push_str(&format!(
            " {dropped} unsent line{} there went with it.",
            if dropped == 1 { "" } else { "s" }
        ));
    }
    app.info(text);
    close_room(app, room_id)
}

/// Banned from the room: its socket has stopped for good; the tab stays, saying why, until
/// the user closes it.
fn banned(app: &mut App, room_id: i64) {
    let Some(room) = app.room_mut(room_id) else {
        return;
    };
    let why = "You were banned from this room.".to_owned();
    room.ended = Some(why.clone());
    room.editing = None;
    room.typing.clear();
    room.state = ConnState::Offline {
        reason: why.clone(),
        retry_in: std::time::Duration::ZERO,
    };
    let title = room.title();
    app.error(format!("“{title}”: {why} /close closes the tab."));
}
