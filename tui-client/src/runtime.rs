//! Carries out `update`'s effects: each one becomes a background task (or a message to a
//! running socket task) whose result comes back on the action channel. Nothing here blocks
//! the UI loop.

use std::collections::HashMap;
use std::path::Path;

use chat_shared::session::{CSRF_COOKIE, SESSION_COOKIE};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::action::{Action, Effect, NetEvent};
use crate::net::http::{Http, HttpError};
use crate::net::lobby::spawn_lobby;
use crate::net::open_rooms::OpenRoomsFile;
use crate::net::session::{SavedSession, SessionFile};
use crate::net::unsent::{UnsentFile, UnsentKeeper};
use crate::net::ws::{spawn_room, RoomCommand};

pub struct Runtime {
    http: Http,
    actions: UnboundedSender<Action>,
    /// `None` when there is no config dir: the session then lives only as long as the run.
    session_file: Option<SessionFile>,
    /// `None` when there is no config dir: unsent lines then live only as long as the run.
    unsent: Option<UnsentKeeper>,
    /// `None` when there is no config dir: tabs are then not reopened.
    open_rooms: Option<OpenRoomsFile>,
    rooms: HashMap<i64, UnboundedSender<RoomCommand>>,
    lobby: Option<JoinHandle<()>>,
    /// What `/open` starts (`crate::opener::program`); `None`: links are only shown.
    opener: Option<String>,
}

impl Runtime {
    /// `config_dir` holds the session file and the unsent lines (`None`: keep nothing).
    pub fn new(http: Http, actions: UnboundedSender<Action>, config_dir: Option<&Path>) -> Self {
        Self {
            http,
            actions,
            session_file: config_dir.map(SessionFile::in_dir),
            unsent: config_dir.map(|dir| UnsentKeeper::start(UnsentFile::in_dir(dir))),
            open_rooms: config_dir.map(OpenRoomsFile::in_dir),
            rooms: HashMap::new(),
            lobby: None,
            opener: crate::opener::program(None),
        }
    }

    /// Opens links with `opener` (`None`: only show them).
    pub fn with_opener(mut self, opener: Option<String>) -> Self {
        self.opener = opener;
        self
    }

