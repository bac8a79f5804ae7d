//! Locks on real threads: held-lock stacks, lock-order chains, holders for the watchdog, and
//! contention figures.
//!
//! The shim keeps a [`RealLock`] in every `Mutex` and `RwLock` and calls it around the std
//! operation. On the uncontended path that is: one thread-local access, a push on the thread's
//! held stack, two relaxed stores and one relaxed increment on the lock's own metadata. Only a
//! lock chain the thread has not taken before (a new lock-order edge) takes the shared lock.

use std::hash::{BuildHasher, Hasher};
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, LockResult, PoisonError, TryLockError, TryLockResult};
use std::time::Instant;

use super::central;
use super::races;
use super::settings::Settings;
use super::thread::{self, Held, Local, WaitKind};
use crate::event::{LockMode, ObjectId, ObjectKind, Op, Site, ThreadId};

const NOBODY: u32 = u32::MAX;

/// What real mode knows of one lock; shared with the watchdog and the exit summary, so it
/// outlives the lock when it has been contended.
#[derive(Debug)]
pub(crate) struct LockInfo {
    pub(crate) object: ObjectId,
    pub(crate) kind: ObjectKind,
    pub(crate) created: Site,
    /// The thread holding it exclusively, or [`NOBODY`].
    holder: AtomicU32,
    /// Where that thread locked it.
    holder_site: AtomicPtr<Location<'static>>,
    pub(crate) acquisitions: AtomicU64,
    pub(crate) contended: AtomicU64,
    pub(crate) longest_wait_ns: AtomicU64,
    /// The most acquisitions by others while one waiter waited.
    pub(crate) most_bypassed: AtomicU64,
    /// Already in the list of contended locks.
    listed: AtomicBool,
    /// Starvation already reported.
    starved: AtomicBool,
}

impl LockInfo {
    fn new(kind: ObjectKind, created: Site) -> Self {
        LockInfo {
            object: central::new_object(),
            kind,
            created,
            holder: AtomicU32::new(NOBODY),
            holder_site: AtomicPtr::new(std::ptr::null_mut()),
            acquisitions: AtomicU64::new(0),
            contended: AtomicU64::new(0),
            longest_wait_ns: AtomicU64::new(0),
            most_bypassed: AtomicU64::new(0),
            listed: AtomicBool::new(false),
            starved: AtomicBool::new(false),
        }
    }

    /// The thread holding the lock exclusively, and where it locked it.
    pub(crate) fn holder(&self) -> Option<(ThreadId, Option<Site>)> {
        let t = self.holder.load(Ordering::Acquire);
        if t == NOBODY {
            return None;
        }
        let site = self.holder_site.load(Ordering::Acquire);
        // SAFETY: only `&'static Location` pointers are ever stored.
        Some((ThreadId(t), unsafe { site.as_ref() }))
    }
}

/// The real-mode half of a shim lock. Zero-sized until first used: the metadata is allocated
/// on the first acquisition.
#[derive(Debug)]
pub struct RealLock {
    info: AtomicPtr<LockInfo>,
}

impl Default for RealLock {
    fn default() -> Self {
        Self::new()
    }
}

