//! corral's stand-in for `core`, given to rust-analyzer when the toolchain has no
//! `rust-src`: just the lang items and types that let it follow a spawn call's
//! receiver (`Option`, `Result`, `?`, `Deref`, closures, futures). Never compiled.
#![no_std]
#![feature(lang_items)]

pub mod marker {
    #[lang = "pointee_sized"]
    pub trait PointeeSized {}
    #[lang = "meta_sized"]
    pub trait MetaSized: PointeeSized {}
    #[lang = "sized"]
    pub trait Sized: MetaSized {}
    #[lang = "copy"]
    pub trait Copy: Clone {}
    #[lang = "send"]
    pub unsafe auto trait Send {}
    #[lang = "sync"]
    pub unsafe auto trait Sync {}
    #[lang = "unpin"]
    pub auto trait Unpin {}
    #[lang = "phantom_data"]
    pub struct PhantomData<T: ?Sized>;
}

pub mod clone {
    #[lang = "clone"]
    pub trait Clone: Sized {
        fn clone(&self) -> Self;
    }
}

pub mod default {
    pub trait Default: Sized {
        fn default() -> Self;
    }
}

pub mod convert {
    pub enum Infallible {}
    pub trait From<T>: Sized {
        fn from(value: T) -> Self;
    }
    pub trait Into<T>: Sized {
        fn into(self) -> T;
    }
    impl<T> From<T> for T {
        fn from(value: T) -> T {
            value
        }
    }
    impl<T, U: From<T>> Into<U> for T {
        fn into(self) -> U {
            U::from(self)
        }
    }
    pub trait AsRef<T: ?Sized> {
        fn as_ref(&self) -> &T;
    }
}

pub mod ops {
    #[lang = "deref"]
    pub trait Deref {
        #[lang = "deref_target"]
        type Target: ?Sized;
        fn deref(&self) -> &Self::Target;
    }
    #[lang = "deref_mut"]
    pub trait DerefMut: Deref {
        fn deref_mut(&mut self) -> &mut Self::Target;
    }
    impl<T: ?Sized> Deref for &T {
        type Target = T;
        fn deref(&self) -> &T {
            loop {}
        }
    }
    impl<T: ?Sized> Deref for &mut T {
        type Target = T;
        fn deref(&self) -> &T {
            loop {}
        }
    }
    #[lang = "drop"]
    pub trait Drop {
        fn drop(&mut self);
    }
    #[lang = "fn_once"]
    #[rustc_paren_sugar]
    pub trait FnOnce<Args> {
        #[lang = "fn_once_output"]
        type Output;
        fn call_once(self, args: Args) -> Self::Output;
    }
    #[lang = "fn_mut"]
    #[rustc_paren_sugar]
    pub trait FnMut<Args>: FnOnce<Args> {
        fn call_mut(&mut self, args: Args) -> Self::Output;
    }
    #[lang = "fn"]
    #[rustc_paren_sugar]
    pub trait Fn<Args>: FnMut<Args> {
        fn call(&self, args: Args) -> Self::Output;
    }
    pub enum ControlFlow<B, C = ()> {
        #[lang = "Continue"]
        Continue(C),
        #[lang = "Break"]
        Break(B),
    }
    #[lang = "Try"]
    pub trait Try: FromResidual<Self::Residual> {
        type Output;
        type Residual;
        #[lang = "from_output"]
        fn from_output(output: Self::Output) -> Self;
        #[lang = "branch"]
        fn branch(self) -> ControlFlow<Self::Residual, Self::Output>;
    }
    pub trait FromResidual<R> {
        #[lang = "from_residual"]
        fn from_residual(residual: R) -> Self;
    }
}

pub mod future {
    #[lang = "future_trait"]
    pub trait Future {
        #[lang = "future_output"]
        type Output;
    }
    #[lang = "into_future"]
    pub trait IntoFuture {
        type Output;
        type IntoFuture: Future<Output = Self::Output>;
        #[lang = "into_future"]
        fn into_future(self) -> Self::IntoFuture;
    }
    impl<F: Future> IntoFuture for F {
        type Output = F::Output;
        type IntoFuture = F;
        fn into_future(self) -> F {
            self
        }
    }
}

