//! A sequence lock whose reader lacks its `Acquire` fence.
//!
//! The writer makes the sequence odd, writes two data words, and makes it even again; a reader
//! reads the sequence, the data, and the sequence again, and keeps the data if both sequence
//! reads agree and are even. The second sequence read must not be satisfied before the data
//! reads: that takes a `fence(Acquire)` between them (Boehm, "Can seqlocks get along with
//! programming language memory models?", MSPC 2012). Without it the reader can keep a torn
//! pair: one word new, one old.

use conc_check::sync::atomic::{fence, AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

#[derive(Default)]
struct SeqLock {
    sequence: AtomicUsize,
    words: [AtomicUsize; 2],
}

impl SeqLock {
    fn write(&self, value: usize) {
        let s = self.sequence.load(Ordering::Relaxed);
        self.sequence.store(s + 1, Ordering::Relaxed);
        fence(Ordering::Release);
        self.words[0].store(value, Ordering::Relaxed);
        self.words[1].store(value, Ordering::Relaxed);
        self.sequence.store(s + 2, Ordering::Release);
    }

    fn read(&self, with_fence: bool) -> [usize; 2] {
        loop {
            let before = self.sequence.load(Ordering::Acquire);
            let words = [
                self.words[0].load(Ordering::Relaxed),
                self.words[1].load(Ordering::Relaxed),
            ];
            if with_fence {
                fence(Ordering::Acquire);
            }
            let after = self.sequence.load(Ordering::Relaxed);
            if before == after && before % 2 == 0 {
                return words;
            }
        }
    }
}

fn scenario(with_fence: bool) {
    let lock = Arc::new(SeqLock::default());
    let writer = {
        let lock = lock.clone();
        thread::spawn(move || lock.write(7))
    };
    let [a, b] = lock.read(with_fence);
    assert_eq!(a, b, "the reader kept a torn pair");
    writer.join().unwrap();
}

/// The bug: no fence in the reader.
pub fn buggy() {
    scenario(false)
}

/// The twin: `fence(Acquire)` before the second sequence read.
pub fn clean() {
    scenario(true)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "seqlock_no_fence",
    note:
        "a seqlock reader without fence(Acquire) before re-reading the sequence keeps a torn pair",
    verdict: Verdict::Finds(&[FindingKind::Panic]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "seqlock_ok",
    note: "the seqlock reader fences before re-reading the sequence",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
