//! A configuration value published through a `Relaxed` flag and checked by an assertion.
//!
//! The loader stores the value and then sets `ready`; the user spins until `ready` is set and
//! reads the value. With `Relaxed` on the flag nothing makes the value's store happen before
//! its load, so the user may see `ready` and still read the old value (on ARM and POWER it
//! does). No tracked cell is involved: only the weak memory model finds this one. The twin
//! stores the flag with `Release` and loads it with `Acquire`.

use conc_check::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::{hint, thread, FindingKind};

use crate::{Program, Verdict};

#[derive(Default)]
struct Config {
    value: AtomicUsize,
    ready: AtomicBool,
}

fn scenario(publish: Ordering, observe: Ordering) {
    let config = Arc::new(Config::default());
    let loader = {
        let config = config.clone();
        thread::spawn(move || {
            config.value.store(42, Ordering::Relaxed);
            config.ready.store(true, publish);
        })
    };
    while !config.ready.load(observe) {
        hint::spin_loop();
    }
    assert_eq!(
        config.value.load(Ordering::Relaxed),
        42,
        "the flag was set but the value it publishes was not seen"
    );
    loader.join().unwrap();
}

/// The bug: the flag is stored and loaded `Relaxed`.
pub fn buggy() {
    scenario(Ordering::Relaxed, Ordering::Relaxed)
}

/// The twin: `Release` store, `Acquire` load.
pub fn clean() {
    scenario(Ordering::Release, Ordering::Acquire)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "relaxed_publication",
    note: "a value published through a Relaxed flag; the reader spins on the flag and asserts the value",
    verdict: Verdict::Finds(&[FindingKind::Panic]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "release_publication_ok",
    note: "the flag is stored with Release and loaded with Acquire",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
