//! corral's stand-in for `std` (see the stub `core`): `std::thread`'s spawns,
//! the `io::Result` constructors return, and the prelude. Never compiled.
#![no_std]
#![feature(lang_items)]

extern crate alloc;

pub use alloc::{boxed, format, rc, string, vec};
pub use core::{clone, convert, default, fmt, future, marker, ops, option, panic, result};

pub mod sync {
    pub use alloc::sync::Arc;
}

pub mod io {
    pub struct Error;
    pub type Result<T> = core::result::Result<T, Error>;
}

pub mod thread {
    pub struct JoinHandle<T>(T);
    impl<T> JoinHandle<T> {
        pub fn join(self) -> core::result::Result<T, ()> {
            loop {}
        }
    }

    pub fn spawn<F, T>(f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        loop {}
    }

    pub struct Builder;
    impl Builder {
        pub fn new() -> Builder {
            Builder
        }
        pub fn name(self, name: alloc::string::String) -> Builder {
            self
        }
        pub fn stack_size(self, size: usize) -> Builder {
            self
        }
        pub fn spawn<F, T>(self, f: F) -> crate::io::Result<JoinHandle<T>>
        where
            F: FnOnce() -> T + Send + 'static,
            T: Send + 'static,
        {
            loop {}
        }
        pub fn spawn_scoped<'scope, 'env, F, T>(
            self,
            scope: &'scope Scope<'scope, 'env>,
            f: F,
        ) -> crate::io::Result<ScopedJoinHandle<'scope, T>>
        where
            F: FnOnce() -> T + Send + 'scope,
            T: Send + 'scope,
        {
            loop {}
        }
    }

    pub struct Scope<'scope, 'env: 'scope>(&'scope (), &'env ());
    pub struct ScopedJoinHandle<'scope, T>(&'scope T);
    impl<'scope, 'env> Scope<'scope, 'env> {
        pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
        where
            F: FnOnce() -> T + Send + 'scope,
            T: Send + 'scope,
        {
            loop {}
        }
    }
    pub fn scope<'env, F, T>(f: F) -> T
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
    {
        loop {}
    }
}

pub mod prelude {
    pub mod rust_2015 {
        pub use crate::{eprintln, format, println, vec};
        pub use alloc::boxed::Box;
        pub use alloc::string::{String, ToString};
        pub use alloc::vec::Vec;
        pub use core::prelude::rust_2015::*;
    }
    pub mod rust_2018 {
        pub use super::rust_2015::*;
    }
    pub mod rust_2021 {
        pub use super::rust_2015::*;
    }
    pub mod rust_2024 {
        pub use super::rust_2015::*;
        pub use core::future::{Future, IntoFuture};
    }
}

#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => { ::core::format_args!($($arg)*) };
}

#[macro_export]
macro_rules! eprintln {
    ($($arg:tt)*) => { ::core::format_args!($($arg)*) };
}
