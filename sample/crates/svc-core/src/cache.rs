//! A shared cache that keeps its entries fresh in the background.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::spawn as go;
use tokio::sync::RwLock;
use tokio::task::JoinHandle;

#[derive(Default)]
pub struct Cache {
    entries: RwLock<HashMap<String, String>>,
}

impl Cache {
    pub async fn get(&self, key: &str) -> Option<String> {
        self.entries.read().await.get(key).cloned()
    }

    pub async fn put(&self, key: String, value: String) {
        self.entries.write().await.insert(key, value);
    }

    /// Reloads one entry from its source.
    pub async fn refresh(&self, key: &str) {
        let value = load(key).await;
        self.put(key.to_owned(), value).await;
    }

    /// Starts the periodic refresh of every entry; it runs as long as the runtime.
    pub fn start_refresh(self: &Arc<Self>, every: Duration) {
        let cache = Arc::clone(self);
        go(async move {
            let mut ticks = tokio::time::interval(every);
            loop {
                ticks.tick().await;
                let keys: Vec<String> = cache.entries.read().await.keys().cloned().collect();
                for key in keys {
                    cache.refresh(&key).await;
                }
            }
        });
    }

    /// Keeps `key` fresh for as long as the returned guard lives.
    pub fn watch(self: &Arc<Self>, key: String, every: Duration) -> WatchGuard {
        let cache = Arc::clone(self);
        // spawn-exempt: scoped to the guard, which aborts it on drop
        let task = tokio::spawn(async move {
            loop {
                cache.refresh(&key).await;
                tokio::time::sleep(every).await;
            }
        });
        WatchGuard(task)
    }
}

/// Stops a [`Cache::watch`] task when dropped.
pub struct WatchGuard(JoinHandle<()>);

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn load(key: &str) -> String {
    format!("value of {key}")
}