    /// Starts the work for one effect. `Quit` is the main loop's business.
    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::RestoreSession => {
                self.spawn(restore(self.http.clone(), self.session_file.clone()))
            }
            Effect::Login { email, password } => {
                let (http, file) = (self.http.clone(), self.session_file.clone());
                self.spawn(async move {
                    match http.login(&email, &password).await {
                        Ok(nickname) => {
                            save_session(&http, file.as_ref(), &nickname);
                            NetEvent::LoggedIn { nickname }
                        }
                        Err(e) => NetEvent::LoginFailed {
                            message: e.message(),
                        },
                    }
                });
            }
            Effect::Register {
                email,
                nickname,
                password1,
                password2,
            } => {
                let http = self.http.clone();
                self.spawn(async move {
                    match http
                        .register(&email, &nickname, &password1, &password2)
                        .await
                    {
                        Ok(nickname) => NetEvent::Registered { nickname },
                        Err(e) => NetEvent::RegisterFailed {
                            errors: match e {
                                HttpError::Status {
                                    errors: Some(errors),
                                    ..
                                } => errors,
                                other => {
                                    let mut errors = chat_shared::api::FieldErrors::default();
                                    errors.add("__all__", other.message());
                                    errors
                                }
                            },
                        },
                    }
                });
            }
            Effect::Logout => {
                let (http, file) = (self.http.clone(), self.session_file.clone());
                self.spawn(async move {
                    match http.logout().await {
                        // A 401 means the server had already ended the session: logged out.
                        Err(e) if !e.is_unauthorized() => NetEvent::RequestFailed {
                            message: format!("Logout failed: {}", e.message()),
                        },
                        _ => {
                            forget(file.as_ref());
                            NetEvent::LoggedOut
                        }
                    }
                });
            }
            Effect::ForgetSession => forget(self.session_file.as_ref()),
            Effect::OpenLink { url } => {
                let failed = match &self.opener {
                    None => Some(format!("No program is set to open links: {url}")),
                    Some(program) => crate::opener::open(program, &url)
                        .err()
                        .map(|e| format!("Could not start {program} ({e}); the link: {url}")),
                };
                if let Some(message) = failed {
                    let _ = self
                        .actions
                        .send(Action::Net(NetEvent::RequestFailed { message }));
                }
            }
            Effect::WatchLobby => {
                if self.lobby.as_ref().is_none_or(|task| task.is_finished()) {
                    self.lobby = Some(spawn_lobby(self.http.clone(), self.actions.clone()));
                }
            }
            Effect::Search {
                query,
                room,
                before,
            } => {
                let http = self.http.clone();
                self.spawn(async move {
                    match http.search(&query, room, before).await {
                        Ok(results) => NetEvent::SearchResults { before, results },
                        Err(e) if e.is_unauthorized() => NetEvent::SessionExpired,
                        Err(e) => NetEvent::SearchFailed {
                            message: e.message(),
                        },
                    }
                });
            }
            Effect::LoadOlderRooms { before } => {
                let http = self.http.clone();
                self.spawn(async move {
                    match http.rooms_before(before).await {
                        Ok(list) => NetEvent::OlderRooms { before, list },
                        Err(e) => NetEvent::OlderRoomsFailed {
                            message: e.message(),
                        },
                    }
                });
            }
            Effect::CreateRoom { title } => {
                let http = self.http.clone();
                self.spawn(async move {
                    authed(
                        http.create_room(&title).await,
                        "Could not create the room",
                        NetEvent::RoomCreated,
                    )
                });
            }
            Effect::RenameRoom { room_id, title } => {
                let http = self.http.clone();
                self.spawn(async move {
                    authed(
                        http.rename_room(room_id, &title).await,
                        "Could not rename the room",
                        NetEvent::RoomRenamed,
                    )
                });
            }
            Effect::LeaveRoom { room_id } => {
                let http = self.http.clone();
                self.spawn(async move {
                    authed(
                        http.leave_room(room_id).await,
                        "Could not leave the room",
                        |()| NetEvent::RoomLeft { room_id },
                    )
                });
            }
            Effect::Ban {
                room_id,
                nickname,
                ban,
            } => {
                let http = self.http.clone();
                self.spawn(async move {
                    let (done, failed) = if ban {
                        (
                            format!("{nickname} is banned from this room."),
                            format!("Could not ban {nickname}"),
                        )
                    } else {
                        (
                            format!("{nickname} may come back to this room."),
                            format!("Could not unban {nickname}"),
                        )
                    };
                    authed(http.ban(room_id, &nickname, ban).await, &failed, |()| {
                        NetEvent::Moderated { message: done }
                    })
                });
            }
            Effect::LoadNotify { room_id } => {
                let (http, actions) = (self.http.clone(), self.actions.clone());
                // A failure keeps the level the room has: the socket reports real trouble.
                tokio::spawn(async move {
                    if let Ok(level) = http.room_detail(room_id).await.map(|d| d.notify) {
                        let event = NetEvent::NotifyLevel {
                            room_id,
                            level: level.unwrap_or_default(),
                            said: false,
                        };
                        let _ = actions.send(Action::Net(event));
                    }
                });
            }
            Effect::SetNotify { room_id, level } => {
                let http = self.http.clone();
                self.spawn(async move {
                    authed(
                        http.set_notify(room_id, level).await,
                        "Could not change notifications",
                        |()| NetEvent::NotifyLevel {
                            room_id,
                            level,
                            said: true,
                        },
                    )
                });
            }
            Effect::OpenRoom { room_id } => {
                let handle = spawn_room(self.http.clone(), room_id, self.actions.clone());
                if let Some(old) = self.rooms.insert(room_id, handle) {
                    let _ = old.send(RoomCommand::Close);
                }
            }
            Effect::CloseRoom { room_id } => {
                if let Some(room) = self.rooms.remove(&room_id) {
                    let _ = room.send(RoomCommand::Close);
                }
            }
            Effect::Send { room_id, frame } => {
                if let Some(room) = self.rooms.get(&room_id) {
                    let _ = room.send(RoomCommand::Send(frame));
                }
            }
            Effect::SaveUnsent { nickname, lines } => {
                if let Some(unsent) = &self.unsent {
                    unsent.save(self.http.base().as_str(), &nickname, lines);
                }
            }
            // A few bytes, written in place. A failed write costs only the reopening of
            // tabs at the next start, nothing to interrupt the user for.
            Effect::SaveOpenRooms { nickname, rooms } => {
                if let Some(file) = &self.open_rooms {
                    let _ = file.save(self.http.base().as_str(), &nickname, &rooms);
                }
            }
            Effect::LoadOpenRooms { nickname } => {
                if let Some(file) = &self.open_rooms {
                    let rooms = file.load(self.http.base().as_str(), &nickname);
                    let _ = self
                        .actions
                        .send(Action::Net(NetEvent::OpenRoomsLoaded { rooms }));
                }
            }
            Effect::LoadUnsent { nickname } => {
                if let Some(unsent) = &self.unsent {
                    let actions = self.actions.clone();
                    unsent.load(self.http.base().as_str(), &nickname, move |lines| {
                        if !lines.is_empty() {
                            let event = NetEvent::UnsentLoaded { lines };
                            let _ = actions.send(Action::Net(event));
                        }
                    });
                }
            }
            // The main loop's business.
            Effect::ClearScreen | Effect::Bell | Effect::Quit => {}
        }
    }

    /// Closes every socket politely and finishes writing the unsent lines (used on quit).
    pub fn shutdown(&mut self) {
        for (_, room) in self.rooms.drain() {
            let _ = room.send(RoomCommand::Close);
        }
        if let Some(lobby) = self.lobby.take() {
            lobby.abort();
        }
        if let Some(unsent) = &mut self.unsent {
            unsent.finish();
        }
    }

    fn spawn(&self, work: impl std::future::Future<Output = NetEvent> + Send + 'static) {
        let actions = self.actions.clone();
        tokio::spawn(async move {
            let event = work.await;
            let _ = actions.send(Action::Net(event));
        });
    }
}

