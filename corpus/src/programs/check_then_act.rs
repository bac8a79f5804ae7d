//! Check-then-act on an atomic flag: two threads both see it unset and both act.
//!
//! The atomicity violation that Lu et al. ("Learning from Mistakes", ASPLOS 2008) found to be
//! the most common non-deadlock concurrency bug: a load and a store that should be one atomic
//! step. The twin uses `compare_exchange`, which makes check and act one operation.

use conc_check::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

fn scenario(claim: fn(&AtomicBool) -> bool) {
    let flag = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (flag, count) = (flag.clone(), count.clone());
            thread::spawn(move || {
                if claim(&flag) {
                    count.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert!(
        count.load(Ordering::SeqCst) <= 1,
        "both threads claimed the flag"
    );
}

/// The bug: load, then store.
pub fn buggy() {
    scenario(|flag| {
        if !flag.load(Ordering::SeqCst) {
            flag.store(true, Ordering::SeqCst);
            true
        } else {
            false
        }
    })
}

/// The twin: one compare-and-swap.
pub fn clean() {
    scenario(|flag| {
        flag.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    })
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "check_then_act",
    note: "load-then-store on a flag lets two threads claim it (atomicity violation, Lu et al. ASPLOS 2008)",
    verdict: Verdict::Finds(&[FindingKind::Panic]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "cas_ok",
    note: "compare_exchange makes the check and the act one atomic step",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
