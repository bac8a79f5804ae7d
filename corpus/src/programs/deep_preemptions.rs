//! A bug that needs four preemptions.
//!
//! Two threads each try to advance a shared stage counter three times, thread A on the even
//! stages (0, 2, 4) and thread B on the odd ones (1, 3, 5), each with a check-then-store. The
//! counter only reaches 6 if the two strictly alternate: after each of A's first two advances and
//! each of B's first two, the running thread must be preempted right after its store so that the
//! other checks next. That is four preemptions (the switch after A's last advance is free, since
//! A then finishes), so DFS bounded at two or three preemptions can never find it, while random
//! walks and PCT with depth 5 can. It stands for the deep alternation bugs that the preemption
//! bounding study (Musuvathi and Qadeer, PLDI 2007) found rare but real.
//!
//! The twin asserts only what always holds.

use conc_check::sync::atomic::{AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

fn advance(stage: &AtomicUsize, mine: [usize; 3]) {
    for s in mine {
        if stage.load(Ordering::SeqCst) == s {
            stage.store(s + 1, Ordering::SeqCst);
        }
    }
}

fn run_stages() -> usize {
    let stage = Arc::new(AtomicUsize::new(0));
    let a = {
        let stage = stage.clone();
        thread::spawn(move || advance(&stage, [0, 2, 4]))
    };
    let b = {
        let stage = stage.clone();
        thread::spawn(move || advance(&stage, [1, 3, 5]))
    };
    a.join().unwrap();
    b.join().unwrap();
    stage.load(Ordering::SeqCst)
}

/// The bug: claims the stages can never all be passed.
pub fn buggy() {
    assert_ne!(
        run_stages(),
        6,
        "the threads alternated through every stage"
    );
}

/// The twin: the stage never goes past 6 and at least one advance happens.
pub fn clean() {
    let stage = run_stages();
    assert!((1..=6).contains(&stage), "stage {stage}");
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "deep_preemptions",
    note: "reaching stage 6 needs strict alternation: four preemptions (beyond DFS bounds of 2-3)",
    verdict: Verdict::Finds(&[FindingKind::Panic]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "deep_preemptions_ok",
    note: "asserts only the invariant that holds in every interleaving",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
