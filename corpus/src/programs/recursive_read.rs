//! A reader that read-locks an `RwLock` it already holds for reading.
//!
//! A settings cache: `describe` read-locks the settings and, while holding the guard, calls a
//! helper that read-locks them again. Two read locks never exclude each other, so it looks
//! harmless, but std's `RwLock` (like the kernel's rw-semaphores, where lockdep reports it as a
//! recursive read) makes a new reader wait behind a writer that waits: when the updater
//! queues between the two reads, it waits for the first read lock and the second read waits
//! for it. std's documentation says a thread that takes a lock it already holds may deadlock or
//! panic. conc-check predicts the cycle from one execution in which the recursive read and
//! the writer both appear. The twin reads once and passes the value to the helper.

use conc_check::sync::{Arc, RwLock};
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

struct Settings {
    name: String,
    limit: u32,
}

/// The helper: reads the limit through the lock.
fn limit(settings: &RwLock<Settings>) -> u32 {
    settings.read().unwrap().limit
}

/// Runs `describe` against an updater that raises the limit.
fn scenario(describe: fn(&RwLock<Settings>) -> String) {
    let settings = Arc::new(RwLock::new(Settings {
        name: "pool".into(),
        limit: 4,
    }));
    let updater = {
        let settings = settings.clone();
        thread::spawn(move || settings.write().unwrap().limit += 1)
    };
    let text = describe(&settings);
    assert!(text == "pool: 4" || text == "pool: 5", "{text}");
    updater.join().unwrap();
}

/// The bug: the helper read-locks again while `describe` still holds its guard.
pub fn buggy() {
    scenario(|settings| {
        let s = settings.read().unwrap();
        format!("{}: {}", s.name, limit(settings))
    })
}

/// The twin: one read lock, the value passed on.
pub fn clean() {
    scenario(|settings| {
        let s = settings.read().unwrap();
        let limit = s.limit;
        format!("{}: {limit}", s.name)
    })
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "recursive_read",
    note: "a reader read-locks an RwLock it already holds; a writer queued in between deadlocks both (lockdep's recursive read)",
    verdict: Verdict::Finds(&[FindingKind::LockOrderCycle, FindingKind::Deadlock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "single_read_ok",
    note: "the reader takes the lock once and passes the value on",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
