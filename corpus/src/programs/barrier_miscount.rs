//! Barrier miscount: a barrier sized for three threads that only two reach.
//!
//! std's `Barrier::new(n)` blocks every `wait` until `n` threads have called it; sizing it for
//! one thread too many (counting the spawning thread that never waits, or a worker that was
//! removed) hangs every waiter for ever, like the `WaitGroup` misuse in Tu et al.,
//! "Understanding Real-World Concurrency Bugs in Go" (ASPLOS 2019). The twin sizes the barrier
//! for the threads that wait.

use conc_check::sync::{Arc, Barrier};
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

fn scenario(size: usize) {
    let barrier = Arc::new(Barrier::new(size));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}

/// The bug: `Barrier::new(3)` and two waiters.
pub fn buggy() {
    scenario(3)
}

/// The twin: `Barrier::new(2)`.
pub fn clean() {
    scenario(2)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "barrier_miscount",
    note: "Barrier::new(3) with only two threads that wait (std Barrier docs)",
    verdict: Verdict::Finds(&[FindingKind::Deadlock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "barrier_ok",
    note: "the barrier is sized for the two threads that wait",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
