//! tokio's common subset, model-checkable: swap `tokio::` for `conc_check_tokio::` in a
//! service's tests and `cargo conc-check` explores their interleavings.
//!
//! In a normal build every item here is tokio's own (re-exported), so production code and
//! `cargo test` run on tokio. Under `cargo conc-check` (which sets `--cfg conc_check`), or with
//! the `model` feature, they are conc-check's: tasks are [`conc_check::future`] tasks (one model
//! thread each), and the primitives keep their state in the shim's instrumented locks, so the
//! scheduler chooses every interleaving of their operations and the detectors see them.
//!
//! | item | model semantics |
//! |---|---|
//! | [`spawn`], [`task::JoinHandle`], [`task::yield_now`], [`task::JoinSet`] | [`conc_check::future`]'s tasks; a `JoinSet` yields its tasks' results as they finish and aborts the rest when dropped |
//! | [`sync::Mutex`] | FIFO not guaranteed; an `.await` on it is a lock to the lock-order and deadlock detectors |
//! | [`sync::RwLock`] | as `Mutex`, with shared read locks; readers are not queued behind a waiting writer, so tokio's read-while-a-writer-waits deadlock is not found |
//! | [`sync::Semaphore`] | permits counted behind the shim's lock; `acquire_owned` for an `Arc`; not FIFO-fair as tokio's (a waiting `acquire_many` can be overtaken) |
//! | [`sync::watch`] | the latest value behind the shim's `RwLock` (a `Ref` held across an `.await` blocks senders, as in tokio) |
//! | [`sync::Notify`] | `notify_one` stores one permit when nobody waits; `notify_waiters` wakes the futures created before it |
//! | [`sync::mpsc`] | bounded and unbounded channels; a receiver waits while any sender is alive |
//! | [`sync::oneshot`] | one value; the receiver gets an error when the sender is dropped |
//! | [`time`] (`sleep`, `timeout`, `Instant`) | on the virtual clock of [`conc_check::time`]: a timer firing is a scheduling choice |
//! | [`select!`] | branches polled in an order the scheduler chooses (first to last with `biased;`); the losers are dropped |
//!
//! A deadlock report names each stuck task, the `.await` it is pending at and what it waits
//! for (a lock and its holder, a channel nobody can send on, a notification nobody can give).
//!
//! `#[conc_check_tokio::test]` is `#[tokio::test]` in a normal build (which needs `tokio` as a
//! dependency of the crate, as usual) and `#[conc_check::test]` under the checker.

#[cfg(any(conc_check, feature = "model"))]
mod model;
#[cfg(any(conc_check, feature = "model"))]
pub use model::*;

#[cfg(not(any(conc_check, feature = "model")))]
pub use tokio::{select, spawn, test};

/// Tasks: tokio's in a normal build.
#[cfg(not(any(conc_check, feature = "model")))]
pub mod task {
    pub use tokio::task::{spawn, yield_now, AbortHandle, JoinError, JoinHandle, JoinSet};
}

/// Timers: tokio's in a normal build.
#[cfg(not(any(conc_check, feature = "model")))]
pub mod time {
    pub use tokio::time::{
        error, sleep, sleep_until, timeout, timeout_at, Duration, Instant, Sleep, Timeout,
    };
}

/// Synchronisation between tasks: tokio's in a normal build.
#[cfg(not(any(conc_check, feature = "model")))]
pub mod sync {
    pub use tokio::sync::{
        mpsc, oneshot, watch, AcquireError, Mutex, MutexGuard, Notify, OwnedSemaphorePermit,
        RwLock, RwLockReadGuard, RwLockWriteGuard, Semaphore, SemaphorePermit, TryAcquireError,
        TryLockError,
    };
}
