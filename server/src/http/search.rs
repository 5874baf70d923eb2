//! `GET /chat/search` (issue 17): the lines that match a query in one room or in every room
//! the user is in, newest first, a page at a time (`?before=ID`); and
//! `GET /chat/{id}/messages`, a room's lines around, before or after one, which is where a
//! result leads. Every refusal says what to do, as JSON `{"error"}` or on the results page.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use chat_shared::api::{SearchHit, SearchResults};
use chat_shared::frame::HistoryFrom;
use chat_shared::limits::{HISTORY_LIMIT_MAX, SEARCH_PAGE, SEARCH_PAGE_MAX, WELCOME_HISTORY};
use chat_shared::search::{self, SearchQuery};
use chat_shared::Room;

use super::pages::{render, Ctx, SearchPage, SearchRow};
use super::{json_error, Routes};
use crate::error::AppError;
use crate::history::{self, HistoryError};
use crate::state::AppState;
use crate::store::{Joins, SearchRequest};

pub fn routes() -> Routes {
    vec![
        ("/chat/search", get(search)),
        ("/chat/{id}/messages", get(messages)),
    ]
}

/// A refused request: the status and what to tell the user.
struct Refused(StatusCode, String);

fn bad(message: impl Into<String>) -> Refused {
    Refused(StatusCode::BAD_REQUEST, message.into())
}

/// The query string as `search` reads it.
#[derive(Debug, Default)]
struct SearchParams {
    typed: String,
    room: Option<i64>,
    before: Option<i64>,
    limit: u32,
}

/// A positive id, or the refusal naming `name`.
fn parse_id(name: &str, value: &str) -> Result<i64, Refused> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id >= 1)
        .ok_or_else(|| {
            bad(format!(
                "{name} must be a message or room number, such as {name}=12"
            ))
        })
}

fn parse_limit(value: &str, max: u32) -> Result<u32, Refused> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| bad(format!("limit must be a number from 1 to {max}")))
}

impl SearchParams {
    fn parse(pairs: &[(String, String)]) -> Result<Self, Refused> {
        let mut params = SearchParams {
            limit: SEARCH_PAGE,
            ..Default::default()
        };
        for (key, value) in pairs {
            match key.as_str() {
                "q" => params.typed = value.clone(),
                // The page's form sends an empty `room` for "every room".
                "room" if value.trim().is_empty() => {}
                "room" => params.room = Some(parse_id("room", value)?),
                "before" => params.before = Some(parse_id("before", value)?),
                "limit" => params.limit = parse_limit(value, SEARCH_PAGE_MAX)?,
                _ => {}
            }
        }
        Ok(params)
    }
}

/// Whether the user may read `room`: it is active and they are in it (not banned). A room
/// that does not exist answers as one they are not in, so ids tell nothing.
async fn is_member(state: &AppState, user_id: i64, room: i64) -> Result<bool, AppError> {
    let active = state.store.room(room).await?.is_some_and(|r| r.active);
    Ok(active
        && state.store.notify(room, user_id).await?.is_some()
        && !state.store.is_banned(room, user_id).await?)
}

