//! The one stream the main loop reads: terminal events (keys, resizes), results from the
//! network tasks, and a redraw tick, merged with `select!`.

use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::time::{interval, Interval, MissedTickBehavior};

use crate::action::Action;

#[cfg(unix)]
use tokio::signal::unix::{signal, Signal, SignalKind};

#[cfg(unix)]
type StopSignals = (Signal, Signal);
#[cfg(not(unix))]
type StopSignals = std::convert::Infallible;

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
    /// SIGTERM and SIGHUP end the app like Ctrl+C, so the terminal is restored.
    stop: Option<StopSignals>,
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
            stop: stop_signals(),
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
                () = stopped(&mut self.stop) => return None,
                _ = self.tick.tick() => return Some(Action::Tick),
            }
        }
    }
}

#[cfg(unix)]
fn stop_signals() -> Option<StopSignals> {
    let term = signal(SignalKind::terminate()).ok()?;
    let hup = signal(SignalKind::hangup()).ok()?;
    Some((term, hup))
}

#[cfg(not(unix))]
fn stop_signals() -> Option<StopSignals> {
    None
}

#[cfg(not(unix))]
async fn stopped(_: &mut Option<StopSignals>) {
    std::future::pending().await
}

/// Resolves when SIGTERM or SIGHUP arrives; never, if they could not be watched.
#[cfg(unix)]
async fn stopped(stop: &mut Option<StopSignals>) {
    match stop {
        Some((term, hup)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
        }
        None => std::future::pending().await,
    }
}

impl Events {
    /// A network result that is already waiting, so bursts are drawn once.
    pub fn try_next_network(&mut self) -> Option<Action> {
        self.network.try_recv().ok()
    }
}
