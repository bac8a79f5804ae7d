//! ABBA: two threads take the same two locks in opposite orders.
//!
//! The deadlock Linux's lockdep was written to catch before it happens
//! (`Documentation/locking/lockdep-design.rst`, "AB-BA deadlock"), and the shape of the classic
//! bank transfer that locks the source account and then the destination. Most schedules pass;
//! the one where each thread holds its first lock deadlocks. conc-check reports the lock-order
//! cycle from any schedule in which both orders happen, deadlocked or not. The twin has three
//! threads that take subsets of the locks, always in one order (A before B before C).

use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

/// The bug: one thread takes A then B, the other B then A.
pub fn buggy() {
    let a = Arc::new(Mutex::new(0));
    let b = Arc::new(Mutex::new(0));
    let (a2, b2) = (a.clone(), b.clone());
    let first = thread::spawn(move || {
        let mut x = a.lock().unwrap();
        let mut y = b.lock().unwrap();
        *x += 1;
        *y += 1;
    });
    let second = thread::spawn(move || {
        let mut y = b2.lock().unwrap();
        let mut x = a2.lock().unwrap();
        *x += 1;
        *y += 1;
    });
    first.join().unwrap();
    second.join().unwrap();
}

/// The twin: three threads, each takes two or three of A, B and C, always in the order A, B, C.
pub fn clean() {
    let a = Arc::new(Mutex::new(0));
    let b = Arc::new(Mutex::new(0));
    let c = Arc::new(Mutex::new(0));
    let (a1, b1) = (a.clone(), b.clone());
    let first = thread::spawn(move || {
        let mut x = a1.lock().unwrap();
        let mut y = b1.lock().unwrap();
        *x += 1;
        *y += 1;
    });
    let (b2, c2) = (b.clone(), c.clone());
    let second = thread::spawn(move || {
        let mut y = b2.lock().unwrap();
        let mut z = c2.lock().unwrap();
        *y += 1;
        *z += 1;
    });
    let (a3, b3, c3) = (a.clone(), b.clone(), c.clone());
    let third = thread::spawn(move || {
        let mut x = a3.lock().unwrap();
        let y = b3.lock().unwrap();
        let mut z = c3.lock().unwrap();
        *x += 1;
        *z += *y;
    });
    first.join().unwrap();
    second.join().unwrap();
    third.join().unwrap();
    assert_eq!(*a.lock().unwrap(), 2);
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "abba",
    note: "two threads lock A then B and B then A (lockdep's AB-BA deadlock)",
    verdict: Verdict::Finds(&[FindingKind::LockOrderCycle, FindingKind::Deadlock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "consistent_order_ok",
    note: "three threads take subsets of A, B, C, always in that order",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
