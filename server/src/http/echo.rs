//! `GET /ws/echo`: echoes every text and binary message back, over a socket configured exactly
//! like the chat's (`ws::configure`). Mounted only with `--enable-echo-route`, for running the
//! Autobahn|Testsuite conformance cases against our WebSocket stack.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};

use super::ws::configure;
use super::Routes;

pub fn routes() -> Routes {
    vec![("/ws/echo", get(upgrade))]
}

async fn upgrade(ws: WebSocketUpgrade) -> Response {
    configure(ws).on_upgrade(echo)
}

async fn echo(socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    while let Some(Ok(message)) = stream.next().await {
        let reply = match message {
            Message::Text(_) | Message::Binary(_) => message,
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        if sink.send(reply).await.is_err() {
            break;
        }
    }
}
