//! Prometheus metrics: connections, frames, pushes, acks, rejections, commit time, feed lag,
//! errors.
//!
//! The recorder is process-wide (the `metrics` facade allows one), so it is installed once
//! even when tests run several servers in one process.

use std::sync::OnceLock;

use metrics::{Counter, Histogram};
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

/// The metrics touched for every frame and feed page, registered once: looking one up by
/// name hashes its name and labels and searches the registry, and a thousand live devices
/// make that a hundred thousand lookups a second.
pub(crate) struct Hot {
    /// `rolo_frames_in_total`.
    pub frames_in: Counter,
    /// `rolo_frames_out_total`.
    pub frames_out: Counter,
    /// `rolo_feed_reads_total{from="memory"}`: pages cut from the node's tail.
    pub feed_reads_memory: Counter,
    /// `rolo_feed_reads_total{from="store"}`: pages read from the store.
    pub feed_reads_store: Counter,
    /// `rolo_feed_pages_total{cut="shared"}`: pages another connection had already cut.
    pub feed_pages_shared: Counter,
    /// `rolo_feed_pages_total{cut="new"}`: pages cut afresh.
    pub feed_pages_new: Counter,
    /// `rolo_feed_lag_rows`: rows a device was behind when a page went out.
    pub feed_lag_rows: Histogram,
    /// `rolo_commit_seconds`: from a push leaving its connection to its commit (waiting for
    /// the group before it, then its own group's transaction and fsync). The part of an
    /// edit's way to other devices that the store decides.
    pub commit_seconds: Histogram,
}

static HOT: OnceLock<Hot> = OnceLock::new();

/// The handles of [`Hot`], registered with the recorder on first use.
pub(crate) fn hot() -> &'static Hot {
    HOT.get_or_init(|| {
        // Registered after the recorder is installed, or they would count into nothing.
        install();
        Hot {
            frames_in: metrics::counter!("rolo_frames_in_total"),
            frames_out: metrics::counter!("rolo_frames_out_total"),
            feed_reads_memory: metrics::counter!("rolo_feed_reads_total", "from" => "memory"),
            feed_reads_store: metrics::counter!("rolo_feed_reads_total", "from" => "store"),
            feed_pages_shared: metrics::counter!("rolo_feed_pages_total", "cut" => "shared"),
            feed_pages_new: metrics::counter!("rolo_feed_pages_total", "cut" => "new"),
            feed_lag_rows: metrics::histogram!("rolo_feed_lag_rows"),
            commit_seconds: metrics::histogram!("rolo_commit_seconds"),
        }
    })
}
