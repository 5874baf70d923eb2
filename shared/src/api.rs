//! JSON bodies of the HTTP API (requests with `Accept: application/json`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Message, Participant, Room};

/// `GET /chat/list[?before=ID][&limit=N]`: one page of active rooms, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomList {
    pub rooms: Vec<Room>,
    /// The `before` of the next (older) page; `None` on the last page. A server built to the
    /// base contract sends no such field: then `rooms` is the whole list.
    #[serde(default)]
    pub next_before: Option<i64>,
}

/// `POST /chat/create` (201) and `POST /chat/{id}/edit` (200).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomBody {
    pub room: Room,
}

/// `GET /chat/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomDetail {
    pub room: Room,
    pub participants: Vec<Participant>,
    /// The nicknames banned from the room, oldest ban first: only for those who may lift
    /// them (the room's creator, a server admin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bans: Option<Vec<String>>,
    /// Which of the room's lines notify the user asking (`POST /chat/{id}/notify` sets it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<crate::NotifyLevel>,
}

/// `POST /accounts/register` (201) and `POST /accounts/login` (200).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NicknameBody {
    pub nickname: String,
}

/// Any single failure: 401, 403, 404, 429, 500.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}

/// Validation failures, each message under the field it is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors {
    pub errors: BTreeMap<String, Vec<String>>,
}

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The first message for `field`, if any.
    pub fn first(&self, field: &str) -> Option<&str> {
        self.errors
            .get(field)
            .and_then(|v| v.first())
            .map(String::as_str)
    }
}

/// `GET /chat/search?q=…[&room=ID][&before=ID][&limit=N]`: matching lines, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub results: Vec<SearchHit>,
    /// The `before` of the next (older) page; `None` on the last page.
    pub next_before: Option<i64>,
}

/// One line a search found, with the room it is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub room: Room,
    pub message: Message,
}

/// `GET /chat/{id}/messages?around=ID|before=ID|after=ID[&limit=N]`: the `history` frame's
/// answer over HTTP, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub has_more: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_newer: Option<bool>,
}
