//! End to end: the real `chat-tui` binary in a pseudo-terminal against the real server,
//! started in-process. A second user on a plain WebSocket talks with it: the terminal shows
//! what that user sent, and that user receives what was typed in the terminal. A second
//! start then goes straight in with the saved session.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use chat_shared::{ClientFrame, ServerFrame};
use futures_util::{SinkExt, StreamExt};
use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use tokio_tungstenite::tungstenite::Message as WsMessage;

mod common;

use common::{User, PASSWORD};

const WAIT: Duration = Duration::from_secs(30);

/// The binary running in a pseudo-terminal, its screen parsed by a terminal emulator.
struct Tui {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Tui {
    fn start(server: &str, config_dir: &Path) -> anyhow::Result<Self> {
        let pair = native_pty_system().openpty(PtySize {
            rows: 30,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })?;
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_chat-tui"));
        command.args(["--server", server]);
        command.env("CHAT_TUI_CONFIG_DIR", config_dir);
        command.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(command)?;
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader()?;
        let writer = pair.master.take_writer()?;
        let screen = Arc::new(Mutex::new(vt100::Parser::new(30, 100, 0)));
        let feed = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut parser) = feed.lock() {
                    parser.process(&buf[..n]);
                }
            }
        });
        Ok(Self {
            screen,
            writer,
            child,
            _master: pair.master,
        })
    }

    fn contents(&self) -> String {
        self.screen
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    /// Waits until the screen shows `text`; on timeout the error shows the screen.
    async fn wait_for(&self, text: &str) -> anyhow::Result<()> {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if self.contents().contains(text) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!(
            "timed out waiting for {text:?}; the screen was:\n{}",
            self.contents()
        )
    }

    fn type_keys(&mut self, keys: &str) -> anyhow::Result<()> {
        self.writer.write_all(keys.as_bytes())?;
        self.writer.flush()?;
        Ok(())
    }

    /// Ctrl+C, then waits for a clean exit.
    async fn quit(mut self) -> anyhow::Result<()> {
        self.type_keys("\x03")?;
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if let Some(status) = self.child.try_wait()? {
                ensure!(status.success(), "chat-tui exited with {status:?}");
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = self.child.kill();
        bail!(
            "chat-tui did not exit after Ctrl+C; the screen was:\n{}",
            self.contents()
        )
    }
}

/// The `sessionid` value in the saved file.
fn extract_sessionid(saved: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_str(saved).ok()?;
    json.get("sessionid")?.as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_client_logs_in_and_chats_with_a_websocket_user() -> anyhow::Result<()> {
    // Arrange: a fresh server, two users, a room created by alice.
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("chat.db");
    let config = chat_server::Config::for_tests(&format!("sqlite://{}", db.display()));
    let server = chat_server::start(config).await?;
    let base = server.url();

    let alice = User::new(&base)?;
    alice.register("alice@example.com", "alice").await?;
    alice.login("alice@example.com").await?;
    let bob = User::new(&base)?;
    bob.register("bob@example.com", "bob").await?;

    let room = alice.create_room("PTY 테스트 room").await?;
    let mut alice_ws = alice.connect(room.id).await?;

    // Act 1: log in through the login screen and open the room from the list.
    let config_dir = dir.path().join("config");
    let mut tui = Tui::start(&base, &config_dir)?;
    tui.wait_for("Password").await?;
    tui.type_keys("bob@example.com\t")?;
    tui.type_keys(&format!("{PASSWORD}\r"))?;
    tui.wait_for("PTY 테스트 room").await?;
    tui.wait_for("Rooms (1) live").await?;
    tui.type_keys("\r")?;
    tui.wait_for("[1] PTY 테스트 room").await?;
    tui.wait_for("● online").await?;

    // Assert 1: what alice sends shows up in the terminal.
    let send = ClientFrame::Send {
        body: "안녕 bob, from alice".into(),
        nonce: Some("a-1".into()),
    };
    alice_ws
        .send(WsMessage::text(serde_json::to_string(&send)?))
        .await?;
    tui.wait_for("안녕 bob, from alice").await?;

    // Assert 2: what is typed in the terminal reaches alice, from bob, exactly once.
    tui.type_keys("hi alice 한글도 됩니다\r")?;
    let deadline = Instant::now() + WAIT;
    let received = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let next = tokio::time::timeout(left, alice_ws.next())
            .await
            .context("alice never received bob's line")?;
        let Some(Ok(WsMessage::Text(text))) = next else {
            continue;
        };
        if let Ok(ServerFrame::Message(message)) = serde_json::from_str(text.as_str()) {
            if message.body == "hi alice 한글도 됩니다" {
                break message;
            }
        }
    };
    assert_eq!(received.sender, "bob");
    assert!(received.nonce.is_some(), "the terminal sends a nonce");
    // Bob's own copy comes back as the ack: the line is no longer pending.
    tui.wait_for("hi alice 한글도 됩니다").await?;
    let start = Instant::now();
    while tui.contents().contains("pending") && start.elapsed() < WAIT {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ensure!(
        !tui.contents().contains("pending"),
        "the line was never acked:\n{}",
        tui.contents()
    );
    tui.quit().await?;

    // The session was saved, readable by the user only.
    let session_file = config_dir.join("session.json");
    let saved = std::fs::read_to_string(&session_file).context("the session file exists")?;
    assert!(saved.contains("sessionid"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&session_file)?.permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Act 2: the next start goes straight to the room list, no login; /logout ends the
    // session and deletes the file.
    let mut tui = Tui::start(&base, &config_dir)?;
    tui.wait_for("Rooms (1) live").await?;
    assert!(!tui.contents().contains("Password"));
    tui.type_keys("/logout\r")?;
    tui.wait_for("Logged out.").await?;
    assert!(!session_file.exists(), "logout deletes the session file");
    tui.quit().await?;

    // Act 3: a saved session the server does not know brings the login screen back.
    let stale = saved.replace(
        &extract_sessionid(&saved).context("sessionid in the file")?,
        "not-a-session",
    );
    std::fs::write(&session_file, stale)?;
    let tui = Tui::start(&base, &config_dir)?;
    tui.wait_for("Your saved session has expired").await?;
    tui.quit().await?;
    assert!(!session_file.exists(), "a stale session file is removed");

    server.stop().await?;
    Ok(())
}
