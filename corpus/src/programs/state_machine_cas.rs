//! A state machine driven by compare-and-swap, whose values come back by design.
//!
//! Two workers each claim a shared device twice by moving its state IDLE→BUSY with a
//! compare-exchange and hand it back with a store of IDLE. While one worker waits, the state
//! goes IDLE→BUSY→IDLE many times and its compare-exchange then succeeds on an IDLE that "came
//! back". That is not ABA in any harmful sense: the worker installs BUSY, which depends on
//! nothing it read before. conc-check must stay silent (the ABA rule needs a stale read too).

use conc_check::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::thread;

use crate::{Program, Verdict};

const IDLE: u8 = 0;
const BUSY: u8 = 1;

struct Device {
    state: AtomicU8,
    uses: AtomicUsize,
}

fn worker(d: &Device) {
    for _ in 0..2 {
        loop {
            if d.state.load(Ordering::Relaxed) == IDLE
                && d.state
                    .compare_exchange(IDLE, BUSY, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                break;
            }
            conc_check::hint::spin_loop();
        }
        d.uses.fetch_add(1, Ordering::Relaxed);
        d.state.store(IDLE, Ordering::Release);
    }
}

/// Two workers claim the device twice each.
pub fn clean() {
    let device = Arc::new(Device {
        state: AtomicU8::new(IDLE),
        uses: AtomicUsize::new(0),
    });
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let d = device.clone();
            thread::spawn(move || worker(&d))
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(device.uses.load(Ordering::Relaxed), 4);
}

/// The program (clean: values come back harmlessly).
pub const CLEAN: Program = Program {
    name: "state_machine_cas_ok",
    note: "CAS cycles a state IDLE→BUSY→IDLE; values come back, harmlessly",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
