//! `/chat/*`: the room list, creating, entering, renaming, leaving and removing rooms
//! (CONTRACT.md "HTTP").

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use chat_shared::api::{FieldErrors, RoomBody, RoomDetail, RoomList};
use chat_shared::limits::{is_forbidden_in_names, TITLE_MAX_CHARS};
use chat_shared::{Participant, Room};
use serde::Deserialize;

use super::pages::{render, CreatePage, Ctx, ListPage, RoomPage, RoomRow};
use super::{found, Input, Routes};
use crate::app::AppState;
use crate::auth::session::CurrentUser;
use crate::error::{AppError, Refusal};
use crate::fanout::Event;
use crate::i18n::Texts;
use crate::store::RoomRecord;

pub fn routes() -> Routes {
    vec![
        ("/", get(|| async { found("/chat/list/") })),
        ("/chat/list", get(list)),
        ("/chat/create", get(create_form).post(create)),
        ("/chat/{id}", get(enter)),
        ("/chat/{id}/edit", post(edit)),
        ("/chat/{id}/leave", post(leave)),
        ("/chat/{id}/remove", post(remove)),
    ]
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TitleForm {
    title: String,
}

/// A title is 1–50 characters after trimming.
fn validate_title(title: &str, t: &Texts) -> Result<String, String> {
    let title = title.trim();
    if title.is_empty() {
        Err(t.err_title_required.to_owned())
    } else if title.chars().count() > TITLE_MAX_CHARS {
        Err(t.err_title_too_long.to_owned())
    } else if title.chars().any(is_forbidden_in_names) {
        Err(t.err_title_chars.to_owned())
    } else {
        Ok(title.to_owned())
    }
}

fn title_errors(message: String) -> Response {
    let mut errors = FieldErrors::default();
    errors.add("title", message);
    (StatusCode::BAD_REQUEST, Json(errors)).into_response()
}

/// The active room with this id (ids that are not numbers are simply not found).
pub async fn active_room(state: &AppState, id: &str) -> Result<RoomRecord, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    match state.store.room(id).await? {
        Some(record) if record.active => Ok(record),
        _ => Err(AppError::NotFound),
    }
}

/// The room's participants with their online state, across instances.
pub async fn participant_list(
    state: &AppState,
    room_id: i64,
) -> Result<Vec<Participant>, AppError> {
    let online = state.fanout.online(room_id).await;
    Ok(state
        .store
        .participants(room_id)
        .await?
        .into_iter()
        .map(|nickname| Participant {
            online: online.contains(&nickname),
            nickname,
        })
        .collect())
}

/// Makes the user a participant (CONTRACT.md: entering a room does) and tells everyone.
pub async fn join_room(state: &AppState, room_id: i64, user: &CurrentUser) -> Result<(), AppError> {
    if state.store.add_participant(room_id, user.user.id).await? {
        let mut events = vec![Event::Participant {
            room_id,
            nickname: user.user.nickname.clone(),
        }];
        if let Some(record) = state.store.room(room_id).await? {
            events.push(Event::RoomCounted { room: record.room });
        }
        state.fanout.publish(events).await;
    }
    Ok(())
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let rooms = state.store.active_rooms().await?;
    if ctx.json {
        return Ok(Json(RoomList { rooms }).into_response());
    }
    render(
        StatusCode::OK,
        &ListPage {
            c: ctx.chrome(),
            rooms: rooms.into_iter().map(RoomRow::new).collect(),
        },
    )
}

