//! What an async front end (the tokio-shaped facade, `shim/tokio`) builds its primitives on:
//! a lock that a poll takes without blocking, and the identity of a channel or a notification,
//! so that a future that waits on one is explained like a thread that blocks on it.
//!
//! The facade keeps its primitives' state in the shim's own (instrumented) locks, so that
//! every strategy sees what depends on what; these objects add what a report needs: who holds
//! an async lock (for lock-order cycles across `.await` and for deadlocks), and what a pending
//! future waits for, from which line.

use std::panic::Location;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::event::{LockMode, ObjectKind, Site, WaitFor};
use crate::runtime::{api, ObjectSlot};

/// An async lock: taken by a poll when free, never blocking the thread (a future that finds it
/// held registers its waker and returns `Pending`), exclusively (a mutex, a write lock) or
/// shared (a read lock).
///
/// Inside a model it is a lock object of the running execution: taking it is an ordinary
/// acquisition to the detectors (an `.await` waits for it, so it can be part of a lock-order
/// cycle or a deadlock), and it is named by where it was created. Outside a model it is a
/// counter: the number of shared holders, or [`EXCLUSIVE`] for an exclusive one.
#[derive(Debug)]
pub struct AsyncLock {
    slot: ObjectSlot,
    kind: ObjectKind,
    holders: AtomicUsize,
}

/// What [`AsyncLock`]'s counter holds while the lock is held exclusively.
const EXCLUSIVE: usize = usize::MAX;

impl AsyncLock {
    /// A free mutex, created at the caller's line (which reports name it by).
    #[track_caller]
    pub const fn new() -> Self {
        AsyncLock {
            slot: ObjectSlot::new(Location::caller()),
            kind: ObjectKind::Mutex,
            holders: AtomicUsize::new(0),
        }
    }

    /// A free read-write lock, created at the caller's line.
    #[track_caller]
    pub const fn new_rw() -> Self {
        AsyncLock {
            slot: ObjectSlot::new(Location::caller()),
            kind: ObjectKind::RwLock,
            holders: AtomicUsize::new(0),
        }
    }

    fn mode(shared: bool) -> LockMode {
        if shared {
            LockMode::Shared
        } else {
            LockMode::Exclusive
        }
    }

    /// Takes the lock shared (`shared`) or exclusively if it can, for a poll at `site`, and says
    /// whether it did. Inside a model this is a scheduling point.
    pub fn try_acquire_mode(&self, shared: bool, site: Site) -> bool {
        if api::in_model() {
            return api::poll_lock(self.slot.id(self.kind), Self::mode(shared), site);
        }
        let taken = |holders: usize| match (shared, holders) {
            (false, 0) => Some(EXCLUSIVE),
            (true, n) if n != EXCLUSIVE => Some(n + 1),
            _ => None,
        };
        self.holders
            .fetch_update(Ordering::Acquire, Ordering::Relaxed, taken)
            .is_ok()
    }

    /// Takes the lock shared (`shared`) or exclusively if it can, for a `try_lock` that does
    /// not wait (so, unlike a poll's attempt, no lock-order edge), and says whether it did.
    /// Inside a model this is a scheduling point.
    pub fn try_lock_mode(&self, shared: bool, site: Site) -> bool {
        if api::in_model() {
            return api::try_lock(self.slot.id(self.kind), Self::mode(shared), site);
        }
        self.try_acquire_mode(shared, site)
    }

    /// Releases the lock taken in the mode `shared` says, at `site`.
    pub fn release_mode(&self, shared: bool, site: Site) {
        if api::in_model() {
            api::unlock(self.slot.id(self.kind), Self::mode(shared), site);
        } else if shared {
            self.holders.fetch_sub(1, Ordering::Release);
        } else {
            self.holders.store(0, Ordering::Release);
        }
    }

    /// Says that the future the running thread polls waits for this lock in the mode `shared`
    /// says, awaited at `site`. Nothing outside a model.
    pub fn awaited_mode(&self, shared: bool, site: Site) {
        if api::in_model() {
            let id = self.slot.id(self.kind);
            api::future_waits(WaitFor::Lock(id, Self::mode(shared)), Some(site));
        }
    }
}

impl Default for AsyncLock {
    #[track_caller]
    fn default() -> Self {
        AsyncLock::new()
    }
}

/// The identity of an async channel or notification: what a report names when a future waits
/// on it.
#[derive(Debug)]
pub struct AsyncWaitable {
    slot: ObjectSlot,
    kind: ObjectKind,
}

impl AsyncWaitable {
    /// A channel created at the caller's line.
    #[track_caller]
    pub const fn channel() -> Self {
        AsyncWaitable {
            slot: ObjectSlot::new(Location::caller()),
            kind: ObjectKind::Channel,
        }
    }

    /// A notification (`Notify`) created at the caller's line.
    #[track_caller]
    pub const fn notify() -> Self {
        AsyncWaitable {
            slot: ObjectSlot::new(Location::caller()),
            kind: ObjectKind::Notify,
        }
    }

    /// A semaphore created at the caller's line.
    #[track_caller]
    pub const fn semaphore() -> Self {
        AsyncWaitable {
            slot: ObjectSlot::new(Location::caller()),
            kind: ObjectKind::Semaphore,
        }
    }

    fn waits(&self, wait: impl FnOnce(crate::event::ObjectId) -> WaitFor, site: Site) {
        if api::in_model() {
            api::future_waits(wait(self.slot.id(self.kind)), Some(site));
        }
    }

    /// Says that the future the running thread polls waits for a message (or the last sender
    /// to leave) on this channel, awaited at `site`. Nothing outside a model.
    pub fn awaited_receive(&self, site: Site) {
        self.waits(WaitFor::Receive, site);
    }

    /// Says that the future the running thread polls waits for room on this channel, awaited
    /// at `site`. Nothing outside a model.
    pub fn awaited_send(&self, site: Site) {
        self.waits(WaitFor::Send, site);
    }

    /// Says that the future the running thread polls waits for a notification of this
    /// `Notify` (or a permit of this semaphore), awaited at `site`. Nothing outside a model.
    pub fn awaited_notification(&self, site: Site) {
        self.waits(WaitFor::Condvar, site);
    }
}
