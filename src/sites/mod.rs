//! Spawn sites: finding the calls that start tasks and giving each a verdict.
//!
//! `collect` runs once per file and keeps no tree; `classify` runs once the
//! whole workspace's modules are known.

pub mod abbreviate;
pub mod classify;
pub mod collect;
pub mod context;
pub mod lifetime;
pub mod model;
pub mod receiver;
pub mod test_code;
pub mod trees;
