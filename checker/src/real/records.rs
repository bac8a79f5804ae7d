//! The records real mode's parts share, below all of them: who holds a lock, what a thread
//! holds and waits for, what is known of a lock, and the hasher of lock chains.

use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use backtrace::Backtrace;

use crate::event::{ObjectId, ObjectKind, Site, ThreadId, WaitFor};
use crate::holdings::Held;

/// No thread.
pub(crate) const NOBODY: u32 = u32::MAX;

/// The thread that holds a lock exclusively, and where it locked it.
#[derive(Debug)]
pub(crate) struct Holder {
    /// The thread, or [`NOBODY`].
    pub(crate) thread: AtomicU32,
    /// Where it locked the lock.
    pub(crate) site: AtomicPtr<Location<'static>>,
}

impl Holder {
    /// Nobody.
    pub(crate) const fn new() -> Self {
        Holder {
            thread: AtomicU32::new(NOBODY),
            site: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// The holder and its site, if the lock is held exclusively.
    pub(crate) fn get(&self) -> Option<(ThreadId, Option<Site>)> {
        let t = self.thread.load(Ordering::Acquire);
        if t == NOBODY {
            return None;
        }
        let site = self.site.load(Ordering::Acquire);
        // SAFETY: only `&'static Location` pointers are ever stored.
        Some((ThreadId(t), unsafe { site.as_ref() }))
    }
}

/// What real mode knows of one lock that does not change once it is first used: its identity,
/// and the figures kept for the exit summary. Shared with the list of contended locks, so it
/// outlives the lock.
#[derive(Debug)]
pub(crate) struct LockInfo {
    pub(crate) object: ObjectId,
    pub(crate) kind: ObjectKind,
    pub(crate) created: Site,
    /// The figures as of the lock's last contended acquisition (or its drop).
    pub(crate) acquisitions: AtomicU64,
    pub(crate) contended: AtomicU64,
    pub(crate) longest_wait_ns: AtomicU64,
    /// The most acquisitions by others while one waiter waited.
    pub(crate) most_bypassed: AtomicU64,
    /// Already in the list of contended locks.
    pub(crate) listed: AtomicBool,
    /// Starvation already reported.
    pub(crate) starved: AtomicBool,
}

impl LockInfo {
    /// The record of lock `object`, a `kind` created at `created`.
    pub(crate) fn new(object: ObjectId, kind: ObjectKind, created: Site) -> Self {
        LockInfo {
            object,
            kind,
            created,
            acquisitions: AtomicU64::new(0),
            contended: AtomicU64::new(0),
            longest_wait_ns: AtomicU64::new(0),
            most_bypassed: AtomicU64::new(0),
            listed: AtomicBool::new(false),
            starved: AtomicBool::new(false),
        }
    }

    /// What names the lock in a report.
    pub(crate) fn named(&self) -> Named {
        Named {
            kind: self.kind,
            created: self.created,
        }
    }
}

/// A lock a blocked thread waits for. Only read while the waiter's record says it still waits
/// (the waiter clears it, under the record's lock, before its `lock` call returns, so the lock
/// is alive and in place meanwhile).
#[derive(Clone, Copy, Debug)]
pub(crate) struct LockRef(*const Holder);

// SAFETY: see the type's documentation; `Holder` is made of atomics.
unsafe impl Send for LockRef {}

impl LockRef {
    /// A reference to `holder`, a lock's.
    pub(crate) fn new(holder: &Holder) -> Self {
        LockRef(holder)
    }

    /// The lock's exclusive holder.
    ///
    /// # Safety
    /// Only while the waiter that published this reference still waits (see the type).
    pub(crate) unsafe fn holder(self) -> Option<(ThreadId, Option<Site>)> {
        // SAFETY: guaranteed by the caller.
        unsafe { (*self.0).get() }
    }
}

/// What names an object in a report: its kind and where it was created.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Named {
    pub(crate) kind: ObjectKind,
    pub(crate) created: Site,
}

/// A lock a thread holds on real threads: the record both modes keep of holds, and what names
/// the lock.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HeldLock {
    pub(crate) held: Held,
    pub(crate) name: Named,
}

/// A thread's current wait, as the watchdog sees it.
#[derive(Clone)]
pub(crate) struct Wait {
    /// What for, in the wait vocabulary of both modes.
    pub(crate) on: WaitFor,
    /// What names the object waited on, if the wait is on an object.
    pub(crate) object: Option<Named>,
    /// For a lock: where its exclusive holder is published.
    pub(crate) lock: Option<LockRef>,
    /// Where the thread waits.
    pub(crate) site: Site,
    pub(crate) since: Instant,
    /// The locks the thread holds while it waits.
    pub(crate) held: Vec<HeldLock>,
    /// The thread's stack the first time it waited at this site.
    pub(crate) stack: Option<Arc<Backtrace>>,
    /// Counts the thread's waits: the same number on two looks means the same wait.
    pub(crate) number: u64,
    /// For a lock: its exclusive holder and where it locked it, as [`ThreadRecord::wait`] saw.
    pub(crate) holder: Option<(ThreadId, Option<Site>)>,
}

/// Locks `m`, going on if a panicking thread poisoned it (the data are plain records).
pub(crate) fn lock_ignoring_poison<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