async fn create_form(ctx: Ctx) -> Result<Response, AppError> {
    ctx.require_user()?;
    render(
        StatusCode::OK,
        &CreatePage {
            c: ctx.chrome(),
            title: String::new(),
            error: None,
        },
    )
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Input(form): Input<TitleForm>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let title = match validate_title(&form.title, ctx.t) {
        Ok(title) => title,
        Err(message) if ctx.json => return Ok(title_errors(message)),
        Err(message) => {
            return render(
                StatusCode::BAD_REQUEST,
                &CreatePage {
                    c: ctx.chrome(),
                    title: form.title,
                    error: Some(message),
                },
            )
        }
    };
    let room = state.store.create_room(&title, user.user.id).await?;
    // The creator is the room's first participant, as entering it would make them.
    state.store.add_participant(room.id, user.user.id).await?;
    let room = state
        .store
        .room(room.id)
        .await?
        .map(|r| r.room)
        .unwrap_or(room);
    tracing::info!(room = room.id, creator = %user.user.nickname, "room created");
    state
        .fanout
        .publish(vec![Event::RoomCreated { room: room.clone() }])
        .await;
    Ok(if ctx.json {
        (StatusCode::CREATED, Json(RoomBody { room })).into_response()
    } else {
        found(&format!("/chat/{}/", room.id))
    })
}

async fn enter(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let record = active_room(&state, &id).await?;
    join_room(&state, record.room.id, &user).await?;
    let room = state
        .store
        .room(record.room.id)
        .await?
        .map(|r| r.room)
        .unwrap_or(record.room);
    let participants = participant_list(&state, room.id).await?;
    if ctx.json {
        return Ok(Json(RoomDetail { room, participants }).into_response());
    }
    render(
        StatusCode::OK,
        &RoomPage {
            c: ctx.chrome(),
            is_creator: record.creator_id == user.user.id,
            me: user.user.nickname.clone(),
            edit_title: room.title.clone(),
            room,
            participants,
            edit_error: None,
        },
    )
}

/// The room, if the user created it.
async fn own_room(state: &AppState, id: &str, user: &CurrentUser) -> Result<RoomRecord, AppError> {
    let record = active_room(state, id).await?;
    if record.creator_id != user.user.id {
        return Err(AppError::Forbidden(Refusal::NotCreator));
    }
    Ok(record)
}

async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Input(form): Input<TitleForm>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let record = own_room(&state, &id, &user).await?;
    let title = match validate_title(&form.title, ctx.t) {
        Ok(title) => title,
        Err(message) if ctx.json => return Ok(title_errors(message)),
        Err(message) => {
            let participants = participant_list(&state, record.room.id).await?;
            return render(
                StatusCode::BAD_REQUEST,
                &RoomPage {
                    c: ctx.chrome(),
                    is_creator: true,
                    me: user.user.nickname.clone(),
                    room: record.room,
                    participants,
                    edit_error: Some(message),
                    edit_title: form.title,
                },
            );
        }
    };
    state.store.rename_room(record.room.id, &title).await?;
    let room: Room = state
        .store
        .room(record.room.id)
        .await?
        .map(|r| r.room)
        .ok_or(AppError::NotFound)?;
    state
        .fanout
        .publish(vec![Event::RoomChanged { room: room.clone() }])
        .await;
    Ok(if ctx.json {
        Json(RoomBody { room }).into_response()
    } else {
        found(&format!("/chat/{}/", room.id))
    })
}

async fn leave(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let record = active_room(&state, &id).await?;
    let room_id = record.room.id;
    if state
        .store
        .remove_participant(room_id, user.user.id)
        .await?
    {
        let mut events = vec![Event::Left {
            room_id,
            user_id: user.user.id,
        }];
        if let Some(record) = state.store.room(room_id).await? {
            events.push(Event::RoomChanged { room: record.room });
        }
        state.fanout.publish(events).await;
    }
    Ok(if ctx.json {
        StatusCode::NO_CONTENT.into_response()
    } else {
        found("/chat/list/")
    })
}

async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let record = own_room(&state, &id, &user).await?;
    state.store.remove_room(record.room.id).await?;
    tracing::info!(room = record.room.id, "room removed");
    state
        .fanout
        .publish(vec![Event::RoomRemoved {
            room_id: record.room.id,
        }])
        .await;
    Ok(if ctx.json {
        StatusCode::NO_CONTENT.into_response()
    } else {
        found("/chat/list/")
    })
}
