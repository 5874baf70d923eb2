//! One task per open room: connects `/ws/chat/{id}/` with the session cookie, forwards every
//! frame to the app, sends what the app asks, and on a loss reconnects by itself with backoff
//! and `?after=<newest id seen>` so no message is missed. The server's close code says when
//! not to (`chat_shared::close`, docs/protocol.md): the user left the room (`LEFT`; coming
//! back would make them a participant again), the room was removed (`DONE`), or the session
//! was logged out (`LOGGED_OUT`), or the room's creator banned the user (`BANNED`). Lines the app asks to send while offline are dropped here on
//! purpose: the app keeps them pending and sends them again (same nonce) after the next
//! welcome.

use std::time::Duration;

use chat_shared::session::SESSION_COOKIE;
use chat_shared::{close, ClientFrame, ServerFrame};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::{HeaderValue, COOKIE};
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::http::Http;
use super::Backoff;
use crate::action::{Action, ConnState, NetEvent, RoomEnd};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a connection attempt may take before it counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Pings keep idle connections (and any proxy on the way) from being cut silently.
const PING_EVERY: Duration = Duration::from_secs(25);

/// What the app tells a room task.
#[derive(Debug)]
pub enum RoomCommand {
    Send(ClientFrame),
    Close,
}

/// Why a connection attempt failed.
#[derive(Debug)]
pub enum ConnectError {
    /// 401 before the upgrade: the session is gone.
    Unauthorized,
    /// 404/403: trying again will not help.
    Refused(String),
    /// Anything else: try again later.
    Failed(String),
}

/// Opens a WebSocket, with the session cookie when there is one and no `Origin` header.
pub async fn connect(url: &url::Url, session: Option<String>) -> Result<Socket, ConnectError> {
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| ConnectError::Refused(format!("bad socket address {url}: {e}")))?;
    if let Some(sid) = session {
        let value = HeaderValue::from_str(&format!("{SESSION_COOKIE}={sid}"))
            .map_err(|_| ConnectError::Unauthorized)?;
        request.headers_mut().insert(COOKIE, value);
    }
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(request)).await {
        Err(_) => Err(ConnectError::Failed("no answer (timed out)".into())),
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(WsError::Http(response))) => Err(match response.status().as_u16() {
            401 => ConnectError::Unauthorized,
            404 => ConnectError::Refused("no such room; it may have been removed".into()),
            403 => ConnectError::Refused("the server refused the connection (403)".into()),
            status => ConnectError::Failed(format!("the server answered {status}")),
        }),
        Ok(Err(WsError::Io(e))) if e.kind() == std::io::ErrorKind::ConnectionRefused => Err(
            ConnectError::Failed("server unreachable (connection refused)".into()),
        ),
        Ok(Err(e)) => Err(ConnectError::Failed(e.to_string())),
    }
}

/// Starts the room's task; dropping the returned sender (or sending `Close`) stops it.
pub fn spawn_room(
    http: Http,
    room_id: i64,
    actions: UnboundedSender<Action>,
) -> UnboundedSender<RoomCommand> {
    let (commands_tx, commands) = unbounded_channel();
    tokio::spawn(room_task(http, room_id, actions, commands));
    commands_tx
}

/// How one connection ended.
enum End {
    /// The tab closed, the app quit, or the server said not to come back (already reported):
    /// do not reconnect.
    Stop,
    /// Lost: reconnect after a wait.
    Dropped(String),
}

/// What a close from the server means for this room's task: reported and stopped, or
/// reconnect (with why, for the status line).
fn on_close(code: Option<u16>, room_id: i64, actions: &UnboundedSender<Action>) -> End {
    let report = |event: NetEvent| {
        let _ = actions.send(Action::Net(event));
        End::Stop
    };
    match code {
        Some(close::LEFT) => report(NetEvent::RoomEnded {
            room_id,
            why: RoomEnd::Left,
        }),
        Some(close::DONE) => report(NetEvent::RoomEnded {
            room_id,
            why: RoomEnd::Removed,
        }),
        Some(close::BANNED) => report(NetEvent::RoomEnded {
            room_id,
            why: RoomEnd::Banned,
        }),
        Some(close::LOGGED_OUT) => report(NetEvent::SessionExpired),
        Some(close::RESTARTING) => End::Dropped("the server is restarting".into()),
        Some(close::SERVER_ERROR) => End::Dropped("the server had an error".into()),
        Some(close::TOO_SLOW) => End::Dropped("this connection fell behind".into()),
        Some(close::NO_PONG) => End::Dropped("the connection went quiet".into()),
        Some(code) => End::Dropped(format!("the server closed the connection ({code})")),
        None => End::Dropped("the server closed the connection".into()),
    }
}

