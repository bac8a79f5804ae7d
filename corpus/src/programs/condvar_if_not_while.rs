//! A consumer checks its condition with `if` instead of `while` around `Condvar::wait`.
//!
//! std documents that condvar waits may wake spuriously and that a notified waiter may find the
//! condition false again because another thread got there first (the "stolen wakeup" of every
//! monitor textbook; POSIX `pthread_cond_wait` says the same). Here a second consumer takes the
//! item between the notification and the waiter re-locking, so the waiter runs on with nothing to
//! consume and its assertion fails.

use conc_check::sync::{Arc, Condvar, Mutex};
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

type Queue = Arc<(Mutex<u32>, Condvar)>;

fn producer(q: Queue) {
    for _ in 0..2 {
        *q.0.lock().unwrap() += 1;
        q.1.notify_one();
    }
}

fn consume_with_if(q: &Queue) {
    let (lock, cv) = &**q;
    let mut items = lock.lock().unwrap();
    if *items == 0 {
        items = cv.wait(items).unwrap();
    }
    assert!(*items > 0, "woke up with nothing to consume");
    *items -= 1;
}

fn consume_with_while(q: &Queue) {
    let (lock, cv) = &**q;
    let mut items = cv.wait_while(lock.lock().unwrap(), |n| *n == 0).unwrap();
    *items -= 1;
}

fn scenario(consume: fn(&Queue)) {
    let q: Queue = Arc::new((Mutex::new(0), Condvar::new()));
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = q.clone();
            thread::spawn(move || consume(&q))
        })
        .collect();
    let p = {
        let q = q.clone();
        thread::spawn(move || producer(q))
    };
    p.join().unwrap();
    for c in consumers {
        c.join().unwrap();
    }
    assert_eq!(*q.0.lock().unwrap(), 0);
}

/// The bug: `if` lets a waiter run on after another consumer took the item.
pub fn buggy() {
    scenario(consume_with_if)
}

/// The twin: `wait_while` re-checks the condition after every wakeup.
pub fn clean() {
    scenario(consume_with_while)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "condvar_if_not_while",
    note: "condition checked with `if` around Condvar::wait; a second consumer steals the item (std Condvar docs)",
    verdict: Verdict::Finds(&[FindingKind::Panic]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "condvar_while_ok",
    note: "wait_while re-checks after every wakeup, spurious ones included",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: true,
};
