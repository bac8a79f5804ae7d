//! Double-checked initialisation with a `Relaxed` flag.
//!
//! The fast path loads `initialised` without the lock and, if set, uses the value. The slow
//! path takes the lock, checks again, stores the value and sets the flag. With `Relaxed` on
//! the flag, a thread on the fast path can see the flag set and still read the value's old
//! contents: the lock orders the initialiser only with threads that also take the lock. The
//! twin stores the flag with `Release` and loads it on the fast path with `Acquire` (what
//! `OnceLock` does).

use conc_check::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

#[derive(Default)]
struct Lazy {
    initialised: AtomicBool,
    value: AtomicUsize,
    lock: Mutex<()>,
}

impl Lazy {
    fn get(&self, publish: Ordering, observe: Ordering) -> usize {
        if !self.initialised.load(observe) {
            let _guard = self.lock.lock().unwrap();
            if !self.initialised.load(Ordering::Relaxed) {
                self.value.store(42, Ordering::Relaxed);
                self.initialised.store(true, publish);
            }
        }
        self.value.load(Ordering::Relaxed)
    }
}

fn scenario(publish: Ordering, observe: Ordering) {
    let lazy = Arc::new(Lazy::default());
    let other = {
        let lazy = lazy.clone();
        thread::spawn(move || lazy.get(publish, observe))
    };
    let mine = lazy.get(publish, observe);
    let theirs = other.join().unwrap();
    assert_eq!(
        (mine, theirs),
        (42, 42),
        "a thread used the value before it was initialised"
    );
}

/// The bug: the flag is `Relaxed`.
pub fn buggy() {
    scenario(Ordering::Relaxed, Ordering::Relaxed)
}

/// The twin: `Release` store, `Acquire` fast-path load.
pub fn clean() {
    scenario(Ordering::Release, Ordering::Acquire)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "double_checked_relaxed",
    note: "double-checked initialisation with a Relaxed flag: the fast path may see the flag but not the value",
    verdict: Verdict::Finds(&[FindingKind::Panic]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "double_checked_acquire_ok",
    note: "double-checked initialisation with a Release store and an Acquire fast-path load",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
