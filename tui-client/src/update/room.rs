//! Frames from a room socket: the welcome (merge history, send pending lines again with their
//! nonces), messages (ack pending lines, count unread), history pages, who is in the room
//! (`participants`), typing, renames, removal and refused frames.

use chat_shared::{Message, ServerFrame};

use super::sending::{self, Refusal};
use super::{close_room, mentions, participants, search};
use crate::action::{ConnState, Effect};
use crate::app::{App, Headcount, RoomView, Screen, View, TYPING_SHOWN_FOR};
use crate::layout::messages;

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

/// A live message: settles a pending line (and lets the next one go), counts as unread when
/// the room is not on screen, and keeps a scrolled-back view where it is, counting what
/// arrived below it.
fn on_message(
    app: &mut App,
    room_id: i64,
    message: Message,
    on_screen: bool,
    width: u16,
) -> Vec<Effect> {
    // A join or leave is about the room, not something said: never unread.
    let from_other =
        app.me.as_deref() != Some(message.sender.as_str()) && !message.kind.is_membership();
    let mentions_me = mentions::mentions_me(app.me.as_deref(), &message);
    let Some(room) = app.room(room_id) else {
        return Vec::new();
    };
    let rings = app.bell
        && app
            .me
            .as_deref()
            .is_some_and(|me| room.notify.notifies(&message, me));
    let lines_before = (room.scroll > 0).then(|| messages::line_count(app, room, width));
    let Some(room) = app.room_mut(room_id) else {
        return Vec::new();
    };
    room.typing.retain(|(nick, _)| *nick != message.sender);
    let added = merge_messages(room, [message]) > 0;
    if added && from_other && !on_screen {
        room.unread += 1;
        if mentions_me {
            room.mentions += 1;
        }
    }
    if added && room.scroll > 0 {
        room.new_below += 1;
    }
    let now = app.now;
    if let (Some(before), Some(room)) = (lines_before, app.room(room_id)) {
        let grown = messages::line_count(app, room, width).saturating_sub(before);
        if let Some(room) = app.room_mut(room_id) {
            room.scroll += grown;
        }
    }
    let mut effects = app
        .room_mut(room_id)
        .map(|room| sending::flush(room, now))
        .unwrap_or_default();
    if added && rings {
        effects.push(Effect::Bell);
    }
    effects
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
            read_up_to,
            online_count,
            participants_more,
            ..
        } => {
            let total = info.participant_count;
            room.room = Some(info);
            participants::on_welcome(room, participants, total, online_count, participants_more);
            // Opened at a search result: the lines around it come first (`search`).
            let jump = if room.has_newer {
                search::on_welcome(room, history)
            } else {
                merge_messages(room, history);
                Vec::new()
            };
            if let Some(marker) = read_up_to {
                room.read_markers = true;
                room.read_up_to = room.read_up_to.max(marker);
            }
            // After a reconnect the welcome carries what came after our newest message, so
            // only the first one says whether older messages exist.
            let first = !room.welcomed;
            if first {
                room.has_more = has_more;
                room.welcomed = true;
            }
            room.state = ConnState::Online;
            room.loading_history = false;
            // Anything still pending may never have reached the server: it goes again with
            // the same nonce (the server stores it once), from the first line on.
            sending::rewind(room);
            // The level may have changed on another device while we were away.
            let mut effects = vec![Effect::LoadNotify { room_id }];
            effects.extend(jump);
            effects.extend(sending::flush(room, now));
            if first && on_screen {
                super::reads::place_divider(app, room_id);
            }
            return effects;
        }
        ServerFrame::Message(message) if room.has_newer => {
            search::hold(room, message);
            return sending::flush(room, now);
        }
        ServerFrame::Message(message) => {
            return on_message(app, room_id, message, on_screen, width);
        }
        ServerFrame::MessageEdited { message, .. }
        | ServerFrame::MessageDeleted { message, .. } => {
            if let Ok(at) = room.messages.binary_search_by_key(&message.id, |m| m.id) {
                // A line deleted while we were editing it cannot be edited any more.
                if message.deleted && room.editing == Some(message.id) {
                    room.editing = None;
                    room.input.clear();
                }
                room.messages[at] = message;
            }
        }
        ServerFrame::History {
            messages,
            has_more,
            has_newer: Some(has_newer),
        } => {
            let page = chat_shared::api::MessagePage {
                messages,
                has_more,
                has_newer: Some(has_newer),
            };
            search::on_page(app, room_id, page);
        }
        ServerFrame::History {
            messages: older,
            has_more,
            has_newer: None,
        } => {
            merge_messages(room, older);
            room.has_more = has_more;
            room.loading_history = false;
            return super::reads::older_loaded(app, room_id);
        }
        ServerFrame::Presence { nickname, online } => {
            participants::on_presence(room, &nickname, online);
        }
        ServerFrame::Participant { nickname } => participants::on_joined(room, nickname),
        ServerFrame::ParticipantLeft { nickname } => participants::on_left(room, &nickname),
        ServerFrame::Typing { nickname } => {
            if me.as_deref() != Some(nickname.as_str()) {
                room.typing.retain(|(nick, _)| *nick != nickname);
                room.typing.push((nickname, now + TYPING_SHOWN_FOR));
            }
        }
        ServerFrame::Room { room: info } => {
            room.room = Some(info.clone());
            super::lobby::upsert(app, info);
        }
        // Read on another device (or our own report coming back): nothing up to it is
        // reported again.
        ServerFrame::Read { up_to } => room.read_up_to = room.read_up_to.max(up_to),
        ServerFrame::ParticipantPage {
            offset,
            participants: page,
            total,
            online,
            has_more,
        } => {
            let counts = Headcount {
                participants: total as usize,
                online: online as usize,
            };
            return participants::on_page(app, room_id, offset, page, counts, has_more);
        }
        ServerFrame::Headcount {
            participants: total,
            online,
        } => participants::on_headcount(
            room,
            Headcount {
                participants: total as usize,
                online: online as usize,
            },
        ),
        ServerFrame::RoomRemoved => {
            let title = room.title();
            app.error(format!("Room “{title}” was removed by its creator."));
            return close_room(app, room_id);
        }
        ServerFrame::Error {
            code,
            message,
            nonce,
            retry_after_ms,
        } => {
            let (refusal, effects) =
                sending::on_refused(room, code, &message, nonce.as_deref(), retry_after_ms, now);
            match refusal {
                // The line goes again by itself: worth a word, not an alarm.
                Refusal::Retrying(wait) => {
                    if on_screen {
                        app.info(format!(
                            "The server asked to wait {:.1} s; your lines follow by themselves, in order.",
                            wait.as_secs_f32()
                        ));
                    }
                }
                Refusal::Failed => {
                    room.error = Some(message.clone());
                    if on_screen {
                        app.error(format!("Not sent: {message}"));
                    }
                }
                Refusal::None => {
                    room.error = Some(message.clone());
                    if on_screen {
                        app.error(format!("The server refused: {message}"));
                    }
                }
            }
            return effects;
        }
    }
    Vec::new()
}
