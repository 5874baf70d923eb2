//! Fuzzes what a room socket does with a client's text frame (server/src/http/ws.rs
//! `handle_text`): `ClientFrame::parse`, then `validate_send` or `validate_history_limit`.
//!
//! Beyond "never panics", it checks the promises the server and clients rely on: a rejected
//! frame always carries a code and a message; an accepted `send` is trimmed, non-empty and
//! within the limits; a `history` limit is accepted exactly when it is in 1..=100; and every
//! frame that parses serializes back to JSON that parses to the same frame.
#![no_main]

use chat_shared::limits::{BODY_MAX_CHARS, HISTORY_LIMIT_MAX, NONCE_MAX_CHARS};
use chat_shared::{ClientFrame, ErrorCode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // tungstenite hands the server only valid UTF-8 as text (anything else fails the socket),
    // so non-UTF-8 input is checked as the body of a `send` instead, after lossy decoding.
    let text = match std::str::from_utf8(data) {
        Ok(text) => text,
        Err(_) => {
            check_send(&String::from_utf8_lossy(data), None);
            return;
        }
    };

    match ClientFrame::parse(text) {
        Err(e) => {
            assert_eq!(e.code, ErrorCode::InvalidFrame, "parse only rejects as invalid_frame");
            assert!(!e.message.is_empty(), "every rejection says what to fix");
        }
        Ok(frame) => {
            let again = serde_json::to_string(&frame).expect("a frame serializes");
            assert_eq!(
                ClientFrame::parse(&again).expect("a serialized frame parses"),
                frame,
                "round trip of {again}"
            );
            match frame {
                ClientFrame::Send { body, nonce, .. } => check_send(&body, nonce.as_deref()),
                ClientFrame::History { limit, .. } => {
                    let accepted = ClientFrame::validate_history_limit(limit).is_ok();
                    assert_eq!(accepted, (1..=HISTORY_LIMIT_MAX).contains(&limit), "limit {limit}");
                }
                ClientFrame::Typing => {}
                ClientFrame::Edit { body, .. } => {
                    let _ = ClientFrame::validate_send(&body, None);
                }
                ClientFrame::Delete { .. } => {}
            }
        }
    }

    // The raw text as a body, and its first half as a nonce, reach the validator directly too.
    let half = text.char_indices().nth(text.chars().count() / 2).map_or(0, |(i, _)| i);
    check_send(text, Some(&text[..half]));
});

fn check_send(body: &str, nonce: Option<&str>) {
    match ClientFrame::validate_send(body, nonce) {
        Ok(valid) => {
            assert!(!valid.body.contains('\0'), "an accepted body has no NUL");
            assert!(!valid.body.is_empty(), "an accepted body is not empty");
            assert_eq!(valid.body, valid.body.trim(), "an accepted body is trimmed");
            assert_eq!(valid.body, body.trim(), "trimming is all that changes");
            assert!(valid.body.chars().count() <= BODY_MAX_CHARS);
            if let Some(n) = &valid.nonce {
                assert!(!n.is_empty(), "an empty nonce counts as none");
                assert!(n.chars().count() <= NONCE_MAX_CHARS);
            }
        }
        Err(e) => {
            assert!(!e.message.is_empty());
            let has_nul = body.contains('\0') || nonce.is_some_and(|n| n.contains('\0'));
            assert_eq!(e.code == ErrorCode::InvalidFrame, has_nul, "invalid_frame exactly for NUL");
            if !has_nul {
                assert!(matches!(e.code, ErrorCode::Empty | ErrorCode::TooLong), "{:?}", e.code);
                let empty = body.trim().is_empty();
                assert_eq!(e.code == ErrorCode::Empty, empty, "empty exactly when blank");
            }
        }
    }
}
