//! Dining philosophers: five threads, five forks, each takes its left fork then its right one.
//!
//! Dijkstra's problem ("Hierarchical ordering of sequential processes", Acta Informatica 1971,
//! EWD310): when every philosopher holds a left fork, all wait for ever. The locks form a cycle
//! of five, which conc-check reports from a schedule that does not even deadlock. The twin is
//! Dijkstra's resource-ordering fix: the last philosopher takes its right fork first, so every
//! thread takes the forks in ascending order and no cycle can form.

use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

const PHILOSOPHERS: usize = 5;

fn dine(reverse_last: bool) {
    let forks: Arc<Vec<Mutex<u32>>> = Arc::new((0..PHILOSOPHERS).map(|_| Mutex::new(0)).collect());
    let philosophers: Vec<_> = (0..PHILOSOPHERS)
        .map(|i| {
            let forks = forks.clone();
            thread::spawn(move || {
                let (left, right) = (i, (i + 1) % PHILOSOPHERS);
                let (first, second) = if reverse_last && i == PHILOSOPHERS - 1 {
                    (right, left)
                } else {
                    (left, right)
                };
                let mut a = forks[first].lock().unwrap();
                let mut b = forks[second].lock().unwrap();
                *a += 1;
                *b += 1;
            })
        })
        .collect();
    for p in philosophers {
        p.join().unwrap();
    }
    let meals: u32 = forks.iter().map(|f| *f.lock().unwrap()).sum();
    assert_eq!(meals, 2 * PHILOSOPHERS as u32);
}

/// The bug: everyone takes the left fork first.
pub fn buggy() {
    dine(false)
}

/// The twin: the last philosopher takes the right fork first.
pub fn clean() {
    dine(true)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "dining_philosophers_5",
    note: "five philosophers each take the left fork, then the right one (Dijkstra, EWD310)",
    verdict: Verdict::Finds(&[FindingKind::LockOrderCycle, FindingKind::Deadlock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "dining_ordered_ok",
    note: "the last philosopher takes the right fork first: one global fork order",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
