//! A single-producer/single-consumer ring whose ends spin with `yield_now`.
//!
//! The producer writes a slot and publishes it by advancing `tail` (Release); the consumer sees
//! it by loading `tail` (Acquire), reads the slot, and frees it by advancing `head` (Release),
//! which the producer loads (Acquire) before reusing the slot. When the ring is full or empty,
//! the waiting end yields and looks again. Correct: the slots are tracked cells, so a missing
//! ordering would be a data race, and the consumer checks it gets every item in order. A
//! std-shaped port of the ring in loom's and Relacy's examples, and the spinning program issue
//! 15 measures.

use conc_check::cell::UnsafeCell;
use conc_check::sync::atomic::{AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::thread;

use crate::{Program, Verdict};

/// Slots in the ring.
const CAPACITY: usize = 2;
/// Items sent through it.
const ITEMS: usize = 3;

struct Ring {
    slots: [UnsafeCell<usize>; CAPACITY],
    /// Items taken so far.
    head: AtomicUsize,
    /// Items put so far.
    tail: AtomicUsize,
}

// SAFETY: a slot is written only by the producer while the consumer cannot read it, and read
// only by the consumer after the producer published it (what conc-check checks).
unsafe impl Sync for Ring {}

impl Ring {
    fn push(&self, value: usize) {
        let tail = self.tail.load(Ordering::Relaxed);
        while tail - self.head.load(Ordering::Acquire) == CAPACITY {
            thread::yield_now();
        }
        // SAFETY: the consumer has freed this slot (head moved past it).
        self.slots[tail % CAPACITY].with_mut(|p| unsafe { *p = value });
        self.tail.store(tail + 1, Ordering::Release);
    }

    fn pop(&self) -> usize {
        let head = self.head.load(Ordering::Relaxed);
        while self.tail.load(Ordering::Acquire) == head {
            thread::yield_now();
        }
        // SAFETY: the producer has published this slot (tail moved past it).
        let value = self.slots[head % CAPACITY].with(|p| unsafe { *p });
        self.head.store(head + 1, Ordering::Release);
        value
    }
}

/// The program.
pub fn clean() {
    let ring = Arc::new(Ring {
        slots: [UnsafeCell::new(0), UnsafeCell::new(0)],
        head: AtomicUsize::new(0),
        tail: AtomicUsize::new(0),
    });
    let producer = {
        let ring = ring.clone();
        thread::spawn(move || (0..ITEMS).for_each(|i| ring.push(i)))
    };
    for expected in 0..ITEMS {
        assert_eq!(ring.pop(), expected, "an item was lost or reordered");
    }
    producer.join().unwrap();
}

/// The program (clean).
pub const CLEAN: Program = Program {
    name: "spsc_ring_ok",
    note: "a 2-slot single-producer/single-consumer ring whose ends spin with yield_now",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
