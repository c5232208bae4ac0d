//! The runtime entry points other crates spawn through.

pub use tokio::spawn;
pub use tokio::task::spawn_blocking as blocking;
