//! Frames from a room socket: the welcome (merge history, resend pending lines with their
//! nonces), messages (ack pending lines, count unread), history pages, presence, typing,
//! renames, removal and rejected frames.

use chat_shared::{ClientFrame, ErrorCode, Message, Participant, ServerFrame};

use super::close_room;
use crate::action::{ConnState, Effect};
use crate::app::{App, RoomView, Screen, View, TYPING_SHOWN_FOR};
use crate::ui::messages;

/// Merges messages into the room by id (no duplicates, id order) and settles the pending
/// lines whose nonce came back. Returns how many messages were new.
pub fn merge_messages(room: &mut RoomView, incoming: impl IntoIterator<Item = Message>) -> usize {
    let mut added = 0;
    for message in incoming {
        if let Some(nonce) = &message.nonce {
            room.pending.retain(|p| &p.nonce != nonce);
        }
        if let Err(at) = room.messages.binary_search_by_key(&message.id, |m| m.id) {
            room.messages.insert(at, message);
            added += 1;
        }
    }
    added
}

pub(super) fn on_frame(app: &mut App, room_id: i64, frame: ServerFrame) -> Vec<Effect> {
    let on_screen = app.screen == Screen::Main && app.view == View::Room(room_id);
    let (width, _) = messages::pane_size(app);
    let now = app.now;
    let me = app.me.clone();
    if let ServerFrame::Welcome { me, .. } = &frame {
        app.me = Some(me.clone());
    }
    let Some(room) = app.room_mut(room_id) else {
        return Vec::new();
    };
    match frame {
        ServerFrame::Welcome {
            room: info,
            participants,
            history,
            has_more,
            ..
        } => {
            room.room = Some(info);
            room.participants = participants;
            merge_messages(room, history);
            // After a reconnect the welcome carries what came after our newest message, so
            // only the first one says whether older messages exist.
            if !room.welcomed {
                room.has_more = has_more;
                room.welcomed = true;
            }
            room.state = ConnState::Online;
            room.loading_history = false;
            // Anything still pending may never have reached the server: send it again with
            // the same nonce, and the server stores it once.
            return room
                .pending
                .iter()
                .filter(|p| p.failed.is_none())
                .map(|p| Effect::Send {
                    room_id,
                    frame: ClientFrame::Send {
                        body: p.body.clone(),
                        nonce: Some(p.nonce.clone()),
                    },
                })
                .collect();
        }
        ServerFrame::Message(message) => {
            let from_other = me.as_deref() != Some(message.sender.as_str());
            room.typing.retain(|(nick, _)| *nick != message.sender);
            let lines = messages::message_line_count(&message, width);
            if merge_messages(room, [message]) > 0 {
                if from_other && !on_screen {
                    room.unread += 1;
                }
                // Keep a scrolled-back view still while new lines arrive below it.
                if room.scroll > 0 {
                    room.scroll += lines;
                }
            }
        }
        ServerFrame::History {
            messages: older,
            has_more,
        } => {
            merge_messages(room, older);
            room.has_more = has_more;
            room.loading_history = false;
        }
        ServerFrame::Presence { nickname, online } => {
            match room.participants.iter_mut().find(|p| p.nickname == nickname) {
                Some(p) => p.online = online,
                None => room.participants.push(Participant { nickname, online }),
            }
        }
        ServerFrame::Participant { nickname } => {
            if !room.participants.iter().any(|p| p.nickname == nickname) {
                room.participants.push(Participant {
                    nickname,
                    online: false,
                });
            }
        }
        ServerFrame::Typing { nickname } => {
            if me.as_deref() != Some(nickname.as_str()) {
                room.typing.retain(|(nick, _)| *nick != nickname);
                room.typing.push((nickname, now + TYPING_SHOWN_FOR));
            }
        }
        ServerFrame::Room { room: info } => {
            room.room = Some(info.clone());
            super::upsert_room(app, info);
        }
        ServerFrame::RoomRemoved => {
            let title = room.title();
            app.error(format!("Room “{title}” was removed by its creator."));
            return close_room(app, room_id);
        }
        ServerFrame::Error { code, message } => {
            // The server answers frames in order, so a rejection of a chat line belongs to
            // the oldest line still waiting for its answer.
            if matches!(
                code,
                ErrorCode::RateLimited
                    | ErrorCode::TooLong
                    | ErrorCode::Empty
                    | ErrorCode::InvalidFrame
            ) {
                if let Some(line) = room.pending.iter_mut().find(|p| p.failed.is_none()) {
                    line.failed = Some(message.clone());
                }
            }
            room.error = Some(message.clone());
            if on_screen {
                app.error(format!("Rejected: {message}"));
            }
        }
    }
    Vec::new()
}
