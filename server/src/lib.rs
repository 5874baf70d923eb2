//! The chat server: HTTP pages and JSON API, WebSocket rooms and lobby, storage and fan-out.
//! `main.rs` only reads the configuration and calls [`start`].

pub mod app;
pub mod auth;
pub mod config;
pub mod error;
pub mod fanout;
pub mod http;
pub mod hub;
pub mod i18n;
pub mod outbox;
pub mod store;
pub mod writer;

pub use app::{start, Server};
pub use config::Config;