/// The result of a call that needs a session: 401 sends the user back to login.
fn authed<T>(result: Result<T, HttpError>, what: &str, ok: impl FnOnce(T) -> NetEvent) -> NetEvent {
    match result {
        Ok(value) => ok(value),
        Err(e) if e.is_unauthorized() => NetEvent::SessionExpired,
        Err(e) => NetEvent::RequestFailed {
            message: format!("{what}: {}", e.message()),
        },
    }
}

/// Loads the saved session and checks it, so a good one goes straight to the room list.
async fn restore(http: Http, file: Option<SessionFile>) -> NetEvent {
    let saved = file.as_ref().and_then(SessionFile::load);
    let Some(saved) = saved.filter(|s| s.server == http.base().as_str()) else {
        return NetEvent::SessionMissing { note: None };
    };
    http.set_cookie(SESSION_COOKIE, &saved.sessionid);
    if let Some(token) = &saved.csrftoken {
        http.set_cookie(CSRF_COOKIE, token);
    }
    match http.check_session().await {
        Ok(false) => {
            forget(file.as_ref());
            NetEvent::SessionMissing {
                note: Some("Your saved session has expired. Log in again.".into()),
            }
        }
        // Valid, or the server is down right now: go in, the sockets show "offline" and
        // keep trying, and the first 401 brings the login screen back.
        Ok(true) | Err(_) => NetEvent::SessionRestored {
            nickname: saved.nickname,
        },
    }
}

fn save_session(http: &Http, file: Option<&SessionFile>, nickname: &str) {
    let (Some(file), Some(sessionid)) = (file, http.cookie(SESSION_COOKIE)) else {
        return;
    };
    let saved = SavedSession {
        server: http.base().to_string(),
        nickname: nickname.to_owned(),
        sessionid,
        csrftoken: http.cookie(CSRF_COOKIE),
    };
    // Not being able to save only means logging in again next time.
    let _ = file.save(&saved);
}

fn forget(file: Option<&SessionFile>) {
    if let Some(file) = file {
        let _ = file.delete();
    }
}
