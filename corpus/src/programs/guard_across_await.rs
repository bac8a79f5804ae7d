//! A std `Mutex` guard held across an `.await` that another task needs the lock to complete.
//!
//! Clippy's `await_holding_lock` lint names the pattern; tokio's documentation warns that a
//! blocking lock held across an `.await` can deadlock. Here the awaiting task holds the lock
//! while it waits for a signal from a worker, and the worker must take that lock before it
//! signals: whenever the awaiting task locks first, the worker blocks on the lock and the
//! signal never comes. The twin drops the guard before it awaits.

use conc_check::future::block_on;
use conc_check::sync::{Arc, Mutex};
use conc_check::FindingKind;
use conc_check_tokio::spawn;
use conc_check_tokio::sync::Notify;

use crate::{Program, Verdict};

fn scenario(hold_across_await: bool) {
    let jobs = Arc::new(Mutex::new(0));
    let done = Arc::new(Notify::new());
    let (worker_jobs, worker_done) = (jobs.clone(), done.clone());
    let worker = spawn(async move {
        *worker_jobs.lock().unwrap() += 1;
        worker_done.notify_one();
    });
    block_on(async {
        let guard = jobs.lock().unwrap();
        let seen = *guard;
        if !hold_across_await {
            drop(guard);
            done.notified().await;
        } else {
            done.notified().await;
            drop(guard);
        }
        assert!(seen <= 1);
        worker.await.unwrap();
    });
}

/// The bug: the guard lives across the `.await`.
pub fn buggy() {
    scenario(true)
}

/// The twin: the guard is dropped first.
pub fn clean() {
    scenario(false)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "guard_across_await",
    note: "a std Mutex guard held across an .await on a Notify the lock's next taker must give (clippy's await_holding_lock)",
    verdict: Verdict::Finds(&[FindingKind::Deadlock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "guard_dropped_before_await_ok",
    note: "the same task drops the guard before it awaits",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
