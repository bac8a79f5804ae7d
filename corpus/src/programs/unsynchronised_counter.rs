//! Unsynchronised counter: two threads increment a plain (non-atomic) counter without a lock.
//!
//! The canonical data race of Savage et al., "Eraser: A Dynamic Data Race Detector for
//! Multithreaded Programs" (SOSP 1997): shared data that no lock consistently protects; in Rust
//! it is what a `static mut` counter or an `UnsafeCell` shared through `unsafe impl Sync` does,
//! and the Reference lists it as undefined behaviour. The model runs each increment as one step,
//! so no update is ever lost in it: only happens-before tracking sees the bug. The twin takes a
//! `Mutex` around every access.

use conc_check::cell::UnsafeCell;
use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

struct Counter {
    lock: Mutex<()>,
    count: UnsafeCell<u32>,
}

// SAFETY: `count` is meant to be accessed under `lock` only; whether it is, is what conc-check
// checks.
unsafe impl Sync for Counter {}

fn scenario(increment: fn(&Counter)) {
    let counter = Arc::new(Counter {
        lock: Mutex::new(()),
        count: UnsafeCell::new(0),
    });
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let counter = counter.clone();
            thread::spawn(move || increment(&counter))
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    // SAFETY: both workers have been joined.
    let total = counter.count.with(|p| unsafe { *p });
    assert_eq!(total, 2, "an increment was lost");
}

/// The bug: no lock around the increment.
pub fn buggy() {
    // SAFETY: none; this is the bug.
    scenario(|c| c.count.with_mut(|p| unsafe { *p += 1 }))
}

/// The twin: every increment under the lock.
pub fn clean() {
    scenario(|c| {
        let _guard = c.lock.lock().unwrap();
        // SAFETY: the lock is held.
        c.count.with_mut(|p| unsafe { *p += 1 });
    })
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "unsynchronised_counter",
    note: "two threads increment a shared UnsafeCell counter without a lock (Eraser, SOSP 1997)",
    verdict: Verdict::Finds(&[FindingKind::DataRace]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "locked_counter_ok",
    note: "every increment holds the same Mutex",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
