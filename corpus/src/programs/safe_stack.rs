//! The "safe" stack: a lock-free stack of pool slots that hands one slot to two threads.
//!
//! Dmitry Vyukov posted it as a challenge to model checkers (a Relacy example, later the
//! `safestack` program of SCTBench: Thomson, Donaldson and Betts, "Concurrency Testing Using
//! Controlled Schedulers: An Empirical Study", TOPC 2016, where no systematic technique found
//! it). Its pop guards against ABA by taking the top slot's `next` link with an exchange (so
//! nobody else can pop that slot meanwhile) and putting it back when its compare-and-swap of
//! `head` fails. The guard has a hole: a push of the same slot by its owner stores `next`
//! over the taken link, another thread pops the slot, the owner's pop then succeeds with a
//! stale `next`, and `head` points at a slot somebody owns. Three threads each pop and push
//! twice; the owner of a slot writes its id into the slot and reads it back, so two owners
//! race on the slot's cell. The bug needs several steps of three threads in one order, which
//! random scheduling reaches about once in 60,000 executions (median over 10 seeds).
//!
//! The twin is the textbook Treiber stack over the same pool, with a version tag in `head`
//! that every successful exchange increments, so a stale exchange fails and retries.

use conc_check::cell::UnsafeCell;
use conc_check::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use conc_check::sync::Arc;
use conc_check::{hint, thread, FindingKind};

use super::treiber_index::index;
use crate::{Program, Verdict};

const NIL: usize = usize::MAX;
const SLOTS: usize = 3;
const THREADS: usize = 3;
const ROUNDS: usize = 2;

/// One pool slot: the owner's data and the link to the slot below it on the stack.
struct Slot {
    value: UnsafeCell<usize>,
    next: AtomicUsize,
}

// SAFETY: a slot's `value` is meant to be touched only by the thread that popped the slot;
// whether the stack keeps that promise is what conc-check checks.
unsafe impl Sync for Slot {}

/// A pool whose every slot starts on the stack: 0 on top, then 1, then 2.
fn pool() -> [Slot; SLOTS] {
    std::array::from_fn(|i| Slot {
        value: UnsafeCell::new(0),
        next: AtomicUsize::new(if i + 1 < SLOTS { i + 1 } else { NIL }),
    })
}

/// A stack of pool slots: `pop` hands out a slot, `push` gives it back.
trait SlotStack: Send + Sync {
    fn slots(&self) -> &[Slot; SLOTS];
    fn pop(&self) -> Option<usize>;
    fn push(&self, slot: usize);
}

/// Vyukov's stack: `head` is a bare index, guarded by taking the `next` link.
struct SafeStack {
    slots: [Slot; SLOTS],
    head: AtomicUsize,
    count: AtomicUsize,
}

impl SlotStack for SafeStack {
    fn slots(&self) -> &[Slot; SLOTS] {
        &self.slots
    }

    fn pop(&self) -> Option<usize> {
        while self.count.load(SeqCst) > 1 {
            let head = self.head.load(SeqCst);
            let next = self.slots[head].next.swap(NIL, SeqCst);
            if next != NIL {
                if self
                    .head
                    .compare_exchange(head, next, SeqCst, SeqCst)
                    .is_ok()
                {
                    self.count.fetch_sub(1, SeqCst);
                    return Some(head);
                }
                // Put the taken link back: the hole, since the slot may have moved meanwhile.
                self.slots[head].next.swap(next, SeqCst);
            }
        }
        None
    }

    fn push(&self, slot: usize) {
        let mut head = self.head.load(SeqCst);
        loop {
            self.slots[slot].next.store(head, SeqCst);
            match self.head.compare_exchange(head, slot, SeqCst, SeqCst) {
                Ok(_) => break,
                Err(now) => head = now,
            }
        }
        self.count.fetch_add(1, SeqCst);
    }
}

/// The Treiber stack: `head` holds a slot index in its low 32 bits and a version in its high
/// 32 bits.
struct TaggedStack {
    slots: [Slot; SLOTS],
    head: AtomicU64,
}

/// The head word naming `slot`, one version after `old`.
fn retag(old: u64, slot: usize) -> u64 {
    let low = if slot == NIL {
        u64::from(u32::MAX)
    } else {
        slot as u64
    };
    ((old >> 32) + 1) << 32 | low
}

impl SlotStack for TaggedStack {
    fn slots(&self) -> &[Slot; SLOTS] {
        &self.slots
    }

    fn pop(&self) -> Option<usize> {
        loop {
            let head = self.head.load(SeqCst);
            let top = index(head);
            if top == NIL {
                return None;
            }
            let next = self.slots[top].next.load(SeqCst);
            if self
                .head
                .compare_exchange(head, retag(head, next), SeqCst, SeqCst)
                .is_ok()
            {
                return Some(top);
            }
        }
    }

    fn push(&self, slot: usize) {
        let mut head = self.head.load(SeqCst);
        loop {
            self.slots[slot].next.store(index(head), SeqCst);
            match self
                .head
                .compare_exchange(head, retag(head, slot), SeqCst, SeqCst)
            {
                Ok(_) => return,
                Err(now) => head = now,
            }
        }
    }
}

/// One thread's work: pop a slot (retrying while none is free), write its id into it, read it
/// back, push it; twice.
fn work(stack: &dyn SlotStack, me: usize) {
    for _ in 0..ROUNDS {
        let slot = loop {
            match stack.pop() {
                Some(slot) => break slot,
                None => hint::spin_loop(),
            }
        };
        let cell = &stack.slots()[slot].value;
        // SAFETY: the slot was popped, so it is ours alone, if the stack is right.
        cell.with_mut(|p| unsafe { *p = me });
        // SAFETY: as above.
        let seen = cell.with(|p| unsafe { *p });
        assert_eq!(seen, me, "slot {slot} was handed to two threads");
        stack.push(slot);
    }
}

fn scenario(stack: Arc<dyn SlotStack>) {
    let workers: Vec<_> = (0..THREADS)
        .map(|me| {
            let stack = stack.clone();
            thread::spawn(move || work(&*stack, me))
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}

/// The bug: Vyukov's stack.
pub fn buggy() {
    scenario(Arc::new(SafeStack {
        slots: pool(),
        head: AtomicUsize::new(0),
        count: AtomicUsize::new(SLOTS),
    }))
}

/// The twin: a Treiber stack with a tagged head.
pub fn clean() {
    scenario(Arc::new(TaggedStack {
        slots: pool(),
        head: AtomicU64::new(0),
    }))
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "safe_stack",
    note: "Vyukov's lock-free stack of pool slots (Relacy, SCTBench safestack): a pop that puts a taken link back hands one slot to two threads",
    verdict: Verdict::Finds(&[FindingKind::DataRace, FindingKind::Aba, FindingKind::Panic]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "safe_stack_tagged_ok",
    note: "the same pool and threads on a Treiber stack whose head carries a version tag",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