pub mod option {
    use crate::ops::{ControlFlow, FromResidual, Try};

    #[lang = "Option"]
    pub enum Option<T> {
        #[lang = "None"]
        None,
        #[lang = "Some"]
        Some(T),
    }
    impl<T> Option<T> {
        pub fn unwrap(self) -> T {
            loop {}
        }
        pub fn expect(self, msg: &str) -> T {
            loop {}
        }
        pub fn as_ref(&self) -> Option<&T> {
            loop {}
        }
        pub fn as_mut(&mut self) -> Option<&mut T> {
            loop {}
        }
        pub fn take(&mut self) -> Option<T> {
            loop {}
        }
        pub fn unwrap_or_else<F: FnOnce() -> T>(self, f: F) -> T {
            loop {}
        }
        pub fn unwrap_or(self, default: T) -> T {
            loop {}
        }
    }
    impl<T> Try for Option<T> {
        type Output = T;
        type Residual = Option<()>;
        fn from_output(output: T) -> Self {
            Option::Some(output)
        }
        fn branch(self) -> ControlFlow<Option<()>, T> {
            loop {}
        }
    }
    impl<T> FromResidual<Option<()>> for Option<T> {
        fn from_residual(residual: Option<()>) -> Self {
            Option::None
        }
    }
}

pub mod result {
    use crate::ops::{ControlFlow, FromResidual, Try};

    pub enum Result<T, E> {
        #[lang = "Ok"]
        Ok(T),
        #[lang = "Err"]
        Err(E),
    }
    impl<T, E> Result<T, E> {
        pub fn unwrap(self) -> T {
            loop {}
        }
        pub fn expect(self, msg: &str) -> T {
            loop {}
        }
        pub fn ok(self) -> crate::option::Option<T> {
            loop {}
        }
        pub fn as_ref(&self) -> Result<&T, &E> {
            loop {}
        }
        pub fn map_err<F, O: FnOnce(E) -> F>(self, op: O) -> Result<T, F> {
            loop {}
        }
        pub fn unwrap_or_else<F: FnOnce(E) -> T>(self, op: F) -> T {
            loop {}
        }
    }
    impl<T, E> Try for Result<T, E> {
        type Output = T;
        type Residual = Result<crate::convert::Infallible, E>;
        fn from_output(output: T) -> Self {
            Result::Ok(output)
        }
        fn branch(self) -> ControlFlow<Result<crate::convert::Infallible, E>, T> {
            loop {}
        }
    }
    impl<T, E, F: crate::convert::From<E>> FromResidual<Result<crate::convert::Infallible, E>> for Result<T, F> {
        fn from_residual(residual: Result<crate::convert::Infallible, E>) -> Self {
            loop {}
        }
    }
}

pub mod fmt {
    pub trait Debug {}
    pub trait Display {}
    pub struct Arguments<'a>(&'a ());
}

pub mod prelude {
    pub mod v1 {
        pub use crate::clone::Clone;
        pub use crate::convert::{AsRef, From, Into};
        pub use crate::default::Default;
        pub use crate::marker::{Copy, Send, Sized, Sync, Unpin};
        pub use crate::ops::{Drop, Fn, FnMut, FnOnce};
        pub use crate::option::Option::{self, None, Some};
        pub use crate::result::Result::{self, Err, Ok};
        pub use crate::{format_args, panic};
    }
    pub mod rust_2015 {
        pub use super::v1::*;
    }
    pub mod rust_2018 {
        pub use super::v1::*;
    }
    pub mod rust_2021 {
        pub use super::v1::*;
    }
    pub mod rust_2024 {
        pub use super::v1::*;
        pub use crate::future::{Future, IntoFuture};
    }
}

#[rustc_builtin_macro]
#[macro_export]
macro_rules! format_args {
    ($fmt:expr) => {{}};
    ($fmt:expr, $($args:tt)*) => {{}};
}

#[macro_export]
macro_rules! panic {
    ($($arg:tt)*) => {
        $crate::format_args!($($arg)*)
    };
}
