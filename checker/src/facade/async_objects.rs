//! What an async front end (the tokio-shaped facade, `shim/tokio`) builds its primitives on:
//! a lock that a poll takes without blocking, and the identity of a channel or a notification,
//! so that a future that waits on one is explained like a thread that blocks on it.
//!
//! The facade keeps its primitives' state in the shim's own (instrumented) locks, so that
//! every strategy sees what depends on what; these objects add what a report needs: who holds
//! an async lock (for lock-order cycles across `.await` and for deadlocks), and what a pending
//! future waits for, from which line.

use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::event::{LockMode, ObjectKind, Site, WaitFor};
use crate::runtime::{api, ObjectSlot};

/// An async mutual-exclusion lock: taken by a poll when free, never blocking the thread (a
/// future that finds it held registers its waker and returns `Pending`).
///
/// Inside a model it is a lock object of the running execution: taking it is an ordinary
/// acquisition to the detectors (an `.await` waits for it, so it can be part of a lock-order
/// cycle or a deadlock), and it is named by where it was created. Outside a model it is a flag.
#[derive(Debug)]
pub struct AsyncLock {
    slot: ObjectSlot,
    taken: AtomicBool,
}

impl AsyncLock {
    /// A free lock, created at the caller's line (which reports name it by).
    #[track_caller]
    pub const fn new() -> Self {
        AsyncLock {
            slot: ObjectSlot::new(Location::caller()),
            taken: AtomicBool::new(false),
        }
    }

    /// Takes the lock if it is free, for a poll at `site`, and says whether it did. Inside a
    /// model this is a scheduling point.
    pub fn try_acquire(&self, site: Site) -> bool {
        if api::in_model() {
            api::poll_lock(self.slot.id(ObjectKind::Mutex), LockMode::Exclusive, site)
        } else {
            self.taken
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        }
    }

    /// Releases the lock (taken with [`AsyncLock::try_acquire`]), at `site`.
    pub fn release(&self, site: Site) {
        if api::in_model() {
            api::unlock(self.slot.id(ObjectKind::Mutex), LockMode::Exclusive, site);
        } else {
            self.taken.store(false, Ordering::Release);
        }
    }

    /// Says that the future the running thread polls waits for this lock, awaited at `site`.
    /// Nothing outside a model.
    pub fn awaited(&self, site: Site) {
        if api::in_model() {
            let id = self.slot.id(ObjectKind::Mutex);
            api::future_waits(WaitFor::Lock(id, LockMode::Exclusive), Some(site));
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
    /// `Notify`, awaited at `site`. Nothing outside a model.
    pub fn awaited_notification(&self, site: Site) {
        self.waits(WaitFor::Condvar, site);
    }
}
