//! Locks on real threads: held-lock stacks, lock-order chains, holders for the watchdog, and
//! contention figures.
//!
//! The shim keeps a [`RealLock`] in every `Mutex` and `RwLock` and calls it around the std
//! operation. On the uncontended path that is: one thread-local access, a push on the thread's
//! held stack, two relaxed stores and one relaxed increment on the lock's own metadata. Only a
//! lock chain the thread has not taken before (a new lock-order edge) takes the shared lock.

use std::hash::{BuildHasher, Hasher};
use std::panic::Location;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, LockResult, PoisonError, TryLockError, TryLockResult};
use std::time::Instant;

use super::central;
use super::races;
use super::records::{HeldLock, Holder, LockInfo, LockRef, NOBODY};
use super::settings::Settings;
use super::thread::{self, Local};
use crate::event::{LockMode, ObjectId, ObjectKind, Op, Site, ThreadId, WaitFor};
use crate::fast_hash::FastHash;
use crate::holdings::Held;

/// Rounds of spinning (1, 2, 4, … pause instructions each, 511 in all) before a waiter
/// publishes its wait and blocks in std's `lock`. Publishing, timing and blocking cost far more
/// than a short critical section: with 4 rounds, 8 threads on one Mutex took 1.3x-2.8x std's wall
/// time over eight benchmark runs; with 9 rounds, 0.78x-1.27x over six (`benches/real_mode.rs`).
const SPIN_ROUNDS: u32 = 9;

/// The real-mode half of a shim lock.
///
/// What changes at every acquisition (the holder, the counts) lives here, beside the std lock
/// and so on the cache line its acquirer owns anyway; the identity is allocated on first use.
#[derive(Debug)]
pub struct RealLock {
    info: AtomicPtr<LockInfo>,
    /// The thread holding it exclusively, and where it locked it.
    holder: Holder,
    acquisitions: AtomicU64,
    contended: AtomicU64,
    longest_wait_ns: AtomicU64,
    most_bypassed: AtomicU64,
}

impl Default for RealLock {
    fn default() -> Self {
        Self::new()
    }
}

/// Raises a figure only the lock's holder writes (or, for shared holders, atomically).
#[inline]
fn raise(figure: &AtomicU64, value: u64, mode: LockMode) {
    if mode == LockMode::Exclusive {
        if value > figure.load(Ordering::Relaxed) {
            figure.store(value, Ordering::Relaxed);
        }
    } else {
        figure.fetch_max(value, Ordering::Relaxed);
    }
}

