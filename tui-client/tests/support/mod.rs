//! The client without its terminal, for the tests that drive it end to end against the real
//! server: its own state machine (`update`) and network runtime, and the channel their
//! results come back on.

// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use anyhow::Context;
use chat_tui::action::Action;
use chat_tui::app::{App, Screen};
use chat_tui::net::http::Http;
use chat_tui::runtime::Runtime;
use chat_tui::update::update;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

const WAIT: Duration = Duration::from_secs(30);

/// The client without its terminal: state, runtime and the channel results come back on.
pub struct Client {
    pub app: App,
    pub runtime: Runtime,
    actions: UnboundedReceiver<Action>,
    /// The same cookie jar as the runtime's.
    pub http: Http,
}

impl Client {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let (tx, actions) = unbounded_channel();
        let http = Http::new(url::Url::parse(base)?)?;
        let mut app = App::new(base, Instant::now(), "client-test");
        app.screen = Screen::Login(Default::default());
        Ok(Self {
            app,
            runtime: Runtime::new(http.clone(), tx, None),
            actions,
            http,
        })
    }

    pub fn act(&mut self, action: Action) {
        self.app.now = Instant::now();
        for effect in update(&mut self.app, action) {
            self.runtime.run(effect);
        }
    }

    /// Presses one key.
    pub fn press(&mut self, code: KeyCode) {
        self.act(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn type_line(&mut self, text: &str) {
        for c in text.chars() {
            self.act(Action::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
        self.act(Action::Key(KeyEvent::new(
            KeyCode::Enter,
            KeyModifiers::NONE,
        )));
    }

    /// Handles network results until `done` holds.
    pub async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) -> anyhow::Result<()> {
        let deadline = Instant::now() + WAIT;
        while !done(&self.app) {
            let left = deadline.saturating_duration_since(Instant::now());
            let action = tokio::time::timeout(left, self.actions.recv())
                .await
                .with_context(|| format!("timed out waiting for {what}: {:#?}", self.app.rooms))?
                .context("the action channel closed")?;
            self.act(action);
        }
        Ok(())
    }

    /// The bodies of the room's messages (not its join and leave lines).
    pub fn bodies(&self, room_id: i64) -> Vec<String> {
        self.app
            .room(room_id)
            .map(|r| {
                r.messages
                    .iter()
                    .filter(|m| !m.kind.is_membership())
                    .map(|m| m.body.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}
