//! The instrumented `sync` types. Each operation checks whether it runs inside a model: if so it
//! goes through the engine's scheduler; if not it is the std operation on real threads.

mod condvar;
mod mutex;

pub use condvar::{Condvar, WaitTimeoutResult};
pub use mutex::{Mutex, MutexGuard};
pub use std::sync::{Arc, LockResult, PoisonError, TryLockError, TryLockResult, Weak};
