//! The deterministic simulation over many seeds: 50 devices of 10 members, random edits
//! (archiving, trashing and restoring too), faults, restarts, visibility changes naming
//! members, groups and org units, owner transfers, members joining and leaving groups and
//! units, units moving in the tree, members deactivated and reactivated, and pushes answered
//! `unavailable` (committed or not); every seed must converge, each device to exactly what its
//! member may see, with no acknowledged change lost.
//!
//! `SIM_SEEDS=N` sets how many seeds run (default 1,000); `SIM_SEED=S` replays one seed.

use std::sync::atomic::{AtomicU64, Ordering};

use sync_core::sim::{SimConfig, SimNetwork, SimStats};

fn run_seed(seed: u64) -> Result<SimStats, String> {
    SimNetwork::new(seed, SimConfig::default())
        .run()
        .map_err(|divergence| divergence.to_string())
}

fn add(total: &mut SimStats, stats: SimStats) {
    total.edits += stats.edits;
    total.delivered += stats.delivered;
    total.acknowledged += stats.acknowledged;
    total.faults += stats.faults;
    total.server_restarts += stats.server_restarts;
    total.device_restarts += stats.device_restarts;
    total.visibility_changes += stats.visibility_changes;
    total.unavailable += stats.unavailable;
    total.group_changes += stats.group_changes;
    total.unit_changes += stats.unit_changes;
    total.unit_moves += stats.unit_moves;
    total.unit_moves_refused += stats.unit_moves_refused;
    total.owner_transfers += stats.owner_transfers;
    total.deactivations += stats.deactivations;
    total.reactivations += stats.reactivations;
    total.lifecycle_edits += stats.lifecycle_edits;
    total.access_changes += stats.access_changes;
}

#[test]
fn fifty_devices_converge_on_every_seed_with_no_acknowledged_edit_lost() {
    if let Ok(seed) = std::env::var("SIM_SEED") {
        let seed: u64 = seed.parse().expect("SIM_SEED is a number");
        let stats = run_seed(seed).unwrap_or_else(|problem| panic!("{problem}"));
        println!("seed {seed}: {stats:?}");
        return;
    }
    let seeds: u64 = std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let next = AtomicU64::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let results: Vec<(Vec<String>, SimStats)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut failures = Vec::new();
                    let mut total = SimStats::default();
                    loop {
                        let seed = next.fetch_add(1, Ordering::Relaxed);
                        if seed >= seeds {
                            break;
                        }
                        match run_seed(seed) {
                            Ok(stats) => add(&mut total, stats),
                            Err(problem) => failures.push(problem),
                        }
                    }
                    (failures, total)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("worker finished"))
            .collect()
    });
    let failures: Vec<&String> = results.iter().flat_map(|(failures, _)| failures).collect();
    let mut total = SimStats::default();
    for (_, stats) in &results {
        add(&mut total, *stats);
    }
    println!("seeds={seeds} divergent={} {total:?}", failures.len());
    assert!(
        failures.is_empty(),
        "{} of {seeds} seeds diverged:\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The run must have exercised what it claims to.
    assert!(
        total.acknowledged > seeds * 10,
        "too few acknowledged edits ({}) to mean anything",
        total.acknowledged
    );
    assert!(
        total.faults > seeds,
        "too few injected faults ({})",
        total.faults
    );
    assert!(total.server_restarts > 0 && total.visibility_changes > 0 && total.device_restarts > 0);
    assert!(
        total.unavailable > seeds,
        "too few pushes answered unavailable ({})",
        total.unavailable
    );
    // Who sees what must have changed in every way, often enough to mean something.
    for (what, count) in [
        ("group joins and leaves", total.group_changes),
        ("unit joins and leaves", total.unit_changes),
        ("unit moves", total.unit_moves),
        ("unit moves refused as cycles", total.unit_moves_refused),
        ("owner transfers", total.owner_transfers),
        ("deactivations", total.deactivations),
        ("reactivations", total.reactivations),
        ("archive, trash and restore edits", total.lifecycle_edits),
    ] {
        assert!(count > seeds / 10, "too few {what} ({count})");
    }
    assert!(
        total.access_changes > seeds,
        "membership changes rarely changed who sees a contact ({})",
        total.access_changes
    );
}
