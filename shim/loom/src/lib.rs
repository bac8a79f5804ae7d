//! loom 0.7's API over conc-check's engine: a test suite written against loom runs unchanged,
//! and gets conc-check's search (sleep sets, weak memory, fair scheduling of spin loops), its
//! detectors (lock-order cycles, ABA, livelock, starvation, leaks) and its reports.
//!
//! Switch a crate over with one line in its `Cargo.toml`:
//!
//! ```toml
//! [patch.crates-io]
//! loom = { path = "<conc-check>/shim/loom" }
//! ```
//!
//! What differs from loom, on purpose:
//!
//! - Settings given explicitly on [`model::Builder`] (or through loom's `LOOM_*` variables) are
//!   honoured; the rest are conc-check's defaults (its portfolio rather than loom's unbounded
//!   DFS, its step limit rather than 1,000 branches).
//! - A finding panics with conc-check's rendered report: what happened, where, and the schedule
//!   string that replays it. The checkpoint file (`LOOM_CHECKPOINT_FILE`) holds that schedule,
//!   not loom's JSON.
//! - A panic in any model thread fails the model, as in loom: a `join` of a thread that panicked
//!   panics in turn.

#![allow(clippy::new_without_default)]

pub mod alloc;
pub mod cell;
#[cfg(feature = "futures")]
pub mod future;
pub mod hint;
pub mod lazy_static;
pub mod model;
mod per_execution;
pub mod sync;
pub mod thread;

pub use model::model;

/// Explores the scheduling choices from here on again, after [`stop_exploring`] (or from the
/// start of a model whose builder has `expect_explicit_explore`).
pub fn explore() {
    conc_check_engine::facade::explore();
}

/// Stops exploring scheduling choices: until [`explore`], the execution takes the default
/// choice everywhere (the running thread goes on, a load reads the latest store), as through a
/// critical section nobody needs to check.
pub fn stop_exploring() {
    conc_check_engine::facade::stop_exploring();
}

/// Stops exploring scheduling choices for the rest of this execution, for good: the branch
/// it is on is not interesting.
pub fn skip_branch() {
    conc_check_engine::facade::skip_branch();
}

/// The most threads loom lets a model have (including the main thread). conc-check has no such
/// limit; the constant is here for code that sizes arrays by it.
pub const MAX_THREADS: usize = 5;

/// Declares thread-local keys whose values are per model thread, like `std::thread_local!`:
/// each model thread of each execution starts from the initial value, and the value's
/// destructor runs when the thread ends (the shim's own macro, over the same keys).
pub use conc_check::thread_local;

/// Declares statics initialised on first use, like the `lazy_static` crate, whose values are
/// per execution: every execution of a model starts with them uninitialised, and they are
/// dropped when the model's closure returns (touching one after that is a finding).
#[macro_export]
macro_rules! lazy_static {
    () => {};
    ($(#[$attr:meta])* $vis:vis static ref $name:ident : $t:ty = $init:expr; $($rest:tt)*) => {
        $crate::lazy_static!($(#[$attr])* $vis static ref $name : $t = $init);
        $crate::lazy_static!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static ref $name:ident : $t:ty = $init:expr) => {
        #[allow(non_camel_case_types, missing_docs)]
        $(#[$attr])*
        $vis struct $name {
            __private_field: (),
        }
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        $vis static $name: $name = $name { __private_field: () };
        impl ::std::ops::Deref for $name {
            type Target = $t;
            fn deref(&self) -> &$t {
                fn __initialise() -> $t {
                    $init
                }
                static LAZY: $crate::lazy_static::Lazy<$t> =
                    $crate::lazy_static::Lazy::new(__initialise);
                LAZY.get()
            }
        }
    };
}
