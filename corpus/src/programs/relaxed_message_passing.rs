//! Relaxed message passing: a payload published through a flag stored and loaded `Relaxed`.
//!
//! The message-passing ("MP") litmus test of Alglave, Maranget and Tautschnig, "Herding Cats"
//! (TOPLAS 2014), in the form of chapter 3 of Mara Bos, "Rust Atomics and Locks" (O'Reilly,
//! 2023): one thread writes data and then sets a `ready` flag, another sees the flag and reads
//! the data. With `Relaxed` on the flag nothing orders the data write before the read: a data
//! race, undefined behaviour even though the flag itself is atomic (and on ARM the reader can
//! see the flag set and the old data). Under sequential consistency every run looks right, so
//! only happens-before tracking finds it. The twins use a `Release` store and an `Acquire`
//! load, or `Relaxed` accesses between a `Release` fence and an `Acquire` fence.

use conc_check::cell::UnsafeCell;
use conc_check::sync::atomic::{fence, AtomicBool, Ordering};
use conc_check::sync::Arc;
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

struct Message {
    payload: UnsafeCell<u64>,
    ready: AtomicBool,
}

// SAFETY: the payload is only accessed as the `ready` flag allows; whether the flag's orderings
// make that enough is what conc-check checks.
unsafe impl Sync for Message {}

fn scenario(publish: fn(&AtomicBool), consume: fn(&AtomicBool) -> bool) {
    let message = Arc::new(Message {
        payload: UnsafeCell::new(0),
        ready: AtomicBool::new(false),
    });
    let producer = {
        let message = message.clone();
        thread::spawn(move || {
            // SAFETY: no reader touches the payload before `ready` is set.
            message.payload.with_mut(|p| unsafe { *p = 42 });
            publish(&message.ready);
        })
    };
    if consume(&message.ready) {
        // SAFETY: the producer set `ready` after its write and writes no more.
        let value = message.payload.with(|p| unsafe { *p });
        assert_eq!(value, 42, "the payload was read before it was written");
    }
    producer.join().unwrap();
}

/// The bug: the flag is stored and loaded `Relaxed`.
pub fn buggy() {
    scenario(
        |ready| ready.store(true, Ordering::Relaxed),
        |ready| ready.load(Ordering::Relaxed),
    )
}

/// The twin: a `Release` store read by an `Acquire` load.
pub fn clean() {
    scenario(
        |ready| ready.store(true, Ordering::Release),
        |ready| ready.load(Ordering::Acquire),
    )
}

/// The other twin: `Relaxed` flag accesses after a `Release` fence and before an `Acquire`
/// fence.
pub fn fence_pair() {
    scenario(
        |ready| {
            fence(Ordering::Release);
            ready.store(true, Ordering::Relaxed);
        },
        |ready| {
            let set = ready.load(Ordering::Relaxed);
            if set {
                fence(Ordering::Acquire);
            }
            set
        },
    )
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "relaxed_message_passing",
    note: "payload published through a flag stored and loaded Relaxed (MP litmus test; Rust Atomics and Locks, ch. 3)",
    verdict: Verdict::Finds(&[FindingKind::DataRace]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "release_acquire_ok",
    note: "the flag is stored with Release and loaded with Acquire",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};

/// The fence twin.
pub const FENCE_PAIR: Program = Program {
    name: "fence_pair_ok",
    note: "Relaxed flag accesses ordered by a Release fence before the store and an Acquire fence after the load",
    verdict: Verdict::Clean,
    run: fence_pair,
    spurious_wakeups: false,
};
