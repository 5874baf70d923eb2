//! A participant's say over a room beyond the contract's: `/chat/{id}/ban` and `/unban` (its
//! creator, or a server admin, keeps a user out and lets them back in) and `/chat/{id}/notify`
//! (which of its lines notify the user, on every device).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chat_shared::NotifyLevel;
use serde::Deserialize;

use super::pages::Ctx;
use super::{found, json_error, Input, Routes};
use crate::error::{AppError, Refusal};
use crate::state::AppState;

pub fn routes() -> Routes {
    vec![
        ("/chat/{id}/ban", post(ban)),
        ("/chat/{id}/unban", post(unban)),
        ("/chat/{id}/notify", post(notify)),
    ]
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NotifyForm {
    level: String,
}

/// 204 (JSON) or back to the room (HTML); 400 for a level that is not `all`, `mentions` or
/// `none`, 403 for someone who is not a participant.
async fn notify(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Input(form): Input<NotifyForm>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let record = state.rooms.active(&id).await?;
    let Some(level) = NotifyLevel::parse(form.level.trim()) else {
        let message = format!(
            "{:?} is not a notification level; use all, mentions or none",
            form.level.chars().take(20).collect::<String>()
        );
        return Ok(bad_request(ctx.json, message));
    };
    if !state
        .store
        .set_notify(record.room.id, user.user.id, level)
        .await?
    {
        return Ok(json_error(
            StatusCode::FORBIDDEN,
            "enter the room first: only its participants have notification settings".into(),
        ));
    }
    Ok(if ctx.json {
        StatusCode::NO_CONTENT.into_response()
    } else {
        found(&format!("/chat/{}/", record.room.id))
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NicknameForm {
    nickname: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Ban,
    Unban,
}

async fn ban(
    state: State<AppState>,
    ctx: Ctx,
    id: Path<String>,
    form: Input<NicknameForm>,
) -> Result<Response, AppError> {
    moderate(state, ctx, id, form, Verb::Ban).await
}

async fn unban(
    state: State<AppState>,
    ctx: Ctx,
    id: Path<String>,
    form: Input<NicknameForm>,
) -> Result<Response, AppError> {
    moderate(state, ctx, id, form, Verb::Unban).await
}

/// 204 (JSON) or back to the room (HTML) when done; 400 naming the nickname when there is no
/// such user, when they are the room's creator or the one asking, or when the ban is already
/// (or not) in place.
async fn moderate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Input(form): Input<NicknameForm>,
    verb: Verb,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let record = state.rooms.active(&id).await?;
    if record.creator_id != user.user.id && !user.user.is_admin {
        return Err(AppError::Forbidden(Refusal::NotCreator));
    }
    let nickname = form.nickname.trim();
    let refuse = |message: String| Ok(bad_request(ctx.json, message));
    if nickname.is_empty() {
        return refuse("say whom: the form field `nickname` is empty".to_owned());
    }
    let Some(target) = state.store.user_by_nickname(nickname).await? else {
        return refuse(format!("no user is called \"{nickname}\""));
    };
    if verb == Verb::Ban && (target.id == record.creator_id || target.id == user.user.id) {
        return refuse(format!(
            "{} cannot be banned from this room: the room's creator and you stay",
            target.nickname
        ));
    }
    let changed = match verb {
        Verb::Ban => state.rooms.ban(record.room.id, &user.user, &target).await?,
        Verb::Unban => {
            state
                .rooms
                .unban(record.room.id, &user.user, &target)
                .await?
        }
    };
    if !changed {
        return refuse(match verb {
            Verb::Ban => format!("{} is already banned from this room", target.nickname),
            Verb::Unban => format!("{} is not banned from this room", target.nickname),
        });
    }
    Ok(if ctx.json {
        StatusCode::NO_CONTENT.into_response()
    } else {
        found(&format!("/chat/{}/", record.room.id))
    })
}

/// A 400 that says what was wrong: `{"error": …}` for JSON, the message as text for a form.
fn bad_request(json: bool, message: String) -> Response {
    if json {
        json_error(StatusCode::BAD_REQUEST, message)
    } else {
        (StatusCode::BAD_REQUEST, message).into_response()
    }
}
