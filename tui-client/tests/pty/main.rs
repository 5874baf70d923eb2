//! End to end: the real `chat-tui` binary in a pseudo-terminal against the real server,
//! started in-process, with other users on plain WebSockets and HTTP. One file per topic:
//! chatting and the saved session (`chat`), others' escape sequences (`escapes`), what the
//! terminal sends in (`input`: bursts, pastes), leaving from another device (`leave`), links
//! as hyperlinks and `/open` (`links`), the room list in pages (`lobby_pages`), a big room's participant pane (`people`), `/me`, Tab
//! completion and Alt+A (`shortcuts`), tabs that open again at the next start (`reopen`),
//! unread counts between devices (`unread`), and lines that outlive a quit (`unsent`). The
//! helpers they share are here.

mod chat;
mod drafts;
mod escapes;
mod input;
mod leave;
mod links;
mod lobby_pages;
mod people;
mod presence;
mod reopen;
mod room_events;
mod search;
mod shortcuts;
mod unread;
mod unsent;

use std::time::{Duration, Instant};

use anyhow::bail;
use chat_shared::{Message, Room};
use chat_test_support::terminal::{Tui, WAIT};
use chat_test_support::{spawn_app_on, welcome_parts, TestApp, Visitor};

/// The binary under test.
pub const CHAT_TUI: &str = env!("CARGO_BIN_EXE_chat-tui");

/// Time between two looks at what the server stored while waiting.
const POLL: Duration = Duration::from_millis(100);

/// A fresh server, alice (logged in, the creator of one room) and bob (registered only, for
/// the terminal), and the folder chat-tui keeps its files in.
pub struct Scene {
    pub server: TestApp,
    pub alice: Visitor,
    pub room: Room,
    pub dir: tempfile::TempDir,
}

impl Scene {
    pub async fn new(title: &str) -> anyhow::Result<Self> {
        Self::with_participant_page(title, None).await
    }

    /// [`Scene::new`] on a server that lists `page` participants at a time (the server's
    /// `PARTICIPANT_PAGE`): a room of more is a big room (`docs/protocol.md` "Big rooms").
    pub async fn with_participant_page(title: &str, page: Option<u32>) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let server = spawn_app_on(|c| {
            if let Some(page) = page {
                c.participant_page = page;
            }
        })
        .await;
        let alice = server.logged_in("alice").await;
        server.registered("bob").await;
        let room = alice.create_room(title).await;
        Ok(Self {
            server,
            alice,
            room,
            dir,
        })
    }

    /// chat-tui started against the scene's server, with the scene's config folder.
    pub fn start_tui(&self) -> anyhow::Result<Tui> {
        Tui::start(CHAT_TUI, &self.server.url, &self.config_dir())
    }

    /// bob in chat-tui, logged in and in the scene's room.
    pub async fn bob_in_the_room(&self) -> anyhow::Result<Tui> {
        let mut tui = self.start_tui()?;
        tui.log_in("bob@example.com").await?;
        tui.join(self.room.id, &self.room.title).await?;
        Ok(tui)
    }

    /// The folder chat-tui keeps its session and unsent lines in.
    pub fn config_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("config")
    }

    /// What the room holds now (its newest 50 messages), as a socket's welcome tells it.
    pub async fn stored(&self) -> Vec<Message> {
        let (_socket, welcome) = self.alice.join(self.room.id).await;
        welcome_parts(welcome).3
    }

    /// Waits until what the room holds satisfies `done`, and returns it.
    pub async fn wait_stored(
        &self,
        what: &str,
        done: impl Fn(&[Message]) -> bool,
    ) -> anyhow::Result<Vec<Message>> {
        let start = Instant::now();
        loop {
            let stored = self.stored().await;
            if done(&stored) {
                return Ok(stored);
            }
            if start.elapsed() > WAIT {
                let bodies: Vec<_> = stored.iter().map(|m| short(&m.body)).collect();
                bail!("timed out waiting for {what}; the room holds {bodies:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The start of a body, for error messages about long ones.
fn short(body: &str) -> String {
    body.chars().take(40).collect()
}
