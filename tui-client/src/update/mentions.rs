//! Being called by name: which lines mention us (the server lists them in
//! `Message::mentions`), Alt+A to the next room with news (mentions first), and Tab to
//! complete a nickname in the input.

use chat_shared::Message;

use super::switch_to;
use crate::app::{App, Completion, View};

/// Does this line mention us? Our own lines never do (no bell for quoting oneself).
pub fn mentions_me(me: Option<&str>, message: &Message) -> bool {
    match me {
        Some(me) => message.sender != me && !message.deleted && message.mentions_nickname(me),
        None => false,
    }
}

/// Alt+A: the next open room (after the one on screen, wrapping) that mentions us; if none,
/// the next one with unread lines. Nothing happens when every room is read.
pub(super) fn next_active(app: &mut App) {
    let current = match app.view {
        View::Room(id) => app.rooms.iter().position(|r| r.id == id),
        View::Lobby => None,
    };
    let len = app.rooms.len();
    let start = current.map_or(0, |i| i + 1);
    let in_order: Vec<usize> = (0..len).map(|k| (start + k) % len).collect();
    let pick = in_order
        .iter()
        .find(|&&i| app.rooms[i].mentions > 0)
        .or_else(|| in_order.iter().find(|&&i| app.rooms[i].unread > 0));
    if let Some(&i) = pick {
        let id = app.rooms[i].id;
        switch_to(app, View::Room(id));
    }
}

/// Tab: completes the word before the cursor (with or without `@`) to a participant's
/// nickname; Tab again right away puts the next match in its place, round and round.
pub(super) fn complete(app: &mut App) {
    let View::Room(room_id) = app.view else {
        return;
    };
    if let Some(mut completion) = app.completion.take() {
        let input = app.input_mut();
        let current = &completion.candidates[completion.index];
        // Still right after what the last Tab put there: cycle.
        if input.before_cursor_from(completion.start) == *current {
            completion.index = (completion.index + 1) % completion.candidates.len();
            let next = completion.candidates[completion.index].clone();
            input.replace_before_cursor(completion.start, &next);
            app.completion = Some(completion);
            return;
        }
    }
    let me = app.me.clone().unwrap_or_default();
    let Some(room) = app.room(room_id) else {
        return;
    };
    let word_start = room.input.word_start();
    let word = room.input.before_cursor_from(word_start);
    let (start, prefix) = match word.strip_prefix('@') {
        Some(rest) => (word_start + 1, rest.to_lowercase()),
        None => (word_start, word.to_lowercase()),
    };
    let mut candidates: Vec<String> = room
        .participants
        .iter()
        .map(|p| p.nickname.clone())
        .filter(|n| *n != me && n.to_lowercase().starts_with(&prefix))
        .collect();
    candidates.sort_by_key(|n| n.to_lowercase());
    let Some(first) = candidates.first().cloned() else {
        return;
    };
    app.input_mut().replace_before_cursor(start, &first);
    app.completion = Some(Completion {
        start,
        candidates,
        index: 0,
    });
}
