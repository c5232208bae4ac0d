//! Request handling. Every task the handler starts belongs to its tracker,
//! so that `shutdown` can wait for them.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio_util::task::TaskTracker;

use crate::cache::Cache;

pub struct Handler {
    cache: Arc<Cache>,
    audit: mpsc::Sender<String>,
    tracker: TaskTracker,
}

impl Handler {
    /// Returns the handler and the receiving end of its audit log.
    pub fn new(cache: Arc<Cache>) -> (Self, mpsc::Receiver<String>) {
        let (audit, audit_rx) = mpsc::channel(64);
        let tracker = TaskTracker::new();
        let handler = Self {
            cache,
            audit,
            tracker,
        };
        (handler, audit_rx)
    }

    /// Answers a lookup and records it in the audit log in the background.
    pub async fn handle(&self, key: &str) -> Option<String> {
        let value = self.cache.get(key).await;
        let audit = self.audit.clone();
        let line = format!("get {key} hit={}", value.is_some());
        tokio::spawn(async move {
            let _ = audit.send(line).await;
        });
        value
    }

    /// Flushes the audit log after `delay`, keeping the handler alive until then.
    pub fn flush_later(self: Arc<Self>, delay: Duration) {
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = self.audit.send("flush".to_owned()).await;
        });
    }

    /// Refreshes the keys that arrive on `keys` until `stop` flips.
    pub async fn serve(&self, mut keys: mpsc::Receiver<String>, mut stop: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                Some(key) = keys.recv() => {
                    let cache = Arc::clone(&self.cache);
                    tokio::spawn(async move { cache.refresh(&key).await });
                }
                _ = stop.changed() => break,
            }
        }
    }

    /// Waits for every task the handler started.
    pub async fn shutdown(&self) {
        self.tracker.close();
        self.tracker.wait().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn handle_records_the_lookup() {
        let cache = Arc::new(Cache::default());
        cache.put("a".to_owned(), "1".to_owned()).await;
        let (handler, mut audit) = Handler::new(cache);
        let handler = Arc::new(handler);

        let h = Arc::clone(&handler);
        let value = tokio::spawn(async move { h.handle("a").await }).await;

        assert_eq!(value.unwrap().as_deref(), Some("1"));
        assert_eq!(audit.recv().await.as_deref(), Some("get a hit=true"));
    }
}
