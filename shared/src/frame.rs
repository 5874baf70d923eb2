//! WebSocket frames (CONTRACT.md "WebSocket"): JSON text, one object each, tagged by `"type"`.

use serde::{Deserialize, Serialize};

use crate::limits::{
    is_refused_in_body, BODY_MAX_CHARS, HISTORY_LIMIT_MAX, NONCE_MAX_CHARS, PARTICIPANT_PAGE_MAX,
};
use crate::model::{Message, Participant, Room};

/// What a client may send on `/ws/chat/{room_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Post a message. A repeated `nonce` is not stored twice.
    Send {
        body: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nonce: Option<String>,
        /// An action line (`/me waves` sends `{"body":"waves","action":true}`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        action: bool,
    },
    /// Replace the body of one of the user's own messages in this room.
    Edit { id: i64, body: String },
    /// Delete one of the user's own messages, or (as the room's creator) anyone's.
    Delete { id: i64 },
    /// Ask for up to `limit` messages older than `before`, newer than `after`, or around
    /// `around` (that line and the ones on both sides of it): exactly one of the three. Base
    /// clients send `before` only.
    History {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        around: Option<i64>,
        limit: u32,
    },
    /// The user is typing.
    Typing,
    /// The user has seen the room's stream up to this id (a line's or a change's): their read
    /// marker moves there, never back (`docs/protocol.md` "Read markers").
    Read { up_to: i64 },
    /// Ask for up to `limit` participants from position `offset` of the room's list (online
    /// first, then the others, each in the order they joined): the answer is a
    /// `participant_page`.
    Participants { offset: u32, limit: u32 },
}

/// What the server sends on `/ws/chat/{room_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The first frame after the upgrade.
    Welcome {
        room: Room,
        me: String,
        participants: Vec<Participant>,
        /// Oldest first.
        history: Vec<Message>,
        has_more: bool,
        /// The user's read marker in this room: lines after it are unread. Absent for a
        /// user with none (from a server without read markers).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read_up_to: Option<i64>,
        /// How many participants are online (the total is `room.participant_count`). Absent
        /// from a server without big rooms.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        online_count: Option<u32>,
        /// `participants` is the first page only: ask for the rest with `participants`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        participants_more: bool,
    },
    /// A stored message, to every connection in the room, in id order.
    Message(Message),
    /// An earlier message's body was edited. `id` is this change's own place in the room's
    /// stream (a resume cursor, like a message id); `message` is the line as it is now.
    MessageEdited { id: i64, message: Message },
    /// An earlier message was deleted: `message` has an empty body and `deleted: true`.
    MessageDeleted { id: i64, message: Message },
    /// The answer to a `history` request, oldest first. `has_more`: older lines exist;
    /// `has_newer` (only in answers to `after` and `around`): newer lines exist.
    History {
        messages: Vec<Message>,
        has_more: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        has_newer: Option<bool>,
    },
    /// A user's first connection to the room opened, or their last one closed.
    Presence { nickname: String, online: bool },
    /// A user became a participant of the room.
    Participant { nickname: String },
    /// Someone else is typing.
    Typing { nickname: String },
    /// The room changed (renamed, or its participant count moved).
    Room { room: Room },
    /// A user stopped being a participant of the room (they left it, from any device).
    ParticipantLeft { nickname: String },
    /// The room was removed; the server closes the socket after this frame.
    RoomRemoved,
    /// The user's read marker moved (from this device or another).
    Read { up_to: i64 },
    /// The answer to `participants`: the list from `offset` on, and the counts now.
    ParticipantPage {
        offset: u32,
        participants: Vec<Participant>,
        total: u32,
        online: u32,
        has_more: bool,
    },
    /// In a big room, instead of `participant`, `participant_left` and `presence` frames: the
    /// counts after the joins, leaves and arrivals of the last interval.
    Headcount { participants: u32, online: u32 },
    /// A frame was rejected.
    Error {
        code: ErrorCode,
        message: String,
        /// The `nonce` of the `send` this refuses, when it had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nonce: Option<String>,
        /// On `rate_limited`: how long to wait before sending it again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
}

/// What the server sends on `/ws/lobby`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LobbyFrame {
    /// The first frame: the newest active rooms (at most [`crate::limits::ROOM_PAGE`]),
    /// newest first. `has_more`: older rooms exist; `GET /chat/list?before=` pages through them.
    Rooms {
        rooms: Vec<Room>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        has_more: bool,
    },
    /// A room was created or changed.
    Room { room: Room },
    /// A room was removed.
    RoomRemoved { id: i64 },
    /// For a logged-in user: a room's unread count or mention moved. `unread` is capped at
    /// [`crate::limits::UNREAD_CAP`].
    Unread {
        room_id: i64,
        unread: u32,
        mentioned: bool,
    },
}

