//! Reader preference: a hand-written reader-writer lock on one atomic that lets readers in
//! whenever no writer holds it, so a writer waits for a moment with no reader at all.
//!
//! The classic starvation of writers under a reader-preferring lock (Courtois, Heymans and
//! Parnas, "Concurrent control with readers and writers", CACM 1971, first solution). Two readers
//! poll a value until the writer has published it; the writer needs the lock once. With the
//! readers overlapping, the count never drops to zero when the writer looks, and every reader
//! acquisition is a win over the writer. The twin runs the same readers and writer on
//! `sync::RwLock`, which (like std's on Linux) prefers a waiting writer: readers that arrive
//! while it waits block, and the writer gets in as soon as the readers inside leave.

use conc_check::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use conc_check::sync::{Arc, RwLock};
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

/// The lock word: the reader count, plus this bit while the writer holds it.
const WRITER: usize = 1 << 20;

struct Shared {
    lock: AtomicUsize,
    published: AtomicBool,
}

impl Shared {
    fn read_lock(&self) {
        loop {
            let s = self.lock.load(Ordering::Acquire);
            if s & WRITER == 0
                && self
                    .lock
                    .compare_exchange(s, s + 1, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return;
            }
            conc_check::hint::spin_loop();
        }
    }

    fn read_unlock(&self) {
        self.lock.fetch_sub(1, Ordering::Release);
    }

    fn write_lock(&self) {
        while self
            .lock
            .compare_exchange(0, WRITER, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {}
    }

    fn write_unlock(&self) {
        self.lock.store(0, Ordering::Release);
    }
}

/// The bug: readers get in whenever no writer holds the lock.
pub fn buggy() {
    let shared = Arc::new(Shared {
        lock: AtomicUsize::new(0),
        published: AtomicBool::new(false),
    });
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let s = shared.clone();
            thread::spawn(move || loop {
                s.read_lock();
                let done = s.published.load(Ordering::Relaxed);
                s.read_unlock();
                if done {
                    break;
                }
            })
        })
        .collect();
    let s = shared.clone();
    let writer = thread::spawn(move || {
        s.write_lock();
        s.published.store(true, Ordering::Relaxed);
        s.write_unlock();
    });
    writer.join().unwrap();
    for r in readers {
        r.join().unwrap();
    }
}

/// The twin: the same polling readers and one writer on `sync::RwLock`.
pub fn clean() {
    let published = Arc::new(RwLock::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let p = published.clone();
            thread::spawn(move || while !*p.read().unwrap() {})
        })
        .collect();
    let p = published.clone();
    let writer = thread::spawn(move || *p.write().unwrap() = true);
    writer.join().unwrap();
    for r in readers {
        r.join().unwrap();
    }
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "reader_pref_starvation",
    note: "a reader-preferring lock on an atomic: two polling readers keep the writer out (Courtois et al. 1971)",
    verdict: Verdict::Finds(&[FindingKind::Starvation]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "rwlock_readers_ok",
    note: "the same polling readers and writer on sync::RwLock, which serves a waiting writer",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
