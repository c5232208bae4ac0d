//! Core of a small key-value service: the cache, the request handler and the
//! runtime entry points the server spawns through.

pub mod cache;
pub mod handler;
pub mod rt;
pub mod worker;

pub use cache::Cache;
pub use handler::Handler;
