//! End-to-end stories: a real server on `127.0.0.1:0`, real Postgres, many simulated devices.
//!
//! Not built yet: the server issue adds the stories. Until then the deterministic simulation in
//! `sync-core` (tests/simulation.rs) is the end-to-end check of the protocol.