impl RealLock {
    /// A lock not used yet.
    pub const fn new() -> Self {
        RealLock {
            info: AtomicPtr::new(std::ptr::null_mut()),
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
        let fresh = Arc::into_raw(Arc::new(LockInfo::new(kind, created))) as *mut LockInfo;
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

    /// A counted reference to the metadata, for the watchdog.
    fn shared(&self, info: &LockInfo) -> Arc<LockInfo> {
        let p = info as *const LockInfo;
        // SAFETY: `p` came from `Arc::into_raw` and the lock still holds its reference.
        unsafe {
            Arc::increment_strong_count(p);
            Arc::from_raw(p)
        }
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
        try_lock: impl FnOnce() -> TryLockResult<G>,
        lock: impl FnOnce() -> LockResult<G>,
    ) -> Result<G, G> {
        let info = self.info(kind, created);
        let now = match try_lock() {
            Ok(g) => Some(Ok(g)),
            Err(TryLockError::Poisoned(p)) => Some(Err(p.into_inner())),
            Err(TryLockError::WouldBlock) => None,
        };
        if let Some(r) = now {
            thread::with(|l| acquired(l, info, mode, site, false, true));
            return r;
        }
        let before = info.acquisitions.load(Ordering::Relaxed);
        let started = Instant::now();
        let shared = self.shared(info);
        thread::with(|l| {
            check_order(l, info, mode, site);
            l.begin_wait(WaitKind::Lock { info: shared, mode }, site);
        });
        let r = lock().map_err(PoisonError::into_inner);
        let waited = started.elapsed();
        let bypassed = info
            .acquisitions
            .load(Ordering::Relaxed)
            .saturating_sub(before);
        thread::with(|l| {
            l.end_wait();
            acquired(l, info, mode, site, false, false);
            contended(l, info, waited, bypassed, site);
        });
        r
    }

    /// Records the outcome of a `try_lock`: `got` when it acquired the lock.
    #[inline]
    pub fn try_lock(&self, kind: ObjectKind, created: Site, mode: LockMode, site: Site, got: bool) {
        if got {
            let info = self.info(kind, created);
            thread::with(|l| acquired(l, info, mode, site, true, false));
        }
    }

    /// Records that the lock is taken again after a condvar wait released it.
    #[inline]
    pub fn relocked(&self, kind: ObjectKind, created: Site, site: Site) {
        let info = self.info(kind, created);
        thread::with(|l| acquired(l, info, LockMode::Exclusive, site, false, true));
    }

    /// Records a release. Call it just before the std unlock, so that a race check sees the
    /// release before the next thread's acquisition.
    #[inline]
    pub fn unlock(&self, mode: LockMode, site: Site) {
        let p = self.info.load(Ordering::Acquire);
        if p.is_null() {
            return;
        }
        // SAFETY: as in `info`.
        let info = unsafe { &*p };
        thread::with(|l| {
            if races::active() {
                races::feed(l.id(), Some(info.object), Op::Release { mode }, site);
            }
            if mode == LockMode::Exclusive {
                info.holder.store(NOBODY, Ordering::Release);
            }
            if let Some(i) = l.held.iter().rposition(|h| h.object == info.object) {
                l.held.remove(i);
            }
            l.progressed();
        });
    }
}

impl Drop for RealLock {
    fn drop(&mut self) {
        let p = *self.info.get_mut();
        if !p.is_null() {
            // SAFETY: from `Arc::into_raw` in `init`; this is the lock's own reference.
            drop(unsafe { Arc::from_raw(p) });
        }
    }
}

/// The lock is now held by the calling thread.
#[inline]
fn acquired(
    l: &mut Local,
    info: &LockInfo,
    mode: LockMode,
    site: Site,
    try_lock: bool,
    order: bool,
) {
    if order && !try_lock && !l.held.is_empty() {
        check_order(l, info, mode, site);
    }
    let me = l.id();
    if mode == LockMode::Exclusive {
        info.holder_site.store(
            site as *const Location<'static> as *mut _,
            Ordering::Release,
        );
        info.holder.store(me.0, Ordering::Release);
    }
    if mode == LockMode::Exclusive {
        // Only the holder writes the count: no read-modify-write needed.
        let n = &info.acquisitions;
        n.store(n.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    } else {
        info.acquisitions.fetch_add(1, Ordering::Relaxed);
    }
    l.held.push(Held {
        object: info.object,
        kind: info.kind,
        created: info.created,
        mode,
        site,
    });
    l.progressed();
    if races::active() {
        races::feed(me, Some(info.object), Op::Acquire { mode, try_lock }, site);
    }
}

/// Sends the chain held → `info` to the lock-order detector if this thread has not taken it.
#[inline]
fn check_order(l: &mut Local, info: &LockInfo, mode: LockMode, site: Site) {
    if l.held.is_empty() {
        return;
    }
    let mut h = ChainHasher.build_hasher();
    for held in &l.held {
        h.write_u32(held.object.0);
        h.write_u8(held.mode as u8);
        h.write_usize(held.site as *const _ as usize);
    }
    h.write_u32(info.object.0);
    h.write_u8(mode as u8);
    h.write_usize(site as *const _ as usize);
    if l.chains.insert(h.finish()) {
        let new = Held {
            object: info.object,
            kind: info.kind,
            created: info.created,
            mode,
            site,
        };
        central::lock_chain(l.id(), &l.held, new);
    }
}

/// A contended acquisition finished after `waited`, with `bypassed` acquisitions by others
/// meanwhile.
#[cold]
fn contended(
    l: &mut Local,
    info: &LockInfo,
    waited: std::time::Duration,
    bypassed: u64,
    site: Site,
) {
    info.contended.fetch_add(1, Ordering::Relaxed);
    let ns = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX);
    info.longest_wait_ns.fetch_max(ns, Ordering::Relaxed);
    info.most_bypassed.fetch_max(bypassed, Ordering::Relaxed);
    if !info.listed.swap(true, Ordering::Relaxed) {
        let p = info as *const LockInfo;
        // SAFETY: `p` came from `Arc::into_raw` and the lock still holds its reference.
        let shared = unsafe {
            Arc::increment_strong_count(p);
            Arc::from_raw(p)
        };
        central::list_contended(shared);
    }
    let settings = Settings::get();
    let limit = settings.starvation_bypasses;
    if bypassed > limit
        && waited >= settings.starvation_wait
        && !info.starved.swap(true, Ordering::Relaxed)
    {
        central::starvation(l.id(), info, waited, bypassed, limit, site);
    }
}

/// A fast hasher for lock chains (FxHash's multiply-rotate).
#[derive(Default, Clone, Copy)]
struct ChainHasher;

impl BuildHasher for ChainHasher {
    type Hasher = FxLike;
    fn build_hasher(&self) -> FxLike {
        FxLike(0)
    }
}

struct FxLike(u64);

impl Hasher for FxLike {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(u64::from(v));
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}
