//! The one test harness every suite in the workspace shares (the server's `api`,
//! `fuzz_frames`, `browser`, `scaleout` and `trust` tests, the terminal client's `pty`,
//! `mixed` and `reconnect` tests), so that starting the server, logging a user in, driving
//! Chromium and deciding whether a test may skip are written once.
//!
//! - [`app`]: the server in-process on an ephemeral port, restartable on the same address.
//! - [`process`]: the server binary as a child process, for `kill -9` and restarts.
//! - [`database`]: a fresh database per test (SQLite file, or Postgres when asked for).
//! - [`user`]: a browser-like HTTP client (cookies, CSRF) and its WebSockets.
//! - [`browser`]: headless Chromium through chromedriver.
//! - [`env`]: what the environment selects, and the skip-or-fail rule.
//! - [`terminal`] (feature `terminal`): a binary in a pseudo-terminal, read as a screen.
//!
//! It reaches the server only through its public entry points (`chat_server::start`,
//! `Config`, `Server`) and over the network, so the server's internals can change freely.

pub mod app;
pub mod browser;
pub mod database;
pub mod env;
pub mod process;
#[cfg(feature = "terminal")]
pub mod terminal;
pub mod user;

pub use app::{spawn_app, spawn_app_on, spawn_app_with, TestApp};
pub use database::{fresh_database_url, fresh_postgres_database, uuid_like};
pub use process::ServerProcess;
pub use user::{foreign_origin, headcounts, welcome_parts, Socket, Visitor, PASSWORD};
