//! A binary in a pseudo-terminal (the real `chat-tui` in the terminal client's tests), its
//! output parsed by a terminal emulator (vt100) so tests read the screen a user would see, and
//! keep the raw bytes to check what never reached the terminal.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure};
use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

use crate::user::PASSWORD;

/// How long anything expected may take to show up on the screen.
pub const WAIT: Duration = Duration::from_secs(30);
/// Time between two looks at the screen while waiting.
const POLL: Duration = Duration::from_millis(50);
const ROWS: u16 = 30;
const COLS: u16 = 100;

/// The binary running in a pseudo-terminal; killed when dropped, so a failing test leaves no
/// process behind.
pub struct Tui {
    screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte the binary wrote to the terminal.
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Tui {
    /// Starts `<binary> --server <server>` on a 100x30 terminal, keeping its session file in
    /// `config_dir`. `binary` is the test's `env!("CARGO_BIN_EXE_chat-tui")`, which only the
    /// terminal client's own tests can name.
    pub fn start(
        binary: impl AsRef<OsStr>,
        server: &str,
        config_dir: &Path,
    ) -> anyhow::Result<Self> {
        Self::start_with_env(binary, server, config_dir, &[])
    }

    /// [`Tui::start`] with extra environment variables (a setting under test).
    pub fn start_with_env(
        binary: impl AsRef<OsStr>,
        server: &str,
        config_dir: &Path,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let pair = native_pty_system().openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })?;
        let mut command = CommandBuilder::new(binary);
        command.args(["--server", server]);
        command.env("CHAT_TUI_CONFIG_DIR", config_dir);
        command.env("TERM", "xterm-256color");
        for (name, value) in env {
            command.env(name, value);
        }
        let child = pair.slave.spawn_command(command)?;
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader()?;
        let writer = pair.master.take_writer()?;
        let screen = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (feed, record) = (screen.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut parser) = feed.lock() {
                    parser.process(&buf[..n]);
                }
                if let Ok(mut raw) = record.lock() {
                    raw.extend_from_slice(&buf[..n]);
                }
            }
        });
        Ok(Self {
            screen,
            raw,
            writer,
            child,
            _master: pair.master,
        })
    }

    /// The screen's text, row by row.
    pub fn contents(&self) -> String {
        self.screen
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    /// The window title as the terminal emulator has it (set by OSC 0/2).
    pub fn title(&self) -> String {
        self.screen
            .lock()
            .map(|p| p.screen().title().to_owned())
            .unwrap_or_default()
    }

    /// Everything written to the terminal so far.
    pub fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The first screen row that contains `text`.
    pub fn row_with(&self, text: &str) -> Option<String> {
        self.contents()
            .lines()
            .find(|line| line.contains(text))
            .map(str::to_owned)
    }

    /// Waits until `done` holds for the screen's text; on timeout the error shows the screen.
    pub async fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> anyhow::Result<()> {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if done(&self.contents()) {
                return Ok(());
            }
            tokio::time::sleep(POLL).await;
        }
        bail!(
            "timed out waiting for {what}; the screen was:\n{}",
            self.contents()
        )
    }

    /// Waits until the screen shows `text`.
    pub async fn wait_for(&self, text: &str) -> anyhow::Result<()> {
        self.wait_until(&format!("{text:?}"), |screen| screen.contains(text))
            .await
    }

    pub fn type_keys(&mut self, keys: &str) -> anyhow::Result<()> {
        self.writer.write_all(keys.as_bytes())?;
        self.writer.flush()?;
        Ok(())
    }

    /// Logs in through the login screen and waits for the live room list.
    pub async fn log_in(&mut self, email: &str) -> anyhow::Result<()> {
        self.wait_for("Password").await?;
        self.type_keys(&format!("{email}\t"))?;
        self.type_keys(&format!("{PASSWORD}\r"))?;
        self.wait_for(") live").await
    }

    /// `/join <room_id>`, then waits until the room (titled `title`) is online.
    pub async fn join(&mut self, room_id: i64, title: &str) -> anyhow::Result<()> {
        self.type_keys(&format!("/join {room_id}\r"))?;
        self.wait_for(&format!("[1] {title}")).await?;
        self.wait_for("● online").await
    }

    /// Ctrl+C, then waits for a clean exit.
    pub async fn quit(mut self) -> anyhow::Result<()> {
        self.type_keys("\x03")?;
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if let Some(status) = self.child.try_wait()? {
                ensure!(status.success(), "chat-tui exited with {status:?}");
                return Ok(());
            }
            tokio::time::sleep(POLL).await;
        }
        bail!(
            "chat-tui did not exit after Ctrl+C; the screen was:\n{}",
            self.contents()
        )
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
