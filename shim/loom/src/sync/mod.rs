//! `loom::sync`: conc-check's model primitives with std's API, and loom's `Arc` and `Notify`.

mod arc;
pub mod atomic;
mod mutex;
mod notify;

pub use arc::Arc;
pub use conc_check_engine::primitive::sync::mpsc;
pub use conc_check_engine::primitive::sync::{
    Barrier, BarrierWaitResult, LockResult, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard,
    TryLockError, TryLockResult, WaitTimeoutResult,
};
pub use mutex::{Condvar, Mutex, MutexGuard};
pub use notify::Notify;
