//! Races on tracked cells, on real threads, by the model's own happens-before race detector.
//!
//! Nothing is recorded until the first access to a tracked `cell::UnsafeCell`: a program
//! without tracked cells pays nothing for race detection. From then on every synchronisation
//! the shim sees (locks, atomics, fences, spawn, join) and every cell access is fed, in the
//! order it happened, to [`crate::detector::race::DataRaceDetector`] under the shared lock.
//! The order is made real: a release is fed before the std unlock and an acquisition after the
//! std lock, and an atomic operation runs inside the shared lock, so the detector sees each load
//! after the store it read, which is what its one-release-clock-per-location rule needs.
//!
//! Happens-before edges from before the first cell access are not needed: any chain that orders
//! two cell accesses starts after the first of them.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use super::central;
use super::records::Named;
use super::thread;
use crate::event::{Event, MemOrder, ObjectId, ObjectKind, Op, Site, ThreadId, WaitFor};

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Whether race tracking has started (a tracked cell was accessed).
#[inline]
pub fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// The real-mode identity of an atomic or a cell, numbered on first use.
#[derive(Debug, Default)]
pub struct RealSlot {
    id: AtomicU32,
}

impl RealSlot {
    /// An object not used yet.
    pub const fn new() -> Self {
        RealSlot {
            id: AtomicU32::new(0),
        }
    }

    pub(crate) fn id(&self) -> ObjectId {
        let id = self.id.load(Ordering::Relaxed);
        if id != 0 {
            return ObjectId(id);
        }
        let fresh = central::new_object();
        match self
            .id
            .compare_exchange(0, fresh.0, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh,
            Err(existing) => ObjectId(existing),
        }
    }

    /// A read (`write == false`) or write of the cell created at `created`, at `site`.
    pub fn cell_access(&self, created: Site, write: bool, site: Site) {
        if !active() {
            ACTIVE.store(true, Ordering::SeqCst);
        }
        let object = self.id();
        let Some(me) = thread::with(|l| {
            l.progressed();
            l.id()
        }) else {
            return;
        };
        let op = if write { Op::CellWrite } else { Op::CellRead };
        central::with(|c| {
            c.announce(object, ObjectKind::Cell, created);
            c.race_event(&Event {
                thread: me,
                object: Some(object),
                op,
                site,
            });
        });
    }

    /// Runs the atomic operation `op` on the atomic created at `created` and, once race
    /// tracking is active, records it as `event` says.
    ///
    /// Before tracking starts the operation runs alone. If tracking started while it ran (another
    /// thread's first cell access), it is recorded afterwards: it may have read a store that
    /// was recorded meanwhile, and recording it later can only order it after more stores than
    /// it saw (hiding a race), never before the one it read (inventing one).
    #[inline]
    pub fn atomic<R>(
        &self,
        created: Site,
        site: Site,
        op: impl FnOnce() -> R,
        event: impl FnOnce(&R) -> Op,
    ) -> R {
        if !active() {
            let result = op();
            if active() {
                self.record_late(created, site, event(&result));
            }
            return result;
        }
        let object = self.id();
        let Some(me) = thread::current() else {
            return op();
        };
        central::with(|c| {
            c.announce(object, ObjectKind::Atomic, created);
            let result = op();
            c.race_event(&Event {
                thread: me,
                object: Some(object),
                op: event(&result),
                site,
            });
            result
        })
    }
}

impl RealSlot {
    #[cold]
    fn record_late(&self, created: Site, site: Site, op: Op) {
        let object = self.id();
        let Some(me) = thread::current() else {
            return;
        };
        central::with(|c| {
            c.announce(object, ObjectKind::Atomic, created);
            c.race_event(&Event {
                thread: me,
                object: Some(object),
                op,
                site,
            });
        });
    }
}

/// Runs `wait` (the std condvar wait) with the wait on the condvar `slot`, created at
/// `created`, published for the watchdog.
pub fn condvar_wait<R>(slot: &RealSlot, created: Site, site: Site, wait: impl FnOnce() -> R) -> R {
    let named = Named {
        kind: ObjectKind::Condvar,
        created,
    };
    thread::waiting(WaitFor::Condvar(slot.id()), Some(named), site, wait)
}

impl RealSlot {
    /// Records that the calling thread publishes what it did through this object (a message
    /// sent, a barrier reached), as a release of it.
    pub fn publish(&self, kind: ObjectKind, created: Site, site: Site) {
        if !active() {
            return;
        }
        self.synchronise(kind, created, site, false);
    }

    /// Records that the calling thread has seen what others published through this object (a
    /// message received, a barrier passed), as an acquisition of every release so far.
    ///
    /// That is more than std promises (a receive is ordered after its own message's send, not
    /// after every earlier one), so it can hide a race, never invent one.
    pub fn observe(&self, kind: ObjectKind, created: Site, site: Site) {
        if !active() {
            return;
        }
        self.synchronise(kind, created, site, true);
    }

    fn synchronise(&self, kind: ObjectKind, created: Site, site: Site, acquire: bool) {
        let object = self.id();
        let Some(me) = thread::current() else { return };
        let mode = crate::event::LockMode::Exclusive;
        central::with(|c| {
            c.announce(object, kind, created);
            let event = |op| Event {
                thread: me,
                object: Some(object),
                op,
                site,
            };
            if acquire {
                // Acquired and at once released: nothing is left held.
                c.race_event(&event(Op::Acquire {
                    mode,
                    try_lock: true,
                }));
            }
            c.race_event(&event(Op::Release { mode }));
        });
    }
}

/// The real-mode identity of a channel, shared by its ends.
#[derive(Debug)]
pub struct RealChannel {
    slot: RealSlot,
    created: Site,
}

impl RealChannel {
    /// A channel created at `created`.
    pub fn new(created: Site) -> std::sync::Arc<Self> {
        std::sync::Arc::new(RealChannel {
            slot: RealSlot::new(),
            created,
        })
    }

    /// Call before each send: the sender's past happens before the receive.
    pub fn sent(&self, site: Site) {
        self.slot.publish(ObjectKind::Channel, self.created, site);
    }

    /// Call after each successful receive.
    pub fn received(&self, site: Site) {
        self.slot.observe(ObjectKind::Channel, self.created, site);
    }
}

/// Feeds one event of `thread` (call only when [`active`]).
pub(crate) fn feed(thread: ThreadId, object: Option<ObjectId>, op: Op, site: Site) {
    central::with(|c| {
        c.race_event(&Event {
            thread,
            object,
            op,
            site,
        })
    });
}

/// A fence on a real thread.
pub fn fence(order: MemOrder, site: Site) {
    if !active() {
        return;
    }
    if let Some(me) = thread::current() {
        feed(me, None, Op::Fence { order }, site);
    }
}

/// The calling thread is about to spawn a thread; returns the id the child will have.
pub fn spawn(site: Site) -> ThreadId {
    let child = thread::reserve_id();
    if active() {
        if let Some(me) = thread::current() {
            feed(me, None, Op::Spawn { child }, site);
        }
    }
    child
}

/// The calling thread joined `target`.
pub fn joined(target: ThreadId, site: Site) {
    if let Some(me) = thread::with(|l| {
        l.progressed();
        l.id()
    }) {
        if active() {
            feed(me, None, Op::Join { target }, site);
        }
    }
}
