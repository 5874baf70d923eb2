//! The lobby task: keeps `/ws/lobby` open (with the session, so the list carries our unread
//! counts) and forwards the live room list, reconnecting with backoff. It runs until its handle is aborted.

use chat_shared::session::SESSION_COOKIE;
use chat_shared::LobbyFrame;
use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::http::Http;
use super::ws::{connect, ConnectError};
use super::Backoff;
use crate::action::{Action, ConnState, NetEvent};

pub fn spawn_lobby(http: Http, actions: UnboundedSender<Action>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let report = |event: NetEvent| actions.send(Action::Net(event)).is_ok();
        let mut backoff = Backoff::default();
        loop {
            if !report(NetEvent::LobbyState(ConnState::Connecting)) {
                return;
            }
            // With the session: the list then carries our unread counts (docs/protocol.md
            // "Read markers").
            let reason = match connect(&http.ws_url("/ws/lobby"), http.cookie(SESSION_COOKIE)).await
            {
                Ok(mut socket) => {
                    backoff.reset();
                    loop {
                        match socket.next().await {
                            Some(Ok(WsMessage::Text(text))) => {
                                let Ok(frame) = serde_json::from_str::<LobbyFrame>(text.as_str())
                                else {
                                    continue;
                                };
                                // The first frame is the list: from then on we are live.
                                if matches!(frame, LobbyFrame::Rooms { .. })
                                    && !report(NetEvent::LobbyState(ConnState::Online))
                                {
                                    return;
                                }
                                if !report(NetEvent::Lobby(frame)) {
                                    return;
                                }
                            }
                            Some(Ok(WsMessage::Close(_))) | None => {
                                break "the server closed the connection".to_owned();
                            }
                            Some(Ok(_)) => {}
                            Some(Err(e)) => break e.to_string(),
                        }
                    }
                }
                Err(ConnectError::Unauthorized) => "the server refused the room list (401)".into(),
                Err(ConnectError::Refused(reason) | ConnectError::Failed(reason)) => reason,
            };
            let retry_in = backoff.next_delay();
            if !report(NetEvent::LobbyState(ConnState::Offline {
                reason,
                retry_in,
            })) {
                return;
            }
            tokio::time::sleep(retry_in).await;
        }
    })
}
