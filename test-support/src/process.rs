//! The real `chat-server` binary as a child process, for what an in-process server cannot
//! show: dying by `kill -9`, shutting down on SIGTERM or Ctrl+C, and starting again on the
//! same port and database. Killed (and waited for) when dropped, so a failing test leaves no
//! server behind.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::app::TestApp;

/// How long the binary may take to answer HTTP after starting.
const START_WAIT: Duration = Duration::from_secs(10);
const START_POLL: Duration = Duration::from_millis(25);
/// How long it may take to exit after a signal.
const EXIT_WAIT: Duration = Duration::from_secs(15);

pub struct ServerProcess {
    binary: PathBuf,
    /// Its configuration, as environment variables (`BIND` is set from `port`).
    env: Vec<(String, String)>,
    port: u16,
    child: Option<Child>,
    /// Where its standard output and error go ([`ServerProcess::start_logged`]); else stdout
    /// is dropped and stderr shared with the test.
    log: Option<PathBuf>,
}

impl ServerProcess {
    /// Starts `binary` (the test's `env!("CARGO_BIN_EXE_chat-server")`, which only the
    /// server's own tests can name) on a free loopback port, configured by `env`, and waits
    /// until it answers.
    pub async fn start(binary: impl Into<PathBuf>, env: &[(&str, &str)]) -> Self {
        Self::start_with(binary.into(), env, None).await
    }

    /// [`ServerProcess::start`], with its standard output and error appended to `log`, for
    /// tests that read what it logs.
    pub async fn start_logged(
        binary: impl Into<PathBuf>,
        env: &[(&str, &str)],
        log: impl Into<PathBuf>,
    ) -> Self {
        Self::start_with(binary.into(), env, Some(log.into())).await
    }

    async fn start_with(binary: PathBuf, env: &[(&str, &str)], log: Option<PathBuf>) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("its address")
            .port();
        let mut this = Self {
            binary,
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            port,
            child: None,
            log,
        };
        this.restart().await;
        this
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A handle for making users on it.
    pub fn app(&self) -> TestApp {
        TestApp::external(&self.url())
    }

    /// Starts the (stopped) binary again on the same port with the same configuration.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "the server is already running");
        let mut command = Command::new(&self.binary);
        command
            .env("BIND", format!("127.0.0.1:{}", self.port))
            .env("RUST_LOG", "warn")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null());
        if let Some(path) = &self.log {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .expect("the log file opens");
            command
                .stdout(file.try_clone().expect("the log file"))
                .stderr(file);
        }
        #[allow(clippy::zombie_processes)] // waited for in `signal`, `kill` and `Drop`
        let child = command.spawn().expect("chat-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + START_WAIT;
        while Instant::now() < deadline {
            if reqwest::get(format!("{}/chat/list/", self.url()))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(START_POLL).await;
        }
        panic!("chat-server did not come up on {}", self.url());
    }

    /// Sends a signal (`KILL`, `TERM`, `INT`) and waits for the process to exit; returns how
    /// long that took and whether it exited successfully.
    pub async fn signal(&mut self, name: &str) -> (Duration, bool) {
        let mut child = self.child.take().expect("the server is running");
        let started = Instant::now();
        let status = Command::new("kill")
            .args([&format!("-{name}"), &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name}");
        let deadline = Instant::now() + EXIT_WAIT;
        loop {
            if let Some(status) = child.try_wait().expect("the child's status") {
                return (started.elapsed(), status.success());
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit after SIG{name}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL, and waits for it to be gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
