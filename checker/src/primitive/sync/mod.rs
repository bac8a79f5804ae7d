//! The instrumented `sync` types, with std's API. Each operation checks whether it runs inside
//! a model: if so it goes through the engine's scheduler; if not it is the std operation on real
//! threads, watched by real mode.

pub mod atomic;
mod barrier;
mod condvar;
mod lazy_lock;
pub mod mpsc;
mod mutex;
mod once;
mod once_lock;
mod rwlock;

pub use barrier::{Barrier, BarrierWaitResult};
pub use condvar::{Condvar, WaitTimeoutResult};
pub use lazy_lock::LazyLock;
pub use mutex::{Mutex, MutexGuard};
pub use once::{Once, OnceState};
pub use once_lock::OnceLock;
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use std::sync::{Arc, LockResult, PoisonError, TryLockError, TryLockResult, Weak};

/// A real-mode lock result (the std guard, in `Err` when poisoned) with the guard wrapped into
/// the shim's guard type by `wrap`.
fn wrap_real<G, W>(got: Result<G, G>, wrap: impl FnOnce(G) -> W) -> LockResult<W> {
    match got {
        Ok(g) => Ok(wrap(g)),
        Err(g) => Err(PoisonError::new(wrap(g))),
    }
}
