//! `GET /ws/echo`: echoes every text and binary message back, over a socket configured exactly
//! like the chat's (`socket::configure`). Mounted only with `--enable-echo-route`, for running the
//! Autobahn|Testsuite conformance cases against our WebSocket stack.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};

use super::close::finish;
use super::configure;

pub async fn upgrade(ws: WebSocketUpgrade) -> Response {
    configure(ws).on_upgrade(echo)
}

async fn echo(socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    loop {
        let reply = match stream.next().await {
            Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => message,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            ending => return finish(&mut sink, &mut stream, ending).await,
        };
        if sink.send(reply).await.is_err() {
            return;
        }
    }
}
