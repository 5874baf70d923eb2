//! `chat-tui`, a terminal client for the chat server: the state (`app`), what changes it
//! (`action`, `update`), how it is drawn (`ui`), and the network tasks (`net`, `runtime`)
//! that the main loop (`main.rs`, `event`, `terminal`) ties together. `layout` (where text goes on the
//! screen) and `sanitize` (making others' text harmless) serve both `update` and `ui`.

pub mod action;
pub mod app;
pub mod command;
pub mod event;
pub mod input;
pub mod layout;
pub mod net;
pub mod opener;
pub mod runtime;
pub mod sanitize;
pub mod terminal;
pub mod ui;
pub mod update;
