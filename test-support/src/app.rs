//! The server in-process on an ephemeral port, as most tests want it: one call gives a running
//! server on a fresh database and its URL; [`TestApp::stop`] and [`TestApp::restart`] take it
//! away and bring it back on the same address and database (how a client loses its server in
//! the reconnect tests).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chat_server::{Config, Server};
use reqwest::StatusCode;

use crate::database::{fresh_database_url, sqlite_url, uuid_like};
use crate::env;
use crate::user::{Visitor, PASSWORD};

/// How long a restart may wait for the old listener's port to be free again.
const RESTART_WAIT: Duration = Duration::from_secs(10);
const RESTART_POLL: Duration = Duration::from_millis(50);

/// Numbers the users [`TestApp::user`] makes, so their emails and nicknames never collide.
static USER_COUNTER: AtomicU32 = AtomicU32::new(0);

/// A running server and what a test needs to reach it.
pub struct TestApp {
    /// `None` once stopped, and for a server running elsewhere ([`TestApp::external`]).
    pub server: Option<Server>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub database_url: String,
    /// What the server was started with, to start it again the same way.
    config: Option<Config>,
    /// Holds the SQLite file; removed when the app is dropped.
    _dir: Option<tempfile::TempDir>,
}

/// `TEST_LOG=1` shows the server's logs in the test output.
fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info")
            .with_test_writer()
            .try_init();
    }
}

/// The server on a fresh database: a SQLite file, or Postgres when `TEST_DATABASE_URL` names
/// one; fan-out through Redis when `TEST_REDIS_URL` is set.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with `adjust` applied to the configuration last.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    init_logs();
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database_url(dir.path()).await;
    let mut config = Config::for_tests(&database_url);
    if let Some(redis) = env::test_redis_url() {
        // Redis mode: the whole suite runs with fan-out through Redis, each test under its
        // own key prefix so tests do not hear each other.
        config.redis_url = Some(redis);
        config.redis_prefix = format!("test-{}", uuid_like());
    }
    adjust(&mut config);
    start(dir, config).await
}

/// The server on a SQLite file of its own whatever the environment says, unless `adjust`
/// points it elsewhere: for several instances sharing one database and Redis, and for the
/// end-to-end tests, which always run on SQLite.
pub async fn spawn_app_on(adjust: impl FnOnce(&mut Config)) -> TestApp {
    init_logs();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::for_tests(&sqlite_url(dir.path()));
    adjust(&mut config);
    start(dir, config).await
}

async fn start(dir: tempfile::TempDir, config: Config) -> TestApp {
    let server = chat_server::start(config.clone())
        .await
        .expect("server starts");
    TestApp {
        url: server.url(),
        database_url: config.database_url.clone(),
        server: Some(server),
        config: Some(config),
        _dir: Some(dir),
    }
}

impl TestApp {
    /// A server running elsewhere (another process), reached by its URL.
    pub fn external(url: &str) -> Self {
        TestApp {
            server: None,
            url: url.to_owned(),
            database_url: String::new(),
            config: None,
            _dir: None,
        }
    }

    /// The URL of `path` on this server.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// A new visitor with an empty cookie jar.
    pub fn visitor(&self) -> Visitor {
        Visitor::new(&self.url)
    }

    /// A registered, logged-in user with a unique email and nickname starting with `name`,
    /// through the HTML forms as a browser does.
    pub async fn user(&self, name: &str) -> Visitor {
        let n = USER_COUNTER.fetch_add(1, Ordering::Relaxed);
        let nickname = format!("{name}{n}");
        let email = format!("{nickname}@example.com");
        let mut visitor = self.visitor();
        let response = visitor
            .register(&email, &nickname, PASSWORD, PASSWORD)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::FOUND,
            "registering {nickname}"
        );
        let response = visitor.login(&email, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::FOUND,
            "logging in {nickname}"
        );
        visitor.nickname = nickname;
        visitor
    }

    /// A user registered as exactly `nickname` (email `<nickname>@example.com`) through the
    /// JSON API, not logged in.
    pub async fn registered(&self, nickname: &str) -> Visitor {
        let mut visitor = self.visitor();
        visitor
            .api_register(&format!("{nickname}@example.com"), nickname)
            .await;
        visitor.nickname = nickname.to_owned();
        visitor
    }

    /// [`TestApp::registered`], then logged in through the JSON API.
    pub async fn logged_in(&self, nickname: &str) -> Visitor {
        let visitor = self.registered(nickname).await;
        visitor.api_login(&format!("{nickname}@example.com")).await;
        visitor
    }

    /// Stops the server (its database stays until the app is dropped).
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("server stops cleanly");
        }
    }

    /// Starts the stopped server again on the same address and database.
    pub async fn restart(&mut self) {
        assert!(
            self.server.is_none(),
            "stop the server before restarting it"
        );
        let mut config = self
            .config
            .clone()
            .expect("only a server started here can be restarted");
        let addr = self.url.trim_start_matches("http://").to_owned();
        config.bind = addr.clone();
        // The old listener's port may take a moment to be free again.
        let deadline = tokio::time::Instant::now() + RESTART_WAIT;
        let mut poll = tokio::time::interval(RESTART_POLL);
        let server = loop {
            poll.tick().await;
            match chat_server::start(config.clone()).await {
                Ok(server) => break server,
                Err(e) if tokio::time::Instant::now() > deadline => {
                    panic!("the server did not start again on {addr}: {e:#}")
                }
                Err(_) => {}
            }
        };
        self.server = Some(server);
    }
}
