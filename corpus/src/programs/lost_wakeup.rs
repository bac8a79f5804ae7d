//! Lost wakeup in a hand-written future: the state is checked before the waker is registered.
//!
//! The async form of the oldest condition-variable bug (Lampson and Redell, "Experience with
//! Processes and Monitors in Mesa", CACM 1980, on notifies that find nobody waiting; in Rust
//! the `Future::poll` contract: a future that returns `Pending` must have arranged to be
//! woken). The waiting future reads the flag, finds it clear, and only then stores its waker;
//! the setter runs in between, sets the flag, finds no waker to wake, and the waiting task is
//! never polled again: the test hangs. The twin registers the waker first and checks the flag
//! after, so a set that comes before the registration is seen by the check and one that comes
//! after wakes the waker.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use conc_check::future::{block_on, spawn};
use conc_check::sync::atomic::{AtomicBool, Ordering};
use conc_check::sync::{Arc, Mutex};
use conc_check::FindingKind;

use crate::{Program, Verdict};

/// A one-shot signal between tasks.
#[derive(Default)]
struct Signal {
    set: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Signal {
    /// Sets the flag and wakes whoever registered.
    fn set(&self) {
        self.set.store(true, Ordering::SeqCst);
        if let Some(waker) = self.waker.lock().unwrap().take() {
            waker.wake();
        }
    }
}

/// Waits for the signal; `register_first` is the correct order.
struct Wait {
    signal: Arc<Signal>,
    register_first: bool,
}

impl Future for Wait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let register = || *self.signal.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.register_first {
            register();
        }
        if self.signal.set.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        if !self.register_first {
            register();
        }
        Poll::Pending
    }
}

fn scenario(register_first: bool) {
    let signal = Arc::new(Signal::default());
    let setter = {
        let signal = signal.clone();
        spawn(async move { signal.set() })
    };
    block_on(async {
        Wait {
            signal,
            register_first,
        }
        .await;
        setter.await.unwrap();
    });
}

/// The bug: check, then register.
pub fn buggy() {
    scenario(false)
}

/// The twin: register, then check.
pub fn clean() {
    scenario(true)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "lost_wakeup",
    note: "a future checks its flag before storing its waker; the setter wakes nobody (Mesa monitors, CACM 1980; the poll contract)",
    verdict: Verdict::Finds(&[FindingKind::Deadlock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "wakeup_registered_first_ok",
    note: "the same future registers its waker before it checks the flag",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
