//! Audit-log compaction on a dedicated OS thread, off the async runtime.

use std::io;
use std::thread::JoinHandle;

use tokio::sync::mpsc;

/// Consumes audit lines until every sender is gone; returns how many it kept.
pub fn start_compactor(mut lines: mpsc::Receiver<String>) -> io::Result<JoinHandle<usize>> {
    std::thread::Builder::new()
        .name("audit-compactor".into())
        .spawn(move || {
            let mut kept = 0;
            while let Some(line) = lines.blocking_recv() {
                if !line.trim().is_empty() {
                    kept += 1;
                }
            }
            kept
        })
}
