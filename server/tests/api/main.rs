//! The server's integration suite: every test starts the real server on an ephemeral port
//! against a fresh database (a temporary SQLite file, or a fresh Postgres database when
//! `TEST_DATABASE_URL` names one) and talks to it over real HTTP and WebSockets.

mod accounts;
mod bans;
mod big_rooms;
mod changes;
mod joins;
mod lobby;
mod operations;
mod room_pages;
mod rooms;
mod search;
mod security;
mod store;
mod unread;
mod ws;
