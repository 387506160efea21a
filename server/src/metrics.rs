//! Prometheus metrics: connections, frames, pushes, acks, rejections, feed lag, errors.
//!
//! The recorder is process-wide (the `metrics` facade allows one), so it is installed once
//! even when tests run several servers in one process.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// How often histogram samples are folded into their summaries.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Install the recorder if no other is installed.
pub fn install() {
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new().install_recorder().ok()?;
        // The recorder keeps every histogram sample until upkeep folds it in; a scrape does,
        // but a server nobody scrapes would grow by each feed page's sample for ever (at a
        // thousand busy devices, over a gigabyte an hour). A thread of its own, since the
        // recorder outlives any one runtime (tests run several).
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "no metrics upkeep thread: histograms drain only when scraped");
        }
        Some(handle)
    });
}

/// The metrics in Prometheus text format.
pub fn render() -> String {
    match HANDLE.get() {
        Some(Some(handle)) => handle.render(),
        _ => String::from("# metrics recorder not installed\n"),
    }
}
