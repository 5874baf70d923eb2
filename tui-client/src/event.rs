//! The one stream the main loop reads: terminal events (keys, pastes, resizes), results from
//! the network tasks, stop signals and a redraw tick, merged with `select!`.
//!
//! Terminal input is read on a thread of its own with crossterm's blocking `read`, and every
//! event goes into a channel as soon as it is parsed, so the main loop can take everything
//! that is already there ([`Events::try_next`]) before it draws again: a burst of keys is
//! handled whole, never one key per wake-up.

use std::time::Duration;

use crossterm::event::{Event, KeyEventKind};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::time::{interval, Interval, MissedTickBehavior};

use crate::action::Action;

#[cfg(unix)]
use tokio::signal::unix::{signal, Signal, SignalKind};

#[cfg(unix)]
type StopSignals = (Signal, Signal);
#[cfg(not(unix))]
type StopSignals = std::convert::Infallible;

/// Often enough for typing hints, notices and retries to happen on time, rare enough to cost
/// nothing.
const TICK: Duration = Duration::from_millis(250);

/// Turns a terminal event into an action, if it is one the app cares about.
pub fn from_terminal(event: Event) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Action::Key(key)),
        Event::Paste(text) => Some(Action::Paste(text)),
        Event::Resize(width, height) => Some(Action::Resize { width, height }),
        _ => None,
    }
}

pub struct Events {
    /// Closed when the terminal's input ends.
    terminal: UnboundedReceiver<Action>,
    /// SIGTERM and SIGHUP end the app like Ctrl+C, so the terminal is restored.
    stop: Option<StopSignals>,
    network: UnboundedReceiver<Action>,
    tick: Interval,
}

impl Events {
    /// The merged stream (reading the terminal from now on), and the sender network tasks
    /// report on.
    pub fn new() -> (Self, UnboundedSender<Action>) {
        let (tx, network) = unbounded_channel();
        let mut tick = interval(TICK);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let events = Self {
            terminal: read_terminal(),
            stop: stop_signals(),
            network,
            tick,
        };
        (events, tx)
    }

    /// The next action; `None` when the terminal's input has ended or a stop signal came.
    pub async fn next(&mut self) -> Option<Action> {
        tokio::select! {
            action = self.terminal.recv() => action,
            Some(action) = self.network.recv() => Some(action),
            () = stopped(&mut self.stop) => None,
            _ = self.tick.tick() => Some(Action::Tick),
        }
    }

    /// An action that is already waiting, keys first, so that a burst (a long line typed
    /// fast, a reconnect's backlog) is handled whole and drawn once.
    pub fn try_next(&mut self) -> Option<Action> {
        self.terminal
            .try_recv()
            .ok()
            .or_else(|| self.network.try_recv().ok())
    }
}

/// Starts the thread that reads the terminal. It blocks in `read` for the life of the
/// process (the process ends it on exit) and stops by itself if the input ends.
fn read_terminal() -> UnboundedReceiver<Action> {
    let (tx, rx) = unbounded_channel();
    let reader = move || {
        while let Ok(event) = crossterm::event::read() {
            if let Some(action) = from_terminal(event) {
                if tx.send(action).is_err() {
                    return;
                }
            }
        }
    };
    // Without the thread there is no input at all: dropping `tx` ends the stream, and
    // the app quits as it does when its input ends.
    let _ = std::thread::Builder::new()
        .name("terminal input".into())
        .spawn(reader);
    rx
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
