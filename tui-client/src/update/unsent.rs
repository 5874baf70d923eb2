//! Lines not yet acknowledged, kept on disk while the app runs (`net::unsent`): after every
//! action the file is rewritten if they changed, so a quit (or a crash) while the server is
//! away loses nothing; and the lines a previous run left are put back in their rooms.

use super::{open_room, sending};
use crate::action::Effect;
use crate::app::{App, PendingLine};
use crate::net::unsent::UnsentLine;

/// Every line still on its way to the server, room by room, in the order typed.
fn unsent_lines(app: &App) -> Vec<UnsentLine> {
    app.rooms
        .iter()
        .flat_map(|room| {
            room.pending
                .iter()
                .filter(|p| p.failed().is_none())
                .map(|p| UnsentLine {
                    room_id: room.id,
                    nonce: p.nonce.clone(),
                    body: p.body.clone(),
                    action: p.action,
                })
        })
        .collect()
}

/// Asks for the file to be rewritten when the unsent lines changed since it last was.
pub(super) fn track(app: &mut App) -> Option<Effect> {
    let nickname = app.me.clone()?;
    let lines = unsent_lines(app);
    if lines == app.saved_unsent {
        return None;
    }
    app.saved_unsent.clone_from(&lines);
    Some(Effect::SaveUnsent { nickname, lines })
}

/// Puts lines from a previous run back: each room opens (they come right after logging in,
/// before anything is typed there), and its lines are queued with their nonces.
pub(super) fn restore(app: &mut App, lines: Vec<UnsentLine>) -> Vec<Effect> {
    let count = lines.len();
    let mut effects = Vec::new();
    for line in lines {
        if app.room(line.room_id).is_none() {
            effects.extend(open_room(app, line.room_id));
        }
        let now = app.now;
        if let Some(room) = app.room_mut(line.room_id) {
            if !room.pending.iter().any(|p| p.nonce == line.nonce) {
                room.pending.push(PendingLine {
                    action: line.action,
                    ..PendingLine::new(line.nonce, line.body)
                });
            }
            effects.extend(sending::flush(room, now));
        }
    }
    let lines = if count == 1 { "line" } else { "lines" };
    app.info(format!(
        "Restored {count} unsent {lines} from last time; each is sent once its room is online."
    ));
    effects
}
