//! `loom::future` (with the `futures` feature): driving a future on a model thread, and loom's
//! `AtomicWaker`.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use conc_check_engine::facade;

use crate::sync::Mutex;
use crate::thread::{self, Thread};

/// Wakes the thread blocked in [`block_on`] (an `unpark`, which the model orders before the
/// `park` it ends).
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: StdArc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &StdArc<Self>) {
        self.0.unpark();
    }
}

/// Spurious polls one `block_on` may make: futures must cope with being polled without a wake,
/// and one is enough to reach every state a later poll can (each poll sees the latest state).
const SPURIOUS_POLLS: u32 = 1;

/// Runs `f` to completion on the current model thread, parking between polls until its waker
/// is woken (and, as a choice, polling once spuriously).
///
/// # Panics
/// Outside a model.
#[track_caller]
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let waker = Waker::from(StdArc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut spurious_left = SPURIOUS_POLLS;
    loop {
        if let Poll::Ready(value) = f.as_mut().poll(&mut cx) {
            return value;
        }
        if spurious_left > 0 && facade::choose(2) == 1 {
            spurious_left -= 1;
            continue;
        }
        thread::park();
    }
}

/// A waker slot for one task: `register` puts a waker in, `wake` wakes and removes it.
#[derive(Debug)]
pub struct AtomicWaker {
    waker: Mutex<Option<Waker>>,
}

impl AtomicWaker {
    /// An empty slot.
    #[track_caller]
    pub fn new() -> AtomicWaker {
        AtomicWaker {
            waker: Mutex::new(None),
        }
    }

    /// Puts `waker` in the slot, replacing what was there.
    #[track_caller]
    pub fn register(&self, waker: Waker) {
        *self.waker.lock().unwrap_or_else(|p| p.into_inner()) = Some(waker);
    }

    /// Puts a clone of `waker` in the slot, unless it already holds one that wakes the same
    /// task.
    #[track_caller]
    pub fn register_by_ref(&self, waker: &Waker) {
        let mut slot = self.waker.lock().unwrap_or_else(|p| p.into_inner());
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }

    /// Wakes the waker in the slot, if any, and empties it.
    #[track_caller]
    pub fn wake(&self) {
        if let Some(waker) = self.take_waker() {
            waker.wake();
        }
    }

    /// Empties the slot, returning its waker.
    #[track_caller]
    pub fn take_waker(&self) -> Option<Waker> {
        self.waker.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl Default for AtomicWaker {
    #[track_caller]
    fn default() -> AtomicWaker {
        AtomicWaker::new()
    }
}
