//! WebSocket frames (CONTRACT.md "WebSocket"): JSON text, one object each, tagged by `"type"`.

use serde::{Deserialize, Serialize};

use crate::limits::{BODY_MAX_CHARS, HISTORY_LIMIT_MAX, NONCE_MAX_CHARS};
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
    },
    /// Ask for up to `limit` messages older than `before`.
    History { before: i64, limit: u32 },
    /// The user is typing.
    Typing,
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
    },
    /// A stored message, to every connection in the room, in id order.
    Message(Message),
    /// The answer to a `history` request, oldest first.
    History {
        messages: Vec<Message>,
        has_more: bool,
    },
    /// A user's first connection to the room opened, or their last one closed.
    Presence { nickname: String, online: bool },
    /// A user became a participant of the room.
    Participant { nickname: String },
    /// Someone else is typing.
    Typing { nickname: String },
    /// The room changed (renamed, or its participant count moved).
    Room { room: Room },
    /// The room was removed; the server closes the socket after this frame.
    RoomRemoved,
    /// A frame was rejected.
    Error { code: ErrorCode, message: String },
}

/// What the server sends on `/ws/lobby`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LobbyFrame {
    /// The first frame: every active room, newest first.
    Rooms { rooms: Vec<Room> },
    /// A room was created or changed.
    Room { room: Room },
    /// A room was removed.
    RoomRemoved { id: i64 },
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
    /// Any code this version does not know.
    #[serde(other)]
    Unknown,
}

/// A rejected client frame: the code and a message for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    pub code: ErrorCode,
    pub message: String,
}

impl FrameError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn into_frame(self) -> ServerFrame {
        ServerFrame::Error {
            code: self.code,
            message: self.message,
        }
    }
}

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
        if !matches!(kind.as_str(), "send" | "history" | "typing") {
            return Err(FrameError::new(
                ErrorCode::InvalidFrame,
                format!(
                    "unknown frame type {:?}; expected send, history or typing",
                    kind.chars().take(32).collect::<String>()
                ),
            ));
        }
        serde_json::from_value(value).map_err(|e| {
            FrameError::new(
                ErrorCode::InvalidFrame,
                format!("invalid {kind} frame: {e}"),
            )
        })
    }

    /// Checks a `send` frame's body and nonce against the contract's limits.
    pub fn validate_send(body: &str, nonce: Option<&str>) -> Result<ValidSend, FrameError> {
        // Postgres cannot store NUL in text, and no chat message needs one.
        if body.contains('\0') || nonce.is_some_and(|n| n.contains('\0')) {
            return Err(FrameError::new(
                ErrorCode::InvalidFrame,
                "the message contains a NUL character; remove it and send again",
            ));
        }
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
        }
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
        let frame = ServerFrame::Message(Message {
            id: 7,
            room_id: 1,
            sender: "moistybro".into(),
            body: "hi".into(),
            sent_at: "2026-11-24T21:46:22Z".into(),
            nonce: None,
        });
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
                nonce: Some("n1".into())
            }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"send","body":"hi"}"#).unwrap(),
            ClientFrame::Send {
                body: "hi".into(),
                nonce: None
            }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"history","before":10,"limit":20}"#).unwrap(),
            ClientFrame::History {
                before: 10,
                limit: 20
            }
        );
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
                message: "m".into()
            }
        );
    }
}
