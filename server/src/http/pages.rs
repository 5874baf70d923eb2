//! The askama page types: what each template in `templates/` is given.

use std::collections::BTreeMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chat_shared::{Participant, Room};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::auth::csrf::CsrfToken;
use crate::auth::session::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::i18n::Texts;
use crate::state::AppState;

/// What every page's layout needs: the language, who is logged in, the CSRF token for forms.
pub struct Chrome {
    pub t: &'static Texts,
    pub me: Option<String>,
    pub csrf: String,
}

/// Renders a template with a status.
pub fn render(status: StatusCode, page: &impl Template) -> Result<Response, AppError> {
    let html = page
        .render()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("template failed: {e}")))?;
    Ok((status, Html(html)).into_response())
}

/// A room as a row of the list.
pub struct RoomRow {
    pub room: Room,
    /// "2026-11-24 21:46 UTC"; page scripts show it in the reader's time zone.
    pub created_display: String,
    /// The unread count as shown ("3", "999+"), empty when nothing is unread.
    pub unread_label: String,
}

impl RoomRow {
    pub fn new(room: Room) -> Self {
        let created_display = chrono::DateTime::parse_from_rfc3339(&room.created_at)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|_| room.created_at.clone());
        let unread_label = match room.unread {
            0 => String::new(),
            n => chat_shared::limits::unread_label(n),
        };
        Self {
            room,
            created_display,
            unread_label,
        }
    }
}

#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub c: Chrome,
    pub rooms: Vec<RoomRow>,
    /// The newest rooms: the only page live updates add new rooms to.
    pub first_page: bool,
    /// Older rooms exist below this page.
    pub has_more: bool,
    pub older: Option<String>,
    pub newer: Option<String>,
}

/// A search result as the results page shows it.
pub struct SearchRow {
    pub room: Room,
    pub message: chat_shared::Message,
    /// "2026-11-24 21:46 UTC"; page scripts show it in the reader's time zone.
    pub sent_display: String,
}

impl SearchRow {
    pub fn new(hit: chat_shared::api::SearchHit) -> Self {
        let sent_display = chrono::DateTime::parse_from_rfc3339(&hit.message.sent_at)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|_| hit.message.sent_at.clone());
        Self {
            room: hit.room,
            message: hit.message,
            sent_display,
        }
    }
}

/// `GET /chat/search`: the search box, and the results once something was searched.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub c: Chrome,
    /// What was typed, shown back in the box.
    pub q: String,
    /// The room the search is limited to.
    pub room: Option<i64>,
    /// A search ran (so an empty list means "nothing matched").
    pub searched: bool,
    pub results: Vec<SearchRow>,
    pub older: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "create.html")]
pub struct CreatePage {
    pub c: Chrome,
    pub title: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "room.html")]
pub struct RoomPage {
    pub c: Chrome,
    pub room: Room,
    /// The first page of the room's list (online first), as the welcome lists it.
    pub participants: Vec<Participant>,
    /// The room's counts, and how many participants the first page leaves out ("and N more").
    pub people: Headcount,
    /// How many participants the page's script asks for at a time (`PARTICIPANT_PAGE`).
    pub participant_page: u32,
    pub is_creator: bool,
    /// The creator, or a server admin: offered Remove.
    pub can_remove: bool,
    pub me: String,
    /// Why a rename was refused, shown next to the rename field.
    pub edit_error: Option<String>,
    pub edit_title: String,
    /// Which of the room's lines notify the user (`all`, `mentions`, `none`), for its control.
    pub notify: &'static str,
}

/// A room's participant counts, as its page shows them.
pub struct Headcount {
    pub total: u32,
    pub online: u32,
    /// Participants not on the first page.
    pub more: u32,
}

impl RoomPage {
    /// "5 participants · 2 online", in the page's language.
    pub fn headcount(&self) -> String {
        self.c
            .t
            .headcount
            .replace("{total}", &self.people.total.to_string())
            .replace("{online}", &self.people.online.to_string())
    }

    /// "and 2 more", in the page's language.
    pub fn more_line(&self) -> String {
        self.c
            .t
            .participants_more
            .replace("{n}", &self.people.more.to_string())
    }
}

#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub c: Chrome,
    pub email: String,
    pub nickname: String,
    pub errors: BTreeMap<String, Vec<String>>,
}

impl RegisterPage {
    /// The errors for one field (empty when none), for the template.
    pub fn errors_for(&self, field: &str) -> Vec<String> {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub c: Chrome,
    pub username: String,
    pub next: String,
    pub error: Option<String>,
}

/// Everything about the request a page handler needs besides its input: language, JSON or
/// HTML, the CSRF token and the user (looked up once).
pub struct Ctx {
    pub t: &'static Texts,
    pub json: bool,
    pub csrf: String,
    pub user: Option<CurrentUser>,
    pub headers: axum::http::HeaderMap,
}

impl Ctx {
    pub fn chrome(&self) -> Chrome {
        Chrome {
            t: self.t,
            me: self.user.as_ref().map(|u| u.user.nickname.clone()),
            csrf: self.csrf.clone(),
        }
    }

    /// The logged-in user, or the contract's answer for anonymous requests.
    pub fn require_user(&self) -> Result<CurrentUser, AppError> {
        self.user.clone().ok_or(AppError::LoginRequired)
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        Ok(Ctx {
            t: crate::i18n::negotiate(&parts.headers),
            json: super::wants_json(&parts.headers),
            csrf: parts
                .extensions
                .get::<CsrfToken>()
                .map(|c| c.0.clone())
                .unwrap_or_default(),
            user,
            headers: parts.headers.clone(),
        })
    }
}
