//! Replica state machines: a device's, and the server's side of one connection. Events go in,
//! effects come out; neither awaits, reads a clock or touches a file, so the simulation can run
//! thousands of them deterministically and the real server and client share them.

pub mod device;
pub mod session;
