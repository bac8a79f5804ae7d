//! Spin on a flag: a thread waits in a loop for another thread to set a flag.
//!
//! The bug is a wait nobody ends: the waiter spins (politely, with `yield_now`) on `ready`, and
//! the main thread, meaning to release it, sets `started` instead. loom fails such a test with
//! "maximum number of branches" and shuttle with "exceeded max steps", the same message they give
//! for a correct spin without a yield; conc-check's fair scheduler lets a correct spin finish
//! and reports the endless one as a `livelock` naming the loop. The twin is the correct spin,
//! written without any yield: under fair scheduling it always terminates.

use conc_check::sync::atomic::{AtomicBool, Ordering};
use conc_check::sync::Arc;
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

struct Flags {
    started: AtomicBool,
    ready: AtomicBool,
}

/// The bug: the waiter yields while it waits for `ready`, which is never set.
pub fn buggy() {
    let flags = Arc::new(Flags {
        started: AtomicBool::new(false),
        ready: AtomicBool::new(false),
    });
    let f = flags.clone();
    let waiter = thread::spawn(move || {
        while !f.ready.load(Ordering::Acquire) {
            thread::yield_now();
        }
    });
    flags.started.store(true, Ordering::Release);
    waiter.join().unwrap();
}

/// The twin: a busy-wait without any yield on a flag the other thread does set.
pub fn clean() {
    let ready = Arc::new(AtomicBool::new(false));
    let r = ready.clone();
    let waiter = thread::spawn(move || while !r.load(Ordering::Acquire) {});
    let setter = thread::spawn(move || ready.store(true, Ordering::Release));
    waiter.join().unwrap();
    setter.join().unwrap();
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "spin_never_set",
    note: "a thread spins with yield_now on a flag nobody sets (the wrong flag is set)",
    verdict: Verdict::Finds(&[FindingKind::Livelock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "spin_set_ok",
    note:
        "a busy-wait without yield on a flag the other thread sets terminates under fair scheduling",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
