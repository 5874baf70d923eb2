//! The one stream the main loop reads: terminal events (keys, resizes), results from the
//! network tasks, and a redraw tick, merged with `select!`.

use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::time::{interval, Interval, MissedTickBehavior};

use crate::action::Action;

/// Often enough for typing hints and notices to expire on time, rare enough to cost nothing.
const TICK: Duration = Duration::from_millis(250);

/// Turns a terminal event into an action, if it is one the app cares about.
pub fn from_terminal(event: Event) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Action::Key(key)),
        Event::Resize(width, height) => Some(Action::Resize { width, height }),
        _ => None,
    }
}

pub struct Events {
    terminal: EventStream,
    network: UnboundedReceiver<Action>,
    tick: Interval,
}

impl Events {
    /// The merged stream, and the sender network tasks report on.
    pub fn new() -> (Self, UnboundedSender<Action>) {
        let (tx, network) = unbounded_channel();
        let mut tick = interval(TICK);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let events = Self {
            terminal: EventStream::new(),
            network,
            tick,
        };
        (events, tx)
    }

    /// The next action; `None` when the terminal's input has ended.
    pub async fn next(&mut self) -> Option<Action> {
        loop {
            tokio::select! {
                event = self.terminal.next() => match event {
                    Some(Ok(event)) => {
                        if let Some(action) = from_terminal(event) {
                            return Some(action);
                        }
                    }
                    Some(Err(_)) | None => return None,
                },
                Some(action) = self.network.recv() => return Some(action),
                _ = self.tick.tick() => return Some(Action::Tick),
            }
        }
    }

    /// A network result that is already waiting, so bursts are drawn once.
    pub fn try_next_network(&mut self) -> Option<Action> {
        self.network.try_recv().ok()
    }
}
