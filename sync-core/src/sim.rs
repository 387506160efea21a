//! Deterministic simulation: a server and many devices on an in-memory network, driven by one
//! seed. Random edits (archiving, trashing and restoring too), offline periods, dropped /
//! duplicated / reordered frames, reconnects, device and server restarts from what they
//! stored, visibility changes naming members, groups and org units, owner transfers, purges,
//! members joining and leaving groups and units, units moving in the tree, members deactivated
//! and reactivated; then the world is healed and checked: every device holds exactly the
//! contacts its member may see, each identical to the server's, and every acknowledged change
//! is on the server and on every device whose member may see its contact.
//!
//! ```
//! use sync_core::sim::{SimConfig, SimNetwork};
//! let config = SimConfig { devices: 4, members: 2, steps: 60, fault_per_mille: 30, unavailable_per_mille: 40 };
//! let stats = SimNetwork::new(7, config).run().expect("seed 7 converges");
//! assert!(stats.edits > 0);
//! ```
//!
//! The same world can be scripted, one story at a time:
//!
//! ```
//! use sync_core::contact::Contact;
//! use sync_core::sim::{SimConfig, SimNetwork};
//! let mut net = SimNetwork::new(1, SimConfig { devices: 2, members: 1, steps: 0, fault_per_mille: 0, unavailable_per_mille: 0 });
//! let (alice_phone, alice_laptop) = (0, 1);
//! net.connect(alice_phone);
//! let mut contact = Contact::default();
//! contact.name.given = "Aiko".into();
//! let id = net.create(alice_phone, &contact);
//! net.run_until_quiet();
//! net.connect(alice_laptop);
//! net.run_until_quiet();
//! assert_eq!(net.device(alice_laptop).contact(id).unwrap().unwrap().name.given, "Aiko");
//! net.check().expect("converged");
//! ```

pub mod network;
pub mod rng;
pub mod tenant;

pub use network::{Divergence, SimConfig, SimNetwork, SimStats};
pub use tenant::MemoryTenant;
