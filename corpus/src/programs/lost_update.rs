//! Lost update: two threads increment a counter with a separate load and store.
//!
//! The textbook race (every OS course's `counter++`; the increment in Netzer and Miller's "What
//! are race conditions?", 1992): both threads load the same value and one increment is lost.
//! The twin uses `fetch_add`.

use conc_check::sync::atomic::{AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

fn scenario(increment: fn(&AtomicUsize)) {
    let c = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let c = c.clone();
            thread::spawn(move || {
                increment(&c);
                increment(&c);
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(c.load(Ordering::SeqCst), 4, "an increment was lost");
}

/// The bug: `store(load() + 1)`.
pub fn buggy() {
    scenario(|c| c.store(c.load(Ordering::SeqCst) + 1, Ordering::SeqCst))
}

/// The twin: `fetch_add`.
pub fn clean() {
    scenario(|c| {
        c.fetch_add(1, Ordering::SeqCst);
    })
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "lost_update",
    note: "counter incremented with a separate load and store; two threads, two increments each",
    verdict: Verdict::Finds(&[FindingKind::Panic]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "fetch_add_ok",
    note: "fetch_add increments atomically",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