/// One page of results and the `before` of the next.
async fn run(
    state: &AppState,
    user_id: i64,
    params: &SearchParams,
    query: SearchQuery,
) -> Result<SearchResults, AppError> {
    let mut lines = state
        .store
        .search(&SearchRequest {
            user_id,
            room: params.room,
            query,
            before: params.before,
            limit: params.limit + 1,
        })
        .await?;
    let more = lines.len() > params.limit as usize;
    lines.truncate(params.limit as usize);
    let next_before = more.then(|| lines.last().map(|l| l.message.id)).flatten();
    // The results' rooms in one query (a page may come from 20 rooms).
    let mut ids: Vec<i64> = lines.iter().map(|l| l.message.room_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let rooms: HashMap<i64, Room> = state
        .store
        .rooms(&ids)
        .await?
        .into_iter()
        .map(|record| (record.room.id, record.room))
        .collect();
    let results = lines
        .into_iter()
        .filter_map(|line| {
            let room = rooms.get(&line.message.room_id)?.clone();
            Some(SearchHit {
                room,
                message: line.message,
            })
        })
        .collect();
    Ok(SearchResults {
        results,
        next_before,
    })
}

async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let params = match SearchParams::parse(&pairs) {
        Ok(params) => params,
        Err(Refused(status, message)) => {
            return answer_refusal(&ctx, status, message, &SearchParams::default())
        }
    };
    // The page itself, before anything was typed.
    if !ctx.json && params.typed.trim().is_empty() && params.before.is_none() {
        return render_page(&ctx, &params, None, None);
    }
    let query = match search::parse_query(&params.typed) {
        Ok(query) => query,
        Err(e) => return answer_refusal(&ctx, StatusCode::BAD_REQUEST, e.message(), &params),
    };
    if let Some(room) = params.room {
        if !is_member(&state, user.user.id, room).await? {
            return answer_refusal(&ctx, StatusCode::FORBIDDEN, not_in_room(room), &params);
        }
    }
    let found = run(&state, user.user.id, &params, query).await?;
    if ctx.json {
        return Ok(Json(found).into_response());
    }
    render_page(&ctx, &params, Some(found), None)
}

pub fn not_in_room(room: i64) -> String {
    format!("you are not in room {room}; open it to search it")
}

fn answer_refusal(
    ctx: &Ctx,
    status: StatusCode,
    message: String,
    params: &SearchParams,
) -> Result<Response, AppError> {
    if ctx.json {
        return Ok(json_error(status, message));
    }
    let mut response = render_page(ctx, params, None, Some(message))?;
    *response.status_mut() = status;
    Ok(response)
}

fn render_page(
    ctx: &Ctx,
    params: &SearchParams,
    found: Option<SearchResults>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let searched = found.is_some();
    let (results, next_before) = found.map_or((Vec::new(), None), |f| (f.results, f.next_before));
    let older = next_before.map(|before| {
        let mut href = url::form_urlencoded::Serializer::new(String::new());
        href.append_pair("q", &params.typed);
        if let Some(room) = params.room {
            href.append_pair("room", &room.to_string());
        }
        href.append_pair("before", &before.to_string());
        format!("/chat/search/?{}", href.finish())
    });
    render(
        StatusCode::OK,
        &SearchPage {
            c: ctx.chrome(),
            q: params.typed.clone(),
            room: params.room,
            searched,
            results: results.into_iter().map(SearchRow::new).collect(),
            older,
            error,
        },
    )
}

/// `GET /chat/{id}/messages?around=ID|before=ID|after=ID[&limit=N]`: the socket's `history`
/// answer over HTTP, for participants of the room.
async fn messages(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let record = state.rooms.active(&id).await?;
    let room = record.room.id;
    if !is_member(&state, user.user.id, room).await? {
        return Ok(json_error(
            StatusCode::FORBIDDEN,
            format!("you are not in room {room}; open it to read it"),
        ));
    }
    let (mut before, mut after, mut around, mut limit) = (None, None, None, WELCOME_HISTORY);
    for (key, value) in &pairs {
        let parsed = match key.as_str() {
            "before" => parse_id("before", value).map(|id| before = Some(id)),
            "after" => parse_id("after", value).map(|id| after = Some(id)),
            "around" => parse_id("around", value).map(|id| around = Some(id)),
            "limit" => parse_limit(value, HISTORY_LIMIT_MAX).map(|n| limit = n),
            _ => Ok(()),
        };
        if let Err(Refused(status, message)) = parsed {
            return Ok(json_error(status, message));
        }
    }
    let from = match HistoryFrom::of(before, after, around) {
        Ok(from) => from,
        Err(_) => {
            return Ok(json_error(
                StatusCode::BAD_REQUEST,
                "give exactly one of before, after or around (a message id)".into(),
            ))
        }
    };
    match history::read(state.store.as_ref(), room, from, limit, Joins::Excluded).await {
        Ok(page) => Ok(Json(page).into_response()),
        Err(e @ HistoryError::NotFound(_)) => Ok(json_error(StatusCode::NOT_FOUND, e.message())),
        Err(HistoryError::Store(e)) => Err(e.into()),
    }
}
