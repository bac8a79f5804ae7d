//! Real threads: each gets a [`ThreadId`], a thread-local state (the locks it holds, the lock
//! chains it has reported) and a shared record the watchdog reads (what it waits for, how far
//! it got).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use backtrace::Backtrace;

use super::records::{lock_ignoring_poison, HeldLock, LockRef, Named, Wait};
use crate::detector::Scene;
use crate::event::{Site, ThreadId, WaitFor};
use crate::fast_hash::FastHash;

/// What other threads (the watchdog, the exit summary) may read of a thread.
pub(crate) struct ThreadRecord {
    pub(crate) id: ThreadId,
    pub(crate) name: Option<String>,
    /// Operations done; written only by the thread itself.
    progress: AtomicU64,
    wait: Mutex<Option<Wait>>,
    waits: AtomicU64,
    pub(crate) finished: AtomicBool,
}

impl ThreadRecord {
    /// The thread's current wait, if it is blocked in a shim primitive.
    pub(crate) fn wait(&self) -> Option<Wait> {
        let slot = lock_ignoring_poison(&self.wait);
        let mut wait = slot.clone()?;
        if let Some(lock) = wait.lock {
            // SAFETY: the waiter still waits: it clears `slot` (under this lock, held here)
            // before its `lock` call returns.
            wait.holder = unsafe { lock.holder() };
        }
        Some(wait)
    }

    /// Operations the thread has done so far.
    pub(crate) fn progress(&self) -> u64 {
        self.progress.load(Ordering::Relaxed)
    }
}

/// The thread-local state of a real thread.
pub(crate) struct Local {
    /// The thread's id (also in `record`; here to spare the fast path a pointer chase).
    id: ThreadId,
    pub(crate) record: Arc<ThreadRecord>,
    /// The locks held, in acquisition order.
    pub(crate) held: Vec<HeldLock>,
    /// Hashes of the lock chains already sent to the lock-order detector.
    pub(crate) chains: HashSet<u64>,
    /// The stack of the first wait at each site.
    first_waits: HashMap<usize, Arc<Backtrace>, FastHash>,
}

impl Local {
    /// This thread's id.
    #[inline]
    pub(crate) fn id(&self) -> ThreadId {
        self.id
    }

    /// Counts one operation other than taking or releasing a lock, which the watchdog does
    /// not need counted: a thread that is not blocked is making progress, as far as it knows
    /// (only this thread writes the counter, so no read-modify-write).
    #[inline]
    pub(crate) fn progressed(&self) {
        let p = &self.record.progress;
        p.store(p.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
    }

    /// Publishes that this thread is about to block, waiting `on` (an object named by `object`;
    /// for a lock, its holder published at `lock`).
    pub(crate) fn begin_wait(
        &mut self,
        on: WaitFor,
        object: Option<Named>,
        lock: Option<LockRef>,
        site: Site,
        since: Instant,
    ) {
        let stack = self
            .first_waits
            .entry(site as *const _ as usize)
            .or_insert_with(|| Arc::new(Backtrace::new_unresolved()))
            .clone();
        let number = self.record.waits.fetch_add(1, Ordering::Relaxed) + 1;
        *lock_ignoring_poison(&self.record.wait) = Some(Wait {
            on,
            object,
            lock,
            site,
            since,
            held: self.held.clone(),
            stack: Some(stack),
            number,
            holder: None,
        });
    }

    /// The wait published by [`Local::begin_wait`] is over.
    pub(crate) fn end_wait(&mut self) {
        *lock_ignoring_poison(&self.record.wait) = None;
        self.progressed();
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        self.record.finished.store(true, Ordering::Release);
    }
}

thread_local! {
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
    /// The id the spawning thread chose for this thread, before its state exists.
    static CHOSEN: std::cell::Cell<Option<ThreadId>> = const { std::cell::Cell::new(None) };
}

static NEXT_ID: AtomicU32 = AtomicU32::new(1);
static MAIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// Every real thread seen, by id.
fn registry() -> &'static Mutex<HashMap<u32, Arc<ThreadRecord>>> {
    static THREADS: std::sync::OnceLock<Mutex<HashMap<u32, Arc<ThreadRecord>>>> =
        std::sync::OnceLock::new();
    THREADS.get_or_init(Default::default)
}

