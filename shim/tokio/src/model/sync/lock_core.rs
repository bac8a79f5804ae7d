//! What the async `Mutex` and `RwLock` share: an engine lock a poll takes without blocking, and
//! the wakers of the futures waiting for it.

use std::panic::Location;
use std::sync::Mutex as StdMutex;
use std::sync::PoisonError;
use std::task::{Context, Poll};

use conc_check_engine::facade::{self, AsyncLock};

use super::wakers::{wake_all, Waiters};

/// Where a lock operation was called from (the user's line).
pub(crate) type Site = &'static Location<'static>;

/// An async lock and its waiting futures.
pub(crate) struct LockCore {
    lock: AsyncLock,
    /// Futures waiting for the lock. A std lock: it is never held across a scheduling point.
    waiters: StdMutex<Waiters>,
}

impl LockCore {
    /// A mutex's core, named by the caller's line.
    #[track_caller]
    pub(crate) fn mutex() -> Self {
        LockCore {
            lock: AsyncLock::new(),
            waiters: StdMutex::default(),
        }
    }

    /// A read-write lock's core, named by the caller's line.
    #[track_caller]
    pub(crate) fn rw() -> Self {
        LockCore {
            lock: AsyncLock::new_rw(),
            waiters: StdMutex::default(),
        }
    }

    /// Takes the lock (shared or not) if it can, for a `try_*` call at `site` that does not
    /// wait.
    pub(crate) fn try_take(&self, shared: bool, site: Site) -> bool {
        self.lock.try_lock_mode(shared, site)
    }

    /// A poll's attempt at the lock: an acquisition that waits if it fails.
    fn attempt(&self, shared: bool, site: Site) -> bool {
        self.lock.try_acquire_mode(shared, site)
    }

    /// Takes the lock for a future awaited at `site`, or registers its waker and says what it
    /// waits for.
    pub(crate) fn poll_take(&self, shared: bool, site: Site, cx: &Context<'_>) -> Poll<()> {
        if self.attempt(shared, site) {
            return Poll::Ready(());
        }
        self.waiters().register(cx.waker());
        self.lock.awaited_mode(shared, site);
        // On real threads the holder may have released it between the attempt and the
        // registration; inside a model nothing runs in between (no scheduling point).
        if !facade::in_model() && self.attempt(shared, site) {
            return Poll::Ready(());
        }
        Poll::Pending
    }

    /// Releases the lock taken at `site` and wakes every waiting future (the first to poll
    /// takes it).
    pub(crate) fn give_back(&self, shared: bool, site: Site) {
        self.lock.release_mode(shared, site);
        let waiters = self.waiters().take();
        wake_all(waiters);
    }

    fn waiters(&self) -> std::sync::MutexGuard<'_, Waiters> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
