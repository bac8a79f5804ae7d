//! Peterson's mutual exclusion with `Release` stores and `Acquire` loads.
//!
//! Each thread raises its flag, gives the turn away, and waits while the other's flag is up
//! and the turn is the other's. Its correctness needs each thread's flag store to be visible
//! before its load of the other flag: store buffering, which `Release`/`Acquire` allows, lets
//! both threads read the other's flag as down and enter together. The twin makes every access
//! `SeqCst` (the classic fix; Rust Atomics and Locks, ch. 3, and Lahav et al., PLDI 2017).

use conc_check::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::{hint, thread, FindingKind};

use crate::{Program, Verdict};

#[derive(Default)]
struct Peterson {
    flags: [AtomicBool; 2],
    turn: AtomicUsize,
    /// Threads inside the critical section.
    inside: AtomicUsize,
}

impl Peterson {
    fn critical_section(&self, me: usize, store: Ordering, load: Ordering) {
        let other = 1 - me;
        self.flags[me].store(true, store);
        self.turn.store(other, store);
        while self.flags[other].load(load) && self.turn.load(load) == other {
            hint::spin_loop();
        }
        let before = self.inside.fetch_add(1, Ordering::Relaxed);
        assert_eq!(before, 0, "both threads are in the critical section");
        self.inside.fetch_sub(1, Ordering::Relaxed);
        self.flags[me].store(false, store);
    }
}

fn scenario(store: Ordering, load: Ordering) {
    let lock = Arc::new(Peterson::default());
    let other = {
        let lock = lock.clone();
        thread::spawn(move || lock.critical_section(1, store, load))
    };
    lock.critical_section(0, store, load);
    other.join().unwrap();
}

/// The bug: `Release` stores and `Acquire` loads.
pub fn buggy() {
    scenario(Ordering::Release, Ordering::Acquire)
}

/// The twin: every access `SeqCst`.
pub fn clean() {
    scenario(Ordering::SeqCst, Ordering::SeqCst)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "peterson_release_acquire",
    note: "Peterson's lock with Release/Acquire: store buffering lets both threads in",
    verdict: Verdict::Finds(&[FindingKind::Panic]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "peterson_seqcst_ok",
    note: "Peterson's lock with SeqCst accesses",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
