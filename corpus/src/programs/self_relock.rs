//! A helper locks a mutex its caller already holds.
//!
//! The classic Rust pitfall: the guard of the `match` scrutinee lives until the end of the
//! `match`, so the helper called from an arm locks the mutex a second time (rustc issue #93883,
//! clippy's `significant_drop_in_scrutinee`). std's Mutex deadlocks or panics; conc-check reports
//! a deadlock on the very first execution.

use conc_check::sync::Mutex;
use conc_check::FindingKind;

use crate::{Program, Verdict};

fn bump(m: &Mutex<u32>) {
    *m.lock().unwrap() += 1;
}

/// The bug: `helper` runs while the scrutinee's guard is alive.
// Written the way the bug is written in the wild; the lint would steer towards the fix.
#[allow(clippy::single_match)]
pub fn buggy() {
    let m = Mutex::new(0);
    match *m.lock().unwrap() {
        0 => bump(&m),
        _ => {}
    };
}

/// The twin: copy the value out first, so the guard is gone before the helper runs.
pub fn clean() {
    let m = Mutex::new(0);
    let value = *m.lock().unwrap();
    if value == 0 {
        bump(&m);
    }
    assert_eq!(*m.lock().unwrap(), 1);
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "self_relock",
    note: "match-scrutinee guard outlives the arm that calls a helper locking the same Mutex (rustc #93883)",
    verdict: Verdict::Finds(&[FindingKind::Deadlock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "self_relock_ok",
    note: "the value is copied out of the guard before the helper locks",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