/// Why a client frame was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, not an object, an unknown `type`, a missing or mistyped field, or a binary frame.
    InvalidFrame,
    /// A body or nonce over its limit, or a frame over the size limit.
    TooLong,
    /// A body that is empty after trimming.
    Empty,
    /// Too many messages too fast; wait and send again.
    RateLimited,
    /// A `history` request with a limit out of range.
    InvalidLimit,
    /// The server could not store the message; send it again with the same nonce.
    StoreFailed,
    /// An `edit` or `delete` of a message that is not in this room, or was deleted.
    NotFound,
    /// An `edit` or `delete` the user may not make (someone else's message, edits turned
    /// off or past the edit window).
    Forbidden,
    /// Any code this version does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// Whether a refused `send` may succeed if sent again unchanged (with the same nonce):
    /// after `retry_after_ms` for `rate_limited`, after a short pause for `store_failed`.
    /// Otherwise the line itself is wrong: show the reason and let the user edit or drop it.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorCode::RateLimited | ErrorCode::StoreFailed)
    }
}

/// Where a `history` request reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryFrom {
    /// Lines older than this id.
    Before(i64),
    /// Lines newer than this id.
    After(i64),
    /// This line and the lines on both sides of it.
    Around(i64),
}

impl HistoryFrom {
    /// The `history` frame that asks for it.
    pub fn frame(self, limit: u32) -> ClientFrame {
        let (mut before, mut after, mut around) = (None, None, None);
        match self {
            HistoryFrom::Before(id) => before = Some(id),
            HistoryFrom::After(id) => after = Some(id),
            HistoryFrom::Around(id) => around = Some(id),
        }
        ClientFrame::History {
            before,
            after,
            around,
            limit,
        }
    }

    /// Which one of `before`, `after` and `around` a `history` frame names.
    pub fn of(
        before: Option<i64>,
        after: Option<i64>,
        around: Option<i64>,
    ) -> Result<Self, FrameError> {
        match (before, after, around) {
            (Some(id), None, None) => Ok(HistoryFrom::Before(id)),
            (None, Some(id), None) => Ok(HistoryFrom::After(id)),
            (None, None, Some(id)) => Ok(HistoryFrom::Around(id)),
            _ => Err(FrameError::new(
                ErrorCode::InvalidFrame,
                "invalid history frame: give exactly one of before, after or around (a message id)",
            )),
        }
    }
}

/// A rejected client frame: the code and a message for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    pub code: ErrorCode,
    pub message: String,
}

impl FrameError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The `error` frame, naming the refused `send`'s nonce if it had one.
    pub fn into_frame(self, nonce: Option<&str>) -> ServerFrame {
        ServerFrame::Error {
            code: self.code,
            message: self.message,
            nonce: nonce.map(str::to_owned),
            retry_after_ms: None,
        }
    }
}

/// What a `read` frame's `up_to` must be: said whenever it is not.
const READ_UP_TO_RULE: &str =
    "invalid read frame: up_to must be the id of a message in this room (a whole number of 1 or more)";

/// A `send` frame that passed validation: the trimmed body and the nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSend {
    pub body: String,
    pub nonce: Option<String>,
}