/// A fresh id for a thread about to be spawned.
pub fn reserve_id() -> ThreadId {
    ThreadId(NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

/// Called first thing on a thread spawned through the shim, with the id its parent reserved.
pub fn enter(id: ThreadId) {
    let _ = CHOSEN.try_with(|c| c.set(Some(id)));
}

#[cold]
#[inline(never)]
fn new_local() -> Local {
    let current = std::thread::current();
    let name = current.name().map(str::to_string);
    let chosen = CHOSEN.try_with(|c| c.take()).ok().flatten();
    let id = chosen.unwrap_or_else(|| {
        if name.as_deref() == Some("main") && !MAIN_TAKEN.swap(true, Ordering::Relaxed) {
            ThreadId::MAIN
        } else {
            reserve_id()
        }
    });
    let record = Arc::new(ThreadRecord {
        id,
        name,
        progress: AtomicU64::new(0),
        wait: Mutex::new(None),
        waits: AtomicU64::new(0),
        finished: AtomicBool::new(false),
    });
    lock_ignoring_poison(registry()).insert(id.0, record.clone());
    super::start_process_hooks();
    Local {
        id,
        record,
        held: Vec::new(),
        chains: HashSet::new(),
        first_waits: HashMap::default(),
    }
}

/// Runs `f` on the calling thread's state, creating it on first use. `None` while the thread's
/// thread-locals are being destroyed, or when called again from inside `f`.
#[inline(always)]
pub(crate) fn with<R>(f: impl FnOnce(&mut Local) -> R) -> Option<R> {
    LOCAL
        .try_with(|cell| {
            let mut slot = cell.try_borrow_mut().ok()?;
            let local = match &mut *slot {
                Some(local) => local,
                None => slot.insert(new_local()),
            };
            Some(f(local))
        })
        .ok()
        .flatten()
}

/// The calling thread's id in real mode.
pub fn current() -> Option<ThreadId> {
    with(|l| l.id())
}

/// Whether any real thread has used an instrumented primitive in this process.
pub(crate) fn any() -> bool {
    !lock_ignoring_poison(registry()).is_empty()
}

/// A snapshot of every thread's record.
pub(crate) fn all() -> Vec<Arc<ThreadRecord>> {
    let mut all: Vec<_> = lock_ignoring_poison(registry()).values().cloned().collect();
    all.sort_by_key(|r| r.id);
    all
}

/// Names real threads as the model does, with their OS thread names: "the main thread",
/// "thread 2 (`worker`)".
#[derive(Default)]
pub(crate) struct Names;

impl Scene for Names {
    fn label(&self, thread: ThreadId) -> String {
        if thread == ThreadId::MAIN {
            return "the main thread".to_string();
        }
        let name = lock_ignoring_poison(registry())
            .get(&thread.0)
            .and_then(|r| r.name.clone());
        match name {
            Some(name) => format!("thread {thread} (`{name}`)"),
            None => format!("thread {thread}"),
        }
    }
}

/// Runs `wait` (a blocking std call: a join, a condvar wait) with the wait `on` (an object
/// named by `object`) published for the watchdog.
pub(crate) fn waiting<R>(
    on: WaitFor,
    object: Option<Named>,
    site: Site,
    wait: impl FnOnce() -> R,
) -> R {
    with(|l| l.begin_wait(on, object, None, site, Instant::now()));
    let r = wait();
    with(|l| l.end_wait());
    r
}

/// Runs `join` (the std join of `target`) with the wait published for the watchdog.
pub fn join<R>(target: ThreadId, site: Site, join: impl FnOnce() -> R) -> R {
    waiting(WaitFor::Join(target), None, site, join)
}
