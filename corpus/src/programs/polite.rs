//! Polite livelock: two threads that both step aside for each other forever.
//!
//! The corridor dance (the textbook livelock; e.g. Herlihy and Shavit, "The Art of Multiprocessor
//! Programming", 2008, on the `LockOne`/`LockTwo` protocols): each thread raises its flag and,
//! seeing the other's flag up, lowers its own, waits a moment and tries again. When they move in
//! step, neither ever gets in, although both keep running. The twin gives one thread priority:
//! it keeps its flag up and waits, the other backs off, and both finish.

use conc_check::sync::atomic::{AtomicBool, Ordering};
use conc_check::sync::Arc;
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

struct Corridor {
    flags: [AtomicBool; 2],
    passed: AtomicBool,
}

/// Raises `me`'s flag until the other's is down, backing off whenever it is up.
fn polite(c: &Corridor, me: usize) {
    let other = 1 - me;
    loop {
        c.flags[me].store(true, Ordering::SeqCst);
        thread::yield_now();
        let busy = c.flags[other].load(Ordering::SeqCst);
        thread::yield_now();
        if !busy {
            break;
        }
        c.flags[me].store(false, Ordering::SeqCst);
        thread::yield_now();
    }
    c.passed.store(true, Ordering::SeqCst);
    c.flags[me].store(false, Ordering::SeqCst);
}

/// Keeps `me`'s flag up and waits for the other's to go down.
fn insistent(c: &Corridor, me: usize) {
    c.flags[me].store(true, Ordering::SeqCst);
    while c.flags[1 - me].load(Ordering::SeqCst) {
        thread::yield_now();
    }
    c.passed.store(true, Ordering::SeqCst);
    c.flags[me].store(false, Ordering::SeqCst);
}

/// Backs off and waits while the other thread's flag is up.
fn deferring(c: &Corridor, me: usize) {
    let other = 1 - me;
    loop {
        c.flags[me].store(true, Ordering::SeqCst);
        if !c.flags[other].load(Ordering::SeqCst) {
            break;
        }
        c.flags[me].store(false, Ordering::SeqCst);
        while c.flags[other].load(Ordering::SeqCst) {
            thread::yield_now();
        }
    }
    c.passed.store(true, Ordering::SeqCst);
    c.flags[me].store(false, Ordering::SeqCst);
}

fn scenario(first: fn(&Corridor, usize), second: fn(&Corridor, usize)) {
    let c = Arc::new(Corridor {
        flags: [AtomicBool::new(false), AtomicBool::new(false)],
        passed: AtomicBool::new(false),
    });
    let c0 = c.clone();
    let a = thread::spawn(move || first(&c0, 0));
    let c1 = c.clone();
    let b = thread::spawn(move || second(&c1, 1));
    a.join().unwrap();
    b.join().unwrap();
    assert!(c.passed.load(Ordering::SeqCst));
}

/// The bug: both threads back off.
pub fn buggy() {
    scenario(polite, polite)
}

/// The twin: one thread has priority.
pub fn clean() {
    scenario(insistent, deferring)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "polite_livelock",
    note: "two threads raise a flag, back off and retry while the other's is up (Herlihy and Shavit 2008)",
    verdict: Verdict::Finds(&[FindingKind::Livelock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "priority_backoff_ok",
    note: "one thread keeps its flag up and waits, the other backs off: both get through",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