/// Adds one to a counter only the lock's holder writes (no read-modify-write needed), or, for
/// shared holders, atomically.
#[inline]
fn bump(counter: &AtomicU64, mode: LockMode) {
    if mode == LockMode::Exclusive {
        counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    } else {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl RealLock {
    /// A lock not used yet.
    pub const fn new() -> Self {
        RealLock {
            info: AtomicPtr::new(std::ptr::null_mut()),
            holder: Holder::new(),
            acquisitions: AtomicU64::new(0),
            contended: AtomicU64::new(0),
            longest_wait_ns: AtomicU64::new(0),
            most_bypassed: AtomicU64::new(0),
        }
    }

    #[inline]
    fn info(&self, kind: ObjectKind, created: Site) -> &LockInfo {
        let p = self.info.load(Ordering::Acquire);
        if !p.is_null() {
            // SAFETY: set once from `Arc::into_raw` below and released only in `drop`.
            return unsafe { &*p };
        }
        self.init(kind, created)
    }

    #[cold]
    fn init(&self, kind: ObjectKind, created: Site) -> &LockInfo {
        let fresh = Arc::into_raw(Arc::new(LockInfo::new(
            central::new_object(),
            kind,
            created,
        ))) as *mut LockInfo;
        match self.info.compare_exchange(
            std::ptr::null_mut(),
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            // SAFETY: we just stored it.
            Ok(_) => unsafe { &*fresh },
            Err(existing) => {
                // SAFETY: `fresh` came from `Arc::into_raw` and was never shared.
                drop(unsafe { Arc::from_raw(fresh) });
                // SAFETY: as in `info`.
                unsafe { &*existing }
            }
        }
    }

    /// Copies the figures into the shared record, for the exit summary.
    fn publish_figures(&self, info: &LockInfo) {
        let copy = |from: &AtomicU64, to: &AtomicU64| {
            to.store(from.load(Ordering::Relaxed), Ordering::Relaxed);
        };
        copy(&self.acquisitions, &info.acquisitions);
        copy(&self.contended, &info.contended);
        copy(&self.longest_wait_ns, &info.longest_wait_ns);
        copy(&self.most_bypassed, &info.most_bypassed);
    }

    /// Takes the lock: `try_lock` attempts it without blocking (the std `try_lock`); if the lock
    /// is held, the wait is published for the watchdog, the lock order is checked before
    /// blocking, and `lock` (the std `lock`) waits. Returns the std guard, in `Err` when the lock
    /// is poisoned.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn lock<G>(
        &self,
        kind: ObjectKind,
        created: Site,
        mode: LockMode,
        site: Site,
        try_lock: impl Fn() -> TryLockResult<G>,
        lock: impl FnOnce() -> LockResult<G>,
    ) -> Result<G, G> {
        let info = self.info(kind, created);
        // The thread's own records are written before the lock is taken, so that the critical
        // section grows by a few stores on the lock's own cache line only.
        let me = thread::with(|l| {
            if !l.held.is_empty() {
                check_order(l, info, mode, site);
            }
            l.held.push(held(info, mode, site));
            l.id()
        });
        let attempt = || match try_lock() {
            Ok(g) => Some(Ok(g)),
            Err(TryLockError::Poisoned(p)) => Some(Err(p.into_inner())),
            Err(TryLockError::WouldBlock) => None,
        };
        if let Some(r) = attempt() {
            if let Some(me) = me {
                self.taken(me, info.object, mode, site, false);
            }
            return r;
        }
        // Most waits end within a microsecond: too short to publish for the watchdog or to
        // time. Spin a little (as std's lock does) before the slow path.
        let before = self.acquisitions.load(Ordering::Relaxed);
        for round in 0..SPIN_ROUNDS {
            for _ in 0..(1u32 << round) {
                std::hint::spin_loop();
            }
            // Test before test-and-set: reading the holder leaves the cache line shared, where
            // a failed `try_lock` would take it from the thread about to unlock.
            if self.holder.thread.load(Ordering::Relaxed) != NOBODY {
                continue;
            }
            if let Some(r) = attempt() {
                if let Some(me) = me {
                    self.taken(me, info.object, mode, site, false);
                    let after = self.acquisitions.load(Ordering::Relaxed);
                    let bypassed = after.saturating_sub(before).saturating_sub(1);
                    self.briefly_contended(info, mode, bypassed);
                }
                return r;
            }
        }
        thread::with(|l| l.held.pop());
        self.lock_slowly(info, mode, site, lock)
    }

    /// A contended acquisition that spinning resolved: counted, not timed.
    #[inline]
    fn briefly_contended(&self, info: &LockInfo, mode: LockMode, bypassed: u64) {
        bump(&self.contended, mode);
        raise(&self.most_bypassed, bypassed, mode);
        self.list(info);
    }

    /// Puts the lock on the list of contended locks (once), and refreshes its figures there
    /// now and then.
    #[inline]
    fn list(&self, info: &LockInfo) {
        if !info.listed.load(Ordering::Relaxed) && !info.listed.swap(true, Ordering::Relaxed) {
            let p = info as *const LockInfo;
            // SAFETY: `p` came from `Arc::into_raw` and the lock still holds its reference.
            let shared = unsafe {
                Arc::increment_strong_count(p);
                Arc::from_raw(p)
            };
            central::list_contended(shared);
        }
        // The shared record is refreshed now and then, and when the lock is dropped.
        if self.contended.load(Ordering::Relaxed) % 64 == 1 {
            self.publish_figures(info);
        }
    }

    #[cold]
    #[inline(never)]
    fn lock_slowly<G>(
        &self,
        info: &LockInfo,
        mode: LockMode,
        site: Site,
        lock: impl FnOnce() -> LockResult<G>,
    ) -> Result<G, G> {
        let before = self.acquisitions.load(Ordering::Relaxed);
        let started = Instant::now();
        thread::with(|l| {
            l.begin_wait(
                WaitFor::Lock(info.object, mode),
                Some(info.named()),
                Some(LockRef::new(&self.holder)),
                site,
                started,
            );
        });
        let r = lock().map_err(PoisonError::into_inner);
        let waited = started.elapsed();
        let bypassed = self
            .acquisitions
            .load(Ordering::Relaxed)
            .saturating_sub(before);
        thread::with(|l| {
            l.end_wait();
            self.acquired(l, info, mode, site, false, false);
            self.contended(l, info, mode, waited, bypassed, site);
        });
        r
    }

    /// Records the outcome of a `try_lock`: `got` when it acquired the lock.
    #[inline]
    pub fn try_lock(&self, kind: ObjectKind, created: Site, mode: LockMode, site: Site, got: bool) {
        if got {
            let info = self.info(kind, created);
            thread::with(|l| self.acquired(l, info, mode, site, true, false));
        }
    }

    /// Records that the lock is taken again after a condvar wait released it.
    #[inline]
    pub fn relocked(&self, kind: ObjectKind, created: Site, site: Site) {
        let info = self.info(kind, created);
        thread::with(|l| self.acquired(l, info, LockMode::Exclusive, site, false, true));
    }

    #[inline]
    fn object(&self) -> Option<ObjectId> {
        let p = self.info.load(Ordering::Acquire);
        // SAFETY: as in `info`.
        (!p.is_null()).then(|| unsafe { (*p).object })
    }

    /// Records a release, part one: call it just before the std unlock, so that a race check
    /// sees the release before the next thread's acquisition. Then call [`RealLock::released`].
    #[inline(always)]
    pub fn release(&self, mode: LockMode, site: Site) {
        if mode == LockMode::Exclusive {
            self.holder.thread.store(NOBODY, Ordering::Release);
        }
        if races::active() {
            if let (Some(object), Some(me)) = (self.object(), thread::current()) {
                races::feed(me, Some(object), Op::Release { mode }, site);
            }
        }
    }

    /// Records a release, part two: call it just after the std unlock (the thread's own
    /// records need not be written inside the critical section).
    #[inline(always)]
    pub fn released(&self) {
        let Some(object) = self.object() else { return };
        thread::with(|l| {
            // Locks are mostly released in the reverse order of taking them.
            if l.held.last().is_some_and(|h| h.held.object == object) {
                l.held.pop();
            } else if let Some(i) = l.held.iter().rposition(|h| h.held.object == object) {
                l.held.remove(i);
            }
        });
    }

    /// Records a release whole (before a condvar wait unlocks the lock).
    #[inline]
    pub fn unlock(&self, mode: LockMode, site: Site) {
        self.release(mode, site);
        self.released();
    }

    /// The lock is now held by `me`: what must be written inside the critical section.
    #[inline(always)]
    fn taken(&self, me: ThreadId, object: ObjectId, mode: LockMode, site: Site, try_lock: bool) {
        if mode == LockMode::Exclusive {
            self.holder.site.store(
                site as *const Location<'static> as *mut _,
                Ordering::Release,
            );
            self.holder.thread.store(me.0, Ordering::Release);
        }
        bump(&self.acquisitions, mode);
        if races::active() {
            races::feed(me, Some(object), Op::Acquire { mode, try_lock }, site);
        }
    }

    /// The lock is now held by the calling thread: its records and the lock's.
    #[inline]
    fn acquired(
        &self,
        l: &mut Local,
        info: &LockInfo,
        mode: LockMode,
        site: Site,
        try_lock: bool,
        order: bool,
    ) {
        if order && !try_lock {
            check_order(l, info, mode, site);
        }
        l.held.push(held(info, mode, site));
        self.taken(l.id(), info.object, mode, site, try_lock);
    }

    /// A contended acquisition finished after `waited`, with `bypassed` acquisitions by others
    /// meanwhile.
    fn contended(
        &self,
        l: &mut Local,
        info: &LockInfo,
        mode: LockMode,
        waited: std::time::Duration,
        bypassed: u64,
        site: Site,
    ) {
        bump(&self.contended, mode);
        let ns = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX);
        raise(&self.longest_wait_ns, ns, mode);
        raise(&self.most_bypassed, bypassed, mode);
        self.list(info);
        let settings = Settings::get();
        let limit = settings.starvation_bypasses;
        if bypassed > limit
            && waited >= settings.starvation_wait
            && !info.starved.swap(true, Ordering::Relaxed)
        {
            central::starvation(l.id(), info, waited, bypassed, limit, site);
        }
    }
}

