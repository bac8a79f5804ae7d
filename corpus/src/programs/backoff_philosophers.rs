//! Two philosophers who back off: each takes its left fork, tries its right one, and when it is
//! taken puts the left one back, yields and starts over.
//!
//! The livelock of the dining philosophers with "polite" retry (Dijkstra's problem, as CHESS's
//! fair stateless model checking paper and SCTBench use it): no deadlock is possible, since
//! nobody waits while holding a fork, but when both move in lock step (both take their left
//! fork, both fail on the right one, both put theirs back) neither ever eats, although both
//! keep running and every round is fair. Nothing the shared state shows changes from one round
//! to the next, so conc-check reports the round as a lasso once it has replayed it many times.
//! The twins: philosophers that take their forks in one global order (blocking, no retry),
//! and backing off philosophers that give up retrying after 50 failures and then take the
//! forks in the global order (a bounded retry loop: its counter lives on the stack, so the
//! state looks the same every round, but the replay sees it leave the loop).

use conc_check::sync::atomic::{AtomicUsize, Ordering};
use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

/// Failed attempts after which the bounded twin stops backing off.
const RETRY_LIMIT: u32 = 50;

struct Table {
    forks: [Mutex<()>; 2],
    meals: AtomicUsize,
}

/// Eats once, with both forks taken in the global order (lower index first).
fn eat_in_order(table: &Table) {
    let _first = table.forks[0].lock().unwrap();
    let _second = table.forks[1].lock().unwrap();
    table.meals.fetch_add(1, Ordering::Relaxed);
}

/// Takes the left fork, tries the right one, backs off on failure; after `limit` failures (if
/// any), takes both in the global order instead.
fn eat_backing_off(table: &Table, me: usize, limit: Option<u32>) {
    let (left, right) = (&table.forks[me], &table.forks[1 - me]);
    let mut failures = 0;
    loop {
        if limit.is_some_and(|limit| failures >= limit) {
            return eat_in_order(table);
        }
        let held = left.lock().unwrap();
        if let Ok(_other) = right.try_lock() {
            table.meals.fetch_add(1, Ordering::Relaxed);
            return;
        }
        drop(held);
        failures += 1;
        thread::yield_now();
    }
}

fn dinner(eat: fn(&Table, usize)) {
    let table = Arc::new(Table {
        forks: [Mutex::new(()), Mutex::new(())],
        meals: AtomicUsize::new(0),
    });
    let philosophers: Vec<_> = (0..2)
        .map(|me| {
            let table = table.clone();
            thread::spawn(move || eat(&table, me))
        })
        .collect();
    for p in philosophers {
        p.join().unwrap();
    }
    assert_eq!(table.meals.load(Ordering::Relaxed), 2);
}

/// The bug: back off and retry, for ever.
pub fn buggy() {
    dinner(|table, me| eat_backing_off(table, me, None))
}

/// The twin: one global order, no retry.
pub fn clean() {
    dinner(|table, _| eat_in_order(table))
}

/// The twin with a bounded retry loop: at most 50 failures, then the global order.
pub fn bounded() {
    dinner(|table, me| eat_backing_off(table, me, Some(RETRY_LIMIT)))
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "backoff_philosophers",
    note: "two philosophers put their left fork back when the right one is taken and retry; in lock step neither ever eats (livelock)",
    verdict: Verdict::Finds(&[FindingKind::Livelock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "ordered_philosophers_ok",
    note: "both philosophers take the forks in one global order",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};

/// The bounded-retry twin.
pub const BOUNDED: Program = Program {
    name: "bounded_backoff_ok",
    note:
        "backing off philosophers give up after 50 failures and take the forks in the global order",
    verdict: Verdict::Clean,
    run: bounded,
    spurious_wakeups: false,
};
