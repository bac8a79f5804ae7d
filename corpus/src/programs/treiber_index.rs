//! Treiber stack of indices: a lock-free stack whose nodes live in a pool and are named by index.
//!
//! The ABA problem as IBM described it for the System/370 free list (IBM, "System/370
//! Principles of Operation", 1983, compare-and-swap appendix; Treiber, "Systems programming:
//! coping with parallelism", 1986): a pop reads `head = A` and `A.next = B`, is preempted, and
//! meanwhile A and B are popped and A is pushed back with a new `next`. The pop's
//! compare-and-swap still finds A, succeeds, and installs B, which another thread owns: B is
//! handed out twice. The twin tags `head` with a counter that every successful exchange
//! increments, so the stale exchange fails and retries.

use conc_check::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

const NIL: usize = usize::MAX;
const NODES: usize = 3;

/// The stack: `head` holds a node index in its low 32 bits and, when `tagged`, a version in its
/// high 32 bits.
struct Stack {
    head: AtomicU64,
    next: [AtomicUsize; NODES],
    tagged: bool,
}

/// The node index in the low 32 bits of a head word (`NIL` for `u32::MAX`).
pub(crate) fn index(word: u64) -> usize {
    match word as u32 {
        u32::MAX => NIL,
        i => i as usize,
    }
}

impl Stack {
    /// A stack holding 0, 1, 2 (0 on top).
    fn full(tagged: bool) -> Self {
        Stack {
            head: AtomicU64::new(0),
            next: [
                AtomicUsize::new(1),
                AtomicUsize::new(2),
                AtomicUsize::new(NIL),
            ],
            tagged,
        }
    }

    /// The new head word for index `i` replacing `old`.
    fn word(&self, old: u64, i: usize) -> u64 {
        let low = if i == NIL {
            u64::from(u32::MAX)
        } else {
            i as u64
        };
        let tag = if self.tagged { (old >> 32) + 1 } else { 0 };
        tag << 32 | low
    }

    fn pop(&self) -> Option<usize> {
        loop {
            let h = self.head.load(Ordering::Acquire);
            let top = index(h);
            if top == NIL {
                return None;
            }
            let next = self.next[top].load(Ordering::Relaxed);
            if self
                .head
                .compare_exchange(h, self.word(h, next), Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Some(top);
            }
        }
    }

    fn push(&self, i: usize) {
        loop {
            let h = self.head.load(Ordering::Acquire);
            self.next[i].store(index(h), Ordering::Relaxed);
            if self
                .head
                .compare_exchange(h, self.word(h, i), Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return;
            }
        }
    }

    /// The indices still on the stack, top first (run after the threads are joined).
    fn contents(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut i = index(self.head.load(Ordering::Acquire));
        while i != NIL && out.len() <= NODES {
            out.push(i);
            i = self.next[i].load(Ordering::Relaxed);
        }
        out
    }
}

fn scenario(tagged: bool) {
    let stack = Arc::new(Stack::full(tagged));
    let s = stack.clone();
    let popper = thread::spawn(move || s.pop());
    let s = stack.clone();
    let recycler = thread::spawn(move || {
        let a = s.pop();
        let b = s.pop();
        if let Some(a) = a {
            s.push(a);
        }
        b
    });
    let mut owned: Vec<usize> = Vec::new();
    owned.extend(popper.join().unwrap());
    owned.extend(recycler.join().unwrap());
    owned.extend(stack.contents());
    let mut distinct = owned.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        owned.len(),
        "a node was handed out twice: {owned:?}"
    );
}

/// The bug: no tag on `head`.
pub fn buggy() {
    scenario(false)
}

/// The twin: `head` carries a version counter.
pub fn clean() {
    scenario(true)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "treiber_index_aba",
    note: "Treiber stack of pool indices without a tag; a pop preempted between reading next and its CAS (IBM 1983)",
    verdict: Verdict::Finds(&[FindingKind::Aba]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "treiber_tagged_ok",
    note: "the same stack with a version tag in head: the stale exchange fails and retries",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
