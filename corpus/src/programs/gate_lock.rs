//! Gate lock: both orders of two locks are taken, but only while holding a common outer lock.
//!
//! The false alarm the Goodlock algorithm had to learn to suppress (Havelund, "Using runtime
//! analysis to guide model checking of Java programs", SPIN 2000; Bensalem and Havelund,
//! "Dynamic deadlock analysis of multi-threaded programs", 2005): when every thread takes A and
//! B inside the same lock G, the opposite orders can never interleave. The twin is that clean
//! program; the bug is the same code with one path that skips the gate, which can deadlock.

use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

struct Locks {
    gate: Mutex<()>,
    a: Mutex<u32>,
    b: Mutex<u32>,
}

fn scenario(second_takes_gate: bool) {
    let locks = Arc::new(Locks {
        gate: Mutex::new(()),
        a: Mutex::new(0),
        b: Mutex::new(0),
    });
    let l = locks.clone();
    let first = thread::spawn(move || {
        let _gate = l.gate.lock().unwrap();
        let mut a = l.a.lock().unwrap();
        let mut b = l.b.lock().unwrap();
        *a += 1;
        *b += 1;
    });
    let l = locks.clone();
    let second = thread::spawn(move || {
        let _gate = second_takes_gate.then(|| l.gate.lock().unwrap());
        let mut b = l.b.lock().unwrap();
        let mut a = l.a.lock().unwrap();
        *a += 1;
        *b += 1;
    });
    first.join().unwrap();
    second.join().unwrap();
    assert_eq!(*locks.a.lock().unwrap(), 2);
}

/// The bug: the second thread takes B then A without the gate.
pub fn buggy() {
    scenario(false)
}

/// The twin: both orders are taken under the gate lock.
pub fn clean() {
    scenario(true)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "gate_lock_bypassed",
    note: "A then B under a gate lock, B then A without it (Bensalem and Havelund 2005)",
    verdict: Verdict::Finds(&[FindingKind::LockOrderCycle, FindingKind::Deadlock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "gate_lock_ok",
    note: "both orders of A and B are taken only while holding the same outer lock G",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
