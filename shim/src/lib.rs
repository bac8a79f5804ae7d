//! Drop-in replacements for `std::sync` and `std::thread` that conc-check can model-check.
//!
//! In a normal build, [`sync`] and [`thread`] are `std::sync` and `std::thread` themselves:
//! production pays nothing. Under `cargo conc-check` (which sets `--cfg conc_check`), or with the
//! `model` feature, the types are instrumented:
//!
//! - inside [`model`], [`Builder::explore`] or a `#[conc_check::test]`, every operation is a
//!   scheduling point of a controlled scheduler that runs the test under many interleavings;
//! - outside them, they behave exactly like std on real threads.
//!
//! ```
//! use conc_check::sync::{Arc, Mutex};
//! use conc_check::thread;
//!
//! conc_check::model(|| {
//!     let counter = Arc::new(Mutex::new(0));
//!     let handles: Vec<_> = (0..2)
//!         .map(|_| {
//!             let counter = counter.clone();
//!             thread::spawn(move || *counter.lock().unwrap() += 1)
//!         })
//!         .collect();
//!     for h in handles {
//!         h.join().unwrap();
//!     }
//!     assert_eq!(*counter.lock().unwrap(), 2);
//! });
//! ```

pub mod cell;
pub mod future;
pub mod hint;
mod model;
pub mod sync;
pub mod thread;
pub mod time;

pub use conc_check_core::config::MemoryModel;
pub use conc_check_core::report::{Finding, FindingKind, Report, SourceRef};
pub use conc_check_core::{ConfigError, ScheduleError, GRACE};
pub use conc_check_macros::test;
pub use model::{check, model, replay, try_replay, Builder, Strategy};

/// Declares thread-local values, like `std::thread_local!`. Inside a model each model thread has
/// its own values; in a normal build this is `std::thread_local!`.
#[cfg(any(conc_check, feature = "model"))]
#[macro_export]
macro_rules! thread_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr }; $($rest:tt)*) => {
        $crate::thread_local!($(#[$attr])* $vis static $name: $t = $init; $($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr }) => {
        $crate::thread_local!($(#[$attr])* $vis static $name: $t = $init);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        $crate::thread_local!($(#[$attr])* $vis static $name: $t = $init);
        $crate::thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr) => {
        $(#[$attr])* $vis static $name: $crate::thread::LocalKey<$t> = {
            ::std::thread_local!(static REAL: $t = $init);
            fn init() -> $t {
                $init
            }
            $crate::thread::LocalKey::new(&REAL, init)
        };
    };
}

/// Declares thread-local values: `std::thread_local!` in a normal build.
#[cfg(not(any(conc_check, feature = "model")))]
#[macro_export]
macro_rules! thread_local {
    ($($tokens:tt)*) => { ::std::thread_local!($($tokens)*); };
}

#[cfg(all(test, not(any(conc_check, feature = "model"))))]
mod plain_tests {
    use std::any::TypeId;

    #[test]
    fn plain_types_are_std() {
        assert_eq!(
            TypeId::of::<crate::sync::Mutex<u8>>(),
            TypeId::of::<std::sync::Mutex<u8>>()
        );
        assert_eq!(
            TypeId::of::<crate::sync::Condvar>(),
            TypeId::of::<std::sync::Condvar>()
        );
        assert_eq!(
            TypeId::of::<crate::sync::atomic::AtomicUsize>(),
            TypeId::of::<std::sync::atomic::AtomicUsize>()
        );
        assert_eq!(
            TypeId::of::<crate::sync::mpsc::Sender<u8>>(),
            TypeId::of::<std::sync::mpsc::Sender<u8>>()
        );
        assert_eq!(
            TypeId::of::<crate::thread::Thread>(),
            TypeId::of::<std::thread::Thread>()
        );
        assert_eq!(
            TypeId::of::<crate::time::Instant>(),
            TypeId::of::<std::time::Instant>()
        );
        assert_eq!(
            TypeId::of::<crate::time::SystemTime>(),
            TypeId::of::<std::time::SystemTime>()
        );
        assert_eq!(
            std::mem::size_of::<crate::cell::UnsafeCell<u64>>(),
            std::mem::size_of::<u64>(),
            "the cell is a zero-cost wrapper"
        );
        crate::thread_local!(static X: std::cell::Cell<u8> = const { std::cell::Cell::new(3) });
        assert_eq!(X.get(), 3);
        let report = crate::Builder::new().explore(|| {});
        assert_eq!(
            report.executions, 1,
            "without instrumentation the body runs once"
        );
    }
}
