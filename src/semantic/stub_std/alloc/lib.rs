//! corral's stand-in for `alloc` (see the stub `core`): the smart pointers a
//! runtime handle is kept in, so that method calls see through them.
#![no_std]
#![feature(lang_items)]

pub mod boxed {
    #[lang = "owned_box"]
    pub struct Box<T: ?Sized>(*const T);
    impl<T> Box<T> {
        pub fn new(value: T) -> Box<T> {
            loop {}
        }
    }
    impl<T: ?Sized> core::ops::Deref for Box<T> {
        type Target = T;
        fn deref(&self) -> &T {
            loop {}
        }
    }
}

pub mod sync {
    pub struct Arc<T: ?Sized>(*const T);
    impl<T> Arc<T> {
        pub fn new(value: T) -> Arc<T> {
            loop {}
        }
    }
    impl<T: ?Sized> core::ops::Deref for Arc<T> {
        type Target = T;
        fn deref(&self) -> &T {
            loop {}
        }
    }
    impl<T: ?Sized> core::clone::Clone for Arc<T> {
        fn clone(&self) -> Arc<T> {
            loop {}
        }
    }
}

pub mod rc {
    pub struct Rc<T: ?Sized>(*const T);
    impl<T> Rc<T> {
        pub fn new(value: T) -> Rc<T> {
            loop {}
        }
    }
    impl<T: ?Sized> core::ops::Deref for Rc<T> {
        type Target = T;
        fn deref(&self) -> &T {
            loop {}
        }
    }
    impl<T: ?Sized> core::clone::Clone for Rc<T> {
        fn clone(&self) -> Rc<T> {
            loop {}
        }
    }
}

pub mod string {
    #[lang = "String"]
    pub struct String;
    impl String {
        pub fn new() -> String {
            String
        }
    }
    pub trait ToString {
        fn to_string(&self) -> String;
    }
}

pub mod vec {
    pub struct Vec<T>(*const T);
    impl<T> Vec<T> {
        pub fn new() -> Vec<T> {
            loop {}
        }
        pub fn push(&mut self, value: T) {}
    }
}

#[macro_export]
macro_rules! vec {
    () => { $crate::vec::Vec::new() };
    ($elem:expr; $n:expr) => {{ let _ = $n; let mut v = $crate::vec::Vec::new(); v.push($elem); v }};
    ($($x:expr),+ $(,)?) => {{ let mut v = $crate::vec::Vec::new(); $(v.push($x);)+ v }};
}

#[macro_export]
macro_rules! format {
    ($($arg:tt)*) => {{ let _ = ::core::format_args!($($arg)*); $crate::string::String::new() }};
}
