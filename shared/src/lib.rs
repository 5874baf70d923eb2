//! The public protocol of the chat service (see CONTRACT.md): the JSON shapes of the HTTP API,
//! the WebSocket frames, and the limits both sides enforce. Server and terminal client both use
//! this crate, so a frame is defined exactly once.

pub mod api;
pub mod close;
pub mod frame;
pub mod limits;
pub mod links;
pub mod mentions;
pub mod model;
pub mod names;
pub mod search;
pub mod session;

pub use frame::{ClientFrame, ErrorCode, LobbyFrame, ServerFrame};
pub use model::{Message, MessageKind, NotifyLevel, Participant, Room};
