//! `GET /chat/list`: the active rooms, one page at a time, newest first. Pages are keyed on
//! the room id (`?before=ID`), never an offset, so a page costs the same however many rooms
//! exist, and a room created meanwhile does not shift the pages after it.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chat_shared::api::RoomList;
use chat_shared::limits::{ROOM_PAGE, ROOM_PAGE_MAX};

use super::pages::{render, Ctx, ListPage, RoomRow};
use crate::error::AppError;
use crate::rooms::unread::annotate;
use crate::state::AppState;

/// Which page, as the query string asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageQuery {
    /// Rooms with ids below this; `None` is the first page (the newest rooms).
    pub before: Option<i64>,
    pub limit: u32,
    /// The query named a `limit`, so the page's links must carry it on.
    pub limit_given: bool,
}

impl PageQuery {
    /// Reads `before` and `limit`; any other parameter is ignored. A bad value is refused
    /// rather than replaced by page one: links the server makes are always good, so a bad one
    /// is a typo or a broken client, and quietly showing other rooms would hide that.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, AppError> {
        let mut query = PageQuery {
            before: None,
            limit: ROOM_PAGE,
            limit_given: false,
        };
        let mut seen_before = false;
        for (key, value) in pairs {
            match key.as_str() {
                "before" => {
                    let id = value.parse::<i64>().ok().filter(|id| *id >= 1);
                    if seen_before || id.is_none() {
                        return Err(AppError::BadRoomCursor);
                    }
                    seen_before = true;
                    query.before = id;
                }
                "limit" => {
                    let limit = value
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=ROOM_PAGE_MAX).contains(n));
                    match limit {
                        Some(limit) if !query.limit_given => {
                            query.limit = limit;
                            query.limit_given = true;
                        }
                        _ => return Err(AppError::BadRoomLimit),
                    }
                }
                _ => {}
            }
        }
        Ok(query)
    }

    /// The link to the page of rooms below `before`, with this query's limit.
    fn href(&self, before: Option<i64>) -> String {
        let mut params = Vec::new();
        if let Some(before) = before {
            params.push(format!("before={before}"));
        }
        if self.limit_given {
            params.push(format!("limit={}", self.limit));
        }
        if params.is_empty() {
            "/chat/list/".to_owned()
        } else {
            format!("/chat/list/?{}", params.join("&"))
        }
    }
}

/// One page of rooms, and where the pages beside it are.
#[derive(Debug)]
pub struct Page {
    pub rooms: Vec<chat_shared::Room>,
    /// The `before` of the next older page, if there are older rooms.
    pub next_before: Option<i64>,
}

/// Reads the page `query` asks for: one row past the limit says whether older rooms exist.
pub async fn read_page(state: &AppState, query: PageQuery) -> Result<Page, AppError> {
    let mut rooms = state
        .store
        .active_rooms(query.before, query.limit + 1)
        .await?;
    let more = rooms.len() > query.limit as usize;
    rooms.truncate(query.limit as usize);
    let next_before = if more {
        rooms.last().map(|r| r.id)
    } else {
        None
    };
    Ok(Page { rooms, next_before })
}

/// The link to the page just newer than one that starts below `before`: page one when fewer
/// than a page of rooms lie above, otherwise the `before` that shows exactly the next
/// `limit` rooms up.
async fn newer_href(state: &AppState, query: PageQuery, before: i64) -> Result<String, AppError> {
    let above = state
        .store
        .active_room_ids_after(before - 1, query.limit + 1)
        .await?;
    let limit = query.limit as usize;
    Ok(if above.len() > limit {
        query.href(Some(above[limit - 1] + 1))
    } else {
        query.href(None)
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = PageQuery::parse(&pairs)?;
    let mut page = read_page(&state, query).await?;
    if let Some(user) = &ctx.user {
        annotate(state.store.as_ref(), &user.user, &mut page.rooms).await?;
    }
    if ctx.json {
        return Ok(Json(RoomList {
            rooms: page.rooms,
            next_before: page.next_before,
        })
        .into_response());
    }
    let newer = match query.before {
        Some(before) => Some(newer_href(&state, query, before).await?),
        None => None,
    };
    render(
        StatusCode::OK,
        &ListPage {
            c: ctx.chrome(),
            first_page: query.before.is_none(),
            has_more: page.next_before.is_some(),
            older: page.next_before.map(|id| query.href(Some(id))),
            newer,
            rooms: page.rooms.into_iter().map(RoomRow::new).collect(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<PageQuery, AppError> {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        PageQuery::parse(&pairs)
    }

    #[test]
    fn no_query_is_the_first_page() {
        let q = parse("").unwrap();
        assert_eq!((q.before, q.limit, q.limit_given), (None, ROOM_PAGE, false));
        assert_eq!(q.href(None), "/chat/list/");
        assert_eq!(q.href(Some(7)), "/chat/list/?before=7");
    }

    #[test]
    fn a_given_limit_is_carried_in_links() {
        let q = parse("before=40&limit=10&lang=ko").unwrap();
        assert_eq!((q.before, q.limit), (Some(40), 10));
        assert_eq!(q.href(Some(30)), "/chat/list/?before=30&limit=10");
        assert_eq!(q.href(None), "/chat/list/?limit=10");
    }

    #[test]
    fn bad_cursors_and_limits_are_refused() {
        for bad in [
            "before=",
            "before=abc",
            "before=0",
            "before=-3",
            "before=1.5",
            "before=99999999999999999999",
            "before=1&before=2",
        ] {
            assert!(matches!(parse(bad), Err(AppError::BadRoomCursor)), "{bad}");
        }
        for bad in [
            "limit=0",
            "limit=101",
            "limit=",
            "limit=x",
            "limit=-1",
            "limit=5&limit=6",
        ] {
            assert!(matches!(parse(bad), Err(AppError::BadRoomLimit)), "{bad}");
        }
        assert_eq!(parse("limit=100").unwrap().limit, ROOM_PAGE_MAX);
    }
}
