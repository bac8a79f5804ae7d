//! Async ABBA: two tasks take the same two async locks in opposite orders across an `.await`.
//!
//! The AB-BA deadlock (see [`super::abba`]) in async clothes: tokio's `Mutex` is held across
//! `.await` points by design, so a task that holds one lock while it awaits another is the
//! normal case, and two tasks that nest them in opposite orders hang when each holds its first
//! lock. Neither task blocks its thread; both are pending forever. conc-check reports the
//! lock-order cycle from any schedule where both orders happen, and the deadlock names each
//! task's `.await`. The twin nests the same locks in one order in both tasks.

use conc_check::future::block_on;
use conc_check::sync::Arc;
use conc_check::FindingKind;
use conc_check_tokio::spawn;
use conc_check_tokio::sync::Mutex;
use conc_check_tokio::task::yield_now;

use crate::{Program, Verdict};

/// Two tasks move one unit between accounts `from` and `to`, each locking its source first.
fn transfers(opposite: bool) {
    block_on(async {
        let savings = Arc::new(Mutex::new(10));
        let checking = Arc::new(Mutex::new(10));
        let (s, c) = (savings.clone(), checking.clone());
        let to_checking = spawn(async move {
            let mut from = s.lock().await;
            yield_now().await;
            let mut to = c.lock().await;
            *from -= 1;
            *to += 1;
        });
        let (s, c) = (savings.clone(), checking.clone());
        let to_savings = spawn(async move {
            let (first, second) = if opposite { (c, s) } else { (s, c) };
            let mut held = first.lock().await;
            yield_now().await;
            let mut other = second.lock().await;
            *held -= 1;
            *other += 1;
        });
        to_checking.await.unwrap();
        to_savings.await.unwrap();
        assert_eq!(*savings.lock().await + *checking.lock().await, 20);
    });
}

/// The bug: each task locks its own source account first.
pub fn buggy() {
    transfers(true)
}

/// The twin: both tasks lock savings before checking.
pub fn clean() {
    transfers(false)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "async_abba",
    note: "two tasks hold one async Mutex across an .await for the other, in opposite orders",
    verdict: Verdict::Finds(&[FindingKind::LockOrderCycle, FindingKind::Deadlock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "async_lock_order_ok",
    note: "the same two tasks take the two async locks in one order",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
