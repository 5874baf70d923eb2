//! How our sockets end, as RFC 6455 asks: a close frame from the client is answered with one
//! before the TCP connection goes, and a frame we refuse (too big, not UTF-8, not the protocol)
//! gets a close frame with the code that says why (1009, 1007, 1002) instead of a dropped
//! connection.

use std::error::Error as _;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use chat_shared::close::{NOT_UTF8, PROTOCOL_ERROR, TOO_BIG};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};

/// How long we spend on a goodbye before dropping the connection anyway.
const GOODBYE: Duration = Duration::from_secs(1);

/// A close frame with a code and a reason.
pub fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }))
}

/// The close code for a read error, if the client deserves to be told.
pub fn close_code_for(error: &axum::Error) -> Option<(u16, &'static str)> {
    let cause = error.source()?.downcast_ref::<tungstenite::Error>()?;
    match cause {
        tungstenite::Error::Capacity(_) => {
            crate::metrics::refused("size");
            Some((TOO_BIG, "frame too large; the limit is 64 KiB"))
        }
        tungstenite::Error::Utf8(_) => Some((NOT_UTF8, "text frames must be valid UTF-8")),
        tungstenite::Error::Protocol(_) => Some((PROTOCOL_ERROR, "WebSocket protocol error")),
        _ => None,
    }
}

/// Ends a socket whose read side returned `ending`: answers a client's close (tungstenite
/// queues the reply; flushing sends it, and reading on lets the client finish), or sends the
/// close code for a refused frame. Never waits more than a second.
pub async fn finish(
    sink: &mut SplitSink<WebSocket, Message>,
    stream: &mut SplitStream<WebSocket>,
    ending: Option<Result<Message, axum::Error>>,
) {
    let _ = tokio::time::timeout(GOODBYE, async {
        match ending {
            Some(Ok(Message::Close(_))) => {
                let _ = sink.flush().await;
                while let Some(Ok(_)) = stream.next().await {}
            }
            Some(Err(error)) => {
                if let Some((code, reason)) = close_code_for(&error) {
                    let _ = sink.send(close(code, reason)).await;
                }
            }
            _ => {}
        }
    })
    .await;
}
