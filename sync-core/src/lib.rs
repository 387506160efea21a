//! sync-core
pub mod accept;
pub mod contact;
pub mod document;
pub mod feed;
pub mod ids;
pub mod replica;
pub mod sim;
/// Field rules shared by every client and the server.
pub mod validate;
pub mod wire;
