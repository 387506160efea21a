//! The Rust client: a durable offline replica on disk and the `rolo` CLI.
//!
//! Not built yet: the server issue fills this crate, driving
//! `sync_core::replica::device::DeviceReplica` with SQLite storage and a WebSocket.
