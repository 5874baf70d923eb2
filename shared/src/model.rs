//! The objects of the chat: rooms, participants and messages, as they appear in JSON.

use serde::{Deserialize, Serialize};

/// A chat room as listed and shown (CONTRACT.md "Room").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: i64,
    pub title: String,
    /// The creator's nickname.
    pub creator: String,
    pub participant_count: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// For a logged-in participant: lines from others they have not read, counted up to
    /// [`crate::limits::UNREAD_CAP`]; absent when zero (`docs/protocol.md` "Read markers").
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unread: u32,
    /// Some of those unread lines mention the user; absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mentioned: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A member of a room and whether any of their connections to it is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub nickname: String,
    pub online: bool,
}

/// A stored chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Increases within a room; "everything after id N" is exact.
    pub id: i64,
    pub room_id: i64,
    /// The sender's nickname.
    pub sender: String,
    pub body: String,
    /// RFC 3339, UTC.
    pub sent_at: String,
    /// The client's idempotency key for this message, if it gave one.
    pub nonce: Option<String>,
    /// What kind of line it is; absent for a plain message (`docs/protocol.md` "Room events").
    #[serde(default, skip_serializing_if = "MessageKind::is_text")]
    pub kind: MessageKind,
    /// RFC 3339, UTC: when the body was last edited; absent if never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<String>,
    /// The line was deleted: its body is empty and stays so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// The participants' nicknames the body mentions (`@nickname`), as the server found them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
}

impl Message {
    /// A plain message as the base contract has it: no kind, never edited or deleted, no
    /// mentions.
    pub fn plain(
        id: i64,
        room_id: i64,
        sender: impl Into<String>,
        body: impl Into<String>,
        sent_at: impl Into<String>,
        nonce: Option<String>,
    ) -> Self {
        Self {
            id,
            room_id,
            sender: sender.into(),
            body: body.into(),
            sent_at: sent_at.into(),
            nonce,
            kind: MessageKind::Text,
            edited_at: None,
            deleted: false,
            mentions: Vec::new(),
        }
    }

    /// Whether `nickname` is among the mentions (nicknames compare case-insensitively).
    pub fn mentions_nickname(&self, nickname: &str) -> bool {
        let wanted = nickname.to_lowercase();
        self.mentions.iter().any(|m| m.to_lowercase() == wanted)
    }
}

/// What a line in a room's log is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Something a participant said.
    #[default]
    Text,
    /// An action (`/me waves`): shown as "* ana waves".
    Action,
    /// A quiet line from the server about the room (a ban, say); `sender` is who caused it.
    Notice,
    /// The sender became a participant. Sent only to sockets that ask for it (`?events=joins`,
    /// `docs/protocol.md` "Joins and leaves"); clients show their own quiet text.
    Join,
    /// The sender stopped being a participant (left, or was banned). As [`MessageKind::Join`].
    Leave,
    /// Any kind this version does not know: show it as text.
    #[serde(other)]
    Unknown,
}

impl MessageKind {
    pub fn is_text(&self) -> bool {
        *self == MessageKind::Text
    }

    /// The name stored in the database's `kind` column and sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text | MessageKind::Unknown => "text",
            MessageKind::Action => "action",
            MessageKind::Notice => "notice",
            MessageKind::Join => "join",
            MessageKind::Leave => "leave",
        }
    }

    /// A join or leave line: about the room's membership, not something said, so it never
    /// notifies, counts as unread, or is searched.
    pub fn is_membership(self) -> bool {
        matches!(self, MessageKind::Join | MessageKind::Leave)
    }

    /// A quiet line from the server (a notice, a join, a leave): never notifies, never edited.
    pub fn is_quiet(self) -> bool {
        self == MessageKind::Notice || self.is_membership()
    }
}

/// Which of a room's lines notify a participant (a desktop notification, the terminal's bell):
/// kept on the server per user and room, so every device agrees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyLevel {
    /// Every line from someone else.
    All,
    /// Lines that mention the user.
    #[default]
    Mentions,
    /// Nothing.
    None,
}

impl NotifyLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyLevel::All => "all",
            NotifyLevel::Mentions => "mentions",
            NotifyLevel::None => "none",
        }
    }

    /// The level a stored or submitted name stands for.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "all" => Some(NotifyLevel::All),
            "mentions" => Some(NotifyLevel::Mentions),
            "none" => Some(NotifyLevel::None),
            _ => None,
        }
    }

    /// Whether `message` should notify `me` at this level.
    pub fn notifies(self, message: &Message, me: &str) -> bool {
        let from_me = message.sender.to_lowercase() == me.to_lowercase();
        match self {
            _ if from_me || message.deleted || message.kind.is_quiet() => false,
            NotifyLevel::All => true,
            NotifyLevel::Mentions => message.mentions_nickname(me),
            NotifyLevel::None => false,
        }
    }
}
