//! A test-and-set spin lock that one thread can be bypassed on for ever.
//!
//! A worker keeps taking and releasing a test-and-set lock until a flag says stop; a second
//! thread needs the lock once, to raise that flag. If its `swap` always comes while the worker
//! holds the lock, it never gets in, although it runs in every round and its `swap` is always
//! enabled (strong fairness does not help: the lock is free only at moments the waiter does
//! not look). The unfair spin lock of Herlihy and Shavit ("The Art of Multiprocessor
//! Programming", 2008, ch. 7), the shape CHESS's fairness work is about. Loom and shuttle flag
//! it only when their step caps fire, which also fire on correct spin loops; conc-check finds
//! the round that repeats and reports it as a starvation once it has replayed it many times.
//! The twin is a ticket lock: a waiter takes a ticket and is served in order, so the worker's
//! next round waits for it.

use conc_check::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

/// A lock and a way to release it.
trait SpinLock: Send + Sync + 'static {
    /// Takes the lock; returns what unlocking needs.
    fn lock(&self) -> usize;
    /// Releases the lock taken with `ticket`.
    fn unlock(&self, ticket: usize);
}

/// Test-and-set: whoever swaps in `true` first gets it.
#[derive(Default)]
struct TestAndSet(AtomicBool);

impl SpinLock for TestAndSet {
    fn lock(&self) -> usize {
        while self.0.swap(true, Ordering::Acquire) {
            thread::yield_now();
        }
        0
    }

    fn unlock(&self, _: usize) {
        self.0.store(false, Ordering::Release);
    }
}

/// A ticket lock: first come, first served.
#[derive(Default)]
struct Ticket {
    next: AtomicUsize,
    serving: AtomicUsize,
}

impl SpinLock for Ticket {
    fn lock(&self) -> usize {
        let mine = self.next.fetch_add(1, Ordering::Relaxed);
        while self.serving.load(Ordering::Acquire) != mine {
            thread::yield_now();
        }
        mine
    }

    fn unlock(&self, ticket: usize) {
        self.serving.store(ticket + 1, Ordering::Release);
    }
}

fn scenario<L: SpinLock + Default>() {
    let lock = Arc::new(L::default());
    let stop = Arc::new(AtomicBool::new(false));
    let worker = {
        let (lock, stop) = (lock.clone(), stop.clone());
        thread::spawn(move || {
            while !stop.load(Ordering::Acquire) {
                let ticket = lock.lock();
                lock.unlock(ticket);
                thread::yield_now();
            }
        })
    };
    let ticket = lock.lock();
    stop.store(true, Ordering::Release);
    lock.unlock(ticket);
    worker.join().unwrap();
}

/// The bug: the test-and-set lock.
pub fn buggy() {
    scenario::<TestAndSet>()
}

/// The twin: the ticket lock.
pub fn clean() {
    scenario::<Ticket>()
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "tas_starvation",
    note: "a test-and-set spin lock whose waiter always swaps while the worker holds it is bypassed for ever (starvation)",
    verdict: Verdict::Finds(&[FindingKind::Starvation]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "ticket_lock_ok",
    note: "a ticket lock serves the waiter before the worker's next round",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