impl Drop for RealLock {
    fn drop(&mut self) {
        let p = *self.info.get_mut();
        if !p.is_null() {
            // SAFETY: from `Arc::into_raw` in `init`; this is the lock's own reference.
            let info = unsafe { Arc::from_raw(p) };
            if info.listed.load(Ordering::Relaxed) {
                self.publish_figures(&info);
            }
        }
    }
}

/// The held-stack entry for `info`.
#[inline]
fn held(info: &LockInfo, mode: LockMode, site: Site) -> HeldLock {
    HeldLock {
        held: Held {
            object: info.object,
            mode,
            site,
        },
        name: info.named(),
    }
}

/// Sends the chain held → `info` to the lock-order detector if this thread has not taken it.
#[inline]
fn check_order(l: &mut Local, info: &LockInfo, mode: LockMode, site: Site) {
    if l.held.is_empty() {
        return;
    }
    let mut h = FastHash.build_hasher();
    for HeldLock { held, .. } in &l.held {
        h.write_u32(held.object.0);
        h.write_u8(held.mode as u8);
        h.write_usize(held.site as *const _ as usize);
    }
    h.write_u32(info.object.0);
    h.write_u8(mode as u8);
    h.write_usize(site as *const _ as usize);
    if l.chains.insert(h.finish()) {
        let new = held(info, mode, site);
        central::lock_chain(l.id(), &l.held, new);
    }
}
