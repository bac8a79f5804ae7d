//! Wakers of the futures waiting on one primitive.

use std::task::Waker;

/// The wakers of the futures waiting on a primitive, each kept once.
#[derive(Default)]
pub(crate) struct Waiters(Vec<Waker>);

impl Waiters {
    /// Keeps `waker` to wake later, unless an equivalent one is kept already.
    pub(crate) fn register(&mut self, waker: &Waker) {
        if !self.0.iter().any(|w| w.will_wake(waker)) {
            self.0.push(waker.clone());
        }
    }

    /// Takes every kept waker (to wake once the primitive's state is unlocked: waking is a
    /// scheduling point).
    pub(crate) fn take(&mut self) -> Vec<Waker> {
        std::mem::take(&mut self.0)
    }
}

/// Wakes every waker of `wakers`.
pub(crate) fn wake_all(wakers: Vec<Waker>) {
    for waker in wakers {
        waker.wake();
    }
}
