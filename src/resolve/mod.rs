//! What a callee path means: the syntax tier's name resolution.
//!
//! Each file contributes the names its modules and blocks bind (`scope`);
//! the workspace's modules form one table (`table`) through which a path
//! written at a call site is followed, across `use` items, re-exports and
//! globs, to the absolute path it names; `catalogue` says whether that path
//! starts a task.

pub mod catalogue;
pub mod path;
pub mod scope;
pub mod table;
