//! Synchronisation between tasks, with tokio's names and signatures.

pub mod mpsc;
mod mutex;
mod notify;
pub mod oneshot;
mod wakers;

pub use mutex::{Lock, Mutex, MutexGuard, TryLockError};
pub use notify::{Notified, Notify};
