//! The chat server: HTTP pages and JSON API, WebSocket rooms and lobby, storage and fan-out.
//! `main.rs` only reads the configuration and calls [`start`].

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod event;
pub mod fanout;
pub mod history;
pub mod http;
pub mod i18n;
pub mod logging;
pub mod metrics;
pub mod operate;
pub mod rooms;
pub mod serve;
pub mod socket;
pub mod state;
pub mod store;
pub mod tls;

pub use app::{start, Server};
pub use cli::Cli;
pub use config::Config;
