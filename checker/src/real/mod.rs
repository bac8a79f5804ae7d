//! Real-hardware mode: the detectors watching a normal run on OS threads.
//!
//! Under `--cfg conc_check` but outside a model, the shim's types run over real std primitives
//! and call into this module around each operation. What it adds to a run:
//!
//! - **Lock order** ([`lock`]): each thread keeps the stack of locks it holds in a thread-local,
//!   and a cache of the lock chains it has already reported. Only a chain the thread has not
//!   taken before goes to the shared [`crate::detector::lock_order::LockOrderDetector`] (under one
//!   lock, which is rare), with a backtrace captured there and then. So a cycle is reported from
//!   a run that never deadlocked, with the same rendering as in model mode.
//! - **A watchdog** ([`watchdog`]): threads that block in a shim primitive publish what they wait
//!   for; a background thread looks for a wait-for cycle (or for no progress at all for
//!   `CONC_CHECK_WATCHDOG_SECS`) and then prints the deadlock explanation and ends the process
//!   with [`DEADLOCK_EXIT_CODE`] instead of letting it hang.
//! - **Races on tracked cells** ([`races`]): once the first `cell::UnsafeCell` is accessed, the
//!   synchronisation events feed the same happens-before race detector as in model mode.
//! - **Contention figures** per lock: acquisitions, contended acquisitions, longest wait, and
//!   how often a waiter was bypassed; a `starvation` finding past `CONC_CHECK_STARVATION_BYPASSES`.
//! - **At exit** ([`exit`]): the findings are summarised on stderr and written as JSON into
//!   `CONC_CHECK_REPORT_DIR`.
//!
//! The uncontended fast path of a lock touches only the calling thread's thread-local state and
//! the lock's own metadata: no global lock, no allocation, no backtrace.

mod backtraces;
mod central;
pub mod exit;
pub mod lock;
pub mod races;
mod records;
mod settings;
pub mod thread;
pub mod watchdog;

pub use exit::DEADLOCK_EXIT_CODE;
pub use lock::RealLock;
pub use races::RealSlot;

/// Starts the watchdog and registers the exit hook, once per process.
pub(crate) fn start_process_hooks() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        exit::register();
        watchdog::start();
    });
}