impl ClientFrame {
    /// Parses a text frame, turning every way it can be wrong into a [`FrameError`] with a
    /// message that says what to fix.
    pub fn parse(text: &str) -> Result<Self, FrameError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|_| {
            FrameError::new(
                ErrorCode::InvalidFrame,
                "frames must be JSON objects with a \"type\" field",
            )
        })?;
        let kind = value
            .get("type")
            .and_then(|t| t.as_str())
            .ok_or_else(|| {
                FrameError::new(
                    ErrorCode::InvalidFrame,
                    "frames must be JSON objects with a \"type\" field",
                )
            })?
            .to_owned();
        if !matches!(
            kind.as_str(),
            "send" | "history" | "typing" | "edit" | "delete" | "read" | "participants"
        ) {
            return Err(FrameError::new(
                ErrorCode::InvalidFrame,
                format!(
                    "unknown frame type {:?}; expected send, edit, delete, history, typing, read or participants",
                    kind.chars().take(32).collect::<String>()
                ),
            ));
        }
        let frame: ClientFrame = serde_json::from_value(value).map_err(|e| {
            if kind == "read" {
                return FrameError::new(ErrorCode::InvalidFrame, READ_UP_TO_RULE);
            }
            FrameError::new(
                ErrorCode::InvalidFrame,
                format!("invalid {kind} frame: {e}"),
            )
        })?;
        match frame {
            ClientFrame::Read { up_to } if up_to < 1 => {
                Err(FrameError::new(ErrorCode::InvalidFrame, READ_UP_TO_RULE))
            }
            ClientFrame::Participants { limit, .. }
                if !(1..=PARTICIPANT_PAGE_MAX).contains(&limit) =>
            {
                Err(FrameError::new(
                    ErrorCode::InvalidLimit,
                    format!("limit must be between 1 and {PARTICIPANT_PAGE_MAX}"),
                ))
            }
            ClientFrame::History {
                before,
                after,
                around,
                ..
            } => {
                HistoryFrom::of(before, after, around)?;
                Ok(frame)
            }
            frame => Ok(frame),
        }
    }

    /// Checks a `send` frame's body and nonce against the contract's limits and the body
    /// rules of `docs/protocol.md`: line feeds are kept, carriage returns dropped, and any
    /// other control character refused.
    pub fn validate_send(body: &str, nonce: Option<&str>) -> Result<ValidSend, FrameError> {
        // Postgres cannot store NUL in text, and no chat message needs one.
        if nonce.is_some_and(|n| n.chars().any(char::is_control)) {
            return Err(FrameError::new(
                ErrorCode::InvalidFrame,
                "the nonce contains a control character",
            ));
        }
        if let Some(c) = body.chars().find(|&c| is_refused_in_body(c)) {
            return Err(FrameError::new(
                ErrorCode::InvalidFrame,
                format!(
                    "the message contains the control character U+{:04X}; remove it and send again",
                    c as u32
                ),
            ));
        }
        let body = body.replace('\r', "");
        let trimmed = body.trim();
        if trimmed.is_empty() {
            return Err(FrameError::new(ErrorCode::Empty, "the message is empty"));
        }
        let chars = trimmed.chars().count();
        if chars > BODY_MAX_CHARS {
            return Err(FrameError::new(
                ErrorCode::TooLong,
                format!("the message has {chars} characters; the limit is {BODY_MAX_CHARS}"),
            ));
        }
        if let Some(n) = nonce {
            if n.chars().count() > NONCE_MAX_CHARS {
                return Err(FrameError::new(
                    ErrorCode::TooLong,
                    format!("the nonce is longer than {NONCE_MAX_CHARS} characters"),
                ));
            }
        }
        Ok(ValidSend {
            body: trimmed.to_owned(),
            nonce: nonce.filter(|n| !n.is_empty()).map(str::to_owned),
        })
    }

    /// Checks a `history` request's limit.
    pub fn validate_history_limit(limit: u32) -> Result<u32, FrameError> {
        if (1..=HISTORY_LIMIT_MAX).contains(&limit) {
            Ok(limit)
        } else {
            Err(FrameError::new(
                ErrorCode::InvalidLimit,
                format!("limit must be between 1 and {HISTORY_LIMIT_MAX}"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn room() -> Room {
        Room {
            id: 1,
            title: "Hello world".into(),
            creator: "brothersoo".into(),
            participant_count: 2,
            created_at: "2026-11-24T21:46:22Z".into(),
            unread: 0,
            mentioned: false,
        }
    }

    #[test]
    fn a_read_frame_needs_a_whole_positive_id() {
        assert_eq!(
            ClientFrame::parse(r#"{"type":"read","up_to":42}"#).unwrap(),
            ClientFrame::Read { up_to: 42 }
        );
        for bad in [
            r#"{"type":"read","up_to":0}"#,
            r#"{"type":"read","up_to":-3}"#,
            r#"{"type":"read","up_to":"42"}"#,
            r#"{"type":"read","up_to":1.5}"#,
            r#"{"type":"read","up_to":99999999999999999999}"#,
            r#"{"type":"read"}"#,
        ] {
            let e = ClientFrame::parse(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidFrame, "{bad}");
            assert!(
                e.message.contains("up_to must be the id"),
                "{bad}: {}",
                e.message
            );
        }
    }

    #[test]
    fn a_participants_request_needs_a_limit_in_range() {
        assert_eq!(
            ClientFrame::parse(r#"{"type":"participants","offset":100,"limit":100}"#).unwrap(),
            ClientFrame::Participants {
                offset: 100,
                limit: 100
            }
        );
        for (bad, code) in [
            (
                r#"{"type":"participants","offset":0,"limit":0}"#,
                ErrorCode::InvalidLimit,
            ),
            (
                r#"{"type":"participants","offset":0,"limit":201}"#,
                ErrorCode::InvalidLimit,
            ),
            (
                r#"{"type":"participants","offset":-1,"limit":10}"#,
                ErrorCode::InvalidFrame,
            ),
            (
                r#"{"type":"participants","limit":10}"#,
                ErrorCode::InvalidFrame,
            ),
        ] {
            assert_eq!(ClientFrame::parse(bad).unwrap_err().code, code, "{bad}");
        }
    }

    #[test]
    fn a_welcome_leaves_out_the_big_room_fields_a_base_client_does_not_know() {
        let welcome = ServerFrame::Welcome {
            room: room(),
            me: "ana".into(),
            participants: Vec::new(),
            history: Vec::new(),
            has_more: false,
            read_up_to: None,
            online_count: None,
            participants_more: false,
        };
        let json = serde_json::to_value(&welcome).unwrap();
        assert!(json.get("online_count").is_none() && json.get("participants_more").is_none());
        let parsed: ServerFrame = serde_json::from_value(json).unwrap();
        assert_eq!(parsed, welcome);
    }

    #[test]
    fn unread_fields_are_left_out_when_nothing_is_unread() {
        let json = serde_json::to_value(Room {
            unread: 3,
            mentioned: true,
            ..room()
        })
        .unwrap();
        assert_eq!(json["unread"], 3);
        assert_eq!(json["mentioned"], true);
        let plain = serde_json::to_value(room()).unwrap();
        assert!(plain.get("unread").is_none() && plain.get("mentioned").is_none());
    }

    #[test]
    fn room_serializes_as_the_contract_shows() {
        assert_eq!(
            serde_json::to_value(room()).unwrap(),
            json!({"id":1,"title":"Hello world","creator":"brothersoo","participant_count":2,"created_at":"2026-11-24T21:46:22Z"})
        );
    }

    #[test]
    fn message_frame_is_flat_with_a_type_tag() {
        let frame = ServerFrame::Message(Message::plain(
            7,
            1,
            "moistybro",
            "hi",
            "2026-11-24T21:46:22Z",
            None,
        ));
        assert_eq!(
            serde_json::to_value(&frame).unwrap(),
            json!({"type":"message","id":7,"room_id":1,"sender":"moistybro","body":"hi","sent_at":"2026-11-24T21:46:22Z","nonce":null})
        );
    }

    #[test]
    fn unit_and_struct_frames_round_trip() {
        for frame in [
            ServerFrame::RoomRemoved,
            ServerFrame::Presence {
                nickname: "a".into(),
                online: true,
            },
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                message: "slow down".into(),
                nonce: Some("n1".into()),
                retry_after_ms: Some(850),
            },
            ServerFrame::ParticipantLeft {
                nickname: "a".into(),
            },
            ServerFrame::Room { room: room() },
        ] {
            let text = serde_json::to_string(&frame).unwrap();
            assert_eq!(serde_json::from_str::<ServerFrame>(&text).unwrap(), frame);
        }
        assert_eq!(
            serde_json::to_value(ServerFrame::RoomRemoved).unwrap(),
            json!({"type":"room_removed"})
        );
        assert_eq!(
            serde_json::to_value(LobbyFrame::RoomRemoved { id: 3 }).unwrap(),
            json!({"type":"room_removed","id":3})
        );
    }

    #[test]
    fn client_frames_parse_from_contract_json() {
        assert_eq!(
            ClientFrame::parse(r#"{"type":"send","body":"hi","nonce":"n1"}"#).unwrap(),
            ClientFrame::Send {
                body: "hi".into(),
                nonce: Some("n1".into()),
                action: false,
            }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"send","body":"hi"}"#).unwrap(),
            ClientFrame::Send {
                body: "hi".into(),
                nonce: None,
                action: false,
            }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"history","before":10,"limit":20}"#).unwrap(),
            HistoryFrom::Before(10).frame(20)
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"history","around":10,"limit":20}"#).unwrap(),
            HistoryFrom::Around(10).frame(20)
        );
        assert_eq!(
            serde_json::to_value(HistoryFrom::Before(10).frame(20)).unwrap(),
            json!({"type":"history","before":10,"limit":20})
        );
        for bad in [
            r#"{"type":"history","limit":20}"#,
            r#"{"type":"history","before":1,"after":2,"limit":20}"#,
            r#"{"type":"history","before":1,"around":2,"limit":20}"#,
        ] {
            let e = ClientFrame::parse(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidFrame, "{bad}");
            assert!(e.message.contains("exactly one"), "{}", e.message);
        }
        assert_eq!(
            ClientFrame::parse(r#"{"type":"typing"}"#).unwrap(),
            ClientFrame::Typing
        );
    }

    #[test]
    fn bad_client_frames_name_the_problem() {
        for text in [
            "not json",
            "[1,2]",
            r#"{"body":"x"}"#,
            r#"{"type":"dance"}"#,
            r#"{"type":"send"}"#,
            r#"{"type":"send","body":5}"#,
        ] {
            let err = ClientFrame::parse(text).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidFrame, "{text}");
        }
    }

    #[test]
    fn send_validation_trims_and_bounds_the_body() {
        assert_eq!(
            ClientFrame::validate_send("  hi  ", None).unwrap().body,
            "hi"
        );
        assert_eq!(
            ClientFrame::validate_send("   ", None).unwrap_err().code,
            ErrorCode::Empty
        );
        let long = "가".repeat(BODY_MAX_CHARS + 1);
        assert_eq!(
            ClientFrame::validate_send(&long, None).unwrap_err().code,
            ErrorCode::TooLong
        );
        assert!(ClientFrame::validate_send(&"가".repeat(BODY_MAX_CHARS), None).is_ok());
        assert_eq!(
            ClientFrame::validate_send("a\0b", None).unwrap_err().code,
            ErrorCode::InvalidFrame
        );
        assert_eq!(
            ClientFrame::validate_send("ab", Some("n\0"))
                .unwrap_err()
                .code,
            ErrorCode::InvalidFrame
        );
        let nonce = "n".repeat(NONCE_MAX_CHARS + 1);
        assert_eq!(
            ClientFrame::validate_send("hi", Some(&nonce))
                .unwrap_err()
                .code,
            ErrorCode::TooLong
        );
    }

    #[test]
    fn unknown_error_codes_still_parse() {
        let frame: ServerFrame =
            serde_json::from_str(r#"{"type":"error","code":"brand_new","message":"m"}"#).unwrap();
        assert_eq!(
            frame,
            ServerFrame::Error {
                code: ErrorCode::Unknown,
                message: "m".into(),
                nonce: None,
                retry_after_ms: None,
            }
        );
    }

    /// A client built to the base contract sees the error frame it knows: the new fields are
    /// left out when they say nothing, and named as `docs/protocol.md` shows when they do.
    #[test]
    fn error_frames_name_the_nonce_and_the_wait() {
        let plain = FrameError::new(ErrorCode::Empty, "the message is empty").into_frame(None);
        assert_eq!(
            serde_json::to_value(&plain).unwrap(),
            json!({"type":"error","code":"empty","message":"the message is empty"})
        );
        let limited = ServerFrame::Error {
            code: ErrorCode::RateLimited,
            message: "wait".into(),
            nonce: Some("n1".into()),
            retry_after_ms: Some(850),
        };
        assert_eq!(
            serde_json::to_value(&limited).unwrap(),
            json!({"type":"error","code":"rate_limited","message":"wait","nonce":"n1","retry_after_ms":850})
        );
        assert_eq!(
            serde_json::to_value(ServerFrame::ParticipantLeft {
                nickname: "ana".into()
            })
            .unwrap(),
            json!({"type":"participant_left","nickname":"ana"})
        );
        assert!(ErrorCode::RateLimited.is_retryable());
        assert!(ErrorCode::StoreFailed.is_retryable());
        assert!(!ErrorCode::TooLong.is_retryable());
        assert!(!ErrorCode::InvalidFrame.is_retryable());
    }

    #[test]
    fn bodies_keep_line_breaks_drop_carriage_returns_and_refuse_other_controls() {
        assert_eq!(
            ClientFrame::validate_send("one\r\ntwo\n\nthree\n", None)
                .unwrap()
                .body,
            "one\ntwo\n\nthree"
        );
        for body in ["a\tb", "a\u{1b}[2Jb", "a\u{7}", "a\u{9b}b", "\0"] {
            let err = ClientFrame::validate_send(body, None).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidFrame, "{body:?}");
            assert!(err.message.contains("U+"), "{}", err.message);
        }
        assert_eq!(
            ClientFrame::validate_send("\r\n\r\n", None)
                .unwrap_err()
                .code,
            ErrorCode::Empty
        );
        // The limit counts what is stored: 4000 characters and 100 carriage returns fit.
        let body = format!("{}{}", "a".repeat(BODY_MAX_CHARS), "\r".repeat(100));
        assert!(ClientFrame::validate_send(&body, None).is_ok());
    }
}
