//! Order violation: a thread uses a value before another thread has initialised it.
//!
//! Figure 1(a) of Burckhardt et al., "A Randomized Scheduler with Probabilistic Guarantees of
//! Finding Bugs" (ASPLOS 2010): the child thread dereferences a pointer the parent sets only
//! after spawning it. A bug of depth 1: one ordering constraint. The twin initialises before
//! spawning.

use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

#[derive(Debug)]
struct Config {
    workers: u32,
}

fn use_config(shared: &Mutex<Option<Config>>) -> u32 {
    let guard = shared.lock().unwrap();
    guard
        .as_ref()
        .expect("config used before it was initialised")
        .workers
}

/// The bug: the child may run before the parent initialises.
pub fn buggy() {
    let shared = Arc::new(Mutex::new(None));
    let child = {
        let shared = shared.clone();
        thread::spawn(move || use_config(&shared))
    };
    *shared.lock().unwrap() = Some(Config { workers: 4 });
    assert_eq!(child.join().unwrap(), 4);
}

/// The twin: initialise, then spawn.
pub fn clean() {
    let shared = Arc::new(Mutex::new(None));
    *shared.lock().unwrap() = Some(Config { workers: 4 });
    let child = {
        let shared = shared.clone();
        thread::spawn(move || use_config(&shared))
    };
    assert_eq!(child.join().unwrap(), 4);
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "order_violation",
    note: "child uses a value the parent initialises after spawning it (PCT paper, ASPLOS 2010, fig. 1a)",
    verdict: Verdict::Finds(&[FindingKind::Panic]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "order_ok",
    note: "the value is initialised before the child is spawned",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
