//! Fan-out is a transport. It carries events to every instance, this one included, and hands
//! what arrives to a [`Sink`] (the rooms); and it tells whether a user is online on another
//! instance. It knows nothing of rooms or sockets. [`local`] is a loop-back for one instance
//! (the embedded default); [`redis`] spans instances (scale-out).

pub mod local;
pub mod redis;

use std::collections::HashSet;

use async_trait::async_trait;

use crate::event::Event;

#[async_trait]
pub trait Fanout: Send + Sync + 'static {
    /// Carries the events, in order, to every instance's sink, this instance's first.
    async fn publish(&self, events: Vec<Event>);
    /// This instance has its first connection of `nickname` to the room. True if the user was
    /// online on no other instance: checked and recorded in one step, so two instances never
    /// both announce them.
    async fn arrived(&self, room_id: i64, nickname: &str) -> bool;
    /// This instance's last connection of `nickname` to the room closed. True if no other
    /// instance has one either: removed and checked in one step.
    async fn departed(&self, room_id: i64, nickname: &str) -> bool;
    /// Users with a connection to the room on another instance.
    async fn online_elsewhere(&self, room_id: i64) -> HashSet<String>;
    /// Whether events from other instances reach this one now (`/readyz`).
    async fn is_connected(&self) -> bool {
        true
    }
}

/// Where a transport hands what it receives.
#[async_trait]
pub trait Sink: Send + Sync + 'static {
    /// Events, in the order they were published.
    fn deliver(&self, events: Vec<Event>);
    /// The transport may have lost events (it reconnected after an outage): read again what
    /// may have been missed.
    async fn resync(&self);
    /// The (room, nickname) pairs with a connection on this instance.
    fn present_here(&self) -> Vec<(i64, String)>;
}
