//! `/chat/*`: the room list, creating, entering, renaming, leaving and removing rooms
//! (CONTRACT.md "HTTP").

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use chat_shared::api::{FieldErrors, RoomBody, RoomDetail};
use chat_shared::limits::{is_forbidden_in_names, TITLE_MAX_CHARS};
use chat_shared::names;
use serde::Deserialize;

use super::pages::{render, CreatePage, Ctx, Headcount, RoomPage};
use super::{found, json_error, with_retry_after, Input, Routes};
use crate::auth::session::CurrentUser;
use crate::error::{AppError, Refusal};
use crate::i18n::Texts;
use crate::state::AppState;
use crate::store::RoomRecord;

pub fn routes() -> Routes {
    vec![
        ("/", get(|| async { found("/chat/list/") })),
        ("/chat/list", get(super::room_list::list)),
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
    let title = names::normalize(title);
    let title = title.as_str();
    if title.is_empty() {
        Err(t.err_title_required.to_owned())
    } else if title.chars().count() > TITLE_MAX_CHARS {
        Err(t.err_title_too_long.to_owned())
    } else if title.chars().any(is_forbidden_in_names) {
        Err(t.err_title_chars.to_owned())
    } else if !names::has_visible(title) {
        Err(t.err_title_invisible.to_owned())
    } else {
        Ok(title.to_owned())
    }
}

fn title_errors(message: String) -> Response {
    let mut errors = FieldErrors::default();
    errors.add("title", message);
    (StatusCode::BAD_REQUEST, Json(errors)).into_response()
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
    if let Err(not_until) = state.room_limiter.check_key(&user.user.id) {
        use governor::clock::{Clock, DefaultClock};
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return too_many_rooms(&ctx, form.title, wait);
    }
    let room = state.rooms.create(&title, &user.user).await?;
    Ok(if ctx.json {
        (StatusCode::CREATED, Json(RoomBody { room })).into_response()
    } else {
        found(&format!("/chat/{}/", room.id))
    })
}

/// 429 with `Retry-After`, as the login throttle answers: the form again with what was
/// typed, or JSON `{"error"}`.
fn too_many_rooms(ctx: &Ctx, title: String, wait: Duration) -> Result<Response, AppError> {
    crate::metrics::refused("rooms_per_hour");
    let message = ctx.t.too_many_rooms(wait);
    let response = if ctx.json {
        json_error(StatusCode::TOO_MANY_REQUESTS, message)
    } else {
        render(
            StatusCode::TOO_MANY_REQUESTS,
            &CreatePage {
                c: ctx.chrome(),
                title,
                error: Some(message),
            },
        )?
    };
    Ok(with_retry_after(response, wait))
}

async fn enter(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let found = state.rooms.active_for(&id, &user.user).await?;
    state.rooms.enter_found(&found, &user.user).await?;
    let record = found.record;
    let room = state
        .store
        .room(record.room.id)
        .await?
        .map(|r| r.room)
        .unwrap_or(record.room);
    let notify = state.store.notify(room.id, user.user.id).await?;
    if ctx.json {
        // The JSON lists every participant (`docs/protocol.md` "Big rooms").
        let participants = state.rooms.participants(room.id).await?;
        let moderates = record.creator_id == user.user.id || user.user.is_admin;
        let bans = match moderates {
            true => Some(state.store.bans(room.id).await?),
            false => None,
        };
        return Ok(Json(RoomDetail {
            room,
            participants,
            bans,
            notify,
        })
        .into_response());
    }
    let (participants, people) = first_page(&state, room.id).await?;
    render(
        StatusCode::OK,
        &RoomPage {
            c: ctx.chrome(),
            is_creator: record.creator_id == user.user.id,
            can_remove: record.creator_id == user.user.id || user.user.is_admin,
            me: user.user.nickname.clone(),
            edit_title: room.title.clone(),
            room,
            participants,
            people,
            participant_page: state.config.participant_page,
            edit_error: None,
            notify: notify.unwrap_or_default().as_str(),
        },
    )
}

/// The room page's list: the first page of participants (online first, as the welcome's)
/// and the counts (`docs/protocol.md` "Big rooms"); the script pages in the rest.
async fn first_page(
    state: &AppState,
    room_id: i64,
) -> Result<(Vec<chat_shared::Participant>, Headcount), AppError> {
    let page = state
        .rooms
        .participant_page(room_id, 0, state.config.participant_page)
        .await?;
    let shown = u32::try_from(page.participants.len()).unwrap_or(u32::MAX);
    let people = Headcount {
        total: page.total,
        online: page.online,
        more: page.total.saturating_sub(shown),
    };
    Ok((page.participants, people))
}

/// The room, if the user created it.
async fn own_room(state: &AppState, id: &str, user: &CurrentUser) -> Result<RoomRecord, AppError> {
    let record = state.rooms.active(id).await?;
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
            let (participants, people) = first_page(&state, record.room.id).await?;
            let notify = state.store.notify(record.room.id, user.user.id).await?;
            return render(
                StatusCode::BAD_REQUEST,
                &RoomPage {
                    c: ctx.chrome(),
                    is_creator: true,
                    can_remove: true,
                    me: user.user.nickname.clone(),
                    room: record.room,
                    participants,
                    people,
                    participant_page: state.config.participant_page,
                    edit_error: Some(message),
                    edit_title: form.title,
                    notify: notify.unwrap_or_default().as_str(),
                },
            );
        }
    };
    let room = state
        .rooms
        .rename(record.room.id, &user.user, &title)
        .await?;
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
    let record = state.rooms.active(&id).await?;
    state.rooms.leave(record.room.id, &user.user).await?;
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
    // A server admin may remove any room (rooms that break the rules have no other remedy).
    let record = if user.user.is_admin {
        state.rooms.active(&id).await?
    } else {
        own_room(&state, &id, &user).await?
    };
    state.rooms.remove(record.room.id).await?;
    Ok(if ctx.json {
        StatusCode::NO_CONTENT.into_response()
    } else {
        found("/chat/list/")
    })
}