async fn room_task(
    http: Http,
    room_id: i64,
    actions: UnboundedSender<Action>,
    mut commands: UnboundedReceiver<RoomCommand>,
) {
    let report = |event: NetEvent| actions.send(Action::Net(event)).is_ok();
    let mut last_id: Option<i64> = None;
    let mut backoff = Backoff::default();
    loop {
        let state = ConnState::Connecting;
        if !report(NetEvent::RoomState { room_id, state }) {
            return;
        }
        let mut url = http.ws_url(&format!("/ws/chat/{room_id}/"));
        // Joins and leaves come as quiet lines of the log (docs/protocol.md).
        url.query_pairs_mut().append_pair("events", "joins");
        if let Some(after) = last_id {
            url.query_pairs_mut()
                .append_pair("after", &after.to_string());
        }
        let reason = match connect(&url, http.cookie(SESSION_COOKIE)).await {
            Ok(socket) => {
                backoff.reset();
                match run(socket, room_id, &actions, &mut commands, &mut last_id).await {
                    End::Stop => return,
                    End::Dropped(reason) => reason,
                }
            }
            Err(ConnectError::Unauthorized) => {
                report(NetEvent::SessionExpired);
                return;
            }
            Err(ConnectError::Refused(message)) => {
                report(NetEvent::RoomGone { room_id, message });
                return;
            }
            Err(ConnectError::Failed(reason)) => reason,
        };
        let retry_in = backoff.next_delay();
        let state = ConnState::Offline { reason, retry_in };
        if !report(NetEvent::RoomState { room_id, state }) {
            return;
        }
        let wait = tokio::time::sleep(retry_in);
        tokio::pin!(wait);
        loop {
            tokio::select! {
                () = &mut wait => break,
                command = commands.recv() => match command {
                    None | Some(RoomCommand::Close) => return,
                    Some(RoomCommand::Send(_)) => {}
                },
            }
        }
    }
}

/// Runs one connection until it ends, keeping `last_id` at the newest message id seen.
async fn run(
    socket: Socket,
    room_id: i64,
    actions: &UnboundedSender<Action>,
    commands: &mut UnboundedReceiver<RoomCommand>,
    last_id: &mut Option<i64>,
) -> End {
    let (mut sink, mut stream) = socket.split();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    // A frame this version does not know is skipped, not fatal.
                    let Ok(frame) = serde_json::from_str::<ServerFrame>(text.as_str()) else {
                        continue;
                    };
                    let newest = match &frame {
                        ServerFrame::Welcome { history, .. } => history.last().map(|m| m.id),
                        ServerFrame::Message(m) => Some(m.id),
                        ServerFrame::MessageEdited { id, .. }
                        | ServerFrame::MessageDeleted { id, .. } => Some(*id),
                        _ => None,
                    };
                    *last_id = (*last_id).max(newest);
                    let removed = frame == ServerFrame::RoomRemoved;
                    let event = NetEvent::RoomFrame { room_id, frame };
                    if actions.send(Action::Net(event)).is_err() || removed {
                        return End::Stop;
                    }
                }
                Some(Ok(WsMessage::Close(frame))) => {
                    return on_close(frame.map(|f| u16::from(f.code)), room_id, actions);
                }
                None => return End::Dropped("the server closed the connection".into()),
                Some(Ok(_)) => {}
                Some(Err(e)) => return End::Dropped(e.to_string()),
            },
            command = commands.recv() => match command {
                Some(RoomCommand::Send(frame)) => {
                    let Ok(text) = serde_json::to_string(&frame) else {
                        continue;
                    };
                    if let Err(e) = sink.send(WsMessage::text(text)).await {
                        return End::Dropped(e.to_string());
                    }
                }
                Some(RoomCommand::Close) | None => {
                    let _ = sink.send(WsMessage::Close(None)).await;
                    return End::Stop;
                }
            },
            _ = ping.tick() => {
                if let Err(e) = sink.send(WsMessage::Ping(Vec::new().into())).await {
                    return End::Dropped(e.to_string());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the app hears, and whether the task goes on, for one close code.
    fn close_with(code: Option<u16>) -> (Option<NetEvent>, bool) {
        let (tx, mut rx) = unbounded_channel();
        let reconnects = matches!(on_close(code, 7, &tx), End::Dropped(_));
        let heard = match rx.try_recv() {
            Ok(Action::Net(event)) => Some(event),
            _ => None,
        };
        (heard, reconnects)
    }

    #[test]
    fn left_removed_and_logged_out_stop_the_room_and_the_rest_reconnect() {
        assert_eq!(
            close_with(Some(close::LEFT)),
            (
                Some(NetEvent::RoomEnded {
                    room_id: 7,
                    why: RoomEnd::Left
                }),
                false
            )
        );
        assert_eq!(
            close_with(Some(close::DONE)),
            (
                Some(NetEvent::RoomEnded {
                    room_id: 7,
                    why: RoomEnd::Removed
                }),
                false
            )
        );
        assert_eq!(
            close_with(Some(close::BANNED)),
            (
                Some(NetEvent::RoomEnded {
                    room_id: 7,
                    why: RoomEnd::Banned
                }),
                false
            )
        );
        assert_eq!(
            close_with(Some(close::LOGGED_OUT)),
            (Some(NetEvent::SessionExpired), false)
        );
        for code in [
            close::NO_PONG,
            close::SERVER_ERROR,
            close::RESTARTING,
            close::TOO_SLOW,
            4999,
        ] {
            assert_eq!(close_with(Some(code)), (None, true), "{code}");
        }
        assert_eq!(close_with(None), (None, true));
    }
}
