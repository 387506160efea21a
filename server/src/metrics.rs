//! Prometheus metrics: connections, frames, pushes, acks, rejections, feed lag, errors.
//!
//! The recorder is process-wide (the `metrics` facade allows one), so it is installed once
//! even when tests run several servers in one process.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Install the recorder if no other is installed.
pub fn install() {
    HANDLE.get_or_init(|| PrometheusBuilder::new().install_recorder().ok());
}

/// The metrics in Prometheus text format.
pub fn render() -> String {
    match HANDLE.get() {
        Some(Some(handle)) => handle.render(),
        _ => String::from("# metrics recorder not installed\n"),
    }
}
