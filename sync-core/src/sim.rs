//! Deterministic simulation: a server and many devices on an in-memory network, driven by one
//! seed. Random edits, offline periods, dropped / duplicated / reordered frames, reconnects,
//! device and server restarts from what they stored, visibility changes and purges; then the
//! world is healed and checked: every device holds exactly the contacts its member may see,
//! each identical to the server's, and every acknowledged change is on the server.
//!
//! ```
//! use sync_core::sim::{SimConfig, SimNetwork};
//! let config = SimConfig { devices: 4, members: 2, steps: 60, fault_per_mille: 30 };
//! let stats = SimNetwork::new(7, config).run().expect("seed 7 converges");
//! assert!(stats.edits > 0);
//! ```

pub mod network;
pub mod rng;
pub mod tenant;

pub use network::{Divergence, SimConfig, SimNetwork, SimStats};
pub use tenant::MemoryTenant;
