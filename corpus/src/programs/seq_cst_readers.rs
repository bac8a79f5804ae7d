//! Correct SeqCst code that a model treating SeqCst as AcqRel fails.
//!
//! Two threads each set a flag (SeqCst); two readers each wait for one flag and then check the
//! other, counting when they see it set. In the single SeqCst order one of the two flag stores
//! comes first, so at least one reader sees both: the count is never 0. loom treats SeqCst as
//! AcqRel, lets both readers miss (IRIW) and fails this program (its own
//! `spec::test_seq_cst` is ignored for that reason); conc-check keeps it clean.

use conc_check::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use conc_check::sync::Arc;
use conc_check::{hint, thread};

use crate::{Program, Verdict};

#[derive(Default)]
struct Flags {
    x: AtomicBool,
    y: AtomicBool,
    seen_both: AtomicUsize,
}

/// The program.
pub fn clean() {
    let flags = Arc::new(Flags::default());
    let spawn = |f: fn(&Flags)| {
        let flags = flags.clone();
        thread::spawn(move || f(&flags))
    };
    let handles = [
        spawn(|f| f.x.store(true, SeqCst)),
        spawn(|f| f.y.store(true, SeqCst)),
        spawn(|f| {
            while !f.x.load(SeqCst) {
                hint::spin_loop();
            }
            if f.y.load(SeqCst) {
                f.seen_both.fetch_add(1, SeqCst);
            }
        }),
        spawn(|f| {
            while !f.y.load(SeqCst) {
                hint::spin_loop();
            }
            if f.x.load(SeqCst) {
                f.seen_both.fetch_add(1, SeqCst);
            }
        }),
    ];
    for h in handles {
        h.join().unwrap();
    }
    assert_ne!(
        flags.seen_both.load(SeqCst),
        0,
        "neither reader saw both flags"
    );
}

/// The program (clean).
pub const CLEAN: Program = Program {
    name: "seq_cst_readers_ok",
    note: "two SeqCst writers, two readers spinning on one flag then reading the other: one always sees both",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
